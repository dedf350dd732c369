#include "health/fault_summary.hpp"

#include <algorithm>
#include <map>

#include "health/forecast.hpp"

namespace cardd::health {

std::vector<DeviceFaultSummary> summariseFaults(const std::vector<FaultRecord>& faults,
                                                std::int64_t now_ms, int days) {
  const int period_days = std::max(1, days);
  const std::int64_t start = now_ms - period_days * kDayMs;

  // Per (device, kind): the summary, its reason counts and its error
  // intervals clipped to the period.
  struct Acc {
    DeviceFaultSummary summary;
    std::map<std::string, std::int64_t> reasons;
    std::vector<std::pair<std::int64_t, std::int64_t>> down;
  };
  std::map<std::pair<std::string, std::string>, Acc> by_device;
  for (const auto& f : faults) {
    auto& acc = by_device[{f.device, f.device_kind}];
    acc.summary.device = f.device;
    acc.summary.device_kind = f.device_kind;
    if (!f.cleared_at_ms) ++acc.summary.active;
    const bool in_period = f.raised_at_ms >= start && f.raised_at_ms <= now_ms;
    if (in_period) {
      ++acc.summary.faults;
      ++acc.reasons[f.reason];
      if (f.severity == "error") ++acc.summary.error_faults;
    }
    if (f.severity == "error") {
      const std::int64_t from = std::max(f.raised_at_ms, start);
      const std::int64_t to = std::min(f.cleared_at_ms.value_or(now_ms), now_ms);
      if (to > from) acc.down.emplace_back(from, to);
    }
  }

  std::vector<DeviceFaultSummary> out;
  out.reserve(by_device.size());
  const double period_hours = period_days * 24.0;
  for (auto& [key, acc] : by_device) {
    auto& s = acc.summary;
    if (s.error_faults > 0) s.mtbf_hours = period_hours / static_cast<double>(s.error_faults);

    // Downtime: the union of the error intervals (two errors at once are
    // one outage).
    std::sort(acc.down.begin(), acc.down.end());
    std::int64_t covered_to = start;
    for (const auto& [from, to] : acc.down) {
      const std::int64_t a = std::max(from, covered_to);
      if (to > a) s.downtime_ms += to - a;
      covered_to = std::max(covered_to, to);
    }

    // Top reasons: most frequent first, then by name; at most five.
    std::vector<std::pair<std::string, std::int64_t>> reasons(acc.reasons.begin(),
                                                              acc.reasons.end());
    std::stable_sort(reasons.begin(), reasons.end(),
                     [](const auto& a, const auto& b) { return a.second > b.second; });
    if (reasons.size() > 5) reasons.resize(5);
    s.top_reasons = std::move(reasons);
    out.push_back(std::move(s));
  }
  return out;
}

}  // namespace cardd::health
