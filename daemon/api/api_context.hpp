#pragma once
// Everything a request handler may use. Owned by the daemon (main.cpp);
// used only on the event loop thread, except `committer` and `renderer`,
// which are thread-safe. `station` is null when no printers are configured
// (cardd only queues jobs); `health` is null while no health monitor runs
// (the health routes answer 503).

#include <boost/asio/io_context.hpp>

#include <memory>

#include "api/access.hpp"
#include "api/event_hub.hpp"
#include "config/config.hpp"
#include "core/clock.hpp"
#include "health/health_control.hpp"
#include "station/station_control.hpp"
#include "store/attempt_store.hpp"
#include "store/audit_log.hpp"
#include "store/job_store.hpp"
#include "store/ledger_store.hpp"
#include "store/store_committer.hpp"
#include "templates/render_worker.hpp"
#include "templates/template_catalogue.hpp"

namespace cardd::api {

struct ApiContext {
  boost::asio::io_context& ioc;
  std::shared_ptr<const Config> config;    // swapped on SIGHUP
  std::unique_ptr<AccessResolver> access;  // rebuilt on SIGHUP
  StoreCommitter& committer;
  JobStore& reader_jobs;  // read-only connection
  AuditLog& reader_audit;
  LedgerStore& reader_ledger;
  EventHub& hub;
  const Clock& clock;
  std::shared_ptr<const TemplateCatalogue> templates;  // swapped on SIGHUP
  RenderWorker& renderer;                              // card previews run here, off the loop
  AttemptStore& reader_attempts;                       // read-only connection
  station::StationControl* station = nullptr;          // null: no printers configured
  health::HealthControl* health = nullptr;             // null: device health is not running
};

}  // namespace cardd::api
