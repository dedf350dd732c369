#pragma once
// DaemonProcess: one real cardd for an integration test, on a private temp
// directory (socket, state dir, config, captured stderr).
//
//   cardd::test::DaemonProcess d;            // defaults: socket mode 0600, no roles but root's
//   d.config().api["max_body_bytes"] = "2048";
//   d.config().access["operator"] = R"({ users: ["#65534"] })";
//   ASSERT_TRUE(d.start());                  // writes cardd.yaml, fork/exec, waits for the socket
//   ... cardd_client against d.socketPath() ...
//   EXPECT_TRUE(d.stop());                   // SIGTERM; expects exit status 0
//
// Errors are reported as testing::AssertionResult, so tests write
// ASSERT_TRUE(d.start()) and get the reason (with cardd's stderr) on failure.
// When the test has failed, the destructor prints cardd's stderr.
//
// Threading: not thread-safe; call it from the test's main thread (the
// child is started with PR_SET_PDEATHSIG, tied to the thread that forked).

#include <gtest/gtest.h>
#include <sys/types.h>

#include <chrono>
#include <map>
#include <string>
#include <vector>

namespace cardd::test {

// The configuration written to <dir>/cardd.yaml. Every map renders as
// "key: value" lines (values verbatim, so quote what YAML would misread).
struct DaemonConfig {
  std::string station_name = "integration station";
  std::string log_level = "info";
  std::string socket_mode = "\"0600\"";
  // Extra or overriding keys under `api:` (socket_mode and socket are set
  // from the fields above / the temp dir): e.g. {"max_body_bytes", "2048"}.
  std::map<std::string, std::string> api;
  // Role -> flow mapping under `access:`. All four roles are always written
  // (see docs/config-reference.md, known issue); missing ones get "{}".
  std::map<std::string, std::string> access;
  // Extra or overriding keys under `jobs:` (person_schema defaults to the
  // source tree's config/schemas/ektp.yaml and templates_dir to its
  // config/templates, both absolute).
  std::map<std::string, std::string> jobs;
  // Appended verbatim at the end of the file.
  std::string extra_yaml;
};

class DaemonProcess {
 public:
  DaemonProcess();
  ~DaemonProcess();
  DaemonProcess(const DaemonProcess&) = delete;
  DaemonProcess& operator=(const DaemonProcess&) = delete;

  // Edit before start()/restart(); restart() rewrites the file.
  DaemonConfig& config() { return config_; }
  // An extra environment variable for the daemon (e.g. NOTIFY_SOCKET).
  void setEnv(const std::string& name, const std::string& value) {
    extra_env_.push_back(name + "=" + value);
  }
  // Hands `fd` (a listening socket the test owns) to the daemon as systemd
  // does: fd 3 with LISTEN_FDS=1 and LISTEN_PID set to the daemon's pid.
  void passListeningSocket(int fd) { listen_fd_ = fd; }
  // The YAML start() writes, for diagnostics or --check-config tests.
  std::string renderConfig() const;

  // Writes the config, starts cardd, waits (up to `ready_timeout`) until its
  // socket accepts connections and answers GET /v1/_ping.
  testing::AssertionResult start(
      std::chrono::milliseconds ready_timeout = std::chrono::seconds(10));
  // SIGTERM, waits up to `timeout`, and requires exit status 0.
  testing::AssertionResult stop(std::chrono::milliseconds timeout = std::chrono::seconds(20));
  // SIGKILL and reap; no checks.
  void kill9();
  // stop() (when running) then start(), on the same state dir.
  testing::AssertionResult restart();

  bool running() const { return pid_ > 0; }
  pid_t pid() const { return pid_; }
  // True (and reaps it) when the child has exited on its own.
  bool exitedOnItsOwn(int* wait_status = nullptr);

  const std::string& dir() const { return dir_; }
  const std::string& socketPath() const { return socket_path_; }
  const std::string& stateDir() const { return state_dir_; }
  std::string dbPath() const { return state_dir_ + "/cardd.db"; }
  const std::string& configPath() const { return config_path_; }
  const std::string& stderrPath() const { return stderr_path_; }
  // cardd's stderr so far (all runs), at most the last `max_bytes`.
  std::string stderrText(std::size_t max_bytes = 64 * 1024) const;

 private:
  testing::AssertionResult failure(const std::string& what) const;
  // Waits for the child to exit; false on timeout.
  bool waitExit(std::chrono::milliseconds timeout, int& wait_status);

  DaemonConfig config_;
  std::string dir_;
  std::string socket_path_;
  std::string state_dir_;
  std::string config_path_;
  std::string stderr_path_;
  pid_t pid_ = -1;
  std::vector<std::string> extra_env_;
  int listen_fd_ = -1;
};

// The environment for a cardd (or helper) child: ours minus systemd's
// hand-over variables (NOTIFY_SOCKET, LISTEN_*, WATCHDOG_*), so a test run
// under systemd never makes the child adopt or notify the wrong thing.
std::vector<std::string> carddChildEnvironment();

}  // namespace cardd::test
