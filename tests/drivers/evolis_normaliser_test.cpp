// Evolis readings to IPP printer-state-reasons and counters.
#include "printer/evolis/evolis_normaliser.hpp"

#include <gtest/gtest.h>

#include "printer/evolis/evolis_reply.hpp"

namespace cardd::drivers::evolis {
namespace {

std::vector<std::string> keywords(const EvolisReadings& r, const NormaliserSettings& s = {}) {
  std::vector<std::string> out;
  for (const auto& reason : normaliseReasons(r, s)) out.push_back(reason.keyword());
  return out;
}

using Keywords = std::vector<std::string>;

// A healthy printer: cover closed, feeder loaded, nothing due.
EvolisReadings healthy() {
  EvolisReadings r;
  r.cover_mv = 5000;
  r.feeder_mv = 5000;
  r.feeder_near_empty_mv = 5000;
  r.hopper_full = false;
  r.cleaning_due = false;
  r.card_position = CardPosition::None;
  r.ribbon_capacity = 300;
  r.ribbon_remaining = 250;
  return r;
}

TEST(EvolisNormaliser, HealthyIsIdleWithoutReasons) {
  const auto status = normalise(healthy());
  EXPECT_TRUE(status.reasons.empty());
  EXPECT_EQ(status.state, PrinterState::Idle);
}

TEST(EvolisNormaliser, FromReplyTranscript) {
  // Replies as the printer sends them, through the reply parser.
  const auto mv = [](std::string_view raw) { return *expectMillivolts(*parseReply(raw)); };
  EvolisReadings r = healthy();
  r.cover_mv = mv("0,00 Volts\r");
  r.feeder_near_empty_mv = mv("0,42 Volts\r");
  r.hopper_full = *expectHopperFull(*parseReply("CARD\r"));
  r.cleaning_due = *expectCleaningDue(*parseReply("ERR NEED CLEANING\r"));
  r.card_position = *expectCardPosition(*parseReply("SMART CARD\r"));
  EXPECT_EQ(keywords(r), (Keywords{"cover-open-error", "output-area-full-error",
                                   "cleaner-life-almost-over-warning", "media-low-warning"}));
  EXPECT_EQ(normalise(r).state, PrinterState::Stopped);
}

TEST(EvolisNormaliser, FeederEmptyHidesNearEmpty) {
  EvolisReadings r = healthy();
  r.feeder_mv = 0;
  r.feeder_near_empty_mv = 0;
  EXPECT_EQ(keywords(r), (Keywords{"media-empty-error"}));
}

TEST(EvolisNormaliser, RibbonThresholds) {
  EvolisReadings r = healthy();
  r.ribbon_remaining = 31;
  EXPECT_TRUE(keywords(r).empty());
  r.ribbon_remaining = 30;  // 10% of 300
  EXPECT_EQ(keywords(r), (Keywords{"marker-supply-low-warning"}));
  r.ribbon_remaining = 0;
  EXPECT_EQ(keywords(r), (Keywords{"marker-supply-empty-error"}));
  // Without Rrt;count the approximate Rco;l is used.
  r.ribbon_remaining.reset();
  r.ribbon_capacity.reset();
  r.ribbon_cards_left = 15;
  EXPECT_EQ(keywords(r), (Keywords{"marker-supply-low-warning"}));
  r.ribbon_cards_left = 18446744073709551615u;
  r.ribbon_capacity = 18446744073709551615u;
  EXPECT_TRUE(keywords(r).empty());  // full ribbon at the largest values: no overflow
}

TEST(EvolisNormaliser, OfflineReportsOnlyOffline) {
  EvolisReadings r = healthy();
  r.cover_mv = 0;
  r.reachable = false;
  const auto status = normalise(r);
  ASSERT_EQ(status.reasons.size(), 1u);
  EXPECT_EQ(status.reasons[0].keyword(), "offline-error");
  EXPECT_EQ(status.state, PrinterState::Stopped);
}

TEST(EvolisNormaliser, StatusWordsMapToTheVocabulary) {
  using namespace status_bits;
  EvolisReadings r = healthy();
  r.status_words = StatusWords{0, kInfoRibbonLow | kInfoCleaning, kWarnCooling, 0};
  EXPECT_EQ(keywords(r), (Keywords{"cardd-head-cooling-warning", "cleaner-life-almost-over-warning",
                                   "marker-supply-low-warning"}));
  r.status_words =
      StatusWords{0, kInfoCleaningMandatory, kWarnFeederEmpty | kWarnCoverOpen | kWarnHopperFull,
                  kErrMechanical | kErrRibbonEnded | kErrHeadTemp | kErrRejectBoxFull};
  EXPECT_EQ(keywords(r),
            (Keywords{"cardd-head-cooling-error", "cleaner-life-almost-over-error",
                      "cover-open-error", "marker-supply-empty-error", "media-empty-error",
                      "media-jam-error", "output-area-full-error"}));
}

TEST(EvolisNormaliser, MostSevereWinsPerKeyword) {
  EvolisReadings r = healthy();
  r.cleaning_due = true;  // warning from Rlr;c
  r.status_words = StatusWords{0, status_bits::kInfoCleaningMandatory, 0, 0};
  EXPECT_EQ(keywords(r), (Keywords{"cleaner-life-almost-over-error"}));
}

TEST(EvolisNormaliser, CardInsideIsProcessing) {
  EvolisReadings r = healthy();
  r.card_position = CardPosition::ContactlessStation;
  EXPECT_EQ(normalise(r).state, PrinterState::Processing);
}

TEST(EvolisNormaliser, ThresholdsAreSettings) {
  EvolisReadings r = healthy();
  r.cover_mv = 2000;
  EXPECT_EQ(keywords(r), (Keywords{"cover-open-error"}));
  NormaliserSettings s;
  s.cover_closed_min_mv = 1500;
  EXPECT_TRUE(keywords(r, s).empty());
}

TEST(EvolisNormaliser, Counters) {
  EvolisReadings r;
  r.cards = 1200;
  r.panels = 6000;
  r.cleanings = 3;
  r.avg_between_cleanings = 400;
  r.max_between_cleanings = 520;
  r.ribbon_cards_left = 100;
  r.ribbon_remaining = 98;
  r.ribbon_capacity = 300;
  r.cards_at_last_cleaning = 1000;
  const auto c = normaliseCounters(r);
  EXPECT_EQ(c.cards, 1200u);
  EXPECT_EQ(c.panels, 6000u);
  EXPECT_EQ(c.cleanings, 3u);
  EXPECT_EQ(c.avg_cards_between_cleanings, 400u);
  EXPECT_EQ(c.max_cards_between_cleanings, 520u);
  EXPECT_EQ(c.ribbon_remaining, 98u);  // Rrt;count preferred over Rco;l
  EXPECT_EQ(c.ribbon_capacity, 300u);
  EXPECT_EQ(c.cards_since_cleaning, 200u);

  r.cards_at_last_cleaning = 5000;  // inconsistent (counter reset?): unknown, not negative
  EXPECT_FALSE(normaliseCounters(r).cards_since_cleaning.has_value());
  EXPECT_EQ(normaliseCounters(EvolisReadings{}), Counters{});
}

}  // namespace
}  // namespace cardd::drivers::evolis
