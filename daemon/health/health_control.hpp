#pragma once
// HealthControl: what the API may see and do of device health — the fault
// log, wear, forecasts, maintenance actions and alerts. The health monitor
// (health/health_monitor.hpp) implements it; the API layer
// (api/health_handlers.cpp) maps its answers to JSON/CSV and its errors to
// problems, and audits the changes. Knows no HTTP.
//
// Threading: every method is called on the event loop thread; `done`
// callbacks run on the event loop thread too, after the change is committed.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/result.hpp"
#include "health/forecast.hpp"
#include "health/health_types.hpp"
#include "jobs/job.hpp"

namespace cardd::health {

// A printer's health as the API shows it.
struct DeviceHealthView {
  std::string printer;
  PrinterWear wear;
  WearLimits limits;
  std::optional<ReaderWear> reader;  // empty: the printer has no encoder
  WearForecast forecast;
  double cards_per_day = 0;  // this printer's issued cards per day over the forecast window
  // What the printer itself last reported (empty: not reported).
  std::optional<std::int64_t> printer_cards;
  std::optional<std::int64_t> printer_cards_since_cleaning;
  std::optional<std::int64_t> printer_cleanings;
  std::optional<std::int64_t> ribbon_remaining;
  std::optional<std::int64_t> ribbon_capacity;
  // Duty cycle: configured limit and the last hour.
  int duty_cards_per_hour = 0;  // 0: not governed
  std::int64_t cards_last_hour = 0;
  bool resting = false;  // the governor holds the printer now
};

// Blank supply as the API shows it.
struct SupplyView {
  SupplyForecast station;
  std::vector<LotForecast> lots;
  int lead_time_days = 0;
};

class HealthControl {
 public:
  virtual ~HealthControl() = default;

  // Newest first.
  virtual Result<std::vector<FaultRecord>> faults(const FaultQuery& query) const = 0;
  virtual Result<std::vector<DeviceFaultSummary>> faultSummary(int days) const = 0;

  virtual Result<std::vector<DeviceHealthView>> devices() const = 0;
  // NotFound for an unknown printer.
  virtual Result<DeviceHealthView> device(const std::string& printer) const = 0;
  virtual Result<SupplyView> supply() const = 0;

  // Records a maintenance action and resets the counters it concerns
  // (cleaning: cards since cleaning; printhead: passes and install date;
  // reader: insertions and failure history; ribbon: cards since ribbon).
  // NotFound for an unknown printer; InvalidArgument for reader-replaced on a
  // printer without an encoder.
  virtual void recordMaintenance(const std::string& printer, MaintenanceAction action,
                                 const Actor& actor, const std::string& note,
                                 std::function<void(Result<MaintenanceRecord>)> done) = 0;
  // Newest first; `printer` empty: all printers.
  virtual Result<std::vector<MaintenanceRecord>> maintenanceLog(const std::string& printer,
                                                                int limit) const = 0;

  // Open alerts (raised, acknowledged), newest first; with cleared ones when
  // include_cleared (at most `limit`).
  virtual Result<std::vector<AlertRecord>> alerts(bool include_cleared, int limit) const = 0;
  // NotFound for an unknown alert; IllegalTransition for a cleared one;
  // acknowledging an acknowledged alert is Ok and changes nothing.
  virtual void acknowledge(std::int64_t alert_id, const Actor& actor,
                           std::function<void(Result<AlertRecord>)> done) = 0;
};

}  // namespace cardd::health
