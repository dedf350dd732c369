#pragma once
// Test helpers for the integration tests: start cardd-printer-emulator on
// free loopback ports (--port 0 --control-port 0), read its "ready" line,
// talk to its control port, and stop it (SIGTERM, then SIGKILL) when the
// test ends. Every wait is bounded so a broken emulator fails a test instead
// of hanging it.

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <vector>

extern char** environ;

namespace cardd::emulator::testing {

inline constexpr int kWaitMs = 10000;

// A fresh empty directory under the system temp dir, removed by the destructor.
class TempDir {
 public:
  TempDir() {
    std::random_device rd;
    path_ = std::filesystem::temp_directory_path() /
            ("cardd-emu-" + std::to_string(::getpid()) + "-" + std::to_string(rd()));
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// Reads one '\n'-terminated line from `fd` within `timeout_ms`.
inline std::optional<std::string> readLine(int fd, std::string& pending, int timeout_ms = kWaitMs) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  for (;;) {
    if (const auto eol = pending.find('\n'); eol != std::string::npos) {
      std::string line = pending.substr(0, eol);
      pending.erase(0, eol + 1);
      return line;
    }
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                          deadline - std::chrono::steady_clock::now())
                          .count();
    if (left <= 0) return std::nullopt;
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left)) <= 0) return std::nullopt;
    char buf[4096];
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n <= 0) return std::nullopt;
    pending.append(buf, static_cast<std::size_t>(n));
  }
}

inline int connectLoopback(std::uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

#ifdef CARDD_EMULATOR_PATH  // Set by CMake for the integration tests.
class EmulatorProcess {
 public:
  // Starts the emulator with `args` plus --port 0 --control-port 0 and waits
  // for its ready line. started() is false when it did not come up.
  explicit EmulatorProcess(std::vector<std::string> args) {
    args.insert(args.begin(), {CARDD_EMULATOR_PATH, "--port", "0", "--control-port", "0"});
    int out[2];
    if (::pipe2(out, O_CLOEXEC) != 0) return;
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, out[1], STDOUT_FILENO);
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    const int rc = posix_spawn(&pid_, argv[0], &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    ::close(out[1]);
    stdout_fd_ = out[0];
    if (rc != 0) {
      pid_ = -1;
      return;
    }
    std::string pending;
    auto line = readLine(stdout_fd_, pending);
    if (!line) return;
    boost::system::error_code ec;
    auto v = boost::json::parse(*line, ec);
    if (ec || !v.is_object() || !v.as_object().contains("port")) return;
    port_ = static_cast<std::uint16_t>(v.at("port").to_number<int>());
    control_port_ = static_cast<std::uint16_t>(v.at("control_port").to_number<int>());
  }

  ~EmulatorProcess() {
    if (control_fd_ >= 0) ::close(control_fd_);
    if (pid_ > 0) {
      ::kill(pid_, SIGTERM);
      for (int i = 0; i < 500; ++i) {
        if (::waitpid(pid_, nullptr, WNOHANG) == pid_) {
          pid_ = -1;
          break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
      }
      if (pid_ > 0) {
        ::kill(pid_, SIGKILL);
        ::waitpid(pid_, nullptr, 0);
      }
    }
    if (stdout_fd_ >= 0) ::close(stdout_fd_);
  }

  EmulatorProcess(const EmulatorProcess&) = delete;
  EmulatorProcess& operator=(const EmulatorProcess&) = delete;

  bool started() const { return port_ != 0 && control_port_ != 0; }
  std::uint16_t port() const { return port_; }
  std::uint16_t controlPort() const { return control_port_; }

  // Sends one control line and returns the parsed reply ({} on failure).
  boost::json::object control(const std::string& line) {
    if (control_fd_ < 0) control_fd_ = connectLoopback(control_port_);
    if (control_fd_ < 0) return {};
    const std::string out = line + "\n";
    if (::send(control_fd_, out.data(), out.size(), MSG_NOSIGNAL) !=
        static_cast<ssize_t>(out.size())) {
      return {};
    }
    auto reply = readLine(control_fd_, control_pending_);
    if (!reply) return {};
    boost::system::error_code ec;
    auto v = boost::json::parse(*reply, ec);
    if (ec || !v.is_object()) return {};
    return v.as_object();
  }

  bool ok(const std::string& line) {
    auto r = control(line);
    return r.contains("ok") && r.at("ok").is_bool() && r.at("ok").as_bool();
  }

  boost::json::object state() {
    auto r = control(R"({"cmd":"state"})");
    if (!r.contains("state")) return {};
    return r.at("state").as_object();
  }

 private:
  pid_t pid_ = -1;
  int stdout_fd_ = -1;
  int control_fd_ = -1;
  std::string control_pending_;
  std::uint16_t port_ = 0;
  std::uint16_t control_port_ = 0;
};
#endif

}  // namespace cardd::emulator::testing
