// Forecasts: blank days-of-supply over a calendar-day window (idle days and
// weekends are part of the rate), younger histories, confidence, lots used
// oldest first, and a printer's consumables and wear.
#include "health/forecast.hpp"

#include <gtest/gtest.h>

namespace cardd::health {
namespace {

// A Monday, midnight UTC (2026-11-02), plus a working day's noon.
constexpr std::int64_t kMonday = 1'793'577'600'000;
static_assert(kMonday % kDayMs == 0);

std::vector<DailyUsage> officeWeeks(int weeks, std::int64_t per_day, std::int64_t start) {
  std::vector<DailyUsage> usage;
  for (int d = 0; d < weeks * 7; ++d) {
    if (d % 7 >= 5) continue;  // Saturday, Sunday: closed
    usage.push_back({start + d * kDayMs, per_day});
  }
  return usage;
}

TEST(ForecastSupply, WeekendsCountAsCalendarDays) {
  // Four weeks, 50 cards on each weekday: 1000 cards over 28 days.
  const std::int64_t now = kMonday + 28 * kDayMs;
  auto office = forecastSupply(2000, officeWeeks(4, 50, kMonday), now);
  std::vector<DailyUsage> spread;
  for (int d = 0; d < 28; ++d) spread.push_back({kMonday + d * kDayMs, d % 2 == 0 ? 36 : 35});
  spread.back().cards += 1000 - (14 * 36 + 14 * 35);  // exactly 1000 as well
  auto even = forecastSupply(2000, spread, now);

  EXPECT_EQ(office.consumed, 1000);
  EXPECT_EQ(even.consumed, 1000);
  EXPECT_NEAR(office.cards_per_day, 1000.0 / 28.0, 1e-9);
  EXPECT_DOUBLE_EQ(office.cards_per_day, even.cards_per_day);
  ASSERT_TRUE(office.days_of_supply);
  EXPECT_NEAR(*office.days_of_supply, 56.0, 1e-9);
  EXPECT_EQ(office.window_days, 28);
  EXPECT_EQ(office.active_days, 20);
  EXPECT_EQ(office.confidence, Confidence::High);
  ASSERT_TRUE(office.runs_out_ms);
  EXPECT_EQ(*office.runs_out_ms, now + 56 * kDayMs);
}

TEST(ForecastSupply, EntriesOutsideTheWindowAreIgnored) {
  const std::int64_t now = kMonday + 60 * kDayMs;
  auto usage = officeWeeks(4, 50, now - 28 * kDayMs);
  usage.push_back({now - 40 * kDayMs, 5000});  // before the window
  usage.push_back({now + 2 * kDayMs, 5000});   // in the future
  auto f = forecastSupply(1000, usage, now);
  EXPECT_EQ(f.consumed, 1000);
  EXPECT_EQ(f.window_days, 28);
}

TEST(ForecastSupply, YoungerHistoryUsesItsOwnSpanButAtLeastMinSpan) {
  // Ten days old: 10 days of 20 cards -> 20 a day, not 200/28.
  const std::int64_t now = kMonday + 10 * kDayMs;
  std::vector<DailyUsage> usage;
  for (int d = 0; d < 10; ++d) usage.push_back({kMonday + d * kDayMs, 20});
  auto f = forecastSupply(400, usage, now);
  EXPECT_EQ(f.window_days, 10);
  EXPECT_NEAR(f.cards_per_day, 20.0, 1e-9);
  EXPECT_NEAR(*f.days_of_supply, 20.0, 1e-9);

  // Two days old: 100 cards over 2 days is divided by min_span (7), not 2.
  const std::int64_t now2 = kMonday + 2 * kDayMs;
  auto young = forecastSupply(700, {{kMonday, 50}, {kMonday + kDayMs, 50}}, now2);
  EXPECT_EQ(young.window_days, 7);
  EXPECT_NEAR(young.cards_per_day, 100.0 / 7.0, 1e-9);
  EXPECT_EQ(young.confidence, Confidence::Low);
  EXPECT_FALSE(young.days_low);  // no full week yet
}

TEST(ForecastSupply, ConfidenceLevels) {
  const std::int64_t now = kMonday + 28 * kDayMs;
  EXPECT_EQ(forecastSupply(100, {}, now).confidence, Confidence::None);
  EXPECT_FALSE(forecastSupply(100, {}, now).days_of_supply);

  // Steady four weeks: high.
  EXPECT_EQ(forecastSupply(100, officeWeeks(4, 40, kMonday), now).confidence, Confidence::High);

  // Two weeks of history, steady: medium.
  const std::int64_t now14 = kMonday + 14 * kDayMs;
  EXPECT_EQ(forecastSupply(100, officeWeeks(2, 40, kMonday), now14).confidence, Confidence::Medium);

  // Four weeks, one of them a rush: the weeks disagree, so low.
  auto rush = officeWeeks(4, 10, kMonday);
  rush[0].cards = 600;
  auto f = forecastSupply(1000, rush, now);
  EXPECT_EQ(f.confidence, Confidence::Low);
  // Bounds: busiest week (640) and quietest (50).
  ASSERT_TRUE(f.days_low && f.days_high);
  EXPECT_NEAR(*f.days_low, 1000.0 / (640.0 / 7.0), 1e-9);
  EXPECT_NEAR(*f.days_high, 1000.0 / (50.0 / 7.0), 1e-9);
  EXPECT_LT(*f.days_low, *f.days_of_supply);
  EXPECT_GT(*f.days_high, *f.days_of_supply);

  // A few scattered days only: low.
  EXPECT_EQ(forecastSupply(100, {{kMonday, 30}, {kMonday + 20 * kDayMs, 30}}, now).confidence,
            Confidence::Low);
}

TEST(ForecastLots, OldestLotFirst) {
  auto lots = forecastLots({{"A", 100}, {"B", 300}, {"C", 0}, {"D", 50}}, 20.0);
  ASSERT_EQ(lots.size(), 4u);
  EXPECT_EQ(lots[0].lot, "A");
  EXPECT_DOUBLE_EQ(*lots[0].days_until_first_use, 0.0);
  EXPECT_DOUBLE_EQ(*lots[0].days_until_empty, 5.0);
  EXPECT_DOUBLE_EQ(*lots[1].days_until_first_use, 5.0);
  EXPECT_DOUBLE_EQ(*lots[1].days_until_empty, 20.0);
  EXPECT_DOUBLE_EQ(*lots[3].days_until_first_use, 20.0);
  EXPECT_DOUBLE_EQ(*lots[3].days_until_empty, 22.5);

  auto idle = forecastLots({{"A", 100}, {"B", 300}}, 0.0);
  EXPECT_DOUBLE_EQ(*idle[0].days_until_first_use, 0.0);
  EXPECT_FALSE(idle[0].days_until_empty);
  EXPECT_FALSE(idle[1].days_until_first_use);
}

TEST(ForecastWear, RibbonCleaningAndHead) {
  PrinterWear wear;
  wear.cards = 1000;
  wear.panels = 3000;  // three panels a card
  wear.cards_since_cleaning = 650;
  wear.head_passes = 450'000;
  const std::int64_t now = kMonday;
  auto f = forecastWear(wear, {700, 500'000}, 120, 50.0, now);
  EXPECT_EQ(*f.ribbon_cards_left, 120);
  EXPECT_DOUBLE_EQ(*f.ribbon_days_left, 2.4);
  EXPECT_EQ(*f.cleaning_due_in_cards, 50);
  EXPECT_DOUBLE_EQ(*f.cleaning_due_in_days, 1.0);
  EXPECT_EQ(*f.head_passes_left, 50'000);
  EXPECT_DOUBLE_EQ(*f.head_life_used, 0.9);
  EXPECT_NEAR(*f.head_days_left, 50'000.0 / 150.0, 1e-9);
  EXPECT_EQ(*f.head_end_of_life_ms,
            now + static_cast<std::int64_t>(50'000.0 / 150.0 * kDayMs + 0.5));

  // Overdue cleaning: negative cards, zero days. Idle printer: no days.
  wear.cards_since_cleaning = 720;
  auto overdue = forecastWear(wear, {700, 0}, std::nullopt, 0.0, now);
  EXPECT_EQ(*overdue.cleaning_due_in_cards, -20);
  EXPECT_FALSE(overdue.cleaning_due_in_days);
  EXPECT_FALSE(overdue.ribbon_cards_left);
  EXPECT_FALSE(overdue.head_passes_left);
  EXPECT_FALSE(forecastWear(wear, {0, 0}, 5, 10.0, now).cleaning_due_in_cards);
}

}  // namespace
}  // namespace cardd::health
