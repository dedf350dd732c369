#include "printer/status_watcher.hpp"

#include <algorithm>
#include <utility>

namespace cardd::drivers {

namespace {

bool contains(const std::vector<StateReason>& reasons, const StateReason& r) {
  const auto key = r.keyword();
  return std::any_of(reasons.begin(), reasons.end(),
                     [&](const StateReason& x) { return x.keyword() == key; });
}

}  // namespace

StatusChange diffStatus(const std::optional<PrinterStatus>& previous, PrinterStatus current) {
  StatusChange change;
  static const std::vector<StateReason> kNone;
  const auto& before = previous ? previous->reasons : kNone;
  // Both lists keep the snapshots' canonical order (most severe first).
  for (const auto& r : current.reasons) {
    if (!contains(before, r)) change.raised.push_back(r);
  }
  for (const auto& r : before) {
    if (!contains(current.reasons, r)) change.cleared.push_back(r);
  }
  change.state_changed = !previous || previous->state != current.state;
  change.status = std::move(current);
  return change;
}

Result<StatusChange> StatusWatcher::poll() {
  auto status = driver_.status();
  if (!status) return status.error();
  auto change = diffStatus(last_, *status);
  last_ = std::move(*status);
  return change;
}

}  // namespace cardd::drivers
