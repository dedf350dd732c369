#include "store/health_store.hpp"

#include <algorithm>
#include <charconv>
#include <system_error>

namespace cardd {
namespace {

using health::AlertRecord;
using health::AlertSeverity;
using health::AlertState;
using health::FaultRecord;
using health::MaintenanceAction;
using health::MaintenanceRecord;
using health::PrinterWear;
using health::ReaderWear;

constexpr const char* kFaultColumns =
    "id, raised_at, cleared_at, device, device_kind, reason, severity, raw, job_id, attempt_id";

constexpr const char* kWearColumns =
    "printer, cards, panels, cards_since_cleaning, cleanings, last_cleaning_at, ribbon_changes, "
    "cards_since_ribbon, ribbon_loaded_at, busy_ms, hot_ms, forced_pauses, rest_ms, "
    "head_installed_at, head_passes, updated_at";

constexpr const char* kReaderColumns =
    "printer, reader, installed_at, insertions, chip_failures, recent";

constexpr const char* kMaintenanceColumns = "id, at, printer, action, actor, note";

// value and threshold are REAL; printed with 17 significant digits so that
// the double read back is the one written.
constexpr const char* kAlertColumns =
    "id, rule, subject, severity, state, message, printf('%!.17g', value), "
    "printf('%!.17g', threshold), raised_at, updated_at, acknowledged_at, acknowledged_by, "
    "cleared_at";

std::optional<std::int64_t> optInt(const Statement& st, int i) {
  if (st.columnIsNull(i)) return std::nullopt;
  return st.columnInt(i);
}

Statement& bindOptInt(Statement& st, int i, const std::optional<std::int64_t>& v) {
  return v ? st.bind(i, *v) : st.bindNull(i);
}

std::string doubleText(double v) {
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  if (ec != std::errc()) return "0";
  return std::string(buf, end);
}

double textDouble(const std::string& s) {
  double v = 0;
  std::from_chars(s.data(), s.data() + s.size(), v);
  return v;
}

FaultRecord readFault(const Statement& st) {
  FaultRecord f;
  f.id = st.columnInt(0);
  f.raised_at_ms = st.columnInt(1);
  f.cleared_at_ms = optInt(st, 2);
  f.device = st.columnText(3);
  f.device_kind = st.columnText(4);
  f.reason = st.columnText(5);
  f.severity = st.columnText(6);
  f.raw = st.columnText(7);
  f.job_id = optInt(st, 8);
  f.attempt_id = optInt(st, 9);
  return f;
}

PrinterWear readWear(const Statement& st) {
  PrinterWear w;
  w.printer = st.columnText(0);
  w.cards = st.columnInt(1);
  w.panels = st.columnInt(2);
  w.cards_since_cleaning = st.columnInt(3);
  w.cleanings = st.columnInt(4);
  w.last_cleaning_ms = optInt(st, 5);
  w.ribbon_changes = st.columnInt(6);
  w.cards_since_ribbon = st.columnInt(7);
  w.ribbon_loaded_ms = optInt(st, 8);
  w.busy_ms = st.columnInt(9);
  w.hot_ms = st.columnInt(10);
  w.forced_pauses = st.columnInt(11);
  w.rest_ms = st.columnInt(12);
  w.head_installed_ms = st.columnInt(13);
  w.head_passes = st.columnInt(14);
  w.updated_ms = st.columnInt(15);
  return w;
}

ReaderWear readReader(const Statement& st) {
  ReaderWear r;
  r.printer = st.columnText(0);
  r.reader = st.columnText(1);
  r.installed_ms = st.columnInt(2);
  r.insertions = st.columnInt(3);
  r.chip_failures = st.columnInt(4);
  r.recent = st.columnText(5);
  return r;
}

MaintenanceRecord readMaintenance(const Statement& st) {
  MaintenanceRecord m;
  m.id = st.columnInt(0);
  m.at_ms = st.columnInt(1);
  m.printer = st.columnText(2);
  m.action =
      health::maintenanceActionFromName(st.columnText(3)).value_or(MaintenanceAction::Cleaning);
  m.actor = st.columnText(4);
  m.note = st.columnText(5);
  return m;
}

AlertRecord readAlert(const Statement& st) {
  AlertRecord a;
  a.id = st.columnInt(0);
  a.rule = st.columnText(1);
  a.subject = st.columnText(2);
  a.severity = health::alertSeverityFromName(st.columnText(3)).value_or(AlertSeverity::Critical);
  a.state = health::alertStateFromName(st.columnText(4)).value_or(AlertState::Raised);
  a.message = st.columnText(5);
  a.value = textDouble(st.columnText(6));
  a.threshold = textDouble(st.columnText(7));
  a.raised_at_ms = st.columnInt(8);
  a.updated_at_ms = st.columnInt(9);
  a.acknowledged_at_ms = optInt(st, 10);
  a.acknowledged_by = st.columnText(11);
  a.cleared_at_ms = optInt(st, 12);
  return a;
}

int severityRank(AlertSeverity s) {
  switch (s) {
    case AlertSeverity::Info:
      return 0;
    case AlertSeverity::Warning:
      return 1;
    case AlertSeverity::Critical:
      return 2;
  }
  return 2;
}

std::string faultName(std::int64_t id) {
  return "fault " + std::to_string(id);
}

std::string alertName(const AlertRecord& a) {
  return "alert " + std::to_string(a.id) + " (" + a.rule + " on " + a.subject + ")";
}

// True on a query_only (reader) connection: rows are then never created.
Result<bool> readOnly(Database& db) {
  auto q = db.queryInt("PRAGMA query_only");
  if (!q) return std::move(q).error();
  return *q != 0;
}

Status validPrinter(const std::string& printer) {
  if (printer.empty()) return Error(ErrorCode::InvalidArgument, "name the printer");
  return Ok{};
}

}  // namespace

// ---- Fault log ----

Result<FaultRecord> HealthStore::openFault(FaultRecord f) {
  if (f.device.empty())
    return Error(ErrorCode::InvalidArgument, "a fault needs the device it happened on");
  if (f.device_kind != "printer" && f.device_kind != "encoder")
    return Error(ErrorCode::InvalidArgument,
                 "a fault's device kind must be printer or encoder, not '" + f.device_kind + "'");
  if (f.severity != "report" && f.severity != "warning" && f.severity != "error")
    return Error(ErrorCode::InvalidArgument,
                 "a fault's severity must be report, warning or error, not '" + f.severity + "'");
  if (f.reason.empty()) return Error(ErrorCode::InvalidArgument, "a fault needs its reason");
  if (f.raised_at_ms == 0) f.raised_at_ms = clock_.nowMs();
  // An instant fault (cleared when raised) never ends before it began, even
  // when the clock stepped back in between.
  if (f.cleared_at_ms && *f.cleared_at_ms < f.raised_at_ms) f.cleared_at_ms = f.raised_at_ms;

  auto st = db_.prepare(
      "INSERT INTO faults (raised_at, cleared_at, device, device_kind, reason, severity, raw, "
      "job_id, attempt_id) VALUES (?,?,?,?,?,?,?,?,?)");
  if (!st) return std::move(st).error();
  st->bind(1, f.raised_at_ms);
  bindOptInt(*st, 2, f.cleared_at_ms);
  st->bind(3, f.device).bind(4, f.device_kind).bind(5, f.reason).bind(6, f.severity).bind(7, f.raw);
  bindOptInt(*st, 8, f.job_id);
  bindOptInt(*st, 9, f.attempt_id);
  if (auto r = st->run(); !r) return std::move(r).error();
  f.id = db_.lastInsertId();
  return f;
}

Result<FaultRecord> HealthStore::clearFault(std::int64_t id, std::int64_t cleared_at_ms) {
  auto st = db_.prepare(std::string("SELECT ") + kFaultColumns + " FROM faults WHERE id = ?");
  if (!st) return std::move(st).error();
  st->bind(1, id);
  auto row = st->step();
  if (!row) return std::move(row).error();
  if (!*row) return Error(ErrorCode::NotFound, faultName(id) + " does not exist");
  FaultRecord f = readFault(*st);
  st->reset();
  if (f.cleared_at_ms) {
    return Error(ErrorCode::IllegalTransition, faultName(id) + " (" + f.reason + " on " + f.device +
                                                   ") was already cleared; a fault clears once");
  }
  f.cleared_at_ms = std::max(cleared_at_ms, f.raised_at_ms);
  auto up = db_.prepare("UPDATE faults SET cleared_at = ? WHERE id = ? AND cleared_at IS NULL");
  if (!up) return std::move(up).error();
  up->bind(1, *f.cleared_at_ms).bind(2, id);
  if (auto r = up->run(); !r) return std::move(r).error();
  return f;
}

Result<std::vector<FaultRecord>> HealthStore::faults(const health::FaultQuery& q) {
  // Filters become bound parameters in the order they were added.
  std::string sql = std::string("SELECT ") + kFaultColumns + " FROM faults WHERE 1";
  if (q.device) sql += " AND device = ?";
  if (q.since_ms) sql += " AND raised_at >= ?";
  if (q.reason) sql += " AND reason = ?";
  if (q.active_only) sql += " AND cleared_at IS NULL";
  sql += " ORDER BY raised_at DESC, id DESC LIMIT ?";
  auto st = db_.prepare(sql);
  if (!st) return std::move(st).error();
  int i = 1;
  if (q.device) st->bind(i++, *q.device);
  if (q.since_ms) st->bind(i++, *q.since_ms);
  if (q.reason) st->bind(i++, *q.reason);
  st->bind(i, static_cast<std::int64_t>(q.limit > 0 ? q.limit : -1));
  return st->collect<FaultRecord>(readFault);
}

Result<std::vector<FaultRecord>> HealthStore::activeFaults() {
  auto st = db_.prepare(std::string("SELECT ") + kFaultColumns +
                        " FROM faults WHERE cleared_at IS NULL ORDER BY raised_at, id");
  if (!st) return std::move(st).error();
  return st->collect<FaultRecord>(readFault);
}

// ---- Wear ----

Result<PrinterWear> HealthStore::printerWear(const std::string& printer) {
  if (auto v = validPrinter(printer); !v) return std::move(v).error();
  auto st =
      db_.prepare(std::string("SELECT ") + kWearColumns + " FROM printer_wear WHERE printer = ?");
  if (!st) return std::move(st).error();
  st->bind(1, printer);
  auto row = st->step();
  if (!row) return std::move(row).error();
  if (*row) {
    PrinterWear w = readWear(*st);
    st->reset();
    return w;
  }
  PrinterWear w;
  w.printer = printer;
  w.head_installed_ms = w.updated_ms = clock_.nowMs();
  auto ro = readOnly(db_);
  if (!ro) return std::move(ro).error();
  if (*ro) return w;
  auto ins = db_.prepare(
      "INSERT INTO printer_wear (printer, head_installed_at, updated_at) VALUES (?, ?, ?)");
  if (!ins) return std::move(ins).error();
  ins->bind(1, printer).bind(2, w.head_installed_ms).bind(3, w.updated_ms);
  if (auto r = ins->run(); !r) return std::move(r).error();
  return w;
}

Result<std::vector<PrinterWear>> HealthStore::allPrinterWear() {
  auto st =
      db_.prepare(std::string("SELECT ") + kWearColumns + " FROM printer_wear ORDER BY printer");
  if (!st) return std::move(st).error();
  return st->collect<PrinterWear>(readWear);
}

Result<PrinterWear> HealthStore::addWear(const std::string& printer, const health::WearDelta& d) {
  if (d.cards < 0 || d.panels < 0 || d.busy_ms < 0 || d.hot_ms < 0 || d.forced_pauses < 0 ||
      d.rest_ms < 0) {
    return Error(ErrorCode::InvalidArgument, "wear only grows: a wear delta cannot be negative");
  }
  auto current = printerWear(printer);
  if (!current) return std::move(current).error();
  PrinterWear w = std::move(current).value();
  w.cards += d.cards;
  w.panels += d.panels;
  w.cards_since_cleaning += d.cards;
  w.cards_since_ribbon += d.cards;
  w.head_passes += d.panels;
  w.busy_ms += d.busy_ms;
  w.hot_ms += d.hot_ms;
  w.forced_pauses += d.forced_pauses;
  w.rest_ms += d.rest_ms;
  w.updated_ms = clock_.nowMs();
  auto st = db_.prepare(
      "UPDATE printer_wear SET cards = ?, panels = ?, cards_since_cleaning = ?, "
      "cards_since_ribbon = ?, head_passes = ?, busy_ms = ?, hot_ms = ?, forced_pauses = ?, "
      "rest_ms = ?, updated_at = ? WHERE printer = ?");
  if (!st) return std::move(st).error();
  st->bind(1, w.cards)
      .bind(2, w.panels)
      .bind(3, w.cards_since_cleaning)
      .bind(4, w.cards_since_ribbon)
      .bind(5, w.head_passes)
      .bind(6, w.busy_ms)
      .bind(7, w.hot_ms)
      .bind(8, w.forced_pauses)
      .bind(9, w.rest_ms)
      .bind(10, w.updated_ms)
      .bind(11, printer);
  if (auto r = st->run(); !r) return std::move(r).error();
  return w;
}

Result<ReaderWear> HealthStore::readerWear(const std::string& printer, const std::string& reader) {
  if (auto v = validPrinter(printer); !v) return std::move(v).error();
  if (reader.empty()) return Error(ErrorCode::InvalidArgument, "name the reader");
  auto st =
      db_.prepare(std::string("SELECT ") + kReaderColumns + " FROM reader_wear WHERE printer = ?");
  if (!st) return std::move(st).error();
  st->bind(1, printer);
  auto row = st->step();
  if (!row) return std::move(row).error();
  if (*row) {
    ReaderWear r = readReader(*st);
    st->reset();
    if (r.reader == reader) return r;
  }
  // First seen, or a different reader in the printer now: a new row.
  ReaderWear r;
  r.printer = printer;
  r.reader = reader;
  r.installed_ms = clock_.nowMs();
  auto ro = readOnly(db_);
  if (!ro) return std::move(ro).error();
  if (*ro) return r;
  auto put = db_.prepare(
      "INSERT OR REPLACE INTO reader_wear (printer, reader, installed_at, insertions, "
      "chip_failures, recent, updated_at) VALUES (?, ?, ?, 0, 0, '', ?)");
  if (!put) return std::move(put).error();
  put->bind(1, printer).bind(2, reader).bind(3, r.installed_ms).bind(4, r.installed_ms);
  if (auto done = put->run(); !done) return std::move(done).error();
  return r;
}

Result<std::vector<ReaderWear>> HealthStore::allReaderWear() {
  auto st =
      db_.prepare(std::string("SELECT ") + kReaderColumns + " FROM reader_wear ORDER BY printer");
  if (!st) return std::move(st).error();
  return st->collect<ReaderWear>(readReader);
}

Result<ReaderWear> HealthStore::recordInsertion(const std::string& printer,
                                                const std::string& reader, bool chip_failed) {
  auto current = readerWear(printer, reader);
  if (!current) return std::move(current).error();
  ReaderWear r = std::move(current).value();
  r.insertions += 1;
  if (chip_failed) r.chip_failures += 1;
  r.recent.push_back(chip_failed ? '1' : '0');
  if (r.recent.size() > health::kReaderWindow)
    r.recent.erase(0, r.recent.size() - health::kReaderWindow);
  auto st = db_.prepare(
      "UPDATE reader_wear SET insertions = ?, chip_failures = ?, recent = ?, updated_at = ? "
      "WHERE printer = ?");
  if (!st) return std::move(st).error();
  st->bind(1, r.insertions)
      .bind(2, r.chip_failures)
      .bind(3, r.recent)
      .bind(4, clock_.nowMs())
      .bind(5, printer);
  if (auto done = st->run(); !done) return std::move(done).error();
  return r;
}

// ---- Maintenance ----

Result<MaintenanceRecord> HealthStore::recordMaintenance(MaintenanceRecord m) {
  if (auto v = validPrinter(m.printer); !v) return std::move(v).error();
  if (m.actor.empty())
    return Error(ErrorCode::InvalidArgument, "a maintenance record needs who did it");
  if (m.at_ms == 0) m.at_ms = clock_.nowMs();
  auto ins = db_.prepare(
      "INSERT INTO maintenance (at, printer, action, actor, note) VALUES (?, ?, ?, ?, ?)");
  if (!ins) return std::move(ins).error();
  ins->bind(1, m.at_ms)
      .bind(2, m.printer)
      .bind(3, health::maintenanceActionName(m.action))
      .bind(4, m.actor)
      .bind(5, m.note);
  if (auto r = ins->run(); !r) return std::move(r).error();
  m.id = db_.lastInsertId();

  // Reset what the action concerns, nothing else.
  const std::int64_t now = clock_.nowMs();
  std::string sql;
  switch (m.action) {
    case MaintenanceAction::Cleaning:
      sql =
          "UPDATE printer_wear SET cards_since_cleaning = 0, cleanings = cleanings + 1, "
          "last_cleaning_at = ?1, updated_at = ?2 WHERE printer = ?3";
      break;
    case MaintenanceAction::PrintheadReplaced:
      sql =
          "UPDATE printer_wear SET head_installed_at = ?1, head_passes = 0, updated_at = ?2 "
          "WHERE printer = ?3";
      break;
    case MaintenanceAction::RibbonLoaded:
      sql =
          "UPDATE printer_wear SET ribbon_changes = ribbon_changes + 1, cards_since_ribbon = 0, "
          "ribbon_loaded_at = ?1, updated_at = ?2 WHERE printer = ?3";
      break;
    case MaintenanceAction::ReaderReplaced:
      // A printer whose reader was never seen has nothing to reset; the
      // reader's row is made when it first reads a card.
      sql =
          "UPDATE reader_wear SET installed_at = ?1, insertions = 0, chip_failures = 0, "
          "recent = '', updated_at = ?2 WHERE printer = ?3";
      break;
  }
  if (m.action != MaintenanceAction::ReaderReplaced) {
    if (auto w = printerWear(m.printer); !w) return std::move(w).error();
  }
  auto up = db_.prepare(sql);
  if (!up) return std::move(up).error();
  up->bind(1, m.at_ms).bind(2, now).bind(3, m.printer);
  if (auto r = up->run(); !r) return std::move(r).error();
  return m;
}

Result<std::vector<MaintenanceRecord>> HealthStore::maintenance(const std::string& printer,
                                                                int limit) {
  std::string sql = std::string("SELECT ") + kMaintenanceColumns + " FROM maintenance";
  if (!printer.empty()) sql += " WHERE printer = ?2";
  sql += " ORDER BY at DESC, id DESC LIMIT ?1";
  auto st = db_.prepare(sql);
  if (!st) return std::move(st).error();
  st->bind(1, static_cast<std::int64_t>(limit > 0 ? limit : -1));
  if (!printer.empty()) st->bind(2, printer);
  return st->collect<MaintenanceRecord>(readMaintenance);
}

// ---- Alerts ----

Result<AlertRecord> HealthStore::raiseAlert(AlertRecord a) {
  if (a.rule.empty() || a.subject.empty())
    return Error(ErrorCode::InvalidArgument, "an alert needs its rule and its subject");
  a.state = AlertState::Raised;
  if (a.raised_at_ms == 0) a.raised_at_ms = clock_.nowMs();
  a.updated_at_ms = a.raised_at_ms;
  a.acknowledged_at_ms.reset();
  a.acknowledged_by.clear();
  a.cleared_at_ms.reset();

  auto open =
      db_.prepare("SELECT id FROM alerts WHERE rule = ? AND subject = ? AND state <> 'cleared'");
  if (!open) return std::move(open).error();
  open->bind(1, a.rule).bind(2, a.subject);
  auto row = open->step();
  if (!row) return std::move(row).error();
  if (*row) {
    const std::int64_t id = open->columnInt(0);
    open->reset();
    return Error(ErrorCode::IllegalTransition,
                 "alert " + std::to_string(id) + " (" + a.rule + " on " + a.subject +
                     ") is still open; an alert is raised once until it clears");
  }

  auto st = db_.prepare(
      "INSERT INTO alerts (rule, subject, severity, state, message, value, threshold, raised_at, "
      "updated_at) VALUES (?, ?, ?, 'raised', ?, CAST(? AS REAL), CAST(? AS REAL), ?, ?)");
  if (!st) return std::move(st).error();
  st->bind(1, a.rule)
      .bind(2, a.subject)
      .bind(3, health::alertSeverityName(a.severity))
      .bind(4, a.message)
      .bind(5, doubleText(a.value))
      .bind(6, doubleText(a.threshold))
      .bind(7, a.raised_at_ms)
      .bind(8, a.updated_at_ms);
  if (auto r = st->run(); !r) return std::move(r).error();
  a.id = db_.lastInsertId();
  return a;
}

Result<AlertRecord> HealthStore::updateAlert(std::int64_t id, AlertSeverity severity, double value,
                                             double threshold, const std::string& message,
                                             std::int64_t at_ms) {
  auto current = alert(id);
  if (!current) return std::move(current).error();
  AlertRecord a = std::move(current).value();
  if (a.state == AlertState::Cleared) {
    return Error(ErrorCode::IllegalTransition,
                 alertName(a) +
                     " has cleared and cannot change; a new alert is raised if the "
                     "condition comes back");
  }
  if (severityRank(severity) > severityRank(a.severity)) a.severity = severity;
  a.value = value;
  a.threshold = threshold;
  a.message = message;
  a.updated_at_ms = at_ms;
  auto st = db_.prepare(
      "UPDATE alerts SET severity = ?, value = CAST(? AS REAL), threshold = CAST(? AS REAL), "
      "message = ?, updated_at = ? WHERE id = ?");
  if (!st) return std::move(st).error();
  st->bind(1, health::alertSeverityName(a.severity))
      .bind(2, doubleText(a.value))
      .bind(3, doubleText(a.threshold))
      .bind(4, a.message)
      .bind(5, a.updated_at_ms)
      .bind(6, id);
  if (auto r = st->run(); !r) return std::move(r).error();
  return alert(id);
}

Result<AlertRecord> HealthStore::acknowledgeAlert(std::int64_t id, const std::string& by,
                                                  std::int64_t at_ms) {
  if (by.empty()) return Error(ErrorCode::InvalidArgument, "say who acknowledges the alert");
  auto current = alert(id);
  if (!current) return std::move(current).error();
  AlertRecord a = std::move(current).value();
  if (a.state == AlertState::Acknowledged) return a;
  if (a.state == AlertState::Cleared) {
    return Error(ErrorCode::IllegalTransition,
                 alertName(a) + " has already cleared by itself; there is nothing to acknowledge");
  }
  auto st = db_.prepare(
      "UPDATE alerts SET state = 'acknowledged', acknowledged_at = ?, acknowledged_by = ?, "
      "updated_at = ? WHERE id = ? AND state = 'raised'");
  if (!st) return std::move(st).error();
  st->bind(1, at_ms).bind(2, by).bind(3, at_ms).bind(4, id);
  if (auto r = st->run(); !r) return std::move(r).error();
  return alert(id);
}

Result<AlertRecord> HealthStore::clearAlert(std::int64_t id, std::int64_t at_ms) {
  auto current = alert(id);
  if (!current) return std::move(current).error();
  AlertRecord a = std::move(current).value();
  if (a.state == AlertState::Cleared)
    return Error(ErrorCode::IllegalTransition, alertName(a) + " was already cleared");
  auto st = db_.prepare(
      "UPDATE alerts SET state = 'cleared', cleared_at = ?, updated_at = ? WHERE id = ? AND "
      "state <> 'cleared'");
  if (!st) return std::move(st).error();
  st->bind(1, at_ms).bind(2, at_ms).bind(3, id);
  if (auto r = st->run(); !r) return std::move(r).error();
  return alert(id);
}

Result<AlertRecord> HealthStore::alert(std::int64_t id) {
  auto st = db_.prepare(std::string("SELECT ") + kAlertColumns + " FROM alerts WHERE id = ?");
  if (!st) return std::move(st).error();
  st->bind(1, id);
  auto row = st->step();
  if (!row) return std::move(row).error();
  if (!*row) return Error(ErrorCode::NotFound, "alert " + std::to_string(id) + " does not exist");
  AlertRecord a = readAlert(*st);
  st->reset();
  return a;
}

Result<std::vector<AlertRecord>> HealthStore::alerts(bool include_cleared, int limit) {
  std::string sql = std::string("SELECT ") + kAlertColumns + " FROM alerts";
  if (!include_cleared) sql += " WHERE state <> 'cleared'";
  sql += " ORDER BY raised_at DESC, id DESC LIMIT ?";
  auto st = db_.prepare(sql);
  if (!st) return std::move(st).error();
  st->bind(1, static_cast<std::int64_t>(limit > 0 ? limit : -1));
  return st->collect<AlertRecord>(readAlert);
}

// ---- Consumption history ----

Result<std::vector<health::DailyUsage>> HealthStore::dailyConsumption(std::int64_t since_ms,
                                                                      const std::string& printer) {
  // `kind IN (...)` is spelled as in the partial indexes of migration 5.
  std::string sql =
      "SELECT (at / 86400000) * 86400000 AS day, SUM(quantity) FROM ledger "
      "WHERE kind IN ('issued','spoiled') AND at >= ?";
  if (!printer.empty()) sql += " AND printer = ?";
  sql += " GROUP BY day ORDER BY day";
  auto st = db_.prepare(sql);
  if (!st) return std::move(st).error();
  st->bind(1, since_ms);
  if (!printer.empty()) st->bind(2, printer);
  return st->collect<health::DailyUsage>([](const Statement& s) {
    return health::DailyUsage{s.columnInt(0), s.columnInt(1)};
  });
}

Result<std::int64_t> HealthStore::cardsIssuedSince(const std::string& printer,
                                                   std::int64_t since_ms) {
  auto st = db_.prepare(
      "SELECT COALESCE(SUM(quantity), 0) FROM ledger WHERE kind IN ('issued','spoiled') AND "
      "kind = 'issued' AND printer = ? AND at >= ?");
  if (!st) return std::move(st).error();
  st->bind(1, printer).bind(2, since_ms);
  auto row = st->step();
  if (!row) return std::move(row).error();
  const std::int64_t n = *row ? st->columnInt(0) : 0;
  st->reset();
  return n;
}

}  // namespace cardd
