#pragma once
// Per-device fault summary for technicians: how often each device fails
// (MTBF), what fails most, how long it was down, over a period.

#include <cstdint>
#include <vector>

#include "health/health_types.hpp"

namespace cardd::health {

// Summaries of the faults raised in [now - days, now], one per device (and
// kind: a printer's encoder is summarised apart from the printer) seen in
// `faults`, sorted by device then kind. `active` counts all faults of the
// device not cleared now; overlapping error conditions count once as
// downtime. MTBF = the period's hours / error faults.
// Downtime counts error conditions clipped to the period (active ones up to now).
std::vector<DeviceFaultSummary> summariseFaults(const std::vector<FaultRecord>& faults,
                                                std::int64_t now_ms, int days = 30);

}  // namespace cardd::health
