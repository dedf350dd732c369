#include "store/schema.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "core/clock.hpp"
#include "store/job_store.hpp"
#include "store_test_util.hpp"

namespace cardd {
namespace {

using ::testing::HasSubstr;
using testing::runSql;
using testing::TempDir;

const std::string kFixtures = std::string(CARDD_SOURCE_DIR) + "/tests/data/store/";

TEST(StoreSchema, MigrationsAreNumberedInOrder) {
  const auto& m = migrations();
  ASSERT_EQ(static_cast<int>(m.size()), kSchemaVersion);
  for (std::size_t i = 0; i < m.size(); ++i) EXPECT_EQ(m[i].version, static_cast<int>(i) + 1);
}

TEST(StoreSchema, NewStoreIsCreatedAtTheLatestVersionInWalMode) {
  TempDir dir;
  auto db = openStore(dir.file("cardd.db"));
  ASSERT_TRUE(db.ok()) << db.error().message;
  EXPECT_EQ(*(*db)->queryInt("PRAGMA user_version"), kSchemaVersion);
  EXPECT_EQ(*(*db)->queryInt("PRAGMA application_id"), kApplicationId);
  EXPECT_EQ(*(*db)->queryInt("PRAGMA synchronous"), 2);  // FULL
  auto mode = (*db)->prepare("PRAGMA journal_mode");
  ASSERT_TRUE(mode.ok());
  ASSERT_TRUE(*mode->step());
  EXPECT_EQ(mode->columnText(0), "wal");
}

TEST(StoreSchema, ReopeningIsIdempotent) {
  TempDir dir;
  { ASSERT_TRUE(openStore(dir.file("cardd.db")).ok()); }
  auto again = openStore(dir.file("cardd.db"));
  ASSERT_TRUE(again.ok()) << again.error().message;
  EXPECT_EQ(*(*again)->queryInt("PRAGMA user_version"), kSchemaVersion);
}

TEST(StoreSchema, Version1GoldenStoreIsUpgradedWithItsData) {
  TempDir dir;
  const auto path = dir.file("cardd.db");
  runSql(path, testing::readFile(kFixtures + "v1.sql"));

  auto db = openStore(path);
  ASSERT_TRUE(db.ok()) << db.error().message;
  EXPECT_EQ(*(*db)->queryInt("PRAGMA user_version"), kSchemaVersion);

  ManualClock clock(1'800'000'000'000);
  JobStore jobs(**db, clock);
  auto held = jobs.get(2);
  ASSERT_TRUE(held.ok());
  EXPECT_EQ(held->state, JobState::PendingHeld);
  EXPECT_EQ(held->priority, 70);
  EXPECT_EQ(held->idempotency_key, "k-2");
  auto history = jobs.jobEvents(1);
  ASSERT_TRUE(history.ok());
  ASSERT_EQ(history->size(), 2u);
  EXPECT_EQ((*history)[1].to, JobState::Completed);

  // Ids deleted before the upgrade are still never reused.
  std::vector<JobEvent> ev;
  NewJob nj;
  nj.template_id = "ektp-specimen";
  nj.profile_id = "cardd-eid";
  nj.payload = "{}";
  auto fresh = jobs.submit(nj, Actor{1000, "clerk"}, ev);
  ASSERT_TRUE(fresh.ok()) << fresh.error().message;
  EXPECT_EQ(fresh->job.id, 6);
  EXPECT_EQ(ev.at(0).seq, 5);

  // Migration 2 scoped idempotency keys per submitter: another user may now
  // reuse "k-1", the same user gets the first job back.
  nj.idempotency_key = "k-1";
  auto other = jobs.submit(nj, Actor{1001, "clerk2"}, ev);
  ASSERT_TRUE(other.ok()) << other.error().message;
  EXPECT_TRUE(other->created);
  auto same = jobs.submit(nj, Actor{1000, "clerk"}, ev);
  ASSERT_TRUE(same.ok());
  EXPECT_FALSE(same->created);
  EXPECT_EQ(same->job.id, 1);

  // And the audit table now exists.
  EXPECT_EQ(*(*db)->queryInt("SELECT count(*) FROM audit"), 0);
  // Migration 4: card attempts, printer switches, the job's chip serial.
  EXPECT_FALSE(held->chip_serial.has_value());
  EXPECT_EQ(*(*db)->queryInt("SELECT count(*) FROM card_attempts"), 0);
  EXPECT_EQ(*(*db)->queryInt("SELECT count(*) FROM printer_settings"), 0);
  EXPECT_EQ(*(*db)->queryInt("SELECT count(*) FROM jobs WHERE chip_serial IS NULL"),
            *(*db)->queryInt("SELECT count(*) FROM jobs"));
}

TEST(StoreSchema, NewerSchemaIsRefusedWithAClearMessage) {
  TempDir dir;
  const auto path = dir.file("cardd.db");
  { ASSERT_TRUE(openStore(path).ok()); }
  runSql(path, "PRAGMA user_version = 99; CREATE TABLE future_things (x);");
  auto db = openStore(path);
  ASSERT_FALSE(db.ok());
  EXPECT_EQ(db.error().code, ErrorCode::StoreTooNew);
  EXPECT_THAT(db.error().message,
              HasSubstr("schema version 99 is newer than this cardd supports (" +
                        std::to_string(kSchemaVersion) + ")"));
  // Refusing did not touch the file.
  runSql(path, "SELECT count(*) FROM future_things;");
}

TEST(StoreSchema, GarbageFileIsRefusedAsCorrupt) {
  TempDir dir;
  const auto path = dir.file("cardd.db");
  std::ofstream(path, std::ios::binary) << std::string(8192, '\x5a');
  auto db = openStore(path);
  ASSERT_FALSE(db.ok());
  EXPECT_EQ(db.error().code, ErrorCode::StoreCorrupt);
  EXPECT_THAT(db.error().message, HasSubstr("not an SQLite database"));
  EXPECT_THAT(db.error().message, HasSubstr("restore a backup"));
}

TEST(StoreSchema, TruncatedStoreIsRefusedAsCorrupt) {
  TempDir dir;
  const auto path = dir.file("cardd.db");
  {
    auto db = openStore(path);
    ASSERT_TRUE(db.ok());
    ManualClock clock(0);
    JobStore jobs(**db, clock);
    std::vector<JobEvent> ev;
    NewJob nj{"ektp-specimen", "cardd-eid", 50, std::nullopt, false, std::string(3000, 'p'), 1, 0};
    ASSERT_TRUE((*db)->exec("BEGIN").ok());
    for (int i = 0; i < 200; ++i) ASSERT_TRUE(jobs.submit(nj, Actor{0, "root"}, ev).ok());
    ASSERT_TRUE((*db)->exec("COMMIT").ok());
    ASSERT_TRUE((*db)->exec("PRAGMA wal_checkpoint(TRUNCATE)").ok());
  }
  std::filesystem::remove(path + "-wal");
  std::filesystem::remove(path + "-shm");
  std::filesystem::resize_file(path, std::filesystem::file_size(path) / 2);
  auto db = openStore(path);
  ASSERT_FALSE(db.ok());
  EXPECT_EQ(db.error().code, ErrorCode::StoreCorrupt) << db.error().message;
}

TEST(StoreSchema, ForeignSqliteDatabaseIsRefused) {
  TempDir dir;
  const auto path = dir.file("other.db");
  runSql(path, "CREATE TABLE contacts (name TEXT);");
  auto db = openStore(path);
  ASSERT_FALSE(db.ok());
  EXPECT_EQ(db.error().code, ErrorCode::StoreCorrupt);
  EXPECT_THAT(db.error().message, HasSubstr("not a cardd store"));
}

}  // namespace
}  // namespace cardd
