#pragma once
// AlertHookRunner: delivers alerts to the configured hooks (health.hooks in
// cardd.yaml): for each alert event whose severity reaches a hook's
// min_severity, the hook's command runs with one JSON document on its stdin:
//   {"event":"raised","station":"<station name>","alert":{...alertToJson...}}
// event: "raised" | "escalated" | "acknowledged" | "cleared".
// The command gets no shell and an environment of PATH=/usr/bin:/bin only;
// it is killed (SIGKILL) after its timeout. Its exit status, a timeout or a
// failure to start is logged (never the alert's payload beyond rule and
// subject). Hooks run one at a time, in order, on the runner's own thread,
// so a slow hook never blocks the event loop.
//
// Threading: deliver() from any thread (the event loop); stop() joins.

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "config/config.hpp"
#include "health/health_types.hpp"

namespace cardd::health {

// What one hook run did (for tests and the log).
struct HookRun {
  std::string command;  // argv[0]
  std::string rule;
  std::string event;
  int exit_code = -1;  // -1: did not start or was killed
  bool timed_out = false;
  std::string error;  // why it did not start
};

class AlertHookRunner {
 public:
  // `on_run` (optional) is called on the runner thread after each run.
  AlertHookRunner(std::vector<AlertHookConfig> hooks, std::string station_name,
                  std::function<void(const HookRun&)> on_run = {});
  ~AlertHookRunner();  // stop()
  AlertHookRunner(const AlertHookRunner&) = delete;
  AlertHookRunner& operator=(const AlertHookRunner&) = delete;

  // Queues the alert for every hook it concerns. Never blocks; at most 1000
  // runs wait (older ones are dropped, with a warning).
  void deliver(const AlertRecord& alert, std::string_view event);
  // Runs what is queued (each still bounded by its timeout), then joins.
  void stop();

 private:
  struct Pending;
  void run();

  std::vector<AlertHookConfig> hooks_;
  std::string station_;
  std::function<void(const HookRun&)> on_run_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::unique_ptr<Pending>> queue_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace cardd::health
