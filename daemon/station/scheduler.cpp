#include "station/scheduler.hpp"

#include <boost/asio/post.hpp>

#include <ctime>

#include "core/log.hpp"
#include "station/dispatch_policy.hpp"
#include "station/printer_messages.hpp"
#include "transport/tcp_transport.hpp"
#include "transport/usb/libusb_backend.hpp"
#include "transport/usb/usb_printer_transport.hpp"

namespace cardd::station {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;

/* The station's own name in the journal and the ledger. */
Actor stationActor() {
  return Actor{0, "cardd"};
}

/* A connector for tcp://HOST:PORT or usb://VVVV:PPPP[/SERIAL]. */
Result<drivers::TransportConnector> connectorFor(const PrinterConfig& printer) {
  const std::string& uri = printer.uri;
  if (uri.rfind("tcp://", 0) == 0) {
    const std::string rest = uri.substr(6);
    const auto colon = rest.rfind(':');
    if (colon == std::string::npos)
      return Error(ErrorCode::ConfigInvalid, "printer " + printer.id + ": " + uri + " has no port");
    const std::string host = rest.substr(0, colon);
    const int port = std::atoi(rest.substr(colon + 1).c_str());
    if (port <= 0 || port > 65535)
      return Error(ErrorCode::ConfigInvalid, "printer " + printer.id + ": bad port in " + uri);
    return drivers::TransportConnector([host,
                                        port]() -> Result<std::unique_ptr<drivers::Transport>> {
      auto t = std::make_unique<drivers::TcpTransport>(host, static_cast<std::uint16_t>(port));
      auto opened = t->open(2000ms);
      if (!opened) return opened.error();
      if (*opened != drivers::LinkState::Ok)
        return Error(ErrorCode::Unavailable,
                     "the printer at " + host + ":" + std::to_string(port) + " does not answer");
      return std::unique_ptr<drivers::Transport>(std::move(t));
    });
  }
  if (uri.rfind("usb://", 0) == 0) {
    std::string text = uri.substr(6);
    if (auto slash = text.find('/'); slash != std::string::npos) text[slash] = ':';
    auto selector = drivers::UsbSelector::parse(text);
    if (!selector)
      return Error(ErrorCode::ConfigInvalid,
                   "printer " + printer.id + ": " + uri + ": " + selector.error().message);
    auto backend = drivers::LibusbBackend::create();
    if (!backend)
      return Error(ErrorCode::ConfigInvalid,
                   "printer " + printer.id + ": USB is not available: " + backend.error().message);
    return drivers::usbPrinterConnector(std::move(backend).value(), *selector);
  }
  return Error(ErrorCode::ConfigInvalid,
               "printer " + printer.id + ": unsupported uri " + uri + " (tcp:// or usb://)");
}

std::int64_t localDayStart(std::int64_t now_ms) {
  const std::time_t t = static_cast<std::time_t>(now_ms / 1000);
  std::tm tm{};
  localtime_r(&t, &tm);
  tm.tm_hour = 0;
  tm.tm_min = 0;
  tm.tm_sec = 0;
  return static_cast<std::int64_t>(std::mktime(&tm)) * 1000;
}

}  // namespace

Result<CardOrder> beginCardOrder(StoreTx& tx, JobId job, const std::string& printer,
                                 const Actor& actor) {
  auto current = tx.jobs.get(job);
  if (!current) return current.error();
  if (current->state != JobState::Pending)
    return Error(ErrorCode::IllegalTransition, "the job is no longer pending");
  auto moved = tx.jobs.transition(job, JobState::Processing, {"job-printing"}, actor, tx.events);
  if (!moved) return moved.error();
  auto attempt = tx.attempts.begin(job, printer, tx.events);
  if (!attempt) return attempt.error();
  auto payload = tx.jobs.payload(job);
  if (!payload) return payload.error();
  CardOrder order;
  order.job_id = job;
  order.attempt_id = attempt->id;
  order.attempt = attempt->attempt;
  order.template_id = current->template_id;
  order.profile_id = current->profile_id;
  order.payload = std::move(payload).value();
  order.issued_at_ms = attempt->started_at_ms;
  return order;
}

Result<std::unique_ptr<Scheduler>> Scheduler::create(
    SchedulerDeps deps, const Config& config, std::shared_ptr<const TemplateCatalogue> templates,
    const IssuanceKeys* keys, const drivers::PrinterRegistry& registry) {
  std::unique_ptr<Scheduler> s(new Scheduler(deps));
  s->templates_ = templates;
  auto open = deps.reader_attempts.open();
  if (!open) return open.error();
  auto settings = deps.reader_attempts.printerSettings();
  if (!settings) return settings.error();

  for (const auto& pc : config.printers) {
    auto slot = std::make_unique<Slot>();
    slot->config = pc;
    slot->snapshot.printer = pc.id;
    slot->setting.printer = pc.id;
    for (const auto& st : *settings)
      if (st.printer == pc.id) slot->setting = st;
    if (!pc.enabled) {
      s->slots_.push_back(std::move(slot));
      continue;
    }
    auto connector = connectorFor(pc);
    if (!connector) return connector.error();
    const std::string family = pc.family.empty() ? "evolis" : pc.family;
    auto driver = registry.create(family, std::move(connector).value());
    if (!driver)
      return Error(ErrorCode::ConfigInvalid, "printer " + pc.id + ": " + driver.error().message);

    WorkerDeps wd;
    wd.config = pc;
    wd.driver = std::move(driver).value();
    if (!pc.reader.empty()) wd.encoder = makePcscEncoderPort(pc.reader);
    wd.keys = keys;
    wd.committer = &deps.committer;
    wd.clock = &deps.clock;
    wd.max_attempts = config.issuance.max_attempts;
    wd.encode_ahead = config.issuance.encode_ahead;
    wd.actor = stationActor();

    std::vector<CardAttempt> mine;
    for (const auto& a : *open)
      if (a.printer == pc.id) mine.push_back(a);
    if (!mine.empty()) {
      log::notice("cards interrupted by the last stop will be resolved first",
                  {{"printer", pc.id}, {"cards", std::to_string(mine.size())}});
    }

    Scheduler* self = s.get();
    std::weak_ptr<bool> alive = s->alive_;
    auto& ioc = deps.ioc;
    slot->worker = std::make_unique<StationWorker>(
        std::move(wd), templates, std::move(mine),
        [self, alive, &ioc](const WorkerSnapshot& snap) {
          asio::post(ioc, [self, alive, snap] {
            if (alive.lock()) self->onSnapshot(snap);
          });
        },
        [self, alive, &ioc](const AttemptReport& report) {
          asio::post(ioc, [self, alive, report] {
            if (alive.lock()) self->onReport(report);
          });
        });
    s->slots_.push_back(std::move(slot));
  }
  for (const auto& a : *open) {
    bool known = false;
    for (const auto& slot : s->slots_)
      known = known || (slot->config.id == a.printer && slot->worker);
    if (!known)
      log::warning("an interrupted card attempt belongs to a printer that is not configured",
                   {{"printer", a.printer}, {"job", std::to_string(a.job_id)}});
  }
  return s;
}

Scheduler::~Scheduler() {
  stop();
}

void Scheduler::start() {
  refreshDay();
  for (auto& slot : slots_)
    if (slot->worker) slot->worker->start();
  scheduleDispatch();
}

void Scheduler::refreshDay() {
  const std::int64_t day = localDayStart(deps_.clock.nowMs());
  if (day == day_start_ms_) return;
  day_start_ms_ = day;
  auto counts = deps_.reader_attempts.cardsSince(day);
  for (auto& slot : slots_) {
    slot->issued_today = 0;
    slot->spoiled_today = 0;
    if (!counts) continue;
    if (auto it = counts->find(slot->config.id); it != counts->end()) {
      slot->issued_today = it->second.issued;
      slot->spoiled_today = it->second.spoiled;
    }
  }
}

void Scheduler::stop() {
  if (stopped_) return;
  stopped_ = true;
  for (auto& slot : slots_)
    if (slot->worker) slot->worker->stop();
  *alive_ = false;
}

void Scheduler::onEvents(const std::vector<JobEvent>& events) {
  for (const auto& e : events) {
    if (e.to == JobState::Pending) {
      scheduleDispatch();
      return;
    }
  }
}

/* The ribbon a template's panels need: front YMCKO + back K is YMCKOK. */
std::string Scheduler::ribbonFor(const std::string& template_id) const {
  if (!templates_) return "ymcko";
  auto tmpl = templates_->find(template_id);
  if (!tmpl) return "ymcko";
  const auto& t = **tmpl;
  if (t.back.panels.empty()) return t.front.panels;
  if (t.front.panels == "ymcko" && t.back.panels == "k") return "ymckok";
  if (t.front.panels == t.back.panels) return t.front.panels;
  return t.front.panels + t.back.panels;
}

void Scheduler::setTemplates(std::shared_ptr<const TemplateCatalogue> templates) {
  templates_ = templates;
  for (auto& slot : slots_)
    if (slot->worker) slot->worker->setTemplates(templates);
}

void Scheduler::scheduleDispatch() {
  if (dispatch_posted_ || stopped_) return;
  dispatch_posted_ = true;
  std::weak_ptr<bool> alive = alive_;
  asio::post(deps_.ioc, [this, alive] {
    if (!alive.lock()) return;
    dispatch_posted_ = false;
    dispatch();
  });
}

void Scheduler::onSnapshot(const WorkerSnapshot& snapshot) {
  if (Slot* slot = find(snapshot.printer)) {
    slot->snapshot = snapshot;
    if (snapshot.state == WorkerState::Idle || snapshot.accepts_next) scheduleDispatch();
  }
  if (deps_.health) {
    health::PrinterObservation o;
    o.printer = snapshot.printer;
    o.state = std::string(workerStateName(snapshot.state));
    o.reasons = snapshot.reasons;
    o.raw = snapshot.raw_status;
    o.counters = snapshot.counters;
    o.job_id = snapshot.fault_job;
    o.attempt_id = snapshot.fault_attempt;
    o.forced_pauses = snapshot.forced_pauses;
    o.rest_ms = snapshot.rest_ms;
    deps_.health->onPrinter(o);
  }
}

void Scheduler::onReport(const AttemptReport& report) {
  refreshDay();
  if (Slot* slot = find(report.printer)) {
    if (report.outcome == AttemptOutcome::Issued) ++slot->issued_today;
    if (report.outcome == AttemptOutcome::Spoiled) ++slot->spoiled_today;
  }
  /* The card's wear is already booked (with the attempt's end): re-check the
     alert rules. */
  if (deps_.health) deps_.health->evaluateSoon();
  scheduleDispatch();
}

/* Waiting jobs x ready printers -> assignments (dispatch_policy). */
void Scheduler::dispatch() {
  if (stopped_) return;
  std::vector<PrinterFacts> facts;
  for (const auto& slot : slots_) {
    if (!slot->worker) continue;
    PrinterFacts f;
    f.id = slot->config.id;
    const auto& snap = slot->snapshot;
    if (slot->setting.paused) {
      f.readiness = PrinterReadiness::Paused;
    } else if (slot->reserved) {
      f.readiness = PrinterReadiness::Busy;
    } else if (snap.state == WorkerState::Idle && !snap.current_job) {
      f.readiness = PrinterReadiness::Ready;
    } else if (snap.state == WorkerState::Busy && snap.accepts_next && !snap.next_job) {
      f.readiness = PrinterReadiness::Ready;
    } else if (snap.state == WorkerState::Faulted) {
      f.readiness = PrinterReadiness::Faulted;
    } else if (snap.state == WorkerState::Offline || snap.state == WorkerState::Starting) {
      f.readiness = PrinterReadiness::Offline;
    } else {
      f.readiness = PrinterReadiness::Busy;
    }
    f.ribbons = {slot->config.ribbon};
    /* A YMCKOK ribbon also prints front-only colour cards. */
    if (slot->config.ribbon == "ymckok") f.ribbons.push_back("ymcko");
    f.card_stock = {slot->config.card_stock};
    f.has_encoder = !slot->config.reader.empty();
    f.cards_today = slot->issued_today + slot->spoiled_today;
    facts.push_back(std::move(f));
  }
  bool any_ready = false;
  for (const auto& f : facts) any_ready = any_ready || f.readiness == PrinterReadiness::Ready;
  if (!any_ready) return;

  auto stmt = deps_.reader.prepare(
      "SELECT id, priority, template FROM jobs WHERE state = 'pending' "
      "ORDER BY priority DESC, id LIMIT 64");
  if (!stmt) {
    log::error("cannot read the queue", {{"error", stmt.error().message}});
    return;
  }
  auto waiting = stmt->collect<JobNeeds>([this](Statement& row) {
    JobNeeds n;
    n.id = row.columnInt(0);
    n.priority = static_cast<int>(row.columnInt(1));
    n.ribbon = ribbonFor(row.columnText(2));
    n.card_stock = "pvc-chip";
    n.needs_encoder = true;
    return n;
  });
  if (!waiting) {
    log::error("cannot read the queue", {{"error", waiting.error().message}});
    return;
  }
  if (waiting->empty()) return;
  auto plan = planDispatch(std::move(waiting).value(), facts);
  for (const auto& u : plan.unservable) {
    if (unservable_logged_.insert(u.job).second)
      log::warning("a job waits for a printer that can do it",
                   {{"job", std::to_string(u.job)}, {"reason", u.reason}});
  }
  for (const auto& a : plan.assignments) assign(a.printer, a.job);
}

/* One transaction: job processing + attempt opened; then the worker gets it. */
void Scheduler::assign(const std::string& printer, JobId job) {
  Slot* slot = find(printer);
  if (!slot) return;
  slot->reserved = true;
  const Actor actor = stationActor();
  auto work = [job, printer, actor](StoreTx& tx) {
    return beginCardOrder(tx, job, printer, actor);
  };

  std::weak_ptr<bool> alive = alive_;
  deps_.committer.submit<
      CardOrder>(work, deps_.ioc.get_executor(), [this, alive, printer](Result<CardOrder> order) {
    if (!alive.lock()) return;
    Slot* s = find(printer);
    if (!s) return;
    s->reserved = false;
    if (!order) {
      if (order.error().code != ErrorCode::IllegalTransition)
        log::error("cannot assign a job", {{"printer", printer}, {"error", order.error().message}});
      scheduleDispatch();
      return;
    }
    const JobId job_id = order->job_id;
    const AttemptId attempt_id = order->attempt_id;
    if (s->worker && s->worker->offer(std::move(order).value())) {
      if (s->snapshot.state == WorkerState::Idle) {
        s->snapshot.state = WorkerState::Busy;
        s->snapshot.current_job = job_id;
      } else {
        s->snapshot.next_job = job_id;
      }
      s->snapshot.accepts_next = false;
      scheduleDispatch();
      return;
    }
    /* The printer changed its mind (fault, stop): back to the queue,
       and no more offers until its next snapshot says it is ready. */
    s->snapshot.state = WorkerState::Faulted;
    s->snapshot.accepts_next = false;
    const Actor station = stationActor();
    deps_.committer.submit<bool>(
        [attempt_id, job_id, station](StoreTx& tx) -> Result<bool> {
          AttemptEnd end{AttemptOutcome::Void, "printer-unavailable",
                         "the printer could not take the card", std::nullopt, false};
          auto ended = tx.attempts.finish(attempt_id, end, tx.ledger, station, tx.events);
          if (!ended) return ended.error();
          auto moved = tx.jobs.transition(job_id, JobState::Pending, {"printer-fault-requeued"},
                                          station, tx.events);
          if (!moved) return moved.error();
          return true;
        },
        deps_.ioc.get_executor(),
        [this, alive](Result<bool>) {
          if (alive.lock()) scheduleDispatch();
        });
  });
}

Scheduler::Slot* Scheduler::find(const std::string& id) {
  for (auto& slot : slots_)
    if (slot->config.id == id) return slot.get();
  return nullptr;
}

const Scheduler::Slot* Scheduler::find(const std::string& id) const {
  for (const auto& slot : slots_)
    if (slot->config.id == id) return slot.get();
  return nullptr;
}

PrinterView Scheduler::view(const Slot& slot) const {
  PrinterView v;
  const auto& c = slot.config;
  const auto& s = slot.snapshot;
  v.id = c.id;
  v.uri = c.uri;
  v.family = c.family.empty() ? "evolis" : c.family;
  v.reader = c.reader;
  v.ribbon = c.ribbon;
  v.card_stock = c.card_stock;
  v.paused = slot.setting.paused;
  v.paused_reason = slot.setting.reason;
  if (!slot.worker) {
    v.state = "disabled";
  } else if (s.state == WorkerState::Busy) {
    v.state = "busy";
  } else if (slot.setting.paused) {
    v.state = "paused";
  } else {
    v.state = std::string(workerStateName(s.state));
  }
  v.reasons = s.reasons;
  v.message = slot.worker ? s.message : c.id + ": disabled in the configuration.";
  if (v.message.empty()) v.message = printerMessage(c.id, s.reasons);
  if (slot.setting.paused)
    v.message = c.id + ": paused by a technician" +
                (slot.setting.reason.empty() ? "" : " (" + slot.setting.reason + ")") +
                "; resume it with: cardctl resume " + c.id;
  v.current_job = s.current_job;
  v.current_step = s.current_step;
  v.next_job = s.next_job;
  v.model = s.model;
  v.serial = s.serial;
  v.cards_issued_today = slot.issued_today;
  v.cards_spoiled_today = slot.spoiled_today;
  if (auto feeder = deps_.reader_ledger.feeder(c.id)) {
    std::int64_t cards = 0;
    for (const auto& f : *feeder) cards += f.cards;
    v.feeder_cards = cards;
  }
  return v;
}

std::vector<PrinterView> Scheduler::printers() const {
  std::vector<PrinterView> out;
  for (const auto& slot : slots_) out.push_back(view(*slot));
  return out;
}

Result<PrinterView> Scheduler::printer(const std::string& id) const {
  if (const Slot* slot = find(id)) return view(*slot);
  return Error(ErrorCode::NotFound, "there is no printer " + id + " in this station");
}

void Scheduler::pause(const std::string& id, const Actor& actor, const std::string& reason,
                      std::function<void(Result<PrinterView>)> done) {
  if (!find(id)) {
    done(Error(ErrorCode::NotFound, "there is no printer " + id + " in this station"));
    return;
  }
  std::weak_ptr<bool> alive = alive_;
  deps_.committer.submit<PrinterSetting>(
      [id, actor, reason](StoreTx& tx) { return tx.attempts.setPaused(id, true, reason, actor); },
      deps_.ioc.get_executor(),
      [this, alive, id, done](Result<PrinterSetting> setting) {
        if (!alive.lock()) return;
        if (!setting) return done(setting.error());
        if (Slot* slot = find(id)) slot->setting = *setting;
        log::notice("printer paused", {{"printer", id}});
        done(printer(id));
      });
}

void Scheduler::resume(const std::string& id, const Actor& actor,
                       std::function<void(Result<PrinterView>)> done) {
  if (!find(id)) {
    done(Error(ErrorCode::NotFound, "there is no printer " + id + " in this station"));
    return;
  }
  std::weak_ptr<bool> alive = alive_;
  deps_.committer.submit<PrinterSetting>(
      [id, actor](StoreTx& tx) { return tx.attempts.setPaused(id, false, "", actor); },
      deps_.ioc.get_executor(),
      [this, alive, id, done](Result<PrinterSetting> setting) {
        if (!alive.lock()) return;
        if (!setting) return done(setting.error());
        if (Slot* slot = find(id)) slot->setting = *setting;
        log::notice("printer resumed", {{"printer", id}});
        scheduleDispatch();
        done(printer(id));
      });
}

std::string Scheduler::summary() const {
  std::string out;
  for (const auto& slot : slots_) {
    if (!out.empty()) out += ", ";
    const auto v = view(*slot);
    out += v.id + " " + v.state + " (" + std::to_string(v.cards_issued_today) + " issued)";
  }
  return out;
}

}  // namespace cardd::station
