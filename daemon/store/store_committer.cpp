#include "store/store_committer.hpp"

#include "core/log.hpp"

namespace cardd {

namespace {
constexpr std::size_t kMaxBatch = 512;
}

StoreCommitter::StoreCommitter(std::unique_ptr<Database> db, const Clock& clock,
                               boost::asio::any_io_executor events_executor, EventSink sink)
    : db_(std::move(db)),
      jobs_(*db_, clock),
      audit_(*db_, clock),
      ledger_(*db_, clock),
      attempts_(*db_, clock),
      health_(*db_, clock),
      events_executor_(std::move(events_executor)),
      sink_(std::move(sink)),
      thread_([this] { loop(); }) {}

StoreCommitter::~StoreCommitter() {
  stop();
}

void StoreCommitter::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

std::uint64_t StoreCommitter::batchesCommitted() const {
  std::lock_guard lock(mutex_);
  return batches_;
}

void StoreCommitter::enqueue(Op op) {
  {
    std::lock_guard lock(mutex_);
    if (!stopping_) {
      queue_.push_back(std::move(op));
      cv_.notify_one();
      return;
    }
  }
  op.complete(Error(ErrorCode::Unavailable, "cardd is shutting down"));
}

void StoreCommitter::loop() {
  std::vector<Op> batch;
  for (;;) {
    {
      std::unique_lock lock(mutex_);
      cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping and drained
      while (!queue_.empty() && batch.size() < kMaxBatch) {
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
    }
    runBatch(batch);
    batch.clear();
  }
}

void StoreCommitter::runBatch(std::vector<Op>& batch) {
  std::vector<JobEvent> events;
  StoreTx tx{jobs_, audit_, ledger_, attempts_, health_, events};

  Status status = db_->exec("BEGIN IMMEDIATE");
  if (status) {
    for (auto& op : batch) {
      // Each operation in its own savepoint: a refused one leaves no trace.
      const std::size_t mark = events.size();
      if (auto sp = db_->exec("SAVEPOINT op"); !sp) {
        status = sp;
        break;
      }
      const bool keep = op.run(tx);
      if (!keep) {
        events.resize(mark);
        if (auto rb = db_->exec("ROLLBACK TO op"); !rb) {
          status = rb;
          break;
        }
      }
      if (auto rel = db_->exec("RELEASE op"); !rel) {
        status = rel;
        break;
      }
    }
  }
  if (status) status = db_->exec("COMMIT");
  if (!status) {
    log::error("store commit failed; the batch was not acknowledged",
               {{"error", status.error().message}, {"operations", std::to_string(batch.size())}});
    (void)db_->exec("ROLLBACK");
    events.clear();
  } else {
    std::lock_guard lock(mutex_);
    ++batches_;
  }

  // Events before completions, so a client that reads its 201 and then
  // subscribes never misses its own event (it is in the table anyway).
  if (!events.empty() && sink_) {
    boost::asio::post(events_executor_,
                      [sink = sink_, ev = std::move(events)]() mutable { sink(std::move(ev)); });
  }
  for (auto& op : batch) op.complete(status);
}

}  // namespace cardd
