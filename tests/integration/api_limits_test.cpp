// Per-connection limits of the API (docs/config-reference.md, "api"):
// body size (413), header size (431), request timeout (408), idle timeout
// (close, no response), connection count (503 + Retry-After). After each,
// the daemon still answers /v1/_ping.
//
// Timing checks use generous upper bounds (a loaded 2-core machine) and
// loose lower bounds (never "too early" by more than half the limit).

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include "client/connection.hpp"
#include "daemon_process.hpp"
#include "test_helpers.hpp"

namespace cardd::test {
namespace {

namespace json = boost::json;
using client::Connection;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr std::size_t kMaxBody = 2048;
constexpr milliseconds kRequestTimeout{500};
constexpr milliseconds kIdleTimeout{1000};
constexpr milliseconds kSlack{10000};

milliseconds since(Clock::time_point t) {
  return std::chrono::duration_cast<milliseconds>(Clock::now() - t);
}

// minimal-job.json padded with trailing whitespace to exactly `size` bytes.
std::string jobOfSize(std::size_t size) {
  std::string body = minimalJobText();
  while (!body.empty() && (body.back() == '\n' || body.back() == ' ')) body.pop_back();
  if (body.size() > size)
    throw TestFailure("the minimal job is already larger than " + std::to_string(size));
  body.append(size - body.size(), ' ');
  return body;
}

class ApiLimitsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto& api = daemon_.config().api;
    api["max_body_bytes"] = std::to_string(kMaxBody);
    api["max_header_bytes"] = "1024";
    api["request_timeout"] = "500ms";
    api["idle_timeout"] = "1s";
    api["max_connections"] = "4";
    ASSERT_TRUE(daemon_.start());
  }

  // A response to raw bytes, which must be a problem with `status`/`slug`
  // and close the connection.
  void expectProblemThenClose(const std::string& bytes, int status, const std::string& slug) {
    auto conn = connectTo(daemon_.socketPath());
    ASSERT_TRUE(conn.sendRaw(bytes).ok());
    RawReader reader(conn);
    std::string why;
    auto res = reader.next(kSlack, &why);
    ASSERT_TRUE(res.has_value()) << "no response: " << why;
    EXPECT_TRUE(isProblem(res->toResponse(), status, slug));
    EXPECT_EQ(res->header("connection"), "close");
    EXPECT_TRUE(reader.waitForClose(kSlack)) << "the connection stays open after " << status;
  }

  DaemonProcess daemon_;
};

TEST_F(ApiLimitsTest, BodyAtTheLimitIsAcceptedOneByteMoreIs413) {
  auto conn = connectTo(daemon_.socketPath());
  auto ok = call(conn, "POST", "/v1/jobs", jobOfSize(kMaxBody));
  EXPECT_EQ(ok.status, 201) << ok.body;
  auto big = call(conn, "POST", "/v1/jobs", jobOfSize(kMaxBody + 1));
  EXPECT_TRUE(isProblem(big, 413, "payload-too-large"));
  EXPECT_EQ(big.header("connection"), "close");
  EXPECT_TRUE(pingOk(daemon_.socketPath()));
  // Nothing was stored for the refused body.
  auto list = jsonObject(callOnce(daemon_.socketPath(), "GET", "/v1/jobs", {}, {}));
  EXPECT_EQ(list.at("jobs").as_array().size(), 1u);
}

TEST_F(ApiLimitsTest, ContentLengthOverTheLimitIs413WithoutWaitingForTheBody) {
  // Only the header: cardd must answer from the Content-Length alone.
  expectProblemThenClose(
      "POST /v1/jobs HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: "
      "1000000\r\n\r\n",
      413, "payload-too-large");
  // With (part of) the body sent.
  expectProblemThenClose(
      "POST /v1/jobs HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: "
      "3000\r\n\r\n" +
          std::string(3000, ' '),
      413, "payload-too-large");
  EXPECT_TRUE(pingOk(daemon_.socketPath()));
}

TEST_F(ApiLimitsTest, ChunkedBodyGrowingOverTheLimitIs413) {
  std::string bytes =
      "POST /v1/jobs HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: "
      "chunked\r\n\r\n";
  for (int i = 0; i < 6; ++i)
    bytes += "200\r\n" + std::string(512, ' ') + "\r\n";  // 3 KiB in 512-byte chunks
  bytes += "0\r\n\r\n";
  expectProblemThenClose(bytes, 413, "payload-too-large");
  EXPECT_TRUE(pingOk(daemon_.socketPath()));

  // A small chunked body is fine.
  const std::string job = minimalJobText();
  std::string small =
      "POST /v1/jobs HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: "
      "chunked\r\n\r\n";
  const std::size_t half = job.size() / 2;
  auto hex = [](std::size_t n) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%zx", n);
    return std::string(buf);
  };
  small += hex(half) + "\r\n" + job.substr(0, half) + "\r\n";
  small += hex(job.size() - half) + "\r\n" + job.substr(half) + "\r\n0\r\n\r\n";
  auto conn = connectTo(daemon_.socketPath());
  ASSERT_TRUE(conn.sendRaw(small).ok());
  RawReader reader(conn);
  auto res = reader.next(kSlack);
  ASSERT_TRUE(res.has_value());
  EXPECT_EQ(res->status, 201) << res->body;
}

TEST_F(ApiLimitsTest, OversizedHeadersAre431) {
  auto conn = connectTo(daemon_.socketPath());
  // Headers well under the limit are fine.
  auto fine = call(conn, "GET", "/v1/_ping", {}, {}, {{"X-Pad", std::string(600, 'a')}});
  EXPECT_EQ(fine.status, 200);
  // One big header.
  auto big = call(conn, "GET", "/v1/_ping", {}, {}, {{"X-Pad", std::string(1500, 'a')}});
  EXPECT_TRUE(isProblem(big, 431, "header-too-large"));
  EXPECT_EQ(big.header("connection"), "close");
  EXPECT_TRUE(pingOk(daemon_.socketPath()));

  // A huge request line.
  {
    SCOPED_TRACE("a 2 KiB request line");
    expectProblemThenClose(
        "GET /v1/_ping?" + std::string(2000, 'q') + " HTTP/1.1\r\nHost: x\r\n\r\n", 431,
        "header-too-large");
  }
  // Many small headers adding up: twice the limit, then just over it.
  // max_header_bytes counts the request line plus all headers.
  for (const int count : {110, 60}) {
    std::string bytes = "GET /v1/_ping HTTP/1.1\r\nHost: x\r\n";
    for (int i = 0; i < count; ++i) bytes += "X-H" + std::to_string(100 + i) + ": 0123456789\r\n";
    bytes += "\r\n";
    SCOPED_TRACE(std::to_string(count) + " headers, a " + std::to_string(bytes.size()) +
                 "-byte header block (max_header_bytes 1024)");
    ASSERT_GT(bytes.size(), 1100u);
    expectProblemThenClose(bytes, 431, "header-too-large");
  }
  EXPECT_TRUE(pingOk(daemon_.socketPath()));
}

TEST_F(ApiLimitsTest, StalledRequestGets408AfterTheRequestTimeout) {
  const std::vector<std::pair<std::string, std::string>> stalls{
      {"in the headers", "POST /v1/jobs HTTP/1.1\r\nHost: x\r\nContent-Ty"},
      {"in the body",
       "POST /v1/jobs HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: "
       "100\r\n\r\n{\"templ"},
      {"in the request line", "GET /v1/_pi"},
  };
  for (const auto& [where, bytes] : stalls) {
    SCOPED_TRACE("stalled " + where);
    auto conn = connectTo(daemon_.socketPath());
    ASSERT_TRUE(conn.sendRaw(bytes).ok());
    const auto sent = Clock::now();
    RawReader reader(conn);
    std::string why;
    auto res = reader.next(kRequestTimeout + kSlack, &why);
    const auto elapsed = since(sent);
    ASSERT_TRUE(res.has_value()) << "no 408 response: " << why;
    EXPECT_TRUE(isProblem(res->toResponse(), 408, "request-timeout"));
    EXPECT_GE(elapsed, kRequestTimeout / 2) << "408 came too early";
    EXPECT_LE(elapsed, kRequestTimeout + kSlack);
    EXPECT_EQ(res->header("connection"), "close");
    EXPECT_TRUE(reader.waitForClose(kSlack));
  }
  EXPECT_TRUE(pingOk(daemon_.socketPath()));
}

TEST_F(ApiLimitsTest, TrickleThatNeverCompletesStillTimesOut) {
  // Bytes keep arriving, but the request never completes: the timeout
  // bounds the whole request, not the gap between bytes.
  auto conn = connectTo(daemon_.socketPath());
  ASSERT_TRUE(conn.sendRaw("POST /v1/jobs HTTP/1.1\r\nHost: x\r\n").ok());
  const auto start = Clock::now();
  bool answered = false;
  std::string got;
  while (since(start) < kRequestTimeout + kSlack) {
    if (!conn.sendRaw("X-Slow: 1\r\n").ok()) {
      answered = true;  // cardd closed on us; read what it said
      break;
    }
    auto r = conn.readSome(100ms);
    if (r && !r->empty()) {
      got += *r;
      answered = true;
      break;
    }
    if (!r && !client::isTimeout(r.error())) {
      answered = true;
      break;
    }
  }
  ASSERT_TRUE(answered) << "a trickling request was never cut off";
  auto rest = conn.readSome(kSlack);
  if (rest) got += *rest;
  EXPECT_NE(got.find(" 408 "), std::string::npos) << got;
  EXPECT_TRUE(pingOk(daemon_.socketPath()));
}

TEST_F(ApiLimitsTest, IdleKeepAliveConnectionIsClosedAfterIdleTimeout) {
  auto conn = connectTo(daemon_.socketPath());
  ASSERT_EQ(call(conn, "GET", "/v1/_ping", {}, {}).status, 200);
  const auto answered = Clock::now();
  RawReader reader(conn);
  std::string extra;
  EXPECT_TRUE(reader.waitForClose(kIdleTimeout + kSlack, &extra)) << "idle connection never closed";
  const auto elapsed = since(answered);
  EXPECT_TRUE(extra.empty()) << "an idle close sends no response, got: " << extra;
  EXPECT_GE(elapsed, kIdleTimeout / 2) << "closed too early";

  // A connection that never sends anything is closed the same way.
  auto silent = connectTo(daemon_.socketPath());
  RawReader silent_reader(silent);
  extra.clear();
  EXPECT_TRUE(silent_reader.waitForClose(kIdleTimeout + kSlack, &extra));
  EXPECT_TRUE(extra.empty()) << extra;
  EXPECT_TRUE(pingOk(daemon_.socketPath()));
}

TEST_F(ApiLimitsTest, ActiveConnectionIsNotClosedByTheIdleTimeout) {
  // Requests every 250 ms for 2.5 idle timeouts: each one restarts the idle clock.
  auto conn = connectTo(daemon_.socketPath());
  const auto start = Clock::now();
  int n = 0;
  while (since(start) < kIdleTimeout * 5 / 2) {
    auto res = conn.request("GET", "/v1/_ping", {}, {});
    ASSERT_TRUE(res.ok()) << "request " << n << " after " << since(start).count()
                          << " ms: " << res.error().message;
    ASSERT_EQ(res->status, 200);
    ++n;
    std::this_thread::sleep_for(250ms);
  }
  EXPECT_GE(n, 5);
}

// The connection limit. This daemon keeps the small body/header limits but
// long timeouts, so the four held connections cannot be closed as idle
// while the test (on a loaded machine) opens the fifth.
TEST(ApiConnectionLimitTest, FifthConnectionGets503WithRetryAfter) {
  DaemonProcess daemon;
  auto& api = daemon.config().api;
  api["max_body_bytes"] = "2048";
  api["max_header_bytes"] = "1024";
  api["request_timeout"] = "30s";
  api["idle_timeout"] = "60s";
  api["max_connections"] = "4";
  ASSERT_TRUE(daemon.start());

  // Hold four working connections. The readiness probe's connection may
  // still be counted for a moment after start(): retry until one is served.
  std::vector<Connection> held;
  for (int i = 0; i < 4; ++i) {
    std::string last;
    const bool got = waitFor(
        [&] {
          auto c = connectTo(daemon.socketPath());
          auto res = c.request("GET", "/v1/_ping", {}, {});
          if (res && res->status == 200) {
            held.push_back(std::move(c));
            return true;
          }
          last =
              res ? "HTTP " + std::to_string(res->status) + " " + res->body : res.error().message;
          return false;
        },
        kSlack, 50ms);
    ASSERT_TRUE(got) << "connection " << i + 1 << " of 4: " << last;
  }

  auto refusedOnce = [&]() -> testing::AssertionResult {
    auto fifth = connectTo(daemon.socketPath());
    RawReader reader(fifth);
    std::string why;
    auto res = reader.next(kSlack, &why);
    if (!res) return testing::AssertionFailure() << "the 5th connection got no response: " << why;
    auto verdict = isProblem(res->toResponse(), 503, "too-many-connections");
    if (!verdict) return verdict;
    if (res->header("retry-after").empty()) return testing::AssertionFailure() << "no Retry-After";
    if (!reader.waitForClose(kSlack))
      return testing::AssertionFailure() << "the 5th connection stays open";
    return testing::AssertionSuccess();
  };
  EXPECT_TRUE(refusedOnce());
  EXPECT_TRUE(refusedOnce()) << "still refused while four are held";

  // The held connections keep working.
  for (auto& c : held) EXPECT_EQ(call(c, "GET", "/v1/_ping", {}, {}).status, 200);

  // Closing one frees a slot (the session ends asynchronously: poll).
  held.pop_back();
  EXPECT_TRUE(waitFor([&] { return pingOk(daemon.socketPath()); }, kSlack))
      << "a slot was not freed after a client closed its connection";
  held.clear();
  EXPECT_TRUE(waitFor([&] { return submitOk(daemon.socketPath()); }, kSlack));
}

}  // namespace
}  // namespace cardd::test
