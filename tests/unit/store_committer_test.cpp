#include "store/store_committer.hpp"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>

#include "store/schema.hpp"
#include "store_test_util.hpp"

namespace cardd {
namespace {

class StoreCommitterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = dir_.file("cardd.db");
    auto opened = openStore(path_);
    ASSERT_TRUE(opened.ok());
    committer_ = std::make_unique<StoreCommitter>(
        std::move(opened).value(), clock_, ioc_.get_executor(), [this](std::vector<JobEvent> ev) {
          for (auto& e : ev) published_.push_back(e);
        });
  }

  static NewJob job() {
    NewJob j;
    j.template_id = "t";
    j.profile_id = "p";
    j.payload = "{}";
    return j;
  }

  void runUntil(const std::function<bool()>& done) {
    while (!done()) {
      ioc_.run_for(std::chrono::milliseconds(10));
      ioc_.restart();
    }
  }

  testing::TempDir dir_;
  std::string path_;
  ManualClock clock_{1'800'000'000'000};
  boost::asio::io_context ioc_;
  std::vector<JobEvent> published_;
  std::unique_ptr<StoreCommitter> committer_;
};

TEST_F(StoreCommitterTest, ResultsArriveAfterCommitAndAreVisibleToOtherConnections) {
  std::optional<Result<SubmitOutcome>> got;
  committer_->submit<SubmitOutcome>(
      [](StoreTx& tx) {
        return tx.jobs.submit(job(), Actor{1, "a"}, tx.events);
      },
      ioc_.get_executor(), [&](Result<SubmitOutcome> r) { got.emplace(std::move(r)); });
  runUntil([&] { return got.has_value(); });
  ASSERT_TRUE(got->ok());
  // A separate connection sees the row as soon as the completion runs.
  auto reader = openStoreReader(path_);
  ASSERT_TRUE(reader.ok());
  EXPECT_EQ(*(*reader)->queryInt("SELECT count(*) FROM jobs"), 1);
  runUntil([&] { return published_.size() == 1; });
  EXPECT_EQ(published_[0].kind, "job-created");
}

TEST_F(StoreCommitterTest, AFailedOperationUndoesOnlyItself) {
  int done = 0;
  std::vector<bool> ok(3);
  for (int i = 0; i < 3; ++i) {
    committer_->submit<JobId>(
        [i](StoreTx& tx) -> Result<JobId> {
          auto r = tx.jobs.submit(job(), Actor{1, "a"}, tx.events);
          if (!r) return std::move(r).error();
          if (i == 1) return Error(ErrorCode::ValidationFailed, "refused after writing");
          return r->job.id;
        },
        ioc_.get_executor(),
        [&, i](Result<JobId> r) {
          ok[static_cast<std::size_t>(i)] = r.ok();
          ++done;
        });
  }
  runUntil([&] { return done == 3; });
  EXPECT_EQ(ok, (std::vector<bool>{true, false, true}));
  auto reader = openStoreReader(path_);
  EXPECT_EQ(*(*reader)->queryInt("SELECT count(*) FROM jobs"), 2);
  EXPECT_EQ(*(*reader)->queryInt("SELECT count(*) FROM events"), 2);
  runUntil([&] { return published_.size() == 2; });
}

TEST_F(StoreCommitterTest, ConcurrentSubmissionsShareCommits) {
  constexpr int kJobs = 400;
  int done = 0;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < kJobs / 4; ++i) {
        committer_->submit<SubmitOutcome>(
            [](StoreTx& tx) {
              return tx.jobs.submit(job(), Actor{1, "a"}, tx.events);
            },
            ioc_.get_executor(),
            [&](Result<SubmitOutcome> r) {
              EXPECT_TRUE(r.ok());
              ++done;
            });
      }
    });
  }
  for (auto& t : threads) t.join();
  runUntil([&] { return done == kJobs; });
  EXPECT_LT(committer_->batchesCommitted(), static_cast<std::uint64_t>(kJobs));
  runUntil([&] { return published_.size() == static_cast<std::size_t>(kJobs); });
  for (std::size_t i = 1; i < published_.size(); ++i)
    EXPECT_LT(published_[i - 1].seq, published_[i].seq);
}

TEST_F(StoreCommitterTest, SubmitAfterStopIsUnavailable) {
  committer_->stop();
  std::optional<Result<Ok>> got;
  committer_->submit<Ok>([](StoreTx&) -> Result<Ok> { return Ok{}; }, ioc_.get_executor(),
                         [&](Result<Ok> r) { got.emplace(std::move(r)); });
  runUntil([&] { return got.has_value(); });
  ASSERT_FALSE(got->ok());
  EXPECT_EQ(got->error().code, ErrorCode::Unavailable);
}

}  // namespace
}  // namespace cardd
