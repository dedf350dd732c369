// The family-neutral status vocabulary.
#include "printer/printer_status.hpp"

#include <gtest/gtest.h>

namespace cardd::drivers {
namespace {

TEST(PrinterStatus, KeywordsCarryTheSeveritySuffix) {
  EXPECT_EQ((StateReason{Condition::MediaEmpty, Severity::Error, {}}.keyword()),
            "media-empty-error");
  EXPECT_EQ((StateReason{Condition::MediaLow, Severity::Report, {}}.keyword()), "media-low-report");
  EXPECT_EQ((StateReason{Condition::DoorOpen, Severity::Warning, {}}.keyword()),
            "door-open-warning");
  EXPECT_EQ((StateReason{Condition::Other, Severity::Warning, std::string(kHeadCoolingKeyword)}
                 .keyword()),
            "cardd-head-cooling-warning");
  EXPECT_EQ((StateReason{Condition::Other, Severity::Report, {}}.keyword()), "other-report");
}

TEST(PrinterStatus, EveryConditionHasAKeyword) {
  for (const auto c : {Condition::MediaEmpty, Condition::MediaLow, Condition::MediaJam,
                       Condition::MarkerSupplyLow, Condition::MarkerSupplyEmpty,
                       Condition::CoverOpen, Condition::DoorOpen, Condition::OutputAreaFull,
                       Condition::CleanerLifeAlmostOver, Condition::Offline, Condition::Other}) {
    EXPECT_FALSE(conditionKeyword(c).empty());
  }
  EXPECT_EQ(conditionKeyword(Condition::CleanerLifeAlmostOver), "cleaner-life-almost-over");
  EXPECT_EQ(conditionKeyword(Condition::MarkerSupplyEmpty), "marker-supply-empty");
}

TEST(PrinterStatus, CanonicalOrderAndDeduplication) {
  std::vector<StateReason> reasons = {
      {Condition::MediaLow, Severity::Warning, {}},
      {Condition::CoverOpen, Severity::Error, {}},
      {Condition::MediaLow, Severity::Report, {}},
      {Condition::Other, Severity::Warning, std::string(kHeadCoolingKeyword)},
      {Condition::Other, Severity::Error, std::string(kHeadCoolingKeyword)},
  };
  canonicaliseReasons(reasons);
  ASSERT_EQ(reasons.size(), 3u);
  EXPECT_EQ(reasons[0].keyword(), "cardd-head-cooling-error");
  EXPECT_EQ(reasons[1].keyword(), "cover-open-error");
  EXPECT_EQ(reasons[2].keyword(), "media-low-warning");
}

TEST(PrinterStatus, StateFollowsSeverity) {
  EXPECT_EQ(stateFromReasons({}, false), PrinterState::Idle);
  EXPECT_EQ(stateFromReasons({}, true), PrinterState::Processing);
  EXPECT_EQ(stateFromReasons({{Condition::MediaLow, Severity::Warning, {}}}, true),
            PrinterState::Processing);
  EXPECT_EQ(stateFromReasons({{Condition::MediaJam, Severity::Error, {}}}, true),
            PrinterState::Stopped);
}

}  // namespace
}  // namespace cardd::drivers
