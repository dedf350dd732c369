// The device health routes in-process, against a scripted HealthControl:
// what the API shows of faults, wear, supply, maintenance and alerts, the
// query and body checks (which come before the monitor is asked), the role
// checks, the audit entries of the changes, and 503 without a monitor.

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "../health/health_test_util.hpp"
#include "handler_test_fixture.hpp"
#include "health/fault_export.hpp"
#include "health/health_json.hpp"

namespace cardd::api {
namespace {

namespace json = boost::json;
using health::AlertRecord;
using health::AlertSeverity;
using health::AlertState;
using health::FaultRecord;
using health::MaintenanceAction;
using health::MaintenanceRecord;
using health::test_support::makeAlert;
using health::test_support::makeFault;

constexpr std::int64_t kNow = kHandlerTestNow;  // 2027-01-15T08:00:00Z

class FakeHealth : public health::HealthControl {
 public:
  FakeHealth() {
    FaultRecord jam = makeFault(kNow - 3'600'000, "P1", "printer", "media-jam", "error");
    jam.id = 2;
    jam.cleared_at_ms = kNow - 3'000'000;
    jam.raw = "ERR JAM, \"feeder\"";
    jam.job_id = 12;
    FaultRecord chip = makeFault(kNow - 7'200'000, "P1", "encoder", "chip-not-detected", "error");
    chip.id = 1;
    chip.cleared_at_ms = chip.raised_at_ms;
    chip.job_id = 11;
    chip.attempt_id = 4;
    fault_list = {jam, chip};

    health::DeviceHealthView p1;
    p1.printer = "P1";
    p1.wear.printer = "P1";
    p1.wear.cards = 1200;
    p1.wear.cards_since_cleaning = 650;
    p1.reader = health::ReaderWear{"P1", "Station Reader 00 00", kNow - 86'400'000, 300, 3, "0001"};
    p1.forecast.cleaning_due_in_cards = 50;
    p1.cards_per_day = 40;
    device_list = {p1};

    supply_view.station.on_hand = 400;
    supply_view.station.cards_per_day = 40;
    supply_view.station.days_of_supply = 10;
    supply_view.station.confidence = health::Confidence::High;
    supply_view.lots = {health::LotForecast{"LOT-1", 400, 10.0, 0.0}};
    supply_view.lead_time_days = 14;

    AlertRecord open = makeAlert("cleaning-due", "P1", AlertSeverity::Warning,
                                 "Printer P1 is due for cleaning in 50 cards.", kNow - 60'000);
    open.id = 5;
    open.value = 50;
    open.threshold = 50;
    open.updated_at_ms = open.raised_at_ms;
    AlertRecord cleared = open;
    cleared.id = 3;
    cleared.rule = "feeder-low";
    cleared.state = AlertState::Cleared;
    cleared.cleared_at_ms = kNow - 120'000;
    alert_list = {open, cleared};
  }

  Result<std::vector<FaultRecord>> faults(const health::FaultQuery& query) const override {
    last_query = query;
    std::vector<FaultRecord> out;
    for (const auto& f : fault_list) {
      if (query.device && f.device != *query.device) continue;
      if (query.reason && f.reason != *query.reason) continue;
      if (query.since_ms && f.raised_at_ms < *query.since_ms) continue;
      if (query.active_only && f.cleared_at_ms) continue;
      out.push_back(f);
    }
    if (out.size() > static_cast<std::size_t>(query.limit))
      out.resize(static_cast<std::size_t>(query.limit));
    return out;
  }
  Result<std::vector<health::DeviceFaultSummary>> faultSummary(int days) const override {
    last_days = days;
    health::DeviceFaultSummary s;
    s.device = "P1";
    s.device_kind = "printer";
    s.faults = 2;
    s.error_faults = 2;
    s.mtbf_hours = 360;
    s.top_reasons = {{"media-jam", 1}, {"chip-not-detected", 1}};
    return std::vector<health::DeviceFaultSummary>{s};
  }
  Result<std::vector<health::DeviceHealthView>> devices() const override { return device_list; }
  Result<health::DeviceHealthView> device(const std::string& printer) const override {
    for (const auto& d : device_list) {
      if (d.printer == printer) return d;
    }
    return Error(ErrorCode::NotFound, "printer '" + printer + "' does not exist");
  }
  Result<health::SupplyView> supply() const override { return supply_view; }

  void recordMaintenance(const std::string& printer, MaintenanceAction action, const Actor& actor,
                         const std::string& note,
                         std::function<void(Result<MaintenanceRecord>)> done) override {
    calls.push_back("maintenance " + printer + " " +
                    std::string(health::maintenanceActionName(action)) + " by " + actor.user +
                    ": " + note);
    if (printer != "P1")
      return done(Error(ErrorCode::NotFound, "printer '" + printer + "' does not exist"));
    MaintenanceRecord r;
    r.id = static_cast<std::int64_t>(maintenance.size()) + 1;
    r.at_ms = kNow;
    r.printer = printer;
    r.action = action;
    r.actor = actor.user;
    r.note = note;
    maintenance.insert(maintenance.begin(), r);
    done(r);
  }
  Result<std::vector<MaintenanceRecord>> maintenanceLog(const std::string& printer,
                                                        int limit) const override {
    last_log = {printer, limit};
    std::vector<MaintenanceRecord> out;
    for (const auto& m : maintenance) {
      if (printer.empty() || m.printer == printer) out.push_back(m);
    }
    return out;
  }
  Result<std::vector<AlertRecord>> alerts(bool include_cleared, int limit) const override {
    last_alerts = {include_cleared, limit};
    std::vector<AlertRecord> out;
    for (const auto& a : alert_list) {
      if (include_cleared || a.state != AlertState::Cleared) out.push_back(a);
    }
    return out;
  }
  void acknowledge(std::int64_t alert_id, const Actor& actor,
                   std::function<void(Result<AlertRecord>)> done) override {
    calls.push_back("ack " + std::to_string(alert_id) + " by " + actor.user);
    for (auto& a : alert_list) {
      if (a.id != alert_id) continue;
      if (a.state == AlertState::Cleared) {
        return done(Error(ErrorCode::IllegalTransition,
                          "alert " + std::to_string(alert_id) + " has cleared already"));
      }
      if (a.state == AlertState::Raised) {
        a.state = AlertState::Acknowledged;
        a.acknowledged_at_ms = kNow;
        a.acknowledged_by = actor.user;
      }
      return done(a);
    }
    done(Error(ErrorCode::NotFound, "alert " + std::to_string(alert_id) + " does not exist"));
  }

  std::vector<FaultRecord> fault_list;
  std::vector<health::DeviceHealthView> device_list;
  health::SupplyView supply_view;
  std::vector<MaintenanceRecord> maintenance;
  std::vector<AlertRecord> alert_list;
  std::vector<std::string> calls;
  mutable std::optional<health::FaultQuery> last_query;
  mutable int last_days = 0;
  mutable std::pair<std::string, int> last_log;
  mutable std::pair<bool, int> last_alerts;
};

class HealthHandlersTest : public HandlerTest {
 protected:
  void SetUp() override {
    HandlerTest::SetUp();
    if (HasFatalFailure()) return;
    ctx_->health = &health_;
  }

  static Peer tech() { return peer(Role::Technician); }
  HttpResponse get(std::string_view target, const Peer& who = tech()) {
    return request(who, "GET", target);
  }

  FakeHealth health_;
};

TEST_F(HealthHandlersTest, FaultsAsJsonWithFilters) {
  auto all = get("/v1/faults");
  ASSERT_EQ(all.status, 200u) << all.body;
  EXPECT_EQ(all.content_type, "application/json");
  const auto faults = body(all).at("faults").as_array();
  ASSERT_EQ(faults.size(), 2u);
  EXPECT_EQ(faults[0].as_object().at("reason"), "media-jam");
  EXPECT_EQ(faults[1].as_object().at("device_kind"), "encoder");
  EXPECT_EQ(health_.last_query->limit, 1000);
  EXPECT_FALSE(health_.last_query->since_ms.has_value());

  auto jams = get("/v1/faults?printer=P1&reason=media-jam&limit=5&active=false&format=json");
  ASSERT_EQ(jams.status, 200u) << jams.body;
  EXPECT_EQ(body(jams).at("faults").as_array().size(), 1u);
  EXPECT_EQ(health_.last_query->device, "P1");
  EXPECT_EQ(health_.last_query->reason, "media-jam");
  EXPECT_EQ(health_.last_query->limit, 5);
  EXPECT_FALSE(health_.last_query->active_only);

  ASSERT_EQ(get("/v1/faults?active=true").status, 200u);
  EXPECT_TRUE(health_.last_query->active_only);
  EXPECT_EQ(body(get("/v1/faults?active")).at("faults").as_array().size(), 0u);
}

TEST_F(HealthHandlersTest, SinceIsRelativeOrAbsolute) {
  ASSERT_EQ(get("/v1/faults?since=7d").status, 200u);
  EXPECT_EQ(health_.last_query->since_ms, kNow - 7 * 86'400'000LL);
  ASSERT_EQ(get("/v1/faults?since=12h").status, 200u);
  EXPECT_EQ(health_.last_query->since_ms, kNow - 12 * 3'600'000LL);
  ASSERT_EQ(get("/v1/faults?since=30m").status, 200u);
  EXPECT_EQ(health_.last_query->since_ms, kNow - 30 * 60'000LL);
  ASSERT_EQ(get("/v1/faults?since=1970-01-02").status, 200u);
  EXPECT_EQ(health_.last_query->since_ms, 86'400'000LL);
  ASSERT_EQ(get("/v1/faults?since=2027-01-15T08:00:00Z").status, 200u);
  EXPECT_EQ(health_.last_query->since_ms, kNow);
  ASSERT_EQ(get("/v1/faults?since=2027-01-15T08:00:00.250Z").status, 200u);
  EXPECT_EQ(health_.last_query->since_ms, kNow + 250);
  ASSERT_EQ(get("/v1/faults?since=2027-01-15T15:00:00%2B07:00").status, 200u);
  EXPECT_EQ(health_.last_query->since_ms, kNow);
  // An unencoded '+' arrives as a space; it is still the offset.
  ASSERT_EQ(get("/v1/faults?since=2027-01-15T15:00:00+07:00").status, 200u);
  EXPECT_EQ(health_.last_query->since_ms, kNow);
  ASSERT_EQ(get("/v1/faults?since=2027-01-15T01:00:00-07:00").status, 200u);
  EXPECT_EQ(health_.last_query->since_ms, kNow);
  // Since an hour and a half ago: only the jam.
  auto recent = get("/v1/faults?since=90m");
  EXPECT_EQ(body(recent).at("faults").as_array().size(), 1u);
}

TEST_F(HealthHandlersTest, BadFaultQueriesAreRefusedBeforeTheMonitor) {
  for (const char* bad :
       {"since=yesterday", "since=7w", "since=d", "since=2026-13-01", "since=2026-02-30",
        "since=2027-01-15T25:00:00Z", "since=2027-01-15T08:00:00", "since=-7d"}) {
    auto r = get(std::string("/v1/faults?") + bad);
    EXPECT_EQ(r.status, 400u) << bad;
    EXPECT_NE(detail(r).find("since must be"), std::string::npos) << bad << ": " << r.body;
  }
  auto limit = get("/v1/faults?limit=0");
  EXPECT_EQ(limit.status, 400u);
  EXPECT_NE(detail(limit).find("limit must be a whole number from 1 to"), std::string::npos);
  EXPECT_EQ(get("/v1/faults?limit=abc").status, 400u);
  EXPECT_EQ(get("/v1/faults?limit=100001").status, 400u);
  auto format = get("/v1/faults?format=xml");
  EXPECT_EQ(format.status, 400u);
  EXPECT_EQ(detail(format), "format must be json or csv");
  EXPECT_EQ(get("/v1/faults?active=maybe").status, 400u);
  EXPECT_EQ(get("/v1/faults?reason=Media%20Jam").status, 400u);
  EXPECT_EQ(get("/v1/faults?printer=a/b").status, 400u);
  auto unknown = get("/v1/faults?device=P1");
  EXPECT_EQ(unknown.status, 400u);
  EXPECT_NE(detail(unknown).find("unknown query parameter 'device'"), std::string::npos);
  EXPECT_FALSE(health_.last_query.has_value());
}

TEST_F(HealthHandlersTest, FaultsAsCsvParseBack) {
  auto r = get("/v1/faults?format=csv");
  ASSERT_EQ(r.status, 200u) << r.body;
  EXPECT_EQ(r.content_type, "text/csv; charset=utf-8");
  bool disposition = false;
  for (const auto& [name, value] : r.headers) {
    if (name == "Content-Disposition") {
      disposition = true;
      EXPECT_EQ(value, "attachment; filename=\"cardd-faults-2027-01-15.csv\"");
    }
  }
  EXPECT_TRUE(disposition);
  EXPECT_EQ(r.body.rfind("id,raised_at,", 0), 0u) << r.body;
  auto back = health::faultsFromCsv(r.body);
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(*back, health_.fault_list);
}

TEST_F(HealthHandlersTest, FaultSummary) {
  auto r = get("/v1/faults/summary");
  ASSERT_EQ(r.status, 200u) << r.body;
  EXPECT_EQ(health_.last_days, 30);
  const auto b = body(r);
  EXPECT_EQ(b.at("days"), 30);
  ASSERT_EQ(b.at("devices").as_array().size(), 1u);
  EXPECT_EQ(b.at("devices").as_array()[0].as_object().at("device"), "P1");
  ASSERT_EQ(get("/v1/faults/summary?days=7").status, 200u);
  EXPECT_EQ(health_.last_days, 7);
  EXPECT_EQ(get("/v1/faults/summary?days=0").status, 400u);
  EXPECT_EQ(get("/v1/faults/summary?days=x").status, 400u);
  EXPECT_EQ(get("/v1/faults/summary?since=7d").status, 400u);
}

TEST_F(HealthHandlersTest, HealthOfThePrintersAndSupply) {
  auto all = get("/v1/health");
  ASSERT_EQ(all.status, 200u) << all.body;
  const auto b = body(all);
  ASSERT_EQ(b.at("printers").as_array().size(), 1u);
  EXPECT_EQ(b.at("printers").as_array()[0], health::deviceHealthToJson(health_.device_list[0]));
  EXPECT_EQ(b.at("supply"), health::supplyToJson(health_.supply_view));

  auto one = get("/v1/health/printers/P1");
  ASSERT_EQ(one.status, 200u) << one.body;
  EXPECT_EQ(json::parse(one.body), health::deviceHealthToJson(health_.device_list[0]));
  auto missing = get("/v1/health/printers/P9");
  EXPECT_EQ(missing.status, 404u);
  EXPECT_EQ(missing.content_type, "application/problem+json");
  EXPECT_NE(missing.body.find("printer 'P9' does not exist"), std::string::npos);

  auto supply = get("/v1/health/supply");
  ASSERT_EQ(supply.status, 200u) << supply.body;
  EXPECT_EQ(json::parse(supply.body), health::supplyToJson(health_.supply_view));
  EXPECT_EQ(get("/v1/health/supply?x=1").status, 400u);
}

TEST_F(HealthHandlersTest, ReadingNeedsATechnicalRole) {
  const Peer clerk = peer(Role::Operator, 1002, "clerk");
  for (const char* target : {"/v1/faults", "/v1/faults/summary", "/v1/health",
                             "/v1/health/printers/P1", "/v1/health/supply", "/v1/maintenance"}) {
    auto r = get(target, clerk);
    EXPECT_EQ(r.status, 403u) << target;
    EXPECT_NE(r.body.find(R"("required_roles":["supervisor","technician","admin"])"),
              std::string::npos)
        << target << ": " << r.body;
    EXPECT_EQ(get(target, peer(Role::Supervisor)).status, 200u) << target;
    EXPECT_EQ(get(target, peer(Role::Admin)).status, 200u) << target;
  }
  // Operators may read the alerts; nobody without a role may.
  EXPECT_EQ(get("/v1/alerts", clerk).status, 200u);
  EXPECT_EQ(get("/v1/alerts", Peer{}).status, 403u);
  EXPECT_EQ(get("/v1/faults", Peer{}).status, 403u);
  // Reads are not audited.
  EXPECT_TRUE(auditEntries().empty());
}

TEST_F(HealthHandlersTest, MaintenanceIsRecordedAndAudited) {
  auto r = request(tech(), "POST", "/v1/printers/P1/maintenance",
                   R"({"action":"ribbon-loaded","note":"ribbon lot R5F008-2291"})");
  ASSERT_EQ(r.status, 201u) << r.body;
  const auto b = body(r);
  EXPECT_EQ(b.at("action"), "ribbon-loaded");
  EXPECT_EQ(b.at("printer"), "P1");
  EXPECT_EQ(b.at("actor"), "tech");
  EXPECT_EQ(b.at("note"), "ribbon lot R5F008-2291");
  auto admin = request(peer(Role::Admin, 0, "root"), "POST", "/v1/printers/P1/maintenance",
                       R"({"action":"cleaning"})");
  ASSERT_EQ(admin.status, 201u) << admin.body;
  EXPECT_EQ(health_.calls, (std::vector<std::string>{
                               "maintenance P1 ribbon-loaded by tech: ribbon lot R5F008-2291",
                               "maintenance P1 cleaning by root: "}));

  const auto entries = auditEntries();
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(entries[0].action, "printer.maintenance");
  EXPECT_EQ(entries[0].target, "printer/P1");
  EXPECT_EQ(entries[0].user, "tech");
  EXPECT_EQ(entries[0].roles, "technician");
  EXPECT_EQ(
      json::parse(entries[0].detail),
      (json::object{{"id", 1}, {"action", "ribbon-loaded"}, {"note", "ribbon lot R5F008-2291"}}));
  EXPECT_EQ(entries[1].user, "root");

  auto log = get("/v1/maintenance?printer=P1&limit=10");
  ASSERT_EQ(log.status, 200u) << log.body;
  EXPECT_EQ(health_.last_log, (std::pair<std::string, int>{"P1", 10}));
  const auto records = body(log).at("maintenance").as_array();
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[0].as_object().at("action"), "cleaning");
  ASSERT_EQ(get("/v1/maintenance").status, 200u);
  EXPECT_EQ(health_.last_log, (std::pair<std::string, int>{"", 100}));
  EXPECT_EQ(get("/v1/maintenance?limit=0").status, 400u);
  EXPECT_EQ(get("/v1/maintenance?printer=%2F").status, 400u);

  auto missing = request(tech(), "POST", "/v1/printers/P9/maintenance", R"({"action":"cleaning"})");
  EXPECT_EQ(missing.status, 404u);
  EXPECT_EQ(auditEntries().size(), 2u);
}

TEST_F(HealthHandlersTest, BadMaintenanceBodiesNeverReachTheMonitor) {
  const std::string target = "/v1/printers/P1/maintenance";
  auto malformed = request(tech(), "POST", target, R"({"action":)");
  EXPECT_EQ(malformed.status, 400u);
  EXPECT_NE(malformed.body.find("invalid-json"), std::string::npos);
  auto missing = request(tech(), "POST", target, R"({"note":"x"})");
  EXPECT_EQ(missing.status, 422u);
  EXPECT_NE(missing.body.find(R"("pointer":"/action")"), std::string::npos) << missing.body;
  auto empty = request(tech(), "POST", target);
  EXPECT_EQ(empty.status, 422u);
  EXPECT_NE(empty.body.find("is required"), std::string::npos) << empty.body;
  auto unknown = request(tech(), "POST", target, R"({"action":"polishing"})");
  EXPECT_EQ(unknown.status, 422u);
  EXPECT_NE(unknown.body.find("must be one of cleaning, printhead-replaced"), std::string::npos)
      << unknown.body;
  EXPECT_EQ(request(tech(), "POST", target, R"({"action":7})").status, 422u);
  EXPECT_EQ(request(tech(), "POST", target, R"({"action":"cleaning","extra":1})").status, 422u);
  EXPECT_EQ(request(tech(), "POST", target, R"({"action":"cleaning","note":5})").status, 422u);
  EXPECT_EQ(request(tech(), "POST", target,
                    R"({"action":"cleaning","note":")" + std::string(501, 'n') + R"("})")
                .status,
            422u);
  EXPECT_EQ(request(tech(), "POST", target, R"(["cleaning"])").status, 422u);
  EXPECT_EQ(request(tech(), "POST", target, R"({"action":"cleaning"})", "text/plain").status, 415u);
  EXPECT_EQ(request(tech(), "POST", target + "?note=x", R"({"action":"cleaning"})").status, 400u);
  EXPECT_TRUE(health_.calls.empty());
  EXPECT_TRUE(auditEntries().empty());
}

TEST_F(HealthHandlersTest, MaintenanceRefusalsAreAudited) {
  // Supervisors may acknowledge but not record maintenance.
  auto refused = request(peer(Role::Supervisor, 1001, "boss"), "POST",
                         "/v1/printers/P1/maintenance", R"({"action":"cleaning"})");
  EXPECT_EQ(refused.status, 403u);
  EXPECT_NE(refused.body.find(R"("required_roles":["technician","admin"])"), std::string::npos)
      << refused.body;
  EXPECT_EQ(request(peer(Role::Operator, 1002, "clerk"), "POST", "/v1/alerts/5/acknowledge").status,
            403u);
  EXPECT_TRUE(health_.calls.empty());
  const auto entries = auditEntries();
  ASSERT_EQ(entries.size(), 2u);
  expectRefusal(entries[0], "printer.maintenance", "printer/P1", "boss");
  expectRefusal(entries[1], "alert.acknowledge", "alert/5", "clerk");
}

TEST_F(HealthHandlersTest, AlertsOpenOrAll) {
  auto open = get("/v1/alerts", peer(Role::Operator));
  ASSERT_EQ(open.status, 200u) << open.body;
  EXPECT_EQ(health_.last_alerts, (std::pair<bool, int>{false, 100}));
  auto alerts = body(open).at("alerts").as_array();
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0], health::alertToJson(health_.alert_list[0]));

  auto all = get("/v1/alerts?all=true&limit=20");
  ASSERT_EQ(all.status, 200u);
  EXPECT_EQ(health_.last_alerts, (std::pair<bool, int>{true, 20}));
  EXPECT_EQ(body(all).at("alerts").as_array().size(), 2u);
  EXPECT_EQ(get("/v1/alerts?all=perhaps").status, 400u);
  EXPECT_EQ(get("/v1/alerts?limit=-1").status, 400u);
  EXPECT_EQ(get("/v1/alerts?state=raised").status, 400u);
}

TEST_F(HealthHandlersTest, AcknowledgeIsAudited) {
  auto r = request(peer(Role::Supervisor, 1001, "boss"), "POST", "/v1/alerts/5/acknowledge");
  ASSERT_EQ(r.status, 200u) << r.body;
  EXPECT_EQ(body(r).at("state"), "acknowledged");
  EXPECT_EQ(body(r).at("acknowledged_by"), "boss");
  // Again, with an empty object: still fine, nothing changes.
  auto again = request(tech(), "POST", "/v1/alerts/5/acknowledge", "{}");
  ASSERT_EQ(again.status, 200u) << again.body;
  EXPECT_EQ(body(again).at("acknowledged_by"), "boss");
  const auto entries = auditEntries();
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(entries[0].action, "alert.acknowledge");
  EXPECT_EQ(entries[0].target, "alert/5");
  EXPECT_EQ(entries[0].user, "boss");
  EXPECT_EQ(json::parse(entries[0].detail),
            (json::object{{"rule", "cleaning-due"}, {"subject", "P1"}, {"severity", "warning"}}));
}

TEST_F(HealthHandlersTest, AcknowledgeFailures) {
  auto cleared = request(tech(), "POST", "/v1/alerts/3/acknowledge");
  EXPECT_EQ(cleared.status, 409u);
  EXPECT_NE(cleared.body.find("illegal-transition"), std::string::npos);
  EXPECT_NE(cleared.body.find("alert 3 has cleared already"), std::string::npos);
  auto missing = request(tech(), "POST", "/v1/alerts/99/acknowledge");
  EXPECT_EQ(missing.status, 404u);
  EXPECT_EQ(request(tech(), "POST", "/v1/alerts/0/acknowledge").status, 400u);
  EXPECT_EQ(request(tech(), "POST", "/v1/alerts/5/acknowledge", R"({"note":"x"})").status, 422u);
  EXPECT_EQ(request(tech(), "POST", "/v1/alerts/5/acknowledge", "{").status, 400u);
  EXPECT_EQ(request(tech(), "GET", "/v1/alerts/5/acknowledge").status, 405u);
  EXPECT_EQ(health_.calls, (std::vector<std::string>{"ack 3 by tech", "ack 99 by tech"}));
  EXPECT_TRUE(auditEntries().empty());
}

TEST_F(HealthHandlersTest, WithoutAHealthMonitorEveryRouteIs503) {
  ctx_->health = nullptr;
  for (const char* target :
       {"/v1/faults", "/v1/faults?format=csv", "/v1/faults/summary", "/v1/health",
        "/v1/health/printers/P1", "/v1/health/supply", "/v1/maintenance", "/v1/alerts"}) {
    auto r = get(target);
    EXPECT_EQ(r.status, 503u) << target;
    EXPECT_NE(detail(r).find("device health is not running"), std::string::npos) << r.body;
  }
  EXPECT_EQ(
      request(tech(), "POST", "/v1/printers/P1/maintenance", R"({"action":"cleaning"})").status,
      503u);
  EXPECT_EQ(request(tech(), "POST", "/v1/alerts/5/acknowledge").status, 503u);
  // Roles and parameters are still checked first.
  EXPECT_EQ(get("/v1/faults", peer(Role::Operator)).status, 403u);
  EXPECT_EQ(get("/v1/faults?limit=0").status, 400u);
  EXPECT_TRUE(health_.calls.empty());
}

}  // namespace
}  // namespace cardd::api
