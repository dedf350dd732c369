#include "emulator/emulator_server.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "printer/evolis/evolis_frame_parser.hpp"

namespace cardd::emulator {

namespace {

constexpr int kPollMs = 10;

// Not a valid reply: control and high bytes, no terminator byte, no OK/ERR.
const char kGarbage[] = {'\x01', '\xFE', '\x7F', '\x02', '\x80', '\x9B', '\x1B', '\xC3'};

Result<int> listenOn(const std::string& host, std::uint16_t& port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return Error(ErrorCode::Unavailable, "emulator: cannot create a socket");
  const int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  if (::inet_pton(AF_INET, host.c_str(), &addr.sin_addr) != 1) {
    ::close(fd);
    return Error(ErrorCode::InvalidArgument, "emulator: --host must be an IPv4 address");
  }
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(fd, 8) != 0) {
    const std::string why = std::strerror(errno);
    ::close(fd);
    return Error(ErrorCode::Unavailable,
                 "emulator: cannot listen on " + host + ":" + std::to_string(port) + ": " + why);
  }
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  port = ntohs(addr.sin_port);
  return fd;
}

bool sendAll(int fd, const void* data, std::size_t size) {
  const auto* p = static_cast<const std::uint8_t*>(data);
  while (size > 0) {
    const ssize_t n = ::send(fd, p, size, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    p += n;
    size -= static_cast<std::size_t>(n);
  }
  return true;
}

}  // namespace

// ---- ScaledClock -----------------------------------------------------------------

ScaledClock::ScaledClock(double scale)
    : scale_(scale > 0 ? scale : 1.0),
      start_ms_(SystemClock().nowMs()),
      start_(std::chrono::steady_clock::now()) {}

std::int64_t ScaledClock::nowMs() const {
  const auto real =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start_);
  return start_ms_ + static_cast<std::int64_t>(real.count() / scale_);
}

std::chrono::microseconds ScaledClock::realDuration(std::int64_t virtual_ms) const {
  return std::chrono::microseconds(
      static_cast<std::int64_t>(static_cast<double>(virtual_ms) * scale_ * 1000.0));
}

// ---- EmulatorServer ----------------------------------------------------------------

EmulatorServer::EmulatorServer(ModelConfig config, ServerOptions options, EmulatorSink& sink,
                               ChipSlot& chip)
    : options_(std::move(options)),
      clock_(options_.time_scale),
      model_(std::move(config), clock_, chip, sink) {}

EmulatorServer::~EmulatorServer() {
  stop();
}

Status EmulatorServer::start() {
  port_ = options_.port;
  auto printer = listenOn(options_.host, port_);
  if (!printer) return printer.error();
  listen_fd_ = *printer;
  control_port_ = options_.control_port;
  auto control = listenOn(options_.host, control_port_);
  if (!control) {
    ::close(listen_fd_);
    listen_fd_ = -1;
    return control.error();
  }
  control_fd_ = *control;
  acceptor_ = std::thread([this] { acceptLoop(); });
  ticker_ = std::thread([this] { tickLoop(); });
  return Ok{};
}

void EmulatorServer::stop() {
  if (stopping_.exchange(true)) return;
  if (acceptor_.joinable()) acceptor_.join();
  if (ticker_.joinable()) ticker_.join();
  std::list<Session> sessions;
  {
    std::lock_guard lock(sessions_mutex_);
    sessions.swap(sessions_);
  }
  for (auto& s : sessions) s.thread.join();
  if (listen_fd_ >= 0) ::close(listen_fd_);
  if (control_fd_ >= 0) ::close(control_fd_);
  listen_fd_ = control_fd_ = -1;
}

void EmulatorServer::tickLoop() {
  while (!stopping_) {
    {
      std::lock_guard lock(mutex_);
      model_.tick();
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

void EmulatorServer::reapSessions() {
  std::lock_guard lock(sessions_mutex_);
  for (auto it = sessions_.begin(); it != sessions_.end();) {
    if (it->done->load()) {
      it->thread.join();
      it = sessions_.erase(it);
    } else {
      ++it;
    }
  }
}

void EmulatorServer::acceptLoop() {
  while (!stopping_) {
    reapSessions();
    pollfd fds[2] = {{listen_fd_, POLLIN, 0}, {control_fd_, POLLIN, 0}};
    if (::poll(fds, 2, 50) <= 0) continue;
    for (int i = 0; i < 2; ++i) {
      if (!(fds[i].revents & POLLIN)) continue;
      const int fd = ::accept4(fds[i].fd, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd < 0) continue;
      if (i == 0) {
        bool refuse = false;
        {
          std::lock_guard lock(mutex_);
          refuse = link_.disconnect;
        }
        // While "disconnect" is injected the printer hangs up at once.
        if (refuse) {
          ::close(fd);
          continue;
        }
        const int one = 1;
        ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      }
      auto done = std::make_shared<std::atomic<bool>>(false);
      std::lock_guard lock(sessions_mutex_);
      sessions_.push_back(Session{std::thread([this, fd, done, printer = i == 0] {
                                    if (printer) {
                                      printerSession(fd);
                                    } else {
                                      controlSession(fd);
                                    }
                                    done->store(true);
                                  }),
                                  done});
    }
  }
}

bool EmulatorServer::sessionAlive(int fd, std::uint64_t disconnects_at_start) {
  (void)fd;
  if (stopping_) return false;
  std::lock_guard lock(mutex_);
  return link_.disconnects == disconnects_at_start;
}

void EmulatorServer::printerSession(int fd) {
  std::uint64_t generation = 0;
  {
    std::lock_guard lock(mutex_);
    generation = link_.disconnects;
  }
  drivers::evolis::FrameParser parser;
  std::uint8_t buf[65536];

  // Sends one reply after the model's reply time, applying link faults.
  const auto respond = [&](std::string text, std::int64_t ready_ms) -> bool {
    for (;;) {
      if (!sessionAlive(fd, generation)) return false;
      const std::int64_t left = ready_ms - clock_.nowMs();
      if (left <= 0) break;
      std::this_thread::sleep_for(
          std::min(clock_.realDuration(left) + std::chrono::microseconds(100),
                   std::chrono::microseconds(kPollMs * 1000)));
    }
    std::uint32_t slow_ms = 0;
    bool garbage = false;
    {
      std::lock_guard lock(mutex_);
      slow_ms = link_.slow_ms;
      if (link_.garbage_replies > 0) {
        --link_.garbage_replies;
        garbage = true;
      }
    }
    const auto late = std::chrono::steady_clock::now() + std::chrono::milliseconds(slow_ms);
    while (std::chrono::steady_clock::now() < late) {
      if (!sessionAlive(fd, generation)) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(kPollMs));
    }
    if (garbage) text.assign(kGarbage, sizeof kGarbage);
    text += options_.reply_terminator;
    return sendAll(fd, text.data(), text.size());
  };

  bool open = true;
  while (open && sessionAlive(fd, generation)) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, kPollMs) <= 0) continue;
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    parser.feed(std::span<const std::uint8_t>(buf, static_cast<std::size_t>(n)));
    for (;;) {
      auto next = parser.next();
      if (!next) {  // A malformed frame: the printer refuses it and resynchronises.
        open = respond("ERROR PARAMETERS", clock_.nowMs());
        if (!open) break;
        continue;
      }
      if (!*next) break;
      Response r;
      {
        std::lock_guard lock(mutex_);
        r = model_.handle(**next);
      }
      // Pem;0: the printer waits for the condition to clear, then carries on.
      while (r.held && sessionAlive(fd, generation)) {
        std::this_thread::sleep_for(std::chrono::milliseconds(kPollMs));
        std::lock_guard lock(mutex_);
        r = model_.handle(**next);
      }
      if (r.held || !respond(std::move(r.text), r.ready_ms)) {
        open = false;
        break;
      }
    }
  }
  ::shutdown(fd, SHUT_RDWR);
  ::close(fd);
}

void EmulatorServer::controlSession(int fd) {
  std::string pending;
  char buf[4096];
  while (!stopping_) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 50) <= 0) continue;
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    pending.append(buf, static_cast<std::size_t>(n));
    if (pending.size() > 65536) break;  // No line is that long: a confused client.
    std::size_t eol;
    while ((eol = pending.find('\n')) != std::string::npos) {
      std::string line = pending.substr(0, eol);
      pending.erase(0, eol + 1);
      if (!line.empty() && line.back() == '\r') line.pop_back();
      if (line.empty()) continue;
      std::string out;
      {
        std::lock_guard lock(mutex_);
        out = handleControl(model_, link_, line);
      }
      out += '\n';
      if (!sendAll(fd, out.data(), out.size())) break;
    }
  }
  ::close(fd);
}

}  // namespace cardd::emulator
