// The health monitor over a real SQLite store and a manual clock: weeks of
// blank consumption in the ledger, the blank-forecast alert raised when the
// lead time exceeds the days of supply and cleared by a receipt (after
// clear_after), a flapping printer condition giving one fault entry per
// change and one alert, acknowledgement with its journal event, and
// maintenance resetting the wear it concerns.

#include "health/health_monitor.hpp"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>

#include "store/schema.hpp"
#include "store_test_util.hpp"

namespace cardd::health {
namespace {

using namespace std::chrono_literals;

constexpr std::int64_t kMonday = 1'796'947'200'000;  // 2026-12-07 00:00 UTC, a Monday

class HealthMonitorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = dir_.file("cardd.db");
    auto opened = openStore(path_);
    ASSERT_TRUE(opened.ok()) << opened.error().message;
    committer_ = std::make_unique<StoreCommitter>(
        std::move(opened).value(), clock_, ioc_.get_executor(), [this](std::vector<JobEvent> ev) {
          for (auto& e : ev) published_.push_back(e);
        });
    auto reader = openStoreReader(path_);
    ASSERT_TRUE(reader.ok());
    reader_ = std::move(reader).value();
    reader_ledger_ = std::make_unique<LedgerStore>(*reader_, clock_);

    config_.station_name = "test station";
    PrinterConfig p1;
    p1.id = "P1";
    p1.uri = "tcp://127.0.0.1:9";
    p1.reader = "Virtual PCD 00 00";
    p1.cleaning_interval_cards = 100;
    config_.printers.push_back(p1);
    config_.health.lead_time_days = 21;
    config_.health.forecast_window_days = 28;
    config_.health.evaluate_interval = std::chrono::hours(1);  // the test triggers evaluations
    config_.health.clear_after = std::chrono::minutes(10);
    config_.health.rules.blank_stock_warning = 0;  // only the forecast rule for stock
    config_.health.rules.blank_stock_critical = 0;
    config_.health.rules.feeder_low = 0;
    config_.health.rules.printer_faulted = std::chrono::minutes(5);
    monitor_ = std::make_unique<HealthMonitor>(
        HealthMonitorDeps{ioc_, *committer_, *reader_, *reader_ledger_, clock_}, config_);
  }

  void TearDown() override {
    monitor_->stop();
    monitor_.reset();
    committer_->stop();
  }

  // Runs the loop until `done` or 5 s of real time.
  bool runUntil(const std::function<bool()>& done) {
    const auto deadline = std::chrono::steady_clock::now() + 5s;
    while (!done()) {
      if (std::chrono::steady_clock::now() > deadline) return false;
      ioc_.run_for(10ms);
      ioc_.restart();
    }
    return true;
  }

  template <typename T>
  Result<T> commit(std::function<Result<T>(StoreTx&)> work) {
    std::optional<Result<T>> got;
    committer_->submit<T>(std::move(work), ioc_.get_executor(),
                          [&](Result<T> r) { got.emplace(std::move(r)); });
    EXPECT_TRUE(runUntil([&] { return got.has_value(); }));
    return std::move(*got);
  }

  void receive(const std::string& lot, std::int64_t quantity) {
    auto r = commit<bool>([&](StoreTx& tx) -> Result<bool> {
      LotReceipt receipt;
      receipt.lot = lot;
      receipt.supplier = "Peruri";
      receipt.quantity = quantity;
      auto e = tx.ledger.receive(receipt, Actor{1000, "supervisor"});
      if (!e) return e.error();
      return true;
    });
    ASSERT_TRUE(r.ok()) << r.error().message;
  }

  // `count` cards issued on P1 now (loaded into its feeder first).
  void consume(int count) {
    auto r = commit<bool>([count](StoreTx& tx) -> Result<bool> {
      FeederLoad load;
      load.printer = "P1";
      load.quantity = count;
      auto loaded = tx.ledger.load(load, Actor{1000, "supervisor"});
      if (!loaded) return loaded.error();
      for (int i = 0; i < count; ++i) {
        CardConsumption c;
        c.printer = "P1";
        c.issued = true;
        auto e = tx.ledger.consume(c, Actor{0, "cardd"});
        if (!e) return e.error();
      }
      return true;
    });
    ASSERT_TRUE(r.ok()) << r.error().message;
  }

  // Runs the loop for a while: what was submitted lands.
  void settle(std::chrono::milliseconds d = 400ms) {
    const auto until = std::chrono::steady_clock::now() + d;
    runUntil([&] { return std::chrono::steady_clock::now() > until; });
  }

  // Evaluates the rules now and waits for what it commits.
  void evaluate() {
    monitor_->evaluateSoon();
    settle();
  }

  std::optional<AlertRecord> alert(std::string_view rule) {
    auto all = monitor_->alerts(true, 100);
    EXPECT_TRUE(all.ok());
    for (const auto& a : *all)
      if (a.rule == rule) return a;
    return std::nullopt;
  }

  std::vector<JobEvent> alertEvents() const {
    std::vector<JobEvent> out;
    for (const auto& e : published_)
      if (e.kind == "alert") out.push_back(e);
    return out;
  }

  testing::TempDir dir_;
  std::string path_;
  ManualClock clock_{kMonday};
  boost::asio::io_context ioc_;
  std::vector<JobEvent> published_;
  std::unique_ptr<StoreCommitter> committer_;
  std::unique_ptr<Database> reader_;
  std::unique_ptr<LedgerStore> reader_ledger_;
  Config config_;
  std::unique_ptr<HealthMonitor> monitor_;
};

TEST_F(HealthMonitorTest, BlankForecastAlertRaisedUnderTheLeadTimeAndClearedByAReceipt) {
  receive("LOT-A", 600);
  /* Four office weeks: 20 cards a weekday at 10:00, nothing at weekends. */
  for (int day = 0; day < 28; ++day) {
    clock_.advance(std::chrono::hours(10));
    if (day % 7 < 5) consume(20);
    clock_.advance(std::chrono::hours(14));
  }
  /* 400 consumed in 28 days (14.3/day), 200 on hand: 14 days < 21. */
  auto supply = monitor_->supply();
  ASSERT_TRUE(supply.ok()) << supply.error().message;
  EXPECT_EQ(supply->station.on_hand, 200);
  ASSERT_TRUE(supply->station.days_of_supply.has_value());
  EXPECT_NEAR(*supply->station.days_of_supply, 14.0, 0.5);

  evaluate();
  auto raised = alert(kRuleBlankForecast);
  ASSERT_TRUE(raised.has_value());
  EXPECT_EQ(raised->state, AlertState::Raised);
  EXPECT_EQ(raised->subject, "station");
  EXPECT_NE(raised->message.find("21"), std::string::npos) << raised->message;
  ASSERT_EQ(alertEvents().size(), 1u);
  EXPECT_EQ(alertEvents()[0].reasons.at(0), "raised");

  /* Evaluating again changes nothing: raised once. */
  clock_.advance(std::chrono::minutes(1));
  evaluate();
  EXPECT_EQ(alertEvents().size(), 1u);

  /* A receipt: 1,200 on hand, 84 days. The alert clears once the condition
     has been gone for clear_after (10 min), not before. */
  receive("LOT-B", 1000);
  evaluate();
  EXPECT_EQ(alert(kRuleBlankForecast)->state, AlertState::Raised);
  clock_.advance(std::chrono::minutes(11));
  evaluate();
  auto cleared = alert(kRuleBlankForecast);
  ASSERT_TRUE(cleared.has_value());
  EXPECT_EQ(cleared->state, AlertState::Cleared);
  ASSERT_TRUE(cleared->cleared_at_ms.has_value());
  ASSERT_EQ(alertEvents().size(), 2u);
  EXPECT_EQ(alertEvents()[1].reasons.at(0), "cleared");
}

TEST_F(HealthMonitorTest, AFlappingConditionIsLoggedEachTimeButRaisesOneAlert) {
  monitor_->start();
  PrinterObservation jam{"P1", "faulted", {"media-jam-error"}, "fault=MECHANICAL", {}, 7, 9, 0, 0};
  PrinterObservation fine{"P1", "idle", {}, "", {}, std::nullopt, std::nullopt, 0, 0};
  /* Jammed for 6 minutes: longer than printer_faulted (5). */
  monitor_->onPrinter(jam);
  settle();
  clock_.advance(std::chrono::minutes(6));
  monitor_->onPrinter(jam);
  evaluate();
  auto faulted = alert(kRulePrinterFaulted);
  ASSERT_TRUE(faulted.has_value());
  EXPECT_EQ(faulted->subject, "P1");
  /* Then it flaps: clear for a minute, jammed again, five times. */
  for (int i = 0; i < 5; ++i) {
    clock_.advance(std::chrono::minutes(1));
    monitor_->onPrinter(fine);
    settle(100ms);
    evaluate();
    clock_.advance(std::chrono::minutes(1));
    monitor_->onPrinter(jam);
    settle(100ms);
    evaluate();
  }
  auto all = monitor_->alerts(true, 100);
  ASSERT_TRUE(all.ok());
  int faulted_alerts = 0;
  for (const auto& a : *all)
    if (a.rule == kRulePrinterFaulted) ++faulted_alerts;
  EXPECT_EQ(faulted_alerts, 1);

  /* The fault log has every change: 6 jams, 5 of them cleared. */
  FaultQuery query;
  query.device = "P1";
  query.reason = "media-jam";
  auto faults = monitor_->faults(query);
  ASSERT_TRUE(faults.ok());
  ASSERT_EQ(faults->size(), 6u);
  int open = 0;
  for (const auto& f : *faults) {
    EXPECT_EQ(f.severity, "error");
    EXPECT_EQ(f.raw, "fault=MECHANICAL");
    if (!f.cleared_at_ms) ++open;
  }
  EXPECT_EQ(open, 1);
  const auto& first = faults->back();  // newest first
  ASSERT_TRUE(first.durationMs().has_value());
  EXPECT_EQ(*first.durationMs(), 7 * 60'000);
  EXPECT_EQ(first.job_id, std::optional<std::int64_t>(7));
}

TEST_F(HealthMonitorTest, AcknowledgeRecordsWhoAndWhenAndJournalsIt) {
  config_.health.rules.blank_stock_warning = 100;
  config_.health.rules.blank_stock_critical = 10;
  monitor_ = std::make_unique<HealthMonitor>(
      HealthMonitorDeps{ioc_, *committer_, *reader_, *reader_ledger_, clock_}, config_);
  receive("LOT-A", 50);
  evaluate();
  auto low = alert(kRuleBlankStockLow);
  ASSERT_TRUE(low.has_value());
  std::optional<Result<AlertRecord>> acked;
  monitor_->acknowledge(low->id, Actor{1001, "tech1"},
                        [&](Result<AlertRecord> r) { acked.emplace(std::move(r)); });
  ASSERT_TRUE(runUntil([&] { return acked.has_value(); }));
  ASSERT_TRUE(acked->ok()) << acked->error().message;
  EXPECT_EQ((*acked)->state, AlertState::Acknowledged);
  EXPECT_EQ((*acked)->acknowledged_by, "tech1");
  EXPECT_EQ((*acked)->acknowledged_at_ms, std::optional<std::int64_t>(clock_.nowMs()));
  auto events = alertEvents();
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[1].reasons.at(0), "acknowledged");
  EXPECT_EQ(events[1].actor.user, "tech1");

  /* Unknown alert: NotFound. */
  std::optional<Result<AlertRecord>> missing;
  monitor_->acknowledge(9999, Actor{1001, "tech1"},
                        [&](Result<AlertRecord> r) { missing.emplace(std::move(r)); });
  ASSERT_TRUE(runUntil([&] { return missing.has_value(); }));
  ASSERT_FALSE(missing->ok());
  EXPECT_EQ(missing->error().code, ErrorCode::NotFound);
}

TEST_F(HealthMonitorTest, CardsAreBookedWithTheirAttemptAndMaintenanceResetsWhatItConcerns) {
  /* What the station worker books with each attempt's end. */
  for (int i = 0; i < 30; ++i) {
    CardObservation card;
    card.printer = "P1";
    card.job_id = i + 1;
    card.attempt_id = i + 1;
    card.fed = true;
    card.chip_presented = i != 4;
    card.outcome = i == 3 || i == 4 ? "spoiled" : "issued";
    card.reason = i == 3 ? "chip-personalisation-failed" : i == 4 ? "chip-not-detected" : "";
    card.panels = card.outcome == "issued" ? 6 : 0;
    card.busy_ms = 25'000;
    auto r = commit<bool>([&](StoreTx& tx) -> Result<bool> {
      auto st = recordCard(tx, card, "Virtual PCD 00 00", clock_.nowMs());
      if (!st) return st.error();
      return true;
    });
    ASSERT_TRUE(r.ok()) << r.error().message;
  }
  auto view = monitor_->device("P1");
  ASSERT_TRUE(view.ok()) << view.error().message;
  EXPECT_EQ(view->wear.cards, 30);
  EXPECT_EQ(view->wear.panels, 28 * 6);
  EXPECT_EQ(view->wear.cards_since_cleaning, 30);
  EXPECT_EQ(view->wear.busy_ms, 30 * 25'000);
  ASSERT_TRUE(view->reader.has_value());
  EXPECT_EQ(view->reader->insertions, 30);
  EXPECT_EQ(view->reader->chip_failures, 2);
  ASSERT_TRUE(view->forecast.cleaning_due_in_cards.has_value());
  EXPECT_EQ(*view->forecast.cleaning_due_in_cards, 70);
  FaultQuery query;
  query.device = "P1";
  auto faults = monitor_->faults(query);
  ASSERT_TRUE(faults.ok());
  ASSERT_EQ(faults->size(), 2u);
  for (const auto& f : *faults) {
    EXPECT_EQ(f.device_kind, "encoder");
    EXPECT_EQ(f.cleared_at_ms, std::optional<std::int64_t>(f.raised_at_ms));
  }

  std::optional<Result<MaintenanceRecord>> cleaned;
  monitor_->recordMaintenance("P1", MaintenanceAction::Cleaning, Actor{1001, "tech1"}, "kit A",
                              [&](Result<MaintenanceRecord> r) { cleaned.emplace(std::move(r)); });
  ASSERT_TRUE(runUntil([&] { return cleaned.has_value(); }));
  ASSERT_TRUE(cleaned->ok()) << cleaned->error().message;
  std::optional<Result<MaintenanceRecord>> reader;
  monitor_->recordMaintenance("P1", MaintenanceAction::ReaderReplaced, Actor{1001, "tech1"}, "",
                              [&](Result<MaintenanceRecord> r) { reader.emplace(std::move(r)); });
  ASSERT_TRUE(runUntil([&] { return reader.has_value(); }));
  ASSERT_TRUE(reader->ok()) << reader->error().message;
  view = monitor_->device("P1");
  ASSERT_TRUE(view.ok());
  EXPECT_EQ(view->wear.cards_since_cleaning, 0);
  EXPECT_EQ(view->wear.cleanings, 1);
  EXPECT_EQ(view->wear.cards, 30);  // lifetime counters stay
  EXPECT_EQ(view->wear.panels, 28 * 6);
  ASSERT_TRUE(view->reader.has_value());
  EXPECT_EQ(view->reader->insertions, 0);
  EXPECT_EQ(view->reader->chip_failures, 0);
  auto log = monitor_->maintenanceLog("P1", 10);
  ASSERT_TRUE(log.ok());
  ASSERT_EQ(log->size(), 2u);
  EXPECT_EQ((*log)[1].note, "kit A");
  EXPECT_EQ((*log)[1].actor, "tech1");

  /* Unknown printer. */
  std::optional<Result<MaintenanceRecord>> unknown;
  monitor_->recordMaintenance("P9", MaintenanceAction::Cleaning, Actor{1001, "tech1"}, "",
                              [&](Result<MaintenanceRecord> r) { unknown.emplace(std::move(r)); });
  ASSERT_TRUE(runUntil([&] { return unknown.has_value(); }));
  EXPECT_EQ(unknown->error().code, ErrorCode::NotFound);
}

}  // namespace
}  // namespace cardd::health
