// The printer routes of a real cardd with no printers configured (no
// station): an empty list, 404 for any printer, the request checks that come
// before the station is asked, the roles (with real non-root callers, as
// root), the audit of refusals, and the job view's "attempts".

#include <gtest/gtest.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <string>

#include "client/connection.hpp"
#include "daemon_process.hpp"
#include "run_as.hpp"
#include "test_helpers.hpp"

namespace cardd::test {
namespace {

namespace json = boost::json;
using client::Connection;
using client::Response;

constexpr uid_t kNobody = 65534;  // operator
constexpr gid_t kNogroup = 65534;
constexpr uid_t kTechUid = 65533;  // technician
constexpr gid_t kTechGid = 65533;

class ApiPrintersTest : public ::testing::Test {
 protected:
  void SetUp() override {
    daemon_.config().socket_mode = "\"0666\"";
    daemon_.config().access["operator"] = R"({ users: ["#65534"] })";
    daemon_.config().access["technician"] = R"({ users: ["#65533"] })";
    ASSERT_TRUE(daemon_.start());
  }

  Response get(const std::string& target) { return callOnce(daemon_.socketPath(), "GET", target); }
  Response post(const std::string& target, std::string_view body = {},
                std::string_view content_type = "application/json") {
    return callOnce(daemon_.socketPath(), "POST", target, body, content_type);
  }

  DaemonProcess daemon_;
};

TEST_F(ApiPrintersTest, WithoutAStationThereAreNoPrinters) {
  auto list = get("/v1/printers");
  ASSERT_EQ(list.status, 200) << list.body;
  EXPECT_EQ(jsonObject(list), (json::object{{"printers", json::array{}}}));

  for (const char* id : {"P1", "back-room_2.b"}) {
    const std::string base = std::string("/v1/printers/") + id;
    auto one = get(base);
    EXPECT_TRUE(isProblem(one, 404, "not-found")) << base;
    EXPECT_NE(one.body.find(std::string("printer '") + id + "' does not exist"), std::string::npos)
        << one.body;
    EXPECT_TRUE(isProblem(post(base + "/pause"), 404, "not-found")) << base;
    EXPECT_TRUE(isProblem(post(base + "/pause", R"({"reason":"ribbon change"})"), 404, "not-found"))
        << base;
    EXPECT_TRUE(isProblem(post(base + "/resume", "{}"), 404, "not-found")) << base;
  }
}

TEST_F(ApiPrintersTest, PathsMethodsAndBodies) {
  // Segments that cannot be printer ids are unknown paths.
  EXPECT_TRUE(isProblem(get("/v1/printers/has%20space"), 404, "not-found"));
  EXPECT_TRUE(isProblem(get("/v1/printers/" + std::string(33, 'a')), 404, "not-found"));
  EXPECT_TRUE(isProblem(post("/v1/printers/P1/explode"), 404, "not-found"));

  auto wrong_method = get("/v1/printers/P1/pause");
  EXPECT_TRUE(isProblem(wrong_method, 405, "method-not-allowed"));
  EXPECT_EQ(wrong_method.headers.count("allow") ? wrong_method.headers.at("allow") : "", "POST");
  EXPECT_TRUE(isProblem(post("/v1/printers"), 405, "method-not-allowed"));
  EXPECT_TRUE(isProblem(get("/v1/printers?state=idle"), 400, "bad-request"));

  // Bodies are checked before the station is asked.
  EXPECT_TRUE(isProblem(post("/v1/printers/P1/pause", "reason=x", "text/plain"), 415,
                        "unsupported-media-type"));
  EXPECT_TRUE(isProblem(post("/v1/printers/P1/pause", "{"), 400, "invalid-json"));
  auto unknown = post("/v1/printers/P1/pause", R"({"reason":"x","until":"noon"})");
  EXPECT_TRUE(isProblem(unknown, 422, "validation-failed"));
  EXPECT_TRUE(hasFieldError(unknown, "/until"));
  auto too_long = post("/v1/printers/P1/pause", R"({"reason":")" + std::string(201, 'x') + R"("})");
  EXPECT_TRUE(hasFieldError(too_long, "/reason"));
  auto not_text = post("/v1/printers/P1/pause", R"({"reason":5})");
  EXPECT_TRUE(hasFieldError(not_text, "/reason"));
  // Resume takes no reason.
  EXPECT_TRUE(hasFieldError(post("/v1/printers/P1/resume", R"({"reason":"x"})"), "/reason"));
}

TEST_F(ApiPrintersTest, JobsShowTheirAttempts) {
  auto sub = post("/v1/jobs", minimalJobText());
  ASSERT_EQ(sub.status, 201) << sub.body;
  auto job = get("/v1/jobs/" + std::to_string(jobId(sub)));
  ASSERT_EQ(job.status, 200) << job.body;
  const auto o = jsonObject(job);
  ASSERT_TRUE(o.contains("attempts")) << job.body;
  EXPECT_EQ(o.at("attempts"), json::array{});
  // No card was issued: no chip serial.
  EXPECT_FALSE(o.contains("chip_serial")) << job.body;
}

TEST_F(ApiPrintersTest, RolesForReadingAndSwitching) {
  if (auto skip = skipUnlessRoot()) GTEST_SKIP() << *skip;
  const std::string path = daemon_.socketPath();

  // An operator may look but not pause or resume.
  auto as_operator = runAsUid(kNobody, kNogroup, [&](Checks& c) {
    auto conn = Connection::connect(path, 10s);
    if (!c.expect(conn.ok(), "connect as operator")) return;
    auto list = conn->request("GET", "/v1/printers");
    c.expect(list.ok() && list->status == 200,
             "operator lists printers: " + (list ? list->body : list.error().message));
    for (const char* action : {"pause", "resume"}) {
      auto r = conn->request("POST", std::string("/v1/printers/P1/") + action, "{}");
      if (!c.expect(r.ok(), std::string("operator ") + action)) continue;
      auto verdict = isProblem(*r, 403, "forbidden");
      c.expect(static_cast<bool>(verdict), std::string("operator ") + action + ": " + r->body);
      auto body = r->json();
      c.expect(body.ok() && body->is_object() &&
                   body->get_object().if_contains("required_roles") != nullptr &&
                   body->get_object().at("required_roles") ==
                       json::array({"supervisor", "technician", "admin"}),
               std::string("operator ") + action + " required_roles: " + r->body);
    }
  });
  EXPECT_TRUE(as_operator.ok()) << as_operator.describe();

  // A technician gets past the role check: with no station, 404.
  auto as_technician = runAsUid(kTechUid, kTechGid, [&](Checks& c) {
    auto conn = Connection::connect(path, 10s);
    if (!c.expect(conn.ok(), "connect as technician")) return;
    for (const char* action : {"pause", "resume"}) {
      auto r = conn->request("POST", std::string("/v1/printers/P1/") + action);
      if (!c.expect(r.ok(), std::string("technician ") + action)) continue;
      auto verdict = isProblem(*r, 404, "not-found");
      c.expect(static_cast<bool>(verdict), std::string("technician ") + action + ": " + r->body);
    }
  });
  EXPECT_TRUE(as_technician.ok()) << as_technician.describe();

  // The operator's refusals are in the audit trail; the technician's 404s are not.
  auto audit = get("/v1/audit?limit=1000");
  ASSERT_EQ(audit.status, 200) << audit.body;
  int refused = 0;
  const auto audit_body = jsonObject(audit);
  for (const auto& e : audit_body.at("entries").as_array()) {
    const auto& entry = e.as_object();
    const auto action = entry.at("action").as_string();
    if (action != "printer.pause" && action != "printer.resume") continue;
    EXPECT_EQ(entry.at("target"), "printer/P1");
    EXPECT_EQ(entry.at("uid"), kNobody) << json::serialize(entry);
    EXPECT_EQ(entry.at("detail").at("outcome"), "forbidden");
    ++refused;
  }
  EXPECT_EQ(refused, 2);
}

}  // namespace
}  // namespace cardd::test
