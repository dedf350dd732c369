#pragma once
// Forecasts as pure functions: blank days-of-supply from the consumption
// history, and when a printer's consumables and wear parts run out.
//
// Days of supply: the rate is the consumption of the window (calendar days,
// so weekends and idle days are part of the rate, not outliers) divided by
// the days the window covers (the history's own span when the station is
// newer than the window, but never less than min_span_days). Confidence says
// how far to trust it, from how many days of the window had consumption and
// how steady the weekly totals are; days_low/days_high bound it with the
// busiest and quietest week of the window.
//
// Weeks are counted back from now; only full weeks of the span count.
// Confidence: high with at least 4 full weeks (2 for windows under 28 days),
// 12 active days and weekly totals within 25 % (coefficient of variation);
// medium with 2 full weeks, 6 active days and weeks within 50 %; low
// otherwise; none without consumption.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "health/health_types.hpp"

namespace cardd::health {

inline constexpr std::int64_t kDayMs = 86'400'000;

// Cards consumed (issued + spoiled) on one calendar day (UTC), day_start_ms
// a multiple of kDayMs. Days without consumption may be absent.
struct DailyUsage {
  std::int64_t day_start_ms = 0;
  std::int64_t cards = 0;
  friend bool operator==(const DailyUsage&, const DailyUsage&) = default;
};

struct ForecastOptions {
  int window_days = 28;   // history looked at
  int min_span_days = 7;  // a younger history is still divided by this many days
};

enum class Confidence { None, Low, Medium, High };
std::string_view confidenceName(Confidence confidence);  // "none" "low" "medium" "high"

struct SupplyForecast {
  std::int64_t on_hand = 0;                 // blanks the forecast covers
  double cards_per_day = 0;                 // calendar-day rate over the window
  std::optional<double> days_of_supply;     // empty when nothing was consumed in the window
  std::optional<double> days_low;           // at the busiest week's rate
  std::optional<double> days_high;          // at the quietest non-zero week's rate
  std::optional<std::int64_t> runs_out_ms;  // now + days_of_supply
  Confidence confidence = Confidence::None;
  int window_days = 0;        // the span actually used
  int active_days = 0;        // days in it with consumption
  std::int64_t consumed = 0;  // cards consumed in it
};

// `usage` in any order; entries outside [now - window, now] are ignored.
SupplyForecast forecastSupply(std::int64_t on_hand, const std::vector<DailyUsage>& usage,
                              std::int64_t now_ms, const ForecastOptions& options = {});

// A lot's share of the supply when blanks are used oldest lot first.
struct LotStock {
  std::string lot;
  std::int64_t on_hand = 0;  // in stock + in feeders
};
struct LotForecast {
  std::string lot;
  std::int64_t on_hand = 0;
  std::optional<double> days_until_empty;      // the day its last blank is used
  std::optional<double> days_until_first_use;  // 0 for the lot in use
};
// `lots` in FIFO order (oldest first), `cards_per_day` from forecastSupply.
std::vector<LotForecast> forecastLots(const std::vector<LotStock>& lots, double cards_per_day);

// A printer's maintenance figures (PrinterConfig).
struct WearLimits {
  std::int64_t cleaning_interval_cards = 700;  // 0: no interval known
  std::int64_t printhead_rated_passes = 0;     // 0: rated life unknown
};

struct WearForecast {
  std::optional<std::int64_t> ribbon_cards_left;  // prints left on the ribbon
  std::optional<double> ribbon_days_left;
  // Cards until cleaning is due (negative: overdue by that many); empty
  // without an interval.
  std::optional<std::int64_t> cleaning_due_in_cards;
  std::optional<double> cleaning_due_in_days;
  std::optional<std::int64_t> head_passes_left;
  std::optional<double> head_life_used;  // passes / rated, 0..(>1)
  std::optional<double> head_days_left;
  std::optional<std::int64_t> head_end_of_life_ms;
};

// `ribbon_remaining`: prints left as the printer reports them (empty: not
// reported). `cards_per_day`: this printer's rate (e.g. from its issued
// cards over the window); days are empty while it is 0. `panels_per_card`:
// the average of the history (wear.panels / wear.cards), used for the head.
WearForecast forecastWear(const PrinterWear& wear, const WearLimits& limits,
                          std::optional<std::int64_t> ribbon_remaining, double cards_per_day,
                          std::int64_t now_ms);

}  // namespace cardd::health
