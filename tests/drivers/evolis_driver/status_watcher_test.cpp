// StatusWatcher: the pure diff of printer-state-reasons, and poll() over a
// driver whose answers the test controls.

#include "printer/status_watcher.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <deque>

namespace cardd::drivers {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

StateReason reason(Condition c, Severity s) {
  return StateReason{c, s, {}};
}

PrinterStatus statusOf(std::vector<StateReason> reasons, bool busy = false) {
  PrinterStatus s;
  canonicaliseReasons(reasons);
  s.state = stateFromReasons(reasons, busy);
  s.reasons = std::move(reasons);
  return s;
}

std::vector<std::string> keywords(const std::vector<StateReason>& rs) {
  std::vector<std::string> out;
  for (const auto& r : rs) out.push_back(r.keyword());
  return out;
}

TEST(DiffStatusTest, FirstPollRaisesEverythingPresent) {
  const auto c =
      diffStatus(std::nullopt, statusOf({reason(Condition::MediaLow, Severity::Warning),
                                         reason(Condition::CoverOpen, Severity::Error)}));
  EXPECT_THAT(keywords(c.raised), ElementsAre("cover-open-error", "media-low-warning"));
  EXPECT_THAT(c.cleared, IsEmpty());
  EXPECT_TRUE(c.state_changed);
}

TEST(DiffStatusTest, UnchangedStatusIsAnEmptyChange) {
  const auto s = statusOf({reason(Condition::MediaLow, Severity::Warning)});
  const auto c = diffStatus(s, s);
  EXPECT_TRUE(c.empty());
  EXPECT_EQ(c.status.reasons, s.reasons);
}

TEST(DiffStatusTest, ReportsRaisedAndClearedSeparately) {
  const auto before = statusOf({reason(Condition::MediaLow, Severity::Warning),
                                reason(Condition::CleanerLifeAlmostOver, Severity::Warning)});
  const auto after = statusOf({reason(Condition::CleanerLifeAlmostOver, Severity::Warning),
                               reason(Condition::MediaJam, Severity::Error)});
  const auto c = diffStatus(before, after);
  EXPECT_THAT(keywords(c.raised), ElementsAre("media-jam-error"));
  EXPECT_THAT(keywords(c.cleared), ElementsAre("media-low-warning"));
  EXPECT_TRUE(c.state_changed);  // Idle -> Stopped.
}

TEST(DiffStatusTest, AWorseningConditionClearsOneKeywordAndRaisesAnother) {
  const auto c = diffStatus(statusOf({reason(Condition::Other, Severity::Warning)}),
                            statusOf({reason(Condition::Other, Severity::Error)}));
  EXPECT_THAT(keywords(c.raised), ElementsAre("other-error"));
  EXPECT_THAT(keywords(c.cleared), ElementsAre("other-warning"));
}

TEST(DiffStatusTest, VendorKeywordsAreDistinctReasons) {
  StateReason cooling{Condition::Other, Severity::Warning, std::string(kHeadCoolingKeyword)};
  StateReason other{Condition::Other, Severity::Warning, {}};
  const auto c = diffStatus(statusOf({other}), statusOf({cooling}));
  EXPECT_THAT(keywords(c.raised), ElementsAre("cardd-head-cooling-warning"));
  EXPECT_THAT(keywords(c.cleared), ElementsAre("other-warning"));
}

TEST(DiffStatusTest, StateChangeAloneIsAChange) {
  const auto c = diffStatus(statusOf({}, false), statusOf({}, true));
  EXPECT_THAT(c.raised, IsEmpty());
  EXPECT_TRUE(c.state_changed);
  EXPECT_FALSE(c.empty());
}

// A driver whose status() answers come from a queue.
class QueuedStatusDriver final : public PrinterDriver {
 public:
  std::deque<Result<PrinterStatus>> answers;

  Result<PrinterStatus> status() override {
    auto a = std::move(answers.front());
    answers.pop_front();
    return a;
  }
  Result<PrinterIdentity> identify() override { return unsupported(); }
  Result<CardPosition> cardPosition() override { return unsupported(); }
  Status feedToContactStation() override { return unsupported(); }
  Status feedToContactlessStation() override { return unsupported(); }
  Status printAndEject(const PreparedCard&) override { return unsupported(); }
  Status eject() override { return unsupported(); }
  Status reject() override { return unsupported(); }
  Status clean() override { return unsupported(); }
  Status reset() override { return unsupported(); }

 private:
  static Error unsupported() { return Error(ErrorCode::Unavailable, "not in this test"); }
};

TEST(StatusWatcherTest, PollDiffsAgainstTheLastSuccessfulSnapshot) {
  QueuedStatusDriver driver;
  driver.answers.push_back(statusOf({reason(Condition::MediaLow, Severity::Warning)}));
  driver.answers.push_back(Error(ErrorCode::Internal, "garbled"));
  driver.answers.push_back(statusOf({reason(Condition::Offline, Severity::Error)}));
  driver.answers.push_back(statusOf({reason(Condition::Offline, Severity::Error)}));
  StatusWatcher watcher(driver);

  auto first = watcher.poll();
  ASSERT_TRUE(first.ok());
  EXPECT_THAT(keywords(first->raised), ElementsAre("media-low-warning"));

  auto failed = watcher.poll();
  ASSERT_FALSE(failed.ok());
  ASSERT_TRUE(watcher.last().has_value());  // Kept: the next diff is against it.
  EXPECT_THAT(keywords(watcher.last()->reasons), ElementsAre("media-low-warning"));

  auto offline = watcher.poll();
  ASSERT_TRUE(offline.ok());
  EXPECT_THAT(keywords(offline->raised), ElementsAre("offline-error"));
  EXPECT_THAT(keywords(offline->cleared), ElementsAre("media-low-warning"));

  auto same = watcher.poll();
  ASSERT_TRUE(same.ok());
  EXPECT_TRUE(same->empty());
}

}  // namespace
}  // namespace cardd::drivers
