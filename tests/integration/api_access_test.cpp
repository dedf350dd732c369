// Roles and socket permissions with real non-root callers (runAsUid): an
// operator (uid 65534, "nobody", granted by "#65534"), a caller with no
// role (uid 65533), and a socket only root may open (mode 0600).
// Needs root to switch uids; skipped otherwise.

#include <gtest/gtest.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <string>

#include "client/connection.hpp"
#include "client/problem.hpp"
#include "core/error.hpp"
#include "daemon_process.hpp"
#include "run_as.hpp"
#include "test_helpers.hpp"

namespace cardd::test {
namespace {

namespace json = boost::json;
using client::Connection;
using client::Response;

constexpr uid_t kNobody = 65534;
constexpr gid_t kNogroup = 65534;
constexpr uid_t kNoRoleUid = 65533;
constexpr gid_t kNoRoleGid = 65533;

// A request in the child: never throws, reports through Checks.
std::optional<Response> req(Checks& c, Connection& conn, std::string_view method,
                            std::string_view target, std::string_view body = {}) {
  auto res =
      conn.request(method, target, body, body.empty() ? std::string_view() : "application/json");
  if (!res) {
    c.fail(std::string(method) + " " + std::string(target) + ": " + res.error().message);
    return std::nullopt;
  }
  return std::move(res).value();
}

std::optional<json::object> obj(Checks& c, const Response& r, const std::string& what) {
  auto v = r.json();
  if (!v || !v->is_object()) {
    c.fail(what + ": body is not a JSON object: " + r.body);
    return std::nullopt;
  }
  return v->get_object();
}

void expectProblem(Checks& c, const std::optional<Response>& r, int status, std::string_view slug,
                   const std::string& what) {
  if (!r) return;
  auto verdict = isProblem(*r, status, slug);
  c.expect(static_cast<bool>(verdict), what + ": " + verdict.message());
}

class ApiAccessTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (auto skip = skipUnlessRoot()) GTEST_SKIP() << *skip;
    daemon_.config().socket_mode = "\"0666\"";
    daemon_.config().access["operator"] = R"({ users: ["#65534"] })";
    ASSERT_TRUE(daemon_.start());
  }

  DaemonProcess daemon_;
};

TEST_F(ApiAccessTest, OperatorSubmitsAndSeesOnlyOwnJobs) {
  // Root's jobs, before the operator starts; one with the key the operator
  // will use too (keys are scoped per submitter).
  const auto root_job = jobId(callOnce(daemon_.socketPath(), "POST", "/v1/jobs", minimalJobText()));
  const auto root_keyed =
      jobId(callOnce(daemon_.socketPath(), "POST", "/v1/jobs", jobWithKey("shared-key")));
  const std::string path = daemon_.socketPath();

  auto r = runAsUid(kNobody, kNogroup, [&](Checks& c) {
    auto conn = Connection::connect(path, 10s);
    if (!c.expect(conn.ok(), "connect as nobody: " + (conn ? std::string() : conn.error().message)))
      return;

    if (auto who = req(c, *conn, "GET", "/v1/whoami")) {
      if (auto o = obj(c, *who, "whoami")) {
        c.expect(o->at("uid") == kNobody, "whoami uid: " + who->body);
        c.expect(o->at("user") == "nobody", "whoami user: " + who->body);
        c.expect(o->at("roles") == json::array({"operator"}), "whoami roles: " + who->body);
      }
    }

    // Submitting works and the job is the caller's.
    std::int64_t own = 0;
    if (auto sub = req(c, *conn, "POST", "/v1/jobs", minimalJobText())) {
      c.expect(sub->status == 201,
               "submit as operator: HTTP " + std::to_string(sub->status) + " " + sub->body);
      if (auto o = obj(c, *sub, "submit")) {
        own = o->at("id").as_int64();
        c.expect(o->at("owner").at("uid") == kNobody, "owner uid: " + sub->body);
        c.expect(o->at("owner").at("user") == "nobody", "owner user: " + sub->body);
      }
    }
    // Idempotency keys are per caller: root's "shared-key" job is not
    // returned to nobody; nobody gets a job of its own.
    if (auto k1 = req(c, *conn, "POST", "/v1/jobs", jobWithKey("shared-key"))) {
      c.expect(k1->status == 201, "keyed submit (root used the same key): HTTP " +
                                      std::to_string(k1->status) + " " + k1->body);
      if (auto o = obj(c, *k1, "keyed submit")) {
        c.expect(o->at("id") != root_keyed, "nobody got root's job for the same key: " + k1->body);
        c.expect(o->at("owner").at("uid") == kNobody, "keyed submit owner: " + k1->body);
      }
    }

    // Listing shows only the caller's jobs.
    if (auto list = req(c, *conn, "GET", "/v1/jobs")) {
      c.expect(list->status == 200, "list: HTTP " + std::to_string(list->status));
      if (auto o = obj(c, *list, "list")) {
        bool has_own = false;
        for (const auto& j : o->at("jobs").as_array()) {
          c.expect(j.at("owner").at("uid") == kNobody,
                   "list shows another owner's job: " + json::serialize(j));
          c.expect(j.at("id") != root_job, "list shows root's job " + std::to_string(root_job));
          has_own = has_own || j.at("id") == own;
        }
        c.expect(has_own, "list lacks the caller's own job: " + list->body);
        c.expect(o->at("jobs").as_array().size() == 2, "list size: " + list->body);
      }
    }
    // Own job: visible. Root's job: 404, as if missing (get and cancel).
    if (auto g = req(c, *conn, "GET", "/v1/jobs/" + std::to_string(own))) {
      c.expect(g->status == 200, "get own job: HTTP " + std::to_string(g->status));
    }
    expectProblem(c, req(c, *conn, "GET", "/v1/jobs/" + std::to_string(root_job)), 404, "not-found",
                  "get root's job");
    expectProblem(c, req(c, *conn, "POST", "/v1/jobs/" + std::to_string(root_job) + "/cancel"), 404,
                  "not-found", "cancel root's job");

    // Hold and release need supervisor or admin.
    for (const char* act : {"hold", "release"}) {
      auto h = req(c, *conn, "POST", "/v1/jobs/" + std::to_string(own) + "/" + act);
      expectProblem(c, h, 403, "forbidden", std::string(act) + " as operator");
      if (h) {
        if (auto p = client::parseProblem(*h)) {
          c.expect(p->required_roles == std::vector<std::string>{"supervisor", "admin"},
                   std::string(act) + ": required_roles: " + h->body);
          c.expect(p->detail.find("supervisor") != std::string::npos,
                   std::string(act) + ": detail names the role: " + p->detail);
        }
      }
    }
    // The audit log is for supervisors and admins.
    expectProblem(c, req(c, *conn, "GET", "/v1/audit"), 403, "forbidden", "audit as operator");
    expectProblem(c, req(c, *conn, "GET", "/v1/audit/verify"), 403, "forbidden",
                  "audit verify as operator");

    // Cancelling an own job is allowed (reason: by the user).
    if (auto cx = req(c, *conn, "POST", "/v1/jobs/" + std::to_string(own) + "/cancel")) {
      c.expect(cx->status == 200,
               "cancel own job: HTTP " + std::to_string(cx->status) + " " + cx->body);
      if (auto o = obj(c, *cx, "cancel")) {
        c.expect(o->at("state") == "canceled", "cancel state: " + cx->body);
        c.expect(o->at("state_reasons") == json::array({"job-canceled-by-user"}),
                 "cancel reasons: " + cx->body);
      }
    }

    // The event stream carries only the caller's jobs' events, though
    // root's job has older events.
    auto es = Connection::connect(path, 10s);
    if (!c.expect(es.ok(), "connect for events")) return;
    auto opened = es->openEventStream("/v1/events?since=0");
    if (!c.expect(opened.ok(), "open event stream as operator: " +
                                   (opened ? std::string() : opened.error().message))) {
      return;
    }
    int count = 0;
    for (;;) {
      auto ev = es->nextEvent(count < 3 ? 10s : 300ms);
      if (!ev) {
        c.expect(client::isTimeout(ev.error()), "event stream: " + ev.error().message);
        break;
      }
      ++count;
      boost::system::error_code ec;
      auto data = json::parse(ev->data, ec);
      if (!c.expect(!ec && data.is_object(), "event data: " + ev->data)) break;
      c.expect(data.at("job_id") != root_job, "operator sees an event of root's job: " + ev->data);
    }
    // own: created + canceled; keyed job: created.
    c.expect(count == 3, "operator saw " + std::to_string(count) + " events, expected 3");
  });
  EXPECT_TRUE(r.ok()) << r.describe();

  // Root sees everything, and the refusals are in the audit trail.
  auto all = jsonObject(callOnce(daemon_.socketPath(), "GET", "/v1/jobs", {}, {}));
  ASSERT_EQ(all.at("jobs").as_array().size(), 4u);
  // Root (admin) may cancel the operator's job; the reason says it was not the owner.
  std::int64_t nobody_keyed = 0;
  for (const auto& j : all.at("jobs").as_array()) {
    if (j.at("owner").at("uid") == kNobody && j.at("state") == "pending")
      nobody_keyed = j.at("id").as_int64();
  }
  ASSERT_NE(nobody_keyed, 0);
  auto cx = callOnce(daemon_.socketPath(), "POST",
                     "/v1/jobs/" + std::to_string(nobody_keyed) + "/cancel");
  ASSERT_EQ(cx.status, 200) << cx.body;
  EXPECT_EQ(jsonObject(cx).at("state_reasons"), json::array({"job-canceled-by-operator"}));
  auto audit = jsonObject(callOnce(daemon_.socketPath(), "GET", "/v1/audit", {}, {}));
  int refused = 0;
  for (const auto& e : audit.at("entries").as_array()) {
    if (e.at("uid") == kNobody && e.at("detail").is_object() &&
        e.at("detail").as_object().contains("outcome") &&
        e.at("detail").at("outcome") == "forbidden") {
      ++refused;
      EXPECT_EQ(e.at("user"), "nobody");
      EXPECT_EQ(e.at("roles"), "operator");
    }
  }
  EXPECT_EQ(refused, 2) << "the refused hold and release are audited: " << json::serialize(audit);
  auto verify = jsonObject(callOnce(daemon_.socketPath(), "GET", "/v1/audit/verify", {}, {}));
  EXPECT_EQ(verify.at("ok"), true);
}

TEST_F(ApiAccessTest, CallerWithoutRoleMayOnlyPingAndWhoami) {
  const std::string path = daemon_.socketPath();
  auto r = runAsUid(kNoRoleUid, kNoRoleGid, [&](Checks& c) {
    auto conn = Connection::connect(path, 10s);
    if (!c.expect(conn.ok(),
                  "connect as uid 65533: " + (conn ? std::string() : conn.error().message)))
      return;
    if (auto ping = req(c, *conn, "GET", "/v1/_ping")) {
      c.expect(ping->status == 200, "ping: HTTP " + std::to_string(ping->status));
    }
    if (auto who = req(c, *conn, "GET", "/v1/whoami")) {
      c.expect(who->status == 200, "whoami: HTTP " + std::to_string(who->status));
      if (auto o = obj(c, *who, "whoami")) {
        c.expect(o->at("uid") == kNoRoleUid, "whoami uid: " + who->body);
        c.expect(o->at("user") == "#65533",
                 "whoami user of a uid without passwd entry: " + who->body);
        c.expect(o->at("roles") == json::array(), "whoami roles: " + who->body);
      }
    }
    auto sub = req(c, *conn, "POST", "/v1/jobs", minimalJobText());
    expectProblem(c, sub, 403, "forbidden", "submit without a role");
    if (sub) {
      if (auto p = client::parseProblem(*sub)) {
        c.expect(p->required_roles == std::vector<std::string>{"operator", "supervisor", "admin"},
                 "submit: required_roles: " + sub->body);
      }
    }
    expectProblem(c, req(c, *conn, "GET", "/v1/jobs"), 403, "forbidden", "list without a role");
    expectProblem(c, req(c, *conn, "GET", "/v1/jobs/1"), 403, "forbidden", "get without a role");
    expectProblem(c, req(c, *conn, "POST", "/v1/jobs/1/cancel"), 403, "forbidden",
                  "cancel without a role");
    expectProblem(c, req(c, *conn, "GET", "/v1/audit/verify"), 403, "forbidden",
                  "audit without a role");
    if (auto ev = req(c, *conn, "GET", "/v1/events?since=0")) {
      expectProblem(c, ev, 403, "forbidden", "events without a role");
    }
    // Still fine afterwards.
    if (auto ping = req(c, *conn, "GET", "/v1/_ping")) {
      c.expect(ping->status == 200, "ping after refusals: HTTP " + std::to_string(ping->status));
    }
  });
  EXPECT_TRUE(r.ok()) << r.describe();
  auto all = jsonObject(callOnce(path, "GET", "/v1/jobs", {}, {}));
  EXPECT_TRUE(all.at("jobs").as_array().empty()) << "a refused submit stored a job";
}

TEST(ApiTechnicianTest, TechnicianReadsAllEventsButNoJobs) {
  if (auto skip = skipUnlessRoot()) GTEST_SKIP() << *skip;
  DaemonProcess daemon;
  daemon.config().socket_mode = "\"0666\"";
  daemon.config().access["technician"] = R"({ users: ["#65534"] })";
  ASSERT_TRUE(daemon.start());
  const auto root_job = jobId(callOnce(daemon.socketPath(), "POST", "/v1/jobs", minimalJobText()));
  const std::string path = daemon.socketPath();
  auto r = runAsUid(kNobody, kNogroup, [&](Checks& c) {
    auto conn = Connection::connect(path, 10s);
    if (!c.expect(conn.ok(), "connect")) return;
    if (auto who = req(c, *conn, "GET", "/v1/whoami")) {
      if (auto o = obj(c, *who, "whoami"))
        c.expect(o->at("roles") == json::array({"technician"}), who->body);
    }
    auto sub = req(c, *conn, "POST", "/v1/jobs", minimalJobText());
    expectProblem(c, sub, 403, "forbidden", "submit as technician");
    expectProblem(c, req(c, *conn, "GET", "/v1/jobs"), 403, "forbidden", "list as technician");
    expectProblem(c, req(c, *conn, "GET", "/v1/jobs/" + std::to_string(root_job)), 403, "forbidden",
                  "get as technician");
    expectProblem(c, req(c, *conn, "POST", "/v1/jobs/" + std::to_string(root_job) + "/cancel"), 403,
                  "forbidden", "cancel as technician");
    // All events, including root's job's.
    auto es = Connection::connect(path, 10s);
    if (!c.expect(es.ok(), "connect for events")) return;
    auto opened = es->openEventStream("/v1/events?since=0");
    if (!c.expect(opened.ok(), "open event stream as technician: " +
                                   (opened ? std::string() : opened.error().message))) {
      return;
    }
    auto ev = es->nextEvent(10s);
    if (c.expect(ev.ok(), "first event: " + (ev ? std::string() : ev.error().message))) {
      c.expect(ev->data.find("\"job_id\":" + std::to_string(root_job)) != std::string::npos,
               "event of root's job: " + ev->data);
    }
  });
  EXPECT_TRUE(r.ok()) << r.describe();
}

TEST(ApiSocketPermissionTest, NonRootCannotConnectToA0600Socket) {
  if (auto skip = skipUnlessRoot()) GTEST_SKIP() << *skip;
  DaemonProcess daemon;
  daemon.config().socket_mode = "\"0600\"";
  daemon.config().access["operator"] = R"({ users: ["#65534"] })";
  ASSERT_TRUE(daemon.start());
  const std::string path = daemon.socketPath();
  auto r = runAsUid(kNobody, kNogroup, [&](Checks& c) {
    auto conn = Connection::connect(path, 10s);
    if (!c.expect(!conn.ok(), "nobody connected to a 0600 root socket")) return;
    c.expect(conn.error().code == ErrorCode::Forbidden,
             "expected ErrorCode::Forbidden, got " + std::string(errorSlug(conn.error().code)) +
                 ": " + conn.error().message);
    c.expect(conn.error().message.find("permission denied") != std::string::npos,
             "message: " + conn.error().message);
  });
  EXPECT_TRUE(r.ok()) << r.describe();
  EXPECT_TRUE(pingOk(path)) << "root still connects";
}

TEST(ApiSocketPermissionTest, RunAsUidReportsChildFailures) {
  // The helper itself: a failed check in the child reaches the parent.
  if (auto skip = skipUnlessRoot()) GTEST_SKIP() << *skip;
  auto r = runAsUid(kNobody, kNogroup, [](Checks& c) {
    c.expect(::getuid() == kNobody, "uid");
    c.expect(false, "deliberate failure");
  });
  EXPECT_FALSE(r.ok());
  EXPECT_TRUE(r.exited);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.message.find("deliberate failure"), std::string::npos) << r.message;
  EXPECT_EQ(r.message.find("uid\n"), std::string::npos) << r.message;
}

}  // namespace
}  // namespace cardd::test
