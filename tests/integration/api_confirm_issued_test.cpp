// POST /v1/jobs/{id}/confirm-issued on a real cardd: a job left waiting after
// an interrupted eject (processing-stopped, reason confirm-issued, an open
// card attempt at eject-requested with its chip serial — what crash recovery
// leaves, written here straight into the store while cardd is stopped) is
// settled by an operator: "in the hopper" completes it and books the card
// issued; "not in the hopper" books it spoiled and queues the job again.

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <boost/json.hpp>
#include <string>

#include "client/connection.hpp"
#include "daemon_process.hpp"
#include "test_helpers.hpp"

namespace cardd::test {
namespace {

namespace json = boost::json;
using client::Response;

// Runs `sql` on the stopped daemon's store; empty string on success.
std::string execSql(const std::string& db_path, const std::string& sql) {
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(db_path.c_str(), &db, SQLITE_OPEN_READWRITE, nullptr) != SQLITE_OK) {
    sqlite3_close(db);
    return "cannot open " + db_path;
  }
  char* err = nullptr;
  std::string out;
  if (sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
    out = err ? err : "sqlite error";
    sqlite3_free(err);
  }
  sqlite3_close(db);
  return out;
}

class ConfirmIssuedTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(daemon_.start()); }

  Response get(const std::string& target) { return callOnce(daemon_.socketPath(), "GET", target); }
  Response post(const std::string& target, std::string_view body) {
    return callOnce(daemon_.socketPath(), "POST", target, body, "application/json");
  }

  // Two jobs, a lot of blanks, 10 loaded into P1; then cardd stops and both
  // jobs are left as crash recovery leaves them.
  void prepareTwoWaitingJobs() {
    for (int i = 0; i < 2; ++i) {
      auto job = sampleJob();
      job["idempotency_key"] = "confirm-" + std::to_string(i);
      auto r = post("/v1/jobs", json::serialize(job));
      ASSERT_EQ(r.status, 201) << r.body;
    }
    auto lot = post("/v1/inventory/receipts", R"({"lot":"L-1","supplier":"S","quantity":20,)"
                                              R"("serial_first":"B0001","serial_last":"B0020"})");
    ASSERT_EQ(lot.status, 201) << lot.body;
    auto load = post("/v1/inventory/loads", R"({"printer":"P1","quantity":10})");
    ASSERT_EQ(load.status, 201) << load.body;
    ASSERT_TRUE(daemon_.stop());
    const std::string sql =
        "UPDATE jobs SET state='processing-stopped', state_reasons='confirm-issued' WHERE id IN "
        "(1,2);"
        "INSERT INTO card_attempts(job_id, attempt, printer, step, reason, detail, chip_serial, "
        "card_failure, started_at, updated_at) VALUES"
        " (1, 1, 'P1', 'eject-requested', '', '', '04A1B2C3D4E5F601', 0, 1, 1),"
        " (2, 1, 'P1', 'eject-requested', '', '', '04A1B2C3D4E5F602', 0, 1, 1);";
    ASSERT_EQ(execSql(daemon_.dbPath(), sql), "");
    ASSERT_TRUE(daemon_.start());
  }

  DaemonProcess daemon_;
};

TEST_F(ConfirmIssuedTest, InTheHopperCompletesAndBooksTheCardIssued) {
  prepareTwoWaitingJobs();
  auto r = post("/v1/jobs/1/confirm-issued", R"({"issued":true})");
  ASSERT_EQ(r.status, 200) << r.body;
  auto job = jsonObject(get("/v1/jobs/1"));
  EXPECT_EQ(job.at("state"), "completed");
  EXPECT_EQ(job.at("chip_serial"), "04A1B2C3D4E5F601");
  const auto& attempts = job.at("attempts").as_array();
  ASSERT_EQ(attempts.size(), 1U);
  EXPECT_EQ(attempts[0].at("outcome"), "issued");

  auto inv = jsonObject(get("/v1/inventory"));
  EXPECT_EQ(inv.at("total").at("issued"), 1);
  EXPECT_EQ(inv.at("balanced"), true) << json::serialize(inv);

  // Settled once: a second answer is refused and changes nothing.
  EXPECT_TRUE(isProblem(post("/v1/jobs/1/confirm-issued", R"({"issued":false})"), 409,
                        "illegal-transition"));
  EXPECT_EQ(jsonObject(get("/v1/inventory")).at("total").at("issued"), 1);
}

TEST_F(ConfirmIssuedTest, NotInTheHopperSpoilsTheCardAndRunsTheJobAgain) {
  prepareTwoWaitingJobs();
  auto r = post("/v1/jobs/2/confirm-issued", R"({"issued":false})");
  ASSERT_EQ(r.status, 200) << r.body;
  auto job = jsonObject(get("/v1/jobs/2"));
  EXPECT_EQ(job.at("state"), "pending");
  EXPECT_FALSE(job.contains("chip_serial"));
  const auto& attempts = job.at("attempts").as_array();
  ASSERT_EQ(attempts.size(), 1U);
  EXPECT_EQ(attempts[0].at("outcome"), "spoiled");
  EXPECT_EQ(attempts[0].at("reason"), "not-in-hopper");
  auto inv = jsonObject(get("/v1/inventory"));
  EXPECT_EQ(inv.at("total").at("spoiled"), 1);
  EXPECT_EQ(inv.at("total").at("issued"), 0);
  EXPECT_EQ(inv.at("balanced"), true);
}

TEST_F(ConfirmIssuedTest, OnlyAJobWaitingForConfirmationAndAYesOrNoAreAccepted) {
  auto created = post("/v1/jobs", sampleJobText());
  ASSERT_EQ(created.status, 201) << created.body;
  // A pending job is not waiting for anyone.
  EXPECT_TRUE(isProblem(post("/v1/jobs/1/confirm-issued", R"({"issued":true})"), 409,
                        "illegal-transition"));
  EXPECT_TRUE(isProblem(post("/v1/jobs/1/confirm-issued", R"({"issued":"yes"})"), 422,
                        "validation-failed"));
  EXPECT_TRUE(isProblem(post("/v1/jobs/1/confirm-issued", R"({})"), 422, "validation-failed"));
  EXPECT_TRUE(isProblem(post("/v1/jobs/1/confirm-issued", "{"), 400, "invalid-json"));
  EXPECT_TRUE(
      isProblem(post("/v1/jobs/99/confirm-issued", R"({"issued":true})"), 404, "not-found"));
}

}  // namespace
}  // namespace cardd::test
