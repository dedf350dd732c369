#pragma once
// Group commit. One thread owns the SQLite write connection. Callers hand it
// operations; it runs every operation queued so far in one transaction (each
// in its own SAVEPOINT, so a failing operation undoes only itself), COMMITs —
// one fsync, WAL + synchronous=FULL — and only then posts each operation's
// result, and the journal events the batch produced, to the caller's
// executor. So nothing is acknowledged before it is on disk, and concurrent
// or pipelined requests share fsyncs.
//
// Threading: submit() and stop() may be called from any thread. Operations
// run on the committer thread and must only touch the StoreTx they are given.
// Completions run on the executor passed to submit().

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/post.hpp>

#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "core/clock.hpp"
#include "core/result.hpp"
#include "jobs/job.hpp"
#include "store/attempt_store.hpp"
#include "store/audit_log.hpp"
#include "store/database.hpp"
#include "store/health_store.hpp"
#include "store/job_store.hpp"
#include "store/ledger_store.hpp"

namespace cardd {

// What an operation may use, inside the batch's transaction.
struct StoreTx {
  JobStore& jobs;
  AuditLog& audit;
  LedgerStore& ledger;
  AttemptStore& attempts;
  HealthStore& health;
  std::vector<JobEvent>& events;  // journal events to publish after COMMIT
};

class StoreCommitter {
 public:
  // Called on the events executor with every batch's committed events, in seq order.
  using EventSink = std::function<void(std::vector<JobEvent>)>;

  StoreCommitter(std::unique_ptr<Database> db, const Clock& clock,
                 boost::asio::any_io_executor events_executor, EventSink sink);
  ~StoreCommitter();  // stop()s
  StoreCommitter(const StoreCommitter&) = delete;
  StoreCommitter& operator=(const StoreCommitter&) = delete;

  // Runs `work` in the next batch; `done` gets its result on `executor` after
  // the batch committed, or the commit's error if COMMIT failed.
  template <typename T>
  void submit(std::function<Result<T>(StoreTx&)> work, boost::asio::any_io_executor executor,
              std::function<void(Result<T>)> done) {
    auto result = std::make_shared<std::optional<Result<T>>>();
    enqueue(
        Op{[work = std::move(work), result](StoreTx& tx) {
             result->emplace(work(tx));
             return result->value().ok();
           },
           [executor = std::move(executor), done = std::move(done), result](const Status& commit) {
             boost::asio::post(executor, [done, result, commit]() {
               if (!commit)
                 done(Result<T>(commit.error()));
               else
                 done(std::move(result->value()));
             });
           }});
  }

  // Finishes what is queued, then joins the thread. Later submits fail with
  // Unavailable.
  void stop();

  // How many batches have been committed (for tests and metrics).
  std::uint64_t batchesCommitted() const;

 private:
  struct Op {
    std::function<bool(StoreTx&)> run;            // true: keep its changes
    std::function<void(const Status&)> complete;  // after COMMIT (or its failure)
  };
  void enqueue(Op op);
  void loop();
  void runBatch(std::vector<Op>& batch);

  std::unique_ptr<Database> db_;
  JobStore jobs_;
  AuditLog audit_;
  LedgerStore ledger_;
  AttemptStore attempts_;
  HealthStore health_;
  boost::asio::any_io_executor events_executor_;
  EventSink sink_;

  mutable std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<Op> queue_;
  bool stopping_ = false;
  std::uint64_t batches_ = 0;
  std::thread thread_;
};

}  // namespace cardd
