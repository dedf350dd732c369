// The blank-card ledger: every movement keeps the books balanced, impossible
// movements are refused with a reason, consumption is never refused, and the
// ledger is append-only in the file itself.

#include "store/ledger_store.hpp"

#include <gtest/gtest.h>

#include "store/schema.hpp"
#include "store_test_util.hpp"

namespace cardd {
namespace {

class LedgerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto opened = openStore(dir_.file("cardd.db"));
    ASSERT_TRUE(opened.ok()) << opened.error().message;
    db_ = std::move(opened).value();
    ledger_ = std::make_unique<LedgerStore>(*db_, clock_);
  }

  LotReceipt lot(std::string name, std::int64_t quantity) {
    LotReceipt r;
    r.lot = std::move(name);
    r.supplier = "PT Kartu";
    r.quantity = quantity;
    return r;
  }

  LotBalance balanceOf(const std::string& name) {
    auto s = ledger_->summary();
    EXPECT_TRUE(s.ok());
    for (const auto& b : s->lots)
      if (b.lot == name) return b;
    ADD_FAILURE() << "no lot " << name;
    return {};
  }

  void consume(const std::string& printer, bool issued, std::string reason = "") {
    CardConsumption c;
    c.printer = printer;
    c.issued = issued;
    c.reason = std::move(reason);
    ASSERT_TRUE(ledger_->consume(c, station_).ok());
  }

  testing::TempDir dir_;
  ManualClock clock_{1'800'000'000'000};
  std::unique_ptr<Database> db_;
  std::unique_ptr<LedgerStore> ledger_;
  const Actor supervisor_{1001, "supervisor"};
  const Actor operator_{1002, "operator"};
  const Actor station_{0, "cardd"};
};

TEST_F(LedgerTest, ADayAtTheCounterBalancesPerLotAndInTotal) {
  auto r = lot("L-2026-01", 500);
  r.serial_first = "BLK000001";
  r.serial_last = "BLK000500";
  ASSERT_TRUE(ledger_->receive(r, supervisor_).ok());
  ASSERT_TRUE(ledger_->receive(lot("L-2026-02", 100), supervisor_).ok());
  FeederLoad load{"P1", "L-2026-01", 100, std::nullopt, std::nullopt};
  ASSERT_TRUE(ledger_->load(load, operator_).ok());
  load.printer = "P2";
  load.quantity = 50;
  ASSERT_TRUE(ledger_->load(load, operator_).ok());
  for (int i = 0; i < 30; ++i) consume("P1", true);
  for (int i = 0; i < 3; ++i) consume("P1", false, "chip-verify-failed");
  for (int i = 0; i < 20; ++i) consume("P2", true);
  Destruction d{"L-2026-01", 2, supervisor_, "shredded"};
  ASSERT_TRUE(ledger_->destroy(d, operator_).ok());

  auto s = ledger_->summary();
  ASSERT_TRUE(s.ok());
  EXPECT_TRUE(s->balanced());
  const LotBalance b = balanceOf("L-2026-01");
  EXPECT_EQ(b.received, 500);
  EXPECT_EQ(b.in_stock, 350);
  EXPECT_EQ(b.in_feeders, 100 - 33 + 50 - 20);
  EXPECT_EQ(b.issued, 50);
  EXPECT_EQ(b.spoiled, 1);
  EXPECT_EQ(b.destroyed, 2);
  EXPECT_TRUE(b.balanced());
  EXPECT_EQ(s->total.received, 600);
  EXPECT_EQ(s->total.in_stock, 450);
  ASSERT_EQ(s->feeders.size(), 2u);
  EXPECT_EQ(s->feeders[0], (FeederBalance{"P1", "L-2026-01", 67}));
  EXPECT_EQ(s->feeders[1], (FeederBalance{"P2", "L-2026-01", 30}));
}

TEST_F(LedgerTest, LoadsTakeTheOldestLotFirstAndMaySpanLots) {
  ASSERT_TRUE(ledger_->receive(lot("A", 10), supervisor_).ok());
  clock_.advance(std::chrono::milliseconds(1000));
  ASSERT_TRUE(ledger_->receive(lot("B", 10), supervisor_).ok());
  auto loaded = ledger_->load({"P1", std::nullopt, 15, std::nullopt, std::nullopt}, operator_);
  ASSERT_TRUE(loaded.ok()) << loaded.error().message;
  ASSERT_EQ(loaded->size(), 2u);
  EXPECT_EQ((*loaded)[0].lot, "A");
  EXPECT_EQ((*loaded)[0].quantity, 10);
  EXPECT_EQ((*loaded)[1].lot, "B");
  EXPECT_EQ((*loaded)[1].quantity, 5);
  // Consumption is FIFO within the feeder: lot A empties first.
  for (int i = 0; i < 11; ++i) consume("P1", true);
  EXPECT_EQ(balanceOf("A").issued, 10);
  EXPECT_EQ(balanceOf("B").issued, 1);
  auto feeder = ledger_->feeder("P1");
  ASSERT_TRUE(feeder.ok());
  ASSERT_EQ(feeder->size(), 1u);
  EXPECT_EQ((*feeder)[0], (FeederBalance{"P1", "B", 4}));
}

TEST_F(LedgerTest, RefusesImpossibleMovementsWithTheReason) {
  ASSERT_TRUE(ledger_->receive(lot("A", 10), supervisor_).ok());
  auto again = ledger_->receive(lot("A", 5), supervisor_);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, ErrorCode::ValidationFailed);
  EXPECT_EQ(again.error().fields.at(0).pointer, "/lot");

  auto too_many = ledger_->load({"P1", "A", 11, std::nullopt, std::nullopt}, operator_);
  ASSERT_FALSE(too_many.ok());
  EXPECT_NE(too_many.error().message.find("only 10 cards in stock"), std::string::npos);

  auto unknown = ledger_->load({"P1", "Z", 1, std::nullopt, std::nullopt}, operator_);
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error().code, ErrorCode::NotFound);

  auto bad_range = lot("B", 10);
  bad_range.serial_first = "X0001";
  bad_range.serial_last = "X0020";
  auto refused = ledger_->receive(bad_range, supervisor_);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().message.find("holds 20 cards, not 10"), std::string::npos);

  // Nothing spoiled yet: nothing to destroy.
  auto destroy = ledger_->destroy({"A", 1, supervisor_, ""}, operator_);
  ASSERT_FALSE(destroy.ok());
  EXPECT_NE(destroy.error().message.find("only 0 spoiled"), std::string::npos);
}

TEST_F(LedgerTest, DestructionNeedsASecondPerson) {
  ASSERT_TRUE(ledger_->receive(lot("A", 10), supervisor_).ok());
  ASSERT_TRUE(ledger_->load({"P1", "A", 5, std::nullopt, std::nullopt}, operator_).ok());
  consume("P1", false, "media-jam");
  auto alone = ledger_->destroy({"A", 1, operator_, ""}, operator_);
  ASSERT_FALSE(alone.ok());
  EXPECT_EQ(alone.error().fields.at(0).pointer, "/witness");
  auto witnessed = ledger_->destroy({"A", 1, supervisor_, ""}, operator_);
  ASSERT_TRUE(witnessed.ok());
  EXPECT_EQ(witnessed->witness->user, "supervisor");
  EXPECT_EQ(balanceOf("A").destroyed, 1);
  EXPECT_EQ(balanceOf("A").spoiled, 0);
}

TEST_F(LedgerTest, ConsumptionIsNeverRefusedAndAnEmptyBookShowsAnImbalance) {
  ASSERT_TRUE(ledger_->receive(lot("A", 10), supervisor_).ok());
  ASSERT_TRUE(ledger_->load({"P1", "A", 1, std::nullopt, std::nullopt}, operator_).ok());
  consume("P1", true);
  consume("P1", true);  // A card the book did not know was in the feeder.
  auto s = ledger_->summary();
  ASSERT_TRUE(s.ok());
  EXPECT_FALSE(s->balanced());
  ASSERT_FALSE(s->imbalances.empty());
  EXPECT_NE(s->imbalances[0].find("feeder of P1 holds -1"), std::string::npos);
  // A stock-take of the feeder posts the correction and balances again.
  auto counted = ledger_->stockTake({{"A", StockLocation::Feeder, "P1", 0}}, "monthly count",
                                    supervisor_, operator_);
  ASSERT_TRUE(counted.ok()) << counted.error().message;
  ASSERT_EQ(counted->size(), 1u);
  EXPECT_EQ((*counted)[0].quantity, 1);
  s = ledger_->summary();
  ASSERT_TRUE(s.ok());
  EXPECT_TRUE(s->balanced()) << s->imbalances.at(0);
  EXPECT_EQ(s->total.adjustments, 1);
}

TEST_F(LedgerTest, StockTakePostsSignedAdjustmentsOnlyForDifferences) {
  ASSERT_TRUE(ledger_->receive(lot("A", 100), supervisor_).ok());
  auto counted = ledger_->stockTake({{"A", StockLocation::Stock, std::nullopt, 97}}, "audit",
                                    supervisor_, std::nullopt);
  ASSERT_TRUE(counted.ok());
  ASSERT_EQ(counted->size(), 1u);
  EXPECT_EQ((*counted)[0].quantity, -3);
  EXPECT_EQ((*counted)[0].note, "counted 97, book 100");
  auto same = ledger_->stockTake({{"A", StockLocation::Stock, std::nullopt, 97}}, "audit",
                                 supervisor_, std::nullopt);
  ASSERT_TRUE(same.ok());
  EXPECT_TRUE(same->empty());
  const LotBalance b = balanceOf("A");
  EXPECT_EQ(b.in_stock, 97);
  EXPECT_EQ(b.adjustments, -3);
  EXPECT_TRUE(b.balanced());
}

TEST_F(LedgerTest, PrinterReportingEmptyZeroesTheBookFeeder) {
  ASSERT_TRUE(ledger_->receive(lot("A", 100), supervisor_).ok());
  ASSERT_TRUE(ledger_->load({"P1", "A", 20, std::nullopt, std::nullopt}, operator_).ok());
  for (int i = 0; i < 18; ++i) consume("P1", true);
  auto corrected = ledger_->correctFeederEmpty("P1", station_);
  ASSERT_TRUE(corrected.ok());
  ASSERT_EQ(corrected->size(), 1u);
  EXPECT_EQ((*corrected)[0].quantity, -2);
  EXPECT_EQ((*corrected)[0].reason, "printer-reported-empty");
  auto feeder = ledger_->feeder("P1");
  ASSERT_TRUE(feeder.ok());
  EXPECT_TRUE(feeder->empty());
  auto s = ledger_->summary();
  ASSERT_TRUE(s.ok());
  EXPECT_TRUE(s->balanced());
}

TEST_F(LedgerTest, UnloadReturnsCardsToStock) {
  ASSERT_TRUE(ledger_->receive(lot("A", 50), supervisor_).ok());
  ASSERT_TRUE(ledger_->load({"P1", "A", 20, std::nullopt, std::nullopt}, operator_).ok());
  ASSERT_FALSE(ledger_->unload("P1", 21, operator_).ok());
  ASSERT_TRUE(ledger_->unload("P1", std::nullopt, operator_).ok());
  EXPECT_EQ(balanceOf("A").in_stock, 50);
  EXPECT_EQ(balanceOf("A").in_feeders, 0);
}

TEST_F(LedgerTest, TheFileRefusesEditsAndDeletes) {
  ASSERT_TRUE(ledger_->receive(lot("A", 50), supervisor_).ok());
  auto upd = db_->exec("UPDATE ledger SET quantity = 5");
  ASSERT_FALSE(upd.ok());
  EXPECT_NE(upd.error().message.find("append-only"), std::string::npos);
  EXPECT_FALSE(db_->exec("DELETE FROM ledger").ok());
  auto entries = ledger_->entries(0, 10);
  ASSERT_TRUE(entries.ok());
  ASSERT_EQ(entries->size(), 1u);
  EXPECT_EQ((*entries)[0].quantity, 50);
  EXPECT_EQ((*entries)[0].actor.user, "supervisor");
}

TEST_F(LedgerTest, DestructionIsRequestedByOnePersonAndWitnessedByAnother) {
  ASSERT_TRUE(ledger_->receive(lot("A", 10), supervisor_).ok());
  ASSERT_TRUE(ledger_->load({"P1", "A", 5, std::nullopt, std::nullopt}, operator_).ok());
  consume("P1", false, "media-jam");
  consume("P1", false, "chip-verify-failed");
  auto request = ledger_->requestDestruction("A", 2, "shredder", operator_);
  ASSERT_TRUE(request.ok()) << request.error().message;
  EXPECT_EQ(request->state, "awaiting-witness");
  // Cards set aside by a pending request cannot be asked for twice.
  auto twice = ledger_->requestDestruction("A", 1, "", supervisor_);
  ASSERT_FALSE(twice.ok());
  EXPECT_NE(twice.error().message.find("only 0 spoiled"), std::string::npos);
  // Not yet destroyed in the books.
  EXPECT_EQ(balanceOf("A").destroyed, 0);
  auto self = ledger_->witnessDestruction(request->id, operator_);
  ASSERT_FALSE(self.ok());
  EXPECT_EQ(self.error().fields.at(0).pointer, "/witness");
  auto witnessed = ledger_->witnessDestruction(request->id, supervisor_);
  ASSERT_TRUE(witnessed.ok()) << witnessed.error().message;
  EXPECT_EQ(witnessed->state, "destroyed");
  EXPECT_EQ(witnessed->witness->user, "supervisor");
  EXPECT_EQ(balanceOf("A").destroyed, 2);
  auto again = ledger_->witnessDestruction(request->id, supervisor_);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, ErrorCode::IllegalTransition);
  auto pending = ledger_->destructions(true);
  ASSERT_TRUE(pending.ok());
  EXPECT_TRUE(pending->empty());
}

TEST(LedgerSummary, SerialRanges) {
  EXPECT_EQ(serialRangeSize("BLK000001", "BLK000500"), 500);
  EXPECT_EQ(serialRangeSize("7", "7"), 1);
  EXPECT_FALSE(serialRangeSize("A001", "B002"));
  EXPECT_FALSE(serialRangeSize("A010", "A001"));
  EXPECT_FALSE(serialRangeSize("ABC", "ABC"));
  EXPECT_FALSE(serialRangeSize("A01", "A001"));
}

}  // namespace
}  // namespace cardd
