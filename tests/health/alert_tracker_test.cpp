// AlertTracker: raised once, escalation updates (keeping the acknowledged
// state), clear only after clear_after without interruption, flapping gives
// one alert, a condition returning after a clear raises a new alert.
#include "health/alert_tracker.hpp"

#include <gtest/gtest.h>

#include "health_test_util.hpp"

namespace cardd::health {
namespace {

using std::chrono::milliseconds;
using test_support::AlertBook;
constexpr std::int64_t kT0 = 1'800'000'000'000;
constexpr std::int64_t kClear = 300'000;

Observation obs(bool raise, bool hold, AlertSeverity severity = AlertSeverity::Warning,
                std::string subject = "station") {
  Observation o;
  o.rule = std::string(kRuleBlankStockLow);
  o.subject = std::move(subject);
  o.raise = raise;
  o.hold = hold;
  o.severity = severity;
  o.message = "m";
  return o;
}

TEST(AlertTracker, RaisedOnceWhileOpen) {
  AlertTracker tracker{milliseconds(kClear)};
  AlertBook store;
  for (int i = 0; i < 10; ++i) store.step(tracker, kT0 + i * 1000, {obs(true, true)});
  EXPECT_EQ(store.raised, 1);
  EXPECT_EQ(store.open().size(), 1u);
  // Not raising (only holding) raises nothing.
  AlertTracker fresh{milliseconds(kClear)};
  AlertBook empty;
  empty.step(fresh, kT0, {obs(false, true)});
  EXPECT_EQ(empty.raised, 0);
}

TEST(AlertTracker, EscalationKeepsAcknowledged) {
  AlertTracker tracker{milliseconds(kClear)};
  AlertBook store;
  store.step(tracker, kT0, {obs(true, true)});
  store.all[0].state = AlertState::Acknowledged;
  store.all[0].acknowledged_by = "tech";
  store.all[0].acknowledged_at_ms = kT0 + 10;
  auto t = tracker.step(kT0 + 1000, store.open(), {obs(true, true, AlertSeverity::Critical)});
  ASSERT_EQ(t.update.size(), 1u);
  EXPECT_EQ(t.update[0].first, 1);
  EXPECT_TRUE(t.raise.empty());
  store.apply(kT0 + 1000, t);
  EXPECT_EQ(store.all[0].state, AlertState::Acknowledged);
  EXPECT_EQ(store.all[0].severity, AlertSeverity::Critical);
  // Critical again, or back to warning: no further update.
  EXPECT_TRUE(
      tracker.step(kT0 + 2000, store.open(), {obs(true, true, AlertSeverity::Critical)}).empty());
  EXPECT_TRUE(tracker.step(kT0 + 3000, store.open(), {obs(true, true)}).empty());
}

TEST(AlertTracker, ClearsOnlyAfterClearAfterWithoutInterruption) {
  AlertTracker tracker{milliseconds(kClear)};
  AlertBook store;
  store.step(tracker, kT0, {obs(true, true)});
  store.step(tracker, kT0 + 1000, {obs(false, false)});  // stops holding
  store.step(tracker, kT0 + 1000 + kClear - 1, {obs(false, false)});
  EXPECT_EQ(store.cleared, 0);
  store.step(tracker, kT0 + 1000 + kClear - 1 + 10, {obs(false, true)});  // back in the band
  store.step(tracker, kT0 + 2000 + kClear, {obs(false, false)});          // timer restarts
  EXPECT_EQ(store.cleared, 0);
  store.step(tracker, kT0 + 2000 + 2 * kClear - 1, {});  // no observation counts as not holding
  EXPECT_EQ(store.cleared, 0);
  store.step(tracker, kT0 + 2000 + 2 * kClear, {});
  EXPECT_EQ(store.cleared, 1);
  EXPECT_EQ(store.all[0].cleared_at_ms, kT0 + 2000 + 2 * kClear);
  EXPECT_TRUE(store.open().empty());
}

TEST(AlertTracker, FlappingRaisesOneAlert) {
  AlertTracker tracker{milliseconds(kClear)};
  AlertBook store;
  // Stock wobbling around the threshold every minute for two hours.
  for (int i = 0; i < 120; ++i) {
    const bool low = i % 2 == 0;
    store.step(tracker, kT0 + i * 60'000, {obs(low, low)});
  }
  EXPECT_EQ(store.raised, 1);
  EXPECT_EQ(store.cleared, 0);
}

TEST(AlertTracker, ReturnAfterClearRaisesANewAlert) {
  AlertTracker tracker{milliseconds(kClear)};
  AlertBook store;
  store.step(tracker, kT0, {obs(true, true)});
  store.step(tracker, kT0 + 1, {obs(false, false)});
  store.step(tracker, kT0 + 1 + kClear, {obs(false, false)});
  ASSERT_EQ(store.cleared, 1);
  store.step(tracker, kT0 + 2 * kClear, {obs(true, true)});
  EXPECT_EQ(store.raised, 2);
  EXPECT_EQ(store.open().size(), 1u);
  EXPECT_EQ(store.open()[0].id, 2);
}

TEST(AlertTracker, SubjectsAreIndependentAndRestartWaitsAgain) {
  AlertTracker tracker{milliseconds(kClear)};
  AlertBook store;
  store.step(tracker, kT0,
             {obs(true, true, AlertSeverity::Warning, "P1"),
              obs(true, true, AlertSeverity::Warning, "P2")});
  EXPECT_EQ(store.raised, 2);
  store.step(tracker, kT0 + 1000, {obs(true, true, AlertSeverity::Warning, "P1")});
  // A restarted monitor (new tracker) starts P2's clear timer again.
  AlertTracker restarted{milliseconds(kClear)};
  store.step(restarted, kT0 + 1000 + kClear, {obs(true, true, AlertSeverity::Warning, "P1")});
  EXPECT_EQ(store.cleared, 0);
  store.step(restarted, kT0 + 1000 + 2 * kClear, {obs(true, true, AlertSeverity::Warning, "P1")});
  EXPECT_EQ(store.cleared, 1);
  EXPECT_EQ(store.byId(2)->state, AlertState::Cleared);
  EXPECT_EQ(store.byId(1)->state, AlertState::Raised);
}

}  // namespace
}  // namespace cardd::health
