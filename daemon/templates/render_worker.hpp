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
//
// Rendering itself happens in the cardd-render helper: tasks call client()
// (only from the worker thread, i.e. inside a task). The helper is spawned
// by the first task that renders and stopped after `idle_stop` without
// tasks, so an idle cardd holds no renderer.

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>

#include "templates/render_client.hpp"

namespace cardd {

class RenderWorker {
 public:
  // `max_queued`: tasks waiting (not counting the one running); at least 1.
  // `helper_path`: cardd-render (RenderClient::defaultHelperPath() when empty).
  explicit RenderWorker(std::size_t max_queued, std::string helper_path = {},
                        std::chrono::milliseconds idle_stop = std::chrono::seconds(60));
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

  // The worker's connection to cardd-render; use it only inside a task.
  RenderClient& client() { return client_; }

 private:
  void run();

  const std::size_t max_queued_;
  const std::chrono::milliseconds idle_stop_;
  RenderClient client_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::function<void()>> queue_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace cardd
