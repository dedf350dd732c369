// diffConditions: which faults a printer's reported reasons open and close.
#include "health/condition_diff.hpp"

#include <gtest/gtest.h>

namespace cardd::health {
namespace {

FaultRecord active(std::int64_t id, std::string reason, std::string severity) {
  FaultRecord f;
  f.id = id;
  f.raised_at_ms = 1000;
  f.device = "P1";
  f.device_kind = "printer";
  f.reason = std::move(reason);
  f.severity = std::move(severity);
  return f;
}

TEST(ConditionDiff, SplitsSuffixes) {
  EXPECT_EQ(splitReasonKeyword("media-jam-error"), (ReportedReason{"media-jam", "error"}));
  EXPECT_EQ(splitReasonKeyword("media-low-warning"), (ReportedReason{"media-low", "warning"}));
  EXPECT_EQ(splitReasonKeyword("cover-open-report"), (ReportedReason{"cover-open", "report"}));
  EXPECT_EQ(splitReasonKeyword("cardd-head-cooling"),
            (ReportedReason{"cardd-head-cooling", "report"}));
  EXPECT_EQ(splitReasonKeyword("-error"), (ReportedReason{"-error", "report"}));
}

TEST(ConditionDiff, OpensNewClosesGoneKeepsSame) {
  auto d = diffConditions({active(1, "media-jam", "error"), active(2, "cover-open", "error")},
                          {"cover-open-error", "media-low-report", "none"});
  EXPECT_EQ(d.opened, (std::vector<ReportedReason>{{"media-low", "report"}}));
  EXPECT_EQ(d.closed, (std::vector<std::int64_t>{1}));

  auto nothing = diffConditions({active(1, "media-jam", "error")}, {"media-jam-error"});
  EXPECT_TRUE(nothing.opened.empty());
  EXPECT_TRUE(nothing.closed.empty());

  auto cleared = diffConditions({active(1, "media-jam", "error")}, {"none"});
  EXPECT_TRUE(cleared.opened.empty());
  EXPECT_EQ(cleared.closed, (std::vector<std::int64_t>{1}));
}

TEST(ConditionDiff, SeverityChangeClosesAndOpens) {
  auto d =
      diffConditions({active(7, "marker-supply-low", "report")}, {"marker-supply-low-warning"});
  EXPECT_EQ(d.closed, (std::vector<std::int64_t>{7}));
  EXPECT_EQ(d.opened, (std::vector<ReportedReason>{{"marker-supply-low", "warning"}}));
}

TEST(ConditionDiff, DuplicatesCollapse) {
  // Reported twice: the most severe wins. Two open faults for one reason:
  // the second is closed.
  auto d = diffConditions({}, {"media-jam-warning", "media-jam-error"});
  EXPECT_EQ(d.opened, (std::vector<ReportedReason>{{"media-jam", "error"}}));
  auto dup = diffConditions({active(1, "media-jam", "error"), active(2, "media-jam", "error")},
                            {"media-jam-error"});
  EXPECT_TRUE(dup.opened.empty());
  EXPECT_EQ(dup.closed, (std::vector<std::int64_t>{2}));
}

}  // namespace
}  // namespace cardd::health
