#include "templates/render_worker.hpp"

#include <algorithm>

namespace cardd {

RenderWorker::RenderWorker(std::size_t max_queued, std::string helper_path,
                           std::chrono::milliseconds idle_stop)
    : max_queued_(std::max<std::size_t>(max_queued, 1)),
      idle_stop_(idle_stop),
      client_(std::move(helper_path)),
      thread_([this] { run(); }) {}

RenderWorker::~RenderWorker() {
  stop();
}

bool RenderWorker::tryPost(std::function<void()>& task) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (stopping_ || queue_.size() >= max_queued_) return false;
    queue_.push_back(std::move(task));
  }
  wake_.notify_one();
  return true;
}

void RenderWorker::stop() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_one();
  if (thread_.joinable()) thread_.join();
  client_.stop();
}

void RenderWorker::run() {
  // Take one task at a time; on stop, finish what is queued (each task owes
  // someone a response) and leave.
  for (;;) {
    std::function<void()> task;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      // After idle_stop_ without work the helper is ended (it is spawned
      // again by the next task that renders).
      if (!wake_.wait_for(lock, idle_stop_, [this] { return stopping_ || !queue_.empty(); })) {
        lock.unlock();
        client_.stop();
        continue;
      }
      if (queue_.empty()) return;
      task = std::move(queue_.front());
      queue_.pop_front();
    }
    task();
  }
}

}  // namespace cardd
