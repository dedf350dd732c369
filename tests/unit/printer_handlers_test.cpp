// The printer routes in-process, against a scripted StationControl: what the
// API shows of the station, the pause switch and its audit entries, and the
// role checks (which come before the station is asked).

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "handler_test_fixture.hpp"

namespace cardd::api {
namespace {

namespace json = boost::json;

class FakeStation : public station::StationControl {
 public:
  FakeStation() {
    station::PrinterView p1;
    p1.id = "P1";
    p1.uri = "tcp://127.0.0.1:9101";
    p1.family = "evolis";
    p1.reader = "Station Reader 00 00";
    p1.ribbon = "ymcko";
    p1.card_stock = "pvc-chip";
    p1.state = "busy";
    p1.current_job = 12;
    p1.current_step = "printing";
    p1.cards_issued_today = 41;
    p1.cards_spoiled_today = 1;
    p1.feeder_cards = 57;
    station::PrinterView p2;
    p2.id = "P2";
    p2.uri = "usb://0f49:ffff";
    p2.ribbon = "k";
    p2.state = "faulted";
    p2.reasons = {"media-jam-error"};
    p2.message = "A card is jammed: open the cover and take it out.";
    views = {p1, p2};
  }

  std::vector<station::PrinterView> printers() const override { return views; }
  Result<station::PrinterView> printer(const std::string& id) const override {
    for (const auto& v : views) {
      if (v.id == id) return v;
    }
    return Error(ErrorCode::NotFound, "printer '" + id + "' does not exist");
  }
  void pause(const std::string& id, const Actor& actor, const std::string& reason,
             std::function<void(Result<station::PrinterView>)> done) override {
    calls.push_back("pause " + id + " by " + actor.user + ": " + reason);
    done(setPaused(id, true, reason));
  }
  void resume(const std::string& id, const Actor& actor,
              std::function<void(Result<station::PrinterView>)> done) override {
    calls.push_back("resume " + id + " by " + actor.user);
    done(setPaused(id, false, ""));
  }

  std::vector<station::PrinterView> views;
  std::vector<std::string> calls;

 private:
  Result<station::PrinterView> setPaused(const std::string& id, bool paused,
                                         const std::string& reason) {
    for (auto& v : views) {
      if (v.id != id) continue;
      v.paused = paused;
      v.paused_reason = reason;
      if (v.state != "busy") v.state = paused ? "paused" : "idle";
      return v;
    }
    return Error(ErrorCode::NotFound, "printer '" + id + "' does not exist");
  }
};

class PrinterHandlersTest : public HandlerTest {
 protected:
  void SetUp() override {
    HandlerTest::SetUp();
    if (HasFatalFailure()) return;
    ctx_->station = &station_;
  }

  FakeStation station_;
};

TEST_F(PrinterHandlersTest, ListAndOne) {
  auto list = request(peer(Role::Operator), "GET", "/v1/printers");
  ASSERT_EQ(list.status, 200u) << list.body;
  const auto printers = body(list).at("printers").as_array();
  ASSERT_EQ(printers.size(), 2u);
  const auto& p1 = printers[0].as_object();
  EXPECT_EQ(p1.at("id"), "P1");
  EXPECT_EQ(p1.at("state"), "busy");
  EXPECT_EQ(p1.at("reader"), "Station Reader 00 00");
  EXPECT_EQ(p1.at("current_job"), 12);
  EXPECT_EQ(p1.at("current_step"), "printing");
  EXPECT_EQ(p1.at("cards_issued_today"), 41);
  EXPECT_EQ(p1.at("feeder_cards"), 57);
  EXPECT_TRUE(p1.at("next_job").is_null());
  const auto& p2 = printers[1].as_object();
  EXPECT_TRUE(p2.at("reader").is_null());
  EXPECT_TRUE(p2.at("feeder_cards").is_null());
  EXPECT_EQ(p2.at("state_reasons"), json::array({"media-jam-error"}));

  auto one = request(peer(Role::Technician), "GET", "/v1/printers/P2");
  ASSERT_EQ(one.status, 200u);
  EXPECT_EQ(body(one).at("message"), "A card is jammed: open the cover and take it out.");
  auto missing = request(peer(Role::Technician), "GET", "/v1/printers/P9");
  EXPECT_EQ(missing.status, 404u);
  EXPECT_EQ(missing.content_type, "application/problem+json");
  EXPECT_NE(missing.body.find("printer 'P9' does not exist"), std::string::npos);
  // No role at all: forbidden.
  EXPECT_EQ(request(Peer{}, "GET", "/v1/printers").status, 403u);
}

TEST_F(PrinterHandlersTest, PauseAndResumeAreAudited) {
  auto paused = request(peer(Role::Technician), "POST", "/v1/printers/P2/pause",
                        R"({"reason":"ribbon change"})");
  ASSERT_EQ(paused.status, 200u) << paused.body;
  EXPECT_EQ(body(paused).at("paused"), true);
  EXPECT_EQ(body(paused).at("paused_reason"), "ribbon change");
  EXPECT_EQ(body(paused).at("state"), "paused");
  auto again = request(peer(Role::Supervisor, 1001, "boss"), "POST", "/v1/printers/P2/pause");
  ASSERT_EQ(again.status, 200u) << again.body;
  auto resumed = request(peer(Role::Admin, 0, "root"), "POST", "/v1/printers/P2/resume", "{}");
  ASSERT_EQ(resumed.status, 200u) << resumed.body;
  EXPECT_EQ(body(resumed).at("paused"), false);
  EXPECT_EQ(station_.calls, (std::vector<std::string>{"pause P2 by tech: ribbon change",
                                                      "pause P2 by boss: ", "resume P2 by root"}));

  const auto entries = auditEntries();
  ASSERT_EQ(entries.size(), 3u);
  EXPECT_EQ(entries[0].action, "printer.pause");
  EXPECT_EQ(entries[0].target, "printer/P2");
  EXPECT_EQ(entries[0].user, "tech");
  EXPECT_EQ(entries[0].roles, "technician");
  EXPECT_EQ(json::parse(entries[0].detail),
            (json::object{{"was_paused", false}, {"reason", "ribbon change"}}));
  EXPECT_EQ(json::parse(entries[1].detail), (json::object{{"was_paused", true}, {"reason", ""}}));
  EXPECT_EQ(entries[2].action, "printer.resume");
  EXPECT_EQ(json::parse(entries[2].detail), (json::object{{"was_paused", true}}));
}

TEST_F(PrinterHandlersTest, RefusalsAndBadRequestsNeverReachTheStation) {
  auto refused = request(peer(Role::Operator, 1002, "clerk"), "POST", "/v1/printers/P1/pause");
  EXPECT_EQ(refused.status, 403u);
  EXPECT_NE(refused.body.find(R"("required_roles":["supervisor","technician","admin"])"),
            std::string::npos)
      << refused.body;
  EXPECT_EQ(request(peer(Role::Technician), "POST", "/v1/printers/P9/pause").status, 404u);
  EXPECT_EQ(
      request(peer(Role::Technician), "POST", "/v1/printers/P1/pause", R"({"why":"x"})").status,
      422u);
  EXPECT_EQ(
      request(peer(Role::Technician), "POST", "/v1/printers/P1/resume", R"({"reason":"x"})").status,
      422u);
  EXPECT_TRUE(station_.calls.empty());
  // Only the refusal is audited.
  const auto entries = auditEntries();
  ASSERT_EQ(entries.size(), 1u);
  expectRefusal(entries[0], "printer.pause", "printer/P1", "clerk");
}

TEST_F(PrinterHandlersTest, WithoutAStation) {
  ctx_->station = nullptr;
  auto list = request(peer(Role::Operator), "GET", "/v1/printers");
  ASSERT_EQ(list.status, 200u);
  EXPECT_EQ(body(list), (json::object{{"printers", json::array{}}}));
  EXPECT_EQ(request(peer(Role::Operator), "GET", "/v1/printers/P1").status, 404u);
  EXPECT_EQ(request(peer(Role::Technician), "POST", "/v1/printers/P1/pause").status, 404u);
  EXPECT_EQ(request(peer(Role::Technician), "POST", "/v1/printers/P1/resume").status, 404u);
  EXPECT_TRUE(station_.calls.empty());
}

}  // namespace
}  // namespace cardd::api
