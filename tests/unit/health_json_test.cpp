// The JSON views of the health records: field names, RFC 3339 times with
// "_at" names, null for what is absent, enum names, nested records.

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include <boost/json.hpp>

#include "../health/health_test_util.hpp"
#include "health/health_json.hpp"

namespace cardd::health {
namespace {

namespace json = boost::json;

// 2023-11-14T22:13:20.000Z
constexpr std::int64_t kT0 = 1'700'000'000'000;

AlertRecord sampleAlert() {
  AlertRecord a =
      test_support::makeAlert(std::string(kRuleBlankStockLow), "station", AlertSeverity::Critical,
                              "Only 42 blank cards are left.", kT0);
  a.id = 17;
  a.value = 42;
  a.threshold = 50;
  a.updated_at_ms = kT0 + 1'234;
  return a;
}

TEST(HealthJson, AlertHasEveryFieldWithNullsWhileOpen) {
  const auto v = alertToJson(sampleAlert());
  const auto& o = v.as_object();
  EXPECT_EQ(o.size(), 13u);
  EXPECT_EQ(o.at("id").as_int64(), 17);
  EXPECT_EQ(o.at("rule").as_string(), "blank-stock-low");
  EXPECT_EQ(o.at("subject").as_string(), "station");
  EXPECT_EQ(o.at("severity").as_string(), "critical");
  EXPECT_EQ(o.at("state").as_string(), "raised");
  EXPECT_EQ(o.at("message").as_string(), "Only 42 blank cards are left.");
  EXPECT_DOUBLE_EQ(o.at("value").to_number<double>(), 42.0);
  EXPECT_DOUBLE_EQ(o.at("threshold").to_number<double>(), 50.0);
  EXPECT_EQ(o.at("raised_at").as_string(), "2023-11-14T22:13:20.000Z");
  EXPECT_EQ(o.at("updated_at").as_string(), "2023-11-14T22:13:21.234Z");
  EXPECT_TRUE(o.at("acknowledged_at").is_null());
  EXPECT_TRUE(o.at("acknowledged_by").is_null());
  EXPECT_TRUE(o.at("cleared_at").is_null());
}

TEST(HealthJson, AcknowledgedAndClearedAlert) {
  auto a = sampleAlert();
  a.severity = AlertSeverity::Warning;
  a.state = AlertState::Cleared;
  a.acknowledged_at_ms = kT0 + 60'000;
  a.acknowledged_by = "tech1";
  a.cleared_at_ms = kT0 + 3'600'000;
  const auto v = alertToJson(a);
  const auto& o = v.as_object();
  EXPECT_EQ(o.at("severity").as_string(), "warning");
  EXPECT_EQ(o.at("state").as_string(), "cleared");
  EXPECT_EQ(o.at("acknowledged_at").as_string(), "2023-11-14T22:14:20.000Z");
  EXPECT_EQ(o.at("acknowledged_by").as_string(), "tech1");
  EXPECT_EQ(o.at("cleared_at").as_string(), "2023-11-14T23:13:20.000Z");
}

TEST(HealthJson, NonFiniteNumbersAreNull) {
  auto a = sampleAlert();
  a.value = std::numeric_limits<double>::infinity();
  a.threshold = std::nan("");
  const auto v = alertToJson(a);
  EXPECT_TRUE(v.at("value").is_null());
  EXPECT_TRUE(v.at("threshold").is_null());
  // Still serialisable and parseable.
  EXPECT_NO_THROW(json::parse(json::serialize(v)));
}

TEST(HealthJson, Maintenance) {
  MaintenanceRecord r;
  r.id = 5;
  r.at_ms = kT0;
  r.printer = "P1";
  r.action = MaintenanceAction::PrintheadReplaced;
  r.actor = "tech1";
  r.note = "head S/N 4411";
  const auto v = maintenanceToJson(r);
  const auto& o = v.as_object();
  EXPECT_EQ(o.size(), 6u);
  EXPECT_EQ(o.at("id").as_int64(), 5);
  EXPECT_EQ(o.at("at").as_string(), "2023-11-14T22:13:20.000Z");
  EXPECT_EQ(o.at("printer").as_string(), "P1");
  EXPECT_EQ(o.at("action").as_string(), "printhead-replaced");
  EXPECT_EQ(o.at("actor").as_string(), "tech1");
  EXPECT_EQ(o.at("note").as_string(), "head S/N 4411");
}

TEST(HealthJson, PrinterWearTimesAndCounters) {
  PrinterWear w;
  w.printer = "P2";
  w.cards = 1200;
  w.panels = 6000;
  w.cards_since_cleaning = 300;
  w.cleanings = 1;
  w.last_cleaning_ms = kT0;
  w.ribbon_changes = 4;
  w.cards_since_ribbon = 80;
  w.busy_ms = 9'000'000;
  w.hot_ms = 120'000;
  w.forced_pauses = 3;
  w.rest_ms = 1'800'000;
  w.head_installed_ms = 0;
  w.head_passes = 6000;
  w.updated_ms = kT0 + 1;
  const auto v = printerWearToJson(w);
  const auto& o = v.as_object();
  EXPECT_EQ(o.at("printer").as_string(), "P2");
  EXPECT_EQ(o.at("cards").as_int64(), 1200);
  EXPECT_EQ(o.at("panels").as_int64(), 6000);
  EXPECT_EQ(o.at("cards_since_cleaning").as_int64(), 300);
  EXPECT_EQ(o.at("cleanings").as_int64(), 1);
  EXPECT_EQ(o.at("last_cleaning_at").as_string(), "2023-11-14T22:13:20.000Z");
  EXPECT_EQ(o.at("ribbon_changes").as_int64(), 4);
  EXPECT_EQ(o.at("cards_since_ribbon").as_int64(), 80);
  EXPECT_TRUE(o.at("ribbon_loaded_at").is_null());
  EXPECT_EQ(o.at("busy_ms").as_int64(), 9'000'000);
  EXPECT_EQ(o.at("hot_ms").as_int64(), 120'000);
  EXPECT_EQ(o.at("forced_pauses").as_int64(), 3);
  EXPECT_EQ(o.at("rest_ms").as_int64(), 1'800'000);
  EXPECT_TRUE(o.at("head_installed_at").is_null());  // 0: not known
  EXPECT_EQ(o.at("head_passes").as_int64(), 6000);
  EXPECT_EQ(o.at("updated_at").as_string(), "2023-11-14T22:13:20.001Z");
  EXPECT_FALSE(o.contains("last_cleaning_ms"));
  EXPECT_FALSE(o.contains("head_installed_ms"));
}

TEST(HealthJson, ReaderWearHasRecentFailureRate) {
  ReaderWear r;
  r.printer = "P1";
  r.reader = "Station Reader 00 00";
  r.installed_ms = kT0;
  r.insertions = 10;
  r.chip_failures = 1;
  r.recent = "0001";
  const auto v = readerWearToJson(r);
  const auto& o = v.as_object();
  EXPECT_EQ(o.at("printer").as_string(), "P1");
  EXPECT_EQ(o.at("reader").as_string(), "Station Reader 00 00");
  EXPECT_EQ(o.at("installed_at").as_string(), "2023-11-14T22:13:20.000Z");
  EXPECT_EQ(o.at("insertions").as_int64(), 10);
  EXPECT_EQ(o.at("chip_failures").as_int64(), 1);
  EXPECT_EQ(o.at("recent").as_string(), "0001");
  EXPECT_DOUBLE_EQ(o.at("recent_failure_rate").to_number<double>(), 0.25);
}

TEST(HealthJson, DeviceHealthNestsItsRecords) {
  DeviceHealthView d;
  d.printer = "P1";
  d.wear.printer = "P1";
  d.wear.cards = 10;
  d.limits.cleaning_interval_cards = 700;
  d.limits.printhead_rated_passes = 600'000;
  d.forecast.cleaning_due_in_cards = -5;
  d.forecast.head_life_used = 0.5;
  d.forecast.head_end_of_life_ms = kT0;
  d.cards_per_day = 12.5;
  d.ribbon_remaining = 150;
  d.duty_cards_per_hour = 120;
  d.cards_last_hour = 33;
  d.resting = true;

  auto v = deviceHealthToJson(d);
  const auto& o = v.as_object();
  EXPECT_EQ(o.at("printer").as_string(), "P1");
  EXPECT_EQ(o.at("wear").at("cards").as_int64(), 10);
  EXPECT_EQ(o.at("limits").at("cleaning_interval_cards").as_int64(), 700);
  EXPECT_EQ(o.at("limits").at("printhead_rated_passes").as_int64(), 600'000);
  EXPECT_TRUE(o.at("reader").is_null());
  const auto& f = o.at("forecast").as_object();
  EXPECT_EQ(f.at("cleaning_due_in_cards").as_int64(), -5);
  EXPECT_TRUE(f.at("cleaning_due_in_days").is_null());
  EXPECT_TRUE(f.at("ribbon_cards_left").is_null());
  EXPECT_DOUBLE_EQ(f.at("head_life_used").as_double(), 0.5);
  EXPECT_EQ(f.at("head_end_of_life_at").as_string(), "2023-11-14T22:13:20.000Z");
  EXPECT_DOUBLE_EQ(o.at("cards_per_day").as_double(), 12.5);
  EXPECT_TRUE(o.at("printer_cards").is_null());
  EXPECT_TRUE(o.at("printer_cards_since_cleaning").is_null());
  EXPECT_TRUE(o.at("printer_cleanings").is_null());
  EXPECT_EQ(o.at("ribbon_remaining").as_int64(), 150);
  EXPECT_TRUE(o.at("ribbon_capacity").is_null());
  EXPECT_EQ(o.at("duty_cards_per_hour").as_int64(), 120);
  EXPECT_EQ(o.at("cards_last_hour").as_int64(), 33);
  EXPECT_TRUE(o.at("resting").as_bool());

  d.reader = ReaderWear{};
  d.reader->reader = "R";
  v = deviceHealthToJson(d);
  EXPECT_EQ(v.at("reader").at("reader").as_string(), "R");
  EXPECT_DOUBLE_EQ(v.at("reader").at("recent_failure_rate").to_number<double>(), 0.0);
}

TEST(HealthJson, SupplyWithLots) {
  SupplyView s;
  s.station.on_hand = 900;
  s.station.cards_per_day = 30;
  s.station.days_of_supply = 30;
  s.station.days_low = 20;
  s.station.days_high = 45;
  s.station.runs_out_ms = kT0;
  s.station.confidence = Confidence::Medium;
  s.station.window_days = 28;
  s.station.active_days = 20;
  s.station.consumed = 840;
  s.lots.push_back(LotForecast{"L1", 100, 3.3, 0.0});
  s.lots.push_back(LotForecast{"L2", 800, std::nullopt, std::nullopt});
  s.lead_time_days = 21;

  const auto v = supplyToJson(s);
  const auto& st = v.at("station").as_object();
  EXPECT_EQ(st.at("on_hand").as_int64(), 900);
  EXPECT_DOUBLE_EQ(st.at("cards_per_day").to_number<double>(), 30.0);
  EXPECT_DOUBLE_EQ(st.at("days_of_supply").to_number<double>(), 30.0);
  EXPECT_DOUBLE_EQ(st.at("days_low").to_number<double>(), 20.0);
  EXPECT_DOUBLE_EQ(st.at("days_high").to_number<double>(), 45.0);
  EXPECT_EQ(st.at("runs_out_at").as_string(), "2023-11-14T22:13:20.000Z");
  EXPECT_EQ(st.at("confidence").as_string(), "medium");
  EXPECT_EQ(st.at("window_days").as_int64(), 28);
  EXPECT_EQ(st.at("active_days").as_int64(), 20);
  EXPECT_EQ(st.at("consumed").as_int64(), 840);
  const auto& lots = v.at("lots").as_array();
  ASSERT_EQ(lots.size(), 2u);
  EXPECT_EQ(lots[0].at("lot").as_string(), "L1");
  EXPECT_EQ(lots[0].at("on_hand").as_int64(), 100);
  EXPECT_DOUBLE_EQ(lots[0].at("days_until_empty").as_double(), 3.3);
  EXPECT_DOUBLE_EQ(lots[0].at("days_until_first_use").as_double(), 0.0);
  EXPECT_TRUE(lots[1].at("days_until_empty").is_null());
  EXPECT_TRUE(lots[1].at("days_until_first_use").is_null());
  EXPECT_EQ(v.at("lead_time_days").as_int64(), 21);

  SupplyForecast empty;
  const auto e = supplyForecastToJson(empty);
  EXPECT_TRUE(e.at("days_of_supply").is_null());
  EXPECT_TRUE(e.at("runs_out_at").is_null());
  EXPECT_EQ(e.at("confidence").as_string(), "none");
}

TEST(HealthJson, FaultSummary) {
  DeviceFaultSummary s;
  s.device = "P1";
  s.device_kind = "printer";
  s.faults = 9;
  s.error_faults = 4;
  s.active = 1;
  s.mtbf_hours = 180.0;
  s.downtime_ms = 3'600'000;
  s.top_reasons = {{"media-jam", 5}, {"cover-open", 3}};
  auto v = faultSummaryToJson(s);
  const auto& o = v.as_object();
  EXPECT_EQ(o.at("device").as_string(), "P1");
  EXPECT_EQ(o.at("device_kind").as_string(), "printer");
  EXPECT_EQ(o.at("faults").as_int64(), 9);
  EXPECT_EQ(o.at("error_faults").as_int64(), 4);
  EXPECT_EQ(o.at("active").as_int64(), 1);
  EXPECT_DOUBLE_EQ(o.at("mtbf_hours").as_double(), 180.0);
  EXPECT_EQ(o.at("downtime_ms").as_int64(), 3'600'000);
  const auto& top = o.at("top_reasons").as_array();
  ASSERT_EQ(top.size(), 2u);
  EXPECT_EQ(top[0].at("reason").as_string(), "media-jam");
  EXPECT_EQ(top[0].at("count").as_int64(), 5);
  EXPECT_EQ(top[1].at("reason").as_string(), "cover-open");

  s.mtbf_hours.reset();
  v = faultSummaryToJson(s);
  EXPECT_TRUE(v.at("mtbf_hours").is_null());
}

}  // namespace
}  // namespace cardd::health
