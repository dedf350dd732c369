#include "printer/printer_status.hpp"

#include <algorithm>

namespace cardd::drivers {

std::string_view conditionKeyword(Condition condition) {
  switch (condition) {
    case Condition::MediaEmpty:
      return "media-empty";
    case Condition::MediaLow:
      return "media-low";
    case Condition::MediaJam:
      return "media-jam";
    case Condition::MarkerSupplyLow:
      return "marker-supply-low";
    case Condition::MarkerSupplyEmpty:
      return "marker-supply-empty";
    case Condition::CoverOpen:
      return "cover-open";
    case Condition::DoorOpen:
      return "door-open";
    case Condition::OutputAreaFull:
      return "output-area-full";
    case Condition::CleanerLifeAlmostOver:
      return "cleaner-life-almost-over";
    case Condition::Offline:
      return "offline";
    case Condition::Other:
      return "other";
  }
  return "other";
}

std::string_view severitySuffix(Severity severity) {
  switch (severity) {
    case Severity::Report:
      return "report";
    case Severity::Warning:
      return "warning";
    case Severity::Error:
      return "error";
  }
  return "report";
}

std::string StateReason::keyword() const {
  std::string out(condition == Condition::Other && !vendor_keyword.empty()
                      ? std::string_view(vendor_keyword)
                      : conditionKeyword(condition));
  out += '-';
  out += severitySuffix(severity);
  return out;
}

namespace {

std::string baseKeyword(const StateReason& r) {
  return r.condition == Condition::Other && !r.vendor_keyword.empty()
             ? r.vendor_keyword
             : std::string(conditionKeyword(r.condition));
}

}  // namespace

void canonicaliseReasons(std::vector<StateReason>& reasons) {
  std::stable_sort(reasons.begin(), reasons.end(), [](const StateReason& a, const StateReason& b) {
    if (a.severity != b.severity) return a.severity > b.severity;
    return baseKeyword(a) < baseKeyword(b);
  });
  // After the sort the most severe entry of each keyword comes first: keep it.
  std::vector<StateReason> kept;
  for (auto& r : reasons) {
    const auto key = baseKeyword(r);
    const bool seen = std::any_of(kept.begin(), kept.end(),
                                  [&](const StateReason& k) { return baseKeyword(k) == key; });
    if (!seen) kept.push_back(std::move(r));
  }
  reasons = std::move(kept);
}

PrinterState stateFromReasons(const std::vector<StateReason>& reasons, bool busy) {
  const bool stopped = std::any_of(reasons.begin(), reasons.end(), [](const StateReason& r) {
    return r.severity == Severity::Error;
  });
  if (stopped) return PrinterState::Stopped;
  return busy ? PrinterState::Processing : PrinterState::Idle;
}

}  // namespace cardd::drivers
