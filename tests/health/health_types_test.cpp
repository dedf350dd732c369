// Names of maintenance actions, alert severities and states (both ways),
// chip failure reasons, the reader's rolling failure rate.
#include "health/health_types.hpp"

#include <gtest/gtest.h>

#include "health/forecast.hpp"

namespace cardd::health {
namespace {

TEST(HealthTypes, MaintenanceActionNames) {
  for (auto a : {MaintenanceAction::Cleaning, MaintenanceAction::PrintheadReplaced,
                 MaintenanceAction::ReaderReplaced, MaintenanceAction::RibbonLoaded}) {
    EXPECT_EQ(maintenanceActionFromName(maintenanceActionName(a)), a);
  }
  EXPECT_EQ(maintenanceActionName(MaintenanceAction::PrintheadReplaced), "printhead-replaced");
  EXPECT_EQ(maintenanceActionName(MaintenanceAction::RibbonLoaded), "ribbon-loaded");
  EXPECT_FALSE(maintenanceActionFromName("Cleaning"));
  EXPECT_FALSE(maintenanceActionFromName(""));
}

TEST(HealthTypes, AlertSeverityAndStateNames) {
  EXPECT_EQ(alertSeverityName(AlertSeverity::Info), "info");
  EXPECT_EQ(alertSeverityName(AlertSeverity::Critical), "critical");
  EXPECT_EQ(alertSeverityFromName("warning"), AlertSeverity::Warning);
  EXPECT_FALSE(alertSeverityFromName("error"));
  EXPECT_EQ(alertStateName(AlertState::Acknowledged), "acknowledged");
  EXPECT_EQ(alertStateFromName("cleared"), AlertState::Cleared);
  EXPECT_EQ(alertStateFromName("raised"), AlertState::Raised);
  EXPECT_FALSE(alertStateFromName("open"));
  EXPECT_LT(AlertSeverity::Warning, AlertSeverity::Critical);  // escalation compares them
  EXPECT_EQ(confidenceName(Confidence::Medium), "medium");
}

TEST(HealthTypes, ChipFailureReasons) {
  EXPECT_TRUE(isChipFailureReason("chip-not-detected"));
  EXPECT_TRUE(isChipFailureReason("chip-connect-failed"));
  EXPECT_TRUE(isChipFailureReason("chip-personalisation-failed"));
  EXPECT_FALSE(isChipFailureReason("card-removed"));
  EXPECT_FALSE(isChipFailureReason("encoder-offline"));
  EXPECT_FALSE(isChipFailureReason("media-jam"));
}

TEST(HealthTypes, ReaderRecentFailureRate) {
  ReaderWear r;
  EXPECT_EQ(r.recentFailureRate(), 0.0);
  r.recent = "0001";
  EXPECT_DOUBLE_EQ(r.recentFailureRate(), 0.25);
  r.recent = std::string(kReaderWindow, '1');
  EXPECT_DOUBLE_EQ(r.recentFailureRate(), 1.0);
}

TEST(HealthTypes, FaultDuration) {
  FaultRecord f;
  f.raised_at_ms = 1000;
  EXPECT_FALSE(f.durationMs());
  f.cleared_at_ms = 4500;
  EXPECT_EQ(f.durationMs(), 3500);
}

}  // namespace
}  // namespace cardd::health
