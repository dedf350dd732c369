// evaluateRules: each rule's raise and hold thresholds (the hysteresis
// band), severity escalation, messages, and rules turned off by 0.
#include "health/alert_rules.hpp"

#include <gtest/gtest.h>

namespace cardd::health {
namespace {

constexpr std::int64_t kNow = 1'800'000'000'000;

AlertFacts baseFacts() {
  AlertFacts f;
  f.now_ms = kNow;
  f.blanks_on_hand = 5000;
  return f;
}

PrinterFacts printer(std::string id = "P1") {
  PrinterFacts p;
  p.printer = std::move(id);
  p.limits = {700, 0};
  return p;
}

std::optional<Observation> find(const std::vector<Observation>& obs, std::string_view rule,
                                const std::string& subject) {
  for (const auto& o : obs) {
    if (o.rule == rule && o.subject == subject) return o;
  }
  return std::nullopt;
}

Observation only(const AlertRules& rules, const AlertFacts& facts, std::string_view rule,
                 const std::string& subject) {
  auto o = find(evaluateRules(rules, facts), rule, subject);
  EXPECT_TRUE(o) << rule << " " << subject;
  return o.value_or(Observation{});
}

TEST(AlertRules, BlankStockLow) {
  AlertRules rules;  // warning 200, critical 50: clears above 220
  auto facts = baseFacts();
  facts.blanks_on_hand = 180;
  auto o = only(rules, facts, kRuleBlankStockLow, "station");
  EXPECT_TRUE(o.raise);
  EXPECT_TRUE(o.hold);
  EXPECT_EQ(o.severity, AlertSeverity::Warning);
  EXPECT_EQ(o.value, 180);
  EXPECT_EQ(o.threshold, 200);
  EXPECT_EQ(o.message, "Blank stock is low: 180 cards on hand (warning at 200). Order blanks now.");

  facts.blanks_on_hand = 200;
  EXPECT_TRUE(only(rules, facts, kRuleBlankStockLow, "station").raise);
  facts.blanks_on_hand = 215;  // in the band
  o = only(rules, facts, kRuleBlankStockLow, "station");
  EXPECT_FALSE(o.raise);
  EXPECT_TRUE(o.hold);
  facts.blanks_on_hand = 221;
  o = only(rules, facts, kRuleBlankStockLow, "station");
  EXPECT_FALSE(o.raise);
  EXPECT_FALSE(o.hold);

  facts.blanks_on_hand = 50;
  o = only(rules, facts, kRuleBlankStockLow, "station");
  EXPECT_EQ(o.severity, AlertSeverity::Critical);
  EXPECT_EQ(o.threshold, 50);
  EXPECT_NE(o.message.find("critically low: 50 cards"), std::string::npos);

  facts.ledger_known = false;
  EXPECT_FALSE(find(evaluateRules(rules, facts), kRuleBlankStockLow, "station"));
  facts.ledger_known = true;
  rules.blank_stock_warning = 0;
  rules.blank_stock_critical = 0;
  EXPECT_FALSE(find(evaluateRules(rules, facts), kRuleBlankStockLow, "station"));
}

TEST(AlertRules, BlankForecastShort) {
  AlertRules rules;  // lead time 21 days: clears at 23.1
  auto facts = baseFacts();
  EXPECT_FALSE(find(evaluateRules(rules, facts), kRuleBlankForecast, "station"));  // no forecast
  SupplyForecast supply;
  supply.on_hand = 600;
  supply.cards_per_day = 30;
  supply.days_of_supply = 20;
  supply.confidence = Confidence::High;
  facts.supply = supply;
  auto o = only(rules, facts, kRuleBlankForecast, "station");
  EXPECT_TRUE(o.raise);
  EXPECT_EQ(o.severity, AlertSeverity::Warning);
  EXPECT_EQ(o.threshold, 21);
  EXPECT_NE(o.message.find("in about 20 days"), std::string::npos) << o.message;
  EXPECT_NE(o.message.find("lead time of 21 days"), std::string::npos) << o.message;

  facts.supply->days_of_supply = 22.5;
  o = only(rules, facts, kRuleBlankForecast, "station");
  EXPECT_FALSE(o.raise);
  EXPECT_TRUE(o.hold);
  facts.supply->days_of_supply = 23.2;
  EXPECT_FALSE(only(rules, facts, kRuleBlankForecast, "station").hold);
  facts.supply->days_of_supply = 10;
  o = only(rules, facts, kRuleBlankForecast, "station");
  EXPECT_EQ(o.severity, AlertSeverity::Critical);
  EXPECT_EQ(o.threshold, 10.5);

  rules.blank_forecast = false;
  EXPECT_FALSE(find(evaluateRules(rules, facts), kRuleBlankForecast, "station"));
  rules.blank_forecast = true;
  rules.lead_time_days = 0;
  EXPECT_FALSE(find(evaluateRules(rules, facts), kRuleBlankForecast, "station"));
}

TEST(AlertRules, FeederAndRibbonLow) {
  AlertRules rules;  // feeder 10 (clears above 15), ribbon 20 (clears above 25)
  auto facts = baseFacts();
  auto p = printer();
  p.feeder_cards = 10;
  p.ribbon_remaining = 21;
  facts.printers = {p};
  auto feeder = only(rules, facts, kRuleFeederLow, "P1");
  EXPECT_TRUE(feeder.raise);
  EXPECT_EQ(feeder.message,
            "The feeder of printer P1 is low: 10 cards left (warning at 10). Refill it with "
            "blanks from stock and record the refill.");
  auto ribbon = only(rules, facts, kRuleRibbonLow, "P1");
  EXPECT_FALSE(ribbon.raise);
  EXPECT_TRUE(ribbon.hold);

  facts.printers[0].feeder_cards = 16;
  facts.printers[0].ribbon_remaining = 0;
  EXPECT_FALSE(only(rules, facts, kRuleFeederLow, "P1").hold);
  ribbon = only(rules, facts, kRuleRibbonLow, "P1");
  EXPECT_EQ(ribbon.severity, AlertSeverity::Critical);
  EXPECT_NE(ribbon.message.find("used up"), std::string::npos);

  facts.printers[0].feeder_cards.reset();  // no ledger book for the feeder
  rules.ribbon_low = 0;
  auto obs = evaluateRules(rules, facts);
  EXPECT_FALSE(find(obs, kRuleFeederLow, "P1"));
  EXPECT_FALSE(find(obs, kRuleRibbonLow, "P1"));
}

TEST(AlertRules, CleaningDue) {
  AlertRules rules;  // margin 50: warning at 650, clears under 585
  auto facts = baseFacts();
  auto p = printer();
  p.wear.cards_since_cleaning = 649;
  facts.printers = {p};
  auto o = only(rules, facts, kRuleCleaningDue, "P1");
  EXPECT_FALSE(o.raise);
  EXPECT_TRUE(o.hold);
  facts.printers[0].wear.cards_since_cleaning = 660;
  o = only(rules, facts, kRuleCleaningDue, "P1");
  EXPECT_TRUE(o.raise);
  EXPECT_EQ(o.severity, AlertSeverity::Warning);
  EXPECT_EQ(o.threshold, 650);
  EXPECT_EQ(o.message.rfind("Printer P1 needs cleaning in 40 cards (interval 700).", 0), 0u)
      << o.message;
  facts.printers[0].wear.cards_since_cleaning = 700;
  o = only(rules, facts, kRuleCleaningDue, "P1");
  EXPECT_EQ(o.severity, AlertSeverity::Critical);
  EXPECT_NE(o.message.find("overdue for cleaning: 700 cards"), std::string::npos);
  facts.printers[0].wear.cards_since_cleaning = 0;  // cleaned
  EXPECT_FALSE(only(rules, facts, kRuleCleaningDue, "P1").hold);
  facts.printers[0].limits.cleaning_interval_cards = 0;
  EXPECT_FALSE(find(evaluateRules(rules, facts), kRuleCleaningDue, "P1"));
}

TEST(AlertRules, PrintheadEndOfLife) {
  AlertRules rules;  // 0.9
  auto facts = baseFacts();
  auto p = printer();
  p.limits.printhead_rated_passes = 100'000;
  p.wear.head_passes = 89'999;
  facts.printers = {p};
  EXPECT_FALSE(only(rules, facts, kRulePrintheadLife, "P1").raise);
  facts.printers[0].wear.head_passes = 90'000;
  auto o = only(rules, facts, kRulePrintheadLife, "P1");
  EXPECT_TRUE(o.raise);
  EXPECT_EQ(o.severity, AlertSeverity::Warning);
  EXPECT_NE(o.message.find("90 % used (90000 of 100000 passes)"), std::string::npos) << o.message;
  facts.printers[0].wear.head_passes = 100'001;
  EXPECT_EQ(only(rules, facts, kRulePrintheadLife, "P1").severity, AlertSeverity::Critical);
  facts.printers[0].limits.printhead_rated_passes = 0;
  EXPECT_FALSE(find(evaluateRules(rules, facts), kRulePrintheadLife, "P1"));
}

TEST(AlertRules, ReaderFailureRate) {
  AlertRules rules;  // 10 % over >= 20 cards; clears under 7.5 %; critical at 20 %
  auto facts = baseFacts();
  auto p = printer();
  ReaderWear r;
  r.recent = std::string(15, '0') + "11";  // 2 of 17: too few cards
  p.reader = r;
  facts.printers = {p};
  auto o = only(rules, facts, kRuleReaderFailures, "P1");
  EXPECT_FALSE(o.raise);
  EXPECT_FALSE(o.hold);
  facts.printers[0].reader->recent = std::string(45, '0') + "11111";  // 5 of 50
  o = only(rules, facts, kRuleReaderFailures, "P1");
  EXPECT_TRUE(o.raise);
  EXPECT_DOUBLE_EQ(o.value, 0.1);
  EXPECT_NE(o.message.find("failed on 5 of the last 50 cards (10 %"), std::string::npos)
      << o.message;
  facts.printers[0].reader->recent = std::string(46, '0') + "1111";  // 8 %: in the band
  o = only(rules, facts, kRuleReaderFailures, "P1");
  EXPECT_FALSE(o.raise);
  EXPECT_TRUE(o.hold);
  facts.printers[0].reader->recent = std::string(40, '0') + std::string(10, '1');
  EXPECT_EQ(only(rules, facts, kRuleReaderFailures, "P1").severity, AlertSeverity::Critical);
  rules.reader_failure_rate = 0;
  EXPECT_FALSE(find(evaluateRules(rules, facts), kRuleReaderFailures, "P1"));
}

TEST(AlertRules, PrinterFaulted) {
  AlertRules rules;  // 15 minutes; critical after an hour
  auto facts = baseFacts();
  auto p = printer();
  facts.printers = {p};
  auto o = only(rules, facts, kRulePrinterFaulted, "P1");
  EXPECT_FALSE(o.hold);
  facts.printers[0].faulted_since_ms = kNow - 14 * 60'000;
  facts.printers[0].error_reasons = {"media-jam-error"};
  o = only(rules, facts, kRulePrinterFaulted, "P1");
  EXPECT_FALSE(o.raise);
  EXPECT_TRUE(o.hold);
  facts.printers[0].faulted_since_ms = kNow - 22 * 60'000;
  o = only(rules, facts, kRulePrinterFaulted, "P1");
  EXPECT_TRUE(o.raise);
  EXPECT_EQ(o.severity, AlertSeverity::Warning);
  EXPECT_NE(o.message.find("stopped for 22 minutes (media-jam-error)"), std::string::npos);
  facts.printers[0].faulted_since_ms = kNow - 61 * 60'000;
  EXPECT_EQ(only(rules, facts, kRulePrinterFaulted, "P1").severity, AlertSeverity::Critical);
  rules.printer_faulted = std::chrono::minutes(0);
  EXPECT_FALSE(find(evaluateRules(rules, facts), kRulePrinterFaulted, "P1"));
}

TEST(AlertRules, LedgerImbalanceAndOutbox) {
  AlertRules rules;
  auto facts = baseFacts();
  facts.imbalances = {{"LOT-7", "12 blanks missing"}, {"LOT-7", "feeder count differs"}};
  facts.outbox_backlog = 999;
  auto obs = evaluateRules(rules, facts);
  auto ledger = find(obs, kRuleLedgerImbalance, "LOT-7");
  ASSERT_TRUE(ledger);
  EXPECT_TRUE(ledger->raise);
  EXPECT_EQ(ledger->severity, AlertSeverity::Critical);
  EXPECT_NE(ledger->message.find("12 blanks missing; feeder count differs"), std::string::npos);
  EXPECT_FALSE(find(obs, kRuleOutboxBacklog, "station")->raise);
  EXPECT_TRUE(find(obs, kRuleOutboxBacklog, "station")->hold);  // band: >= 900
  facts.outbox_backlog = 10'000;
  EXPECT_EQ(only(rules, facts, kRuleOutboxBacklog, "station").severity, AlertSeverity::Critical);

  rules.ledger_imbalance = false;
  rules.outbox_backlog = 0;
  obs = evaluateRules(rules, facts);
  EXPECT_FALSE(find(obs, kRuleLedgerImbalance, "LOT-7"));
  EXPECT_FALSE(find(obs, kRuleOutboxBacklog, "station"));
}

TEST(AlertRules, DeterministicOrder) {
  AlertRules rules;
  auto facts = baseFacts();
  facts.printers = {printer("P2"), printer("P1")};
  auto a = evaluateRules(rules, facts);
  std::swap(facts.printers[0], facts.printers[1]);
  EXPECT_EQ(a, evaluateRules(rules, facts));
  ASSERT_GE(a.size(), 3u);
  EXPECT_EQ(a[0].rule, kRuleBlankStockLow);
  EXPECT_EQ(a[1].subject, "P1");
}

}  // namespace
}  // namespace cardd::health
