#include "store/audit_log.hpp"

#include <gtest/gtest.h>

#include "store/schema.hpp"
#include "store_test_util.hpp"

namespace cardd {
namespace {

class AuditLogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto opened = openStore(dir_.file("cardd.db"));
    ASSERT_TRUE(opened.ok());
    db_ = std::move(opened).value();
    audit_ = std::make_unique<AuditLog>(*db_, clock_);
    for (int i = 1; i <= 5; ++i) {
      AuditEntry e;
      e.uid = 1000;
      e.user = "clerk";
      e.roles = "operator";
      e.action = "job.submit";
      e.target = "job/" + std::to_string(i);
      e.detail = R"({"priority":50})";
      auto r = audit_->append(e);
      ASSERT_TRUE(r.ok());
      EXPECT_EQ(r->id, i);
      clock_.advance(std::chrono::seconds(1));
    }
  }

  testing::TempDir dir_;
  ManualClock clock_{1'800'000'000'000};
  std::unique_ptr<Database> db_;
  std::unique_ptr<AuditLog> audit_;
};

TEST_F(AuditLogTest, ChainLinksEveryRow) {
  auto rows = audit_->list(0, 100);
  ASSERT_EQ(rows->size(), 5u);
  EXPECT_EQ((*rows)[0].prev_hash, kAuditGenesisHash);
  for (std::size_t i = 1; i < rows->size(); ++i)
    EXPECT_EQ((*rows)[i].prev_hash, (*rows)[i - 1].hash);
  auto v = audit_->verify();
  ASSERT_TRUE(v.ok());
  EXPECT_TRUE(v->ok);
  EXPECT_EQ(v->entries, 5);
}

TEST_F(AuditLogTest, EditedRowIsNamed) {
  ASSERT_TRUE(db_->exec("UPDATE audit SET target = 'job/99' WHERE id = 3").ok());
  auto v = audit_->verify();
  EXPECT_FALSE(v->ok);
  EXPECT_EQ(v->first_bad_id, 3);
  EXPECT_NE(v->problem.find("altered"), std::string::npos);
  EXPECT_EQ(v->entries, 5);
}

TEST_F(AuditLogTest, RehashedEditIsCaughtAtTheNextRow) {
  auto rows = audit_->list(0, 100);
  AuditEntry forged = (*rows)[2];
  forged.detail = R"({"priority":1})";
  forged.hash = AuditLog::chainHash(forged);
  ASSERT_TRUE(db_->exec("UPDATE audit SET detail = '{\"priority\":1}', hash = '" + forged.hash +
                        "' WHERE id = 3")
                  .ok());
  auto v = audit_->verify();
  EXPECT_FALSE(v->ok);
  EXPECT_EQ(v->first_bad_id, 4);
}

TEST_F(AuditLogTest, DeletedRowIsCaughtAtTheFollowingRow) {
  ASSERT_TRUE(db_->exec("DELETE FROM audit WHERE id = 2").ok());
  auto v = audit_->verify();
  EXPECT_FALSE(v->ok);
  EXPECT_EQ(v->first_bad_id, 3);
  EXPECT_NE(v->problem.find("does not follow"), std::string::npos);
}

TEST_F(AuditLogTest, AppendAfterDeletionOfTheLastRowKeepsIdsUnique) {
  ASSERT_TRUE(db_->exec("DELETE FROM audit WHERE id = 5").ok());
  AuditEntry e;
  e.uid = 0;
  e.user = "root";
  e.action = "job.cancel";
  e.target = "job/1";
  e.detail = "{}";
  auto r = audit_->append(e);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->id, 6);
}

}  // namespace
}  // namespace cardd
