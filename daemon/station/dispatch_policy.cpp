#include "station/dispatch_policy.hpp"

#include <algorithm>
#include <set>

namespace cardd::station {
namespace {

bool contains(const std::vector<std::string>& list, const std::string& value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

// Whether `printer` could ever do `job`, ignoring its current state; the
// reason when not.
std::optional<std::string> incapable(const PrinterFacts& printer, const JobNeeds& job) {
  if (!contains(printer.ribbons, job.ribbon)) return "no printer has the " + job.ribbon + " ribbon";
  if (!contains(printer.card_stock, job.card_stock))
    return "no printer holds " + job.card_stock + " cards";
  if (job.needs_encoder && !printer.has_encoder) return "no printer has a chip encoder";
  return std::nullopt;
}

}  // namespace

DispatchPlan planDispatch(std::vector<JobNeeds> waiting,
                          const std::vector<PrinterFacts>& printers) {
  std::stable_sort(waiting.begin(), waiting.end(), [](const JobNeeds& a, const JobNeeds& b) {
    if (a.priority != b.priority) return a.priority > b.priority;
    return a.id < b.id;
  });

  DispatchPlan plan;
  std::set<std::string> taken;
  for (const JobNeeds& job : waiting) {
    const PrinterFacts* best = nullptr;
    std::optional<std::string> why_not;
    bool any_capable = false;
    for (const PrinterFacts& p : printers) {
      if (auto reason = incapable(p, job)) {
        if (!why_not) why_not = reason;
        continue;
      }
      any_capable = true;
      if (p.readiness != PrinterReadiness::Ready || taken.count(p.id) != 0) continue;
      if (best == nullptr || p.cards_today < best->cards_today ||
          (p.cards_today == best->cards_today &&
           (p.cards_last_hour < best->cards_last_hour ||
            (p.cards_last_hour == best->cards_last_hour && p.id < best->id)))) {
        best = &p;
      }
    }
    if (!any_capable) {
      plan.unservable.push_back({job.id, printers.empty()
                                             ? "no printer is configured"
                                             : why_not.value_or("no printer can do it")});
      continue;
    }
    if (best == nullptr) continue;  // waits for a capable printer
    taken.insert(best->id);
    plan.assignments.push_back({job.id, best->id});
    if (taken.size() == printers.size()) break;
  }
  return plan;
}

}  // namespace cardd::station
