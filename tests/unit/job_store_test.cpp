#include "store/job_store.hpp"

#include <gtest/gtest.h>

#include "store/schema.hpp"
#include "store_test_util.hpp"

namespace cardd {
namespace {

class JobStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto opened = openStore(dir_.file("cardd.db"));
    ASSERT_TRUE(opened.ok()) << opened.error().message;
    db_ = std::move(opened).value();
    jobs_ = std::make_unique<JobStore>(*db_, clock_);
  }

  NewJob newJob(std::optional<std::string> key = std::nullopt, bool hold = false) {
    NewJob j;
    j.template_id = "ektp-specimen";
    j.profile_id = "cardd-eid";
    j.idempotency_key = std::move(key);
    j.hold = hold;
    j.payload = R"({"person":{}})";
    return j;
  }

  testing::TempDir dir_;
  ManualClock clock_{1'800'000'000'000};
  std::unique_ptr<Database> db_;
  std::unique_ptr<JobStore> jobs_;
  std::vector<JobEvent> events_;
  const Actor clerk_{1000, "clerk"};
  const Actor root_{0, "root"};
};

TEST_F(JobStoreTest, SubmitJournalsCreation) {
  auto r = jobs_->submit(newJob(), clerk_, events_);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->created);
  EXPECT_EQ(r->job.state, JobState::Pending);
  EXPECT_EQ(r->job.state_reasons, std::vector<std::string>{"job-queued"});
  ASSERT_EQ(events_.size(), 1u);
  EXPECT_EQ(events_[0].kind, "job-created");
  EXPECT_FALSE(events_[0].from.has_value());
  EXPECT_EQ(events_[0].job_owner_uid, 1000);
  auto got = jobs_->get(r->job.id);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->owner.user, "clerk");
}

TEST_F(JobStoreTest, HeldSubmissionStartsHeld) {
  auto r = jobs_->submit(newJob(std::nullopt, true), clerk_, events_);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->job.state, JobState::PendingHeld);
}

TEST_F(JobStoreTest, IdempotencyKeyReturnsTheFirstJobAndWritesNothing) {
  auto first = jobs_->submit(newJob("abc"), clerk_, events_);
  auto second = jobs_->submit(newJob("abc"), clerk_, events_);
  ASSERT_TRUE(first.ok() && second.ok());
  EXPECT_FALSE(second->created);
  EXPECT_EQ(second->job.id, first->job.id);
  EXPECT_EQ(events_.size(), 1u);
  EXPECT_EQ(*db_->queryInt("SELECT count(*) FROM jobs"), 1);
}

TEST_F(JobStoreTest, TransitionsAreCheckedAndJournaled) {
  auto job = jobs_->submit(newJob(), clerk_, events_);
  ASSERT_TRUE(job.ok());
  const JobId id = job->job.id;
  clock_.advance(std::chrono::seconds(5));
  auto held =
      jobs_->transition(id, JobState::PendingHeld, {"job-hold-until-specified"}, root_, events_);
  ASSERT_TRUE(held.ok());
  EXPECT_EQ(held->updated_at_ms, job->job.created_at_ms + 5000);

  auto bad = jobs_->transition(id, JobState::Completed, {}, root_, events_);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, ErrorCode::IllegalTransition);
  EXPECT_EQ(jobs_->get(id)->state, JobState::PendingHeld);

  auto history = jobs_->jobEvents(id);
  ASSERT_TRUE(history.ok());
  ASSERT_EQ(history->size(), 2u);
  EXPECT_EQ((*history)[1].from, JobState::Pending);
  EXPECT_EQ((*history)[1].to, JobState::PendingHeld);
  EXPECT_EQ((*history)[1].actor.user, "root");
  EXPECT_LT((*history)[0].seq, (*history)[1].seq);
}

TEST_F(JobStoreTest, MissingJobIsNotFound) {
  EXPECT_EQ(jobs_->get(42).error().code, ErrorCode::NotFound);
  EXPECT_EQ(jobs_->transition(42, JobState::Canceled, {}, root_, events_).error().code,
            ErrorCode::NotFound);
}

TEST_F(JobStoreTest, ListFiltersByStateAndOwnerAndPages) {
  for (int i = 0; i < 7; ++i)
    ASSERT_TRUE(jobs_->submit(newJob(), i % 2 ? clerk_ : root_, events_).ok());
  ASSERT_TRUE(
      jobs_->transition(2, JobState::Canceled, {"job-canceled-by-user"}, clerk_, events_).ok());

  JobListQuery q;
  q.limit = 3;
  auto p1 = jobs_->list(q);
  ASSERT_TRUE(p1.ok());
  ASSERT_EQ(p1->jobs.size(), 3u);
  EXPECT_EQ(p1->next_after, 3);
  q.after = *p1->next_after;
  auto p2 = jobs_->list(q);
  ASSERT_EQ(p2->jobs.size(), 3u);
  q.after = *p2->next_after;
  auto p3 = jobs_->list(q);
  ASSERT_EQ(p3->jobs.size(), 1u);
  EXPECT_FALSE(p3->next_after.has_value());

  JobListQuery mine;
  mine.owner_uid = 1000;
  EXPECT_EQ(jobs_->list(mine)->jobs.size(), 3u);

  JobListQuery canceled;
  canceled.states = {JobState::Canceled, JobState::Aborted};
  auto c = jobs_->list(canceled);
  ASSERT_EQ(c->jobs.size(), 1u);
  EXPECT_EQ(c->jobs[0].id, 2);
}

TEST_F(JobStoreTest, EventsSinceResumesAndFiltersByOwner) {
  for (int i = 0; i < 4; ++i)
    ASSERT_TRUE(jobs_->submit(newJob(), i % 2 ? clerk_ : root_, events_).ok());
  auto all = jobs_->eventsSince(0, 100, std::nullopt);
  ASSERT_EQ(all->size(), 4u);
  auto after2 = jobs_->eventsSince(2, 100, std::nullopt);
  ASSERT_EQ(after2->size(), 2u);
  EXPECT_EQ((*after2)[0].seq, 3);
  auto clerk_only = jobs_->eventsSince(0, 100, 1000);
  ASSERT_EQ(clerk_only->size(), 2u);
  for (const auto& e : *clerk_only) EXPECT_EQ(e.job_owner_uid, 1000);
}

TEST_F(JobStoreTest, PayloadIsKeptForPersonalisation) {
  auto r = jobs_->submit(newJob(), clerk_, events_);
  EXPECT_EQ(*jobs_->payload(r->job.id), R"({"person":{}})");
}

}  // namespace
}  // namespace cardd
