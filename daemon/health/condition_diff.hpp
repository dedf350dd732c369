#pragma once
// Which fault log entries a printer's new state reasons open and close.
// Pure: the health monitor feeds it the active faults of one device and the
// reasons the printer reports now.

#include <cstdint>
#include <string>
#include <vector>

#include "health/health_types.hpp"

namespace cardd::health {

// One reported reason, split: "media-jam-error" -> {"media-jam", "error"}.
struct ReportedReason {
  std::string reason;    // keyword without suffix
  std::string severity;  // "report" | "warning" | "error"
  friend bool operator==(const ReportedReason&, const ReportedReason&) = default;
};
// Splits an IPP printer-state-reasons keyword at its -report/-warning/-error
// suffix; a keyword without one is a "report".
ReportedReason splitReasonKeyword(const std::string& keyword);

struct ConditionDiff {
  std::vector<ReportedReason> opened;  // not active before: open a fault for each
  std::vector<std::int64_t> closed;    // active fault ids whose reason is gone: clear them
  // Active faults whose reason is still there with another severity: clear
  // the old and open the new (escalation counts as a change).
  friend bool operator==(const ConditionDiff&, const ConditionDiff&) = default;
};

// `active`: the device's faults with no cleared_at_ms. `reported`: the
// keywords the printer reports now ("media-jam-error"). "-report" reasons
// that are only informational (media-low, marker-supply-low, …) are
// recorded too: the log is the history of every condition change.
ConditionDiff diffConditions(const std::vector<FaultRecord>& active,
                             const std::vector<std::string>& reported);

}  // namespace cardd::health
