#pragma once
// The job domain: a request for one card, its IPP-named states, and the
// journal entries (events) that record every transition.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cardd {

using JobId = std::int64_t;

// IPP job-state names (RFC 8011 §5.3.7).
enum class JobState {
  Pending,
  PendingHeld,
  Processing,
  ProcessingStopped,
  Completed,
  Canceled,
  Aborted,
};

std::string_view jobStateName(JobState s);
std::optional<JobState> parseJobState(std::string_view name);
bool isTerminal(JobState s);

// Who asked: the peer's credentials as read from SO_PEERCRED.
struct Actor {
  std::int64_t uid = -1;
  std::string user;  // login name, or "#<uid>" when unknown
};

// A validated job request, ready to store. `payload` is the personal data
// (person, photo, fingerprints) as compact JSON: it is stored but never logged.
struct NewJob {
  std::string template_id;
  std::string profile_id;
  int priority = 50;
  std::optional<std::string> idempotency_key;
  bool hold = false;
  std::string payload;
  std::int64_t photo_bytes = 0;
  std::int64_t fingerprint_count = 0;
};

struct Job {
  JobId id = 0;
  JobState state = JobState::Pending;
  std::vector<std::string> state_reasons;
  int priority = 50;
  std::string template_id;
  std::string profile_id;
  std::optional<std::string> idempotency_key;
  Actor owner;
  std::int64_t created_at_ms = 0;
  std::int64_t updated_at_ms = 0;
  std::int64_t photo_bytes = 0;
  std::int64_t fingerprint_count = 0;
  std::optional<std::string> chip_serial;  // set when a card was issued (store/attempt_store.hpp)
};

// One row of the journal. `seq` is global and strictly increasing: the SSE
// stream's resume point.
struct JobEvent {
  std::int64_t seq = 0;
  std::int64_t at_ms = 0;
  std::string kind;  // "job-created" | "job-state-changed" | "card-attempt"
  JobId job_id = 0;
  std::optional<JobState> from;
  JobState to = JobState::Pending;
  std::vector<std::string> reasons;
  Actor actor;
  std::int64_t job_owner_uid = -1;  // for filtering operators' event streams
};

}  // namespace cardd
