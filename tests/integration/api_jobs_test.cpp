// Jobs API against a real cardd: submit, list (filters, paging), get with
// events, cancel/hold/release and their illegal transitions, idempotency,
// whoami and ping. The caller is root, so admin.

#include <gtest/gtest.h>

#include <algorithm>
#include <boost/json.hpp>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "client/connection.hpp"
#include "client/problem.hpp"
#include "daemon_process.hpp"
#include "test_helpers.hpp"

namespace cardd::test {
namespace {

namespace json = boost::json;
using client::Response;

class ApiJobsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(daemon_.start());
    conn_.emplace(connectTo(daemon_.socketPath()));
  }

  Response get(const std::string& target) { return call(*conn_, "GET", target, {}, {}); }
  Response post(const std::string& target, const std::string& body = {}) {
    return call(*conn_, "POST", target, body);
  }
  json::object submit(const std::string& body, int expected_status = 201) {
    auto res = post("/v1/jobs", body);
    if (res.status != expected_status) {
      throw TestFailure("POST /v1/jobs: expected " + std::to_string(expected_status) + ", got " +
                        std::to_string(res.status) + " " + res.body);
    }
    return jsonObject(res);
  }
  std::int64_t submitMinimal() { return submit(minimalJobText()).at("id").as_int64(); }
  json::object action(std::int64_t id, const std::string& what, int expected_status = 200) {
    auto res = post("/v1/jobs/" + std::to_string(id) + "/" + what);
    if (res.status != expected_status) {
      throw TestFailure(what + " job " + std::to_string(id) + ": expected " +
                        std::to_string(expected_status) + ", got " + std::to_string(res.status) +
                        " " + res.body);
    }
    return jsonObject(res);
  }
  std::vector<std::int64_t> listIds(const std::string& query, json::value* next_after = nullptr) {
    auto res = get("/v1/jobs" + query);
    if (res.status != 200)
      throw TestFailure("GET /v1/jobs" + query + ": HTTP " + std::to_string(res.status) + " " +
                        res.body);
    auto body = jsonObject(res);
    std::vector<std::int64_t> ids;
    for (const auto& j : body.at("jobs").as_array()) ids.push_back(j.at("id").as_int64());
    if (next_after != nullptr) *next_after = body.at("next_after");
    return ids;
  }

  DaemonProcess daemon_;
  std::optional<client::Connection> conn_;
};

TEST_F(ApiJobsTest, PingNamesTheServiceAndStation) {
  auto res = get("/v1/_ping");
  ASSERT_EQ(res.status, 200) << res.body;
  EXPECT_EQ(res.content_type, "application/json");
  auto body = jsonObject(res);
  EXPECT_EQ(body.at("service"), "cardd");
  EXPECT_EQ(body.at("api"), "v1");
  EXPECT_EQ(body.at("station"), "integration station");
  ASSERT_TRUE(body.at("version").is_string());
  EXPECT_FALSE(body.at("version").as_string().empty());
}

TEST_F(ApiJobsTest, WhoamiOfRootIsAdmin) {
  auto res = get("/v1/whoami");
  ASSERT_EQ(res.status, 200) << res.body;
  auto body = jsonObject(res);
  EXPECT_EQ(body.at("uid"), 0);
  EXPECT_EQ(body.at("user"), "root");
  EXPECT_EQ(body.at("roles"), json::array({"admin"}));
}

TEST_F(ApiJobsTest, SubmitAnswers201WithLocationAndTheJob) {
  auto res = post("/v1/jobs", sampleJobText());
  ASSERT_EQ(res.status, 201) << res.body;
  EXPECT_EQ(res.content_type, "application/json");
  auto job = jsonObject(res);
  const auto id = job.at("id").as_int64();
  EXPECT_GT(id, 0);
  EXPECT_EQ(res.header("location"), "/v1/jobs/" + std::to_string(id));
  EXPECT_EQ(job.at("state"), "pending");
  EXPECT_EQ(job.at("state_reasons"), json::array({"job-queued"}));
  EXPECT_EQ(job.at("priority"), 50);
  EXPECT_EQ(job.at("template"), "ektp-specimen");
  EXPECT_EQ(job.at("profile"), "cardd-eid");
  EXPECT_EQ(job.at("idempotency_key"), "enrol-3171012345670001");
  EXPECT_EQ(job.at("owner").at("uid"), 0);
  EXPECT_EQ(job.at("owner").at("user"), "root");
  EXPECT_GT(job.at("photo_bytes").as_int64(), 0);
  EXPECT_EQ(job.at("fingerprint_count"), 2);
  EXPECT_TRUE(job.at("created_at").is_string());
  EXPECT_EQ(job.at("created_at"), job.at("updated_at"));
  // The API never returns the payload.
  for (const char* personal :
       {"\"nik\"", "SITI RAHAYU", "MERDEKA", "1990-04-17", "iVBORw0KGgo", "AAECAwQF"}) {
    EXPECT_EQ(res.body.find(personal), std::string::npos)
        << "personal data leaked into the job view: " << personal;
  }
  EXPECT_EQ(job.if_contains("person"), nullptr);
  EXPECT_EQ(job.if_contains("photo"), nullptr);

  // The minimal job: no key, no fingerprints, default priority.
  auto min = jsonObject(post("/v1/jobs", minimalJobText()));
  EXPECT_GT(min.at("id").as_int64(), id);
  EXPECT_TRUE(min.at("idempotency_key").is_null());
  EXPECT_EQ(min.at("fingerprint_count"), 0);
}

TEST_F(ApiJobsTest, SubmitHonoursPriorityDefaultAndHold) {
  auto job = minimalJob();
  job.erase("priority");
  auto j1 = submit(toText(job));
  EXPECT_EQ(j1.at("priority"), 50) << "default_priority";
  job["priority"] = 1;
  EXPECT_EQ(submit(toText(job)).at("priority"), 1);
  job["priority"] = 100;
  job["hold"] = true;
  auto held = submit(toText(job));
  EXPECT_EQ(held.at("priority"), 100);
  EXPECT_EQ(held.at("state"), "pending-held");
  EXPECT_EQ(held.at("state_reasons"), json::array({"job-hold-until-specified"}));
}

TEST_F(ApiJobsTest, GetReturnsTheJobWithItsEvents) {
  const auto id = submitMinimal();
  auto res = get("/v1/jobs/" + std::to_string(id));
  ASSERT_EQ(res.status, 200) << res.body;
  auto job = jsonObject(res);
  EXPECT_EQ(job.at("id"), id);
  EXPECT_EQ(job.at("state"), "pending");
  const auto& events = job.at("events").as_array();
  ASSERT_EQ(events.size(), 1u) << res.body;
  EXPECT_EQ(events[0].at("kind"), "job-created");
  EXPECT_EQ(events[0].at("job_id"), id);
  EXPECT_TRUE(events[0].at("from").is_null());
  EXPECT_EQ(events[0].at("to"), "pending");
  EXPECT_EQ(events[0].at("reasons"), json::array({"job-queued"}));
  EXPECT_EQ(events[0].at("actor").at("uid"), 0);
  EXPECT_EQ(events[0].at("actor").at("user"), "root");
  EXPECT_GT(events[0].at("seq").as_int64(), 0);

  action(id, "hold");
  action(id, "release");
  action(id, "cancel");
  job = jsonObject(get("/v1/jobs/" + std::to_string(id)));
  EXPECT_EQ(job.at("state"), "canceled");
  const auto& all = job.at("events").as_array();
  ASSERT_EQ(all.size(), 4u);
  const std::vector<std::pair<std::string, std::string>> expected{{"", "pending"},
                                                                  {"pending", "pending-held"},
                                                                  {"pending-held", "pending"},
                                                                  {"pending", "canceled"}};
  std::int64_t last_seq = 0;
  for (std::size_t i = 0; i < all.size(); ++i) {
    SCOPED_TRACE("event " + std::to_string(i));
    EXPECT_EQ(all[i].at("kind"), i == 0 ? "job-created" : "job-state-changed");
    if (i == 0)
      EXPECT_TRUE(all[i].at("from").is_null());
    else
      EXPECT_EQ(all[i].at("from"), expected[i].first.c_str());
    EXPECT_EQ(all[i].at("to"), expected[i].second.c_str());
    EXPECT_GT(all[i].at("seq").as_int64(), last_seq)
        << "events must be oldest first, seq increasing";
    last_seq = all[i].at("seq").as_int64();
  }
}

TEST_F(ApiJobsTest, GetMissingJobIs404Problem) {
  auto res = get("/v1/jobs/987654");
  EXPECT_TRUE(isProblem(res, 404, "not-found"));
  EXPECT_EQ(jsonObject(res).at("instance"), "/v1/jobs/987654");
  EXPECT_TRUE(isProblem(post("/v1/jobs/987654/cancel"), 404, "not-found"));
  EXPECT_TRUE(isProblem(post("/v1/jobs/987654/hold"), 404, "not-found"));
  EXPECT_TRUE(isProblem(post("/v1/jobs/987654/release"), 404, "not-found"));
}

TEST_F(ApiJobsTest, ListFiltersByStateInIdOrder) {
  std::vector<std::int64_t> ids;
  for (int i = 0; i < 6; ++i) ids.push_back(submitMinimal());
  action(ids[1], "hold");
  action(ids[3], "hold");
  action(ids[4], "cancel");

  EXPECT_EQ(listIds(""), ids);
  EXPECT_EQ(listIds("?state=pending"), (std::vector<std::int64_t>{ids[0], ids[2], ids[5]}));
  EXPECT_EQ(listIds("?state=pending-held"), (std::vector<std::int64_t>{ids[1], ids[3]}));
  EXPECT_EQ(listIds("?state=canceled"), (std::vector<std::int64_t>{ids[4]}));
  EXPECT_EQ(listIds("?state=pending,pending-held"),
            (std::vector<std::int64_t>{ids[0], ids[1], ids[2], ids[3], ids[5]}));
  EXPECT_EQ(listIds("?state=completed"), std::vector<std::int64_t>{});
  EXPECT_EQ(listIds("?state=pending%2Ccanceled"),
            (std::vector<std::int64_t>{ids[0], ids[2], ids[4], ids[5]}));

  // Every listed job carries its state.
  auto body = jsonObject(get("/v1/jobs?state=pending-held"));
  for (const auto& j : body.at("jobs").as_array()) EXPECT_EQ(j.at("state"), "pending-held");
}

TEST_F(ApiJobsTest, ListPagesWithLimitAndAfter) {
  std::vector<std::int64_t> ids;
  for (int i = 0; i < 7; ++i) ids.push_back(submitMinimal());

  std::vector<std::int64_t> seen;
  json::value next = nullptr;
  std::string query = "?limit=3";
  int pages = 0;
  for (;;) {
    auto page = listIds(query, &next);
    ++pages;
    ASSERT_LE(page.size(), 3u);
    seen.insert(seen.end(), page.begin(), page.end());
    if (next.is_null()) break;
    ASSERT_TRUE(next.is_int64()) << json::serialize(next);
    EXPECT_EQ(next.as_int64(), page.back()) << "next_after is the last id of the page";
    query = "?limit=3&after=" + std::to_string(next.as_int64());
    ASSERT_LT(pages, 10) << "paging does not end";
  }
  EXPECT_EQ(seen, ids);
  EXPECT_EQ(pages, 3);

  // Exactly one full page: next_after is null only when nothing follows.
  auto exact = listIds("?limit=7", &next);
  EXPECT_EQ(exact, ids);
  EXPECT_TRUE(next.is_null()) << json::serialize(next);
  auto after = listIds("?after=" + std::to_string(ids[4]), &next);
  EXPECT_EQ(after, (std::vector<std::int64_t>{ids[5], ids[6]}));
  EXPECT_TRUE(listIds("?after=" + std::to_string(ids.back())).empty());
  // Paging composes with the state filter.
  action(ids[0], "cancel");
  action(ids[2], "cancel");
  action(ids[5], "cancel");
  auto c1 = listIds("?state=canceled&limit=2", &next);
  EXPECT_EQ(c1, (std::vector<std::int64_t>{ids[0], ids[2]}));
  ASSERT_TRUE(next.is_int64());
  auto c2 = listIds("?state=canceled&limit=2&after=" + std::to_string(next.as_int64()), &next);
  EXPECT_EQ(c2, (std::vector<std::int64_t>{ids[5]}));
  EXPECT_TRUE(next.is_null());
}

TEST_F(ApiJobsTest, CancelHoldReleaseFollowTheStateMachine) {
  const auto id = submitMinimal();
  auto held = action(id, "hold");
  EXPECT_EQ(held.at("state"), "pending-held");
  EXPECT_EQ(held.at("state_reasons"), json::array({"job-hold-until-specified"}));
  auto released = action(id, "release");
  EXPECT_EQ(released.at("state"), "pending");
  EXPECT_EQ(released.at("state_reasons"), json::array({"job-queued"}));
  auto canceled = action(id, "cancel");
  EXPECT_EQ(canceled.at("state"), "canceled");
  EXPECT_EQ(canceled.at("state_reasons"), json::array({"job-canceled-by-user"}));

  // A held job can be canceled too.
  const auto id2 = submitMinimal();
  action(id2, "hold");
  EXPECT_EQ(action(id2, "cancel").at("state"), "canceled");

  // The action body may be {} (application/json).
  const auto id3 = submitMinimal();
  auto res = call(*conn_, "POST", "/v1/jobs/" + std::to_string(id3) + "/hold", "{}");
  ASSERT_EQ(res.status, 200) << res.body;
  EXPECT_EQ(jsonObject(res).at("state"), "pending-held");
  // ... but nothing else.
  res = call(*conn_, "POST", "/v1/jobs/" + std::to_string(id3) + "/release", R"({"force":true})");
  EXPECT_TRUE(isProblem(res, 400));
  EXPECT_EQ(jsonObject(get("/v1/jobs/" + std::to_string(id3))).at("state"), "pending-held");
}

TEST_F(ApiJobsTest, IllegalTransitionsAre409AndChangeNothing) {
  const auto pending = submitMinimal();
  const auto canceled = submitMinimal();
  action(canceled, "cancel");
  const auto held = submitMinimal();
  action(held, "hold");

  struct Case {
    std::int64_t id;
    std::string action;
    std::string state_after;
  };
  const std::vector<Case> cases{
      {pending, "release", "pending"},   // only a held job can be released
      {held, "hold", "pending-held"},    // already held
      {canceled, "cancel", "canceled"},  // already ended
      {canceled, "hold", "canceled"},   {canceled, "release", "canceled"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.action + " job " + std::to_string(c.id));
    auto res = post("/v1/jobs/" + std::to_string(c.id) + "/" + c.action);
    EXPECT_TRUE(isProblem(res, 409, "illegal-transition"));
    auto body = jsonObject(res);
    ASSERT_TRUE(body.contains("detail"));
    EXPECT_NE(body.at("detail").as_string().find(std::to_string(c.id)), std::string::npos)
        << "the detail names the job";
    EXPECT_EQ(body.at("instance"), ("/v1/jobs/" + std::to_string(c.id) + "/" + c.action).c_str());
    auto job = jsonObject(get("/v1/jobs/" + std::to_string(c.id)));
    EXPECT_EQ(job.at("state"), c.state_after.c_str());
  }
  // Refused transitions leave no events behind.
  EXPECT_EQ(jsonObject(get("/v1/jobs/" + std::to_string(canceled))).at("events").as_array().size(),
            2u);
  EXPECT_EQ(jsonObject(get("/v1/jobs/" + std::to_string(pending))).at("events").as_array().size(),
            1u);
}

TEST_F(ApiJobsTest, IdempotencyKeyReturnsTheFirstJob) {
  auto first = post("/v1/jobs", jobWithKey("k-idem-1", 10));
  ASSERT_EQ(first.status, 201) << first.body;
  const auto id = jobId(first);

  auto again = post("/v1/jobs", jobWithKey("k-idem-1", 10));
  ASSERT_EQ(again.status, 200) << again.body;
  EXPECT_EQ(jobId(again), id);
  EXPECT_EQ(again.header("location"), "/v1/jobs/" + std::to_string(id));

  // A different body with the same key still answers with the first job.
  auto other = minimalJob();
  other["idempotency_key"] = "k-idem-1";
  other["priority"] = 99;
  other["hold"] = true;
  auto changed = post("/v1/jobs", toText(other));
  ASSERT_EQ(changed.status, 200) << changed.body;
  auto job = jsonObject(changed);
  EXPECT_EQ(job.at("id"), id);
  EXPECT_EQ(job.at("priority"), 10) << "the first job is returned, unchanged";
  EXPECT_EQ(job.at("state"), "pending");

  // Still returned after the job changed state.
  action(id, "cancel");
  auto after_cancel = post("/v1/jobs", jobWithKey("k-idem-1", 10));
  ASSERT_EQ(after_cancel.status, 200) << after_cancel.body;
  EXPECT_EQ(jobId(after_cancel), id);
  EXPECT_EQ(jsonObject(after_cancel).at("state"), "canceled");

  // Another key is another job; no key means a new job every time.
  auto second = post("/v1/jobs", jobWithKey("k-idem-2", 10));
  ASSERT_EQ(second.status, 201);
  EXPECT_GT(jobId(second), id);
  const auto n1 = submitMinimal();
  const auto n2 = submitMinimal();
  EXPECT_NE(n1, n2);

  // Exactly one job per key, and no extra events for the replays.
  EXPECT_EQ(listIds("").size(), 4u);
  EXPECT_EQ(jsonObject(get("/v1/jobs/" + std::to_string(id))).at("events").as_array().size(), 2u);

  // A refused body with a known key is still refused (validated first).
  auto bad = minimalJob();
  bad["idempotency_key"] = "k-idem-1";
  bad["priority"] = 0;
  EXPECT_TRUE(isProblem(post("/v1/jobs", toText(bad)), 422, "validation-failed"));
}

TEST_F(ApiJobsTest, KeepAliveAndPipelinedRequestsAnswerInOrder) {
  // Several requests on one keep-alive connection.
  for (int i = 0; i < 5; ++i) ASSERT_EQ(get("/v1/_ping").status, 200);

  // Pipelined: three requests in one write, three responses in order.
  auto raw_conn = connectTo(daemon_.socketPath());
  const std::string body = minimalJobText();
  std::string bytes;
  bytes += "GET /v1/whoami HTTP/1.1\r\nHost: x\r\n\r\n";
  bytes +=
      "POST /v1/jobs HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: " +
      std::to_string(body.size()) + "\r\n\r\n" + body;
  bytes += "GET /v1/jobs/999999 HTTP/1.1\r\nHost: x\r\n\r\n";
  bytes += "GET /v1/_ping HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
  ASSERT_TRUE(raw_conn.sendRaw(bytes).ok());
  RawReader reader(raw_conn);
  std::vector<RawResponse> got;
  const char* const names[] = {"GET /v1/whoami", "POST /v1/jobs", "GET /v1/jobs/999999",
                               "GET /v1/_ping (close)"};
  for (const char* name : names) {
    std::string why;
    auto r = reader.next(10s, &why);
    ASSERT_TRUE(r.has_value()) << "no response to the pipelined " << name << " (" << why
                               << "); got " << got.size() << " response(s) before";
    got.push_back(std::move(*r));
  }
  const auto* r1 = &got[0];
  const auto* r2 = &got[1];
  const auto* r3 = &got[2];
  const auto* r4 = &got[3];
  EXPECT_EQ(r1->status, 200);
  EXPECT_NE(r1->body.find("\"uid\""), std::string::npos);
  EXPECT_EQ(r2->status, 201);
  EXPECT_EQ(r3->status, 404);
  EXPECT_EQ(r4->status, 200);
  EXPECT_NE(r4->body.find("\"service\""), std::string::npos);
  EXPECT_EQ(r4->header("connection"), "close");
  EXPECT_TRUE(reader.waitForClose(10s)) << "Connection: close is honoured";
}

TEST_F(ApiJobsTest, ConcurrentSubmitsWithOneKeyMakeOneJob) {
  constexpr int kThreads = 8;
  std::mutex mu;
  std::vector<int> statuses;
  std::vector<std::int64_t> ids;
  std::vector<std::string> errors;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      try {
        auto c = connectTo(daemon_.socketPath());
        auto res = call(c, "POST", "/v1/jobs", jobWithKey("race-key"));
        const auto id = res.status < 300 ? jobId(res) : 0;
        std::lock_guard lock(mu);
        statuses.push_back(res.status);
        ids.push_back(id);
      } catch (const std::exception& e) {
        std::lock_guard lock(mu);
        errors.emplace_back(e.what());
      }
    });
  }
  for (auto& th : threads) th.join();
  ASSERT_TRUE(errors.empty()) << errors.front();
  EXPECT_EQ(std::count(statuses.begin(), statuses.end(), 201), 1)
      << "exactly one submit creates the job";
  EXPECT_EQ(std::count(statuses.begin(), statuses.end(), 200), kThreads - 1);
  EXPECT_EQ(std::set<std::int64_t>(ids.begin(), ids.end()).size(), 1u)
      << "every caller gets the same job";
  EXPECT_EQ(listIds("").size(), 1u);
}

TEST_F(ApiJobsTest, JsonContentTypeMayCarryParametersAndAnyCase) {
  for (const char* type :
       {"application/json; charset=utf-8", "Application/JSON", "application/json;charset=UTF-8"}) {
    SCOPED_TRACE(type);
    auto res = call(*conn_, "POST", "/v1/jobs", minimalJobText(), type);
    EXPECT_EQ(res.status, 201) << res.body;
  }
}

TEST_F(ApiJobsTest, ManyPipelinedRequestsAreAllAnsweredInOrder) {
  // More than api.max_pipeline (32) requests in one write, half of them
  // answered only after the store commits.
  constexpr int kRequests = 60;
  const std::string body = minimalJobText();
  std::string bytes;
  for (int i = 0; i < kRequests; ++i) {
    if (i % 2 == 0) {
      bytes +=
          "POST /v1/jobs HTTP/1.1\r\nHost: x\r\nContent-Type: "
          "application/json\r\nContent-Length: " +
          std::to_string(body.size()) + "\r\n\r\n" + body;
    } else {
      bytes += "GET /v1/jobs/" + std::to_string(i) + "00000 HTTP/1.1\r\nHost: x\r\n\r\n";
    }
  }
  auto raw = connectTo(daemon_.socketPath());
  ASSERT_TRUE(raw.sendRaw(bytes).ok());
  RawReader reader(raw);
  std::int64_t last_id = 0;
  for (int i = 0; i < kRequests; ++i) {
    std::string why;
    auto r = reader.next(20s, &why);
    ASSERT_TRUE(r.has_value()) << "no response to pipelined request " << i << " (" << why << ")";
    if (i % 2 == 0) {
      ASSERT_EQ(r->status, 201) << "request " << i << ": " << r->body;
      const auto id = jobId(r->toResponse());
      EXPECT_GT(id, last_id) << "responses out of order";
      last_id = id;
    } else {
      ASSERT_EQ(r->status, 404) << "request " << i << ": " << r->body;
    }
  }
  EXPECT_EQ(listIds("?limit=500").size(), static_cast<std::size_t>(kRequests / 2));
}

// A request answered after the store commits (submit, cancel, ...) on a
// connection the client will not reuse (Connection: close, or HTTP/1.0)
// must still get its response before the connection closes.
TEST_F(ApiJobsTest, StoreBackedResponseIsSentBeforeConnectionClose) {
  const std::string body = minimalJobText();
  const std::vector<std::pair<std::string, std::string>> variants{
      {"HTTP/1.1 with Connection: close",
       "POST /v1/jobs HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: "
       "application/json\r\nContent-Length: " +
           std::to_string(body.size()) + "\r\n\r\n" + body},
      {"HTTP/1.0", "POST /v1/jobs HTTP/1.0\r\nContent-Type: application/json\r\nContent-Length: " +
                       std::to_string(body.size()) + "\r\n\r\n" + body},
  };
  for (const auto& [what, bytes] : variants) {
    SCOPED_TRACE(what);
    auto raw = connectTo(daemon_.socketPath());
    ASSERT_TRUE(raw.sendRaw(bytes).ok());
    RawReader reader(raw);
    std::string why;
    auto res = reader.next(10s, &why);
    ASSERT_TRUE(res.has_value()) << "POST /v1/jobs (" << what << ") got no response (" << why
                                 << "), although the job was stored";
    EXPECT_EQ(res->status, 201) << res->body;
    EXPECT_TRUE(reader.waitForClose(10s));
  }
  // The same for a state change.
  const auto id = submitMinimal();
  auto raw = connectTo(daemon_.socketPath());
  ASSERT_TRUE(raw.sendRaw("POST /v1/jobs/" + std::to_string(id) +
                          "/hold HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                  .ok());
  RawReader reader(raw);
  std::string why;
  auto res = reader.next(10s, &why);
  ASSERT_TRUE(res.has_value()) << "POST /v1/jobs/{id}/hold with Connection: close got no response ("
                               << why << ")";
  EXPECT_EQ(res->status, 200) << res->body;
}

}  // namespace
}  // namespace cardd::test
