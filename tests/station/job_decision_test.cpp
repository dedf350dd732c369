// What a job becomes after a card attempt (station/job_decision.hpp) and the
// counter's sentences for printer conditions (station/printer_messages.hpp).

#include <gtest/gtest.h>

#include "station/job_decision.hpp"
#include "station/printer_messages.hpp"

namespace cardd::station {
namespace {

AttemptSummary spoiledByCard(int failures) {
  AttemptSummary a;
  a.card_failure = true;
  a.card_failures = failures;
  return a;
}

TEST(JobDecision, AnIssuedCardCompletesTheJob) {
  AttemptSummary a;
  a.issued = true;
  a.card_failures = 2;  // earlier failures do not matter once a card is issued
  const auto d = decideAfterAttempt(a, 3);
  EXPECT_EQ(d.to, JobState::Completed);
  EXPECT_EQ(d.reasons, std::vector<std::string>{"job-completed-successfully"});
}

TEST(JobDecision, CardFailuresRetryOnAFreshBlankUntilMaxAttemptsThenAbort) {
  EXPECT_EQ(decideAfterAttempt(spoiledByCard(1), 3).to, JobState::Pending);
  EXPECT_EQ(decideAfterAttempt(spoiledByCard(2), 3).to, JobState::Pending);
  const auto last = decideAfterAttempt(spoiledByCard(3), 3);
  EXPECT_EQ(last.to, JobState::Aborted);
  EXPECT_EQ(last.reasons, (std::vector<std::string>{"aborted-by-system", "max-attempts-reached"}));
  EXPECT_EQ(decideAfterAttempt(spoiledByCard(1), 1).to, JobState::Aborted);
}

TEST(JobDecision, PrinterFaultsRequeueWithoutSpendingTheJobsAttempts) {
  AttemptSummary a;
  a.card_failures = 2;  // two card failures before, and now the printer jammed
  a.interruptions = 1;
  const auto d = decideAfterAttempt(a, 3);
  EXPECT_EQ(d.to, JobState::Pending);
  EXPECT_EQ(d.reasons, std::vector<std::string>{"printer-fault-requeued"});
}

TEST(JobDecision, AJobCannotBeInterruptedForever) {
  AttemptSummary a;
  a.interruptions = kMaxInterruptions;
  EXPECT_EQ(decideAfterAttempt(a, 3).to, JobState::Pending);
  a.interruptions = kMaxInterruptions + 1;
  const auto d = decideAfterAttempt(a, 3);
  EXPECT_EQ(d.to, JobState::Aborted);
  EXPECT_EQ(d.reasons.back(), "too-many-interruptions");
}

TEST(JobDecision, DataThatCannotMakeACardAbortsAtOnce) {
  AttemptSummary a;
  a.data_invalid = true;
  const auto d = decideAfterAttempt(a, 3);
  EXPECT_EQ(d.to, JobState::Aborted);
  EXPECT_EQ(d.reasons.back(), "document-format-error");
}

TEST(PrinterMessages, TheMostSevereReasonIsExplainedWithWhatToDo) {
  EXPECT_EQ(printerMessage("P1", {}), "P1: ready.");
  const auto jam = printerMessage("P2", {"media-low-warning", "media-jam-error"});
  EXPECT_EQ(jam.rfind("P2: card jam.", 0), 0u) << jam;
  EXPECT_NE(jam.find("resumes by itself"), std::string::npos);
  const auto low = printerMessage("P3", {"marker-supply-low-warning"});
  EXPECT_NE(low.find("ribbon is nearly finished"), std::string::npos) << low;
  EXPECT_NE(printerMessage("P1", {"media-empty-error"}).find("cardctl stock load"),
            std::string::npos);
}

TEST(PrinterMessages, AnUnknownConditionIsNamedNotHidden) {
  const auto m = printerMessage("P1", {"vendor-thing-error"});
  EXPECT_NE(m.find("vendor-thing-error"), std::string::npos) << m;
  EXPECT_EQ(printerMessage("P1", {"media-low-report"}), "P1: ready.");
}

}  // namespace
}  // namespace cardd::station
