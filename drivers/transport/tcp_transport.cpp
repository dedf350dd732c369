#include "transport/tcp_transport.hpp"

#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include "driver_error.hpp"

namespace cardd::drivers {
namespace {

using Clock = std::chrono::steady_clock;

// Milliseconds left until `deadline`, rounded up, never negative.
int remainingMs(Clock::time_point deadline) {
  const auto left = deadline - Clock::now();
  if (left <= Clock::duration::zero()) return 0;
  const auto ms = std::chrono::ceil<std::chrono::milliseconds>(left).count();
  return ms > 1'000'000'000 ? 1'000'000'000 : static_cast<int>(ms);
}

// Polls `fd` for `events` until `deadline`. Returns the revents (0 on
// timeout) or -1 on a poll failure. Retries on EINTR.
int pollUntil(int fd, short events, Clock::time_point deadline) {
  for (;;) {
    pollfd p{fd, events, 0};
    const int n = ::poll(&p, 1, remainingMs(deadline));
    if (n > 0) return p.revents;
    if (n == 0) return 0;
    if (errno != EINTR) return -1;
  }
}

bool isDisconnectErrno(int err) {
  return err == EPIPE || err == ECONNRESET || err == ENOTCONN || err == ECONNABORTED ||
         err == ETIMEDOUT || err == EHOSTUNREACH || err == ENETUNREACH;
}

Error usageError(std::string_view what) {
  return badArgument("tcp transport: " + std::string(what) + " while not open");
}

Error osError(std::string_view what, int err) {
  return Error(ErrorCode::Internal,
               "tcp transport: " + std::string(what) + ": " + std::strerror(err));
}

// Connects one non-blocking socket to `ai` by `deadline`. Returns the fd, or
// -1 with *err set (ETIMEDOUT when the deadline passed).
int connectOne(const addrinfo& ai, Clock::time_point deadline, int* err) {
  const int fd =
      ::socket(ai.ai_family, ai.ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai.ai_protocol);
  if (fd < 0) {
    *err = errno;
    return -1;
  }
  if (::connect(fd, ai.ai_addr, ai.ai_addrlen) == 0) return fd;
  if (errno != EINPROGRESS && errno != EINTR) {
    *err = errno;
    ::close(fd);
    return -1;
  }
  const int revents = pollUntil(fd, POLLOUT, deadline);
  if (revents <= 0) {
    *err = revents == 0 ? ETIMEDOUT : errno;
    ::close(fd);
    return -1;
  }
  int so_error = 0;
  socklen_t len = sizeof so_error;
  if (::getsockopt(fd, SOL_SOCKET, SO_ERROR, &so_error, &len) != 0) so_error = errno;
  if (so_error != 0) {
    *err = so_error;
    ::close(fd);
    return -1;
  }
  return fd;
}

}  // namespace

TcpTransport::TcpTransport(std::string host, std::uint16_t port)
    : host_(std::move(host)), port_(port) {}

TcpTransport::~TcpTransport() {
  closeSocket();
}

Result<LinkState> TcpTransport::open(std::chrono::milliseconds connect_timeout) {
  closeSocket();
  disconnected_ = false;
  const auto deadline = Clock::now() + connect_timeout;

  // Resolve: numeric addresses never touch the resolver.
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICSERV | AI_ADDRCONFIG;
  const std::string service = std::to_string(port_);
  addrinfo* list = nullptr;
  int rc = ::getaddrinfo(host_.c_str(), service.c_str(), &hints, &list);
  if (rc == EAI_NONAME || rc == EAI_ADDRFAMILY) {
    // AI_ADDRCONFIG hides loopback-only families on hosts without a
    // configured address; retry without it.
    hints.ai_flags = AI_NUMERICSERV;
    rc = ::getaddrinfo(host_.c_str(), service.c_str(), &hints, &list);
  }
  if (rc != 0) {
    return Error(ErrorCode::Unavailable,
                 describe() + ": cannot resolve host: " + ::gai_strerror(rc));
  }

  // Try each address in turn within the one deadline.
  int last_err = ECONNREFUSED;
  for (const addrinfo* ai = list; ai != nullptr; ai = ai->ai_next) {
    const int fd = connectOne(*ai, deadline, &last_err);
    if (fd >= 0) {
      fd_ = fd;
      break;
    }
    if (last_err == ETIMEDOUT && remainingMs(deadline) == 0) break;
  }
  ::freeaddrinfo(list);

  if (fd_ < 0) {
    if (last_err == ETIMEDOUT) return LinkState::Timeout;
    return Error(ErrorCode::Unavailable,
                 describe() + ": cannot connect: " + std::strerror(last_err));
  }
  int one = 1;
  (void)::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return LinkState::Ok;
}

Result<LinkState> TcpTransport::write(std::span<const std::uint8_t> bytes,
                                      std::chrono::milliseconds timeout) {
  if (fd_ < 0) return usageError("write");
  if (disconnected_) return LinkState::Disconnected;
  const auto deadline = Clock::now() + timeout;

  std::size_t sent = 0;
  bool polled = false;
  while (sent < bytes.size()) {
    const ssize_t n =
        ::send(fd_, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n > 0) {
      sent += static_cast<std::size_t>(n);
      continue;
    }
    const int err = n < 0 ? errno : EAGAIN;
    if (err == EINTR) continue;
    if (isDisconnectErrno(err)) {
      disconnected_ = true;
      return LinkState::Disconnected;
    }
    if (err != EAGAIN && err != EWOULDBLOCK) return osError("send", err);

    // The send buffer is full: wait for room until the deadline. (The
    // deadline check stops a spurious wake-up from spinning past it.)
    if (polled && Clock::now() >= deadline) return LinkState::Timeout;
    polled = true;
    const int revents = pollUntil(fd_, POLLOUT, deadline);
    if (revents < 0) return osError("poll", errno);
    if (revents == 0) return LinkState::Timeout;
    // POLLERR/POLLHUP: the next send reports the cause.
  }
  return LinkState::Ok;
}

Result<ReadResult> TcpTransport::read(std::size_t max_bytes, std::chrono::milliseconds timeout) {
  if (fd_ < 0) return usageError("read");
  if (disconnected_) return ReadResult{LinkState::Disconnected, {}};
  if (max_bytes == 0) return badArgument("tcp transport: read of 0 bytes");
  const auto deadline = Clock::now() + timeout;

  Bytes buffer(max_bytes);
  bool polled = false;
  for (;;) {
    const ssize_t n = ::recv(fd_, buffer.data(), buffer.size(), MSG_DONTWAIT);
    if (n > 0) {
      buffer.resize(static_cast<std::size_t>(n));
      return ReadResult{LinkState::Ok, std::move(buffer)};
    }
    if (n == 0) {  // Orderly shutdown by the peer.
      disconnected_ = true;
      return ReadResult{LinkState::Disconnected, {}};
    }
    const int err = errno;
    if (err == EINTR) continue;
    if (isDisconnectErrno(err)) {
      disconnected_ = true;
      return ReadResult{LinkState::Disconnected, {}};
    }
    if (err != EAGAIN && err != EWOULDBLOCK) return osError("recv", err);

    if (polled && Clock::now() >= deadline) return ReadResult{LinkState::Timeout, {}};
    polled = true;
    const int revents = pollUntil(fd_, POLLIN, deadline);
    if (revents < 0) return osError("poll", errno);
    if (revents == 0) return ReadResult{LinkState::Timeout, {}};
  }
}

void TcpTransport::close() {
  closeSocket();
  disconnected_ = false;
}

void TcpTransport::closeSocket() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

std::string TcpTransport::describe() const {
  const bool v6 = host_.find(':') != std::string::npos;
  return "tcp:" + (v6 ? "[" + host_ + "]" : host_) + ":" + std::to_string(port_);
}

}  // namespace cardd::drivers
