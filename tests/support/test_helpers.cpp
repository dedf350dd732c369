#include "test_helpers.hpp"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <sstream>
#include <thread>

namespace cardd::test {
namespace {

namespace json = boost::json;
using Clock = std::chrono::steady_clock;

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

json::object parseObjectFile(const std::string& path) {
  const std::string text = readFile(path);
  boost::system::error_code ec;
  auto v = json::parse(text, ec);
  if (ec || !v.is_object()) throw TestFailure("cannot read the JSON object in " + path);
  return v.get_object();
}

std::string clip(std::string_view s, std::size_t n = 400) {
  if (s.size() <= n) return std::string(s);
  return std::string(s.substr(0, n)) + "...";
}

}  // namespace

std::string sourceDir() {
  return CARDD_TEST_SOURCE_DIR;
}
std::string daemonBinary() {
  return CARDD_TEST_DAEMON_BINARY;
}

std::string readFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return {};
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

bool waitFor(const std::function<bool()>& condition, std::chrono::milliseconds timeout,
             std::chrono::milliseconds poll) {
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    if (condition()) return true;
    if (Clock::now() >= deadline) return false;
    std::this_thread::sleep_for(poll);
  }
}

std::string sampleJobText() {
  return readFile(sourceDir() + "/tests/data/jobs/sample-job.json");
}
std::string minimalJobText() {
  return readFile(sourceDir() + "/tests/data/jobs/minimal-job.json");
}
json::object sampleJob() {
  return parseObjectFile(sourceDir() + "/tests/data/jobs/sample-job.json");
}
json::object minimalJob() {
  return parseObjectFile(sourceDir() + "/tests/data/jobs/minimal-job.json");
}

std::string jobWithKey(const std::string& key, int priority) {
  auto job = minimalJob();
  job["idempotency_key"] = key;
  job["priority"] = priority;
  return json::serialize(job);
}

std::string toText(const json::value& v) {
  return json::serialize(v);
}

std::string textField(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  return v != nullptr && v->is_string() ? std::string(v->as_string()) : std::string();
}

std::int64_t intField(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  if (v == nullptr) return -1;
  if (v->is_int64()) return v->as_int64();
  if (v->is_uint64()) return static_cast<std::int64_t>(v->as_uint64());
  if (v->is_double()) return static_cast<std::int64_t>(v->as_double());
  return -1;
}

client::Connection connectTo(const std::string& socket_path, std::chrono::milliseconds timeout) {
  auto conn = client::Connection::connect(socket_path, timeout);
  if (!conn) throw TestFailure("cannot connect to " + socket_path + ": " + conn.error().message);
  return std::move(conn).value();
}

client::Response call(client::Connection& conn, std::string_view method, std::string_view target,
                      std::string_view body, std::string_view content_type,
                      const client::Headers& headers) {
  auto res = conn.request(method, target, body, content_type, headers);
  if (!res) {
    throw TestFailure(std::string(method) + " " + std::string(target) +
                      " failed: " + res.error().message);
  }
  return std::move(res).value();
}

client::Response callOnce(const std::string& socket_path, std::string_view method,
                          std::string_view target, std::string_view body,
                          std::string_view content_type, const client::Headers& headers) {
  auto conn = connectTo(socket_path);
  return call(conn, method, target, body, content_type, headers);
}

json::object jsonObject(const client::Response& res) {
  auto v = res.json();
  if (!v)
    throw TestFailure("HTTP " + std::to_string(res.status) +
                      " body is not JSON: " + clip(res.body));
  if (!v->is_object())
    throw TestFailure("HTTP " + std::to_string(res.status) +
                      " body is not a JSON object: " + clip(res.body));
  return v->get_object();
}

std::int64_t jobId(const client::Response& res) {
  auto o = jsonObject(res);
  const auto* id = o.if_contains("id");
  if (id == nullptr || !id->is_int64()) throw TestFailure("no integer \"id\" in " + clip(res.body));
  return id->get_int64();
}

testing::AssertionResult isProblem(const client::Response& res, int status, std::string_view slug) {
  auto fail = [&]() {
    return testing::AssertionFailure()
           << "HTTP " << res.status << " (" << res.header("content-type") << ") " << clip(res.body)
           << ": ";
  };
  if (status != 0 && res.status != status) return fail() << "expected status " << status;
  if (res.content_type != "application/problem+json")
    return fail() << "content type is not application/problem+json";
  auto v = res.json();
  if (!v || !v->is_object()) return fail() << "body is not a JSON object";
  const auto& o = v->get_object();
  const auto* type = o.if_contains("type");
  if (type == nullptr || !type->is_string()) return fail() << "no string \"type\"";
  const std::string_view t = type->get_string();
  constexpr std::string_view kPrefix = "urn:cardd:problem:";
  if (t.substr(0, kPrefix.size()) != kPrefix || t.size() == kPrefix.size()) {
    return fail() << "\"type\" does not start with " << kPrefix;
  }
  if (!slug.empty() && t.substr(kPrefix.size()) != slug)
    return fail() << "expected type " << kPrefix << slug;
  const auto* st = o.if_contains("status");
  if (st == nullptr || !st->is_int64() || st->get_int64() != res.status) {
    return fail() << "\"status\" is not the HTTP status";
  }
  const auto* title = o.if_contains("title");
  if (title == nullptr || !title->is_string() || title->get_string().empty())
    return fail() << "no \"title\"";
  return testing::AssertionSuccess();
}

testing::AssertionResult isClientErrorProblem(const client::Response& res) {
  if (res.status < 400 || res.status > 499) {
    return testing::AssertionFailure()
           << "expected a 4xx status, got HTTP " << res.status << " " << clip(res.body);
  }
  return isProblem(res, res.status);
}

testing::AssertionResult hasFieldError(const client::Response& res, std::string_view pointer) {
  auto v = res.json();
  if (v && v->is_object()) {
    if (const auto* errs = v->get_object().if_contains("errors");
        errs != nullptr && errs->is_array()) {
      for (const auto& e : errs->get_array()) {
        if (!e.is_object()) continue;
        const auto* p = e.get_object().if_contains("pointer");
        if (p != nullptr && p->is_string() && p->get_string() == pointer)
          return testing::AssertionSuccess();
      }
    }
  }
  return testing::AssertionFailure()
         << "no error for pointer \"" << pointer << "\" in " << clip(res.body, 1000);
}

testing::AssertionResult pingOk(const std::string& socket_path) {
  auto conn = client::Connection::connect(socket_path, 10s);
  if (!conn) return testing::AssertionFailure() << "connect: " << conn.error().message;
  auto res = conn->request("GET", "/v1/_ping", {}, {});
  if (!res) return testing::AssertionFailure() << "GET /v1/_ping: " << res.error().message;
  if (res->status != 200)
    return testing::AssertionFailure() << "GET /v1/_ping: HTTP " << res->status << " " << res->body;
  auto v = res->json();
  if (!v || !v->is_object() || v->get_object().if_contains("service") == nullptr ||
      v->get_object().at("service") != "cardd") {
    return testing::AssertionFailure() << "GET /v1/_ping: unexpected body " << res->body;
  }
  return testing::AssertionSuccess();
}

testing::AssertionResult submitOk(const std::string& socket_path) {
  auto conn = client::Connection::connect(socket_path, 10s);
  if (!conn) return testing::AssertionFailure() << "connect: " << conn.error().message;
  auto res = conn->request("POST", "/v1/jobs", minimalJobText());
  if (!res) return testing::AssertionFailure() << "POST /v1/jobs: " << res.error().message;
  if (res->status != 201 || res->header("location").rfind("/v1/jobs/", 0) != 0) {
    return testing::AssertionFailure()
           << "POST /v1/jobs: HTTP " << res->status << " " << clip(res->body);
  }
  return testing::AssertionSuccess();
}

// --- raw HTTP -----------------------------------------------------------------

std::string RawResponse::header(std::string_view name) const {
  auto it = headers.find(lower(name));
  return it == headers.end() ? std::string() : it->second;
}

client::Response RawResponse::toResponse() const {
  client::Response r;
  r.status = status;
  r.headers = headers;
  r.body = body;
  std::string type = header("content-type");
  type = type.substr(0, type.find(';'));
  while (!type.empty() && type.back() == ' ') type.pop_back();
  r.content_type = lower(type);
  return r;
}

std::optional<RawResponse> RawReader::next(std::chrono::milliseconds timeout, std::string* why) {
  const auto deadline = Clock::now() + timeout;
  auto more = [&]() -> bool {  // false: the peer closed
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0)
      throw TestFailure("timeout waiting for a response; got so far: " + clip(buf_));
    auto got = conn_.readSome(left);
    if (!got) {
      if (client::isTimeout(got.error())) {
        throw TestFailure("timeout waiting for a response; got so far: " + clip(buf_));
      }
      if (why != nullptr) *why = got.error().message;
      return false;
    }
    if (got->empty()) {
      if (why != nullptr) *why = "connection closed";
      return false;
    }
    buf_ += *got;
    return true;
  };

  std::size_t head_end = std::string::npos;
  while ((head_end = buf_.find("\r\n\r\n")) == std::string::npos) {
    if (!more()) return std::nullopt;
  }
  RawResponse r;
  const std::string head = buf_.substr(0, head_end);
  std::size_t line_end = head.find("\r\n");
  r.status_line = head.substr(0, line_end);
  // "HTTP/1.1 404 Not Found"
  const auto sp = r.status_line.find(' ');
  if (sp == std::string::npos) throw TestFailure("bad status line: " + r.status_line);
  r.status = std::atoi(r.status_line.c_str() + sp + 1);
  while (line_end != std::string::npos) {
    const std::size_t start = line_end + 2;
    line_end = head.find("\r\n", start);
    const std::string line =
        head.substr(start, line_end == std::string::npos ? std::string::npos : line_end - start);
    const auto colon = line.find(':');
    if (colon == std::string::npos) continue;
    std::string value = line.substr(colon + 1);
    while (!value.empty() && value.front() == ' ') value.erase(0, 1);
    auto [it, inserted] = r.headers.emplace(lower(line.substr(0, colon)), value);
    if (!inserted) it->second += ", " + value;
  }
  const std::size_t length =
      static_cast<std::size_t>(std::atoll(r.header("content-length").c_str()));
  const std::size_t body_start = head_end + 4;
  while (buf_.size() < body_start + length) {
    if (!more()) {
      if (why != nullptr) *why = "connection closed in the middle of a response body";
      return std::nullopt;
    }
  }
  r.body = buf_.substr(body_start, length);
  buf_.erase(0, body_start + length);
  return r;
}

bool RawReader::waitForClose(std::chrono::milliseconds timeout, std::string* extra) {
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) return false;
    auto got = conn_.readSome(left);
    if (!got) return !client::isTimeout(got.error());  // reset counts as closed
    if (got->empty()) return true;
    if (extra != nullptr) *extra += *got;
  }
}

}  // namespace cardd::test
