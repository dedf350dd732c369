#pragma once
// RenderWorker: one thread that runs CPU-heavy rendering (card previews) off
// the event loop, with a bounded queue so that a burst of preview requests
// cannot pile up work or memory: when the queue is full, tryPost() refuses
// and the API answers 503 with Retry-After.
//
// Threading: tryPost() and stop() are called from the event loop thread;
// tasks run on the worker thread. A task must hand its result back to the
// loop itself (boost::asio::post) and must not touch loop-owned objects on
// the worker; in particular it must move whatever it holds of the loop
// (e.g. a response callback) into what it posts, so nothing of the loop is
// destroyed on the worker.

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>

namespace cardd {

class RenderWorker {
 public:
  // `max_queued`: tasks waiting (not counting the one running); at least 1.
  explicit RenderWorker(std::size_t max_queued);
  ~RenderWorker();  // stop()
  RenderWorker(const RenderWorker&) = delete;
  RenderWorker& operator=(const RenderWorker&) = delete;

  // Queues `task` and moves from it; false (and `task` untouched) when the
  // queue is full or the worker has stopped.
  bool tryPost(std::function<void()>& task);

  // Runs every task already queued, then joins the thread. Later tryPost()
  // calls fail. Idempotent.
  void stop();

  std::size_t maxQueued() const { return max_queued_; }

 private:
  void run();

  const std::size_t max_queued_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::function<void()>> queue_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace cardd
