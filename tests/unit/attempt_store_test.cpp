// Card attempts (migration 4): the station's journal of each blank, the
// exactly-once rule held by the schema itself, the ledger posting of each
// card, the journal events for the SSE stream, and the printers' pause switch.

#include "store/attempt_store.hpp"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>

#include "store/job_store.hpp"
#include "store/ledger_store.hpp"
#include "store/schema.hpp"
#include "store/store_committer.hpp"
#include "store_test_util.hpp"

namespace cardd {
namespace {

class AttemptStoreTest : public ::testing::Test {
 protected:
  void SetUp() override { reopen(); }

  void reopen() {
    attempts_.reset();
    ledger_.reset();
    jobs_.reset();
    db_.reset();
    auto opened = openStore(dir_.file("cardd.db"));
    ASSERT_TRUE(opened.ok()) << opened.error().message;
    db_ = std::move(opened).value();
    jobs_ = std::make_unique<JobStore>(*db_, clock_);
    ledger_ = std::make_unique<LedgerStore>(*db_, clock_);
    attempts_ = std::make_unique<AttemptStore>(*db_, clock_);
  }

  // A lot received and `cards` of it loaded into `printer`'s feeder.
  void stock(const std::string& lot, const std::string& printer, std::int64_t cards) {
    LotReceipt r;
    r.lot = lot;
    r.supplier = "PT Kartu";
    r.quantity = 100;
    ASSERT_TRUE(ledger_->receive(r, supervisor_).ok());
    FeederLoad load{printer, lot, cards, std::nullopt, std::nullopt};
    ASSERT_TRUE(ledger_->load(load, technician_).ok());
  }

  // A submitted job the station has started (processing).
  JobId processingJob() {
    NewJob nj;
    nj.template_id = "ektp-specimen";
    nj.profile_id = "cardd-eid";
    nj.payload = "{}";
    std::vector<JobEvent> ev;
    auto sub = jobs_->submit(nj, owner_, ev);
    EXPECT_TRUE(sub.ok());
    auto moved =
        jobs_->transition(sub->job.id, JobState::Processing, {"job-printing"}, station_, ev);
    EXPECT_TRUE(moved.ok());
    return sub->job.id;
  }

  CardAttempt begun(JobId job, const std::string& printer) {
    auto a = attempts_->begin(job, printer, events_);
    EXPECT_TRUE(a.ok()) << a.error().message;
    return a.ok() ? *a : CardAttempt{};
  }

  Result<CardAttempt> finish(AttemptId id, AttemptOutcome outcome, std::string reason = "",
                             std::optional<std::string> serial = std::nullopt,
                             bool card_failure = false) {
    AttemptEnd end;
    end.outcome = outcome;
    end.reason = std::move(reason);
    end.detail = end.reason.empty() ? "" : "The chip did not answer after personalisation.";
    end.chip_serial = std::move(serial);
    end.card_failure = card_failure;
    return attempts_->finish(id, end, *ledger_, station_, events_);
  }

  std::int64_t count(const std::string& sql) { return *db_->queryInt(sql); }

  std::int64_t feederCards(const std::string& printer) {
    auto f = ledger_->feeder(printer);
    EXPECT_TRUE(f.ok());
    std::int64_t n = 0;
    for (const auto& b : *f) n += b.cards;
    return n;
  }

  testing::TempDir dir_;
  ManualClock clock_{1'800'000'000'000};
  std::unique_ptr<Database> db_;
  std::unique_ptr<JobStore> jobs_;
  std::unique_ptr<LedgerStore> ledger_;
  std::unique_ptr<AttemptStore> attempts_;
  std::vector<JobEvent> events_;
  const Actor owner_{1000, "operator"};
  const Actor supervisor_{1001, "supervisor"};
  const Actor technician_{1002, "technician"};
  const Actor station_{0, "cardd"};
};

TEST(AttemptStoreMigration, AVersion3StoreIsUpgradedWithItsJobsAndLedger) {
  testing::TempDir dir;
  const auto path = dir.file("cardd.db");
  ManualClock clock(1'800'000'000'000);
  {
    auto opened = Database::open(path, Database::Mode::ReadWrite);
    ASSERT_TRUE(opened.ok());
    auto db = std::move(opened).value();
    ASSERT_TRUE(migrateTo(*db, 3).ok());
    JobStore jobs(*db, clock);
    LedgerStore ledger(*db, clock);
    NewJob nj;
    nj.template_id = "ektp-specimen";
    nj.profile_id = "cardd-eid";
    nj.payload = "{}";
    std::vector<JobEvent> ev;
    ASSERT_TRUE(jobs.submit(nj, Actor{1000, "operator"}, ev).ok());
    LotReceipt r;
    r.lot = "L-OLD";
    r.supplier = "PT Kartu";
    r.quantity = 40;
    ASSERT_TRUE(ledger.receive(r, Actor{1001, "supervisor"}).ok());
    ASSERT_TRUE(ledger.load({"P1", "L-OLD", 10, std::nullopt, std::nullopt}, Actor{1, "t"}).ok());
    EXPECT_EQ(*db->queryInt("PRAGMA user_version"), 3);
  }

  auto opened = openStore(path);
  ASSERT_TRUE(opened.ok()) << opened.error().message;
  auto& db = **opened;
  EXPECT_EQ(*db.queryInt("PRAGMA user_version"), kSchemaVersion);
  JobStore jobs(db, clock);
  auto job = jobs.get(1);
  ASSERT_TRUE(job.ok()) << job.error().message;
  EXPECT_EQ(job->owner.uid, 1000);
  EXPECT_FALSE(job->chip_serial.has_value());
  LedgerStore ledger(db, clock);
  auto feeder = ledger.feeder("P1");
  ASSERT_TRUE(feeder.ok());
  ASSERT_EQ(feeder->size(), 1u);
  EXPECT_EQ(feeder->front().cards, 10);

  // The old job can now be attempted and issued.
  AttemptStore attempts(db, clock);
  std::vector<JobEvent> ev;
  auto a = attempts.begin(1, "P1", ev);
  ASSERT_TRUE(a.ok()) << a.error().message;
  AttemptEnd end;
  end.outcome = AttemptOutcome::Issued;
  end.chip_serial = "CHIP-1";
  auto done = attempts.finish(a->id, end, ledger, Actor{0, "cardd"}, ev);
  ASSERT_TRUE(done.ok()) << done.error().message;
  EXPECT_EQ(done->lot, "L-OLD");
  EXPECT_EQ(jobs.get(1)->chip_serial, "CHIP-1");
  EXPECT_EQ(*db.queryInt("SELECT count(*) FROM printer_settings"), 0);
}

TEST_F(AttemptStoreTest, AnIssuedCardWalksTheStepsAndIsBookedOnceInTheLedger) {
  stock("L-1", "P1", 10);
  const JobId job = processingJob();
  const CardAttempt a = begun(job, "P1");
  EXPECT_EQ(a.attempt, 1);
  EXPECT_EQ(a.step, "assigned");
  EXPECT_FALSE(a.outcome.has_value());
  EXPECT_EQ(a.started_at_ms, clock_.nowMs());

  for (const char* step : {"feed-requested", "at-station", "printing", "eject-requested"}) {
    clock_.advance(std::chrono::milliseconds(500));
    auto s = attempts_->setStep(a.id, step, events_);
    ASSERT_TRUE(s.ok()) << s.error().message;
    EXPECT_EQ(s->step, step);
    EXPECT_EQ(attempts_->get(a.id)->step, step);
    EXPECT_EQ(attempts_->get(a.id)->updated_at_ms, clock_.nowMs());
  }

  clock_.advance(std::chrono::milliseconds(500));
  auto done = finish(a.id, AttemptOutcome::Issued, "", "CHIP-0001");
  ASSERT_TRUE(done.ok()) << done.error().message;
  EXPECT_EQ(done->outcome, AttemptOutcome::Issued);
  EXPECT_EQ(done->lot, "L-1");
  EXPECT_EQ(done->chip_serial, "CHIP-0001");

  const CardAttempt stored = *attempts_->get(a.id);
  EXPECT_EQ(stored.outcome, AttemptOutcome::Issued);
  EXPECT_EQ(stored.step, "eject-requested");
  EXPECT_EQ(stored.lot, "L-1");
  EXPECT_EQ(stored.chip_serial, "CHIP-0001");
  EXPECT_EQ(stored.ended_at_ms, clock_.nowMs());
  EXPECT_EQ(stored.started_at_ms, a.started_at_ms);

  auto entries = ledger_->entries(0, 100);
  ASSERT_TRUE(entries.ok());
  const LedgerEntry& last = entries->back();
  EXPECT_EQ(last.kind, LedgerKind::Issued);
  EXPECT_EQ(last.printer, "P1");
  EXPECT_EQ(last.job_id, job);
  EXPECT_EQ(last.attempt, 1);
  EXPECT_EQ(last.serial_first, "CHIP-0001");
  EXPECT_EQ(last.actor.user, "cardd");
  EXPECT_EQ(feederCards("P1"), 9);
  auto summary = ledger_->summary();
  ASSERT_TRUE(summary.ok());
  EXPECT_TRUE(summary->balanced());
  EXPECT_EQ(summary->total.issued, 1);

  EXPECT_EQ(jobs_->get(job)->chip_serial, "CHIP-0001");
  auto listed = jobs_->list(JobListQuery{});
  ASSERT_TRUE(listed.ok());
  EXPECT_EQ(listed->jobs.at(0).chip_serial, "CHIP-0001");
  EXPECT_TRUE(attempts_->open()->empty());
  EXPECT_EQ(attempts_->forJob(job)->size(), 1u);
}

TEST_F(AttemptStoreTest, ASecondIssuedCardForTheSameJobIsRefusedAndLeavesNothingBehind) {
  stock("L-1", "P1", 10);
  const JobId job = processingJob();
  ASSERT_TRUE(finish(begun(job, "P1").id, AttemptOutcome::Issued, "", "CHIP-A").ok());
  const CardAttempt second = begun(job, "P1");
  EXPECT_EQ(second.attempt, 2);
  ASSERT_TRUE(attempts_->setStep(second.id, "eject-requested", events_).ok());

  const auto ledger_before = count("SELECT count(*) FROM ledger");
  const auto events_before = count("SELECT count(*) FROM events");
  const auto published_before = events_.size();
  clock_.advance(std::chrono::seconds(3));
  auto refused = finish(second.id, AttemptOutcome::Issued, "", "CHIP-B");
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, ErrorCode::IllegalTransition);
  EXPECT_NE(refused.error().message.find("already has an issued card"), std::string::npos);

  EXPECT_EQ(count("SELECT count(*) FROM ledger"), ledger_before);
  EXPECT_EQ(count("SELECT count(*) FROM events"), events_before);
  EXPECT_EQ(events_.size(), published_before);
  EXPECT_EQ(feederCards("P1"), 9);
  EXPECT_EQ(jobs_->get(job)->chip_serial, "CHIP-A");
  const CardAttempt still = *attempts_->get(second.id);
  EXPECT_FALSE(still.outcome.has_value());
  EXPECT_FALSE(still.chip_serial.has_value());

  // The schema refuses it too, whoever writes to the file.
  EXPECT_FALSE(db_->exec("UPDATE card_attempts SET outcome = 'issued', ended_at = 1 WHERE id = " +
                         std::to_string(second.id))
                   .ok());
  // The open attempt can still end without a card.
  auto spoiled = finish(second.id, AttemptOutcome::Spoiled, "interrupted");
  ASSERT_TRUE(spoiled.ok()) << spoiled.error().message;
  EXPECT_EQ(feederCards("P1"), 8);
}

TEST_F(AttemptStoreTest, AnEndedAttemptCannotEndAgainNorChangeStep) {
  stock("L-1", "P1", 5);
  const JobId job = processingJob();
  const CardAttempt a = begun(job, "P1");
  ASSERT_TRUE(finish(a.id, AttemptOutcome::Spoiled, "chip-verify-failed", "CHIP-X", true).ok());
  const auto ledger_before = count("SELECT count(*) FROM ledger");

  for (auto outcome : {AttemptOutcome::Spoiled, AttemptOutcome::Issued, AttemptOutcome::Void}) {
    auto again = finish(a.id, outcome, "interrupted");
    ASSERT_FALSE(again.ok());
    EXPECT_EQ(again.error().code, ErrorCode::IllegalTransition);
  }
  auto step = attempts_->setStep(a.id, "printing", events_);
  ASSERT_FALSE(step.ok());
  EXPECT_EQ(step.error().code, ErrorCode::IllegalTransition);

  EXPECT_EQ(count("SELECT count(*) FROM ledger"), ledger_before);
  const CardAttempt stored = *attempts_->get(a.id);
  EXPECT_EQ(stored.outcome, AttemptOutcome::Spoiled);
  EXPECT_EQ(stored.reason, "chip-verify-failed");
  EXPECT_EQ(stored.step, "assigned");
  EXPECT_TRUE(stored.card_failure);
  EXPECT_FALSE(jobs_->get(job)->chip_serial.has_value());

  auto unknown = finish(9999, AttemptOutcome::Void, "interrupted");
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error().code, ErrorCode::NotFound);
}

TEST_F(AttemptStoreTest, TheFileRefusesChangesToEndedAttemptsAndAnyDelete) {
  stock("L-1", "P1", 5);
  const JobId job = processingJob();
  const CardAttempt ended = begun(job, "P1");
  ASSERT_TRUE(finish(ended.id, AttemptOutcome::Spoiled, "media-jam").ok());
  const CardAttempt open = begun(job, "P1");
  const std::string ended_id = std::to_string(ended.id);
  const std::string open_id = std::to_string(open.id);

  auto refused = db_->exec("UPDATE card_attempts SET reason = 'nothing' WHERE id = " + ended_id);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().message.find("an ended card attempt cannot change"), std::string::npos);
  EXPECT_FALSE(
      db_->exec("UPDATE card_attempts SET outcome = NULL, ended_at = NULL WHERE id = " + ended_id)
          .ok());
  EXPECT_FALSE(db_->exec("DELETE FROM card_attempts WHERE id = " + ended_id).ok());
  EXPECT_FALSE(db_->exec("DELETE FROM card_attempts WHERE id = " + open_id).ok());
  EXPECT_FALSE(
      db_->exec("UPDATE card_attempts SET job_id = job_id + 1 WHERE id = " + open_id).ok());
  // An open attempt's step is the station's to write.
  EXPECT_TRUE(db_->exec("UPDATE card_attempts SET step = 'printing' WHERE id = " + open_id).ok());

  EXPECT_EQ(count("SELECT count(*) FROM card_attempts"), 2);
  EXPECT_EQ(attempts_->get(ended.id)->reason, "media-jam");
}

TEST_F(AttemptStoreTest, AVoidAttemptConsumesNoCard) {
  stock("L-1", "P1", 5);
  const JobId job = processingJob();
  const CardAttempt a = begun(job, "P1");
  ASSERT_TRUE(attempts_->setStep(a.id, "feed-requested", events_).ok());
  const auto ledger_before = count("SELECT count(*) FROM ledger");
  auto done = finish(a.id, AttemptOutcome::Void, "feeder-empty", std::nullopt, true);
  ASSERT_TRUE(done.ok()) << done.error().message;
  EXPECT_EQ(done->outcome, AttemptOutcome::Void);
  EXPECT_FALSE(done->lot.has_value());
  EXPECT_FALSE(done->card_failure);  // no card, so not the card's failure
  EXPECT_EQ(count("SELECT count(*) FROM ledger"), ledger_before);
  EXPECT_EQ(feederCards("P1"), 5);
  EXPECT_EQ(*attempts_->endedWithoutCard(job), 1);
  EXPECT_EQ(*attempts_->cardFailures(job), 0);
  EXPECT_FALSE(attempts_->get(a.id)->lot.has_value());
}

TEST_F(AttemptStoreTest, CardFailuresAndEndsWithoutCardAreCountedPerJob) {
  stock("L-1", "P1", 10);
  const JobId job = processingJob();
  const JobId other = processingJob();
  ASSERT_TRUE(
      finish(begun(job, "P1").id, AttemptOutcome::Spoiled, "chip-write-failed", std::nullopt, true)
          .ok());
  ASSERT_TRUE(finish(begun(job, "P1").id, AttemptOutcome::Spoiled, "media-jam").ok());
  ASSERT_TRUE(finish(begun(job, "P1").id, AttemptOutcome::Void, "feeder-empty").ok());
  ASSERT_TRUE(finish(begun(other, "P1").id, AttemptOutcome::Spoiled, "chip-verify-failed",
                     std::nullopt, true)
                  .ok());
  const CardAttempt last = begun(job, "P1");
  EXPECT_EQ(last.attempt, 4);
  ASSERT_TRUE(finish(last.id, AttemptOutcome::Issued, "", "CHIP-9", true).ok());
  EXPECT_FALSE(attempts_->get(last.id)->card_failure);

  EXPECT_EQ(*attempts_->cardFailures(job), 1);
  EXPECT_EQ(*attempts_->endedWithoutCard(job), 3);
  EXPECT_EQ(*attempts_->cardFailures(other), 1);
  EXPECT_EQ(*attempts_->endedWithoutCard(other), 1);
  auto history = attempts_->forJob(job);
  ASSERT_TRUE(history.ok());
  ASSERT_EQ(history->size(), 4u);
  for (int i = 0; i < 4; ++i) EXPECT_EQ((*history)[static_cast<std::size_t>(i)].attempt, i + 1);
  // Spoiled cards are booked to the spoiled pile of the lot.
  auto summary = ledger_->summary();
  ASSERT_TRUE(summary.ok());
  EXPECT_EQ(summary->total.spoiled, 3);
  EXPECT_EQ(summary->total.issued, 1);
  EXPECT_TRUE(summary->balanced());
}

TEST_F(AttemptStoreTest, BeginRefusesUnknownJobsASecondOpenAttemptAndUnknownSteps) {
  const JobId job = processingJob();
  auto unknown = attempts_->begin(4242, "P1", events_);
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error().code, ErrorCode::NotFound);

  const CardAttempt a = begun(job, "P1");
  auto twice = attempts_->begin(job, "P2", events_);
  ASSERT_FALSE(twice.ok());
  EXPECT_EQ(twice.error().code, ErrorCode::IllegalTransition);
  EXPECT_EQ(count("SELECT count(*) FROM card_attempts"), 1);

  const auto published = events_.size();
  auto bad = attempts_->setStep(a.id, "laminating", events_);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, ErrorCode::InvalidArgument);
  EXPECT_EQ(attempts_->get(a.id)->step, "assigned");
  EXPECT_EQ(events_.size(), published);
  auto missing = attempts_->setStep(777, "printing", events_);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, ErrorCode::NotFound);
}

TEST_F(AttemptStoreTest, OpenAttemptsAndTheirLastCommittedStepSurviveACrash) {
  stock("L-1", "P1", 5);
  ASSERT_TRUE(ledger_->load({"P2", "L-1", 5, std::nullopt, std::nullopt}, technician_).ok());
  const JobId first = processingJob();
  const JobId second = processingJob();
  AttemptId a = 0;
  AttemptId b = 0;
  ASSERT_TRUE(db_->exec("BEGIN").ok());
  a = begun(first, "P1").id;
  ASSERT_TRUE(attempts_->setStep(a, "printing", events_).ok());
  b = begun(second, "P2").id;
  ASSERT_TRUE(db_->exec("COMMIT").ok());
  // A step that never committed is not in the journal after the crash.
  ASSERT_TRUE(db_->exec("BEGIN").ok());
  ASSERT_TRUE(attempts_->setStep(a, "eject-requested", events_).ok());
  reopen();  // the connection goes away mid-transaction

  auto open = attempts_->open();
  ASSERT_TRUE(open.ok()) << open.error().message;
  ASSERT_EQ(open->size(), 2u);
  EXPECT_EQ((*open)[0].id, a);
  EXPECT_EQ((*open)[0].job_id, first);
  EXPECT_EQ((*open)[0].step, "printing");
  EXPECT_EQ((*open)[0].printer, "P1");
  EXPECT_EQ((*open)[1].id, b);
  EXPECT_EQ((*open)[1].step, "assigned");
  EXPECT_EQ((*open)[1].printer, "P2");

  // A chip serial journaled with the eject request survives too, and the
  // issued card is booked with it.
  ASSERT_TRUE(attempts_->setStep(b, "eject-requested", events_, "CHIP-EJ").ok());
  reopen();
  EXPECT_EQ(attempts_->get(b)->chip_serial, "CHIP-EJ");
  auto issued = finish(b, AttemptOutcome::Issued);
  ASSERT_TRUE(issued.ok()) << issued.error().message;
  EXPECT_EQ(issued->chip_serial, "CHIP-EJ");
  EXPECT_EQ(jobs_->get(second)->chip_serial, "CHIP-EJ");
  EXPECT_EQ(ledger_->entries(0, 100)->back().serial_first, "CHIP-EJ");

  // Recovery spoils the interrupted card; the job can then run again.
  ASSERT_TRUE(finish(a, AttemptOutcome::Spoiled, "interrupted").ok());
  EXPECT_TRUE(attempts_->open()->empty());
  EXPECT_EQ(begun(first, "P1").attempt, 2);
}

TEST_F(AttemptStoreTest, CardsSinceCountsIssuedAndSpoiledPerPrinterFromTheGivenTime) {
  stock("L-1", "P1", 10);
  FeederLoad load{"P2", "L-1", 10, std::nullopt, std::nullopt};
  ASSERT_TRUE(ledger_->load(load, technician_).ok());
  ASSERT_TRUE(finish(begun(processingJob(), "P1").id, AttemptOutcome::Issued, "", "CHIP-OLD").ok());
  clock_.advance(std::chrono::hours(1));
  const std::int64_t since = clock_.nowMs();
  ASSERT_TRUE(finish(begun(processingJob(), "P1").id, AttemptOutcome::Issued, "", "CHIP-1").ok());
  ASSERT_TRUE(finish(begun(processingJob(), "P1").id, AttemptOutcome::Spoiled, "media-jam").ok());
  clock_.advance(std::chrono::minutes(5));
  ASSERT_TRUE(finish(begun(processingJob(), "P2").id, AttemptOutcome::Issued, "", "CHIP-2").ok());
  ASSERT_TRUE(finish(begun(processingJob(), "P2").id, AttemptOutcome::Void, "feeder-empty").ok());
  begun(processingJob(), "P2");  // still open: not counted

  auto counts = attempts_->cardsSince(since);
  ASSERT_TRUE(counts.ok()) << counts.error().message;
  ASSERT_EQ(counts->size(), 2u);
  EXPECT_EQ(counts->at("P1").issued, 1);
  EXPECT_EQ(counts->at("P1").spoiled, 1);
  EXPECT_EQ(counts->at("P2").issued, 1);
  EXPECT_EQ(counts->at("P2").spoiled, 0);

  auto all = attempts_->cardsSince(0);
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->at("P1").issued, 2);
  EXPECT_TRUE(attempts_->cardsSince(clock_.nowMs() + 1)->empty());
}

TEST_F(AttemptStoreTest, ThePauseSwitchIsUpsertedAndSurvivesReopening) {
  auto never = attempts_->printerSetting("P1");
  ASSERT_TRUE(never.ok());
  EXPECT_EQ(never->printer, "P1");
  EXPECT_FALSE(never->paused);
  EXPECT_FALSE(never->changed_by.has_value());
  EXPECT_TRUE(attempts_->printerSettings()->empty());

  auto paused = attempts_->setPaused("P1", true, "cleaning the print head", technician_);
  ASSERT_TRUE(paused.ok()) << paused.error().message;
  const std::int64_t paused_at = clock_.nowMs();
  ASSERT_TRUE(attempts_->setPaused("P2", false, "", supervisor_).ok());
  reopen();

  auto p1 = attempts_->printerSetting("P1");
  ASSERT_TRUE(p1.ok());
  EXPECT_TRUE(p1->paused);
  EXPECT_EQ(p1->reason, "cleaning the print head");
  ASSERT_TRUE(p1->changed_by.has_value());
  EXPECT_EQ(p1->changed_by->uid, technician_.uid);
  EXPECT_EQ(p1->changed_by->user, technician_.user);
  EXPECT_EQ(p1->changed_at_ms, paused_at);

  clock_.advance(std::chrono::minutes(10));
  ASSERT_TRUE(attempts_->setPaused("P1", false, "", supervisor_).ok());
  auto all = attempts_->printerSettings();
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[0].printer, "P1");
  EXPECT_FALSE((*all)[0].paused);
  EXPECT_EQ((*all)[0].changed_by->user, supervisor_.user);
  EXPECT_EQ((*all)[0].changed_at_ms, clock_.nowMs());
  EXPECT_EQ(count("SELECT count(*) FROM printer_settings"), 2);
}

TEST_F(AttemptStoreTest, EachChangeIsJournaledAsACardAttemptEventOfTheJobsOwner) {
  stock("L-1", "P1", 5);
  const JobId job = processingJob();
  events_.clear();
  const CardAttempt a = begun(job, "P1");
  ASSERT_TRUE(attempts_->setStep(a.id, "feed-requested", events_).ok());
  ASSERT_TRUE(finish(a.id, AttemptOutcome::Spoiled, "chip-verify-failed", std::nullopt, true).ok());
  const CardAttempt b = begun(job, "P1");
  ASSERT_TRUE(finish(b.id, AttemptOutcome::Issued, "", "CHIP-7").ok());

  ASSERT_EQ(events_.size(), 5u);
  const std::vector<std::vector<std::string>> expected = {{"assigned"},
                                                          {"feed-requested"},
                                                          {"spoiled", "chip-verify-failed"},
                                                          {"assigned"},
                                                          {"issued"}};
  for (std::size_t i = 0; i < events_.size(); ++i) {
    const JobEvent& e = events_[i];
    EXPECT_EQ(e.kind, "card-attempt");
    EXPECT_EQ(e.job_id, job);
    EXPECT_EQ(e.from, JobState::Processing);
    EXPECT_EQ(e.to, JobState::Processing);
    EXPECT_EQ(e.reasons, expected[i]);
    EXPECT_EQ(e.job_owner_uid, owner_.uid);
    if (i > 0) {
      EXPECT_GT(e.seq, events_[i - 1].seq);
    }
  }
  EXPECT_EQ(events_[2].actor.user, station_.user);

  // As stored: the journal and the owner's filtered stream return the same.
  auto history = jobs_->jobEvents(job);
  ASSERT_TRUE(history.ok());
  auto since = jobs_->eventsSince(events_[0].seq - 1, 100, owner_.uid);
  ASSERT_TRUE(since.ok());
  ASSERT_EQ(since->size(), 5u);
  for (std::size_t i = 0; i < 5; ++i) {
    EXPECT_EQ((*since)[i].seq, events_[i].seq);
    EXPECT_EQ((*since)[i].kind, "card-attempt");
    EXPECT_EQ((*since)[i].reasons, expected[i]);
    EXPECT_EQ((*since)[i].job_owner_uid, owner_.uid);
  }
  EXPECT_TRUE(jobs_->eventsSince(events_[0].seq - 1, 100, supervisor_.uid)->empty());
  // The job's own state did not move.
  EXPECT_EQ(jobs_->get(job)->state, JobState::Processing);
}

TEST(AttemptStoreCommitter, OperationsReachTheAttemptStoreAndItsEventsArePublished) {
  testing::TempDir dir;
  const auto path = dir.file("cardd.db");
  ManualClock clock(1'800'000'000'000);
  boost::asio::io_context ioc;
  std::vector<JobEvent> published;
  auto opened = openStore(path);
  ASSERT_TRUE(opened.ok());
  StoreCommitter committer(std::move(opened).value(), clock, ioc.get_executor(),
                           [&](std::vector<JobEvent> ev) {
                             for (auto& e : ev) published.push_back(e);
                           });
  auto run = [&](std::function<Result<CardAttempt>(StoreTx&)> work) {
    std::optional<Result<CardAttempt>> got;
    committer.submit<CardAttempt>(std::move(work), ioc.get_executor(),
                                  [&](Result<CardAttempt> r) { got.emplace(std::move(r)); });
    while (!got) {
      ioc.run_for(std::chrono::milliseconds(10));
      ioc.restart();
    }
    return std::move(*got);
  };

  auto issued = run([](StoreTx& tx) -> Result<CardAttempt> {
    NewJob nj;
    nj.template_id = "t";
    nj.profile_id = "p";
    nj.payload = "{}";
    auto sub = tx.jobs.submit(nj, Actor{1000, "operator"}, tx.events);
    if (!sub) return std::move(sub).error();
    auto a = tx.attempts.begin(sub->job.id, "P1", tx.events);
    if (!a) return std::move(a).error();
    AttemptEnd end;
    end.outcome = AttemptOutcome::Issued;
    end.chip_serial = "CHIP-C";
    return tx.attempts.finish(a->id, end, tx.ledger, Actor{0, "cardd"}, tx.events);
  });
  ASSERT_TRUE(issued.ok()) << issued.error().message;

  // A refused operation in a later batch publishes nothing and keeps nothing.
  auto again = run([&](StoreTx& tx) -> Result<CardAttempt> {
    auto a = tx.attempts.begin(issued->job_id, "P1", tx.events);
    if (!a) return std::move(a).error();
    AttemptEnd end;
    end.outcome = AttemptOutcome::Issued;
    return tx.attempts.finish(a->id, end, tx.ledger, Actor{0, "cardd"}, tx.events);
  });
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, ErrorCode::IllegalTransition);

  while (published.size() < 3) {
    ioc.run_for(std::chrono::milliseconds(10));
    ioc.restart();
  }
  committer.stop();
  ioc.run_for(std::chrono::milliseconds(10));
  ASSERT_EQ(published.size(), 3u);  // job-created, assigned, issued
  EXPECT_EQ(published[1].kind, "card-attempt");
  EXPECT_EQ(published[2].reasons, std::vector<std::string>{"issued"});

  auto reader = openStoreReader(path);
  ASSERT_TRUE(reader.ok());
  EXPECT_EQ(*(*reader)->queryInt("SELECT count(*) FROM card_attempts"), 1);
  EXPECT_EQ(*(*reader)->queryInt("SELECT count(*) FROM ledger"), 1);
  AttemptStore read(**reader, clock);
  auto attempts = read.forJob(issued->job_id);
  ASSERT_TRUE(attempts.ok());
  ASSERT_EQ(attempts->size(), 1u);
  EXPECT_EQ(attempts->front().chip_serial, "CHIP-C");
}

}  // namespace
}  // namespace cardd
