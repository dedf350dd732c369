#include "health/alert_tracker.hpp"

#include <set>

namespace cardd::health {

AlertTransitions AlertTracker::step(std::int64_t now_ms, const std::vector<AlertRecord>& open,
                                    const std::vector<Observation>& observations) {
  using Key = std::pair<std::string, std::string>;
  AlertTransitions t;

  // This round's observation per (rule, subject); the first one wins.
  std::map<Key, const Observation*> observed;
  for (const auto& o : observations) observed.emplace(Key{o.rule, o.subject}, &o);

  // Open alerts: escalate, keep, or count down to clearing.
  std::set<Key> open_keys;
  for (const auto& alert : open) {
    if (alert.state == AlertState::Cleared) continue;
    Key key{alert.rule, alert.subject};
    if (!open_keys.insert(key).second) continue;
    auto it = observed.find(key);
    const Observation* o = it == observed.end() ? nullptr : it->second;
    if (o != nullptr && (o->hold || o->raise)) {
      not_holding_since_.erase(key);
      if (o->raise && o->severity > alert.severity) t.update.emplace_back(alert.id, *o);
      continue;
    }
    // Not holding: cleared once it has not held for clear_after in a row.
    auto [since, inserted] = not_holding_since_.emplace(key, now_ms);
    (void)inserted;
    if (now_ms - since->second >= clear_after_.count()) {
      t.clear.push_back(alert.id);
      not_holding_since_.erase(since);
    }
  }

  // New alerts: raised once per (rule, subject) while none is open.
  for (const auto& o : observations) {
    Key key{o.rule, o.subject};
    if (!o.raise || open_keys.contains(key)) continue;
    open_keys.insert(key);
    t.raise.push_back(o);
  }

  // Timers of alerts no longer open (cleared elsewhere) are forgotten.
  for (auto it = not_holding_since_.begin(); it != not_holding_since_.end();) {
    it = open_keys.contains(it->first) ? std::next(it) : not_holding_since_.erase(it);
  }
  return t;
}

}  // namespace cardd::health
