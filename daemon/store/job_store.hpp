#pragma once
// Jobs and their journal in SQLite. Every mutation appends its JobEvent(s) to
// the journal in the same transaction and to `events_out`, so the caller can
// publish them after COMMIT. Transitions are checked against the state
// machine: an illegal one changes nothing.
//
// Threading: a JobStore is bound to one Database and used by that
// connection's thread. Transactions are the caller's (StoreCommitter or a test).

#include <optional>
#include <vector>

#include "core/clock.hpp"
#include "core/result.hpp"
#include "jobs/job.hpp"
#include "store/database.hpp"

namespace cardd {

struct SubmitOutcome {
  Job job;
  bool created = false;  // false: an earlier job with the same idempotency key
};

struct JobListQuery {
  std::vector<JobState> states;           // empty: any state
  std::optional<std::int64_t> owner_uid;  // set: only this owner's jobs
  JobId after = 0;                        // keyset cursor: ids greater than this
  int limit = 50;
};

struct JobPage {
  std::vector<Job> jobs;
  std::optional<JobId> next_after;  // set when more jobs may follow
};

class JobStore {
 public:
  JobStore(Database& db, const Clock& clock) : db_(db), clock_(clock) {}

  // Stores a new job (pending, or pending-held when requested) with its
  // job-created event. A repeated idempotency key of the same owner returns
  // the first job with created=false and writes nothing.
  Result<SubmitOutcome> submit(const NewJob& job, const Actor& owner,
                               std::vector<JobEvent>& events_out);

  // NotFound when there is no such job.
  Result<Job> get(JobId id);
  Result<JobPage> list(const JobListQuery& query);

  // Moves a job to `to`, journaling the change. IllegalTransition when the
  // state machine refuses; NotFound when the job does not exist.
  Result<Job> transition(JobId id, JobState to, const std::vector<std::string>& reasons,
                         const Actor& actor, std::vector<JobEvent>& events_out);

  // The job's history, oldest first.
  Result<std::vector<JobEvent>> jobEvents(JobId id);
  // Appends a journal event that belongs to no job (kind "alert"; job_id
  // stored NULL, read back as 0): the SSE stream carries it to supervisors
  // and technicians, not to operators' own-job streams.
  Result<JobEvent> appendStationEvent(JobEvent event);
  // Events with seq > `after_seq`, oldest first, at most `limit`. With
  // owner_uid set, only events of that owner's jobs.
  Result<std::vector<JobEvent>> eventsSince(std::int64_t after_seq, int limit,
                                            std::optional<std::int64_t> owner_uid);

  // The seq of the newest journal event (0 when there is none).
  Result<std::int64_t> lastEventSeq();

  // The personal data of a job, as stored (JSON). Never log it.
  Result<std::string> payload(JobId id);

 private:
  Result<JobEvent> appendEvent(const Job& job, std::string kind, std::optional<JobState> from,
                               const Actor& actor);
  Database& db_;
  const Clock& clock_;
};

// Appends `event` (any kind; seq is assigned) to the journal and returns it
// with its seq. `event.job_owner_uid` is not stored (it is read back from the
// job) but is returned as given. For stores that journal about jobs (the
// card attempts); JobStore uses it for its own events.
Result<JobEvent> appendJobEvent(Database& db, JobEvent event);

// Space-separated keyword list <-> vector.
std::string joinReasons(const std::vector<std::string>& reasons);
std::vector<std::string> splitReasons(const std::string& text);

}  // namespace cardd
