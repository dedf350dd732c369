#include "health/condition_diff.hpp"

#include <algorithm>
#include <array>
#include <set>

namespace cardd::health {

namespace {

bool endsWith(const std::string& s, std::string_view suffix) {
  return s.size() > suffix.size() && std::string_view(s).substr(s.size() - suffix.size()) == suffix;
}

int severityRank(const std::string& severity) {
  if (severity == "error") return 2;
  if (severity == "warning") return 1;
  return 0;
}

}  // namespace

ReportedReason splitReasonKeyword(const std::string& keyword) {
  static constexpr std::array<std::string_view, 3> kSuffixes{"report", "warning", "error"};
  for (auto severity : kSuffixes) {
    const std::string suffix = "-" + std::string(severity);
    if (endsWith(keyword, suffix)) {
      return {keyword.substr(0, keyword.size() - suffix.size()), std::string(severity)};
    }
  }
  return {keyword, "report"};
}

ConditionDiff diffConditions(const std::vector<FaultRecord>& active,
                             const std::vector<std::string>& reported) {
  // What the printer reports now, one entry per reason (the most severe if a
  // reason comes twice), in the order reported. "none" is IPP for nothing.
  std::vector<ReportedReason> now;
  for (const auto& keyword : reported) {
    if (keyword.empty() || keyword == "none") continue;
    auto split = splitReasonKeyword(keyword);
    auto same = std::find_if(now.begin(), now.end(),
                             [&](const ReportedReason& r) { return r.reason == split.reason; });
    if (same == now.end()) {
      now.push_back(std::move(split));
    } else if (severityRank(split.severity) > severityRank(same->severity)) {
      same->severity = split.severity;
    }
  }

  // An active fault stays open only when its reason is reported with the
  // same severity, and only one per reason (a duplicate is closed).
  ConditionDiff diff;
  std::set<std::string> kept;
  for (const auto& fault : active) {
    if (fault.cleared_at_ms) continue;
    const bool still = std::any_of(now.begin(), now.end(), [&](const ReportedReason& r) {
      return r.reason == fault.reason && r.severity == fault.severity;
    });
    if (still && kept.insert(fault.reason).second) continue;
    diff.closed.push_back(fault.id);
  }
  for (const auto& r : now) {
    if (!kept.contains(r.reason)) diff.opened.push_back(r);
  }
  return diff;
}

}  // namespace cardd::health
