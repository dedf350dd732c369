// Recovery after a crash: every (last step, card position) pair, against the
// exactly-once rule.

#include "station/recovery_policy.hpp"

#include <gtest/gtest.h>

namespace cardd::station {
namespace {

using drivers::CardPosition;

TEST(RecoveryPolicy, ACardStillInsideIsAlwaysRejectedAndTheJobRunsAgain) {
  for (auto step : {AttemptStep::FeedRequested, AttemptStep::AtStation, AttemptStep::Printing,
                    AttemptStep::EjectRequested}) {
    for (auto where :
         {CardPosition::Inside, CardPosition::ContactStation, CardPosition::ContactlessStation}) {
      EXPECT_EQ(recoveryFor(step, where), RecoveryAction::RejectSpoilAndRerun)
          << attemptStepName(step);
    }
  }
}

TEST(RecoveryPolicy, OnlyAnEjectWeAskedForCanHaveIssuedTheCard) {
  EXPECT_EQ(recoveryFor(AttemptStep::EjectRequested, CardPosition::None),
            RecoveryAction::ConfirmIssued);
  for (auto step : {AttemptStep::AtStation, AttemptStep::Printing}) {
    EXPECT_EQ(recoveryFor(step, CardPosition::None), RecoveryAction::SpoilAndRerun)
        << attemptStepName(step);
  }
  // Journaled but no card inside: the blank never left the feeder.
  EXPECT_EQ(recoveryFor(AttemptStep::FeedRequested, CardPosition::None),
            RecoveryAction::VoidAndRerun);
}

TEST(RecoveryPolicy, AnUnreachablePrinterIsAskedAgainLater) {
  for (auto step : {AttemptStep::FeedRequested, AttemptStep::EjectRequested}) {
    EXPECT_EQ(recoveryFor(step, std::nullopt), RecoveryAction::WaitForPrinter);
  }
}

TEST(RecoveryPolicy, StepNamesRoundTrip) {
  for (auto step : {AttemptStep::FeedRequested, AttemptStep::AtStation, AttemptStep::Printing,
                    AttemptStep::EjectRequested}) {
    EXPECT_EQ(parseAttemptStep(attemptStepName(step)), step);
  }
  EXPECT_FALSE(parseAttemptStep("ejected"));
  EXPECT_EQ(recoveryActionName(RecoveryAction::ConfirmIssued), "confirm-issued");
}

}  // namespace
}  // namespace cardd::station
