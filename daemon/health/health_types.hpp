#pragma once
// Device health records shared by the store (store/health_store.hpp), the
// health monitor (health/health_monitor.hpp), the pure policies in health/
// and the API: fault log entries, wear counters, maintenance actions and
// alerts. Plain values, no I/O. None of them ever carries personal data.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace cardd::health {

// ---- Fault log -------------------------------------------------------------

// One fault: a printer condition (from the moment the printer reported it to
// the moment it cleared) or an encoder/chip error (an instant: cleared when
// raised).
struct FaultRecord {
  std::int64_t id = 0;
  std::int64_t raised_at_ms = 0;
  std::optional<std::int64_t> cleared_at_ms;  // empty while the condition lasts
  std::string device;       // the printer id ("P1"); an encoder is named by its printer
  std::string device_kind;  // "printer" | "encoder"
  // Normalised reason without severity suffix: an IPP keyword ("media-jam",
  // "cover-open"), a cardd vendor keyword ("cardd-head-cooling") or a card
  // failure reason ("chip-not-detected", "chip-personalisation-failed").
  std::string reason;
  std::string severity;  // "report" | "warning" | "error"
  std::string raw;       // the vendor's status words or error text; "" when none
  std::optional<std::int64_t> job_id;
  std::optional<std::int64_t> attempt_id;

  // cleared - raised; empty while active.
  std::optional<std::int64_t> durationMs() const {
    if (!cleared_at_ms) return std::nullopt;
    return *cleared_at_ms - raised_at_ms;
  }
  friend bool operator==(const FaultRecord&, const FaultRecord&) = default;
};

// A fault log query; empty fields do not filter.
struct FaultQuery {
  std::optional<std::string> device;
  std::optional<std::int64_t> since_ms;  // raised at or after
  std::optional<std::string> reason;     // exact normalised reason
  bool active_only = false;
  int limit = 1000;  // newest first
};

// Per device, over a period (fault_summary.hpp).
struct DeviceFaultSummary {
  std::string device;
  std::string device_kind;
  std::int64_t faults = 0;        // raised in the period
  std::int64_t error_faults = 0;  // of which severity "error"
  std::int64_t active = 0;        // not cleared now
  // Mean time between error faults in hours over the period; empty when
  // fewer than one error fault.
  std::optional<double> mtbf_hours;
  std::int64_t downtime_ms = 0;  // total duration of error conditions in the period
  std::vector<std::pair<std::string, std::int64_t>> top_reasons;  // by count, at most 5
  friend bool operator==(const DeviceFaultSummary&, const DeviceFaultSummary&) = default;
};

// ---- Wear ------------------------------------------------------------------

// A printer's wear as cardd counts it (the printer's own counters, when it
// reports them, are shown beside it in the API).
struct PrinterWear {
  std::string printer;
  std::int64_t cards = 0;   // cards printed on this printer, lifetime
  std::int64_t panels = 0;  // ribbon panels printed = printhead passes, lifetime
  std::int64_t cards_since_cleaning = 0;
  std::int64_t cleanings = 0;
  std::optional<std::int64_t> last_cleaning_ms;
  std::int64_t ribbon_changes = 0;
  std::int64_t cards_since_ribbon = 0;
  std::optional<std::int64_t> ribbon_loaded_ms;
  std::int64_t busy_ms = 0;            // time spent making cards (duty-cycle numerator)
  std::int64_t hot_ms = 0;             // time the printer reported its head hot (cooling)
  std::int64_t forced_pauses = 0;      // rests imposed by the duty governor
  std::int64_t rest_ms = 0;            // time spent in those rests
  std::int64_t head_installed_ms = 0;  // 0: before cardd first saw the printer
  std::int64_t head_passes = 0;        // panels since the printhead was installed
  std::int64_t updated_ms = 0;
  friend bool operator==(const PrinterWear&, const PrinterWear&) = default;
};

// What one finished card (or one rest) adds to a printer's wear.
struct WearDelta {
  std::int64_t cards = 0;
  std::int64_t panels = 0;
  std::int64_t busy_ms = 0;
  std::int64_t hot_ms = 0;
  std::int64_t forced_pauses = 0;
  std::int64_t rest_ms = 0;
};

// How many recent cards a reader's rolling chip failure rate looks at.
inline constexpr std::size_t kReaderWindow = 50;

// The inline encoder (PC/SC reader) of a printer.
struct ReaderWear {
  std::string printer;
  std::string reader;  // PC/SC reader name
  std::int64_t installed_ms = 0;
  std::int64_t insertions = 0;     // cards presented to the reader since installed
  std::int64_t chip_failures = 0;  // of which the chip could not be personalised
  // The last kReaderWindow cards, oldest first: '1' a chip failure, '0' fine.
  std::string recent;
  double recentFailureRate() const;  // 0 when recent is empty
  friend bool operator==(const ReaderWear&, const ReaderWear&) = default;
};

// Card failure reasons that count against the reader (chip did not answer,
// could not be personalised). "card-removed" (a person) and printer faults
// do not.
bool isChipFailureReason(std::string_view reason);

// ---- Maintenance -----------------------------------------------------------

enum class MaintenanceAction { Cleaning, PrintheadReplaced, ReaderReplaced, RibbonLoaded };
std::string_view maintenanceActionName(
    MaintenanceAction
        action);  // "cleaning", "printhead-replaced", "reader-replaced", "ribbon-loaded"
std::optional<MaintenanceAction> maintenanceActionFromName(std::string_view name);

struct MaintenanceRecord {
  std::int64_t id = 0;
  std::int64_t at_ms = 0;
  std::string printer;
  MaintenanceAction action = MaintenanceAction::Cleaning;
  std::string actor;  // login name of who did it ("cardd" when detected from the printer)
  std::string note;   // free text from the technician (e.g. "ribbon lot R5F008-2291")
  friend bool operator==(const MaintenanceRecord&, const MaintenanceRecord&) = default;
};

// ---- Alerts ----------------------------------------------------------------

enum class AlertSeverity { Info, Warning, Critical };
std::string_view alertSeverityName(AlertSeverity severity);  // "info" "warning" "critical"
std::optional<AlertSeverity> alertSeverityFromName(std::string_view name);

enum class AlertState { Raised, Acknowledged, Cleared };
std::string_view alertStateName(AlertState state);  // "raised" "acknowledged" "cleared"
std::optional<AlertState> alertStateFromName(std::string_view name);

// Rule ids (config keys use '_' instead of '-').
inline constexpr std::string_view kRuleBlankStockLow = "blank-stock-low";
inline constexpr std::string_view kRuleBlankForecast = "blank-forecast-short";
inline constexpr std::string_view kRuleFeederLow = "feeder-low";
inline constexpr std::string_view kRuleRibbonLow = "ribbon-low";
inline constexpr std::string_view kRuleCleaningDue = "cleaning-due";
inline constexpr std::string_view kRulePrintheadLife = "printhead-end-of-life";
inline constexpr std::string_view kRuleReaderFailures = "reader-failure-rate";
inline constexpr std::string_view kRulePrinterFaulted = "printer-faulted";
inline constexpr std::string_view kRuleLedgerImbalance = "ledger-imbalance";
inline constexpr std::string_view kRuleOutboxBacklog = "outbox-backlog";

// One alert: raised once for (rule, subject), acknowledged by someone, cleared
// by itself when its condition has ended.
struct AlertRecord {
  std::int64_t id = 0;
  std::string rule;     // one of the kRule* ids
  std::string subject;  // what it is about: "station", a lot id, a printer id
  AlertSeverity severity = AlertSeverity::Warning;  // the highest reached while raised
  AlertState state = AlertState::Raised;
  std::string message;   // a sentence for people: what, how bad, what to do
  double value = 0;      // the measured value when raised/last updated
  double threshold = 0;  // the threshold it crossed
  std::int64_t raised_at_ms = 0;
  std::int64_t updated_at_ms = 0;
  std::optional<std::int64_t> acknowledged_at_ms;
  std::string acknowledged_by;
  std::optional<std::int64_t> cleared_at_ms;
  friend bool operator==(const AlertRecord&, const AlertRecord&) = default;
};

}  // namespace cardd::health
