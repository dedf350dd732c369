#pragma once
// Scheduler: the station's dispatcher on the event loop. It owns one
// StationWorker per configured printer, keeps the latest snapshot of each,
// and hands waiting jobs to printers:
//
//   - jobs by priority, then first come first served; each to an idle
//     printer that can do it (ribbon, card stock, encoder), least loaded
//     first (station/dispatch_policy.hpp);
//   - a busy printer already printing takes the next job ahead of time when
//     issuance.encode_ahead is on (the worker prepares it while the card
//     prints), so the printhead never waits for the host;
//   - a faulted, offline or paused printer gets nothing: its card in flight
//     is rejected by its worker and the job goes back to the queue, where the
//     other printers take it; when the fault clears the worker reports ready
//     and it takes work again by itself;
//   - technicians pause and resume printers (persisted, StationControl).
//
// Assignment is one store transaction: job pending -> processing and a new
// card attempt at step "assigned". If the worker then cannot take the order,
// the attempt ends void and the job is pending again.
//
// Start-up: attempts left open by a previous run (crash, power cut) are
// given to their printer's worker, which resolves them before taking work
// (station/recovery_policy.hpp).
//
// Threading: every public method on the event loop thread, except stop(),
// which may block (it joins the workers).

#include <boost/asio/io_context.hpp>

#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "core/clock.hpp"
#include "health/health_monitor.hpp"
#include "printer/printer_registry.hpp"
#include "station/issuance_keys.hpp"
#include "station/station_control.hpp"
#include "station/station_worker.hpp"
#include "store/attempt_store.hpp"
#include "store/database.hpp"
#include "store/ledger_store.hpp"
#include "store/store_committer.hpp"
#include "templates/template_catalogue.hpp"

namespace cardd::station {

struct SchedulerDeps {
  boost::asio::io_context& ioc;
  StoreCommitter& committer;
  Database& reader;  // read-only connection, loop thread
  AttemptStore& reader_attempts;
  LedgerStore& reader_ledger;
  const Clock& clock;
  // Gets every printer snapshot and card report (fault log, wear, alerts);
  // may be null.
  health::HealthMonitor* health = nullptr;
};

// The assignment's transaction: job `job` pending -> processing (reason
// job-printing) and attempt n+1 opened on `printer` at step "assigned"; the
// order for the worker. IllegalTransition when the job is no longer pending.
Result<CardOrder> beginCardOrder(StoreTx& tx, JobId job, const std::string& printer,
                                 const Actor& actor);

class Scheduler final : public StationControl {
 public:
  // Builds the drivers and encoders of `config.printers` (nothing is
  // contacted yet). ConfigInvalid for a printer URI or family that cannot be
  // used; the store errors of reading open attempts.
  static Result<std::unique_ptr<Scheduler>> create(
      SchedulerDeps deps, const Config& config, std::shared_ptr<const TemplateCatalogue> templates,
      const IssuanceKeys* keys, const drivers::PrinterRegistry& registry);
  ~Scheduler() override;

  void start();
  // Journal events committed (new jobs, releases, requeues): dispatch soon.
  void onEvents(const std::vector<JobEvent>& events);
  void setTemplates(std::shared_ptr<const TemplateCatalogue> templates);
  // Stops the workers (each finishes its card in progress). Blocks.
  void stop();

  // StationControl
  std::vector<PrinterView> printers() const override;
  Result<PrinterView> printer(const std::string& id) const override;
  void pause(const std::string& id, const Actor& actor, const std::string& reason,
             std::function<void(Result<PrinterView>)> done) override;
  void resume(const std::string& id, const Actor& actor,
              std::function<void(Result<PrinterView>)> done) override;

  // Cards per printer and state, for the systemd status line.
  std::string summary() const;

 private:
  struct Slot {
    PrinterConfig config;
    std::unique_ptr<StationWorker> worker;
    WorkerSnapshot snapshot;
    PrinterSetting setting;
    bool reserved = false;  // an assignment is being committed for it
    std::int64_t issued_today = 0;
    std::int64_t spoiled_today = 0;
  };

  explicit Scheduler(SchedulerDeps deps) : deps_(deps) {}
  void scheduleDispatch();
  void dispatch();
  void assign(const std::string& printer, JobId job);
  void onSnapshot(const WorkerSnapshot& snapshot);
  void onReport(const AttemptReport& report);
  PrinterView view(const Slot& slot) const;
  Slot* find(const std::string& id);
  const Slot* find(const std::string& id) const;
  void refreshDay();
  std::string ribbonFor(const std::string& template_id) const;

  SchedulerDeps deps_;
  std::vector<std::unique_ptr<Slot>> slots_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
  bool dispatch_posted_ = false;
  bool stopped_ = false;
  std::int64_t day_start_ms_ = 0;
  std::set<JobId> unservable_logged_;
  std::shared_ptr<const TemplateCatalogue> templates_;
};

}  // namespace cardd::station
