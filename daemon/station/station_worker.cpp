#include "station/station_worker.hpp"

#include "health/health_monitor.hpp"

#include <boost/asio/system_executor.hpp>

#include <algorithm>
#include <future>

#include "core/log.hpp"
#include "personaliser.hpp"
#include "station/job_decision.hpp"
#include "station/printer_messages.hpp"
#include "station/recovery_policy.hpp"
#include "templates/card_preview.hpp"
#include "templates/render_client.hpp"

namespace cardd::station {
namespace {

using namespace std::chrono_literals;
using drivers::CardPosition;

/* Runs `work` in the store's next batch and waits until it is committed.
   Blocks the calling (worker) thread only; completion runs on the system
   executor, never on the event loop, so a stopped loop cannot strand us. */
template <typename T>
Result<T> commitAndWait(StoreCommitter& committer, std::function<Result<T>(StoreTx&)> work) {
  auto promise = std::make_shared<std::promise<Result<T>>>();
  auto future = promise->get_future();
  committer.submit<T>(std::move(work), boost::asio::system_executor(),
                      [promise](Result<T> r) { promise->set_value(std::move(r)); });
  return future.get();
}

std::vector<std::string> keywords(const std::vector<drivers::StateReason>& reasons) {
  std::vector<std::string> out;
  out.reserve(reasons.size());
  for (const auto& r : reasons) out.push_back(r.keyword());
  return out;
}

bool hasError(const std::vector<drivers::StateReason>& reasons) {
  return std::any_of(reasons.begin(), reasons.end(), [](const drivers::StateReason& r) {
    return r.severity == drivers::Severity::Error;
  });
}

bool has(const std::vector<drivers::StateReason>& reasons, drivers::Condition c) {
  return std::any_of(reasons.begin(), reasons.end(), [c](const drivers::StateReason& r) {
    return r.condition == c && r.severity == drivers::Severity::Error;
  });
}

/* The reason keyword a printer-level failure is recorded with: the most
   severe condition the printer reports, else what we were doing. */
std::string failureReason(const std::vector<drivers::StateReason>& reasons,
                          std::string_view fallback) {
  for (const auto& r : reasons)
    if (r.severity == drivers::Severity::Error) return r.keyword();
  return std::string(fallback);
}

}  // namespace

std::string_view workerStateName(WorkerState state) {
  switch (state) {
    case WorkerState::Starting:
      return "starting";
    case WorkerState::Idle:
      return "idle";
    case WorkerState::Busy:
      return "busy";
    case WorkerState::Faulted:
      return "faulted";
    case WorkerState::Offline:
      return "offline";
    case WorkerState::Resting:
      return "resting";
    case WorkerState::Stopped:
      return "stopped";
  }
  return "stopped";
}

/* What the preparer made of an order: the card's data and its print panels,
   or why the order's data cannot make a card. */
struct StationWorker::Prepared {
  std::optional<CardSubject> subject;
  drivers::PreparedCard card;
  std::optional<Error> problem;
};

StationWorker::StationWorker(WorkerDeps deps, std::shared_ptr<const TemplateCatalogue> templates,
                             std::vector<CardAttempt> open_attempts, SnapshotSink on_snapshot,
                             ReportSink on_report)
    : deps_(std::move(deps)),
      on_snapshot_(std::move(on_snapshot)),
      on_report_(std::move(on_report)),
      open_attempts_(std::move(open_attempts)),
      templates_(std::move(templates)),
      governor_(health::DutyCycle{deps_.config.duty_cards_per_hour, deps_.config.duty_burst,
                                  deps_.config.duty_run, deps_.config.duty_rest}) {
  snapshot_.printer = deps_.config.id;
  /* A governed printer takes its next card only when the governor allows
     it, so it does not prepare one ahead while printing. */
  if (governor_.duty().enabled()) deps_.encode_ahead = false;
}

std::int64_t StationWorker::nowMs() const {
  if (deps_.clock) return deps_.clock->nowMs();
  return SystemClock().nowMs();
}

void StationWorker::becomeIdleLocked() {
  auto wait = governor_.beforeCard(nowMs());
  if (wait.delay.count() <= 0) {
    if (snapshot_.state == WorkerState::Resting)
      snapshot_.message = printerMessage(deps_.config.id, snapshot_.reasons);
    snapshot_.state = WorkerState::Idle;
    snapshot_.rest_until_ms = 0;
    return;
  }
  if (snapshot_.state != WorkerState::Resting) rest_started_ms_ = nowMs();
  snapshot_.message =
      deps_.config.id + ": resting " + std::to_string((wait.delay.count() + 999) / 1000) +
      " s to keep its printhead within its duty cycle" +
      (wait.why == health::DutyGovernor::Why::Rest ? " (a rest after a long run)" : "") +
      "; it takes the next card by itself.";
  snapshot_.state = WorkerState::Resting;
  snapshot_.rest_until_ms = nowMs() + wait.delay.count();
  next_poll_ = std::min(next_poll_, std::chrono::steady_clock::now() + wait.delay);
}

StationWorker::~StationWorker() {
  stop();
}

void StationWorker::start() {
  thread_ = std::thread([this] { run(); });
  preparer_ = std::thread([this] { prepareLoop(); });
}

bool StationWorker::offer(CardOrder order) {
  std::lock_guard lock(mutex_);
  if (stopping_) return false;
  const bool idle =
      snapshot_.state == WorkerState::Idle && !current_ && to_prepare_.empty() && ready_.empty();
  const bool next = deps_.encode_ahead && snapshot_.accepts_next && !snapshot_.next_job &&
                    to_prepare_.empty() && ready_.empty();
  if (!idle && !next) return false;
  if (idle) {
    snapshot_.state = WorkerState::Busy;
    snapshot_.current_job = order.job_id;
    snapshot_.current_step = "assigned";
  } else {
    snapshot_.next_job = order.job_id;
  }
  snapshot_.accepts_next = false;
  to_prepare_.push_back(std::move(order));
  prep_wake_.notify_one();
  wake_.notify_one();
  return true;
}

void StationWorker::setTemplates(std::shared_ptr<const TemplateCatalogue> templates) {
  std::lock_guard lock(mutex_);
  templates_ = std::move(templates);
}

void StationWorker::stop() {
  {
    std::lock_guard lock(mutex_);
    if (stopping_ && !thread_.joinable() && !preparer_.joinable()) return;
    stopping_ = true;
  }
  wake_.notify_all();
  prep_wake_.notify_all();
  if (deps_.encoder) deps_.encoder->cancel();
  if (preparer_.joinable()) preparer_.join();
  if (thread_.joinable()) thread_.join();
}

/* ---- preparer thread: data and panels ahead of the printer ---------------------- */

void StationWorker::prepareLoop() {
  /* Rendering runs in the cardd-render helper (librsvg stays out of cardd
     and SVG parsing out of the process that holds the keys); one client
     per preparer thread, so printers render in parallel. */
  RenderClient renderer;
  for (;;) {
    CardOrder order;
    std::shared_ptr<const TemplateCatalogue> templates;
    {
      std::unique_lock lock(mutex_);
      /* A printer idle for a minute lets its renderer process go; the next
         card starts a new one. */
      if (!prep_wake_.wait_for(lock, std::chrono::seconds(60),
                               [&] { return stopping_ || !to_prepare_.empty(); })) {
        lock.unlock();
        renderer.stop();
        continue;
      }
      if (to_prepare_.empty()) return;  // stopping; run() voids what is left
      order = to_prepare_.front();
      templates = templates_;
    }
    auto prepared = std::make_shared<Prepared>();
    auto subject = buildCardSubject(order.payload, order.job_id, deps_.document,
                                    localDate(order.issued_at_ms), renderer.jpegConverter());
    if (!subject) {
      prepared->problem = subject.error();
    } else {
      auto tmpl = templates->find(order.template_id);
      if (!tmpl) {
        prepared->problem = tmpl.error();
      } else if (auto st = renderer.panels(**tmpl, order.payload, order.job_id, deps_.document,
                                           localDate(order.issued_at_ms), prepared->card);
                 !st) {
        prepared->problem = st.error();
      } else {
        prepared->subject = std::move(subject).value();
      }
    }
    std::lock_guard lock(mutex_);
    to_prepare_.pop_front();
    ready_.emplace_back(std::move(order), std::move(prepared));
    wake_.notify_all();
  }
}

/* ---- worker thread ------------------------------------------------------------- */

void StationWorker::publish() {
  WorkerSnapshot copy;
  {
    std::lock_guard lock(mutex_);
    copy = snapshot_;
  }
  if (on_snapshot_) on_snapshot_(copy);
}

void StationWorker::run() {
  auto& driver = *deps_.driver;
  if (auto id = driver.identify()) {
    std::lock_guard lock(mutex_);
    snapshot_.model = id->model;
    snapshot_.serial = id->serial;
  }
  recoverOpenAttempts();
  pollStatus();

  for (;;) {
    std::optional<std::pair<CardOrder, std::shared_ptr<Prepared>>> job;
    std::optional<CardOrder> returned;
    {
      std::unique_lock lock(mutex_);
      wake_.wait_until(lock, next_poll_, [&] { return stopping_ || !ready_.empty(); });
      if (stopping_) break;
      if (snapshot_.state == WorkerState::Resting && nowMs() >= snapshot_.rest_until_ms) {
        /* The rest is over: count it, and take work again. */
        ++snapshot_.forced_pauses;
        snapshot_.rest_ms += nowMs() - rest_started_ms_;
        becomeIdleLocked();
        if (snapshot_.state == WorkerState::Idle) {
          lock.unlock();
          publish();
          continue;
        }
      }
      const bool healthy =
          snapshot_.state != WorkerState::Faulted && snapshot_.state != WorkerState::Offline;
      if (!ready_.empty() && !healthy) {
        /* An order prepared ahead while the previous card failed: the
           printer cannot take it; it goes back to the queue unfed. */
        returned = std::move(ready_.front().first);
        ready_.pop_front();
        if (snapshot_.next_job == returned->job_id) snapshot_.next_job.reset();
      } else if (!ready_.empty()) {
        job = std::move(ready_.front());
        ready_.pop_front();
        current_ = job->first;
        if (snapshot_.next_job == job->first.job_id) snapshot_.next_job.reset();
        snapshot_.current_job = job->first.job_id;
        snapshot_.state = WorkerState::Busy;
      }
    }
    if (returned) {
      finish(*returned,
             {AttemptOutcome::Void, "printer-unavailable",
              "the printer faulted before this card was fed", std::nullopt, false},
             false);
      publish();
      continue;
    }
    if (job) {
      process(std::move(job->first), std::move(job->second));
      {
        std::lock_guard lock(mutex_);
        current_.reset();
        snapshot_.current_job.reset();
        snapshot_.current_step.clear();
        snapshot_.accepts_next = false;
        if (snapshot_.state == WorkerState::Busy) {
          if (ready_.empty() && to_prepare_.empty())
            becomeIdleLocked();
          else
            snapshot_.state = WorkerState::Busy;
        }
      }
      publish();
      continue;
    }
    pollStatus();
  }

  /* Stopping: orders taken but not started go back to the queue. */
  std::deque<CardOrder> left;
  {
    std::lock_guard lock(mutex_);
    for (auto& [order, prepared] : ready_) left.push_back(std::move(order));
    for (auto& order : to_prepare_) left.push_back(std::move(order));
    ready_.clear();
    to_prepare_.clear();
    snapshot_.state = WorkerState::Stopped;
  }
  for (const auto& order : left) {
    finish(order,
           {AttemptOutcome::Void, "station-stopping", "cardd stopped before the card was fed",
            std::nullopt, false},
           false);
  }
  publish();
}

/* Polls the printer while it has no card: updates the snapshot, books an
   empty feeder, and brings a faulted printer back when its errors clear. */
void StationWorker::pollStatus() {
  auto status = deps_.driver->status();
  std::vector<drivers::StateReason> reasons;
  if (status) reasons = status->reasons;
  bool offline = !status || has(reasons, drivers::Condition::Offline);
  bool error = offline || hasError(reasons);

  /* A printer keeps reporting a failed movement (jam, ribbon, cover,
     feeder) until it is reset. Once someone has fixed it, the reset
     succeeds: that is how a faulted printer resumes by itself. A card left
     inside by the failure (already recorded spoiled) goes to the reject box. */
  bool faulted_here = false;
  {
    std::lock_guard lock(mutex_);
    faulted_here = snapshot_.state == WorkerState::Faulted;
  }
  /* A spoiled card the printer could not reject while it was offline goes
     to the reject box as soon as it answers. */
  if (!offline && reject_pending_) {
    auto position = deps_.driver->cardPosition();
    if (position && *position == CardPosition::None) {
      reject_pending_ = false;
    } else if (position && deps_.driver->reject()) {
      reject_pending_ = false;
    }
  }
  if (error && !offline && faulted_here) {
    if (deps_.driver->reset()) {
      if (auto position = deps_.driver->cardPosition();
          position && *position != CardPosition::None && open_attempts_.empty()) {
        (void)deps_.driver->reject();
      }
      status = deps_.driver->status();
      reasons.clear();
      if (status) reasons = status->reasons;
      offline = !status || has(reasons, drivers::Condition::Offline);
      error = offline || hasError(reasons);
    }
  }

  /* An encoder fault lasts until the reader answers again: no blank is fed
     into a printer whose chips cannot be written. */
  if (encoder_fault_ && deps_.encoder) {
    if (auto probe = deps_.encoder->waitForCard(std::chrono::milliseconds(0)); probe) {
      encoder_fault_ = false;
    } else if (!offline) {
      error = true;
      reasons.push_back(drivers::StateReason{drivers::Condition::Other, drivers::Severity::Error,
                                             "cardd-encoder-offline"});
    }
  }

  if (has(reasons, drivers::Condition::MediaEmpty) && !media_empty_booked_) {
    auto printer = deps_.config.id;
    auto actor = deps_.actor;
    auto booked =
        commitAndWait<bool>(*deps_.committer, [printer, actor](StoreTx& tx) -> Result<bool> {
          auto entries = tx.ledger.correctFeederEmpty(printer, actor);
          if (!entries) return entries.error();
          return true;
        });
    if (booked) media_empty_booked_ = true;
  }
  if (!has(reasons, drivers::Condition::MediaEmpty)) media_empty_booked_ = false;

  {
    std::lock_guard lock(mutex_);
    snapshot_.reasons =
        offline && reasons.empty() ? std::vector<std::string>{"offline-error"} : keywords(reasons);
    if (status) {
      snapshot_.raw_status = status->raw;
      snapshot_.counters = status->counters;
    }
    if (!current_) {
      snapshot_.fault_job.reset();
      snapshot_.fault_attempt.reset();
    }
    if (snapshot_.state != WorkerState::Busy) {
      if (error) {
        snapshot_.state = offline ? WorkerState::Offline : WorkerState::Faulted;
      } else if (snapshot_.state != WorkerState::Idle && snapshot_.state != WorkerState::Resting) {
        if (snapshot_.state == WorkerState::Faulted || snapshot_.state == WorkerState::Offline)
          log::notice("printer ready again", {{"printer", deps_.config.id}});
        becomeIdleLocked();
      }
    }
    next_poll_ = std::chrono::steady_clock::now() + deps_.config.status_interval;
    if (snapshot_.state == WorkerState::Resting) {
      /* Keep the rest's message, and wake when it ends rather than at the
         next status poll. */
      const auto left = std::max<std::int64_t>(0, snapshot_.rest_until_ms - nowMs());
      next_poll_ =
          std::min(next_poll_, std::chrono::steady_clock::now() + std::chrono::milliseconds(left));
    } else {
      snapshot_.message = printerMessage(deps_.config.id, snapshot_.reasons);
    }
  }
  /* A card left in limbo by an offline printer is resolved once it answers. */
  if (!offline && !open_attempts_.empty()) recoverOpenAttempts();
  publish();
}

void StationWorker::markFaulted(const std::vector<std::string>& reasons, const std::string& message,
                                const std::string& raw) {
  {
    std::lock_guard lock(mutex_);
    snapshot_.state = WorkerState::Faulted;
    snapshot_.reasons = reasons;
    if (!raw.empty()) snapshot_.raw_status = raw;
    if (current_) {
      snapshot_.fault_job = current_->job_id;
      snapshot_.fault_attempt = current_->attempt_id;
    }
    snapshot_.message = message;
    snapshot_.accepts_next = false;
    next_poll_ = std::chrono::steady_clock::now() + deps_.config.status_interval;
  }
  log::warning("printer fault", {{"printer", deps_.config.id}, {"message", message}});
  publish();
}

bool StationWorker::journal(const CardOrder& order, std::string_view step,
                            std::optional<std::string> chip_serial) {
  {
    std::lock_guard lock(mutex_);
    snapshot_.current_step = std::string(step);
  }
  const AttemptId id = order.attempt_id;
  const std::string name(step);
  auto done =
      commitAndWait<bool>(*deps_.committer, [id, name, chip_serial](StoreTx& tx) -> Result<bool> {
        auto st = tx.attempts.setStep(id, name, tx.events, chip_serial);
        if (!st) return st.error();
        return true;
      });
  if (!done) {
    log::error("cannot journal a card step; the card is not moved",
               {{"printer", deps_.config.id}, {"step", name}, {"error", done.error().message}});
    return false;
  }
  publish();
  return true;
}

/* Ends the attempt and moves the job on, in one transaction. */
void StationWorker::finish(const CardOrder& order, const AttemptEnd& end, bool data_invalid) {
  const int max_attempts = deps_.max_attempts;
  const Actor actor = deps_.actor;
  const AttemptId id = order.attempt_id;
  const JobId job_id = order.job_id;
  /* What the card did to the devices, booked with the attempt's end. */
  health::CardObservation card;
  card.printer = deps_.config.id;
  card.job_id = job_id;
  card.attempt_id = id;
  card.outcome = std::string(attemptOutcomeName(end.outcome));
  card.reason = end.reason;
  card.detail = end.detail;
  if (card_started_ms_ != 0) {
    card.panels = end.outcome == AttemptOutcome::Issued ? card_panels_ : 0;
    card.fed = card_fed_ && end.outcome != AttemptOutcome::Void;
    card.chip_presented = card_chip_presented_;
    card.busy_ms = nowMs() - card_started_ms_;
  }
  card_started_ms_ = 0;
  card_panels_ = 0;
  card_fed_ = false;
  card_chip_presented_ = false;
  const std::string reader = deps_.encoder ? deps_.config.reader : std::string();
  const std::int64_t now = nowMs();
  auto result = commitAndWait<JobState>(
      *deps_.committer,
      [id, job_id, end, data_invalid, max_attempts, actor, card, reader,
       now](StoreTx& tx) -> Result<JobState> {
        auto ended = tx.attempts.finish(id, end, tx.ledger, actor, tx.events);
        if (!ended) return ended.error();
        /* Health bookkeeping never stands in the way of the card's own record. */
        if (auto booked = health::recordCard(tx, card, reader, now); !booked) {
          log::warning("cannot book a card's wear",
                       {{"printer", card.printer}, {"error", booked.error().message}});
        }
        auto job = tx.jobs.get(job_id);
        if (!job) return job.error();
        /* A job canceled meanwhile keeps its state; the card is on the books. */
        if (job->state != JobState::Processing) return job->state;
        auto attempts = tx.attempts.forJob(job_id);
        if (!attempts) return attempts.error();
        AttemptSummary summary;
        summary.issued = end.outcome == AttemptOutcome::Issued;
        summary.card_failure = end.card_failure;
        summary.data_invalid = data_invalid;
        /* Spoiled cards count: by the card's fault toward max_attempts, by
           the printer's (or a crash) toward the interruption cap. Void
           attempts used no card and count toward neither. */
        for (const auto& a : *attempts) {
          if (a.outcome != AttemptOutcome::Spoiled) continue;
          if (a.card_failure)
            ++summary.card_failures;
          else
            ++summary.interruptions;
        }
        auto decision = decideAfterAttempt(summary, max_attempts);
        if (decision.to == JobState::Aborted) {
          /* The reason of each spoiled attempt goes with the abort. */
          for (const auto& a : *attempts)
            if (a.outcome == AttemptOutcome::Spoiled && !a.reason.empty())
              decision.reasons.push_back("attempt-" + std::to_string(a.attempt) + "-" + a.reason);
        }
        auto moved = tx.jobs.transition(job_id, decision.to, decision.reasons, actor, tx.events);
        if (!moved) return moved.error();
        return decision.to;
      });
  AttemptReport report;
  report.printer = deps_.config.id;
  report.job_id = job_id;
  report.attempt_id = id;
  report.outcome = end.outcome;
  report.reason = end.reason;
  if (!result) {
    log::error("cannot record the end of a card attempt", {{"printer", deps_.config.id},
                                                           {"job", std::to_string(job_id)},
                                                           {"error", result.error().message}});
  } else {
    report.job_state = *result;
  }
  if (on_report_) on_report_(report);
}

/* A card failed at `step`: reject it (if the printer still holds it), then
   end the attempt spoiled — or void when no blank left the feeder. */
void StationWorker::failCard(const CardOrder& order, std::string_view step, Failure failure,
                             const std::string& reason, const std::string& detail,
                             std::optional<std::string> chip_serial) {
  auto& driver = *deps_.driver;
  auto position = driver.cardPosition();
  if (!position && step == "feed-requested") {
    /* Offline while feeding: whether a blank left the feeder is known only
       when the printer answers. Keep the attempt open until then
       (resolveOpen); the reason marks it as this run's own failed feed. */
    CardAttempt open;
    open.id = order.attempt_id;
    open.job_id = order.job_id;
    open.attempt = order.attempt;
    open.printer = deps_.config.id;
    open.step = std::string(step);
    open.reason = reason;
    open.detail = detail;
    open_attempts_.push_back(std::move(open));
    {
      std::lock_guard lock(mutex_);
      snapshot_.state = WorkerState::Offline;
    }
    return;
  }
  const bool no_card_taken =
      step == "feed-requested" && position && *position == CardPosition::None;
  if (position && *position != CardPosition::None) {
    if (auto st = driver.reject(); !st) {
      log::warning("the failed card could not be rejected; it stays in the printer",
                   {{"printer", deps_.config.id}, {"error", st.error().message}});
    }
  }
  if (!position) {
    /* Offline: before the eject was asked the card cannot have been
       issued, so it is spoiled now, and rejected as soon as the printer
       answers (pollStatus). */
    reject_pending_ = true;
  }
  AttemptEnd end;
  end.outcome = no_card_taken ? AttemptOutcome::Void : AttemptOutcome::Spoiled;
  end.reason = reason;
  end.detail = detail;
  end.chip_serial = std::move(chip_serial);
  end.card_failure = failure == Failure::Card;
  finish(order, end, failure == Failure::Data);
}

void StationWorker::process(CardOrder order, std::shared_ptr<Prepared> prepared) {
  auto& driver = *deps_.driver;
  const std::string& printer = deps_.config.id;

  if (prepared->problem && (prepared->problem->code == ErrorCode::Unavailable ||
                            prepared->problem->code == ErrorCode::Internal)) {
    /* The renderer (cardd-render) failed, not the job's data: the job goes
       back to the queue unfed, and this printer waits a status interval. */
    markFaulted({"cardd-renderer-error"}, printer + ": the card renderer failed (" +
                                              prepared->problem->message +
                                              "); cardd retries by itself.");
    finish(order,
           {AttemptOutcome::Void, "renderer-unavailable", prepared->problem->message, std::nullopt,
            false},
           false);
    return;
  }
  if (prepared->problem) {
    log::warning("a job's data cannot make a card", {{"printer", printer},
                                                     {"job", std::to_string(order.job_id)},
                                                     {"error", prepared->problem->message}});
    finish(order,
           {AttemptOutcome::Void, "document-format-error", prepared->problem->message, std::nullopt,
            false},
           true);
    return;
  }
  const applets::personalisation::Profile* profile = nullptr;
  if (deps_.keys) profile = deps_.keys->profile(order.profile_id);
  if (!profile || !deps_.encoder) {
    finish(order,
           {AttemptOutcome::Void, "document-format-error",
            "no chip profile '" + order.profile_id + "' or no encoder on printer " + printer,
            std::nullopt, false},
           true);
    return;
  }

  /* Feed. The card counts against the duty cycle from here. */
  card_started_ms_ = nowMs();
  {
    std::lock_guard lock(mutex_);
    governor_.cardStarted(card_started_ms_);
  }
  if (!journal(order, "feed-requested")) {
    finish(order,
           {AttemptOutcome::Void, "store-unavailable", "the step could not be journaled",
            std::nullopt, false},
           false);
    return;
  }
  card_fed_ = true;  // unless the feed fails with no card taken (failCard books it void)
  if (auto st = driver.feedToContactStation(); !st) {
    auto status = driver.status();
    auto reasons = status ? status->reasons : std::vector<drivers::StateReason>{};
    const std::string reason = failureReason(reasons, "feed-failed");
    markFaulted(keywords(reasons), printerMessage(printer, keywords(reasons)),
                status ? status->raw : st.error().message);
    failCard(order, "feed-requested", Failure::Printer, reason, st.error().message, std::nullopt);
    return;
  }

  /* Encode. */
  if (!journal(order, "at-station")) {
    failCard(order, "at-station", Failure::Interrupted, "store-unavailable",
             "the step could not be journaled", std::nullopt);
    return;
  }
  auto& encoder = *deps_.encoder;
  /* Build and sign the chip's content while pcscd notices the chip (it polls
     readers every ~400 ms): off the card's critical path. A build error
     surfaces from run() below with the content built again. */
  applets::personalisation::Personaliser personaliser;
  auto content = personaliser.prepare(*profile, *prepared->subject, deps_.keys->signing());
  const auto personalise = [&](applets::apdu::ApduChannel& channel) {
    return content ? personaliser.run(channel, *profile, *content, deps_.keys->signing())
                   : personaliser.run(channel, *profile, *prepared->subject, deps_.keys->signing());
  };
  auto waited = encoder.waitForCard(deps_.config.card_wait);
  if (!waited) {
    encoder_fault_ = true;
    markFaulted({"cardd-encoder-offline-error"},
                "The chip reader of " + printer + " (" + encoder.name() +
                    ") does not answer: " + waited.error().message);
    failCard(order, "at-station", Failure::Printer, "encoder-offline", waited.error().message,
             std::nullopt);
    return;
  }
  if (*waited == EncoderPort::Wait::Cancelled) {
    failCard(order, "at-station", Failure::Interrupted, "station-stopping",
             "cardd stopped while the card was at the encoder", std::nullopt);
    return;
  }
  if (*waited == EncoderPort::Wait::Timeout) {
    failCard(order, "at-station", Failure::Card, "chip-not-detected",
             "no chip answered in " + encoder.name() + " within " +
                 std::to_string(deps_.config.card_wait.count()) + " ms",
             std::nullopt);
    return;
  }
  card_chip_presented_ = true;
  std::string chip_serial;
  {
    auto channel = encoder.connect();
    if (!channel) {
      encoder.release();
      failCard(order, "at-station", Failure::Card, "chip-connect-failed", channel.error().message,
               std::nullopt);
      return;
    }
    auto report = personalise(**channel);
    encoder.release();
    if (!report) {
      /* The reader may report a card change that did not happen: pcscd polls
         presence, and right after a printer reset the previous card's
         removal can reach it only once the new chip is already there. When
         the printer still holds the card at the station and the reader sees
         a chip again, try once more on a fresh connection. It is safe: a
         chip left half-written refuses a second personalisation, and nothing
         is issued unless the read-back verifies. */
      auto gone = encoder.waitForCard(0ms);
      auto position = driver.cardPosition();
      if (gone && *gone != EncoderPort::Wait::Present && position &&
          *position == CardPosition::ContactStation) {
        auto back = encoder.waitForCard(std::chrono::milliseconds(2000));
        if (back && *back == EncoderPort::Wait::Present) {
          log::notice("the chip reader lost the card while the printer held it; retrying once",
                      {{"printer", printer}, {"error", report.error().message}});
          if (auto retry = encoder.connect(); retry) {
            report = personalise(**retry);
          }
          encoder.release();
        }
      }
    }
    if (!report) {
      /* Pulled card, dead chip, bad write: the card failed — unless the
         reader itself went away, which is the encoder's fault. */
      auto again = encoder.waitForCard(0ms);
      if (!again) {
        encoder_fault_ = true;
        markFaulted(
            {"cardd-encoder-offline-error"},
            "The chip reader of " + printer + " stopped answering: " + again.error().message);
        failCard(order, "at-station", Failure::Printer, "encoder-offline", report.error().message,
                 std::nullopt);
      } else {
        const bool pulled = *again != EncoderPort::Wait::Present;
        failCard(order, "at-station", Failure::Card,
                 pulled ? "card-removed" : "chip-personalisation-failed", report.error().message,
                 std::nullopt);
      }
      return;
    }
    chip_serial = report->chipSerial;
  }

  /* Print and eject: the card is issued once the printer confirms. */
  if (!journal(order, "eject-requested", chip_serial)) {
    failCard(order, "eject-requested", Failure::Interrupted, "store-unavailable",
             "the step could not be journaled", chip_serial);
    return;
  }
  {
    std::lock_guard lock(mutex_);
    snapshot_.accepts_next = deps_.encode_ahead;
  }
  publish();
  if (auto st = driver.printAndEject(prepared->card); !st) {
    auto status = driver.status();
    auto reasons = status ? status->reasons : std::vector<drivers::StateReason>{};
    auto position = driver.cardPosition();
    {
      std::lock_guard lock(mutex_);
      snapshot_.accepts_next = false;
    }
    if (!position) {
      /* Offline after we asked for the eject: only the printer can tell
         whether the card came out. Keep the attempt open until it answers. */
      auto open = commitAndWait<CardAttempt>(
          *deps_.committer, [id = order.attempt_id](StoreTx& tx) { return tx.attempts.get(id); });
      if (open) open_attempts_.push_back(*open);
      markFaulted({"offline-error"}, printerMessage(printer, {"offline-error"}));
      {
        std::lock_guard lock(mutex_);
        snapshot_.state = WorkerState::Offline;
      }
      return;
    }
    if (st.error().code == ErrorCode::InvalidArgument) {
      /* The printer is fine: it refused this card's print data (e.g. panels
         its ribbon cannot print). Retrying cannot help: spoil and abort. */
      if (*position != CardPosition::None) (void)driver.reject();
      finish(
          order,
          {AttemptOutcome::Spoiled, "print-data-refused", st.error().message, chip_serial, false},
          true);
      publish();
      return;
    }
    const std::string reason = failureReason(reasons, "print-failed");
    markFaulted(keywords(reasons), printerMessage(printer, keywords(reasons)),
                status ? status->raw : st.error().message);
    if (*position == CardPosition::None) {
      /* The printer says the card left although printing failed: treat it
         like the crash case (recovery_policy: confirm-issued). */
      CardAttempt left;
      left.id = order.attempt_id;
      left.job_id = order.job_id;
      left.attempt = order.attempt;
      left.printer = printer;
      left.step = "eject-requested";
      left.chip_serial = chip_serial;
      open_attempts_.push_back(std::move(left));
      recoverOpenAttempts();
      return;
    }
    failCard(order, "eject-requested", Failure::Printer, reason, st.error().message, chip_serial);
    return;
  }
  card_panels_ =
      static_cast<int>(prepared->card.front.panels.size() + prepared->card.back.panels.size());
  finish(order, {AttemptOutcome::Issued, "", "", chip_serial, false}, false);
}

/* ---- recovery: attempts whose card's fate is not known ------------------------- */

void StationWorker::recoverOpenAttempts() {
  std::vector<CardAttempt> still_open;
  for (const auto& attempt : open_attempts_) {
    if (!resolveOpen(attempt)) still_open.push_back(attempt);
  }
  open_attempts_ = std::move(still_open);
}

/* True when the attempt is settled. */
bool StationWorker::resolveOpen(const CardAttempt& attempt) {
  CardOrder order;
  order.job_id = attempt.job_id;
  order.attempt_id = attempt.id;
  order.attempt = attempt.attempt;
  if (attempt.step == "assigned") {
    finish(order,
           {AttemptOutcome::Void, "interrupted", "cardd stopped before the card was fed",
            std::nullopt, false},
           false);
    return true;
  }
  /* A card judged possibly issued by an earlier recovery (confirm-issued)
     waits for an operator: its job is stopped and the card left the
     printer then. Whatever the printer holds now belongs to another
     attempt: never reject it, nor book this card spoiled, on its behalf. */
  auto awaiting_operator = commitAndWait<bool>(
      *deps_.committer, [stopped_job = attempt.job_id](StoreTx& tx) -> Result<bool> {
        auto job = tx.jobs.get(stopped_job);
        if (!job) return job.error();
        return job->state == JobState::ProcessingStopped;
      });
  if (!awaiting_operator) return false;
  if (*awaiting_operator) return true;

  auto step = parseAttemptStep(attempt.step);
  auto position = deps_.driver->cardPosition();
  if (attempt.step == "feed-requested" && !attempt.reason.empty() && position &&
      *position == CardPosition::None) {
    /* Our own feed failed with the printer offline (failCard), and now it
       holds no card: no blank left the feeder, nothing was consumed. */
    finish(order, {AttemptOutcome::Void, attempt.reason, attempt.detail, std::nullopt, false},
           false);
    return true;
  }
  const auto action = recoveryFor(step.value_or(AttemptStep::AtStation),
                                  position ? std::optional<CardPosition>(*position) : std::nullopt);
  log::notice("resolving an interrupted card",
              {{"printer", deps_.config.id},
               {"job", std::to_string(attempt.job_id)},
               {"step", attempt.step},
               {"action", std::string(recoveryActionName(action))}});
  switch (action) {
    case RecoveryAction::WaitForPrinter:
      return false;
    case RecoveryAction::RejectSpoilAndRerun:
      if (auto st = deps_.driver->reject(); !st) return false;
      finish(order,
             {AttemptOutcome::Spoiled, "interrupted",
              "the card was in the printer when its attempt was interrupted", attempt.chip_serial,
              false},
             false);
      return true;
    case RecoveryAction::VoidAndRerun:
      finish(order,
             {AttemptOutcome::Void, "interrupted",
              "cardd stopped between journaling the feed and the feed; no blank was used",
              std::nullopt, false},
             false);
      return true;
    case RecoveryAction::SpoilAndRerun:
      finish(order,
             {AttemptOutcome::Spoiled, "interrupted",
              "the card left the printer without an eject cardd asked for", attempt.chip_serial,
              false},
             false);
      return true;
    case RecoveryAction::ConfirmIssued: {
      /* The card may be in the output hopper: never print it again by
         itself; an operator confirms against the hopper. */
      const Actor actor = deps_.actor;
      const JobId job_id = attempt.job_id;
      auto stopped =
          commitAndWait<bool>(*deps_.committer, [job_id, actor](StoreTx& tx) -> Result<bool> {
            auto job = tx.jobs.get(job_id);
            if (!job) return job.error();
            if (job->state != JobState::Processing) return true;
            auto moved = tx.jobs.transition(job_id, JobState::ProcessingStopped, {"confirm-issued"},
                                            actor, tx.events);
            if (!moved) return moved.error();
            return true;
          });
      if (on_report_) {
        AttemptReport stopped_report;
        stopped_report.printer = deps_.config.id;
        stopped_report.job_id = attempt.job_id;
        stopped_report.attempt_id = attempt.id;
        stopped_report.outcome = AttemptOutcome::Void;
        stopped_report.reason = "confirm-issued";
        stopped_report.job_state = JobState::ProcessingStopped;
        on_report_(stopped_report);
      }
      return static_cast<bool>(stopped);
    }
  }
  return false;
}

}  // namespace cardd::station
