#include "api/event_hub.hpp"

namespace cardd::api {

std::uint64_t EventHub::subscribe(Listener listener) {
  const auto id = next_id_++;
  listeners_.emplace(id, std::move(listener));
  return id;
}

void EventHub::unsubscribe(std::uint64_t id) {
  listeners_.erase(id);
}

void EventHub::publish(const std::vector<JobEvent>& events) {
  if (events.empty()) return;
  // Copy: a listener may unsubscribe (or subscribe) while we iterate.
  auto snapshot = listeners_;
  for (auto& [id, fn] : snapshot) {
    if (listeners_.contains(id)) fn(events);
  }
}

}  // namespace cardd::api
