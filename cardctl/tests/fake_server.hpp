#pragma once
// A scripted HTTP server on a unix socket in a temporary directory, for
// testing cardd_client and cardctl without the daemon. Plain blocking POSIX
// sockets (independent of the Beast code under test); one thread per accepted
// connection, each running the test's handler.

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace cardd::testing {

struct FakeRequest {
  std::string method;
  std::string target;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;
};

// One accepted connection, as seen by a handler.
class FakeConnection {
 public:
  explicit FakeConnection(int fd) : fd_(fd) {}
  // The next request (Content-Length bodies only); nullopt on EOF, error, or
  // after `timeout` without one.
  std::optional<FakeRequest> readRequest(
      std::chrono::milliseconds timeout = std::chrono::seconds(5));
  // Writes everything; false when the peer is gone.
  bool write(std::string_view bytes);
  // Reads whatever arrives within `timeout` ("" on EOF or timeout).
  std::string readSome(std::chrono::milliseconds timeout);
  void close();
  int fd() const { return fd_; }

 private:
  int fd_;
  std::string pending_;
};

class FakeServer {
 public:
  using Handler = std::function<void(FakeConnection&)>;
  // Listens on <tmpdir>/api.sock; every connection runs `handler`.
  explicit FakeServer(Handler handler);
  ~FakeServer();
  FakeServer(const FakeServer&) = delete;
  FakeServer& operator=(const FakeServer&) = delete;

  const std::string& path() const { return path_; }
  const std::string& dir() const { return dir_; }
  int connectionCount() const { return connections_.load(); }

  // A handler that answers requests on a keep-alive connection with `route`
  // until the client closes; every request is recorded (see requests()).
  static Handler routes(std::function<std::string(const FakeRequest&)> route,
                        std::vector<FakeRequest>* log = nullptr, std::mutex* log_mutex = nullptr);

 private:
  void acceptLoop();

  std::string dir_;
  std::string path_;
  int listen_fd_ = -1;
  Handler handler_;
  std::atomic<bool> stopping_{false};
  std::atomic<int> connections_{0};
  std::mutex mutex_;
  std::vector<int> fds_;
  std::vector<std::thread> threads_;
  std::thread acceptor_;
};

// "HTTP/1.1 <status> <reason>\r\nContent-Type: ...\r\nContent-Length: N\r\n<extra>\r\n<body>".
std::string httpResponse(int status, std::string_view content_type, std::string_view body,
                         std::string_view extra_headers = {});
// A problem+json response body and headers.
std::string problemResponse(int status, std::string_view slug, std::string_view title,
                            std::string_view detail, std::string_view extra_members = {});
// A temporary directory, removed with its contents by the destructor.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace cardd::testing
