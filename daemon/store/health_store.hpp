#pragma once
// HealthStore: the device-health tables in SQLite (migration 5): the fault
// log, wear counters per printer and per reader, maintenance actions and
// alerts (DESIGN.md, Device health). Writes go through the store committer
// (StoreTx::health); reads also work on a read-only connection.
//
// Fault log entries are append-only except for their end: clear() sets
// cleared_at once (a trigger refuses any other change and every delete).
// Maintenance records are append-only. Alerts change only forward:
// raised -> acknowledged -> cleared, raised -> cleared.
//
// Threading: like JobStore, used only on the store committer's thread (or a
// single test thread), inside the caller's transaction.
//
// Errors: NotFound (unknown fault / alert / printer), IllegalTransition
// (clearing a cleared fault, acknowledging a cleared alert), InvalidArgument
// (an empty printer / device / reader / rule, an unknown device kind or
// severity, a negative wear delta), Store* for SQLite failures.
//
// Times given as 0 (raised_at_ms, at_ms) mean "now" (the clock). A limit of
// 0 or less means no limit. Alert value and threshold are kept as REAL and
// read back exactly.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "core/result.hpp"
#include "health/forecast.hpp"
#include "health/health_types.hpp"
#include "store/database.hpp"

namespace cardd {

class HealthStore {
 public:
  HealthStore(Database& db, const Clock& clock) : db_(db), clock_(clock) {}

  // ---- Fault log ----
  // Inserts `fault` (id ignored) and returns it with its id. An instant
  // fault comes with cleared_at_ms set (never before raised_at_ms).
  Result<health::FaultRecord> openFault(health::FaultRecord fault);
  // Sets cleared_at_ms of an active fault (not before its raised_at_ms: a
  // clock step back gives duration 0). IllegalTransition when already cleared.
  Result<health::FaultRecord> clearFault(std::int64_t id, std::int64_t cleared_at_ms);
  // Newest first (raised_at, then id), at most query.limit.
  Result<std::vector<health::FaultRecord>> faults(const health::FaultQuery& query);
  // Active faults (not cleared) of every device, oldest first.
  Result<std::vector<health::FaultRecord>> activeFaults();

  // ---- Wear ----
  // The printer's row, created (head_installed_ms = now) the first time. On
  // a read-only connection a printer without a row gets that fresh record,
  // unsaved (likewise readerWear).
  Result<health::PrinterWear> printerWear(const std::string& printer);
  Result<std::vector<health::PrinterWear>> allPrinterWear();
  // Adds `delta`: cards and panels also count towards cards_since_cleaning,
  // cards_since_ribbon and head_passes.
  Result<health::PrinterWear> addWear(const std::string& printer, const health::WearDelta& delta);
  // The printer's reader row, created the first time (installed_ms = now);
  // a different reader name than stored replaces the row (a new reader).
  Result<health::ReaderWear> readerWear(const std::string& printer, const std::string& reader);
  // Every printer's reader row, by printer (reads only: never creates rows).
  Result<std::vector<health::ReaderWear>> allReaderWear();
  // One card presented to the reader: insertions + 1, and `chip_failed`
  // appended to the rolling window (kReaderWindow most recent kept).
  Result<health::ReaderWear> recordInsertion(const std::string& printer, const std::string& reader,
                                             bool chip_failed);

  // ---- Maintenance ----
  // Appends `record` (id ignored) and resets what it concerns, in the same
  // transaction: cleaning -> cards_since_cleaning 0, cleanings + 1,
  // last_cleaning_ms; printhead-replaced -> head_installed_ms, head_passes 0;
  // reader-replaced -> the reader row: installed_ms, insertions 0,
  // chip_failures 0, recent "" (no row yet: nothing to reset); ribbon-loaded -> ribbon_changes + 1,
  // cards_since_ribbon 0, ribbon_loaded_ms.
  Result<health::MaintenanceRecord> recordMaintenance(health::MaintenanceRecord record);
  // Newest first; `printer` empty: all.
  Result<std::vector<health::MaintenanceRecord>> maintenance(const std::string& printer, int limit);

  // ---- Alerts ----
  // Inserts a raised alert (id ignored; state Raised; updated_at = raised_at).
  // IllegalTransition while an alert of the same (rule, subject) is open
  // (a unique index holds that too).
  Result<health::AlertRecord> raiseAlert(health::AlertRecord alert);
  // Severity (only upwards: a lower one keeps the current), value,
  // threshold, message, updated_at_ms. Raised or acknowledged alerts only
  // (the state stays); Cleared: IllegalTransition.
  Result<health::AlertRecord> updateAlert(std::int64_t id, health::AlertSeverity severity,
                                          double value, double threshold,
                                          const std::string& message, std::int64_t at_ms);
  // Raised -> Acknowledged (who, when). Acknowledged: unchanged, Ok.
  // Cleared: IllegalTransition.
  Result<health::AlertRecord> acknowledgeAlert(std::int64_t id, const std::string& by,
                                               std::int64_t at_ms);
  // Raised | Acknowledged -> Cleared. Cleared: IllegalTransition.
  Result<health::AlertRecord> clearAlert(std::int64_t id, std::int64_t at_ms);
  Result<health::AlertRecord> alert(std::int64_t id);
  // Raised and acknowledged, newest first; with cleared ones when asked.
  Result<std::vector<health::AlertRecord>> alerts(bool include_cleared, int limit);

  // ---- Consumption history (from the ledger) ----
  // Cards consumed (issued + spoiled ledger entries) per UTC day since
  // `since_ms`; `printer` empty: the whole station. Oldest day first;
  // day_start_ms = floor(at / kDayMs) * kDayMs; days without consumption are
  // absent.
  Result<std::vector<health::DailyUsage>> dailyConsumption(std::int64_t since_ms,
                                                           const std::string& printer);
  // Issued cards on `printer` since `since_ms` (duty cycle: cards in the last hour).
  // Counted from the ledger's issued entries: AttemptStore::finish posts
  // exactly one per issued card in the same transaction, they are
  // append-only, and they reach back before migration 4 (card_attempts).
  Result<std::int64_t> cardsIssuedSince(const std::string& printer, std::int64_t since_ms);

 private:
  Database& db_;
  const Clock& clock_;
};

}  // namespace cardd
