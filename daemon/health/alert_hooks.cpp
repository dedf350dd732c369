#include "health/alert_hooks.hpp"

#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <boost/json.hpp>

#include "core/log.hpp"
#include "health/health_json.hpp"

namespace cardd::health {

struct AlertHookRunner::Pending {
  AlertHookConfig hook;
  std::string rule;
  std::string subject;
  std::string event;
  std::string payload;  // the JSON document for the hook's stdin
};

namespace {

constexpr std::size_t kMaxQueued = 1000;
constexpr auto kPollStep = std::chrono::milliseconds(10);

using SteadyClock = std::chrono::steady_clock;

int remainingMs(SteadyClock::time_point deadline) {
  const auto left =
      std::chrono::duration_cast<std::chrono::milliseconds>(deadline - SteadyClock::now());
  return left.count() <= 0 ? 0 : static_cast<int>(left.count());
}

// Consumes a SIGPIPE our own write raised on this thread (it is blocked
// here, so it would stay pending for the thread's life).
void dropPendingSigpipe() {
  sigset_t pipe_set;
  sigemptyset(&pipe_set);
  sigaddset(&pipe_set, SIGPIPE);
  const timespec zero{0, 0};
  while (::sigtimedwait(&pipe_set, nullptr, &zero) == SIGPIPE) {
  }
}

// Writes the document to the hook's stdin until it is all written, the hook
// closes its stdin (EPIPE: a hook need not read it) or the deadline passes.
// The pipe is non-blocking so a hook that never reads cannot hold us past
// its timeout.
void feedStdin(int fd, const std::string& payload, SteadyClock::time_point deadline) {
  std::size_t done = 0;
  while (done < payload.size()) {
    const ssize_t n = ::write(fd, payload.data() + done, payload.size() - done);
    if (n > 0) {
      done += static_cast<std::size_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) {
      const int left = remainingMs(deadline);
      if (left == 0) return;
      pollfd p{fd, POLLOUT, 0};
      if (::poll(&p, 1, left) < 0 && errno != EINTR) return;
      continue;
    }
    if (n < 0 && errno == EPIPE) dropPendingSigpipe();
    return;
  }
}

// Waits for the hook until the deadline, then kills its process group.
// Returns the wait status, or nullopt when it was killed for the timeout.
std::optional<int> waitOrKill(pid_t pid, SteadyClock::time_point deadline) {
  int status = 0;
  for (;;) {
    const pid_t r = ::waitpid(pid, &status, WNOHANG);
    if (r == pid) return status;
    if (r < 0 && errno != EINTR) return status;  // not our child any more: nothing to wait for
    if (SteadyClock::now() >= deadline) break;
    std::this_thread::sleep_for(kPollStep);
  }
  // The hook leads its own process group: what it started goes with it.
  ::kill(-pid, SIGKILL);
  ::kill(pid, SIGKILL);
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return std::nullopt;
}

// Runs one hook: no shell, PATH only, the document on stdin, stdout and
// stderr to /dev/null, its own process group, default signal handling.
HookRun runHook(const AlertHookConfig& hook, const std::string& payload) {
  HookRun run;
  run.command = hook.command.empty() ? std::string() : hook.command.front();
  if (hook.command.empty()) {
    run.error = "the hook has no command";
    return run;
  }

  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) {
    run.error = std::string("cannot create a pipe for the hook: ") + std::strerror(errno);
    return run;
  }
  // Keep the read end off 0..2 so dup2 onto stdin always takes effect.
  if (fds[0] <= 2) {
    const int moved = ::fcntl(fds[0], F_DUPFD_CLOEXEC, 3);
    ::close(fds[0]);
    fds[0] = moved;
    if (moved < 0) {
      ::close(fds[1]);
      run.error = std::string("cannot create a pipe for the hook: ") + std::strerror(errno);
      return run;
    }
  }

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, fds[0], 0);
  posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addclosefrom_np(&actions, 3);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t none, all;
  sigemptyset(&none);
  sigfillset(&all);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setsigdefault(&attr, &all);
  posix_spawnattr_setpgroup(&attr, 0);
  posix_spawnattr_setflags(&attr,
                           POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETPGROUP);

  std::vector<std::string> args = hook.command;
  std::vector<char*> argv;
  argv.reserve(args.size() + 1);
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::string path_env = "PATH=/usr/bin:/bin";
  char* envp[] = {path_env.data(), nullptr};

  pid_t pid = -1;
  const int rc = ::posix_spawn(&pid, args.front().c_str(), &actions, &attr, argv.data(), envp);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  ::close(fds[0]);
  if (rc != 0) {
    ::close(fds[1]);
    run.error = "cannot start " + run.command + ": " + std::strerror(rc);
    return run;
  }

  const auto deadline = SteadyClock::now() + hook.timeout;
  ::fcntl(fds[1], F_SETFL, O_NONBLOCK);
  feedStdin(fds[1], payload, deadline);
  ::close(fds[1]);

  const auto status = waitOrKill(pid, deadline);
  if (!status) {
    run.timed_out = true;
  } else if (WIFEXITED(*status)) {
    run.exit_code = WEXITSTATUS(*status);
  }
  return run;
}

void logRun(const HookRun& run, const std::string& subject) {
  if (!run.error.empty()) {
    log::warning(
        "alert hook did not start",
        {{"hook", run.command}, {"rule", run.rule}, {"subject", subject}, {"error", run.error}});
  } else if (run.timed_out) {
    log::warning("alert hook killed at its timeout",
                 {{"hook", run.command}, {"rule", run.rule}, {"subject", subject}});
  } else if (run.exit_code != 0) {
    log::warning("alert hook failed", {{"hook", run.command},
                                       {"rule", run.rule},
                                       {"subject", subject},
                                       {"exit", std::to_string(run.exit_code)}});
  } else {
    log::info("alert hook ran",
              {{"hook", run.command}, {"rule", run.rule}, {"subject", subject}, {"exit", "0"}});
  }
}

}  // namespace

AlertHookRunner::AlertHookRunner(std::vector<AlertHookConfig> hooks, std::string station_name,
                                 std::function<void(const HookRun&)> on_run)
    : hooks_(std::move(hooks)), station_(std::move(station_name)), on_run_(std::move(on_run)) {
  if (!hooks_.empty()) thread_ = std::thread([this] { run(); });
}

AlertHookRunner::~AlertHookRunner() {
  stop();
}

// One document per event, one queued run per hook whose min_severity the
// alert reaches. An unreadable min_severity (the loader rejects them) counts
// as "warning".
void AlertHookRunner::deliver(const AlertRecord& alert, std::string_view event) {
  if (hooks_.empty()) return;
  boost::json::object doc;
  doc["event"] = event;
  doc["station"] = station_;
  doc["alert"] = alertToJson(alert);
  const std::string payload = boost::json::serialize(doc);

  std::size_t dropped = 0;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (stopping_) return;
    for (const auto& hook : hooks_) {
      const AlertSeverity min =
          alertSeverityFromName(hook.min_severity).value_or(AlertSeverity::Warning);
      if (static_cast<int>(alert.severity) < static_cast<int>(min)) continue;
      auto pending = std::make_unique<Pending>();
      pending->hook = hook;
      pending->rule = alert.rule;
      pending->subject = alert.subject;
      pending->event = std::string(event);
      pending->payload = payload;
      queue_.push_back(std::move(pending));
      while (queue_.size() > kMaxQueued) {
        queue_.pop_front();
        ++dropped;
      }
    }
  }
  if (dropped > 0) {
    log::warning("alert hooks are behind; dropped the oldest waiting runs",
                 {{"dropped", std::to_string(dropped)}});
  }
  wake_.notify_one();
}

void AlertHookRunner::stop() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_one();
  if (thread_.joinable()) thread_.join();
}

// The runner thread blocks SIGPIPE: a hook that exits without reading its
// stdin turns our write into EPIPE instead of killing the daemon (whatever
// the process-wide disposition is).
void AlertHookRunner::run() {
  sigset_t pipe_set;
  sigemptyset(&pipe_set);
  sigaddset(&pipe_set, SIGPIPE);
  ::pthread_sigmask(SIG_BLOCK, &pipe_set, nullptr);

  for (;;) {
    std::unique_ptr<Pending> next;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping, and nothing left
      next = std::move(queue_.front());
      queue_.pop_front();
    }
    HookRun result = runHook(next->hook, next->payload);
    result.rule = next->rule;
    result.event = next->event;
    logRun(result, next->subject);
    if (on_run_) on_run_(result);
  }
}

}  // namespace cardd::health
