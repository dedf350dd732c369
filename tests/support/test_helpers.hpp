#pragma once
// Shared helpers for tests that talk to a real cardd: paths from the build,
// sample job bodies, polling with a deadline, request/JSON shortcuts and a
// raw HTTP/1.1 response reader for protocol-level tests.
//
// Failure style: helpers that return a value throw TestFailure when they
// cannot (GoogleTest reports an exception escaping a test body as a failure
// with its message); checks return testing::AssertionResult for EXPECT_TRUE.

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include "client/connection.hpp"
#include "client/response.hpp"

namespace cardd::test {

using namespace std::chrono_literals;

struct TestFailure : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// The source tree and the cardd binary under test (from CMake).
std::string sourceDir();
std::string daemonBinary();

// The whole file, or "" when it cannot be read.
std::string readFile(const std::string& path);

// Polls `condition` every `poll` until it holds (true) or `timeout` passes
// (false). The condition is always evaluated at least once.
bool waitFor(const std::function<bool()>& condition, std::chrono::milliseconds timeout,
             std::chrono::milliseconds poll = 10ms);

// tests/data/jobs/sample-job.json (with idempotency_key and two
// fingerprints) and minimal-job.json (no key, no fingerprints), as text and
// as objects to modify.
std::string sampleJobText();
std::string minimalJobText();
boost::json::object sampleJob();
boost::json::object minimalJob();
// minimal-job.json with the given idempotency_key (and, optionally, priority).
std::string jobWithKey(const std::string& key, int priority = 50);
std::string toText(const boost::json::value& v);
// A member of a JSON object: its string ("" when absent or not a string),
// its integer (-1 when absent or not a number; doubles are truncated).
std::string textField(const boost::json::object& o, std::string_view key);
std::int64_t intField(const boost::json::object& o, std::string_view key);

// Connects or throws TestFailure. `timeout` is also the per-request timeout.
client::Connection connectTo(const std::string& socket_path,
                             std::chrono::milliseconds timeout = 10s);
// request() or throws TestFailure on a transport error (an HTTP error status is returned).
client::Response call(client::Connection& conn, std::string_view method, std::string_view target,
                      std::string_view body = {},
                      std::string_view content_type = "application/json",
                      const client::Headers& headers = {});
// One request on a fresh connection.
client::Response callOnce(const std::string& socket_path, std::string_view method,
                          std::string_view target, std::string_view body = {},
                          std::string_view content_type = "application/json",
                          const client::Headers& headers = {});

// The body as a JSON object, or throws TestFailure.
boost::json::object jsonObject(const client::Response& res);
// The id of a job body.
std::int64_t jobId(const client::Response& res);

// A response with `status`, and an RFC 9457 problem body as cardd's
// contract says: Content-Type application/problem+json, JSON object,
// "type" = "urn:cardd:problem:<slug>" (any slug when `slug` is empty),
// non-empty "title", and "status" equal to the HTTP status.
testing::AssertionResult isProblem(const client::Response& res, int status,
                                   std::string_view slug = {});
// Same, for any 4xx status.
testing::AssertionResult isClientErrorProblem(const client::Response& res);
// The problem's "errors" holds an entry with this JSON pointer.
testing::AssertionResult hasFieldError(const client::Response& res, std::string_view pointer);

// GET /v1/_ping on a fresh connection answers 200 {"service":"cardd",...}.
testing::AssertionResult pingOk(const std::string& socket_path);
// A valid submit (minimal job, fresh connection) answers 201 with a Location.
testing::AssertionResult submitOk(const std::string& socket_path);

// --- raw HTTP -----------------------------------------------------------------

struct RawResponse {
  std::string status_line;
  int status = 0;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;
  std::string header(std::string_view name) const;
  // As a client::Response, for isProblem() and friends.
  client::Response toResponse() const;
};

// Reads HTTP/1.1 responses (with Content-Length bodies, as cardd sends them)
// from a connection used with sendRaw(); keeps leftovers for pipelining.
class RawReader {
 public:
  explicit RawReader(client::Connection& conn) : conn_(conn) {}
  // The next response; nullopt when the peer closed (or reset) first, with
  // `why` saying what happened. Throws TestFailure on a timeout.
  std::optional<RawResponse> next(std::chrono::milliseconds timeout, std::string* why = nullptr);
  // True when the peer closes the connection (EOF or reset) within
  // `timeout`; bytes that arrive meanwhile are appended to `extra`.
  bool waitForClose(std::chrono::milliseconds timeout, std::string* extra = nullptr);

 private:
  client::Connection& conn_;
  std::string buf_;
};

}  // namespace cardd::test
