#pragma once
// StationWorker: one printer of the station and its inline encoder, driven
// by one thread (DESIGN.md: blocking device I/O runs on one worker per
// device). For each card order the scheduler hands it:
//
//   prepare   build the card's data (CardSubject) and render the print
//             panels — ahead of time, while the previous card prints
//             (encode ahead), on the worker's preparer thread
//   feed      journal "feed-requested", feed a blank to the contact station
//   encode    journal "at-station", wait for the chip in the reader,
//             personalise it (write, read back, verify the EF.SOD, lock)
//   print     journal "eject-requested", print both sides and eject to the
//             output hopper (one printer command sequence)
//   issued    only once the printer confirmed the eject: the attempt ends
//             issued, the ledger records the card, the job completes
//
// Every step is committed to the store *before* the device is told to act.
// Any failure ends the attempt: the card goes to the reject box and is
// recorded spoiled with a reason (or void when no blank left the feeder),
// and the job is requeued or aborted by job_decision.hpp, in the same
// transaction. A card-level failure (chip write/verify, chip missing,
// card pulled) leaves the printer ready; a printer-level failure (jam,
// ribbon out, cover open, feeder empty, offline, encoder gone) marks it
// faulted. While faulted or idle the worker polls the printer's status; a
// faulted printer becomes ready again by itself when its -error reasons
// clear (no manual re-enable).
//
// When the printer cannot be asked where a card is (offline), the card's
// fate is decided when it answers again (station/recovery_policy.hpp), the
// same way as after a crash: attempts left open by a previous run are given
// to the worker at construction and resolved before it takes any work.
//
// Threading: offer()/stop()/setTemplates() are called from the event loop;
// everything else runs on the worker's threads. The callbacks are invoked
// on the worker thread: they must post to the loop themselves.

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "config/config.hpp"
#include "core/clock.hpp"
#include "health/duty_governor.hpp"
#include "issuance/card_subject_builder.hpp"
#include "jobs/job.hpp"
#include "printer/printer.hpp"
#include "station/encoder_port.hpp"
#include "station/issuance_keys.hpp"
#include "store/attempt_store.hpp"
#include "store/store_committer.hpp"
#include "templates/template_catalogue.hpp"

namespace cardd::station {

// One card to make, as assigned by the scheduler (the attempt is already
// open, at step "assigned", and the job is processing).
struct CardOrder {
  JobId job_id = 0;
  AttemptId attempt_id = 0;
  int attempt = 0;
  std::string template_id;
  std::string profile_id;
  std::string payload;  // personal data: never logged
  std::int64_t issued_at_ms = 0;
};

// Resting: the duty-cycle governor holds the printer between cards
// (health/duty_governor.hpp); it takes no work until the rest ends.
enum class WorkerState { Starting, Idle, Busy, Faulted, Offline, Resting, Stopped };
std::string_view workerStateName(WorkerState state);

// What the scheduler and the API see of a worker.
struct WorkerSnapshot {
  std::string printer;
  WorkerState state = WorkerState::Starting;
  std::vector<std::string> reasons;  // IPP printer-state-reasons keywords
  std::string message;               // for the counter: what is wrong and what to do
  std::optional<JobId> current_job;
  std::string current_step;
  std::optional<JobId> next_job;
  bool accepts_next = false;  // busy printing: a next order can be prepared now
  std::string model;
  std::string serial;
  // Health (health/health_monitor.hpp): the printer's own words and
  // counters at the last status poll, the card a fault interrupted, and the
  // duty governor's rests since the worker started (cumulative).
  std::string raw_status;
  drivers::Counters counters;
  std::optional<JobId> fault_job;
  std::optional<std::int64_t> fault_attempt;
  std::int64_t forced_pauses = 0;
  std::int64_t rest_ms = 0;
  std::int64_t rest_until_ms = 0;  // while Resting: when the rest ends (Clock ms)
};

// How an attempt ended, after it was committed.
struct AttemptReport {
  std::string printer;
  JobId job_id = 0;
  AttemptId attempt_id = 0;
  AttemptOutcome outcome = AttemptOutcome::Void;
  std::string reason;
  JobState job_state = JobState::Pending;  // what the job became
};

struct WorkerDeps {
  PrinterConfig config;
  std::unique_ptr<drivers::PrinterDriver> driver;
  std::unique_ptr<EncoderPort> encoder;  // null: the printer has no encoder
  const IssuanceKeys* keys = nullptr;
  StoreCommitter* committer = nullptr;
  const Clock* clock = nullptr;
  DocumentPolicy document;
  int max_attempts = 3;
  bool encode_ahead = true;
  Actor actor;  // who the ledger names for consumption ("cardd")
};

class StationWorker {
 public:
  using SnapshotSink = std::function<void(const WorkerSnapshot&)>;
  using ReportSink = std::function<void(const AttemptReport&)>;

  StationWorker(WorkerDeps deps, std::shared_ptr<const TemplateCatalogue> templates,
                std::vector<CardAttempt> open_attempts, SnapshotSink on_snapshot,
                ReportSink on_report);
  ~StationWorker();  // stop()
  StationWorker(const StationWorker&) = delete;
  StationWorker& operator=(const StationWorker&) = delete;

  void start();
  // Takes `order` as the current card (idle) or the next one (busy printing,
  // accepts_next). False when it cannot take it now: the caller ends the
  // attempt void and requeues the job (returnOrder()).
  bool offer(CardOrder order);
  void setTemplates(std::shared_ptr<const TemplateCatalogue> templates);
  // Finishes the card in progress (bounded by the driver's timeouts), then
  // joins the threads. Orders not started are ended void (job pending).
  void stop();

  const std::string& printer() const { return deps_.config.id; }

 private:
  struct Prepared;
  enum class Failure { None, Card, Printer, Data, Interrupted };

  void run();
  void prepareLoop();
  void process(CardOrder order, std::shared_ptr<Prepared> prepared);
  std::shared_ptr<Prepared> prepare(const CardOrder& order);

  // Device steps.
  bool journal(const CardOrder& order, std::string_view step,
               std::optional<std::string> chip_serial = std::nullopt);
  void failCard(const CardOrder& order, std::string_view step, Failure failure,
                const std::string& reason, const std::string& detail,
                std::optional<std::string> chip_serial);
  void finish(const CardOrder& order, const AttemptEnd& end, bool data_invalid);
  void recoverOpenAttempts();
  bool resolveOpen(const CardAttempt& attempt);
  void pollStatus();
  void markFaulted(const std::vector<std::string>& reasons, const std::string& message,
                   const std::string& raw = {});
  // Idle, or Resting when the duty governor wants a pause first. Needs mutex_.
  void becomeIdleLocked();
  std::int64_t nowMs() const;
  void publish();

  WorkerDeps deps_;
  SnapshotSink on_snapshot_;
  ReportSink on_report_;
  std::vector<CardAttempt> open_attempts_;

  std::mutex mutex_;
  std::condition_variable wake_;
  std::condition_variable prep_wake_;
  std::shared_ptr<const TemplateCatalogue> templates_;
  std::deque<CardOrder> to_prepare_;
  std::deque<std::pair<CardOrder, std::shared_ptr<Prepared>>> ready_;
  std::optional<CardOrder> current_;
  WorkerSnapshot snapshot_;
  bool stopping_ = false;
  bool media_empty_booked_ = false;
  bool encoder_fault_ = false;   // worker thread only
  bool reject_pending_ = false;  // a spoiled card is still inside an offline printer
  std::chrono::steady_clock::time_point next_poll_{};
  health::DutyGovernor governor_;  // under mutex_
  // The card in progress, for its AttemptReport (worker thread only).
  std::int64_t card_started_ms_ = 0;
  int card_panels_ = 0;
  bool card_fed_ = false;
  bool card_chip_presented_ = false;
  std::int64_t rest_started_ms_ = 0;
  std::thread thread_;
  std::thread preparer_;
};

}  // namespace cardd::station
