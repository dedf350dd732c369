#include "health/forecast.hpp"

#include <algorithm>
#include <cmath>

namespace cardd::health {

std::string_view confidenceName(Confidence confidence) {
  switch (confidence) {
    case Confidence::None:
      return "none";
    case Confidence::Low:
      return "low";
    case Confidence::Medium:
      return "medium";
    case Confidence::High:
      return "high";
  }
  return "none";
}

namespace {

constexpr std::int64_t kWeekMs = 7 * kDayMs;

std::int64_t daysToMs(double days) {
  return static_cast<std::int64_t>(std::llround(days * static_cast<double>(kDayMs)));
}

// Coefficient of variation (standard deviation / mean) of the weekly totals;
// 0 for fewer than two weeks or no consumption.
double variation(const std::vector<std::int64_t>& weeks) {
  if (weeks.size() < 2) return 0;
  double mean = 0;
  for (auto w : weeks) mean += static_cast<double>(w);
  mean /= static_cast<double>(weeks.size());
  if (mean <= 0) return 0;
  double var = 0;
  for (auto w : weeks) var += (static_cast<double>(w) - mean) * (static_cast<double>(w) - mean);
  var /= static_cast<double>(weeks.size());
  return std::sqrt(var) / mean;
}

}  // namespace

SupplyForecast forecastSupply(std::int64_t on_hand, const std::vector<DailyUsage>& usage,
                              std::int64_t now_ms, const ForecastOptions& options) {
  SupplyForecast f;
  f.on_hand = on_hand;
  const int window_days = std::max(1, options.window_days);
  const int min_span_days = std::clamp(options.min_span_days, 1, window_days);
  const std::int64_t window_start = now_ms - window_days * kDayMs;

  // The span: the window, or the history's own age when it is younger
  // (from the start of its first day to now), never less than min_span.
  std::optional<std::int64_t> first_day;
  for (const auto& u : usage) {
    if (u.day_start_ms > now_ms) continue;
    if (!first_day || u.day_start_ms < *first_day) first_day = u.day_start_ms;
  }
  std::int64_t history_ms = window_days * kDayMs;
  if (first_day && *first_day > window_start) history_ms = now_ms - *first_day;
  const std::int64_t span_ms = std::max(history_ms, min_span_days * kDayMs);
  const double span_days = static_cast<double>(span_ms) / static_cast<double>(kDayMs);
  f.window_days = static_cast<int>(std::ceil(span_days - 1e-9));

  // Totals over the span, per day and per week counted back from now (the
  // oldest, partial week is left out of the weekly figures unless it is the
  // only one).
  const auto full_weeks = static_cast<std::size_t>(history_ms / kWeekMs);
  std::vector<std::int64_t> weeks(std::max<std::size_t>(full_weeks, 1), 0);
  for (const auto& u : usage) {
    if (u.day_start_ms < window_start || u.day_start_ms > now_ms || u.cards <= 0) continue;
    f.consumed += u.cards;
    ++f.active_days;
    const auto week =
        static_cast<std::size_t>(std::max<std::int64_t>(now_ms - u.day_start_ms - 1, 0) / kWeekMs);
    if (week < weeks.size()) weeks[week] += u.cards;
  }

  if (f.consumed <= 0) return f;
  f.cards_per_day = static_cast<double>(f.consumed) / span_days;
  f.days_of_supply = static_cast<double>(std::max<std::int64_t>(on_hand, 0)) / f.cards_per_day;
  f.runs_out_ms = now_ms + daysToMs(*f.days_of_supply);

  // Bounds from the busiest and the quietest non-zero week (only with at
  // least one full week of history).
  if (full_weeks >= 1) {
    std::int64_t busiest = 0;
    std::optional<std::int64_t> quietest;
    for (auto w : weeks) {
      busiest = std::max(busiest, w);
      if (w > 0 && (!quietest || w < *quietest)) quietest = w;
    }
    const double stock = static_cast<double>(std::max<std::int64_t>(on_hand, 0));
    if (busiest > 0) f.days_low = stock / (static_cast<double>(busiest) / 7.0);
    if (quietest) f.days_high = stock / (static_cast<double>(*quietest) / 7.0);
  }

  // Confidence: enough full weeks, enough working days, steady weeks.
  const double cv = variation(full_weeks >= 1 ? weeks : std::vector<std::int64_t>{});
  const auto high_weeks = static_cast<std::size_t>(std::clamp(window_days / 7, 2, 4));
  if (full_weeks >= high_weeks && f.active_days >= 12 && cv <= 0.25) {
    f.confidence = Confidence::High;
  } else if (full_weeks >= 2 && f.active_days >= 6 && cv <= 0.5) {
    f.confidence = Confidence::Medium;
  } else {
    f.confidence = Confidence::Low;
  }
  return f;
}

std::vector<LotForecast> forecastLots(const std::vector<LotStock>& lots, double cards_per_day) {
  std::vector<LotForecast> out;
  out.reserve(lots.size());
  std::int64_t before = 0;  // blanks of older lots, used first
  bool first = true;
  for (const auto& lot : lots) {
    LotForecast lf;
    lf.lot = lot.lot;
    lf.on_hand = lot.on_hand;
    const std::int64_t stock = std::max<std::int64_t>(lot.on_hand, 0);
    if (first) {
      lf.days_until_first_use = 0.0;
    } else if (cards_per_day > 0) {
      lf.days_until_first_use = static_cast<double>(before) / cards_per_day;
    }
    if (cards_per_day > 0) {
      lf.days_until_empty = static_cast<double>(before + stock) / cards_per_day;
    }
    before += stock;
    first = false;
    out.push_back(std::move(lf));
  }
  return out;
}

WearForecast forecastWear(const PrinterWear& wear, const WearLimits& limits,
                          std::optional<std::int64_t> ribbon_remaining, double cards_per_day,
                          std::int64_t now_ms) {
  WearForecast f;
  const bool rate = cards_per_day > 0;

  if (ribbon_remaining) {
    f.ribbon_cards_left = *ribbon_remaining;
    if (rate) {
      f.ribbon_days_left =
          static_cast<double>(std::max<std::int64_t>(*ribbon_remaining, 0)) / cards_per_day;
    }
  }

  if (limits.cleaning_interval_cards > 0) {
    const std::int64_t due = limits.cleaning_interval_cards - wear.cards_since_cleaning;
    f.cleaning_due_in_cards = due;
    if (rate)
      f.cleaning_due_in_days = static_cast<double>(std::max<std::int64_t>(due, 0)) / cards_per_day;
  }

  // The head wears by panels; a printer without history counts one panel a
  // card.
  if (limits.printhead_rated_passes > 0) {
    const std::int64_t left = limits.printhead_rated_passes - wear.head_passes;
    f.head_passes_left = left;
    f.head_life_used =
        static_cast<double>(wear.head_passes) / static_cast<double>(limits.printhead_rated_passes);
    const double panels_per_card =
        wear.cards > 0 && wear.panels > 0
            ? static_cast<double>(wear.panels) / static_cast<double>(wear.cards)
            : 1.0;
    if (rate) {
      const double days =
          static_cast<double>(std::max<std::int64_t>(left, 0)) / (cards_per_day * panels_per_card);
      f.head_days_left = days;
      f.head_end_of_life_ms = now_ms + daysToMs(days);
    }
  }
  return f;
}

}  // namespace cardd::health
