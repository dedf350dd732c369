#include "health/alert_rules.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <optional>

namespace cardd::health {

namespace {

std::string num(std::int64_t v) {
  return std::to_string(v);
}

std::string fixed(double v, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

std::string percent(double rate) {
  return fixed(rate * 100.0, 0) + " %";
}

std::string plural(std::int64_t n, const char* one, const char* many) {
  return num(n) + " " + (n == 1 || n == -1 ? one : many);
}

// The clear band of a count threshold: 10 % of it, at least `floor`.
std::int64_t band(std::int64_t threshold, std::int64_t floor) {
  return std::max(floor, (threshold + 9) / 10);
}

Observation observe(std::string_view rule, const std::string& subject) {
  Observation o;
  o.rule = std::string(rule);
  o.subject = subject;
  return o;
}

// A count that is low at or below `warn`, critical at or below `critical_at`
// (never without one); holds up to warn + 10 % (at least 5). The threshold
// is the level it is at.
Observation lowCount(std::string_view rule, const std::string& subject, std::int64_t n,
                     std::int64_t warn, std::optional<std::int64_t> critical_at) {
  auto o = observe(rule, subject);
  o.value = static_cast<double>(n);
  const bool critical = critical_at && n <= *critical_at;
  o.raise = n <= warn;
  o.hold = n <= warn + band(warn, 5);
  o.severity = critical ? AlertSeverity::Critical : AlertSeverity::Warning;
  o.threshold = static_cast<double>(critical ? *critical_at : warn);
  return o;
}

// A count that is high at or above `warn`, critical at or above
// `critical_at`; holds down to warn - 10 % (at least 1). The threshold is the
// level it is at.
Observation highCount(std::string_view rule, const std::string& subject, std::int64_t n,
                      std::int64_t warn, std::int64_t critical_at) {
  auto o = observe(rule, subject);
  o.value = static_cast<double>(n);
  const bool critical = n >= critical_at;
  o.raise = n >= warn;
  o.hold = n >= warn - band(warn, 1);
  o.severity = critical ? AlertSeverity::Critical : AlertSeverity::Warning;
  o.threshold = static_cast<double>(critical ? critical_at : warn);
  return o;
}

bool isCritical(const Observation& o) {
  return o.severity == AlertSeverity::Critical;
}

// ---- Station rules ---------------------------------------------------------

// Low when on hand <= threshold; clears above warning + 10 % (at least 5).
void blankStock(const AlertRules& rules, const AlertFacts& facts, std::vector<Observation>& out) {
  if (!facts.ledger_known) return;
  if (rules.blank_stock_warning <= 0 && rules.blank_stock_critical <= 0) return;
  const std::int64_t on_hand = facts.blanks_on_hand;
  const std::int64_t warn = std::max(rules.blank_stock_warning, rules.blank_stock_critical);
  auto o = lowCount(kRuleBlankStockLow, "station", on_hand, warn,
                    rules.blank_stock_critical > 0
                        ? std::optional<std::int64_t>(rules.blank_stock_critical)
                        : std::nullopt);
  if (isCritical(o)) {
    o.message = "Blank stock is critically low: " + plural(on_hand, "card", "cards") +
                " on hand (critical at " + num(rules.blank_stock_critical) +
                "). Order blanks urgently; issuance stops when they run out.";
  } else {
    o.message = "Blank stock is low: " + plural(on_hand, "card", "cards") +
                " on hand (warning at " + num(warn) + "). Order blanks now.";
  }
  out.push_back(std::move(o));
}

// Short when days of supply < lead time (critical under half of it); clears
// at lead time + 10 % (at least one day).
void blankForecast(const AlertRules& rules, const AlertFacts& facts,
                   std::vector<Observation>& out) {
  if (!rules.blank_forecast || rules.lead_time_days <= 0 || !facts.ledger_known) return;
  if (!facts.supply || !facts.supply->days_of_supply) return;
  const auto& supply = *facts.supply;
  const double days = *supply.days_of_supply;
  const double lead = rules.lead_time_days;
  auto o = observe(kRuleBlankForecast, "station");
  o.value = days;
  const bool critical = days < lead / 2.0;
  o.raise = days < lead;
  o.hold = days < lead + std::max(1.0, lead * 0.1);
  o.severity = critical ? AlertSeverity::Critical : AlertSeverity::Warning;
  o.threshold = critical ? lead / 2.0 : lead;
  // Whole days, rounded down: "in about 20 days" for 20.97.
  const auto whole = static_cast<std::int64_t>(std::floor(days));
  const std::string when = days < 1.0 ? "within a day" : "in about " + plural(whole, "day", "days");
  o.message = "Blanks will run out " + when + " (" + num(supply.on_hand) + " on hand at " +
              fixed(supply.cards_per_day, 1) + " cards a day, forecast confidence " +
              std::string(confidenceName(supply.confidence)) +
              "), sooner than the re-supply lead time of " + num(rules.lead_time_days) + " days. " +
              (critical ? "Order blanks urgently." : "Order blanks now.");
  out.push_back(std::move(o));
}

// Backlog >= threshold (critical at 10x); clears under 90 % of it.
void outboxBacklog(const AlertRules& rules, const AlertFacts& facts,
                   std::vector<Observation>& out) {
  if (rules.outbox_backlog <= 0 || !facts.outbox_backlog) return;
  const std::int64_t n = *facts.outbox_backlog;
  auto o =
      highCount(kRuleOutboxBacklog, "station", n, rules.outbox_backlog, rules.outbox_backlog * 10);
  o.message = plural(n, "message is", "messages are") +
              " waiting to be sent to the fleet server (" +
              (isCritical(o) ? "critical at " : "warning at ") + fixed(o.threshold, 0) +
              "). Check the station's network connection and the fleet server.";
  out.push_back(std::move(o));
}

// ---- Printer rules ---------------------------------------------------------

// Feeder <= feeder_low (critical when empty); clears above it + 10 % (at
// least 5).
void feederLow(const AlertRules& rules, const PrinterFacts& p, std::vector<Observation>& out) {
  if (rules.feeder_low <= 0 || !p.feeder_cards) return;
  const std::int64_t n = *p.feeder_cards;
  auto o = lowCount(kRuleFeederLow, p.printer, n, rules.feeder_low, 0);
  if (isCritical(o)) {
    o.message = "The feeder of printer " + p.printer +
                " is empty. Refill it with blanks from stock and record the refill.";
  } else {
    o.message = "The feeder of printer " + p.printer + " is low: " + plural(n, "card", "cards") +
                " left (warning at " + num(rules.feeder_low) +
                "). Refill it with blanks from stock and record the refill.";
  }
  out.push_back(std::move(o));
}

// Ribbon <= ribbon_low (critical when used up); clears above it + 10 % (at
// least 5).
void ribbonLow(const AlertRules& rules, const PrinterFacts& p, std::vector<Observation>& out) {
  if (rules.ribbon_low <= 0 || !p.ribbon_remaining) return;
  const std::int64_t n = *p.ribbon_remaining;
  auto o = lowCount(kRuleRibbonLow, p.printer, n, rules.ribbon_low, 0);
  if (isCritical(o)) {
    o.message =
        "The ribbon in printer " + p.printer + " is used up. Load a new ribbon and record it.";
  } else {
    o.message = "The ribbon in printer " + p.printer + " is low: " + plural(n, "print", "prints") +
                " left (warning at " + num(rules.ribbon_low) + "). Have a new ribbon ready.";
  }
  out.push_back(std::move(o));
}

// Cards since cleaning >= interval - margin (critical at the interval);
// clears under the warning point - 10 % (a cleaning resets the counter far
// below).
void cleaningDue(const AlertRules& rules, const PrinterFacts& p, std::vector<Observation>& out) {
  const std::int64_t interval = p.limits.cleaning_interval_cards;
  if (interval <= 0) return;
  const std::int64_t margin = std::clamp<std::int64_t>(rules.cleaning_due_margin, 0, interval - 1);
  const std::int64_t warn = interval - margin;
  const std::int64_t since = p.wear.cards_since_cleaning;
  auto o = highCount(kRuleCleaningDue, p.printer, since, warn, interval);
  if (isCritical(o)) {
    o.message = "Printer " + p.printer +
                " is overdue for cleaning: " + plural(since, "card", "cards") +
                " since the last cleaning (interval " + num(interval) +
                "). Clean it now and record the cleaning; the printer may refuse to print.";
  } else {
    o.message = "Printer " + p.printer + " needs cleaning in " +
                plural(interval - since, "card", "cards") + " (interval " + num(interval) +
                "). Clean it at the next quiet moment and record the cleaning.";
  }
  out.push_back(std::move(o));
}

// Head passes >= rated x fraction (critical at the rated life); clears under
// the warning point - 10 % (a new head resets the counter).
void printheadLife(const AlertRules& rules, const PrinterFacts& p, std::vector<Observation>& out) {
  const std::int64_t rated = p.limits.printhead_rated_passes;
  if (rated <= 0 || rules.printhead_end_of_life <= 0) return;
  const auto warn = static_cast<std::int64_t>(
      std::ceil(static_cast<double>(rated) * std::min(rules.printhead_end_of_life, 1.0)));
  const std::int64_t passes = p.wear.head_passes;
  auto o = highCount(kRulePrintheadLife, p.printer, passes, warn, rated);
  const std::string used = percent(static_cast<double>(passes) / static_cast<double>(rated)) +
                           " used (" + num(passes) + " of " + num(rated) + " passes)";
  if (isCritical(o)) {
    o.message = "The printhead of printer " + p.printer + " has passed its rated life: " + used +
                ". Replace the printhead soon and record the replacement.";
  } else {
    o.message = "The printhead of printer " + p.printer +
                " is near the end of its rated life: " + used + ". Order a replacement printhead.";
  }
  out.push_back(std::move(o));
}

// Rolling chip failure rate >= rate over at least min_cards cards (critical
// at twice the rate); clears under 75 % of the rate, or when too few cards
// are left in the window (a new reader).
void readerFailures(const AlertRules& rules, const PrinterFacts& p, std::vector<Observation>& out) {
  if (rules.reader_failure_rate <= 0 || !p.reader) return;
  const auto& r = *p.reader;
  const double rate = r.recentFailureRate();
  const auto cards = static_cast<std::int64_t>(r.recent.size());
  const bool enough = cards >= std::max<std::int64_t>(rules.reader_min_cards, 1);
  auto o = observe(kRuleReaderFailures, p.printer);
  o.value = rate;
  const double critical_rate = std::min(1.0, rules.reader_failure_rate * 2.0);
  const bool critical = enough && rate >= critical_rate;
  o.raise = enough && rate >= rules.reader_failure_rate;
  o.hold = enough && rate >= rules.reader_failure_rate * 0.75;
  o.severity = critical ? AlertSeverity::Critical : AlertSeverity::Warning;
  o.threshold = critical ? critical_rate : rules.reader_failure_rate;
  const auto failures = std::count(r.recent.begin(), r.recent.end(), '1');
  o.message = "The chip reader of printer " + p.printer + " failed on " + num(failures) +
              " of the last " + plural(cards, "card", "cards") + " (" + percent(rate) + ", " +
              (critical ? "critical at " : "warning at ") + percent(o.threshold) +
              "). Clean the reader contacts; replace the reader if it goes on.";
  out.push_back(std::move(o));
}

// An -error reason for N minutes (critical after 4 N); holds while it lasts.
void printerFaulted(const AlertRules& rules, const AlertFacts& facts, const PrinterFacts& p,
                    std::vector<Observation>& out) {
  const auto limit_ms = std::chrono::milliseconds(rules.printer_faulted).count();
  if (limit_ms <= 0) return;
  auto o = observe(kRulePrinterFaulted, p.printer);
  o.threshold = static_cast<double>(rules.printer_faulted.count());
  if (p.faulted_since_ms) {
    const std::int64_t for_ms = std::max<std::int64_t>(facts.now_ms - *p.faulted_since_ms, 0);
    const std::int64_t minutes = for_ms / 60'000;
    o.value = static_cast<double>(minutes);
    const bool critical = for_ms >= 4 * limit_ms;
    o.raise = for_ms >= limit_ms;
    o.hold = true;
    o.severity = critical ? AlertSeverity::Critical : AlertSeverity::Warning;
    if (critical) o.threshold *= 4;
    std::string reasons;
    for (const auto& reason : p.error_reasons) reasons += (reasons.empty() ? "" : ", ") + reason;
    o.message = "Printer " + p.printer + " has been stopped for " +
                plural(minutes, "minute", "minutes") +
                (reasons.empty() ? std::string() : " (" + reasons + ")") +
                ". Clear the fault at the printer; its jobs wait until it is ready.";
  }
  out.push_back(std::move(o));
}

}  // namespace

std::vector<Observation> evaluateRules(const AlertRules& rules, const AlertFacts& facts) {
  std::vector<Observation> out;
  blankStock(rules, facts, out);
  blankForecast(rules, facts, out);
  outboxBacklog(rules, facts, out);

  std::vector<const PrinterFacts*> printers;
  for (const auto& p : facts.printers) printers.push_back(&p);
  std::sort(printers.begin(), printers.end(),
            [](const PrinterFacts* a, const PrinterFacts* b) { return a->printer < b->printer; });
  for (const auto* p : printers) {
    feederLow(rules, *p, out);
    ribbonLow(rules, *p, out);
    cleaningDue(rules, *p, out);
    printheadLife(rules, *p, out);
    readerFailures(rules, *p, out);
    printerFaulted(rules, facts, *p, out);
  }

  // Ledger imbalances: one critical observation per subject, its details
  // joined; holds while the ledger reports it.
  if (rules.ledger_imbalance) {
    std::map<std::string, std::string> by_subject;
    for (const auto& i : facts.imbalances) {
      auto& detail = by_subject[i.subject];
      detail += (detail.empty() ? "" : "; ") + i.detail;
    }
    for (const auto& [subject, detail] : by_subject) {
      auto o = observe(kRuleLedgerImbalance, subject);
      o.raise = o.hold = true;
      o.severity = AlertSeverity::Critical;
      o.message = "The card ledger does not balance for " + subject + ": " + detail +
                  ". Count the blanks and spoiled cards and reconcile the ledger.";
      out.push_back(std::move(o));
    }
  }
  return out;
}

}  // namespace cardd::health
