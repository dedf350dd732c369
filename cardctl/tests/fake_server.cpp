#include "fake_server.hpp"

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cctype>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <stdexcept>
#include <utility>

namespace cardd::testing {

namespace {

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string trim(std::string s) {
  while (!s.empty() && (s.back() == ' ' || s.back() == '\r')) s.pop_back();
  while (!s.empty() && s.front() == ' ') s.erase(0, 1);
  return s;
}

std::string reason(int status) {
  switch (status) {
    case 200:
      return "OK";
    case 201:
      return "Created";
    case 400:
      return "Bad Request";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 409:
      return "Conflict";
    case 422:
      return "Unprocessable Content";
    case 500:
      return "Internal Server Error";
    case 503:
      return "Service Unavailable";
    default:
      return "Status";
  }
}

}  // namespace

TempDir::TempDir() {
  std::string tmpl = (std::filesystem::temp_directory_path() / "cardctl-test-XXXXXX").string();
  if (mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  path_ = tmpl;
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

std::optional<FakeRequest> FakeConnection::readRequest(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  auto fill = [&]() -> bool {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) return false;
    char buf[16384];
    ssize_t n = ::read(fd_, buf, sizeof buf);
    if (n <= 0) return false;
    pending_.append(buf, static_cast<std::size_t>(n));
    return true;
  };
  std::size_t end;
  while ((end = pending_.find("\r\n\r\n")) == std::string::npos) {
    if (!fill()) return std::nullopt;
  }
  FakeRequest req;
  std::string head = pending_.substr(0, end + 2);
  std::size_t pos = head.find("\r\n");
  std::string line = head.substr(0, pos);
  auto sp1 = line.find(' ');
  auto sp2 = line.rfind(' ');
  req.method = line.substr(0, sp1);
  req.target = line.substr(sp1 + 1, sp2 - sp1 - 1);
  pos += 2;
  while (pos < head.size()) {
    auto eol = head.find("\r\n", pos);
    std::string h = head.substr(pos, eol - pos);
    pos = eol + 2;
    auto colon = h.find(':');
    if (colon == std::string::npos) continue;
    req.headers[lower(h.substr(0, colon))] = trim(h.substr(colon + 1));
  }
  std::size_t length = 0;
  if (auto it = req.headers.find("content-length"); it != req.headers.end()) {
    length = std::stoul(it->second);
  }
  pending_.erase(0, end + 4);
  while (pending_.size() < length) {
    if (!fill()) return std::nullopt;
  }
  req.body = pending_.substr(0, length);
  pending_.erase(0, length);
  return req;
}

bool FakeConnection::write(std::string_view bytes) {
  while (!bytes.empty()) {
    ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n <= 0) return false;
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

std::string FakeConnection::readSome(std::chrono::milliseconds timeout) {
  if (!pending_.empty()) return std::exchange(pending_, {});
  pollfd p{fd_, POLLIN, 0};
  if (::poll(&p, 1, static_cast<int>(timeout.count())) <= 0) return {};
  char buf[16384];
  ssize_t n = ::read(fd_, buf, sizeof buf);
  return n <= 0 ? std::string() : std::string(buf, static_cast<std::size_t>(n));
}

void FakeConnection::close() {
  ::shutdown(fd_, SHUT_RDWR);
}

FakeServer::FakeServer(Handler handler) : handler_(std::move(handler)) {
  std::string tmpl = (std::filesystem::temp_directory_path() / "cardctl-fake-XXXXXX").string();
  if (mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  dir_ = tmpl;
  path_ = dir_ + "/api.sock";
  listen_fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, path_.c_str(), sizeof(addr.sun_path) - 1);
  if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::listen(listen_fd_, 16) != 0) {
    throw std::runtime_error("cannot listen on " + path_);
  }
  acceptor_ = std::thread([this] { acceptLoop(); });
}

FakeServer::~FakeServer() {
  stopping_ = true;
  ::shutdown(listen_fd_, SHUT_RDWR);
  acceptor_.join();
  {
    std::lock_guard<std::mutex> lock(mutex_);
    for (int fd : fds_) ::shutdown(fd, SHUT_RDWR);
  }
  for (auto& t : threads_) t.join();
  for (int fd : fds_) ::close(fd);
  ::close(listen_fd_);
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

void FakeServer::acceptLoop() {
  while (!stopping_) {
    int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) {
      if (stopping_ || errno != EINTR) return;
      continue;
    }
    ++connections_;
    std::lock_guard<std::mutex> lock(mutex_);
    fds_.push_back(fd);
    threads_.emplace_back([this, fd] {
      FakeConnection conn(fd);
      handler_(conn);
      ::shutdown(fd, SHUT_RDWR);
    });
  }
}

FakeServer::Handler FakeServer::routes(std::function<std::string(const FakeRequest&)> route,
                                       std::vector<FakeRequest>* log, std::mutex* log_mutex) {
  return [route = std::move(route), log, log_mutex](FakeConnection& conn) {
    while (auto req = conn.readRequest()) {
      if (log != nullptr) {
        std::lock_guard<std::mutex> lock(*log_mutex);
        log->push_back(*req);
      }
      if (!conn.write(route(*req))) return;
    }
  };
}

std::string httpResponse(int status, std::string_view content_type, std::string_view body,
                         std::string_view extra_headers) {
  std::string out = "HTTP/1.1 " + std::to_string(status) + " " + reason(status) + "\r\n";
  if (!content_type.empty()) out += "Content-Type: " + std::string(content_type) + "\r\n";
  out += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  out += extra_headers;
  out += "\r\n";
  out += body;
  return out;
}

std::string problemResponse(int status, std::string_view slug, std::string_view title,
                            std::string_view detail, std::string_view extra_members) {
  std::string body = "{\"type\":\"urn:cardd:problem:" + std::string(slug) + "\",\"title\":\"" +
                     std::string(title) + "\",\"status\":" + std::to_string(status) +
                     ",\"detail\":\"" + std::string(detail) + "\"";
  if (!extra_members.empty()) body += "," + std::string(extra_members);
  body += "}";
  return httpResponse(status, "application/problem+json", body);
}

}  // namespace cardd::testing
