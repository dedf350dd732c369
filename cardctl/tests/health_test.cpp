// cardctl's device health commands: argument parsing, the formatting of the
// API's JSON, and end to end against a scripted fake cardd.

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <mutex>
#include <sstream>

#include "cli/args.hpp"
#include "cli/health_format.hpp"
#include "commands/commands.hpp"
#include "fake_server.hpp"

namespace cardd::cli {
namespace {

using namespace std::chrono_literals;
using testing::FakeRequest;
using testing::FakeServer;
using testing::httpResponse;
using testing::problemResponse;

boost::json::object obj(std::string_view text) {
  return boost::json::parse(text).as_object();
}
boost::json::array arr(std::string_view text) {
  return boost::json::parse(text).as_array();
}
std::string usageError(const std::vector<std::string>& args) {
  auto r = parseArgs(args, nullptr);
  if (r.ok()) return "(parsed)";
  return r.error().message;
}

constexpr const char* kFaults =
    R"([{"id":3,"raised_at":"2026-11-29T10:00:00.000Z","cleared_at":null,"duration_ms":null,
         "device":"P1","device_kind":"printer","reason":"cover-open","severity":"warning","raw":"",
         "job_id":null,"attempt_id":null},
        {"id":2,"raised_at":"2026-11-29T09:00:00.000Z","cleared_at":"2026-11-29T09:12:05.000Z",
         "duration_ms":725000,"device":"P1","device_kind":"printer","reason":"media-jam",
         "severity":"error","raw":"ERR JAM","job_id":12,"attempt_id":4},
        {"id":1,"raised_at":"2026-11-29T08:00:00.000Z","cleared_at":"2026-11-29T08:00:00.000Z",
         "duration_ms":0,"device":"P2","device_kind":"encoder","reason":"chip-not-detected",
         "severity":"error","raw":"","job_id":11,"attempt_id":3}])";

constexpr const char* kSummary =
    R"({"days":30,"devices":[{"device":"P1","device_kind":"printer","faults":7,"error_faults":2,
        "active":1,"mtbf_hours":360.0,"downtime_ms":5400000,
        "top_reasons":[{"reason":"media-jam","count":4},{"reason":"cover-open","count":3}]},
        {"device":"P2","device_kind":"encoder","faults":1,"error_faults":0,"active":0,
         "mtbf_hours":null,"downtime_ms":0,"top_reasons":[{"reason":"card-removed","count":1}]}]})";

constexpr const char* kDeviceP1 =
    R"({"printer":"P1","wear":{"printer":"P1","cards":1200,"panels":6000,"cards_since_cleaning":650,
        "cleanings":1,"last_cleaning_at":"2026-11-01T09:00:00.000Z","ribbon_changes":3,
        "cards_since_ribbon":80,"ribbon_loaded_at":null,"busy_ms":1,"hot_ms":90000,
        "forced_pauses":2,"rest_ms":600000,"head_installed_at":"2026-01-01T00:00:00.000Z",
        "head_passes":6000,"updated_at":null},
       "limits":{"cleaning_interval_cards":700,"printhead_rated_passes":20000},
       "reader":{"printer":"P1","reader":"Station Reader 00 00","installed_at":null,
                 "insertions":300,"chip_failures":3,"recent":"0000000001","recent_failure_rate":0.1},
       "forecast":{"ribbon_cards_left":120,"ribbon_days_left":3.0,"cleaning_due_in_cards":50,
                   "cleaning_due_in_days":1.3,"head_passes_left":14000,"head_life_used":0.3,
                   "head_days_left":70.0,"head_end_of_life_at":null},
       "cards_per_day":40.0,"printer_cards":1210,"printer_cards_since_cleaning":null,
       "printer_cleanings":null,"ribbon_remaining":120,"ribbon_capacity":200,
       "duty_cards_per_hour":60,"cards_last_hour":12,"resting":false})";

constexpr const char* kDeviceP2 =
    R"({"printer":"P2","wear":{"printer":"P2","cards":10,"cards_since_cleaning":710,"cleanings":0,
        "head_passes":50,"cards_since_ribbon":10},
       "limits":{"cleaning_interval_cards":700,"printhead_rated_passes":0},"reader":null,
       "forecast":{"ribbon_cards_left":null,"ribbon_days_left":null,"cleaning_due_in_cards":-10,
                   "cleaning_due_in_days":null,"head_passes_left":null,"head_life_used":null,
                   "head_days_left":null,"head_end_of_life_at":null},
       "cards_per_day":0,"duty_cards_per_hour":0,"cards_last_hour":0,"resting":false})";

constexpr const char* kSupply =
    R"({"station":{"on_hand":400,"cards_per_day":40.0,"days_of_supply":10.0,"days_low":8.0,
        "days_high":12.4,"runs_out_at":"2026-12-09T10:00:00.000Z","confidence":"high",
        "window_days":28,"active_days":20,"consumed":1120},
       "lots":[{"lot":"LOT-1","on_hand":150,"days_until_empty":3.75,"days_until_first_use":0},
               {"lot":"LOT-2","on_hand":250,"days_until_empty":10.0,"days_until_first_use":3.75}],
       "lead_time_days":14})";

constexpr const char* kAlert5 =
    R"({"id":5,"rule":"cleaning-due","subject":"P1","severity":"warning","state":"acknowledged",
        "message":"Printer P1 is due for cleaning in 50 cards.","value":50,"threshold":50,
        "raised_at":"2026-11-29T10:00:00.000Z","updated_at":"2026-11-29T10:00:00.000Z",
        "acknowledged_at":"2026-11-29T10:05:00.000Z","acknowledged_by":"boss","cleared_at":null})";

constexpr const char* kMaintenance =
    R"({"id":3,"at":"2026-11-29T10:00:00.000Z","printer":"P1","action":"ribbon-loaded",
        "actor":"tech","note":"ribbon lot R5F008-2291"})";

// ---- Arguments ----

TEST(HealthArgs, Faults) {
  auto r = parseArgs({"faults", "--printer", "P1", "--since", "7d", "--reason", "media-jam",
                      "--active", "--format=csv"},
                     nullptr);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->command, Command::Faults);
  EXPECT_EQ(r->printer_id, "P1");
  EXPECT_EQ(r->since_text, "7d");
  EXPECT_EQ(r->reason, "media-jam");
  EXPECT_TRUE(r->active);
  EXPECT_EQ(r->format, "csv");
  for (const char* since :
       {"12h", "30m", "2026-11-01", "2026-11-01T08:00:00Z", "2026-11-01T08:00:00+07:00"}) {
    auto s = parseArgs({"faults", "--since", since}, nullptr);
    ASSERT_TRUE(s.ok()) << since;
    EXPECT_EQ(s->since_text, since);
  }
  EXPECT_TRUE(parseArgs({"faults", "--summary"}, nullptr)->summary);
  EXPECT_NE(usageError({"faults", "--since", "yesterday"}).find("--since must be a span"),
            std::string::npos);
  EXPECT_NE(usageError({"faults", "--since", "7w"}).find("--since must be"), std::string::npos);
  EXPECT_EQ(usageError({"faults", "--format", "xml"}), "--format must be csv or json");
  EXPECT_EQ(usageError({"faults", "--printer", "a/b"}),
            "invalid printer ID 'a/b' (1 to 32 letters, digits, '.', '_' or '-')");
  EXPECT_NE(usageError({"faults", "--summary", "--format", "csv"}).find("--summary takes no"),
            std::string::npos);
  EXPECT_EQ(usageError({"faults", "--format", "csv", "--json"}),
            "give either --format or --json, not both");
  EXPECT_EQ(usageError({"faults", "P1"}), "unexpected argument 'P1' for faults");
  EXPECT_EQ(usageError({"jobs", "--summary"}), "--summary is not an option of 'jobs'");
  // --since of events is still an event number.
  EXPECT_EQ(parseArgs({"events", "--since", "12"}, nullptr)->since, 12u);
  EXPECT_EQ(usageError({"events", "--since", "7d"}), "--since must be an event number (0 or more)");
}

TEST(HealthArgs, HealthMaintenanceAlerts) {
  EXPECT_EQ(parseArgs({"health"}, nullptr)->printer_id, "");
  EXPECT_EQ(parseArgs({"health", "P1"}, nullptr)->printer_id, "P1");
  EXPECT_EQ(usageError({"health", "P1", "P2"}), "unexpected argument 'P2' for health");
  EXPECT_EQ(parseArgs({"supply"}, nullptr)->command, Command::Supply);

  auto m = parseArgs({"maintenance", "P1", "cleaning", "--note", "monthly"}, nullptr);
  ASSERT_TRUE(m.ok()) << m.error().message;
  EXPECT_EQ(m->command, Command::Maintenance);
  EXPECT_EQ(m->printer_id, "P1");
  EXPECT_EQ(m->maintenance_action, "cleaning");
  EXPECT_EQ(m->note, "monthly");
  EXPECT_NE(usageError({"maintenance", "P1"}).find("maintenance needs a printer ID and an action"),
            std::string::npos);
  EXPECT_EQ(usageError({"maintenance", "P1", "polishing"}),
            "unknown maintenance action 'polishing' (one of: cleaning, printhead-replaced, "
            "reader-replaced, ribbon-loaded)");
  EXPECT_EQ(usageError({"maintenance", "P1", "cleaning", "--note", std::string(501, 'x')}),
            "--note must be at most 500 characters");
  EXPECT_EQ(parseArgs({"maintenance-log"}, nullptr)->command, Command::MaintenanceLog);
  EXPECT_EQ(parseArgs({"maintenance-log", "P2"}, nullptr)->printer_id, "P2");

  EXPECT_FALSE(parseArgs({"alerts"}, nullptr)->all);
  EXPECT_TRUE(parseArgs({"alerts", "--all"}, nullptr)->all);
  EXPECT_EQ(parseArgs({"ack", "5"}, nullptr)->alert_id, 5u);
  EXPECT_EQ(usageError({"ack"}), "ack needs an alert ID");
  EXPECT_EQ(usageError({"ack", "x"}), "invalid alert ID 'x' (a positive number)");
  EXPECT_EQ(usageError({"ack", "0"}), "invalid alert ID '0' (a positive number)");
}

// ---- Formatting ----

TEST(HealthFormat, Durations) {
  EXPECT_EQ(formatDurationMs(0), "0s");
  EXPECT_EQ(formatDurationMs(45'999), "45s");
  EXPECT_EQ(formatDurationMs(725'000), "12m 05s");
  EXPECT_EQ(formatDurationMs(12'000'000), "3h 20m");
  EXPECT_EQ(formatDurationMs(187'200'000), "2d 4h");
}

TEST(HealthFormat, FaultsTable) {
  EXPECT_EQ(formatFaultsTable(arr(kFaults)),
            "RAISED                DEVICE      REASON             SEVERITY  DURATION  JOB\n"
            "2026-11-29T10:00:00Z  P1          cover-open         warning     active    -\n"
            "2026-11-29T09:00:00Z  P1          media-jam          error      12m 05s   12\n"
            "2026-11-29T08:00:00Z  P2 encoder  chip-not-detected  error            -   11\n");
  EXPECT_EQ(formatFaultsTable(arr("[]")), "no faults\n");
}

TEST(HealthFormat, FaultSummary) {
  EXPECT_EQ(
      formatFaultSummary(obj(kSummary)),
      "faults per device, last 30 days:\n"
      "DEVICE  KIND     FAULTS  ERRORS  ACTIVE   MTBF  DOWNTIME  TOP REASONS\n"
      "P1      printer       7       2       1  360 h    1h 30m  media-jam (4), cover-open (3)\n"
      "P2      encoder       1       0       0      -        0s  card-removed (1)\n");
  EXPECT_EQ(formatFaultSummary(obj(R"({"days":7,"devices":[]})")),
            "faults per device, last 7 days:\n  no faults\n");
}

TEST(HealthFormat, ForecastLine) {
  EXPECT_EQ(formatForecastLine(obj(kDeviceP1)),
            "ribbon: 120 cards left (~3 days); cleaning due in 50 cards (~1.3 days); printhead: "
            "30% of rated life used (~70 days left); reader: 10% chip failures over the last 10 "
            "cards");
  EXPECT_EQ(formatForecastLine(obj(kDeviceP2)), "cleaning overdue by 10 cards");
  EXPECT_EQ(formatForecastLine(obj("{}")), "no forecast yet");
}

TEST(HealthFormat, HealthOverview) {
  const std::string text = formatHealth(obj(std::string(R"({"printers":[)") + kDeviceP1 + "," +
                                            kDeviceP2 + R"(],"supply":)" + kSupply + "}"));
  EXPECT_EQ(text.rfind("PRINTER  CARDS  SINCE-CLEANING  CLEANINGS  HEAD-PASSES  RIBBON-CARDS  "
                       "READER-FAILURES  DUTY\n"
                       "P1        1200             650          1         6000            80  "
                       "          3/300  12/60 an hour\n"
                       "P2          10             710          0           50            10  "
                       "              -  -\n",
                       0),
            0u)
      << text;
  EXPECT_NE(text.find("\nforecasts:\n  P1: ribbon: 120 cards left"), std::string::npos) << text;
  EXPECT_NE(text.find("\n  P2: cleaning overdue by 10 cards\n"), std::string::npos) << text;
  EXPECT_NE(text.find("\nblanks: 400 on hand"), std::string::npos) << text;
  EXPECT_EQ(formatHealth(obj(R"({"printers":[]})")), "no printers configured\n");
}

TEST(HealthFormat, DeviceDetails) {
  const std::string text = formatDeviceHealth(obj(kDeviceP1));
  EXPECT_EQ(text.rfind("printer P1:\n", 0), 0u) << text;
  EXPECT_NE(text.find("  cards since cleaning: 650 of 700\n"), std::string::npos) << text;
  EXPECT_NE(text.find("  printhead passes:     6000 of 20000 rated (since 2026-01-01T00:00:00Z)\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("  cards since ribbon:   80, printer reports 120 of 200 left\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("  encoder:              Station Reader 00 00: 3 chip failures in 300 "
                      "cards\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("  duty cycle:           12 of 60 cards in the last hour\n"),
            std::string::npos)
      << text;
  EXPECT_NE(formatDeviceHealth(obj(kDeviceP2)).find("  encoder:              none\n"),
            std::string::npos);
}

TEST(HealthFormat, Supply) {
  EXPECT_EQ(formatSupply(obj(kSupply)),
            "blanks: 400 on hand, 40 cards a day: 10 days of supply (8 to 12), confidence high, "
            "runs out around 2026-12-09\n"
            "reorder lead time: 14 days\n"
            "LOT    ON-HAND  FIRST-USE    EMPTY\n"
            "LOT-1      150        now   in 4 d\n"
            "LOT-2      250     in 4 d  in 10 d\n");
  EXPECT_EQ(formatSupply(obj(R"({"station":{"on_hand":0,"cards_per_day":0,"days_of_supply":null,
                                  "confidence":"none"},"lots":[],"lead_time_days":0})")),
            "blanks: 0 on hand, 0 cards a day: no consumption in the window, no forecast, "
            "confidence none\n");
}

TEST(HealthFormat, MaintenanceAndAlerts) {
  EXPECT_EQ(formatMaintenanceRecorded(obj(kMaintenance)),
            "printer P1: ribbon-loaded recorded (#3) by tech: ribbon lot R5F008-2291");
  EXPECT_EQ(formatMaintenanceTable(arr(std::string("[") + kMaintenance + "]")),
            "ID  AT                    PRINTER  ACTION         BY    NOTE\n"
            " 3  2026-11-29T10:00:00Z  P1       ribbon-loaded  tech  ribbon lot R5F008-2291\n");
  EXPECT_EQ(formatMaintenanceTable(arr("[]")), "no maintenance recorded\n");
  EXPECT_EQ(formatAlertsTable(arr(std::string("[") + kAlert5 + "]"), false),
            "ID  SEVERITY  STATE                 RULE          SUBJECT  RAISED                "
            "MESSAGE\n"
            " 5  warning   acknowledged by boss  cleaning-due  P1       2026-11-29T10:00:00Z  "
            "Printer P1 is due for cleaning in 50 cards.\n");
  EXPECT_EQ(formatAlertsTable(arr("[]"), false), "no open alerts\n");
  EXPECT_EQ(formatAlertsTable(arr("[]"), true), "no alerts\n");
  EXPECT_EQ(formatAcknowledged(obj(kAlert5)),
            "alert 5 acknowledged by boss: Printer P1 is due for cleaning in 50 cards.");
  EXPECT_EQ(queryEscape("2026-11-01T08:00:00+07:00"), "2026-11-01T08:00:00%2B07:00");
  EXPECT_EQ(queryEscape("a b&c"), "a%20b%26c");
}

// ---- End to end ----

class FakeHealthCardd : public ::testing::Test {
 protected:
  FakeHealthCardd()
      : server_(FakeServer::routes([this](const FakeRequest& r) { return route(r); }, &log_,
                                   &log_mutex_)) {}

  static constexpr const char* kCsv =
      "id,raised_at,cleared_at,duration_ms,device,device_kind,reason,severity,raw,job_id,"
      "attempt_id\r\n2,2026-11-29T09:00:00.000Z,2026-11-29T09:12:05.000Z,725000,P1,printer,"
      "media-jam,error,ERR JAM,12,4\r\n";

  std::string route(const FakeRequest& r) {
    const std::string& t = r.target;
    if (t.rfind("/v1/faults?", 0) == 0 && t.find("format=csv") != std::string::npos) {
      return httpResponse(200, "text/csv; charset=utf-8", kCsv,
                          "Content-Disposition: attachment; filename=\"x.csv\"\r\n");
    }
    if (t == "/v1/faults" || t.rfind("/v1/faults?", 0) == 0)
      return httpResponse(200, "application/json", std::string(R"({"faults":)") + kFaults + "}");
    if (t == "/v1/faults/summary") return httpResponse(200, "application/json", kSummary);
    if (t == "/v1/health") {
      return httpResponse(
          200, "application/json",
          std::string(R"({"printers":[)") + kDeviceP1 + R"(],"supply":)" + kSupply + "}");
    }
    if (t == "/v1/health/printers/P1") return httpResponse(200, "application/json", kDeviceP1);
    if (t == "/v1/health/printers/P9" || t == "/v1/printers/P9/maintenance")
      return problemResponse(404, "not-found", "Not found", "printer 'P9' does not exist");
    if (t == "/v1/health/supply") return httpResponse(200, "application/json", kSupply);
    if (r.method == "POST" && t == "/v1/printers/P1/maintenance")
      return httpResponse(201, "application/json", kMaintenance);
    if (r.method == "POST" && t == "/v1/printers/P2/maintenance") {
      return problemResponse(403, "forbidden", "Forbidden", "this needs the technician role",
                             R"("required_roles":["technician","admin"])");
    }
    if (t == "/v1/maintenance" || t == "/v1/maintenance?printer=P1")
      return httpResponse(200, "application/json",
                          std::string(R"({"maintenance":[)") + kMaintenance + "]}");
    if (t == "/v1/alerts") return httpResponse(200, "application/json", R"({"alerts":[]})");
    if (t == "/v1/alerts?all=true")
      return httpResponse(200, "application/json", std::string(R"({"alerts":[)") + kAlert5 + "]}");
    if (r.method == "POST" && t == "/v1/alerts/5/acknowledge")
      return httpResponse(200, "application/json", kAlert5);
    if (r.method == "POST" && t == "/v1/alerts/3/acknowledge") {
      return problemResponse(409, "illegal-transition", "Conflict", "alert 3 has cleared already");
    }
    if (r.method == "POST" && t == "/v1/alerts/99/acknowledge")
      return problemResponse(404, "not-found", "Not found", "alert 99 does not exist");
    return problemResponse(404, "not-found", "Not found", "no route");
  }

  struct Outcome {
    int code;
    std::string out;
    std::string err;
  };
  Outcome cli(std::vector<std::string> args) {
    std::istringstream in;
    std::ostringstream out;
    std::ostringstream err;
    args.insert(args.begin(), {"--socket", server_.path()});
    Settings settings;
    settings.timeout = 2s;
    const int code = run(args, nullptr, Io{in, out, err}, std::move(settings));
    return {code, out.str(), err.str()};
  }
  std::vector<FakeRequest> requests() {
    std::lock_guard<std::mutex> lock(log_mutex_);
    return log_;
  }

  std::vector<FakeRequest> log_;
  std::mutex log_mutex_;
  FakeServer server_;
};

TEST_F(FakeHealthCardd, FaultsTableAndFilters) {
  auto r = cli({"faults", "--printer", "P1", "--since", "2026-11-01T08:00:00+07:00", "--reason",
                "media-jam", "--active"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, formatFaultsTable(arr(kFaults)));
  ASSERT_EQ(requests().size(), 1u);
  EXPECT_EQ(requests()[0].target,
            "/v1/faults?printer=P1&since=2026-11-01T08:00:00%2B07:00&reason=media-jam&active=true");
}

TEST_F(FakeHealthCardd, FaultsExports) {
  auto csv = cli({"faults", "--format", "csv", "--since", "7d"});
  ASSERT_EQ(csv.code, 0) << csv.err;
  EXPECT_EQ(csv.out, kCsv);
  EXPECT_EQ(requests().back().target, "/v1/faults?since=7d&format=csv");
  auto json = cli({"faults", "--format", "json"});
  ASSERT_EQ(json.code, 0) << json.err;
  EXPECT_EQ(boost::json::parse(json.out), arr(kFaults));
  auto api = cli({"faults", "--json"});
  EXPECT_EQ(boost::json::parse(api.out).as_object().at("faults"), arr(kFaults));
}

TEST_F(FakeHealthCardd, FaultSummary) {
  auto r = cli({"faults", "--summary"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, formatFaultSummary(obj(kSummary)));
}

TEST_F(FakeHealthCardd, HealthAndSupply) {
  auto all = cli({"health"});
  ASSERT_EQ(all.code, 0) << all.err;
  EXPECT_NE(all.out.find("forecasts:\n  P1: ribbon: 120 cards left"), std::string::npos);
  auto one = cli({"health", "P1"});
  ASSERT_EQ(one.code, 0) << one.err;
  EXPECT_EQ(one.out, formatDeviceHealth(obj(kDeviceP1)));
  auto missing = cli({"health", "P9"});
  EXPECT_EQ(missing.code, 5);
  EXPECT_EQ(missing.err, "cardctl: printer P9 not found\n");
  auto supply = cli({"supply"});
  ASSERT_EQ(supply.code, 0) << supply.err;
  EXPECT_EQ(supply.out, formatSupply(obj(kSupply)));
}

TEST_F(FakeHealthCardd, Maintenance) {
  auto r = cli({"maintenance", "P1", "ribbon-loaded", "--note", "ribbon lot R5F008-2291"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "printer P1: ribbon-loaded recorded (#3) by tech: ribbon lot R5F008-2291\n");
  EXPECT_EQ(boost::json::parse(requests().back().body),
            obj(R"({"action":"ribbon-loaded","note":"ribbon lot R5F008-2291"})"));
  auto plain = cli({"maintenance", "P1", "cleaning"});
  ASSERT_EQ(plain.code, 0) << plain.err;
  EXPECT_EQ(requests().back().body, R"({"action":"cleaning"})");
  auto refused = cli({"maintenance", "P2", "cleaning"});
  EXPECT_EQ(refused.code, 4);
  EXPECT_EQ(refused.err, "cardctl: refused: this needs the technician or admin role\n");
  auto missing = cli({"maintenance", "P9", "cleaning"});
  EXPECT_EQ(missing.code, 5);
  EXPECT_EQ(missing.err, "cardctl: printer P9 not found\n");
  auto log = cli({"maintenance-log", "P1"});
  ASSERT_EQ(log.code, 0) << log.err;
  EXPECT_EQ(log.out, formatMaintenanceTable(arr(std::string("[") + kMaintenance + "]")));
  EXPECT_EQ(requests().back().target, "/v1/maintenance?printer=P1");
}

TEST_F(FakeHealthCardd, AlertsAndAck) {
  auto open = cli({"alerts"});
  ASSERT_EQ(open.code, 0) << open.err;
  EXPECT_EQ(open.out, "no open alerts\n");
  auto all = cli({"alerts", "--all"});
  ASSERT_EQ(all.code, 0) << all.err;
  EXPECT_NE(all.out.find("acknowledged by boss"), std::string::npos) << all.out;
  auto ack = cli({"ack", "5"});
  ASSERT_EQ(ack.code, 0) << ack.err;
  EXPECT_EQ(ack.out, "alert 5 acknowledged by boss: Printer P1 is due for cleaning in 50 cards.\n");
  EXPECT_EQ(requests().back().method, "POST");
  auto cleared = cli({"ack", "3"});
  EXPECT_EQ(cleared.code, 7);
  EXPECT_EQ(cleared.err, "cardctl: refused: alert 3 has cleared already\n");
  auto missing = cli({"ack", "99"});
  EXPECT_EQ(missing.code, 5);
  EXPECT_EQ(missing.err, "cardctl: not found: alert 99 does not exist\n");
}

}  // namespace
}  // namespace cardd::cli
