// cardd: the ID-card issuance station daemon.
//
// Start-up order: arguments → config (all problems printed) → card templates
// (problems logged; a broken template is refused per job, it does not stop
// cardd) → store (open, check, migrate) → render worker → API socket (bound,
// or inherited from systemd) → READY=1.
// Exceptions are allowed only here, during start-up.

#include <signal.h>
#include <sys/stat.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "api/api_context.hpp"
#include "api/api_server.hpp"
#include "api/event_hub.hpp"
#include "config/config_loader.hpp"
#include "core/clock.hpp"
#include "core/log.hpp"
#include "core/version.hpp"
#include "health/health_monitor.hpp"
#include "printer/printer_registry.hpp"
#include "station/issuance_keys.hpp"
#include "station/scheduler.hpp"
#include "store/attempt_store.hpp"
#include "store/schema.hpp"
#include "store/store_committer.hpp"
#include "templates/render_worker.hpp"
#include "templates/template_catalogue.hpp"

namespace {

namespace asio = boost::asio;
namespace fs = std::filesystem;

constexpr int kExitConfig = 78;  // EX_CONFIG
constexpr int kExitStore = 74;   // EX_IOERR
constexpr int kExitUsage = 64;   // EX_USAGE

// Card previews waiting for the render worker; one more gets 503.
constexpr std::size_t kPreviewQueue = 4;

struct Options {
  std::string config_path;
  std::string socket_override;
  std::string state_dir_override;
  bool check_config = false;
  bool log_stderr = false;
};

void usage(std::FILE* to) {
  std::fprintf(to,
               "usage: cardd [--config PATH] [--socket PATH] [--state-dir DIR] [--check-config]\n"
               "\n"
               "  --config PATH     configuration file (default: %s)\n"
               "  --socket PATH     API socket, overrides api.socket\n"
               "  --state-dir DIR   where the store lives, overrides state_dir\n"
               "  --check-config    validate the configuration, print every problem, exit\n"
               "  --log-stderr      log to stderr even under systemd\n"
               "  --version         print the version\n",
               CARDD_DEFAULT_CONFIG);
}

// A dev-tree binary defaults to the source tree's config; an installed one
// to /etc/cardd/cardd.yaml.
std::string defaultConfigPath() {
  std::error_code ec;
  const auto exe = fs::read_symlink("/proc/self/exe", ec);
  const std::string build_dir = CARDD_BUILD_DIR;
  if (!ec && exe.string().rfind(build_dir, 0) == 0)
    return std::string(CARDD_SOURCE_DIR) + "/config/cardd.yaml";
  return CARDD_DEFAULT_CONFIG;
}

int parseArgs(int argc, char** argv, Options& o) {
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&](std::string& out) {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "cardd: %s needs a value\n", a.c_str());
        return false;
      }
      out = argv[++i];
      return true;
    };
    if (a == "--config") {
      if (!value(o.config_path)) return kExitUsage;
    } else if (a == "--socket") {
      if (!value(o.socket_override)) return kExitUsage;
    } else if (a == "--state-dir") {
      if (!value(o.state_dir_override)) return kExitUsage;
    } else if (a == "--check-config") {
      o.check_config = true;
    } else if (a == "--log-stderr") {
      o.log_stderr = true;
    } else if (a == "--version") {
      std::printf("cardd %s\n", cardd::kVersion);
      return 0;
    } else if (a == "--help" || a == "-h") {
      usage(stdout);
      return 0;
    } else {
      std::fprintf(stderr, "cardd: unknown option %s\n", a.c_str());
      usage(stderr);
      return kExitUsage;
    }
  }
  if (o.config_path.empty()) o.config_path = defaultConfigPath();
  return -1;
}

// Loads the config and applies command-line overrides; prints problems.
std::shared_ptr<cardd::Config> loadConfig(const Options& o, bool to_stderr) {
  auto res = cardd::loadConfigFile(o.config_path);
  if (!res.ok()) {
    for (const auto& p : res.problems) {
      if (to_stderr)
        std::fprintf(stderr, "%s\n", p.describe().c_str());
      else
        cardd::log::error("configuration problem", {{"problem", p.describe()}});
    }
    return nullptr;
  }
  auto cfg = std::make_shared<cardd::Config>(std::move(res.config));
  if (!o.socket_override.empty()) cfg->api.socket_path = o.socket_override;
  if (!o.state_dir_override.empty()) cfg->state_dir = o.state_dir_override;
  return cfg;
}

// Loads the templates the config lists, has cardd-render check them with
// librsvg (the helper exits when this returns); logs (or prints) each problem.
std::shared_ptr<const cardd::TemplateCatalogue> loadTemplates(const cardd::Config& config,
                                                              bool to_stderr) {
  cardd::RenderClient checker;
  auto catalogue = cardd::TemplateCatalogue::load(
      config.jobs, [&checker](const std::string& dir, const std::vector<std::string>& ids) {
        return checker.check(dir, ids);
      });
  for (const auto& line : catalogue->describeProblems()) {
    if (to_stderr)
      std::fprintf(stderr, "%s\n", line.c_str());
    else
      cardd::log::error("card template problem", {{"problem", line}});
  }
  if (!to_stderr && catalogue->brokenCount() > 0) {
    cardd::log::warning("jobs naming a broken card template will be refused",
                        {{"broken", std::to_string(catalogue->brokenCount())},
                         {"templates_dir", catalogue->dir()}});
  }
  return catalogue;
}

void notify(const std::string& what) {
  sd_notify(0, what.c_str());
}

int run(const Options& opts) {
  auto config = loadConfig(opts, true);
  if (!config) {
    std::fprintf(stderr, "cardd: %s has errors; nothing was started\n", opts.config_path.c_str());
    return kExitConfig;
  }
  if (opts.check_config) {
    // Broken templates do not stop cardd, but a check must not pass them.
    auto catalogue = loadTemplates(*config, true);
    if (catalogue->brokenCount() > 0) {
      std::fprintf(stderr,
                   "cardd: %s: %zu of %zu card templates cannot be used; cardd would start, but "
                   "would refuse every job naming them\n",
                   opts.config_path.c_str(), catalogue->brokenCount(), catalogue->entries().size());
      return kExitConfig;
    }
    std::printf("%s: configuration is valid (card templates: %zu, in %s)\n",
                opts.config_path.c_str(), catalogue->entries().size(), catalogue->dir().c_str());
    return 0;
  }
  cardd::log::init(config->log_level, opts.log_stderr);
  auto templates = loadTemplates(*config, false);

  std::error_code fec;
  fs::create_directories(config->state_dir, fec);
  if (fec) {
    std::fprintf(stderr, "cardd: cannot create the state directory %s: %s\n",
                 config->state_dir.c_str(), fec.message().c_str());
    return kExitStore;
  }
  const std::string db_path = (fs::path(config->state_dir) / "cardd.db").string();
  notify("STATUS=Opening the store " + db_path);
  auto writer = cardd::openStore(db_path);
  if (!writer) {
    std::fprintf(stderr, "cardd: %s\n", writer.error().message.c_str());
    cardd::log::error("cannot open the store", {{"error", writer.error().message}});
    return kExitStore;
  }
  auto reader = cardd::openStoreReader(db_path);
  if (!reader) {
    std::fprintf(stderr, "cardd: %s\n", reader.error().message.c_str());
    return kExitStore;
  }

  // The chip keys are opened now: a key that cannot be used stops cardd
  // here, naming it, instead of spoiling the first card.
  std::unique_ptr<cardd::station::IssuanceKeys> keys;
  if (!config->printers.empty() && !config->issuance.profiles.empty()) {
    const auto fields = config->jobs.person_schema
                            ? cardd::personFieldNames(*config->jobs.person_schema)
                            : std::vector<std::string>{};
    auto loaded = cardd::station::IssuanceKeys::load(config->issuance, fields);
    if (!loaded) {
      std::fprintf(stderr, "cardd: %s\n", loaded.error().message.c_str());
      cardd::log::error("cannot load the issuance keys", {{"error", loaded.error().message}});
      return kExitConfig;
    }
    keys = std::move(loaded).value();
    for (const auto& line : keys->describe()) cardd::log::info("issuance key", {{"key", line}});
  }

  cardd::SystemClock clock;
  asio::io_context ioc(1);
  cardd::api::EventHub hub;
  cardd::station::Scheduler* scheduler_ptr = nullptr;
  cardd::StoreCommitter committer(std::move(writer).value(), clock, ioc.get_executor(),
                                  [&hub, &scheduler_ptr](const std::vector<cardd::JobEvent>& ev) {
                                    hub.publish(ev);
                                    if (scheduler_ptr != nullptr) scheduler_ptr->onEvents(ev);
                                  });
  cardd::JobStore reader_jobs(**reader, clock);
  cardd::AuditLog reader_audit(**reader, clock);
  cardd::LedgerStore reader_ledger(**reader, clock);
  cardd::AttemptStore reader_attempts(**reader, clock);

  // Device health: fault log, wear, forecasts, alerts (with or without printers:
  // stock alerts concern every station).
  auto monitor = std::make_unique<cardd::health::HealthMonitor>(
      cardd::health::HealthMonitorDeps{ioc, committer, **reader, reader_ledger, clock}, *config);

  // The station: one worker per configured printer.
  cardd::drivers::PrinterRegistry registry;
  cardd::drivers::registerBuiltinFamilies(registry);
  std::unique_ptr<cardd::station::Scheduler> scheduler;
  if (!config->printers.empty()) {
    auto made = cardd::station::Scheduler::create(
        {ioc, committer, **reader, reader_attempts, reader_ledger, clock, monitor.get()}, *config,
        templates, keys.get(), registry);
    if (!made) {
      std::fprintf(stderr, "cardd: %s\n", made.error().message.c_str());
      cardd::log::error("cannot set up the printers", {{"error", made.error().message}});
      return kExitConfig;
    }
    scheduler = std::move(made).value();
    scheduler_ptr = scheduler.get();
  }
  cardd::RenderWorker renderer(kPreviewQueue);
  cardd::api::ApiContext ctx{ioc,
                             config,
                             std::make_unique<cardd::api::AccessResolver>(config->access),
                             committer,
                             reader_jobs,
                             reader_audit,
                             reader_ledger,
                             hub,
                             clock,
                             templates,
                             renderer,
                             reader_attempts,
                             scheduler.get()};
  ctx.health = monitor.get();
  cardd::api::ApiServer server(ctx);

  // systemd socket activation, else our own socket.
  const int inherited = sd_listen_fds(1);
  std::string listening_on = config->api.socket_path;
  if (inherited > 0) {
    if (auto st = server.adopt(SD_LISTEN_FDS_START); !st) {
      std::fprintf(stderr, "cardd: %s\n", st.error().message.c_str());
      return 1;
    }
    listening_on = "the socket passed by systemd";
  } else if (auto st = server.bind(config->api.socket_path, config->api.socket_mode,
                                   config->api.socket_group);
             !st) {
    std::fprintf(stderr, "cardd: %s\n", st.error().message.c_str());
    return 1;
  }
  server.start();
  if (scheduler) scheduler->start();
  monitor->start();

  // Watchdog: pet from the loop, so a stuck loop gets us restarted.
  asio::steady_timer watchdog(ioc);
  std::uint64_t watchdog_usec = 0;
  std::function<void()> pet;
  if (sd_watchdog_enabled(0, &watchdog_usec) > 0 && watchdog_usec > 0) {
    pet = [&] {
      sd_notify(0, "WATCHDOG=1");
      watchdog.expires_after(std::chrono::microseconds(watchdog_usec / 2));
      watchdog.async_wait([&](boost::system::error_code ec) {
        if (!ec) pet();
      });
    };
    pet();
  }

  // Under systemd, `systemctl status cardd` shows the queue at a glance.
  asio::steady_timer status_timer(ioc);
  std::function<void()> report_status;
  if (std::getenv("NOTIFY_SOCKET") != nullptr) {
    report_status = [&] {
      auto pending = (*reader)->queryInt("SELECT count(*) FROM jobs WHERE state = 'pending'");
      auto held = (*reader)->queryInt("SELECT count(*) FROM jobs WHERE state = 'pending-held'");
      if (pending && held) {
        notify("STATUS=Serving on " + listening_on + "; " + std::to_string(*pending) +
               " jobs pending, " + std::to_string(*held) + " held, " +
               std::to_string(server.connections()) + " connections" +
               (scheduler ? "; printers: " + scheduler->summary() : std::string()));
      }
      status_timer.expires_after(std::chrono::seconds(5));
      status_timer.async_wait([&](boost::system::error_code ec) {
        if (!ec) report_status();
      });
    };
    status_timer.expires_after(std::chrono::seconds(5));
    status_timer.async_wait([&](boost::system::error_code ec) {
      if (!ec) report_status();
    });
  }

  asio::signal_set signals(ioc, SIGTERM, SIGINT, SIGHUP);
  asio::steady_timer drain_deadline(ioc);
  bool stopping = false;
  std::function<void()> wait_signal;
  wait_signal = [&] {
    signals.async_wait([&](boost::system::error_code ec, int sig) {
      if (ec) return;
      if (sig == SIGHUP) {
        notify("RELOADING=1");
        auto fresh = loadConfig(opts, false);
        if (!fresh) {
          cardd::log::error(
              "reload refused: the configuration has errors; keeping the running one");
        } else {
          if (fresh->api.socket_path != ctx.config->api.socket_path ||
              fresh->state_dir != ctx.config->state_dir) {
            cardd::log::warning("api.socket and state_dir changes take effect after a restart");
          }
          cardd::log::setLevel(fresh->log_level);
          ctx.access = std::make_unique<cardd::api::AccessResolver>(fresh->access);
          ctx.templates = loadTemplates(*fresh, false);
          if (scheduler) scheduler->setTemplates(ctx.templates);
          if (fresh->printers.size() != ctx.config->printers.size())
            cardd::log::warning("printer changes take effect after a restart");
          ctx.config = fresh;
          cardd::log::notice("configuration reloaded", {{"config", opts.config_path}});
        }
        notify("READY=1\nSTATUS=Serving on " + listening_on);
        return wait_signal();
      }
      if (stopping) return;  // a second SIGTERM: keep draining
      stopping = true;
      notify("STOPPING=1\nSTATUS=Finishing accepted requests");
      cardd::log::notice("stopping: finishing accepted requests");
      auto finish = [&] {
        // Each printer finishes the card it holds before the store closes.
        if (scheduler) scheduler->stop();
        monitor->stop();
        status_timer.cancel();
        watchdog.cancel();
        committer.stop();
        ioc.stop();
      };
      drain_deadline.expires_after(std::chrono::seconds(10));
      drain_deadline.async_wait([&, finish](boost::system::error_code e) {
        if (!e) {
          cardd::log::warning("drain took too long; stopping with connections open");
          finish();
        }
      });
      server.drain(finish);
      wait_signal();
    });
  };
  wait_signal();

  cardd::log::notice("cardd ready",
                     {{"version", cardd::kVersion}, {"socket", listening_on}, {"store", db_path}});
  notify("READY=1\nSTATUS=Serving on " + listening_on);
  ioc.run();
  if (scheduler) scheduler->stop();
  monitor->stop();
  // Unwind whatever is left (only after a forced stop) before the objects the
  // sessions refer to go away. Previews still queued finish and post their
  // responses, which the poll below delivers (or drops with their session).
  committer.stop();
  renderer.stop();
  server.closeAll();
  signals.cancel();
  ioc.restart();
  ioc.poll();
  cardd::log::notice("cardd stopped");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  ::signal(SIGPIPE, SIG_IGN);
  Options opts;
  if (int rc = parseArgs(argc, argv, opts); rc >= 0) return rc;
  try {
    return run(opts);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "cardd: start-up failed: %s\n", e.what());
    return 1;
  }
}
