// The blank-card inventory API against a real cardd: a lot received, feeders
// loaded, a stock-take that finds spoiled cards in the reject box, and their
// destruction by one person witnessed by another (a real second uid), with
// the balances and the audit trail checked after each step.

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <string>

#include "client/connection.hpp"
#include "client/problem.hpp"
#include "daemon_process.hpp"
#include "run_as.hpp"
#include "test_helpers.hpp"

namespace cardd::test {
namespace {

namespace json = boost::json;
using client::Connection;
using client::Response;
using namespace std::chrono_literals;

constexpr uid_t kNobody = 65534;
constexpr gid_t kNogroup = 65534;

class ApiInventoryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    daemon_.config().socket_mode = "\"0666\"";
    daemon_.config().access["operator"] = R"({ users: ["#65534"] })";
    ASSERT_TRUE(daemon_.start());
    conn_.emplace(connectTo(daemon_.socketPath()));
  }

  Response post(const std::string& target, const std::string& body) {
    return call(*conn_, "POST", target, body);
  }
  json::object inventory() {
    auto res = call(*conn_, "GET", "/v1/inventory", {}, {});
    EXPECT_EQ(res.status, 200) << res.body;
    return jsonObject(res);
  }
  json::object lot(const json::object& inv, const std::string& name) {
    for (const auto& l : inv.at("lots").as_array())
      if (l.at("lot") == name.c_str()) return l.as_object();
    ADD_FAILURE() << "no lot " << name << " in " << json::serialize(inv);
    return {};
  }

  DaemonProcess daemon_;
  std::optional<Connection> conn_;
};

TEST_F(ApiInventoryTest, ReceiveLoadCountDestroyAndTheBooksBalance) {
  auto received = post("/v1/inventory/receipts",
                       R"({"lot":"L-2026-01","supplier":"PT Kartu Aman","quantity":500,)"
                       R"("serial_first":"BLK000001","serial_last":"BLK000500"})");
  ASSERT_EQ(received.status, 201) << received.body;
  EXPECT_EQ(jsonObject(received).at("kind"), "receipt");

  auto again = post("/v1/inventory/receipts",
                    R"({"lot":"L-2026-01","supplier":"PT Kartu Aman","quantity":5})");
  EXPECT_TRUE(isProblem(again, 422, "validation-failed"));
  EXPECT_NE(again.body.find("already received"), std::string::npos) << again.body;

  auto loaded = post("/v1/inventory/loads", R"({"printer":"P1","quantity":100})");
  ASSERT_EQ(loaded.status, 201) << loaded.body;
  EXPECT_EQ(jsonObject(loaded).at("feeder_cards"), 100);
  auto too_many = post("/v1/inventory/loads", R"({"printer":"P2","quantity":401})");
  EXPECT_TRUE(isProblem(too_many, 422, "validation-failed"));
  EXPECT_NE(too_many.body.find("only 400 blank cards are in stock"), std::string::npos)
      << too_many.body;

  auto inv = inventory();
  EXPECT_EQ(inv.at("balanced"), true);
  EXPECT_EQ(inv.at("total").at("received"), 500);
  EXPECT_EQ(inv.at("total").at("in_stock"), 400);
  EXPECT_EQ(inv.at("total").at("in_feeders"), 100);
  ASSERT_EQ(inv.at("printers").as_array().size(), 1u);
  EXPECT_EQ(inv.at("printers").at(0).at("printer"), "P1");
  EXPECT_EQ(inv.at("printers").at(0).at("cards"), 100);

  // The reject box held 2 spoiled cards the book did not know of.
  auto counted = post("/v1/inventory/stock-takes",
                      R"({"reason":"reject box count","counts":[)"
                      R"({"lot":"L-2026-01","location":"spoiled","counted":2},)"
                      R"({"lot":"L-2026-01","location":"stock","counted":400}]})");
  ASSERT_EQ(counted.status, 201) << counted.body;
  const auto adjustments = jsonObject(counted).at("adjustments").as_array();
  ASSERT_EQ(adjustments.size(), 1u) << counted.body;
  EXPECT_EQ(adjustments[0].at("quantity"), 2);
  EXPECT_EQ(adjustments[0].at("location"), "spoiled");

  auto asked = post("/v1/inventory/destructions", R"({"lot":"L-2026-01","quantity":2})");
  ASSERT_EQ(asked.status, 201) << asked.body;
  const auto id = jsonObject(asked).at("id").as_int64();
  const std::string witness = "/v1/inventory/destructions/" + std::to_string(id) + "/witness";
  auto self = post(witness, "");
  EXPECT_TRUE(isProblem(self, 422, "validation-failed")) << self.body;
  EXPECT_EQ(lot(inventory(), "L-2026-01").at("destroyed"), 0);

  // A second person, on their own connection, witnesses it.
  if (auto skip = skipUnlessRoot()) GTEST_SKIP() << *skip;
  const std::string path = daemon_.socketPath();
  auto r = runAsUid(kNobody, kNogroup, [&](Checks& c) {
    auto conn = Connection::connect(path, 10s);
    if (!c.expect(conn.ok(), "connect as nobody")) return;
    auto res = conn->request("POST", witness, "", "");
    if (!c.expect(res.ok(), "witness request")) return;
    c.expect(res->status == 200, "witness: HTTP " + std::to_string(res->status) + " " + res->body);
    c.expect(res->body.find("\"witness\":\"nobody\"") != std::string::npos,
             "witness: " + res->body);
    // An operator may not receive lots.
    auto lot_res = conn->request("POST", "/v1/inventory/receipts",
                                 R"({"lot":"X","supplier":"Y","quantity":1})", "application/json");
    if (!c.expect(lot_res.ok(), "receipt request")) return;
    c.expect(lot_res->status == 403,
             "receipt as operator: HTTP " + std::to_string(lot_res->status));
    auto p = client::parseProblem(*lot_res);
    c.expect(p && p->required_roles == std::vector<std::string>{"supervisor", "admin"},
             "required roles: " + lot_res->body);
  });
  EXPECT_TRUE(r.ok()) << r.describe();

  auto twice = post(witness, "");
  EXPECT_TRUE(isProblem(twice, 409, "illegal-transition")) << twice.body;

  inv = inventory();
  EXPECT_EQ(inv.at("balanced"), true) << json::serialize(inv);
  const auto l = lot(inv, "L-2026-01");
  EXPECT_EQ(l.at("destroyed"), 2);
  EXPECT_EQ(l.at("spoiled"), 0);
  EXPECT_EQ(l.at("adjustments"), 2);

  // The ledger pages, and every change is in the verified audit chain.
  auto page = jsonObject(call(*conn_, "GET", "/v1/inventory/ledger?limit=2", {}, {}));
  EXPECT_EQ(page.at("entries").as_array().size(), 2u);
  EXPECT_TRUE(page.at("next_after").is_int64());
  auto audit = call(*conn_, "GET", "/v1/audit?limit=1000", {}, {});
  for (const char* action : {"inventory.receive", "inventory.load", "inventory.stock-take",
                             "inventory.destroy", "inventory.witness"}) {
    EXPECT_NE(audit.body.find(action), std::string::npos) << action;
  }
  auto verify = jsonObject(call(*conn_, "GET", "/v1/audit/verify", {}, {}));
  EXPECT_EQ(verify.at("ok"), true);
}

TEST_F(ApiInventoryTest, BadBodiesGetClearProblems) {
  EXPECT_TRUE(isProblem(post("/v1/inventory/receipts", "{"), 400, "invalid-json"));
  auto unknown =
      post("/v1/inventory/receipts", R"({"lot":"A","supplier":"B","quantity":1,"colour":"red"})");
  EXPECT_TRUE(isProblem(unknown, 422, "validation-failed"));
  EXPECT_NE(unknown.body.find("/colour"), std::string::npos) << unknown.body;
  auto missing = post("/v1/inventory/loads", R"({"quantity":"ten"})");
  EXPECT_TRUE(isProblem(missing, 422, "validation-failed"));
  EXPECT_NE(missing.body.find("/printer"), std::string::npos) << missing.body;
  EXPECT_NE(missing.body.find("/quantity"), std::string::npos) << missing.body;
  auto bad_location =
      post("/v1/inventory/stock-takes",
           R"({"reason":"x","counts":[{"lot":"A","location":"desk","counted":1}]})");
  EXPECT_TRUE(isProblem(bad_location, 422, "validation-failed"));
  EXPECT_NE(bad_location.body.find("/counts/0/location"), std::string::npos) << bad_location.body;
  auto text = conn_->request("POST", "/v1/inventory/loads", "printer=P1", "text/plain");
  ASSERT_TRUE(text.ok());
  EXPECT_TRUE(isProblem(*text, 415, "unsupported-media-type"));
  auto unknown_lot = post("/v1/inventory/loads", R"({"printer":"P1","lot":"NOPE","quantity":1})");
  EXPECT_TRUE(isProblem(unknown_lot, 404, "not-found"));
  EXPECT_TRUE(isProblem(call(*conn_, "GET", "/v1/inventory?x=1", {}, {}), 400, "bad-request"));
}

}  // namespace
}  // namespace cardd::test
