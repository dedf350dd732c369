#include "virtual_chip/vpcd_connection.hpp"

#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <string>
#include <utility>

#include "apdu/command_apdu.hpp"
#include "apdu/response_apdu.hpp"
#include "apdu/status_word.hpp"

namespace cardd::applets::virtual_chip {
namespace {

constexpr std::uint8_t kCtrlPowerOff = 0x00;
constexpr std::uint8_t kCtrlPowerOn = 0x01;
constexpr std::uint8_t kCtrlReset = 0x02;
constexpr std::uint8_t kCtrlGetAtr = 0x04;
constexpr std::size_t kMaxFrame = 0xFFFF;
// "No precise diagnosis": answered when the applet's R-APDU does not fit a
// vpcd frame.
constexpr std::uint16_t kSwNoPreciseDiagnosis = 0x6F00;
constexpr auto kPollSlice = std::chrono::milliseconds(100);
// A link that lasted at least this long resets the reconnect backoff.
constexpr auto kStableLink = std::chrono::seconds(1);

void setIntOption(int fd, int level, int name, int value) {
  // Best effort: a failure only costs latency.
  (void)::setsockopt(fd, level, name, &value, sizeof value);
}

void armQuickAck(int fd) {
  setIntOption(fd, IPPROTO_TCP, TCP_QUICKACK, 1);
}

}  // namespace

VpcdConnection::VpcdConnection(CardApplet& applet, VpcdEndpoint endpoint)
    : applet_(applet), endpoint_(std::move(endpoint)) {}

VpcdConnection::~VpcdConnection() {
  disconnect();
}

Status VpcdConnection::connect() {
  if (endpoint_.host.empty() || endpoint_.port == 0) {
    return Error(ErrorCode::InvalidArgument, "vpcd endpoint needs a host and a port");
  }
  std::lock_guard lifecycle(lifecycleMutex_);
  if (worker_.joinable()) {
    return Error(ErrorCode::InvalidArgument, "the virtual card is already inserted");
  }
  {
    std::lock_guard lock(mutex_);
    stopping_ = false;
  }
  inserted_ = true;
  worker_ = std::thread([this] { run(); });
  return Ok{};
}

void VpcdConnection::disconnect() {
  std::lock_guard lifecycle(lifecycleMutex_);
  if (!worker_.joinable()) return;
  if (worker_.get_id() == std::this_thread::get_id()) std::abort();  // see header
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    if (fd_ >= 0) ::shutdown(fd_, SHUT_RDWR);
  }
  wake_.notify_all();
  worker_.join();
  inserted_ = false;
}

VpcdStats VpcdConnection::stats() const {
  std::lock_guard lock(mutex_);
  return stats_;
}

void VpcdConnection::run() {
  auto backoff = endpoint_.initialBackoff;
  const auto grow = [&] { backoff = std::min(backoff * 2, endpoint_.maxBackoff); };
  for (;;) {
    const int fd = openLink();
    if (fd < 0) {
      {
        std::lock_guard lock(mutex_);
        if (stopping_) return;
        ++stats_.linkFailures;
      }
      if (!sleepUnlessStopped(backoff)) return;
      grow();
      continue;
    }
    {
      std::lock_guard lock(mutex_);
      ++stats_.links;
    }
    linked_ = true;
    const auto since = std::chrono::steady_clock::now();
    serve(fd);
    linked_ = false;
    setFd(-1);
    ::close(fd);
    {
      std::lock_guard lock(mutex_);
      ++stats_.linksLost;
    }
    applet_.powerOff();  // the card lost its reader: no power
    if (std::chrono::steady_clock::now() - since >= kStableLink) backoff = endpoint_.initialBackoff;
    if (!sleepUnlessStopped(backoff)) return;
    grow();
  }
}

int VpcdConnection::openLink() {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICSERV;
  addrinfo* found = nullptr;
  const std::string service = std::to_string(endpoint_.port);
  if (::getaddrinfo(endpoint_.host.c_str(), service.c_str(), &hints, &found) != 0) return -1;

  int result = -1;
  for (addrinfo* ai = found; ai != nullptr && result < 0; ai = ai->ai_next) {
    const int fd =
        ::socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, ai->ai_protocol);
    if (fd < 0) continue;
    {
      std::lock_guard lock(mutex_);
      if (stopping_) {
        ::close(fd);
        break;
      }
      fd_ = fd;
    }
    bool up = ::connect(fd, ai->ai_addr, ai->ai_addrlen) == 0;
    if (!up && errno == EINPROGRESS) {
      const auto deadline = std::chrono::steady_clock::now() + endpoint_.connectTimeout;
      while (std::chrono::steady_clock::now() < deadline) {
        {
          std::lock_guard lock(mutex_);
          if (stopping_) break;
        }
        pollfd pfd{fd, POLLOUT, 0};
        const int ready = ::poll(&pfd, 1, static_cast<int>(kPollSlice.count()));
        if (ready < 0 && errno != EINTR) break;
        if (ready > 0) {
          int error = 0;
          socklen_t length = sizeof error;
          up = ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length) == 0 && error == 0;
          break;
        }
      }
    }
    if (up) {
      const int flags = ::fcntl(fd, F_GETFL);
      up = flags >= 0 && ::fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) == 0;
    }
    if (up) {
      setIntOption(fd, IPPROTO_TCP, TCP_NODELAY, 1);
      result = fd;
    } else {
      setFd(-1);
      ::close(fd);
    }
  }
  ::freeaddrinfo(found);
  return result;
}

void VpcdConnection::serve(int fd) {
  Bytes payload;
  for (;;) {
    std::uint8_t header[2];
    if (!recvExact(fd, header, sizeof header)) return;
    const std::size_t size = (std::size_t{header[0]} << 8) | header[1];
    if (size == 0) return;  // not part of the protocol: drop the link
    payload.resize(size);
    if (!recvExact(fd, payload.data(), size)) return;
    if (!handle(fd, payload)) return;
  }
}

bool VpcdConnection::handle(int fd, ByteView payload) {
  if (payload.size() == 1) {
    {
      std::lock_guard lock(mutex_);
      ++stats_.controls;
    }
    switch (payload[0]) {
      case kCtrlPowerOff:
        applet_.powerOff();
        return true;
      case kCtrlPowerOn:
        applet_.powerOn();
        return true;
      case kCtrlReset:
        applet_.reset();
        return true;
      case kCtrlGetAtr: {
        const Bytes atr = applet_.atr();
        return sendFrame(fd, atr);
      }
      default:
        return true;  // unknown control: vpcd expects no answer
    }
  }

  apdu::ResponseApdu response;
  auto command = apdu::parseCommandApdu(payload);
  if (!command) {
    response.sw = apdu::sw::kWrongLength;
  } else if (command->cla == 0xFF) {
    response.sw = apdu::sw::kClaNotSupported;
  } else {
    response = applet_.process(*command);
  }
  Bytes encoded = response.encode();
  if (encoded.size() > kMaxFrame) encoded = apdu::ResponseApdu{{}, kSwNoPreciseDiagnosis}.encode();
  {
    std::lock_guard lock(mutex_);
    ++stats_.apdus;
  }
  return sendFrame(fd, encoded);
}

bool VpcdConnection::sendFrame(int fd, ByteView payload) {
  Bytes frame;
  frame.reserve(payload.size() + 2);
  frame.push_back(static_cast<std::uint8_t>(payload.size() >> 8));
  frame.push_back(static_cast<std::uint8_t>(payload.size() & 0xFF));
  append(frame, payload);
  std::size_t sent = 0;
  while (sent < frame.size()) {
    const ssize_t n = ::send(fd, frame.data() + sent, frame.size() - sent, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    sent += static_cast<std::size_t>(n);
  }
  return true;
}

bool VpcdConnection::recvExact(int fd, std::uint8_t* out, std::size_t size) {
  std::size_t got = 0;
  while (got < size) {
    armQuickAck(fd);  // Linux clears it again after a while: re-arm every time
    const ssize_t n = ::recv(fd, out + got, size - got, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    got += static_cast<std::size_t>(n);
  }
  return true;
}

bool VpcdConnection::sleepUnlessStopped(std::chrono::milliseconds delay) {
  std::unique_lock lock(mutex_);
  return !wake_.wait_for(lock, delay, [this] { return stopping_; });
}

void VpcdConnection::setFd(int fd) {
  std::lock_guard lock(mutex_);
  fd_ = fd;
}

}  // namespace cardd::applets::virtual_chip
