// The hash-chained audit log: GET /v1/audit/verify on an honest log, then
// after editing or deleting rows directly in the SQLite file while cardd is
// stopped.

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <boost/json.hpp>
#include <string>
#include <vector>

#include "client/connection.hpp"
#include "daemon_process.hpp"
#include "test_helpers.hpp"

namespace cardd::test {
namespace {

namespace json = boost::json;

// Runs SQL on the store file with cardd stopped; returns "" or SQLite's error.
std::string runSql(const std::string& db_path, const std::string& sql, int* changes = nullptr) {
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(db_path.c_str(), &db, SQLITE_OPEN_READWRITE, nullptr) != SQLITE_OK) {
    std::string err = db != nullptr ? sqlite3_errmsg(db) : "cannot open";
    sqlite3_close(db);
    return err;
  }
  char* msg = nullptr;
  std::string err;
  if (sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &msg) != SQLITE_OK) {
    err = msg != nullptr ? msg : "sqlite3_exec failed";
    sqlite3_free(msg);
  }
  if (changes != nullptr) *changes = sqlite3_changes(db);
  sqlite3_close(db);
  return err;
}

class AuditTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(daemon_.start());
    auto conn = connectTo(daemon_.socketPath());
    // 3 submits, a cancel, a hold: five audit entries, ids 1..5.
    std::vector<std::int64_t> ids;
    for (int i = 0; i < 3; ++i) {
      auto res = call(conn, "POST", "/v1/jobs", sampleJobTextWithKey("audit-" + std::to_string(i)));
      ASSERT_EQ(res.status, 201) << res.body;
      ids.push_back(jobId(res));
    }
    ASSERT_EQ(call(conn, "POST", "/v1/jobs/" + std::to_string(ids[0]) + "/cancel").status, 200);
    ASSERT_EQ(call(conn, "POST", "/v1/jobs/" + std::to_string(ids[1]) + "/hold").status, 200);
    // Reads, replays and refused transitions are not audited.
    ASSERT_EQ(call(conn, "GET", "/v1/jobs", {}, {}).status, 200);
    ASSERT_EQ(call(conn, "POST", "/v1/jobs", sampleJobTextWithKey("audit-0")).status, 200);
    ASSERT_EQ(call(conn, "POST", "/v1/jobs/" + std::to_string(ids[0]) + "/hold").status, 409);
  }

  static std::string sampleJobTextWithKey(const std::string& key) {
    auto job = sampleJob();
    job["idempotency_key"] = key;
    return json::serialize(job);
  }

  json::object verify() {
    auto res = callOnce(daemon_.socketPath(), "GET", "/v1/audit/verify", {}, {});
    if (res.status != 200)
      throw TestFailure("verify: HTTP " + std::to_string(res.status) + " " + res.body);
    return jsonObject(res);
  }
  json::array entries() {
    auto res = callOnce(daemon_.socketPath(), "GET", "/v1/audit?limit=1000", {}, {});
    if (res.status != 200)
      throw TestFailure("audit: HTTP " + std::to_string(res.status) + " " + res.body);
    return jsonObject(res).at("entries").as_array();
  }
  void tamper(const std::string& sql, int expected_changes = 1) {
    ASSERT_TRUE(daemon_.stop());
    int changes = 0;
    ASSERT_EQ(runSql(daemon_.dbPath(), sql, &changes), "") << sql;
    ASSERT_EQ(changes, expected_changes) << sql;
    ASSERT_TRUE(daemon_.start());
  }

  DaemonProcess daemon_;
};

TEST_F(AuditTest, HonestLogVerifiesAndIsChained) {
  auto v = verify();
  EXPECT_EQ(v.at("ok"), true) << json::serialize(v);
  EXPECT_EQ(v.at("entries"), 5);
  EXPECT_EQ(v.if_contains("first_bad_id"), nullptr);

  auto list = entries();
  ASSERT_EQ(list.size(), 5u);
  const std::vector<std::string> actions{"job.submit", "job.submit", "job.submit", "job.cancel",
                                         "job.hold"};
  std::string prev;
  for (std::size_t i = 0; i < list.size(); ++i) {
    SCOPED_TRACE("entry " + std::to_string(i + 1));
    const auto& e = list[i].as_object();
    EXPECT_EQ(e.at("id"), static_cast<std::int64_t>(i + 1));
    EXPECT_EQ(e.at("action"), actions[i].c_str());
    EXPECT_EQ(e.at("uid"), 0);
    EXPECT_EQ(e.at("user"), "root");
    EXPECT_EQ(e.at("roles"), "admin");
    ASSERT_TRUE(e.at("hash").is_string());
    EXPECT_EQ(e.at("hash").as_string().size(), 64u) << "sha256 hex";
    if (i > 0) {
      EXPECT_EQ(e.at("prev_hash").as_string(), prev) << "each entry links to the one before";
    }
    prev = std::string(e.at("hash").as_string());
  }
  // Audit details hold no personal data.
  const std::string text = json::serialize(list);
  for (const char* personal :
       {"3171012345670001", "SITI", "RAHAYU", "MERDEKA", "1990-04-17", "iVBORw0KGgo"}) {
    EXPECT_EQ(text.find(personal), std::string::npos)
        << "personal data in the audit log: " << personal;
  }

  // Paging: limit and after, with next_after.
  auto page1 = jsonObject(callOnce(daemon_.socketPath(), "GET", "/v1/audit?limit=2", {}, {}));
  ASSERT_EQ(page1.at("entries").as_array().size(), 2u);
  EXPECT_EQ(page1.at("next_after"), 2);
  auto page3 =
      jsonObject(callOnce(daemon_.socketPath(), "GET", "/v1/audit?limit=2&after=4", {}, {}));
  ASSERT_EQ(page3.at("entries").as_array().size(), 1u);
  EXPECT_EQ(page3.at("entries").as_array()[0].at("id"), 5);
  EXPECT_TRUE(page3.at("next_after").is_null());

  // Survives a clean restart.
  ASSERT_TRUE(daemon_.restart());
  v = verify();
  EXPECT_EQ(v.at("ok"), true);
  EXPECT_EQ(v.at("entries"), 5);
}

TEST_F(AuditTest, EditedRowIsDetectedAtThatRow) {
  tamper(R"(UPDATE audit SET detail='{"tampered":true}' WHERE id=3)");
  auto v = verify();
  EXPECT_EQ(v.at("ok"), false) << json::serialize(v);
  EXPECT_EQ(v.at("entries"), 5);
  EXPECT_EQ(v.at("first_bad_id"), 3);
  ASSERT_TRUE(v.at("problem").is_string());
  EXPECT_NE(v.at("problem").as_string().find('3'), std::string::npos) << v.at("problem");

  // New entries keep being appended, and the break stays reported.
  ASSERT_TRUE(submitOk(daemon_.socketPath()));
  v = verify();
  EXPECT_EQ(v.at("ok"), false);
  EXPECT_EQ(v.at("entries"), 6);
  EXPECT_EQ(v.at("first_bad_id"), 3);
  // The log itself is still readable.
  EXPECT_EQ(entries().size(), 6u);
}

TEST_F(AuditTest, EditedWhoIsDetected) {
  tamper("UPDATE audit SET uid=1000, user='clerk' WHERE id=4");
  auto v = verify();
  EXPECT_EQ(v.at("ok"), false);
  EXPECT_EQ(v.at("first_bad_id"), 4);
}

TEST_F(AuditTest, ReplacedHashIsDetected) {
  // Editing a row and replacing its hash is caught at that row.
  tamper("UPDATE audit SET detail='{}', hash='" + std::string(64, 'a') + "' WHERE id=2");
  auto v = verify();
  EXPECT_EQ(v.at("ok"), false);
  EXPECT_EQ(v.at("first_bad_id"), 2);
}

TEST_F(AuditTest, DeletedMiddleRowIsDetectedAtTheFollowingRow) {
  tamper("DELETE FROM audit WHERE id=3");
  auto v = verify();
  EXPECT_EQ(v.at("ok"), false) << json::serialize(v);
  EXPECT_EQ(v.at("entries"), 4);
  EXPECT_EQ(v.at("first_bad_id"), 4);
  ASSERT_TRUE(v.at("problem").is_string());
  EXPECT_NE(v.at("problem").as_string().find('4'), std::string::npos) << v.at("problem");
}

TEST_F(AuditTest, SwappedRowsAreDetected) {
  tamper(
      "UPDATE audit SET id=100 WHERE id=2; UPDATE audit SET id=2 WHERE id=3; UPDATE audit SET id=3 "
      "WHERE id=100;",
      1);
  auto v = verify();
  EXPECT_EQ(v.at("ok"), false) << json::serialize(v);
  EXPECT_EQ(v.at("first_bad_id"), 2);
}

TEST(AuditAccessTest, VerifyOnAnEmptyLogIsOk) {
  DaemonProcess daemon;
  ASSERT_TRUE(daemon.start());
  auto v = jsonObject(callOnce(daemon.socketPath(), "GET", "/v1/audit/verify", {}, {}));
  EXPECT_EQ(v.at("ok"), true);
  EXPECT_EQ(v.at("entries"), 0);
  auto list = jsonObject(callOnce(daemon.socketPath(), "GET", "/v1/audit", {}, {}));
  EXPECT_TRUE(list.at("entries").as_array().empty());
  EXPECT_TRUE(list.at("next_after").is_null());
}

}  // namespace
}  // namespace cardd::test
