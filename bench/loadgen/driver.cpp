#include "driver.hpp"

#include <fcntl.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <deque>
#include <memory>
#include <string_view>
#include <utility>

namespace cardd::bench {

namespace {

using Clock = std::chrono::steady_clock;

double cpuSeconds() {
  rusage ru{};
  ::getrusage(RUSAGE_SELF, &ru);
  auto secs = [](const timeval& tv) {
    return static_cast<double>(tv.tv_sec) + static_cast<double>(tv.tv_usec) / 1e6;
  };
  return secs(ru.ru_utime) + secs(ru.ru_stime);
}

// Received bytes not yet consumed by the reader. Offsets the reader keeps are
// relative to view().data(), so compaction does not disturb it.
class InputBuffer {
 public:
  std::string_view view() const { return {data_.data() + begin_, end_ - begin_}; }
  void consume(std::size_t n) {
    begin_ += n;
    if (begin_ == end_) begin_ = end_ = 0;
  }
  // Room for at least `min` more bytes; returns where to write and how much fits.
  std::pair<char*, std::size_t> writable(std::size_t min) {
    if (data_.size() - end_ < min) {
      if (begin_ > 0) {
        std::memmove(data_.data(), data_.data() + begin_, end_ - begin_);
        end_ -= begin_;
        begin_ = 0;
      }
      if (data_.size() - end_ < min) data_.resize(std::max(data_.size() * 2, end_ + min));
    }
    return {data_.data() + end_, data_.size() - end_};
  }
  void commit(std::size_t n) { end_ += n; }
  void clear() { begin_ = end_ = 0; }

 private:
  std::vector<char> data_;
  std::size_t begin_ = 0;
  std::size_t end_ = 0;
};

struct InFlight {
  std::uint64_t index;
  Clock::time_point sent;
};

struct Connection {
  int fd = -1;
  std::unique_ptr<ResponseReader> reader;
  InputBuffer in;
  std::string out;
  std::size_t out_off = 0;
  std::deque<InFlight> inflight;
  bool write_armed = false;
};

constexpr std::size_t kReadChunk = 64 * 1024;

class Driver {
 public:
  Driver(Target& target, const DriverOptions& options) : target_(target), opt_(options) {}
  ~Driver() {
    for (Connection& c : conns_) {
      if (c.fd >= 0) ::close(c.fd);
    }
    if (ep_ >= 0) ::close(ep_);
  }
  Driver(const Driver&) = delete;
  Driver& operator=(const Driver&) = delete;

  Result<RunResult> run();

 private:
  bool open(std::size_t i);
  void closeConnection(Connection& c, const std::string& why);
  void fill(Connection& c);
  void flush(Connection& c);
  void onReadable(Connection& c);
  void processInput(Connection& c, Clock::time_point now);
  void recordReply(Connection& c, Reply&& reply, Clock::time_point now);
  void setWriteInterest(std::size_t i, bool on);
  void recordFailure(int status, std::string detail);
  bool done() const { return resolved_ >= opt_.jobs; }

  Target& target_;
  const DriverOptions& opt_;
  RunResult r_;
  int ep_ = -1;
  std::vector<Connection> conns_;
  std::uint64_t issued_ = 0;    // requests handed out (0..jobs)
  std::uint64_t resolved_ = 0;  // requests answered or failed
  std::string last_connect_error_;
  Clock::time_point last_progress_;
  Clock::time_point last_reply_;
};

bool Driver::open(std::size_t i) {
  Connection& c = conns_[i];
  Result<int> fd = target_.connect();
  if (!fd) {
    ++r_.connection_errors;
    last_connect_error_ = fd.error().message;
    return false;
  }
  const int flags = ::fcntl(*fd, F_GETFL, 0);
  ::fcntl(*fd, F_SETFL, flags | O_NONBLOCK);
  epoll_event ev{};
  ev.events = EPOLLIN | EPOLLRDHUP;
  ev.data.u64 = i;
  if (::epoll_ctl(ep_, EPOLL_CTL_ADD, *fd, &ev) != 0) {
    ++r_.connection_errors;
    last_connect_error_ = std::string("epoll_ctl: ") + std::strerror(errno);
    ::close(*fd);
    return false;
  }
  c.fd = *fd;
  c.reader = target_.newReader();
  c.in.clear();
  c.out.clear();
  c.out_off = 0;
  c.write_armed = false;
  ++r_.connects;
  return true;
}

void Driver::recordFailure(int status, std::string detail) {
  ++r_.failed;
  ++resolved_;
  ++r_.status_counts[status];
  if (!r_.first_failure) r_.first_failure = Failure{status, std::move(detail)};
}

void Driver::closeConnection(Connection& c, const std::string& why) {
  if (c.fd >= 0) ::close(c.fd);  // also leaves the epoll set
  c.fd = -1;
  for (std::size_t n = c.inflight.size(); n > 0; --n) recordFailure(0, "no response: " + why);
  c.inflight.clear();
  c.out.clear();
  c.out_off = 0;
  c.in.clear();
  c.write_armed = false;
}

void Driver::setWriteInterest(std::size_t i, bool on) {
  Connection& c = conns_[i];
  if (c.write_armed == on) return;
  epoll_event ev{};
  ev.events = EPOLLIN | EPOLLRDHUP | (on ? EPOLLOUT : 0u);
  ev.data.u64 = i;
  ::epoll_ctl(ep_, EPOLL_CTL_MOD, c.fd, &ev);
  c.write_armed = on;
}

void Driver::fill(Connection& c) {
  if (c.fd < 0 || c.inflight.size() >= opt_.pipeline || issued_ >= opt_.jobs) return;
  const Clock::time_point now = Clock::now();
  while (c.inflight.size() < opt_.pipeline && issued_ < opt_.jobs) {
    target_.appendRequest(opt_.first_index + issued_, c.out);
    c.inflight.push_back({issued_, now});
    ++issued_;
    ++r_.sent;
  }
}

void Driver::flush(Connection& c) {
  const auto i = static_cast<std::size_t>(&c - conns_.data());
  while (c.fd >= 0 && c.out_off < c.out.size()) {
    const ssize_t n =
        ::send(c.fd, c.out.data() + c.out_off, c.out.size() - c.out_off, MSG_NOSIGNAL);
    if (n > 0) {
      c.out_off += static_cast<std::size_t>(n);
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      setWriteInterest(i, true);
      return;
    } else {
      ++r_.connection_errors;
      closeConnection(c, std::string("send: ") + std::strerror(errno));
      return;
    }
  }
  if (c.fd < 0) return;
  c.out.clear();
  c.out_off = 0;
  setWriteInterest(i, false);
}

void Driver::recordReply(Connection& c, Reply&& reply, Clock::time_point now) {
  const InFlight req = c.inflight.front();
  c.inflight.pop_front();
  last_progress_ = now;
  last_reply_ = now;
  if (reply.success) {
    ++r_.succeeded;
    ++resolved_;
    ++r_.status_counts[reply.status];
    r_.latencies_ns.push_back(
        std::chrono::duration_cast<std::chrono::nanoseconds>(now - req.sent).count());
  } else {
    recordFailure(reply.status, std::move(reply.detail));
  }
}

void Driver::processInput(Connection& c, Clock::time_point now) {
  for (;;) {
    Reply reply;
    const ResponseReader::Step step = c.reader->parse(c.in.view(), reply);
    switch (step) {
      case ResponseReader::Step::NeedMore:
        return;
      case ResponseReader::Step::Error:
        ++r_.connection_errors;
        closeConnection(c, "unparseable response: " + std::string(c.reader->error()));
        return;
      case ResponseReader::Step::Interim:
        c.in.consume(c.reader->consumed());
        continue;
      case ResponseReader::Step::Reply:
        break;
    }
    c.in.consume(c.reader->consumed());
    if (c.inflight.empty()) {
      ++r_.connection_errors;
      closeConnection(c, "a response arrived with no request outstanding");
      return;
    }
    const bool close_after = reply.close_after;
    recordReply(c, std::move(reply), now);
    if (close_after) {
      closeConnection(c, "the server closed the connection after a response");
      return;
    }
  }
}

void Driver::onReadable(Connection& c) {
  for (;;) {
    auto [p, cap] = c.in.writable(kReadChunk);
    const ssize_t n = ::recv(c.fd, p, cap, 0);
    if (n > 0) {
      c.in.commit(static_cast<std::size_t>(n));
      processInput(c, Clock::now());
      if (c.fd < 0) return;
      if (static_cast<std::size_t>(n) < cap) break;  // drained (level-triggered: more will wake us)
      continue;
    }
    if (n == 0) {
      Reply reply;
      if (c.reader->parseAtEof(c.in.view(), reply) == ResponseReader::Step::Reply &&
          !c.inflight.empty()) {
        recordReply(c, std::move(reply), Clock::now());
      }
      closeConnection(c, "connection closed by the server");
      return;
    }
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) break;
    ++r_.connection_errors;
    closeConnection(c, std::string("recv: ") + std::strerror(errno));
    return;
  }
  fill(c);
  flush(c);
}

Result<RunResult> Driver::run() {
  if (opt_.clients == 0 || opt_.pipeline == 0)
    return Error(ErrorCode::InvalidArgument, "clients and pipeline must be >= 1");
  ep_ = ::epoll_create1(EPOLL_CLOEXEC);
  if (ep_ < 0)
    return Error(ErrorCode::Internal, std::string("epoll_create1: ") + std::strerror(errno));
  conns_.resize(opt_.clients);

  // Connect everyone before the clock starts.
  unsigned open_count = 0;
  for (std::size_t i = 0; i < conns_.size(); ++i) open_count += open(i) ? 1 : 0;
  if (open_count == 0)
    return Error(ErrorCode::Unavailable, "cannot connect: " + last_connect_error_);

  const double cpu0 = cpuSeconds();
  const Clock::time_point start = Clock::now();
  last_progress_ = start;
  last_reply_ = start;
  for (Connection& c : conns_) {
    fill(c);
    flush(c);
  }

  std::vector<epoll_event> events(std::max<std::size_t>(conns_.size(), 16));
  while (!done()) {
    // Reopen closed connections while jobs remain to be issued.
    if (issued_ < opt_.jobs) {
      for (std::size_t i = 0; i < conns_.size(); ++i) {
        if (conns_[i].fd >= 0 || !opt_.reconnect) continue;
        if (open(i)) {
          fill(conns_[i]);
          flush(conns_[i]);
        }
      }
    }
    const bool any_open =
        std::any_of(conns_.begin(), conns_.end(), [](const Connection& c) { return c.fd >= 0; });
    if (!any_open) {
      r_.aborted = opt_.reconnect ? "no connection can be (re)opened: " + last_connect_error_
                                  : "every connection was closed by the server";
      break;
    }

    const auto idle = Clock::now() - last_progress_;
    if (idle >= opt_.stall_timeout) {
      r_.aborted = "no response for " + std::to_string(opt_.stall_timeout.count()) + " ms";
      break;
    }
    const auto wait =
        std::chrono::duration_cast<std::chrono::milliseconds>(opt_.stall_timeout - idle).count() +
        1;
    const int n = ::epoll_wait(ep_, events.data(), static_cast<int>(events.size()),
                               static_cast<int>(std::min<long long>(wait, 1000)));
    if (n < 0) {
      if (errno == EINTR) continue;
      r_.aborted = std::string("epoll_wait: ") + std::strerror(errno);
      break;
    }
    for (int k = 0; k < n; ++k) {
      Connection& c = conns_[events[static_cast<std::size_t>(k)].data.u64];
      const std::uint32_t ev = events[static_cast<std::size_t>(k)].events;
      if (c.fd < 0) continue;
      if ((ev & EPOLLOUT) != 0) flush(c);
      if (c.fd >= 0 && (ev & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) != 0) onReadable(c);
    }
  }

  // Whatever is still outstanding failed.
  for (Connection& c : conns_) closeConnection(c, r_.aborted.empty() ? "run ended" : r_.aborted);
  const std::uint64_t never_sent = opt_.jobs - issued_;
  if (never_sent > 0) {
    r_.failed += never_sent;
    r_.status_counts[0] += never_sent;
    if (!r_.first_failure) r_.first_failure = Failure{0, "never sent: " + r_.aborted};
  }
  r_.wall_seconds = std::chrono::duration<double>(last_reply_ - start).count();
  r_.client_cpu_seconds = cpuSeconds() - cpu0;
  return std::move(r_);
}

}  // namespace

Result<RunResult> runLoad(Target& target, const DriverOptions& options) {
  Driver driver(target, options);
  return driver.run();
}

}  // namespace cardd::bench
