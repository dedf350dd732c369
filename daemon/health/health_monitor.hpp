#pragma once
// HealthMonitor: device health on the event loop (DESIGN.md, Device health).
// The scheduler hands it what the printers report and how each card ended;
// it keeps the fault log, the wear counters and the alerts in the store,
// evaluates the alert rules every health.evaluate_interval (and soon after
// anything changed), and delivers alert changes to the event stream (journal
// kind "alert"), journald and the configured hooks. It implements
// HealthControl for the API.
//
//   printer reasons  -> fault log: one entry per condition, opened when the
//                       printer first reports it, cleared (with its
//                       duration) when it stops (health/condition_diff.hpp);
//                       the diff runs inside the store transaction, against
//                       the stored active faults, so it survives restarts
//   card ended       -> wear (cards, panels, busy time), reader insertions and
//                       rolling chip failure rate, and a fault entry for each
//                       chip failure: booked by the station worker with the
//                       attempt's end (recordCard); the scheduler then asks
//                       for an evaluation
//   governor rests   -> wear (forced pauses, rest time); head cooling time
//                       -> wear (hot time) when the condition clears
//   every interval   -> facts (ledger, wear, forecasts, faulted time) ->
//                       alert rules -> alert tracker -> raise / escalate /
//                       clear, committed with a journal event each
//
// Threading: every method on the event loop thread. Store writes go through
// the committer; reads use the loop's read-only connection.

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "core/clock.hpp"
#include "health/alert_hooks.hpp"
#include "health/alert_tracker.hpp"
#include "health/health_control.hpp"
#include "printer/printer_status.hpp"
#include "store/database.hpp"
#include "store/health_store.hpp"
#include "store/ledger_store.hpp"
#include "store/store_committer.hpp"

namespace cardd::health {

// What a printer's worker last published.
struct PrinterObservation {
  std::string printer;
  std::string state;                 // worker state name ("idle", "faulted", "resting", ...)
  std::vector<std::string> reasons;  // printer-state-reasons keywords with suffix
  std::string raw;                   // the printer's own words (PrinterStatus::raw)
  drivers::Counters counters;
  std::optional<std::int64_t> job_id;  // the card a new fault interrupted
  std::optional<std::int64_t> attempt_id;
  std::int64_t forced_pauses = 0;  // cumulative since the worker started
  std::int64_t rest_ms = 0;        // cumulative since the worker started
};

// How one card attempt ended on a printer.
struct CardObservation {
  std::string printer;
  std::int64_t job_id = 0;
  std::int64_t attempt_id = 0;
  std::string outcome;  // "issued" | "spoiled" | "void"
  std::string reason;   // failure reason; "" when issued
  std::string detail;   // the device's or library's words (never card data)
  int panels = 0;
  bool fed = false;
  bool chip_presented = false;
  std::int64_t busy_ms = 0;
};

// Books what one ended card attempt did to the devices — wear (cards,
// panels, busy time), the reader's insertion and rolling chip failure rate,
// a fault log entry for a chip failure — in the caller's transaction: the
// station worker's, with the attempt's end, so a card is counted exactly
// once even across a crash. `reader` empty: the printer has no encoder.
Status recordCard(StoreTx& tx, const CardObservation& card, const std::string& reader,
                  std::int64_t now_ms);

struct HealthMonitorDeps {
  boost::asio::io_context& ioc;
  StoreCommitter& committer;
  Database& reader;  // read-only connection, loop thread
  LedgerStore& reader_ledger;
  const Clock& clock;
};

class HealthMonitor final : public HealthControl {
 public:
  HealthMonitor(HealthMonitorDeps deps, const Config& config);
  ~HealthMonitor() override;
  HealthMonitor(const HealthMonitor&) = delete;
  HealthMonitor& operator=(const HealthMonitor&) = delete;

  // Starts the evaluation timer. stop() cancels it and joins the hooks.
  void start();
  void stop();

  void onPrinter(const PrinterObservation& observation);
  // Runs the alert rules soon (at most once per 200 ms): after a card ended,
  // after maintenance, in tests.
  void evaluateSoon();

  // HealthControl
  Result<std::vector<FaultRecord>> faults(const FaultQuery& query) const override;
  Result<std::vector<DeviceFaultSummary>> faultSummary(int days) const override;
  Result<std::vector<DeviceHealthView>> devices() const override;
  Result<DeviceHealthView> device(const std::string& printer) const override;
  Result<SupplyView> supply() const override;
  void recordMaintenance(const std::string& printer, MaintenanceAction action, const Actor& actor,
                         const std::string& note,
                         std::function<void(Result<MaintenanceRecord>)> done) override;
  Result<std::vector<MaintenanceRecord>> maintenanceLog(const std::string& printer,
                                                        int limit) const override;
  Result<std::vector<AlertRecord>> alerts(bool include_cleared, int limit) const override;
  void acknowledge(std::int64_t alert_id, const Actor& actor,
                   std::function<void(Result<AlertRecord>)> done) override;

 private:
  struct Printer {
    PrinterConfig config;
    std::optional<PrinterObservation> last;
    std::optional<std::int64_t> faulted_since_ms;  // an -error reason since then
    std::int64_t pauses_seen = 0;                  // forced_pauses already booked
    std::int64_t rest_seen_ms = 0;
  };

  const Printer* find(const std::string& id) const;
  Printer* find(const std::string& id);
  Result<DeviceHealthView> view(const Printer& printer) const;
  Result<AlertFacts> facts() const;
  void scheduleTimer();
  void evaluate();
  void afterAlertCommit(const std::vector<std::pair<AlertRecord, std::string>>& changes);

  HealthMonitorDeps deps_;
  HealthConfig config_;
  AlertRules rules_;
  mutable HealthStore reader_health_;
  std::vector<std::unique_ptr<Printer>> printers_;
  AlertTracker tracker_;
  AlertHookRunner hooks_;
  boost::asio::steady_timer timer_;
  boost::asio::steady_timer soon_;
  bool soon_armed_ = false;
  bool evaluating_ = false;
  bool again_ = false;
  bool stopped_ = false;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace cardd::health
