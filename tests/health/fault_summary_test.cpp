// summariseFaults: counts, MTBF, top reasons, downtime clipped to the period.
#include "health/fault_summary.hpp"

#include <gtest/gtest.h>

#include "health/forecast.hpp"

namespace cardd::health {
namespace {

constexpr std::int64_t kNow = 1'800'000'000'000;
constexpr std::int64_t kHour = 3'600'000;

FaultRecord fault(std::string device, std::string kind, std::string reason, std::string severity,
                  std::int64_t raised, std::optional<std::int64_t> cleared) {
  FaultRecord f;
  f.device = std::move(device);
  f.device_kind = std::move(kind);
  f.reason = std::move(reason);
  f.severity = std::move(severity);
  f.raised_at_ms = raised;
  f.cleared_at_ms = cleared;
  return f;
}

TEST(FaultSummary, MtbfTopReasonsDowntime) {
  const std::int64_t start = kNow - 30 * kDayMs;
  std::vector<FaultRecord> faults = {
      // Raised before the period, cleared 2 h into it: 2 h of downtime, not counted as a fault.
      fault("P1", "printer", "media-jam", "error", start - 5 * kHour, start + 2 * kHour),
      fault("P1", "printer", "media-jam", "error", kNow - 10 * kHour, kNow - 9 * kHour),
      // Overlaps the previous one by 30 min: one outage.
      fault("P1", "printer", "cover-open", "error", kNow - 9 * kHour - kHour / 2, kNow - 8 * kHour),
      fault("P1", "printer", "media-low", "report", kNow - 20 * kHour, kNow - 19 * kHour),
      // Still active: downtime up to now.
      fault("P1", "printer", "media-jam", "error", kNow - kHour, std::nullopt),
      fault("P1", "encoder", "chip-not-detected", "error", kNow - 3 * kHour, kNow - 3 * kHour),
      fault("P0", "printer", "media-low", "warning", start - kDayMs, start - kDayMs + kHour),
  };
  auto s = summariseFaults(faults, kNow, 30);
  ASSERT_EQ(s.size(), 3u);
  EXPECT_EQ(s[0].device, "P0");
  EXPECT_EQ(s[0].faults, 0);
  EXPECT_FALSE(s[0].mtbf_hours);
  EXPECT_EQ(s[0].downtime_ms, 0);

  const auto& p1 = s[2];
  EXPECT_EQ(p1.device, "P1");
  EXPECT_EQ(p1.device_kind, "printer");
  EXPECT_EQ(p1.faults, 4);
  EXPECT_EQ(p1.error_faults, 3);
  EXPECT_EQ(p1.active, 1);
  ASSERT_TRUE(p1.mtbf_hours);
  EXPECT_DOUBLE_EQ(*p1.mtbf_hours, 30.0 * 24.0 / 3.0);
  EXPECT_EQ(p1.downtime_ms, 2 * kHour + 2 * kHour + kHour);
  ASSERT_EQ(p1.top_reasons.size(), 3u);
  EXPECT_EQ(p1.top_reasons[0], (std::pair<std::string, std::int64_t>{"media-jam", 2}));
  EXPECT_EQ(p1.top_reasons[1].first, "cover-open");  // ties by name
  EXPECT_EQ(p1.top_reasons[2].first, "media-low");

  const auto& enc = s[1];
  EXPECT_EQ(enc.device_kind, "encoder");
  EXPECT_EQ(enc.error_faults, 1);
  EXPECT_EQ(enc.downtime_ms, 0);  // an instant
  EXPECT_DOUBLE_EQ(*enc.mtbf_hours, 720.0);
}

TEST(FaultSummary, AtMostFiveReasonsAndShorterPeriod) {
  std::vector<FaultRecord> faults;
  for (int r = 0; r < 7; ++r) {
    for (int n = 0; n <= r; ++n) {
      faults.push_back(fault("P1", "printer", "reason-" + std::to_string(r), "warning",
                             kNow - kHour, kNow - kHour / 2));
    }
  }
  faults.push_back(
      fault("P1", "printer", "old", "error", kNow - 3 * kDayMs, kNow - 3 * kDayMs + kHour));
  auto s = summariseFaults(faults, kNow, 1);
  ASSERT_EQ(s.size(), 1u);
  ASSERT_EQ(s[0].top_reasons.size(), 5u);
  EXPECT_EQ(s[0].top_reasons[0].first, "reason-6");
  EXPECT_EQ(s[0].top_reasons[4].first, "reason-2");
  EXPECT_EQ(s[0].faults, 28);
  EXPECT_EQ(s[0].error_faults, 0);
  EXPECT_EQ(s[0].downtime_ms, 0);  // the error was before the 1-day period
}

}  // namespace
}  // namespace cardd::health
