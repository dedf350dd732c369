#pragma once
// Fans committed journal events out to live SSE streams. Lives on the event
// loop; not thread-safe. The committer posts each batch's events here after
// COMMIT, so a subscriber never sees an event that is not on disk.

#include <cstdint>
#include <functional>
#include <map>
#include <vector>

#include "jobs/job.hpp"

namespace cardd::api {

class EventHub {
 public:
  using Listener = std::function<void(const std::vector<JobEvent>&)>;

  std::uint64_t subscribe(Listener listener);
  void unsubscribe(std::uint64_t id);
  void publish(const std::vector<JobEvent>& events);
  std::size_t subscribers() const { return listeners_.size(); }

 private:
  std::uint64_t next_id_ = 1;
  std::map<std::uint64_t, Listener> listeners_;
};

}  // namespace cardd::api
