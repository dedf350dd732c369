#pragma once
// The alert rules as a pure function: from what the station knows now
// (AlertFacts) and the configured thresholds (AlertRules), one Observation
// per (rule, subject) the rule watches. An observation says whether the
// condition holds with the raise threshold, and whether it still holds with
// the clear threshold (the hysteresis band): the AlertTracker
// (alert_tracker.hpp) turns observations into raised and cleared alerts.
//
// Rules (ids in health_types.hpp), subject in brackets:
//   blank-stock-low [station]   on hand (stock + feeders) <= warning / critical
//   blank-forecast-short [station]  days of supply < lead time (warning),
//                                < lead time / 2 (critical); needs a forecast
//   feeder-low [printer]        the ledger's feeder count <= feeder_low
//   ribbon-low [printer]        prints left <= ribbon_low
//   cleaning-due [printer]      cards since cleaning >= interval - margin
//                               (warning); >= interval (critical: overdue)
//   printhead-end-of-life [printer]  passes >= rated x fraction (warning);
//                               >= rated (critical)
//   reader-failure-rate [printer]  rolling chip failure rate >= rate over at
//                               least min_cards cards
//   printer-faulted [printer]   an -error reason for longer than N minutes
//   ledger-imbalance [lot or printer]  any imbalance the ledger reports (critical)
//   outbox-backlog [station]    messages waiting upstream >= outbox_backlog
// Clear thresholds lie a margin beyond the raise threshold on the safe side
// (e.g. stock: warning + 10 %, at least 5 cards), so a value wobbling at the
// threshold does not clear and raise again. The bands (`hold` stays true up
// to there):
//   blank-stock-low     on hand <= warning + max(5, 10 % of warning)
//   blank-forecast-short days < lead time + max(1 day, 10 % of it)
//   feeder-low, ribbon-low  count <= threshold + max(5, 10 %)
//   cleaning-due, printhead-end-of-life  count >= warning point - max(1, 10 %)
//                       (these counters only fall when maintenance resets them)
//   reader-failure-rate rate >= 75 % of the rate, over at least min_cards
//   printer-faulted     while any -error reason lasts
//   ledger-imbalance    while the ledger reports it
//   outbox-backlog      backlog >= threshold - max(1, 10 %)
// Critical levels: stock <= critical; forecast < lead time / 2; feeder or
// ribbon at 0; cleaning at the interval (overdue); printhead at its rated
// life; reader at twice the rate; printer faulted 4x N; backlog 10x the
// threshold; ledger imbalance always. An observation that holds without
// raising has severity warning.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "health/forecast.hpp"
#include "health/health_types.hpp"

namespace cardd::health {

// Thresholds; a 0 count or rate turns its rule off.
struct AlertRules {
  std::int64_t blank_stock_warning = 200;
  std::int64_t blank_stock_critical = 50;
  bool blank_forecast = true;
  int lead_time_days = 21;
  std::int64_t feeder_low = 10;
  std::int64_t ribbon_low = 20;
  std::int64_t cleaning_due_margin = 50;
  double printhead_end_of_life = 0.9;
  double reader_failure_rate = 0.10;
  std::int64_t reader_min_cards = 20;
  std::chrono::minutes printer_faulted{15};
  bool ledger_imbalance = true;
  std::int64_t outbox_backlog = 1000;
};

struct PrinterFacts {
  std::string printer;
  std::optional<std::int64_t> feeder_cards;      // the ledger's book for its feeder
  std::optional<std::int64_t> ribbon_remaining;  // prints left (printer's counter)
  PrinterWear wear;
  WearLimits limits;
  std::optional<ReaderWear> reader;
  std::optional<std::int64_t> faulted_since_ms;  // an -error reason since then; empty: none
  std::vector<std::string> error_reasons;        // the -error keywords now, for the message
};

struct ImbalanceFact {
  std::string subject;  // lot id or printer id
  std::string detail;   // what does not add up, in words
};

struct AlertFacts {
  std::int64_t now_ms = 0;
  std::int64_t blanks_on_hand = 0;  // stock + feeders
  bool ledger_known = true;         // false: the ledger could not be read (no stock rules)
  std::optional<SupplyForecast> supply;
  std::vector<PrinterFacts> printers;
  std::vector<ImbalanceFact> imbalances;
  std::optional<std::int64_t> outbox_backlog;  // empty: no outbox on this station
};

struct Observation {
  std::string rule;
  std::string subject;
  bool raise = false;  // the condition holds at the raise threshold
  bool hold = false;   // it still holds at the clear threshold (raise implies hold)
  AlertSeverity severity = AlertSeverity::Warning;  // when raise or hold
  double value = 0;
  double threshold = 0;  // the raise threshold of that severity
  std::string message;   // a sentence: what, how bad, what to do (no personal data)
  friend bool operator==(const Observation&, const Observation&) = default;
};

// One observation per enabled rule and subject it applies to (a rule whose
// fact is missing, e.g. no forecast yet, gives none). Deterministic order.
std::vector<Observation> evaluateRules(const AlertRules& rules, const AlertFacts& facts);

}  // namespace cardd::health
