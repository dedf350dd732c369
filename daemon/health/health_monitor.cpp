#include "health/health_monitor.hpp"

#include <algorithm>
#include <chrono>
#include <utility>

#include "core/log.hpp"
#include "health/condition_diff.hpp"
#include "health/fault_summary.hpp"

namespace cardd::health {

namespace {

constexpr std::int64_t kHourMs = 3'600'000;
constexpr std::size_t kMaxDetail = 300;

Actor daemonActor() {
  return Actor{0, "cardd"};
}

bool isError(const std::string& keyword) {
  return keyword.size() > 6 && keyword.compare(keyword.size() - 6, 6, "-error") == 0;
}

// Card failures that go into the fault log as instants, against the encoder.
bool isCardFault(const std::string& reason) {
  return isChipFailureReason(reason) || reason == "card-removed";
}

std::string deviceKindOf(const std::string& reason) {
  return reason.rfind("cardd-encoder", 0) == 0 ? "encoder" : "printer";
}

std::string noSpaces(std::string text) {
  std::replace(text.begin(), text.end(), ' ', '_');
  return text;
}

/* The journal event of an alert change, for the SSE stream. */
Status journalAlert(StoreTx& tx, const AlertRecord& alert, std::string_view event,
                    const Actor& actor, std::int64_t at_ms) {
  JobEvent e;
  e.at_ms = at_ms;
  e.kind = "alert";
  e.reasons = {std::string(event), std::to_string(alert.id), alert.rule,
               std::string(alertSeverityName(alert.severity)), noSpaces(alert.subject)};
  e.actor = actor;
  auto appended = tx.jobs.appendStationEvent(std::move(e));
  if (!appended) return appended.error();
  tx.events.push_back(*appended);
  return Ok();
}

template <typename T>
std::optional<T> findBy(const std::vector<T>& rows, const std::string& printer) {
  for (const auto& row : rows)
    if (row.printer == printer) return row;
  return std::nullopt;
}

}  // namespace

HealthMonitor::HealthMonitor(HealthMonitorDeps deps, const Config& config)
    : deps_(deps),
      config_(config.health),
      reader_health_(deps.reader, deps.clock),
      tracker_(config.health.clear_after),
      hooks_(config.health.hooks, config.station_name),
      timer_(deps.ioc),
      soon_(deps.ioc) {
  const auto& r = config.health.rules;
  rules_.blank_stock_warning = r.blank_stock_warning;
  rules_.blank_stock_critical = r.blank_stock_critical;
  rules_.blank_forecast = r.blank_forecast;
  rules_.lead_time_days = config.health.lead_time_days;
  rules_.feeder_low = r.feeder_low;
  rules_.ribbon_low = r.ribbon_low;
  rules_.cleaning_due_margin = r.cleaning_due_margin;
  rules_.printhead_end_of_life = r.printhead_end_of_life;
  rules_.reader_failure_rate = r.reader_failure_rate;
  rules_.reader_min_cards = r.reader_min_cards;
  rules_.printer_faulted = r.printer_faulted;
  rules_.ledger_imbalance = r.ledger_imbalance;
  rules_.outbox_backlog = r.outbox_backlog;
  for (const auto& printer : config.printers) {
    if (!printer.enabled) continue;
    auto slot = std::make_unique<Printer>();
    slot->config = printer;
    printers_.push_back(std::move(slot));
  }
}

HealthMonitor::~HealthMonitor() {
  stop();
  *alive_ = false;
}

void HealthMonitor::start() {
  scheduleTimer();
  evaluateSoon();
}

void HealthMonitor::stop() {
  if (stopped_) return;
  stopped_ = true;
  timer_.cancel();
  soon_.cancel();
  hooks_.stop();
}

const HealthMonitor::Printer* HealthMonitor::find(const std::string& id) const {
  for (const auto& p : printers_)
    if (p->config.id == id) return p.get();
  return nullptr;
}

HealthMonitor::Printer* HealthMonitor::find(const std::string& id) {
  for (auto& p : printers_)
    if (p->config.id == id) return p.get();
  return nullptr;
}

/* ---- what the printers report -------------------------------------------------- */

void HealthMonitor::onPrinter(const PrinterObservation& observation) {
  if (stopped_) return;
  Printer* printer = find(observation.printer);
  if (!printer || observation.state == "starting" || observation.state == "stopped") return;
  const std::int64_t now = deps_.clock.nowMs();

  const bool has_error =
      std::any_of(observation.reasons.begin(), observation.reasons.end(), isError);
  if (has_error && !printer->faulted_since_ms) printer->faulted_since_ms = now;
  if (!has_error) printer->faulted_since_ms.reset();

  WearDelta rests;
  if (observation.forced_pauses > printer->pauses_seen) {
    rests.forced_pauses = observation.forced_pauses - printer->pauses_seen;
    rests.rest_ms = std::max<std::int64_t>(0, observation.rest_ms - printer->rest_seen_ms);
    printer->pauses_seen = observation.forced_pauses;
    printer->rest_seen_ms = observation.rest_ms;
  }
  const bool reasons_changed = !printer->last || printer->last->reasons != observation.reasons;
  printer->last = observation;
  if (!reasons_changed && rests.forced_pauses == 0) return;

  /* The diff runs against the stored active faults inside the transaction:
     operations run one after another on the committer, so two quick
     snapshots cannot open the same fault twice, and faults left open by a
     previous run are closed when the printer no longer reports them. */
  deps_.committer.submit<bool>(
      [observation, now, rests, reasons_changed](StoreTx& tx) -> Result<bool> {
        WearDelta delta = rests;
        if (reasons_changed) {
          FaultQuery query;
          query.device = observation.printer;
          query.active_only = true;
          query.limit = 10'000;
          auto active = tx.health.faults(query);
          if (!active) return active.error();
          /* Instants (card failures) are never active; conditions are. */
          auto diff = diffConditions(*active, observation.reasons);
          for (auto id : diff.closed) {
            auto cleared = tx.health.clearFault(id, now);
            if (!cleared) return cleared.error();
            if (cleared->reason == drivers::kHeadCoolingKeyword && cleared->durationMs())
              delta.hot_ms += *cleared->durationMs();
          }
          for (const auto& reason : diff.opened) {
            FaultRecord fault;
            fault.raised_at_ms = now;
            fault.device = observation.printer;
            fault.device_kind = deviceKindOf(reason.reason);
            fault.reason = reason.reason;
            fault.severity = reason.severity;
            fault.raw = observation.raw;
            fault.job_id = observation.job_id;
            fault.attempt_id = observation.attempt_id;
            auto opened = tx.health.openFault(std::move(fault));
            if (!opened) return opened.error();
          }
        }
        if (delta.forced_pauses != 0 || delta.rest_ms != 0 || delta.hot_ms != 0) {
          auto added = tx.health.addWear(observation.printer, delta);
          if (!added) return added.error();
        }
        return true;
      },
      deps_.ioc.get_executor(),
      [this, alive = std::weak_ptr<bool>(alive_), id = observation.printer](Result<bool> done) {
        if (alive.expired()) return;
        if (!done) {
          log::error("cannot record a printer's condition in the fault log",
                     {{"printer", id}, {"error", done.error().message}});
        }
        evaluateSoon();
      });
}

Status recordCard(StoreTx& tx, const CardObservation& card, const std::string& reader,
                  std::int64_t now_ms) {
  WearDelta delta;
  delta.cards = card.fed ? 1 : 0;
  delta.panels = card.panels;
  delta.busy_ms = card.fed ? card.busy_ms : 0;
  if (delta.cards != 0 || delta.panels != 0) {
    auto added = tx.health.addWear(card.printer, delta);
    if (!added) return added.error();
  }
  /* A card reached the reader when its chip answered, or when the reader
     saw no chip in a fed card (that counts against the reader). */
  const bool inserted = card.chip_presented || (card.fed && card.reason == "chip-not-detected");
  if (!reader.empty() && inserted) {
    auto recorded =
        tx.health.recordInsertion(card.printer, reader, isChipFailureReason(card.reason));
    if (!recorded) return recorded.error();
  }
  if (card.outcome != "issued" && isCardFault(card.reason)) {
    FaultRecord fault;
    fault.raised_at_ms = now_ms;
    fault.cleared_at_ms = now_ms;
    fault.device = card.printer;
    fault.device_kind = "encoder";
    fault.reason = card.reason;
    fault.severity = "warning";
    fault.raw = card.detail.substr(0, kMaxDetail);
    fault.job_id = card.job_id;
    fault.attempt_id = card.attempt_id;
    auto opened = tx.health.openFault(std::move(fault));
    if (!opened) return opened.error();
  }
  return Ok();
}

/* ---- alerts -------------------------------------------------------------------- */

void HealthMonitor::scheduleTimer() {
  if (stopped_) return;
  timer_.expires_after(config_.evaluate_interval);
  timer_.async_wait([this, alive = std::weak_ptr<bool>(alive_)](boost::system::error_code ec) {
    if (ec || alive.expired() || stopped_) return;
    evaluate();
    scheduleTimer();
  });
}

void HealthMonitor::evaluateSoon() {
  if (stopped_ || soon_armed_) return;
  soon_armed_ = true;
  soon_.expires_after(std::chrono::milliseconds(200));
  soon_.async_wait([this, alive = std::weak_ptr<bool>(alive_)](boost::system::error_code ec) {
    if (alive.expired()) return;
    soon_armed_ = false;
    if (ec || stopped_) return;
    evaluate();
  });
}

Result<AlertFacts> HealthMonitor::facts() const {
  AlertFacts facts;
  facts.now_ms = deps_.clock.nowMs();
  auto summary = deps_.reader_ledger.summary();
  std::vector<FeederBalance> feeders;
  /* A station whose ledger was never used (nothing ever received) keeps no
     books: no stock or feeder alerts until the first receipt. */
  if (summary && summary->total.received == 0) {
    facts.ledger_known = false;
  } else if (summary) {
    facts.blanks_on_hand = summary->total.in_stock + summary->total.in_feeders;
    feeders = summary->feeders;
    for (const auto& text : summary->imbalances) {
      /* "lot L-1: feeder of P1 holds -2 cards": the subject is what the
         sentence is about, before the colon. */
      auto colon = text.find(':');
      std::string subject = colon == std::string::npos ? "station" : text.substr(0, colon);
      if (subject.rfind("lot ", 0) == 0) subject = subject.substr(4);
      facts.imbalances.push_back(ImbalanceFact{subject, text});
    }
    auto usage = reader_health_.dailyConsumption(
        facts.now_ms - static_cast<std::int64_t>(config_.forecast_window_days) * kDayMs, "");
    if (!usage) return usage.error();
    facts.supply = forecastSupply(facts.blanks_on_hand, *usage, facts.now_ms,
                                  ForecastOptions{config_.forecast_window_days, 7});
  } else {
    facts.ledger_known = false;
  }
  auto wear = reader_health_.allPrinterWear();
  if (!wear) return wear.error();
  auto readers = reader_health_.allReaderWear();
  if (!readers) return readers.error();
  for (const auto& p : printers_) {
    PrinterFacts pf;
    pf.printer = p->config.id;
    if (facts.ledger_known) {
      std::int64_t cards = 0;
      for (const auto& f : feeders)
        if (f.printer == p->config.id) cards += f.cards;
      pf.feeder_cards = cards;
    }
    if (p->last && p->last->counters.ribbon_remaining)
      pf.ribbon_remaining = static_cast<std::int64_t>(*p->last->counters.ribbon_remaining);
    pf.wear = findBy(*wear, p->config.id).value_or(PrinterWear{});
    pf.wear.printer = p->config.id;
    pf.limits = WearLimits{p->config.cleaning_interval_cards, p->config.printhead_rated_passes};
    if (!p->config.reader.empty()) pf.reader = findBy(*readers, p->config.id);
    pf.faulted_since_ms = p->faulted_since_ms;
    if (p->last) {
      for (const auto& r : p->last->reasons)
        if (isError(r)) pf.error_reasons.push_back(r);
    }
    facts.printers.push_back(std::move(pf));
  }
  return facts;
}

void HealthMonitor::evaluate() {
  if (stopped_) return;
  if (evaluating_) {
    again_ = true;
    return;
  }
  auto known = facts();
  if (!known) {
    log::warning("cannot evaluate the alert rules", {{"error", known.error().message}});
    return;
  }
  auto open = reader_health_.alerts(false, 100'000);
  if (!open) {
    log::warning("cannot read the open alerts", {{"error", open.error().message}});
    return;
  }
  const std::int64_t now = known->now_ms;
  auto transitions = tracker_.step(now, *open, evaluateRules(rules_, *known));
  if (transitions.empty()) return;

  evaluating_ = true;
  using Changes = std::vector<std::pair<AlertRecord, std::string>>;
  deps_.committer.submit<Changes>(
      [transitions, now](StoreTx& tx) -> Result<Changes> {
        Changes changes;
        for (const auto& o : transitions.raise) {
          AlertRecord alert;
          alert.rule = o.rule;
          alert.subject = o.subject;
          alert.severity = o.severity;
          alert.message = o.message;
          alert.value = o.value;
          alert.threshold = o.threshold;
          alert.raised_at_ms = now;
          alert.updated_at_ms = now;
          auto raised = tx.health.raiseAlert(std::move(alert));
          if (!raised) return raised.error();
          if (auto st = journalAlert(tx, *raised, "raised", daemonActor(), now); !st)
            return st.error();
          changes.emplace_back(*raised, "raised");
        }
        for (const auto& [id, o] : transitions.update) {
          auto updated =
              tx.health.updateAlert(id, o.severity, o.value, o.threshold, o.message, now);
          if (!updated) return updated.error();
          if (auto st = journalAlert(tx, *updated, "escalated", daemonActor(), now); !st)
            return st.error();
          changes.emplace_back(*updated, "escalated");
        }
        for (auto id : transitions.clear) {
          auto cleared = tx.health.clearAlert(id, now);
          if (!cleared) return cleared.error();
          if (auto st = journalAlert(tx, *cleared, "cleared", daemonActor(), now); !st)
            return st.error();
          changes.emplace_back(*cleared, "cleared");
        }
        return changes;
      },
      deps_.ioc.get_executor(),
      [this, alive = std::weak_ptr<bool>(alive_)](Result<Changes> done) {
        if (alive.expired()) return;
        evaluating_ = false;
        if (!done) {
          log::error("cannot record alert changes", {{"error", done.error().message}});
        } else {
          afterAlertCommit(*done);
        }
        if (again_) {
          again_ = false;
          evaluateSoon();
        }
      });
}

/* Journald and the hooks, once the change is on disk. */
void HealthMonitor::afterAlertCommit(
    const std::vector<std::pair<AlertRecord, std::string>>& changes) {
  for (const auto& [alert, event] : changes) {
    const std::string message = "alert " + event + ": " + alert.message;
    std::initializer_list<log::Field> fields = {
        {"alert", std::to_string(alert.id)},
        {"rule", alert.rule},
        {"subject", alert.subject},
        {"severity", std::string(alertSeverityName(alert.severity))}};
    if (event == "cleared" || event == "acknowledged")
      log::notice(message, fields);
    else if (alert.severity == AlertSeverity::Critical)
      log::error(message, fields);
    else
      log::warning(message, fields);
    hooks_.deliver(alert, event);
  }
}

/* ---- HealthControl ------------------------------------------------------------- */

Result<std::vector<FaultRecord>> HealthMonitor::faults(const FaultQuery& query) const {
  return reader_health_.faults(query);
}

Result<std::vector<DeviceFaultSummary>> HealthMonitor::faultSummary(int days) const {
  const std::int64_t now = deps_.clock.nowMs();
  FaultQuery query;
  query.since_ms = now - static_cast<std::int64_t>(days) * kDayMs;
  query.limit = 1'000'000;
  auto faults = reader_health_.faults(query);
  if (!faults) return faults.error();
  return summariseFaults(*faults, now, days);
}

Result<DeviceHealthView> HealthMonitor::view(const Printer& printer) const {
  const std::int64_t now = deps_.clock.nowMs();
  const std::string& id = printer.config.id;
  DeviceHealthView v;
  v.printer = id;
  auto wear = reader_health_.allPrinterWear();
  if (!wear) return wear.error();
  v.wear = findBy(*wear, id).value_or(PrinterWear{});
  v.wear.printer = id;
  v.limits =
      WearLimits{printer.config.cleaning_interval_cards, printer.config.printhead_rated_passes};
  if (!printer.config.reader.empty()) {
    auto readers = reader_health_.allReaderWear();
    if (!readers) return readers.error();
    v.reader = findBy(*readers, id);
    if (!v.reader) {
      ReaderWear fresh;
      fresh.printer = id;
      fresh.reader = printer.config.reader;
      v.reader = fresh;
    }
  }
  auto usage = reader_health_.dailyConsumption(
      now - static_cast<std::int64_t>(config_.forecast_window_days) * kDayMs, id);
  if (!usage) return usage.error();
  v.cards_per_day = forecastSupply(0, *usage, now, ForecastOptions{config_.forecast_window_days, 7})
                        .cards_per_day;
  if (printer.last) {
    const auto& c = printer.last->counters;
    const auto opt = [](const std::optional<std::uint64_t>& x) -> std::optional<std::int64_t> {
      if (!x) return std::nullopt;
      return static_cast<std::int64_t>(*x);
    };
    v.printer_cards = opt(c.cards);
    v.printer_cards_since_cleaning = opt(c.cards_since_cleaning);
    v.printer_cleanings = opt(c.cleanings);
    v.ribbon_remaining = opt(c.ribbon_remaining);
    v.ribbon_capacity = opt(c.ribbon_capacity);
    v.resting = printer.last->state == "resting";
  }
  v.forecast = forecastWear(v.wear, v.limits, v.ribbon_remaining, v.cards_per_day, now);
  v.duty_cards_per_hour = printer.config.duty_cards_per_hour;
  auto last_hour = reader_health_.cardsIssuedSince(id, now - kHourMs);
  if (!last_hour) return last_hour.error();
  v.cards_last_hour = *last_hour;
  return v;
}

Result<std::vector<DeviceHealthView>> HealthMonitor::devices() const {
  std::vector<DeviceHealthView> out;
  for (const auto& p : printers_) {
    auto v = view(*p);
    if (!v) return v.error();
    out.push_back(std::move(*v));
  }
  return out;
}

Result<DeviceHealthView> HealthMonitor::device(const std::string& printer) const {
  const Printer* p = find(printer);
  if (!p) return Error(ErrorCode::NotFound, "there is no printer '" + printer + "'");
  return view(*p);
}

Result<SupplyView> HealthMonitor::supply() const {
  const std::int64_t now = deps_.clock.nowMs();
  auto summary = deps_.reader_ledger.summary();
  if (!summary) return summary.error();
  auto usage = reader_health_.dailyConsumption(
      now - static_cast<std::int64_t>(config_.forecast_window_days) * kDayMs, "");
  if (!usage) return usage.error();
  SupplyView view;
  view.lead_time_days = config_.lead_time_days;
  view.station = forecastSupply(summary->total.in_stock + summary->total.in_feeders, *usage, now,
                                ForecastOptions{config_.forecast_window_days, 7});
  /* Lots by name: receipts name lots in arrival order at every station
     seen so far (the ledger itself takes the oldest lot first). */
  std::vector<LotStock> lots;
  for (const auto& lot : summary->lots)
    lots.push_back(LotStock{lot.lot, lot.in_stock + lot.in_feeders});
  view.lots = forecastLots(lots, view.station.cards_per_day);
  return view;
}

void HealthMonitor::recordMaintenance(const std::string& printer, MaintenanceAction action,
                                      const Actor& actor, const std::string& note,
                                      std::function<void(Result<MaintenanceRecord>)> done) {
  const Printer* p = find(printer);
  if (!p) {
    done(Error(ErrorCode::NotFound, "there is no printer '" + printer + "'"));
    return;
  }
  if (action == MaintenanceAction::ReaderReplaced && p->config.reader.empty()) {
    done(Error(ErrorCode::InvalidArgument,
               "printer " + printer + " has no chip reader configured; nothing to replace"));
    return;
  }
  MaintenanceRecord record;
  record.at_ms = deps_.clock.nowMs();
  record.printer = printer;
  record.action = action;
  record.actor = actor.user;
  record.note = note;
  const std::string reader = p->config.reader;
  deps_.committer.submit<MaintenanceRecord>(
      [record, reader](StoreTx& tx) -> Result<MaintenanceRecord> {
        if (record.action == MaintenanceAction::ReaderReplaced) {
          auto row = tx.health.readerWear(record.printer, reader);
          if (!row) return row.error();
        } else {
          auto row = tx.health.printerWear(record.printer);
          if (!row) return row.error();
        }
        return tx.health.recordMaintenance(record);
      },
      deps_.ioc.get_executor(),
      [this, alive = std::weak_ptr<bool>(alive_),
       done = std::move(done)](Result<MaintenanceRecord> result) {
        if (alive.expired()) return;
        if (result) {
          log::notice("maintenance recorded",
                      {{"printer", result->printer},
                       {"action", std::string(maintenanceActionName(result->action))},
                       {"by", result->actor}});
          evaluateSoon();
        }
        done(std::move(result));
      });
}

Result<std::vector<MaintenanceRecord>> HealthMonitor::maintenanceLog(const std::string& printer,
                                                                     int limit) const {
  return reader_health_.maintenance(printer, limit);
}

Result<std::vector<AlertRecord>> HealthMonitor::alerts(bool include_cleared, int limit) const {
  return reader_health_.alerts(include_cleared, limit);
}

void HealthMonitor::acknowledge(std::int64_t alert_id, const Actor& actor,
                                std::function<void(Result<AlertRecord>)> done) {
  const std::int64_t now = deps_.clock.nowMs();
  using Acked = std::pair<AlertRecord, bool>;  // the alert, and whether this changed it
  deps_.committer.submit<Acked>(
      [alert_id, actor, now](StoreTx& tx) -> Result<Acked> {
        auto before = tx.health.alert(alert_id);
        if (!before) return before.error();
        auto acked = tx.health.acknowledgeAlert(alert_id, actor.user, now);
        if (!acked) return acked.error();
        const bool changed = before->state == AlertState::Raised;
        if (changed) {
          if (auto st = journalAlert(tx, *acked, "acknowledged", actor, now); !st)
            return st.error();
        }
        return Acked{*acked, changed};
      },
      deps_.ioc.get_executor(),
      [this, alive = std::weak_ptr<bool>(alive_), done = std::move(done)](Result<Acked> result) {
        if (alive.expired()) return;
        if (!result) {
          done(result.error());
          return;
        }
        if (result->second) afterAlertCommit({{result->first, "acknowledged"}});
        done(result->first);
      });
}

}  // namespace cardd::health
