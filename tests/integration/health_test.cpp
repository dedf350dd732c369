// Device health end to end on the emulated station (tests/support
// EmulatedStation: real pcscd + vpcd, the printer emulator, cardd on a temp
// socket). Only public surfaces are used: the HTTP API, the emulator's control
// port, and a hook command the test configures. What is asserted:
//   - blank stock: a small receipt raises blank-stock-low, a big one clears it;
//   - cleaning: cardd's cleaning-due alert is raised while the emulator still
//     prints (before its mandatory-cleaning threshold), the hook receives it
//     as JSON, it can be acknowledged (who and when), and it clears by itself
//     once the cleaning is done and recorded (wear counters reset);
//   - fault log: a jam injected mid-batch is recorded with the printer's raw
//     status and the interrupted job, and closed with its duration once it
//     clears; the CSV export parses back to the JSON export;
//   - chip failures: each is an encoder fault entry, and counts in the
//     reader's insertions and failure rate.
// Skips without pcscd / vpcd.

#include <gtest/gtest.h>

#include <unistd.h>

#include <boost/json.hpp>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "emulated_station.hpp"
#include "health/fault_export.hpp"
#include "test_helpers.hpp"

namespace cardd::test {
namespace {

using namespace std::chrono_literals;
namespace json = boost::json;

constexpr auto str = textField;
constexpr auto num = intField;

// A list answer: either a bare array or {"<key>": [...]}.
json::array listOf(const json::value& v, std::string_view key) {
  if (v.is_array()) return v.as_array();
  if (v.is_object()) {
    if (const auto* a = v.as_object().if_contains(key); a != nullptr && a->is_array())
      return a->as_array();
  }
  return {};
}

class HealthTest : public ::testing::Test {
 protected:
  void TearDown() override {
    if (HasFailure() && station_) {
      std::printf("cardd log (tail):\n%s\n", station_->carddLog().c_str());
      std::printf("emulator log:\n%s\n", station_->emulatorLog(0).c_str());
    }
    station_.reset();
  }

  // One printer, fast status polls and alert evaluation, a hook that appends
  // each alert document to <dir>/hook.log.
  void bringUp(std::string printer_yaml, std::vector<std::string> emulator_args,
               std::string issuance_yaml = {}) {
    EmulatedStationOptions options;
    options.printers = 1;
    options.feeder = 30;
    options.printerYaml = "    status_interval: 200ms\n" + printer_yaml;
    options.issuanceYaml = std::move(issuance_yaml);
    options.emulatorArgs = {std::move(emulator_args)};
    char tmpl[] = "/tmp/cardd-health-hook-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    hook_dir_ = tmpl;
    {
      std::ofstream hook(hook_dir_ + "/hook.sh");
      hook << "#!/bin/sh\ncat >> " << hook_dir_ << "/hook.log\necho >> " << hook_dir_
           << "/hook.log\n";
    }
    options.extraYaml =
        "health:\n"
        "  evaluate_interval: 1s\n"
        "  clear_after: 1s\n"
        "  alerts:\n"
        "    blank_stock_warning: 50\n"
        "    blank_stock_critical: 10\n"
        "    cleaning_due_margin: 3\n"
        "    feeder_low: 2\n"
        "  hooks:\n"
        "    - command: [\"/bin/sh\", \"" +
        hook_dir_ +
        "/hook.sh\"]\n"
        "      min_severity: info\n"
        "      timeout: 5s\n";
    auto started = EmulatedStation::start(std::move(options));
    if (!started && started.error().code == ErrorCode::Unavailable)
      GTEST_SKIP() << started.error().message;
    ASSERT_TRUE(started.ok()) << started.error().message;
    station_ = std::move(started).value();
    auto up = station_->startCardd();
    ASSERT_TRUE(up.ok()) << up.error().message;
  }

  void receive(const std::string& lot, std::int64_t quantity) {
    auto r = station_->post("/v1/inventory/receipts",
                            json::serialize(json::object{
                                {"lot", lot}, {"supplier", "Peruri"}, {"quantity", quantity}}));
    ASSERT_TRUE(r.ok()) << r.error().message;
    ASSERT_EQ(r->status, 201) << r->body;
  }

  void load(const std::string& lot, std::int64_t quantity) {
    auto r = station_->post(
        "/v1/inventory/loads",
        json::serialize(json::object{{"printer", "P1"}, {"lot", lot}, {"quantity", quantity}}));
    ASSERT_TRUE(r.ok()) << r.error().message;
    ASSERT_EQ(r->status, 201) << r->body;
  }

  std::vector<std::int64_t> submit(int count) {
    std::vector<std::int64_t> ids;
    for (int k = 0; k < count; ++k) {
      auto r = station_->post("/v1/jobs", minimalJobText());
      if (!r.ok() || r->status != 201) {
        ADD_FAILURE() << "POST /v1/jobs failed";
        break;
      }
      ids.push_back(num(EmulatedStation::json(*r).as_object(), "id"));
    }
    return ids;
  }

  bool allFinal(const std::vector<std::int64_t>& ids, std::chrono::milliseconds timeout) {
    return EmulatedStation::waitUntil(
        [&] {
          for (auto id : ids) {
            auto r = station_->get("/v1/jobs/" + std::to_string(id));
            if (!r.ok() || r->status != 200) return false;
            const auto state = str(EmulatedStation::json(*r).as_object(), "state");
            if (state != "completed" && state != "aborted" && state != "processing-stopped")
              return false;
          }
          return true;
        },
        timeout, 100ms);
  }

  // The alert of `rule` on `subject` in GET /v1/alerts?all=true (newest first).
  std::optional<json::object> alert(const std::string& rule, const std::string& subject) {
    auto r = station_->get("/v1/alerts?all=true");
    if (!r.ok() || r->status != 200) return std::nullopt;
    for (const auto& a : listOf(EmulatedStation::json(*r), "alerts")) {
      const auto& o = a.as_object();
      if (str(o, "rule") == rule && str(o, "subject") == subject) return o;
    }
    return std::nullopt;
  }

  bool alertIn(const std::string& rule, const std::string& subject, const std::string& state,
               std::chrono::milliseconds timeout) {
    return EmulatedStation::waitUntil(
        [&] {
          auto a = alert(rule, subject);
          return a && str(*a, "state") == state;
        },
        timeout, 100ms);
  }

  // GET /v1/faults?<query>: the list (empty when the call fails).
  json::array faults(const std::string& query) {
    auto r = station_->get("/v1/faults?" + query);
    if (!r.ok() || r->status != 200) return {};
    return listOf(EmulatedStation::json(*r), "faults");
  }

  std::vector<json::object> hookDocuments() {
    std::vector<json::object> out;
    std::ifstream in(hook_dir_ + "/hook.log");
    std::string line;
    while (std::getline(in, line)) {
      if (line.empty()) continue;
      boost::system::error_code ec;
      auto v = json::parse(line, ec);
      if (!ec && v.is_object()) out.push_back(v.as_object());
    }
    return out;
  }

  std::int64_t emulatorCardsSinceCleaning() {
    auto state = station_->emulatorState(0);
    if (!state.ok()) return -1;
    const auto* counters = state->if_contains("counters");
    if (counters != nullptr && counters->is_object())
      return num(counters->as_object(), "since_cleaning");
    return num(*state, "cards_since_cleaning");
  }

  std::unique_ptr<EmulatedStation> station_;
  std::string hook_dir_;
};

TEST_F(HealthTest, StockAndCleaningAlertsAreRaisedAcknowledgedAndClearedByThemselves) {
  bringUp("    cleaning_interval: 8\n", {"--cleaning-warning", "10", "--cleaning-mandatory", "12"});
  if (IsSkipped() || HasFatalFailure()) return;

  /* 40 blanks on hand: under the warning (50), over critical (10). */
  receive("LOT-H1", 40);
  load("LOT-H1", 30);
  ASSERT_TRUE(alertIn("blank-stock-low", "station", "raised", 10s));
  EXPECT_EQ(str(*alert("blank-stock-low", "station"), "severity"), "warning");

  /* Six cards: cardd's interval is 8 with a margin of 3, so cleaning is due
     at 5 cards; the emulator refuses to print only at 12. */
  auto ids = submit(6);
  ASSERT_TRUE(allFinal(ids, 120s));
  ASSERT_TRUE(alertIn("cleaning-due", "P1", "raised", 10s));
  const auto since_cleaning = emulatorCardsSinceCleaning();
  EXPECT_GE(since_cleaning, 5);
  EXPECT_LT(since_cleaning, 12) << "the alert must come before the printer stops";
  for (auto id : ids) {
    auto r = station_->get("/v1/jobs/" + std::to_string(id));
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(str(EmulatedStation::json(*r).as_object(), "state"), "completed");
  }

  /* The wear the API shows is the cards just made. */
  auto health = station_->get("/v1/health/printers/P1");
  ASSERT_TRUE(health.ok());
  ASSERT_EQ(health->status, 200) << health->body;
  const auto health_doc = EmulatedStation::json(*health);
  const auto& view = health_doc.as_object();
  ASSERT_TRUE(view.contains("wear"));
  EXPECT_EQ(num(view.at("wear").as_object(), "cards"), 6);
  EXPECT_EQ(num(view.at("wear").as_object(), "cards_since_cleaning"), 6);
  EXPECT_GT(num(view.at("wear").as_object(), "panels"), 6);

  /* The hook got the raised alert as JSON on its stdin. */
  ASSERT_TRUE(EmulatedStation::waitUntil(
      [&] {
        for (const auto& doc : hookDocuments()) {
          if (str(doc, "event") == "raised" && doc.contains("alert") &&
              str(doc.at("alert").as_object(), "rule") == "cleaning-due")
            return true;
        }
        return false;
      },
      10s));

  /* Acknowledge: who and when are recorded; the alert stays open. */
  const auto cleaning = *alert("cleaning-due", "P1");
  const auto id = num(cleaning, "id");
  auto ack = station_->post("/v1/alerts/" + std::to_string(id) + "/acknowledge");
  ASSERT_TRUE(ack.ok());
  ASSERT_EQ(ack->status, 200) << ack->body;
  const auto acked = EmulatedStation::json(*ack).as_object();
  EXPECT_EQ(str(acked, "state"), "acknowledged");
  EXPECT_FALSE(str(acked, "acknowledged_by").empty());
  EXPECT_FALSE(str(acked, "acknowledged_at").empty());

  /* The technician cleans the printer and records it: the alert clears by
     itself (after clear_after) and the counter is back to zero. */
  auto cleaned = station_->emulatorControl(0, R"({"cmd":"clean"})");
  ASSERT_TRUE(cleaned.ok());
  auto done = station_->post("/v1/printers/P1/maintenance",
                             R"({"action":"cleaning","note":"cleaning card kit A"})");
  ASSERT_TRUE(done.ok());
  ASSERT_EQ(done->status, 201) << done->body;
  ASSERT_TRUE(alertIn("cleaning-due", "P1", "cleared", 15s));
  auto after = station_->get("/v1/health/printers/P1");
  ASSERT_TRUE(after.ok());
  const auto after_doc = EmulatedStation::json(*after);
  const auto& wear = after_doc.as_object().at("wear").as_object();
  EXPECT_EQ(num(wear, "cards_since_cleaning"), 0);
  EXPECT_EQ(num(wear, "cleanings"), 1);
  EXPECT_EQ(num(wear, "cards"), 6);
  ASSERT_TRUE(EmulatedStation::waitUntil(
      [&] {
        for (const auto& doc : hookDocuments())
          if (str(doc, "event") == "cleared" &&
              str(doc.at("alert").as_object(), "rule") == "cleaning-due")
            return true;
        return false;
      },
      10s));

  /* A big receipt ends the stock alert. */
  receive("LOT-H2", 1000);
  ASSERT_TRUE(alertIn("blank-stock-low", "station", "cleared", 15s));
}

TEST_F(HealthTest, AJamIsLoggedWithItsRawStatusJobAndDurationAndExportsRoundTrip) {
  bringUp("", {});
  if (IsSkipped() || HasFatalFailure()) return;
  receive("LOT-J", 1000);
  load("LOT-J", 30);

  /* Jam the printer as the first card starts. */
  auto ids = submit(2);
  ASSERT_TRUE(EmulatedStation::waitUntil(
      [&] {
        auto r = station_->get("/v1/printers/P1");
        return r.ok() && str(EmulatedStation::json(*r).as_object(), "state") == "busy";
      },
      20s, 20ms));
  ASSERT_TRUE(station_->emulatorControl(0, R"({"cmd":"inject","fault":"jam"})").ok());
  std::optional<json::object> jam;
  ASSERT_TRUE(EmulatedStation::waitUntil(
      [&] {
        auto list = faults("printer=P1&reason=media-jam");
        if (list.empty()) return false;
        jam = list.front().as_object();
        return true;
      },
      30s));
  EXPECT_EQ(str(*jam, "severity"), "error");
  EXPECT_EQ(str(*jam, "device_kind"), "printer");
  EXPECT_NE(str(*jam, "raw").find("fault=MECHANICAL"), std::string::npos) << str(*jam, "raw");
  EXPECT_GT(num(*jam, "job_id"), 0) << "the jam interrupted a card";

  /* Clearing the jam at the printer closes the entry with its duration:
     the condition lasts until the printer, reset by cardd, reports no error
     (over TCP the emulator reports a jam only through the failed movement,
     as an Evolis without status words does). */
  ASSERT_TRUE(station_->emulatorControl(0, R"({"cmd":"clear","fault":"jam"})").ok());
  ASSERT_TRUE(allFinal(ids, 120s));
  ASSERT_TRUE(EmulatedStation::waitUntil(
      [&] {
        auto list = faults("printer=P1&reason=media-jam");
        if (list.empty()) return false;
        for (const auto& f : list) {
          const auto& o = f.as_object();
          if (str(o, "cleared_at").empty()) return false;
          auto raised = health::parseTimestamp(str(o, "raised_at"));
          auto cleared = health::parseTimestamp(str(o, "cleared_at"));
          if (!raised || !cleared || num(o, "duration_ms") != *cleared - *raised) return false;
        }
        return true;
      },
      30s));

  /* Export for the repair centre: CSV and JSON carry the same records. */
  auto csv = station_->get("/v1/faults?format=csv");
  ASSERT_TRUE(csv.ok());
  ASSERT_EQ(csv->status, 200);
  auto from_csv = health::faultsFromCsv(csv->body);
  ASSERT_TRUE(from_csv.ok()) << from_csv.error().message;
  auto as_json = station_->get("/v1/faults");
  ASSERT_TRUE(as_json.ok());
  auto from_json =
      health::faultsFromJson(json::serialize(listOf(EmulatedStation::json(*as_json), "faults")));
  ASSERT_TRUE(from_json.ok()) << from_json.error().message;
  ASSERT_FALSE(from_csv->empty());
  EXPECT_EQ(*from_csv, *from_json);

  /* The summary counts it against P1. */
  auto summary = station_->get("/v1/faults/summary?days=30");
  ASSERT_TRUE(summary.ok());
  ASSERT_EQ(summary->status, 200) << summary->body;
  bool seen = false;
  for (const auto& d : listOf(EmulatedStation::json(*summary), "devices")) {
    const auto& o = d.as_object();
    if (str(o, "device") == "P1" && num(o, "faults") >= 1) seen = true;
  }
  EXPECT_TRUE(seen) << summary->body;
}

TEST_F(HealthTest, ChipFailuresAreEncoderFaultsAndCountAgainstTheReader) {
  bringUp("    card_wait: 3s\n", {"--chip-applet", "none"}, "  max_attempts: 2\n");
  if (IsSkipped() || HasFatalFailure()) return;
  receive("LOT-C", 1000);
  load("LOT-C", 30);
  auto ids = submit(1);
  ASSERT_TRUE(allFinal(ids, 90s));

  const auto logged = faults("printer=P1");
  int encoder_faults = 0;
  for (const auto& f : logged) {
    const auto& o = f.as_object();
    if (str(o, "device_kind") == "encoder") {
      ++encoder_faults;
      EXPECT_EQ(num(o, "job_id"), ids.front());
      EXPECT_EQ(str(o, "cleared_at"), str(o, "raised_at")) << "a card failure is an instant";
    }
  }
  EXPECT_EQ(encoder_faults, 2) << json::serialize(logged);

  auto health = station_->get("/v1/health/printers/P1");
  ASSERT_TRUE(health.ok());
  ASSERT_EQ(health->status, 200) << health->body;
  const auto health_doc = EmulatedStation::json(*health);
  const auto& view = health_doc.as_object();
  ASSERT_TRUE(view.contains("reader") && view.at("reader").is_object()) << health->body;
  const auto& reader = view.at("reader").as_object();
  EXPECT_EQ(num(reader, "insertions"), 2);
  EXPECT_EQ(num(reader, "chip_failures"), 2);
  EXPECT_EQ(str(reader, "recent"), "11");
}

}  // namespace
}  // namespace cardd::test
