#include "daemon_process.hpp"

#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <thread>
#include <vector>

#include "client/connection.hpp"
#include "test_helpers.hpp"

extern char** environ;  // NOLINT(readability-redundant-declaration)

namespace cardd::test {
namespace {

namespace fs = std::filesystem;
using std::chrono::milliseconds;

std::string yamlQuote(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  out += '"';
  return out;
}

std::string describeWaitStatus(int status) {
  if (WIFEXITED(status)) return "exit status " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) return std::string("killed by signal ") + strsignal(WTERMSIG(status));
  return "wait status " + std::to_string(status);
}

}  // namespace

DaemonProcess::DaemonProcess() {
  std::string tmpl = (fs::temp_directory_path() / "cardd-it-XXXXXX").string();
  if (::mkdtemp(tmpl.data()) == nullptr) {
    ADD_FAILURE() << "mkdtemp failed: " << std::strerror(errno);
    return;
  }
  dir_ = tmpl;
  // Other uids (runAsUid) must reach the socket inside.
  ::chmod(dir_.c_str(), 0755);
  socket_path_ = dir_ + "/api.sock";
  state_dir_ = dir_ + "/state";
  config_path_ = dir_ + "/cardd.yaml";
  stderr_path_ = dir_ + "/cardd.stderr";
}

DaemonProcess::~DaemonProcess() {
  if (running()) {
    ::kill(pid_, SIGTERM);
    int status = 0;
    if (!waitExit(std::chrono::seconds(15), status)) kill9();
  }
  if (testing::Test::HasFailure() && !dir_.empty()) {
    std::cerr << "---- cardd stderr (" << stderr_path_ << ") ----\n"
              << stderrText(16 * 1024) << "---- end of cardd stderr ----\n";
  }
  if (!dir_.empty() && std::getenv("CARDD_TEST_KEEP_DIRS") == nullptr) {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  } else if (!dir_.empty()) {
    std::cerr << "kept " << dir_ << " (CARDD_TEST_KEEP_DIRS)\n";
  }
}

std::string DaemonProcess::renderConfig() const {
  std::map<std::string, std::string> api{
      {"socket", yamlQuote(socket_path_)},
      {"socket_mode", config_.socket_mode},
  };
  for (const auto& [k, v] : config_.api) api[k] = v;
  std::map<std::string, std::string> access{
      {"operator", "{}"}, {"supervisor", "{}"}, {"technician", "{}"}, {"admin", "{}"}};
  for (const auto& [k, v] : config_.access) access[k] = v;
  std::map<std::string, std::string> jobs{
      {"person_schema", yamlQuote(sourceDir() + "/config/schemas/ektp.yaml")},
      {"templates_dir", yamlQuote(sourceDir() + "/config/templates")},
  };
  for (const auto& [k, v] : config_.jobs) jobs[k] = v;

  std::ostringstream out;
  out << "# written by cardd_test_support for an integration test\n";
  out << "station:\n  name: " << yamlQuote(config_.station_name) << "\n";
  out << "state_dir: " << yamlQuote(state_dir_) << "\n";
  out << "log_level: " << config_.log_level << "\n";
  out << "api:\n";
  for (const auto& [k, v] : api) out << "  " << k << ": " << v << "\n";
  out << "access:\n";
  for (const auto& [k, v] : access) out << "  " << k << ": " << v << "\n";
  out << "jobs:\n";
  for (const auto& [k, v] : jobs) out << "  " << k << ": " << v << "\n";
  out << config_.extra_yaml;
  if (!config_.extra_yaml.empty() && config_.extra_yaml.back() != '\n') out << "\n";
  return out.str();
}

testing::AssertionResult DaemonProcess::failure(const std::string& what) const {
  return testing::AssertionFailure()
         << what << "\n---- cardd stderr (" << stderr_path_ << ") ----\n"
         << stderrText(16 * 1024) << "---- end of cardd stderr ----";
}

std::string DaemonProcess::stderrText(std::size_t max_bytes) const {
  std::string text = readFile(stderr_path_);
  if (text.size() > max_bytes) text = "[...]\n" + text.substr(text.size() - max_bytes);
  return text;
}

testing::AssertionResult DaemonProcess::start(milliseconds ready_timeout) {
  if (dir_.empty()) return testing::AssertionFailure() << "no temp dir";
  if (running())
    return testing::AssertionFailure() << "cardd is already running (pid " << pid_ << ")";
  {
    std::ofstream cfg(config_path_, std::ios::trunc);
    cfg << renderConfig();
    if (!cfg) return testing::AssertionFailure() << "cannot write " << config_path_;
  }

  // Everything the child needs is built before fork(): after it, only
  // async-signal-safe calls until exec.
  const std::string binary = daemonBinary();
  std::vector<std::string> args{binary,       "--config",    config_path_, "--socket",
                                socket_path_, "--state-dir", state_dir_,   "--log-stderr"};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::vector<std::string> env = carddChildEnvironment();
  env.insert(env.end(), extra_env_.begin(), extra_env_.end());
  // LISTEN_PID is the child's own pid: reserve room, fill it in after fork.
  std::size_t listen_pid_index = 0;
  if (listen_fd_ >= 0) {
    env.emplace_back("LISTEN_FDS=1");
    env.emplace_back("LISTEN_PID=" + std::string(20, '\0'));
    listen_pid_index = env.size() - 1;
  }
  std::vector<char*> envp;
  for (auto& e : env) envp.push_back(e.data());
  envp.push_back(nullptr);
  const int err_fd = ::open(stderr_path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (err_fd < 0)
    return testing::AssertionFailure()
           << "cannot open " << stderr_path_ << ": " << std::strerror(errno);
  const int null_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  const pid_t parent = ::getpid();

  const pid_t child = ::fork();
  if (child < 0) {
    ::close(err_fd);
    if (null_fd >= 0) ::close(null_fd);
    return testing::AssertionFailure() << "fork failed: " << std::strerror(errno);
  }
  if (child == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(127);
    if (null_fd >= 0) ::dup2(null_fd, STDIN_FILENO);
    ::dup2(err_fd, STDOUT_FILENO);
    ::dup2(err_fd, STDERR_FILENO);
    // Leave the test's sockets and files behind (dup2 cleared CLOEXEC on 0-2),
    // except a socket handed over systemd-style as fd 3.
    int first_closed = 3;
    if (listen_fd_ >= 0) {
      if (listen_fd_ != 3) ::dup2(listen_fd_, 3);
      ::fcntl(3, F_SETFD, 0);
      first_closed = 4;
      char* digits = envp[listen_pid_index] + std::strlen("LISTEN_PID=");
      char tmp[20];
      int n = 0;
      for (auto v = static_cast<unsigned long>(::getpid()); v > 0 && n < 19; v /= 10)
        tmp[n++] = static_cast<char>('0' + v % 10);
      for (int i = 0; i < n; ++i) digits[i] = tmp[n - 1 - i];
      digits[n] = '\0';
    }
    if (::close_range(static_cast<unsigned>(first_closed), ~0U, 0) != 0) {
      for (int fd = first_closed; fd < 4096; ++fd) ::close(fd);
    }
    // Default signal dispositions and mask for the daemon.
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    ::execve(argv[0], argv.data(), envp.data());
    static constexpr char kMsg[] = "cardd_test_support: execve failed\n";
    (void)!::write(STDERR_FILENO, kMsg, sizeof kMsg - 1);
    ::_exit(127);
  }
  ::close(err_fd);
  if (null_fd >= 0) ::close(null_fd);
  pid_ = child;

  // Ready = the socket accepts a connection and answers a ping.
  const auto deadline = std::chrono::steady_clock::now() + ready_timeout;
  std::string last_error = "never tried";
  for (;;) {
    int status = 0;
    if (exitedOnItsOwn(&status)) {
      return failure("cardd (" + binary + ") exited during start-up with " +
                     describeWaitStatus(status));
    }
    auto conn = client::Connection::connect(socket_path_, milliseconds(500));
    if (conn) {
      auto res = conn->request("GET", "/v1/_ping", {}, {});
      if (res && res->status == 200) return testing::AssertionSuccess();
      last_error = res ? "ping answered HTTP " + std::to_string(res->status) : res.error().message;
    } else {
      last_error = conn.error().message;
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      kill9();
      return failure("cardd did not become ready within " + std::to_string(ready_timeout.count()) +
                     " ms (last attempt: " + last_error + ")");
    }
    std::this_thread::sleep_for(milliseconds(20));
  }
}

bool DaemonProcess::exitedOnItsOwn(int* wait_status) {
  if (!running()) return false;
  int status = 0;
  const pid_t r = ::waitpid(pid_, &status, WNOHANG);
  if (r == pid_) {
    pid_ = -1;
    if (wait_status != nullptr) *wait_status = status;
    return true;
  }
  return false;
}

bool DaemonProcess::waitExit(milliseconds timeout, int& wait_status) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    const pid_t r = ::waitpid(pid_, &wait_status, WNOHANG);
    if (r == pid_ || (r < 0 && errno == ECHILD)) {
      pid_ = -1;
      return true;
    }
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(milliseconds(5));
  }
}

testing::AssertionResult DaemonProcess::stop(milliseconds timeout) {
  if (!running()) return testing::AssertionFailure() << "cardd is not running";
  const pid_t was = pid_;
  if (::kill(pid_, SIGTERM) != 0)
    return failure(std::string("kill(SIGTERM) failed: ") + std::strerror(errno));
  int status = 0;
  if (!waitExit(timeout, status)) {
    kill9();
    return failure("cardd (pid " + std::to_string(was) + ") did not exit within " +
                   std::to_string(timeout.count()) + " ms of SIGTERM; killed");
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    return failure("cardd (pid " + std::to_string(was) + ") ended with " +
                   describeWaitStatus(status) + " after SIGTERM (expected exit status 0)");
  }
  return testing::AssertionSuccess();
}

void DaemonProcess::kill9() {
  if (!running()) return;
  ::kill(pid_, SIGKILL);
  int status = 0;
  while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
  }
  pid_ = -1;
}

testing::AssertionResult DaemonProcess::restart() {
  if (running()) {
    auto st = stop();
    if (!st) return st;
  }
  return start();
}

// Environment for the child: ours minus systemd's hand-over variables, so a
// test run under systemd never makes cardd adopt or notify the wrong thing.
std::vector<std::string> carddChildEnvironment() {
  static constexpr std::string_view kDrop[] = {
      "NOTIFY_SOCKET=",  "LISTEN_FDS=",    "LISTEN_PID=",
      "LISTEN_FDNAMES=", "WATCHDOG_USEC=", "WATCHDOG_PID="};
  std::vector<std::string> env;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    const std::string_view entry(*e);
    bool drop = false;
    for (auto prefix : kDrop) drop = drop || entry.substr(0, prefix.size()) == prefix;
    if (!drop) env.emplace_back(entry);
  }
  return env;
}

}  // namespace cardd::test
