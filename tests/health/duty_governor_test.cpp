// DutyGovernor: token-bucket pace with a burst, run/rest, idle gaps.
#include "health/duty_governor.hpp"

#include <gtest/gtest.h>

namespace cardd::health {
namespace {

using std::chrono::milliseconds;
using std::chrono::minutes;
constexpr std::int64_t kT0 = 1'800'000'000'000;
constexpr std::int64_t kMin = 60'000;

TEST(DutyGovernor, DisabledNeverWaits) {
  DutyGovernor g(DutyCycle{});
  EXPECT_FALSE(g.duty().enabled());
  for (int i = 0; i < 100; ++i) {
    EXPECT_EQ(g.beforeCard(kT0 + i).delay, milliseconds(0));
    g.cardStarted(kT0 + i);
  }
}

TEST(DutyGovernor, BurstThenPace) {
  DutyGovernor g(DutyCycle{60, 3, minutes(0), minutes(0)});  // one a minute, three at once
  std::int64_t now = kT0;
  for (int i = 0; i < 3; ++i) {
    auto w = g.beforeCard(now);
    EXPECT_EQ(w.delay, milliseconds(0)) << i;
    EXPECT_EQ(w.why, DutyGovernor::Why::None);
    g.cardStarted(now);
    now += 10'000;  // cards back to back, 10 s each
  }
  // Bucket empty: refilled by 30 s worth (0.5 token) -> wait 30 s more.
  auto w = g.beforeCard(now);
  EXPECT_EQ(w.why, DutyGovernor::Why::Pace);
  EXPECT_NEAR(static_cast<double>(w.delay.count()), 30'000.0, 1.0);

  // Waiting as told, the long-run rate is cards_per_hour.
  int cards = 0;
  const std::int64_t start = now;
  while (now < start + 60 * kMin) {
    now += g.beforeCard(now).delay.count();
    g.cardStarted(now);
    ++cards;
    now += 10'000;
  }
  EXPECT_GE(cards, 59);
  EXPECT_LE(cards, 61);
}

TEST(DutyGovernor, IdleRefillsTheBurstButNotBeyond) {
  DutyGovernor g(DutyCycle{60, 2, minutes(0), minutes(0)});
  g.cardStarted(kT0);
  g.cardStarted(kT0);
  EXPECT_GT(g.beforeCard(kT0).delay.count(), 0);
  const std::int64_t later = kT0 + 10 * kMin;  // would be 10 tokens, capped at 2
  g.cardStarted(later);
  g.cardStarted(later);
  EXPECT_NEAR(static_cast<double>(g.beforeCard(later).delay.count()), 60'000.0, 1.0);
}

TEST(DutyGovernor, RestAfterRun) {
  DutyGovernor g(DutyCycle{0, 3, minutes(30), minutes(10)});
  std::int64_t now = kT0;
  // A card every minute: continuous (gaps under 10 min).
  while (now < kT0 + 30 * kMin) {
    EXPECT_EQ(g.beforeCard(now).delay, milliseconds(0));
    g.cardStarted(now);
    now += kMin;
  }
  // 30 minutes of running: rest 10 min counted from the last start.
  auto w = g.beforeCard(now);
  EXPECT_EQ(w.why, DutyGovernor::Why::Rest);
  EXPECT_EQ(w.delay, milliseconds(9 * kMin));
  now += w.delay.count();
  EXPECT_EQ(g.beforeCard(now).delay, milliseconds(0));
  g.cardStarted(now);  // a new run
  EXPECT_EQ(g.beforeCard(now + kMin).delay, milliseconds(0));
}

TEST(DutyGovernor, IdleGapResetsTheRun) {
  DutyGovernor g(DutyCycle{0, 3, minutes(30), minutes(10)});
  std::int64_t now = kT0;
  for (int i = 0; i < 20; ++i, now += kMin) g.cardStarted(now);  // 20 minutes
  now += 15 * kMin;                                              // lunch: 15 > rest
  for (int i = 0; i < 25; ++i, now += kMin) {
    EXPECT_EQ(g.beforeCard(now).delay, milliseconds(0)) << i;  // new run: no rest yet
    g.cardStarted(now);
  }
  // ...but a gap just under `rest` does not.
  DutyGovernor h(DutyCycle{0, 3, minutes(30), minutes(10)});
  now = kT0;
  for (int i = 0; i < 25; ++i, now += kMin) h.cardStarted(now);
  now += 8 * kMin;  // 9 minutes after the last start
  h.cardStarted(now);
  now += kMin;
  EXPECT_EQ(h.beforeCard(now).why, DutyGovernor::Why::Rest);
}

TEST(DutyGovernor, LongerOfPaceAndRest) {
  DutyGovernor g(DutyCycle{6, 1, minutes(1), minutes(5)});  // one card per 10 min
  g.cardStarted(kT0);
  g.cardStarted(kT0 + 2 * kMin);  // ignored the governor: run >= 1 min, bucket empty
  auto w = g.beforeCard(kT0 + 2 * kMin);
  EXPECT_EQ(w.why, DutyGovernor::Why::Pace);
  EXPECT_NEAR(static_cast<double>(w.delay.count()), 10.0 * kMin, 1.0);
}

}  // namespace
}  // namespace cardd::health
