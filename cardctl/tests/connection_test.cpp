// cardd_client against a scripted fake server: keep-alive requests, error
// values for every transport failure, raw access, and the event stream.

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>

#include "client/connection.hpp"
#include "client/problem.hpp"
#include "fake_server.hpp"

namespace cardd::client {
namespace {

using namespace std::chrono_literals;
using testing::FakeConnection;
using testing::FakeRequest;
using testing::FakeServer;
using testing::httpResponse;

Connection connectTo(const FakeServer& server, std::chrono::milliseconds timeout = 2s) {
  auto conn = Connection::connect(server.path(), timeout);
  if (!conn) ADD_FAILURE() << conn.error().message;
  return std::move(conn).value();
}

TEST(Connection, KeepAliveRequestsShareOneConnection) {
  std::vector<FakeRequest> log;
  std::mutex log_mutex;
  FakeServer server(FakeServer::routes(
      [](const FakeRequest& req) {
        return httpResponse(200, "application/json; charset=utf-8",
                            "{\"target\":\"" + req.target + "\"}", "X-Thing: a\r\nX-Thing: b\r\n");
      },
      &log, &log_mutex));
  Connection conn = connectTo(server);
  for (int i = 0; i < 3; ++i) {
    auto res = conn.request("GET", "/v1/_ping");
    ASSERT_TRUE(res.ok()) << res.error().message;
    EXPECT_EQ(res->status, 200);
    EXPECT_EQ(res->content_type, "application/json");
    EXPECT_EQ(res->headers.at("content-type"), "application/json; charset=utf-8");
    EXPECT_EQ(res->header("X-THING"), "a, b");
    auto json = res->json();
    ASSERT_TRUE(json.ok());
    EXPECT_EQ(json->at("target").as_string(), "/v1/_ping");
  }
  EXPECT_EQ(server.connectionCount(), 1);
  std::lock_guard<std::mutex> lock(log_mutex);
  ASSERT_EQ(log.size(), 3U);
  EXPECT_EQ(log[0].headers.at("host"), "localhost");
  EXPECT_EQ(log[0].headers.count("content-type"), 0U);  // no body, no content type
}

TEST(Connection, SendsBodyContentTypeAndExtraHeaders) {
  std::vector<FakeRequest> log;
  std::mutex log_mutex;
  FakeServer server(FakeServer::routes(
      [](const FakeRequest&) { return httpResponse(201, "application/json", "{}"); }, &log,
      &log_mutex));
  Connection conn = connectTo(server);
  auto res = conn.request("POST", "/v1/jobs", "{\"a\":1}", "application/json",
                          {{"X-Request-Id", "42"}, {"Host", "cardd"}});
  ASSERT_TRUE(res.ok()) << res.error().message;
  EXPECT_EQ(res->status, 201);
  auto empty = conn.request("POST", "/v1/jobs/7/cancel");
  ASSERT_TRUE(empty.ok());
  std::lock_guard<std::mutex> lock(log_mutex);
  ASSERT_EQ(log.size(), 2U);
  EXPECT_EQ(log[0].method, "POST");
  EXPECT_EQ(log[0].body, "{\"a\":1}");
  EXPECT_EQ(log[0].headers.at("content-type"), "application/json");
  EXPECT_EQ(log[0].headers.at("x-request-id"), "42");
  EXPECT_EQ(log[0].headers.at("host"), "cardd");
  EXPECT_EQ(log[1].headers.at("content-length"), "0");
  EXPECT_EQ(log[1].headers.count("content-type"), 0U);
}

TEST(Connection, ReadsChunkedResponses) {
  FakeServer server(FakeServer::routes([](const FakeRequest&) {
    return std::string(
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
        "5\r\n{\"a\":\r\n3\r\n 1}\r\n0\r\n\r\n");
  }));
  Connection conn = connectTo(server);
  auto res = conn.request("GET", "/x");
  ASSERT_TRUE(res.ok()) << res.error().message;
  EXPECT_EQ(res->body, "{\"a\": 1}");
  auto again = conn.request("GET", "/x");
  ASSERT_TRUE(again.ok());
}

TEST(Connection, ProblemResponsesAreValuesNotErrors) {
  FakeServer server(FakeServer::routes([](const FakeRequest&) {
    return testing::problemResponse(403, "forbidden", "Forbidden", "needs a supervisor",
                                    "\"required_roles\":[\"supervisor\",\"admin\"]");
  }));
  Connection conn = connectTo(server);
  auto res = conn.request("POST", "/v1/jobs/1/cancel");
  ASSERT_TRUE(res.ok());
  EXPECT_EQ(res->status, 403);
  auto problem = parseProblem(*res);
  ASSERT_TRUE(problem.has_value());
  EXPECT_EQ(problem->slug, "forbidden");
  EXPECT_EQ(problem->required_roles, (std::vector<std::string>{"supervisor", "admin"}));
}

TEST(Connection, MissingSocketIsUnavailable) {
  testing::TempDir dir;
  const std::string path = dir.path() + "/api.sock";
  auto conn = Connection::connect(path, 1s);
  ASSERT_FALSE(conn.ok());
  EXPECT_EQ(conn.error().code, ErrorCode::Unavailable);
  EXPECT_EQ(conn.error().message, "cardd is not running (no socket at " + path + ")");
}

// A socket file nobody listens on: bound, then closed.
std::string deadSocket(const std::string& dir) {
  std::string path = dir + "/api.sock";
  int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, path.c_str(), sizeof(addr.sun_path) - 1);
  EXPECT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ::close(fd);
  return path;
}

TEST(Connection, RefusedSocketIsUnavailable) {
  testing::TempDir dir;
  const std::string path = deadSocket(dir.path());
  auto conn = Connection::connect(path, 1s);
  ASSERT_FALSE(conn.ok());
  EXPECT_EQ(conn.error().code, ErrorCode::Unavailable);
  EXPECT_EQ(conn.error().message, "cardd is not running (connection refused at " + path + ")");
}

TEST(Connection, PermissionDeniedIsForbidden) {
  // A listening socket only its owner (root) may use; the client runs as
  // nobody in a child process. Without root, the socket mode alone is enough.
  testing::TempDir dir;
  const std::string path = dir.path() + "/api.sock";
  int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, path.c_str(), sizeof(addr.sun_path) - 1);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(::listen(fd, 4), 0);
  ASSERT_EQ(::chmod(dir.path().c_str(), 0755), 0);
  ASSERT_EQ(::chmod(path.c_str(), 0600), 0);
  if (::geteuid() != 0) {
    ASSERT_EQ(::chmod(path.c_str(), 0000), 0);
  }
  pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    if (::geteuid() == 0 && (::setgid(65534) != 0 || ::setuid(65534) != 0)) ::_exit(10);
    auto conn = Connection::connect(path, 1s);
    if (conn.ok()) ::_exit(11);
    if (conn.error().code != ErrorCode::Forbidden) ::_exit(12);
    if (conn.error().message != "permission denied on " + path) ::_exit(13);
    ::_exit(0);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  ::close(fd);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0) << "10 setuid, 11 connected, 12 wrong code, 13 wrong message";
}

TEST(Connection, RequestTimeoutIsAnErrorValueAndClosesTheConnection) {
  FakeServer server([](FakeConnection& c) {
    c.readRequest();
    c.readSome(2s);  // never answer
  });
  Connection conn = connectTo(server, 200ms);
  const auto start = std::chrono::steady_clock::now();
  auto res = conn.request("GET", "/slow");
  ASSERT_FALSE(res.ok());
  EXPECT_TRUE(isTimeout(res.error()));
  EXPECT_LT(std::chrono::steady_clock::now() - start, 1500ms);
  EXPECT_FALSE(conn.isOpen());
  auto next = conn.request("GET", "/slow");
  ASSERT_FALSE(next.ok());
  EXPECT_EQ(next.error().code, ErrorCode::Unavailable);
}

TEST(Connection, PeerClosingMidResponseIsAnErrorValue) {
  FakeServer server([](FakeConnection& c) {
    c.readRequest();
    c.write("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nshort");
    c.close();
  });
  Connection conn = connectTo(server);
  auto res = conn.request("GET", "/x");
  ASSERT_FALSE(res.ok());
  EXPECT_EQ(res.error().code, ErrorCode::Unavailable);
  EXPECT_EQ(res.error().message, "connection closed by cardd");
}

TEST(Connection, RequestAfterPeerClosedIsAnErrorValue) {
  FakeServer server([](FakeConnection& c) {
    c.readRequest();
    c.write(httpResponse(200, "application/json", "{}"));
    c.close();
  });
  Connection conn = connectTo(server);
  ASSERT_TRUE(conn.request("GET", "/x").ok());
  std::this_thread::sleep_for(50ms);
  // A large body makes the write itself fail (EPIPE), which must not raise SIGPIPE.
  auto res = conn.request("POST", "/x", std::string(1 << 20, 'x'));
  ASSERT_FALSE(res.ok());
  EXPECT_EQ(res.error().code, ErrorCode::Unavailable);
}

TEST(Connection, ConnectionCloseHeaderEndsTheConnection) {
  FakeServer server(FakeServer::routes([](const FakeRequest&) {
    return httpResponse(200, "application/json", "{}", "Connection: close\r\n");
  }));
  Connection conn = connectTo(server);
  ASSERT_TRUE(conn.request("GET", "/x").ok());
  auto res = conn.request("GET", "/x");
  ASSERT_FALSE(res.ok());
  EXPECT_EQ(res.error().message, "connection closed by cardd");
}

TEST(Connection, GarbageIsAnInternalError) {
  FakeServer server([](FakeConnection& c) {
    c.readRequest();
    c.write("SMTP ready\r\n\r\n");
    c.readSome(1s);
  });
  Connection conn = connectTo(server);
  auto res = conn.request("GET", "/x");
  ASSERT_FALSE(res.ok());
  EXPECT_EQ(res.error().code, ErrorCode::Internal);
}

TEST(Connection, RawSendAndReadSome) {
  FakeServer server([](FakeConnection& c) {
    std::string got = c.readSome(2s);
    c.write("echo:" + got);
    c.close();
  });
  Connection conn = connectTo(server);
  ASSERT_TRUE(conn.sendRaw("GET / HTTP/1.0\r\n\r\n").ok());
  std::string all;
  for (;;) {
    auto part = conn.readSome(2s);
    ASSERT_TRUE(part.ok()) << part.error().message;
    if (part->empty()) break;  // EOF
    all += *part;
  }
  EXPECT_EQ(all, "echo:GET / HTTP/1.0\r\n\r\n");
  // The end of the stream stays the end: later reads return "" at once.
  const auto before = std::chrono::steady_clock::now();
  auto again = conn.readSome(2s);
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again->empty());
  EXPECT_LT(std::chrono::steady_clock::now() - before, 1s);
}

TEST(Connection, ReadSomeTimeoutKeepsTheConnection) {
  FakeServer server([](FakeConnection& c) {
    c.readSome(2s);  // wait for "go"
    c.write("late");
    c.readSome(2s);
  });
  Connection conn = connectTo(server);
  auto early = conn.readSome(50ms);
  ASSERT_FALSE(early.ok());
  EXPECT_TRUE(isTimeout(early.error()));
  ASSERT_TRUE(conn.sendRaw("go").ok());
  auto late = conn.readSome(2s);
  ASSERT_TRUE(late.ok());
  EXPECT_EQ(*late, "late");
}

TEST(Connection, MovedFromConnectionFailsCleanly) {
  FakeServer server(
      FakeServer::routes([](const FakeRequest&) { return httpResponse(200, "", ""); }));
  Connection a = connectTo(server);
  Connection b = std::move(a);
  EXPECT_TRUE(b.request("GET", "/").ok());
  auto res =
      a.request("GET", "/");  // NOLINT(bugprone-use-after-move,clang-analyzer-cplusplus.Move)
  ASSERT_FALSE(res.ok());
  EXPECT_EQ(res.error().code, ErrorCode::InvalidArgument);
}

// --- Event stream ---

const char* const kSseHeader =
    "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\n"
    "Transfer-Encoding: chunked\r\n\r\n";

std::string chunk(std::string_view data) {
  char size[32];
  std::snprintf(size, sizeof size, "%zx\r\n", data.size());
  return std::string(size) + std::string(data) + "\r\n";
}

TEST(EventStream, ReadsEventsSkipsHeartbeatsAndTimesOutWithoutLoss) {
  std::string target;
  std::string accept;
  FakeServer server([&](FakeConnection& c) {
    auto req = c.readRequest();
    if (!req) return;
    target = req->target;
    accept = req->headers["accept"];
    c.write(kSseHeader);
    c.write(chunk("id: 4\nevent: job-created\ndata: {\"seq\":4}\n\n: keepalive\n\n"));
    // An event split across chunks, with CRLF line ends.
    c.write(chunk("id: 5\r\nevent: job-state-changed\r\nda"));
    std::this_thread::sleep_for(300ms);
    c.write(chunk("ta: {\"seq\":5}\r\n\r\n"));
    c.readSome(2s);
  });
  Connection conn = connectTo(server);
  ASSERT_TRUE(conn.openEventStream("/v1/events?since=3").ok());
  auto first = conn.nextEvent(2s);
  ASSERT_TRUE(first.ok()) << first.error().message;
  EXPECT_EQ(first->id, 4U);
  EXPECT_EQ(first->event, "job-created");
  EXPECT_EQ(first->data, "{\"seq\":4}");
  auto timeout = conn.nextEvent(100ms);
  ASSERT_FALSE(timeout.ok());
  EXPECT_TRUE(isTimeout(timeout.error()));
  EXPECT_EQ(timeout.error().code, ErrorCode::Unavailable);
  EXPECT_EQ(timeout.error().message, "timeout");
  auto second = conn.nextEvent(2s);
  ASSERT_TRUE(second.ok()) << second.error().message;
  EXPECT_EQ(second->id, 5U);
  EXPECT_EQ(second->data, "{\"seq\":5}");
  EXPECT_EQ(target, "/v1/events?since=3");
  EXPECT_EQ(accept, "text/event-stream");
  // No plain request while the stream owns the connection.
  EXPECT_FALSE(conn.request("GET", "/v1/_ping").ok());
}

TEST(EventStream, CloseDelimitedStreamEndsWithAnError) {
  FakeServer server([](FakeConnection& c) {
    c.readRequest();
    c.write("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nConnection: close\r\n\r\n");
    c.write("id: 1\ndata: a\n\nid: 2\ndata: b\n\n");
    c.close();
  });
  Connection conn = connectTo(server);
  ASSERT_TRUE(conn.openEventStream("/v1/events?since=0").ok());
  auto a = conn.nextEvent(2s);
  auto b = conn.nextEvent(2s);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->data, "a");
  EXPECT_EQ(b->id, 2U);
  auto end = conn.nextEvent(2s);
  ASSERT_FALSE(end.ok());
  EXPECT_EQ(end.error().code, ErrorCode::Unavailable);
  EXPECT_FALSE(isTimeout(end.error()));
}

TEST(EventStream, ProblemInsteadOfStreamIsAnError) {
  FakeServer server(FakeServer::routes([](const FakeRequest&) {
    return testing::problemResponse(403, "forbidden", "Forbidden", "operators may not",
                                    "\"required_roles\":[\"admin\"]");
  }));
  Connection conn = connectTo(server);
  Status st = conn.openEventStream("/v1/events");
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, ErrorCode::Forbidden);
  EXPECT_EQ(st.error().message, "operators may not");
  // The connection is still in step: a plain request works.
  auto res = conn.request("GET", "/v1/_ping");
  ASSERT_TRUE(res.ok());
  EXPECT_EQ(res->status, 403);
}

}  // namespace
}  // namespace cardd::client
