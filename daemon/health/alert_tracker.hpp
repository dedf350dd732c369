#pragma once
// AlertTracker: the alert lifecycle with hysteresis, as a pure state machine.
// Given the open alerts (raised or acknowledged, from the store) and this
// round's observations (alert_rules.hpp), it says which alerts to raise,
// update and clear:
//   - raise: an observation with `raise` and no open alert for its
//     (rule, subject). Raised once: while open it is never raised again.
//   - update: an open alert whose observation escalated (warning ->
//     critical): severity, value, message change; its state (acknowledged)
//     stays.
//   - clear: an open alert whose observation has not held (`hold` false, or
//     no observation at all) for `clear_after` without interruption. A
//     condition that comes back within clear_after keeps the same alert, so
//     a flapping condition raises one alert.
// The timers (since when a condition stopped holding) live in the tracker's
// memory; after a restart a clear waits clear_after again.
//
// Threading: none (the health monitor owns it, on the event loop).

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "health/alert_rules.hpp"
#include "health/health_types.hpp"

namespace cardd::health {

struct AlertTransitions {
  std::vector<Observation> raise;
  std::vector<std::pair<std::int64_t, Observation>> update;  // alert id, new observation
  std::vector<std::int64_t> clear;                           // alert ids
  bool empty() const { return raise.empty() && update.empty() && clear.empty(); }
};

class AlertTracker {
 public:
  explicit AlertTracker(std::chrono::milliseconds clear_after) : clear_after_(clear_after) {}

  // `open`: alerts raised or acknowledged, as stored. The caller applies the
  // transitions to the store; the next step() gets the updated `open`.
  AlertTransitions step(std::int64_t now_ms, const std::vector<AlertRecord>& open,
                        const std::vector<Observation>& observations);

 private:
  std::chrono::milliseconds clear_after_;
  // (rule, subject) -> since when its condition has not held.
  std::map<std::pair<std::string, std::string>, std::int64_t> not_holding_since_;
};

}  // namespace cardd::health
