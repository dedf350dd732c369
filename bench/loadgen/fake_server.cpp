// cardd-fake-server: a minimal stand-in for cardd's job API, to calibrate
// cardd-loadgen (how fast can the client go?) and to see what an fsync per
// acknowledgement costs on this disk, independent of cardd.
//
// Single thread, epoll, unix socket. Answers every complete request in the
// input: POST -> 201 + Location + a Job-sized JSON body; anything else -> 200
// ping body. Keep-alive and pipelining (answers in order). With --fsync FILE,
// each loop turn that parsed new jobs appends one record per job to FILE and
// calls fdatasync once before any of those answers is sent (group commit).

#include <fcntl.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstdint>
#include <cstring>
#include <iostream>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace {

struct Options {
  std::string socket_path;
  std::string fsync_path;
  std::uint64_t fail_every = 0;  // every Nth job gets a 422 problem
  std::size_t max_connections = 64;
};

struct Conn {
  std::string in;
  std::string out;
  std::size_t out_off = 0;
  bool armed = false;
  bool close_after_flush = false;
};

volatile sig_atomic_t g_stop = 0;
void onSignal(int) {
  g_stop = 1;
}

char lower(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

// Content-Length of a request head, or 0.
std::size_t contentLength(std::string_view head) {
  std::size_t pos = 0;
  while ((pos = head.find("\r\n", pos)) != std::string_view::npos) {
    pos += 2;
    constexpr std::string_view name = "content-length:";
    if (head.size() - pos < name.size()) break;
    bool match = true;
    for (std::size_t k = 0; k < name.size(); ++k) {
      if (lower(head[pos + k]) != name[k]) {
        match = false;
        break;
      }
    }
    if (!match) continue;
    std::size_t v = pos + name.size();
    while (v < head.size() && head[v] == ' ') ++v;
    std::size_t n = 0;
    std::from_chars(head.data() + v, head.data() + head.size(), n);
    return n;
  }
  return 0;
}

class Server {
 public:
  explicit Server(Options o) : opt_(std::move(o)) {}
  int run();

 private:
  void accept();
  void onReadable(int fd);
  void answer(Conn& c, std::string_view head);
  void flush(int fd, Conn& c);
  void drop(int fd);

  Options opt_;
  int ep_ = -1;
  int listen_fd_ = -1;
  int log_fd_ = -1;
  std::unordered_map<int, Conn> conns_;
  std::vector<int> dirty_;
  std::uint64_t next_id_ = 1;
  std::uint64_t unsynced_ = 0;
  std::uint64_t fsyncs_ = 0;
  std::uint64_t jobs_ = 0;
};

void Server::answer(Conn& c, std::string_view head) {
  static constexpr std::string_view kPing =
      R"({"service":"cardd","version":"0.1.0","api":"v1","station":"fake"})";
  if (head.substr(0, 5) != "POST ") {
    c.out += "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: ";
    c.out += std::to_string(kPing.size());
    c.out += "\r\n\r\n";
    c.out += kPing;
    return;
  }
  const std::uint64_t id = next_id_++;
  ++jobs_;
  if (opt_.fail_every != 0 && id % opt_.fail_every == 0) {
    const std::string body =
        R"({"type":"urn:cardd:problem:validation-failed","title":"fake failure","status":422,)"
        R"("detail":"every )" +
        std::to_string(opt_.fail_every) + R"(th job fails"})";
    c.out +=
        "HTTP/1.1 422 Unprocessable Content\r\nContent-Type: "
        "application/problem+json\r\nContent-Length: ";
    c.out += std::to_string(body.size());
    c.out += "\r\n\r\n";
    c.out += body;
    return;
  }
  const std::string ids = std::to_string(id);
  const std::string body =
      R"({"id":)" + ids +
      R"(,"state":"pending","state_reasons":["job-queued"],"priority":50,"template":"ektp-specimen",)"
      R"("profile":"cardd-eid","idempotency_key":null,"owner":{"uid":0,"user":"root"},)"
      R"("created_at":"2026-11-29T11:00:00.123Z","updated_at":"2026-11-29T11:00:00.123Z",)"
      R"("photo_bytes":69,"fingerprint_count":0})";
  c.out += "HTTP/1.1 201 Created\r\nContent-Type: application/json\r\nLocation: /v1/jobs/";
  c.out += ids;
  c.out += "\r\nContent-Length: ";
  c.out += std::to_string(body.size());
  c.out += "\r\n\r\n";
  c.out += body;
  ++unsynced_;
}

void Server::drop(int fd) {
  ::close(fd);
  conns_.erase(fd);
}

void Server::flush(int fd, Conn& c) {
  while (c.out_off < c.out.size()) {
    const ssize_t n = ::send(fd, c.out.data() + c.out_off, c.out.size() - c.out_off, MSG_NOSIGNAL);
    if (n > 0) {
      c.out_off += static_cast<std::size_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      if (!c.armed) {
        epoll_event ev{};
        ev.events = EPOLLIN | EPOLLOUT;
        ev.data.fd = fd;
        ::epoll_ctl(ep_, EPOLL_CTL_MOD, fd, &ev);
        c.armed = true;
      }
      return;
    }
    drop(fd);
    return;
  }
  c.out.clear();
  c.out_off = 0;
  if (c.close_after_flush) {
    drop(fd);
    return;
  }
  if (c.armed) {
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.fd = fd;
    ::epoll_ctl(ep_, EPOLL_CTL_MOD, fd, &ev);
    c.armed = false;
  }
}

void Server::accept() {
  for (;;) {
    const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) return;
    Conn& c = conns_[fd];
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.fd = fd;
    ::epoll_ctl(ep_, EPOLL_CTL_ADD, fd, &ev);
    if (conns_.size() > opt_.max_connections) {
      static constexpr std::string_view kBusy =
          R"({"type":"urn:cardd:problem:too-many-connections","title":"Too many connections","status":503})";
      c.out =
          "HTTP/1.1 503 Service Unavailable\r\nContent-Type: "
          "application/problem+json\r\nConnection: close\r\n"
          "Content-Length: " +
          std::to_string(kBusy.size()) + "\r\n\r\n" + std::string(kBusy);
      c.close_after_flush = true;
      dirty_.push_back(fd);
    }
  }
}

void Server::onReadable(int fd) {
  auto it = conns_.find(fd);
  if (it == conns_.end()) return;
  Conn& c = it->second;
  char buf[65536];
  for (;;) {
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n > 0) {
      c.in.append(buf, static_cast<std::size_t>(n));
      if (static_cast<std::size_t>(n) < sizeof buf) break;
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
    drop(fd);  // EOF or error
    return;
  }
  if (c.close_after_flush) return;
  // Answer every complete request, in order.
  std::size_t pos = 0;
  bool answered = false;
  for (;;) {
    const std::size_t end = c.in.find("\r\n\r\n", pos);
    if (end == std::string::npos) break;
    const std::string_view head(c.in.data() + pos, end + 2 - pos);
    const std::size_t total = end + 4 - pos + contentLength(head);
    if (c.in.size() - pos < total) break;
    answer(c, head);
    answered = true;
    pos += total;
  }
  c.in.erase(0, pos);
  if (answered) dirty_.push_back(fd);
}

int Server::run() {
  ::signal(SIGPIPE, SIG_IGN);
  ::signal(SIGINT, onSignal);
  ::signal(SIGTERM, onSignal);
  if (!opt_.fsync_path.empty()) {
    log_fd_ = ::open(opt_.fsync_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (log_fd_ < 0) {
      std::cerr << "cardd-fake-server: open " << opt_.fsync_path << ": " << std::strerror(errno)
                << "\n";
      return 1;
    }
  }
  listen_fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (opt_.socket_path.size() >= sizeof addr.sun_path) {
    std::cerr << "cardd-fake-server: socket path too long\n";
    return 1;
  }
  std::memcpy(addr.sun_path, opt_.socket_path.data(), opt_.socket_path.size());
  ::unlink(opt_.socket_path.c_str());
  if (::bind(listen_fd_, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0 ||
      ::listen(listen_fd_, 128) != 0) {
    std::cerr << "cardd-fake-server: bind/listen " << opt_.socket_path << ": "
              << std::strerror(errno) << "\n";
    return 1;
  }
  ::chmod(opt_.socket_path.c_str(), 0666);
  ep_ = ::epoll_create1(EPOLL_CLOEXEC);
  epoll_event lev{};
  lev.events = EPOLLIN;
  lev.data.fd = listen_fd_;
  ::epoll_ctl(ep_, EPOLL_CTL_ADD, listen_fd_, &lev);

  std::vector<epoll_event> events(256);
  std::string record;
  while (g_stop == 0) {
    const int n = ::epoll_wait(ep_, events.data(), static_cast<int>(events.size()), 500);
    if (n < 0 && errno != EINTR) break;
    for (int k = 0; k < n; ++k) {
      const epoll_event& ev = events[static_cast<std::size_t>(k)];
      if (ev.data.fd == listen_fd_) {
        accept();
        continue;
      }
      if ((ev.events & EPOLLOUT) != 0) {
        auto it = conns_.find(ev.data.fd);
        if (it != conns_.end()) flush(ev.data.fd, it->second);
      }
      if ((ev.events & (EPOLLIN | EPOLLHUP | EPOLLERR)) != 0) onReadable(ev.data.fd);
    }
    // Group commit: one durable write covers every job answered in this turn.
    if (log_fd_ >= 0 && unsynced_ > 0) {
      record.assign(unsynced_ * 64, 'j');
      if (::write(log_fd_, record.data(), record.size()) < 0 || ::fdatasync(log_fd_) != 0) {
        std::cerr << "cardd-fake-server: write/fdatasync: " << std::strerror(errno) << "\n";
        return 1;
      }
      ++fsyncs_;
    }
    unsynced_ = 0;
    for (const int fd : dirty_) {
      auto it = conns_.find(fd);
      if (it != conns_.end()) flush(fd, it->second);
    }
    dirty_.clear();
  }
  std::cerr << "cardd-fake-server: " << jobs_ << " jobs, " << fsyncs_ << " fdatasync calls\n";
  ::unlink(opt_.socket_path.c_str());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    const bool has_value = i + 1 < argc;
    if (arg == "--socket" && has_value)
      o.socket_path = argv[++i];
    else if (arg == "--fsync" && has_value)
      o.fsync_path = argv[++i];
    else if (arg == "--fail-every" && has_value)
      o.fail_every = std::stoull(argv[++i]);
    else if (arg == "--max-connections" && has_value)
      o.max_connections = std::stoull(argv[++i]);
    else {
      std::cerr << "usage: cardd-fake-server --socket PATH [--fsync FILE] [--fail-every N] "
                   "[--max-connections N]\n";
      return 2;
    }
  }
  if (o.socket_path.empty()) {
    std::cerr << "cardd-fake-server: --socket is required\n";
    return 2;
  }
  Server server(std::move(o));
  return server.run();
}
