#pragma once
// AttemptStore: card attempts (DESIGN.md, Card attempt) and the technician's
// pause switch of each printer, in SQLite (migration 4: `card_attempts`,
// `printer_settings`, `jobs.chip_serial`).
//
// A card attempt is one physical blank consumed (or about to be) by a job on
// one printer. Its `step` is the station's journal: the worker records a step
// (and it is committed) *before* it tells the device to act, so after a crash
// the last step says what may have happened (station/recovery_policy.hpp).
// An attempt ends exactly once:
//   issued   the printer confirmed the eject to the output hopper; the ledger
//            records the card issued (serial = chip serial) and the job
//            records the chip serial. The schema allows one issued attempt
//            per job (a unique partial index): a second one is refused.
//   spoiled  the card went (or will go) to the reject box; the ledger records
//            it spoiled with the reason.
//   void     no blank left the feeder (e.g. the feed failed on an empty
//            feeder, or the attempt was assigned but never fed): nothing is
//            consumed.
// Every begin / step / end appends a journal event of kind "card-attempt"
// for the SSE stream: from and to are the job's current state (processing
// while the station works on it), reasons {step} or {outcome, reason}, and
// the job's owner for operators' filtered streams. begin and setStep are
// journaled as the daemon itself (its uid, user "cardd"); finish as `actor`.
//
// Threading: like JobStore, used only on the store committer's thread (or a
// single test thread), inside the caller's transaction. Read methods also
// work on a read-only connection.
//
// Errors: NotFound (unknown attempt / job), IllegalTransition (the attempt already
// ended; a second issued attempt for the job), InvalidArgument (unknown step
// name), Store* for SQLite failures.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.hpp"
#include "core/result.hpp"
#include "jobs/job.hpp"
#include "store/database.hpp"
#include "store/ledger_store.hpp"

namespace cardd {

using AttemptId = std::int64_t;

enum class AttemptOutcome { Issued, Spoiled, Void };
std::string_view attemptOutcomeName(AttemptOutcome outcome);  // "issued" | "spoiled" | "void"
std::optional<AttemptOutcome> parseAttemptOutcome(std::string_view name);

struct CardAttempt {
  AttemptId id = 0;
  JobId job_id = 0;
  int attempt = 0;  // 1-based per job
  std::string printer;
  // "assigned" | "feed-requested" | "at-station" | "printing" | "eject-requested"
  std::string step;
  std::optional<AttemptOutcome> outcome;  // empty while the attempt is open
  std::string reason;                     // spoiled / void: why ("chip-verify-failed", ...)
  std::string detail;                     // spoiled: the error sentence (no personal data)
  std::optional<std::string> chip_serial;
  std::optional<std::string> lot;  // the ledger lot the card was taken from (issued/spoiled)
  bool card_failure = false;       // counts toward issuance.max_attempts
  std::int64_t started_at_ms = 0;
  std::int64_t updated_at_ms = 0;
  std::optional<std::int64_t> ended_at_ms;
};

struct AttemptEnd {
  AttemptOutcome outcome = AttemptOutcome::Spoiled;
  std::string reason;  // keyword: "interrupted", "chip-write-failed", "media-jam", ...
  std::string detail;  // one sentence, no personal data
  std::optional<std::string> chip_serial;
  bool card_failure = false;  // the card (not the printer) failed: counts toward retries
};

// The technician's switch. A paused printer finishes the card it holds and
// takes no more work until resumed; the switch survives restarts.
struct PrinterSetting {
  std::string printer;
  bool paused = false;
  std::string reason;
  std::optional<Actor> changed_by;
  std::optional<std::int64_t> changed_at_ms;
};

// Cards per printer, for load balancing and the printers view.
struct PrinterCardCounts {
  std::int64_t issued = 0;
  std::int64_t spoiled = 0;
};

class AttemptStore {
 public:
  AttemptStore(Database& db, const Clock& clock) : db_(db), clock_(clock) {}

  // Opens attempt n+1 of `job` on `printer` at step "assigned". The job must
  // exist and have no open attempt (IllegalTransition otherwise).
  Result<CardAttempt> begin(JobId job, const std::string& printer,
                            std::vector<JobEvent>& events_out);

  // Records the step the attempt is about to take. IllegalTransition when it ended.
  // `chip_serial`, when given, is recorded on the attempt too (e.g. with
  // "eject-requested", after personalisation), so that recovery after a crash
  // knows the chip of a card that may have been issued; finish() keeps it
  // when its AttemptEnd carries none.
  Result<CardAttempt> setStep(AttemptId id, std::string_view step,
                              std::vector<JobEvent>& events_out,
                              const std::optional<std::string>& chip_serial = std::nullopt);

  // Ends the attempt; issued and spoiled post the ledger consumption on
  // `ledger` (same transaction) as `actor` (the station). Issued also sets
  // the job's chip serial. IllegalTransition when it already ended or when the job
  // already has an issued attempt.
  Result<CardAttempt> finish(AttemptId id, const AttemptEnd& end, LedgerStore& ledger,
                             const Actor& actor, std::vector<JobEvent>& events_out);

  Result<CardAttempt> get(AttemptId id);
  // Attempts not ended, oldest first (crash recovery).
  Result<std::vector<CardAttempt>> open();
  // A job's attempts, oldest first.
  Result<std::vector<CardAttempt>> forJob(JobId job);
  // Spoiled attempts of `job` with card_failure set.
  Result<int> cardFailures(JobId job);
  // Attempts of `job` that ended spoiled or void, whatever the cause.
  Result<int> endedWithoutCard(JobId job);
  // Issued / spoiled cards per printer that ended at or after `since_ms`.
  Result<std::map<std::string, PrinterCardCounts>> cardsSince(std::int64_t since_ms);

  // Printer switch: a printer never set is not paused.
  Result<PrinterSetting> printerSetting(const std::string& printer);
  Result<std::vector<PrinterSetting>> printerSettings();
  Result<PrinterSetting> setPaused(const std::string& printer, bool paused,
                                   const std::string& reason, const Actor& actor);

 private:
  Database& db_;
  const Clock& clock_;
};

}  // namespace cardd
