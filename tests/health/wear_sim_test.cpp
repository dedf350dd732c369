// Weeks of wear in seconds: the real emulator model (emulator/printer_model)
// behind the real EvolisDriver, on a ManualClock through ModelTransport, with
// the health policies on top as the health monitor applies them:
//   - the cleaning-due alert comes well before the printer refuses to print
//     at its mandatory-cleaning threshold (and it really does refuse there);
//   - the duty-cycle governor keeps the printhead in a hot room under its
//     fault temperature, where the same run at full speed overheats;
//   - the blank-forecast alert is raised when the days of supply fall under
//     the re-supply lead time and clears after a receipt; acknowledging
//     keeps it open; a stock wobbling at a threshold raises one alert.
#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "emulator/printer_model.hpp"
#include "health/alert_rules.hpp"
#include "health/alert_tracker.hpp"
#include "health/duty_governor.hpp"
#include "health/forecast.hpp"
#include "health_test_util.hpp"
#include "model_transport.hpp"
#include "printer/evolis/evolis_driver.hpp"
#include "printer/evolis/evolis_raster.hpp"

namespace cardd::health {
namespace {

namespace evolis = drivers::evolis;
using drivers::Panel;
using drivers::PanelKind;
using drivers::PreparedCard;
using std::chrono::milliseconds;
using std::chrono::minutes;
using test_support::AlertBook;

// Monday 2026-11-02 00:00 UTC.
constexpr std::int64_t kMonday = 1'793'577'600'000;
constexpr std::int64_t kHourMs = 3'600'000;
constexpr milliseconds kClearAfter{300'000};

Panel panel(PanelKind kind, std::uint8_t fill) {
  Panel p;
  p.kind = kind;
  p.pixels_per_line = evolis::kPixelsPerLine;
  p.lines = evolis::kScanLines;
  p.density.assign(evolis::kPixelsPerLine * evolis::kScanLines, fill);
  return p;
}

// A black-only card: a 100 x 100 px square (one panel, a fast print).
PreparedCard blackCard() {
  Panel k = panel(PanelKind::Black, 0);
  for (std::size_t line = 0; line < 100; ++line) {
    for (std::size_t px = 0; px < 100; ++px) k.density[line * evolis::kPixelsPerLine + px] = 255;
  }
  PreparedCard card;
  card.front.panels = {std::move(k)};
  return card;
}

// A full-colour front: five panels, five passes of the printhead.
PreparedCard colourCard() {
  PreparedCard card;
  card.front.panels = {panel(PanelKind::Yellow, 40), panel(PanelKind::Magenta, 80),
                       panel(PanelKind::Cyan, 120), panel(PanelKind::Black, 0),
                       panel(PanelKind::Overlay, 255)};
  return card;
}

// The emulated printer and the real driver over it, on simulated time.
struct Station {
  explicit Station(emulator::ModelConfig config) {
    model = std::make_unique<emulator::PrinterModel>(std::move(config), clock, chip, sink);
    evolis::EvolisDriverOptions options;
    options.extended_status = true;  // the emulator's quirks entry
    options.colour_levels = 32;      // smaller colour panels: a faster simulation
    options.sleep = [this](milliseconds d) { testing::advanceModel(clock, *model, d); };
    driver = std::make_unique<evolis::EvolisDriver>(
        testing::modelConnector(*model, clock, &connects), options);
  }
  void advanceTo(std::int64_t at) {
    if (at > clock.nowMs()) testing::advanceModel(clock, *model, milliseconds(at - clock.nowMs()));
  }
  std::int64_t now() const { return clock.nowMs(); }

  ManualClock clock{kMonday};
  emulator::ChipSlot chip;
  emulator::EmulatorSink sink;
  std::unique_ptr<emulator::PrinterModel> model;
  std::unique_ptr<evolis::EvolisDriver> driver;
  int connects = 0;
};

emulator::ModelConfig bigSupplies(emulator::ModelConfig c = {}) {
  c.feeder_count = 5000;
  c.feeder_near_empty = 0;
  c.hopper_capacity = 1'000'000;
  c.ribbon_capacity = 1'000'000;
  c.ribbon_remaining = 1'000'000;
  return c;
}

// One tick of the alert rules, as the health monitor's: one printer and no
// ledger, or the station's blank stock alone.
void checkPrinter(AlertBook& book, AlertTracker& tracker, const AlertRules& rules,
                  const PrinterFacts& printer, std::int64_t now) {
  AlertFacts facts;
  facts.now_ms = now;
  facts.ledger_known = false;
  facts.printers = {printer};
  book.step(tracker, now, evaluateRules(rules, facts));
}

void checkStock(AlertBook& book, AlertTracker& tracker, const AlertRules& rules,
                std::int64_t on_hand, std::int64_t now) {
  AlertFacts facts;
  facts.now_ms = now;
  facts.blanks_on_hand = on_hand;
  book.step(tracker, now, evaluateRules(rules, facts));
}

// What one printed card adds (as store/health_store.cpp addWear does).
void addCard(PrinterWear& w, std::int64_t panels, std::int64_t now) {
  w.cards += 1;
  w.panels += panels;
  w.cards_since_cleaning += 1;
  w.cards_since_ribbon += 1;
  w.head_passes += panels;
  w.updated_ms = now;
}

std::string reasons(const drivers::PrinterStatus& status) {
  std::string out;
  for (const auto& r : status.reasons) out += r.keyword() + " ";
  return out;
}

// ---- The transport ---------------------------------------------------------------

std::string readAll(drivers::Transport& t, milliseconds timeout, std::size_t chunk = 512) {
  std::string out;
  for (;;) {
    auto r = t.read(chunk, timeout);
    if (!r.ok() || r->state != drivers::LinkState::Ok) return out + "<timeout>";
    out.append(r->bytes.begin(), r->bytes.end());
    if (!out.empty() && out.back() == '\0') return out;
  }
}

void send(drivers::Transport& t, const evolis::Command& c) {
  auto bytes = evolis::encode(c);
  ASSERT_TRUE(bytes.ok());
  auto w = t.write(*bytes, milliseconds(1000));
  ASSERT_TRUE(w.ok());
  EXPECT_EQ(*w, drivers::LinkState::Ok);
}

TEST(ModelTransport, RepliesOnSimulatedTime) {
  ManualClock clock(kMonday);
  emulator::ChipSlot chip;
  emulator::EmulatorSink sink;
  emulator::ModelConfig config;
  emulator::PrinterModel model(config, clock, chip, sink);
  testing::ModelTransport t(model, clock);

  // A read: answered at once, in pieces as small as asked, NUL-terminated.
  send(t, evolis::Command{"Rtp", {}, false, {}});
  EXPECT_EQ(readAll(t, milliseconds(1000), 3), config.model + std::string(1, '\0'));
  EXPECT_EQ(clock.nowMs(), kMonday);

  // A cleaning cycle: the reply is due when the cycle ends. A read with a
  // shorter timeout times out and moves the clock by exactly that much; the
  // next read gets the reply at its virtual time.
  send(t, evolis::Command{"Scp", {}, false, {}});
  EXPECT_EQ(readAll(t, milliseconds(100)), "<timeout>");
  EXPECT_EQ(clock.nowMs(), kMonday + 100);
  EXPECT_EQ(readAll(t, milliseconds(30'000)), std::string("OK") + '\0');
  EXPECT_EQ(clock.nowMs(), kMonday + config.clean_ms);
  EXPECT_EQ(model.cleanings(), 1u);

  // Nothing pending: a timeout.
  EXPECT_EQ(readAll(t, milliseconds(50)), "<timeout>");

  // A malformed frame is refused, and the stream goes on.
  const std::string junk =
      "\x1b"
      "1x\r";
  ASSERT_TRUE(t.write(std::span(reinterpret_cast<const std::uint8_t*>(junk.data()), junk.size()),
                      milliseconds(1000))
                  .ok());
  EXPECT_EQ(readAll(t, milliseconds(1000)), std::string("ERROR PARAMETERS") + '\0');
  t.close();
  EXPECT_FALSE(t.read(1, milliseconds(1)).ok());
}

TEST(ModelTransport, HeldCommandWithoutAnswerTimesOut) {
  ManualClock clock(kMonday);
  emulator::ChipSlot chip;
  emulator::EmulatorSink sink;
  emulator::PrinterModel model(emulator::ModelConfig{}, clock, chip, sink);
  testing::ModelTransport t(model, clock, milliseconds(2000));
  send(t, evolis::Command{"Pem", {"0"}, false, {}});
  EXPECT_EQ(readAll(t, milliseconds(1000)), std::string("OK") + '\0');
  model.injectFault(emulator::Fault::CoverOpen);
  const std::int64_t before = clock.nowMs();
  send(t, evolis::Command{"Sis", {}, false, {}});  // held: the cover stays open
  EXPECT_GE(clock.nowMs() - before, 2000);
  EXPECT_EQ(readAll(t, milliseconds(1000)), "<timeout>");
}

// ---- Cleaning ------------------------------------------------------------------

// An office day: `per_day` cards evenly from 08:00 to 16:00, Monday to
// Friday; nights and weekends pass on the clock without printing.
struct OfficePace {
  int per_day = 150;
  std::int64_t slot(std::int64_t card) const {
    const std::int64_t working_day = card / per_day;
    const std::int64_t week = working_day / 5;
    const std::int64_t day = week * 7 + working_day % 5;
    const std::int64_t spacing = 8 * kHourMs / per_day;
    return kMonday + day * kDayMs + 8 * kHourMs + (card % per_day) * spacing;
  }
};

TEST(WearSimulation, CleaningDueAlertComesBeforeTheMandatoryCleaning) {
  auto config = bigSupplies();
  config.ribbon = evolis::Ribbon::K;
  config.cleaning_warning_cards = 700;
  config.cleaning_mandatory_cards = 1000;
  Station station(config);
  const PreparedCard card = blackCard();

  AlertRules rules;  // cleaning_due_margin 50
  rules.blank_stock_warning = rules.blank_stock_critical = 0;
  AlertTracker tracker(kClearAfter);
  AlertBook book;
  PrinterFacts printer;
  printer.printer = "P1";
  printer.wear.printer = "P1";
  printer.limits = {700, 0};

  const OfficePace pace;
  std::int64_t printed = 0;
  std::optional<std::int64_t> alert_at_card;
  std::optional<std::int64_t> critical_at_card;
  std::optional<Error> refusal;
  for (std::int64_t n = 0; n < 1200 && !refusal; ++n) {
    station.advanceTo(pace.slot(n));
    auto st = station.driver->printAndEject(card);
    if (!st) {
      refusal = st.error();
      break;
    }
    ++printed;
    addCard(printer.wear, 1, station.now());
    checkPrinter(book, tracker, rules, printer, station.now());
    if (const auto* a = book.find(kRuleCleaningDue)) {
      if (!alert_at_card) alert_at_card = printed;
      if (!critical_at_card && a->severity == AlertSeverity::Critical) critical_at_card = printed;
    }
  }

  // Without the alert acted on, the emulated printer really stops at its
  // mandatory threshold: card 1001 is refused with the printer's condition.
  ASSERT_TRUE(refusal) << "the emulator never refused to print";
  EXPECT_EQ(printed, 1000);
  EXPECT_EQ(station.model->cardsSinceCleaning(), 1000u);
  EXPECT_NE(refusal->message.find("NEED CLEANING"), std::string::npos) << refusal->message;
  auto status = station.driver->status();
  ASSERT_TRUE(status.ok());
  EXPECT_NE(reasons(*status).find("cleaner-life-almost-over-error"), std::string::npos)
      << reasons(*status);
  // Simulated weeks, not a burst: the run went over at least one weekend.
  EXPECT_GE(station.now() - kMonday, 8 * kDayMs);

  // The alert came first, by the configured margin and long before the stop.
  ASSERT_TRUE(alert_at_card);
  EXPECT_EQ(*alert_at_card, 650);
  EXPECT_GE(printed - *alert_at_card, 300);
  ASSERT_TRUE(critical_at_card);
  EXPECT_EQ(*critical_at_card, 700);
  const auto* alert = book.find(kRuleCleaningDue);
  ASSERT_NE(alert, nullptr);
  EXPECT_EQ(book.count(kRuleCleaningDue), 1);  // raised once, escalated in place
  EXPECT_EQ(alert->subject, "P1");
  EXPECT_EQ(alert->state, AlertState::Raised);
  EXPECT_NE(alert->message.find("Printer P1 is overdue for cleaning"), std::string::npos)
      << alert->message;

  // Acting on it: the cleaning cycle, recorded; printing resumes and the
  // alert clears by itself after clear_after.
  ASSERT_TRUE(station.driver->clean().ok());
  printer.wear.cards_since_cleaning = 0;
  printer.wear.cleanings += 1;
  printer.wear.last_cleaning_ms = station.now();
  const std::int64_t cleaned_at = station.now();
  for (int i = 0; i < 12; ++i) {
    station.advanceTo(cleaned_at + (i + 1) * 30'000);
    checkPrinter(book, tracker, rules, printer, station.now());
  }
  EXPECT_EQ(book.find(kRuleCleaningDue)->state, AlertState::Cleared);
  EXPECT_TRUE(station.driver->printAndEject(card).ok());
  EXPECT_EQ(station.model->cardsSinceCleaning(), 1u);
}

TEST(WearSimulation, CleaningWhenAlertedKeepsThePrinterPrinting) {
  auto config = bigSupplies();
  config.ribbon = evolis::Ribbon::K;
  Station station(config);
  const PreparedCard card = blackCard();
  AlertRules rules;
  AlertTracker tracker(kClearAfter);
  AlertBook book;
  PrinterFacts printer;
  printer.printer = "P1";
  printer.limits = {700, 0};

  // Three weeks at 150 cards a day (2250 cards): the technician cleans the
  // printer the evening an alert is open.
  const OfficePace pace;
  std::int64_t printed = 0;
  int cleanings = 0;
  for (std::int64_t n = 0; n < 15 * pace.per_day; ++n) {
    station.advanceTo(pace.slot(n));
    auto st = station.driver->printAndEject(card);
    ASSERT_TRUE(st.ok()) << "card " << n << ": " << st.error().message;
    ++printed;
    addCard(printer.wear, 1, station.now());
    checkPrinter(book, tracker, rules, printer, station.now());
    const bool end_of_day = (n + 1) % pace.per_day == 0;
    const auto open = book.open();
    if (end_of_day && !open.empty()) {
      ASSERT_TRUE(station.driver->clean().ok());
      printer.wear.cards_since_cleaning = 0;
      ++cleanings;
    }
  }
  EXPECT_EQ(printed, 15 * pace.per_day);
  EXPECT_GE(cleanings, 3);
  EXPECT_EQ(station.model->cleanings(), static_cast<std::uint64_t>(cleanings));
  EXPECT_LT(station.model->cardsSinceCleaning(), 1000u);
}

// ---- Heat ----------------------------------------------------------------------

// A hot room: ambient 35 degC, the printer's own cooling pause disabled (it
// would pause above 95, past the 80 degC fault).
emulator::ModelConfig hotRoom() {
  auto c = bigSupplies();
  c.ribbon = evolis::Ribbon::Ymcko;
  c.ambient_c = 35.0;
  c.pause_above_c = 95.0;
  c.resume_below_c = 90.0;
  c.fault_above_c = 80.0;
  return c;
}

struct HeatRun {
  int printed = 0;
  double max_c = 0;
  std::optional<Error> failure;
  int paced = 0;
  int rests = 0;
};

HeatRun printShift(Station& station, int cards, DutyGovernor* governor) {
  const PreparedCard card = colourCard();
  HeatRun run;
  station.advanceTo(kMonday + 8 * kHourMs);
  for (int n = 0; n < cards; ++n) {
    if (governor != nullptr) {
      const auto wait = governor->beforeCard(station.now());
      if (wait.why == DutyGovernor::Why::Pace) ++run.paced;
      if (wait.why == DutyGovernor::Why::Rest) ++run.rests;
      station.advanceTo(station.now() + wait.delay.count());
      governor->cardStarted(station.now());
    }
    auto st = station.driver->printAndEject(card);
    run.max_c = std::max(run.max_c, station.model->headTemperature());
    if (!st) {
      run.failure = st.error();
      break;
    }
    ++run.printed;
  }
  return run;
}

TEST(WearSimulation, UngovernedRunInAHotRoomOverheats) {
  Station station(hotRoom());
  const auto run = printShift(station, 120, nullptr);
  ASSERT_TRUE(run.failure) << "printed " << run.printed << " cards, max " << run.max_c << " degC";
  EXPECT_NE(run.failure->message.find("HEAD TEMP"), std::string::npos) << run.failure->message;
  EXPECT_GT(run.max_c, 80.0);
  EXPECT_LT(run.printed, 40);

  auto status = station.driver->status();
  ASSERT_TRUE(status.ok());
  EXPECT_NE(reasons(*status).find("head-cooling-error"), std::string::npos) << reasons(*status);
}

TEST(WearSimulation, GovernedRunStaysUnderTheHeatLimit) {
  // From the heat model: 5 panels x 1.2 degC a card, cooling tau 180 s. At
  // 90 cards/h (one per 40 s) the head settles about 30 degC over ambient,
  // 65 degC: under the 80 degC fault with room for a burst of 3.
  Station station(hotRoom());
  DutyGovernor governor(DutyCycle{90, 3, minutes(45), minutes(10)});
  const auto run = printShift(station, 100, &governor);
  EXPECT_FALSE(run.failure) << run.failure->message;
  EXPECT_EQ(run.printed, 100);
  EXPECT_LT(run.max_c, 80.0);
  EXPECT_GT(run.max_c, 50.0);  // it did work hard
  EXPECT_GT(run.paced, 0);
  EXPECT_GT(run.rests, 0);
  EXPECT_EQ(station.model->cardsLifetime(), 100u);
  auto status = station.driver->status();
  ASSERT_TRUE(status.ok());
  EXPECT_EQ(reasons(*status).find("error"), std::string::npos) << reasons(*status);
}

// ---- Blank supply ----------------------------------------------------------------

// Weeks of consumption: 40 cards each working day from 08:00 to 16:00, the
// rules checked every minute; `on_hand` falls card by card.
TEST(WearSimulation, BlankForecastAlertRaisedUnderLeadTimeAndClearedByAReceipt) {
  ManualClock clock(kMonday);
  AlertRules rules;
  rules.lead_time_days = 21;
  AlertTracker tracker(kClearAfter);
  AlertBook book;

  std::int64_t on_hand = 1500;
  std::vector<DailyUsage> usage;
  std::optional<double> days_when_raised;
  std::optional<double> last_days_before_raise;
  std::optional<std::int64_t> receipt_at;
  const std::int64_t per_day = 40;
  const std::int64_t spacing = 8 * kHourMs / per_day;

  for (std::int64_t t = kMonday; t < kMonday + 60 * kDayMs; t += 60'000) {
    clock.advance(milliseconds(t - clock.nowMs()));
    const std::int64_t day = t / kDayMs * kDayMs;
    const std::int64_t since_open = t - day - 8 * kHourMs;
    const bool weekday = (t - kMonday) / kDayMs % 7 < 5;
    if (weekday && since_open >= 0 && since_open < 8 * kHourMs && since_open % spacing == 0) {
      --on_hand;
      if (usage.empty() || usage.back().day_start_ms != day) usage.push_back({day, 0});
      ++usage.back().cards;
    }
    AlertFacts facts;
    facts.now_ms = t;
    facts.blanks_on_hand = on_hand;
    facts.supply = forecastSupply(on_hand, usage, t);
    book.step(tracker, t, evaluateRules(rules, facts));
    auto* alert = book.find(kRuleBlankForecast);
    if (!alert && facts.supply->days_of_supply)
      last_days_before_raise = facts.supply->days_of_supply;
    if (alert && !days_when_raised) {
      days_when_raised = facts.supply->days_of_supply;
      // The counter clerk acknowledges it; it stays open until stock arrives.
      alert->state = AlertState::Acknowledged;
      alert->acknowledged_by = "clerk";
      alert->acknowledged_at_ms = t;
    }
    // The blanks arrive three working days after the alert.
    if (days_when_raised && !receipt_at && t >= alert->raised_at_ms + 3 * kDayMs) {
      on_hand += 1000;
      receipt_at = t;
    }
    if (receipt_at && t > *receipt_at + kClearAfter.count() + 120'000) break;
  }

  ASSERT_TRUE(days_when_raised) << "never raised";
  EXPECT_LT(*days_when_raised, 21.0);
  ASSERT_TRUE(last_days_before_raise);
  EXPECT_GE(*last_days_before_raise, 21.0);  // not raised early
  const auto* alert = book.find(kRuleBlankForecast);
  ASSERT_NE(alert, nullptr);
  EXPECT_EQ(book.count(kRuleBlankForecast), 1);
  EXPECT_GE(alert->raised_at_ms - kMonday, 21 * kDayMs);  // weeks of consumption first
  EXPECT_NE(alert->message.find("sooner than the re-supply lead time of 21 days"),
            std::string::npos)
      << alert->message;
  ASSERT_TRUE(receipt_at);
  EXPECT_EQ(alert->state, AlertState::Cleared);
  EXPECT_EQ(alert->acknowledged_by, "clerk");
  ASSERT_TRUE(alert->cleared_at_ms);
  EXPECT_GE(*alert->cleared_at_ms - *receipt_at, kClearAfter.count());
  EXPECT_LE(*alert->cleared_at_ms - *receipt_at, kClearAfter.count() + 60'000);
}

TEST(WearSimulation, StockWobblingAtTheThresholdRaisesOneAlert) {
  AlertRules rules;  // warning 200, clears above 220
  AlertTracker tracker(kClearAfter);
  AlertBook book;
  // A day of cards spoiled and returned around 200, with short excursions
  // beyond the clear band (a box counted twice, then corrected).
  std::int64_t t = kMonday + 8 * kHourMs;
  for (int i = 0; i < 480; ++i, t += 60'000) {
    std::int64_t on_hand = i % 2 == 0 ? 199 : 202;
    if (i % 37 == 5 || i % 37 == 6) on_hand = 260;  // two minutes above the band
    checkStock(book, tracker, rules, on_hand, t);
  }
  EXPECT_EQ(book.count(kRuleBlankStockLow), 1);
  EXPECT_EQ(book.open().size(), 1u);
  // Restocked for good: cleared once, after clear_after.
  for (int i = 0; i < 10; ++i, t += 60'000) {
    checkStock(book, tracker, rules, 1200, t);
  }
  EXPECT_EQ(book.count(kRuleBlankStockLow), 1);
  EXPECT_EQ(book.find(kRuleBlankStockLow)->state, AlertState::Cleared);
}

}  // namespace
}  // namespace cardd::health
