#pragma once
// A loopback TCP server for transport tests: binds 127.0.0.1 (or ::1) on an
// ephemeral port, accepts connections on its own thread and runs a session
// function on each. Every wait is bounded, so a broken transport fails a test
// instead of hanging it.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "transport/transport.hpp"

namespace cardd::drivers::testing {

inline constexpr std::chrono::milliseconds kServerWait{3000};

// Waits for `events` on `fd` for at most `timeout`; true when ready.
inline bool waitFd(int fd, short events, std::chrono::milliseconds timeout) {
  pollfd p{fd, events, 0};
  return ::poll(&p, 1, static_cast<int>(timeout.count())) > 0;
}

// Reads exactly `n` bytes, or nullopt on EOF, error or timeout.
inline std::optional<Bytes> readExactly(int fd, std::size_t n,
                                        std::chrono::milliseconds timeout = kServerWait) {
  Bytes out;
  while (out.size() < n) {
    if (!waitFd(fd, POLLIN, timeout)) return std::nullopt;
    std::uint8_t buf[4096];
    const ssize_t got = ::recv(fd, buf, std::min(sizeof buf, n - out.size()), 0);
    if (got <= 0) return std::nullopt;
    out.insert(out.end(), buf, buf + got);
  }
  return out;
}

inline bool sendAll(int fd, const Bytes& bytes) {
  std::size_t sent = 0;
  while (sent < bytes.size()) {
    const ssize_t n = ::send(fd, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) return false;
    sent += static_cast<std::size_t>(n);
  }
  return true;
}

// Waits until the peer closes (EOF or error) or `timeout` passes.
inline void waitForPeerClose(int fd, std::chrono::milliseconds timeout = kServerWait) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (!waitFd(fd, POLLIN, std::chrono::milliseconds(50))) continue;
    std::uint8_t buf[256];
    if (::recv(fd, buf, sizeof buf, 0) <= 0) return;
  }
}

class LoopbackServer {
 public:
  // A session gets the accepted socket; the server closes it afterwards
  // unless the session set it to -1.
  using Session = std::function<void(int& fd)>;

  explicit LoopbackServer(bool ipv6 = false) {
    listen_fd_ = ::socket(ipv6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (listen_fd_ < 0) return;
    int rc = -1;
    if (ipv6) {
      sockaddr_in6 a{};
      a.sin6_family = AF_INET6;
      a.sin6_addr = in6addr_loopback;
      rc = ::bind(listen_fd_, reinterpret_cast<sockaddr*>(&a), sizeof a);  // NOLINT
    } else {
      sockaddr_in a{};
      a.sin_family = AF_INET;
      a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
      rc = ::bind(listen_fd_, reinterpret_cast<sockaddr*>(&a), sizeof a);  // NOLINT
    }
    if (rc != 0 || ::listen(listen_fd_, 4) != 0) {
      ::close(listen_fd_);
      listen_fd_ = -1;
      return;
    }
    sockaddr_storage s{};
    socklen_t len = sizeof s;
    ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&s), &len);    // NOLINT
    port_ = ntohs(ipv6 ? reinterpret_cast<sockaddr_in6*>(&s)->sin6_port  // NOLINT
                       : reinterpret_cast<sockaddr_in*>(&s)->sin_port);  // NOLINT
  }

  ~LoopbackServer() {
    join();
    if (listen_fd_ >= 0) ::close(listen_fd_);
  }

  LoopbackServer(const LoopbackServer&) = delete;
  LoopbackServer& operator=(const LoopbackServer&) = delete;

  bool ok() const { return listen_fd_ >= 0; }
  std::uint16_t port() const { return port_; }
  int listenFdForTest() const { return listen_fd_; }

  // Accepts `count` connections one after another, running `session` on each.
  void serve(Session session, int count = 1) {
    thread_ = std::thread([this, session = std::move(session), count] {
      for (int i = 0; i < count; ++i) {
        if (!waitFd(listen_fd_, POLLIN, kServerWait)) return;
        int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
        if (fd < 0) return;
        session(fd);
        if (fd >= 0) ::close(fd);
      }
    });
  }

  void join() {
    if (thread_.joinable()) thread_.join();
  }

 private:
  int listen_fd_ = -1;
  std::uint16_t port_ = 0;
  std::thread thread_;
};

}  // namespace cardd::drivers::testing
