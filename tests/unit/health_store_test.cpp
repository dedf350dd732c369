// Device health in SQLite (migration 5): the fault log and its triggers,
// wear counters per printer and reader, the maintenance log and what each
// action resets, the alert lifecycle, and the consumption history read from
// the blank-card ledger.

#include "store/health_store.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <functional>

#include "../health/health_test_util.hpp"
#include "store/attempt_store.hpp"
#include "store/job_store.hpp"
#include "store/ledger_store.hpp"
#include "store/schema.hpp"
#include "store/store_committer.hpp"
#include "store_test_util.hpp"

namespace cardd {
namespace {

using health::AlertRecord;
using health::AlertSeverity;
using health::AlertState;
using health::FaultQuery;
using health::FaultRecord;
using health::MaintenanceAction;
using health::MaintenanceRecord;
using health::PrinterWear;
using health::WearDelta;
using health::test_support::makeAlert;
using health::test_support::makeFault;

constexpr std::int64_t kDay = 86'400'000;
constexpr std::int64_t kHour = 3'600'000;
// Midnight UTC, 2027-01-15.
constexpr std::int64_t kMidnight = 1'799'971'200'000;
static_assert(kMidnight % kDay == 0);

// Seeds for the other stores: a job for the specimen template, and a lot of
// blanks from the usual supplier.
Result<SubmitOutcome> submitSpecimenJob(JobStore& jobs, std::vector<JobEvent>& ev) {
  NewJob nj;
  nj.template_id = "ektp-specimen";
  nj.profile_id = "cardd-eid";
  nj.payload = "{}";
  return jobs.submit(nj, Actor{1000, "operator"}, ev);
}

LotReceipt lotReceipt(const std::string& lot, std::int64_t quantity) {
  LotReceipt r;
  r.lot = lot;
  r.supplier = "PT Kartu";
  r.quantity = quantity;
  return r;
}

class HealthStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto opened = openStore(dir_.file("cardd.db"));
    ASSERT_TRUE(opened.ok()) << opened.error().message;
    db_ = std::move(opened).value();
    health_ = std::make_unique<HealthStore>(*db_, clock_);
    ledger_ = std::make_unique<LedgerStore>(*db_, clock_);
  }

  FaultRecord fault(const std::string& device, const std::string& reason, std::int64_t at,
                    std::string severity = "error", std::string kind = "printer") {
    FaultRecord f = makeFault(at, device, std::move(kind), reason, std::move(severity));
    f.raw = "status words 0x0012";
    auto opened = health_->openFault(f);
    EXPECT_TRUE(opened.ok()) << opened.error().message;
    return opened.ok() ? *opened : FaultRecord{};
  }

  AlertRecord raise(const std::string& rule, const std::string& subject,
                    AlertSeverity severity = AlertSeverity::Warning) {
    AlertRecord a =
        makeAlert(rule, subject, severity, "Blank stock is low: order more cards.", clock_.nowMs());
    a.value = 0.1;
    a.threshold = 1.0 / 3.0;
    auto raised = health_->raiseAlert(a);
    EXPECT_TRUE(raised.ok()) << raised.error().message;
    return raised.ok() ? *raised : AlertRecord{};
  }

  std::vector<std::string> reasons(const FaultQuery& q) {
    auto got = health_->faults(q);
    EXPECT_TRUE(got.ok()) << got.error().message;
    std::vector<std::string> out;
    if (got.ok())
      for (const auto& f : *got) out.push_back(f.device + ":" + f.reason);
    return out;
  }

  // Raw SQL on the same connection, bypassing HealthStore.
  bool sqlSucceeds(const std::string& sql) { return db_->exec(sql).ok(); }

  void stock(const std::string& lot, const std::string& printer, std::int64_t cards) {
    ASSERT_TRUE(ledger_->receive(lotReceipt(lot, 500), supervisor_).ok());
    FeederLoad load{printer, lot, cards, std::nullopt, std::nullopt};
    ASSERT_TRUE(ledger_->load(load, technician_).ok());
  }

  // `n` cards consumed on `printer` at `at`.
  void consume(const std::string& printer, std::int64_t at, int n, bool issued = true) {
    clock_.advance(std::chrono::milliseconds(at - clock_.nowMs()));
    for (int i = 0; i < n; ++i) {
      CardConsumption c;
      c.printer = printer;
      c.issued = issued;
      c.reason = issued ? "" : "chip-personalisation-failed";
      auto e = ledger_->consume(c, station_);
      ASSERT_TRUE(e.ok()) << e.error().message;
    }
  }

  testing::TempDir dir_;
  ManualClock clock_{kMidnight + 8 * kHour};
  std::unique_ptr<Database> db_;
  std::unique_ptr<HealthStore> health_;
  std::unique_ptr<LedgerStore> ledger_;
  const Actor supervisor_{1001, "supervisor"};
  const Actor technician_{1002, "technician"};
  const Actor station_{0, "cardd"};
};

// ---- Fault log ---------------------------------------------------------------

TEST_F(HealthStoreTest, AFaultOpensActiveAndClearsExactlyOnce) {
  const std::int64_t t0 = clock_.nowMs();
  FaultRecord f = fault("P1", "media-jam", t0);
  EXPECT_GT(f.id, 0);
  EXPECT_FALSE(f.cleared_at_ms.has_value());
  EXPECT_EQ(f.durationMs(), std::nullopt);

  auto cleared = health_->clearFault(f.id, t0 + 90'000);
  ASSERT_TRUE(cleared.ok()) << cleared.error().message;
  EXPECT_EQ(cleared->cleared_at_ms, t0 + 90'000);
  EXPECT_EQ(cleared->durationMs(), 90'000);
  EXPECT_EQ(cleared->raw, "status words 0x0012");

  auto again = health_->clearFault(f.id, t0 + 120'000);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, ErrorCode::IllegalTransition);
  auto stored = health_->faults(FaultQuery{});
  ASSERT_TRUE(stored.ok());
  ASSERT_EQ(stored->size(), 1u);
  EXPECT_EQ(stored->front(), *cleared);  // the second clear changed nothing

  auto unknown = health_->clearFault(9999, t0);
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error().code, ErrorCode::NotFound);
}

TEST_F(HealthStoreTest, AnInstantFaultAndAClockStepBackNeverGiveANegativeDuration) {
  const std::int64_t t0 = clock_.nowMs();
  FaultRecord chip = makeFault(t0, "P1", "encoder", "chip-not-detected", "error");
  chip.cleared_at_ms = t0;
  chip.job_id = 7;
  chip.attempt_id = 12;
  auto instant = health_->openFault(chip);
  ASSERT_TRUE(instant.ok()) << instant.error().message;
  EXPECT_EQ(instant->durationMs(), 0);
  EXPECT_EQ(instant->job_id, 7);
  EXPECT_EQ(instant->attempt_id, 12);

  FaultRecord open = fault("P1", "cover-open", t0, "warning");
  auto cleared = health_->clearFault(open.id, t0 - 5'000);
  ASSERT_TRUE(cleared.ok());
  EXPECT_EQ(cleared->durationMs(), 0);

  auto active = health_->activeFaults();
  ASSERT_TRUE(active.ok());
  EXPECT_TRUE(active->empty());
}

TEST_F(HealthStoreTest, FaultsWithAnUnknownKindOrSeverityAreRefused) {
  FaultRecord f = makeFault(0, "P1", "scanner", "media-jam", "error");
  auto bad_kind = health_->openFault(f);
  ASSERT_FALSE(bad_kind.ok());
  EXPECT_EQ(bad_kind.error().code, ErrorCode::InvalidArgument);
  f.device_kind = "printer";
  f.severity = "media-jam-error";
  auto bad_severity = health_->openFault(f);
  ASSERT_FALSE(bad_severity.ok());
  EXPECT_EQ(bad_severity.error().code, ErrorCode::InvalidArgument);
  f.severity = "error";
  f.device = "";
  EXPECT_FALSE(health_->openFault(f).ok());
  EXPECT_EQ(*db_->queryInt("SELECT count(*) FROM faults"), 0);
}

TEST_F(HealthStoreTest, TheSchemaRefusesEditingOrDeletingFaultsBehindTheStoresBack) {
  const std::int64_t t0 = clock_.nowMs();
  FaultRecord open = fault("P1", "media-jam", t0);
  FaultRecord done = fault("P1", "cover-open", t0, "warning");
  ASSERT_TRUE(health_->clearFault(done.id, t0 + 1000).ok());
  const auto id = [](const FaultRecord& f) { return std::to_string(f.id); };

  EXPECT_FALSE(sqlSucceeds("UPDATE faults SET reason = 'ribbon-empty' WHERE id = " + id(open)));
  EXPECT_FALSE(sqlSucceeds("UPDATE faults SET severity = 'report' WHERE id = " + id(open)));
  EXPECT_FALSE(sqlSucceeds("UPDATE faults SET raised_at = 1 WHERE id = " + id(open)));
  EXPECT_FALSE(sqlSucceeds("UPDATE faults SET cleared_at = 5 WHERE id = " + id(done)));
  EXPECT_FALSE(sqlSucceeds("UPDATE faults SET cleared_at = NULL WHERE id = " + id(done)));
  EXPECT_FALSE(sqlSucceeds("DELETE FROM faults WHERE id = " + id(open)));
  EXPECT_FALSE(sqlSucceeds("DELETE FROM faults WHERE id = " + id(done)));
  // Clearing an active fault is the one change allowed.
  EXPECT_TRUE(sqlSucceeds("UPDATE faults SET cleared_at = raised_at + 10 WHERE id = " + id(open)));
  EXPECT_EQ(*db_->queryInt("SELECT count(*) FROM faults"), 2);
  EXPECT_EQ(*db_->queryInt("SELECT count(*) FROM faults WHERE reason = 'media-jam' AND "
                           "severity = 'error' AND cleared_at IS NOT NULL"),
            1);
}

TEST_F(HealthStoreTest, FaultQueriesFilterByDeviceSinceReasonAndActiveNewestFirst) {
  const std::int64_t t0 = clock_.nowMs();
  FaultRecord a = fault("P1", "media-jam", t0);
  fault("P2", "media-jam", t0 + 1000);
  FaultRecord c = fault("P1", "cover-open", t0 + 2000, "warning");
  fault("P1", "chip-not-detected", t0 + 3000, "error", "encoder");
  fault("P2", "ribbon-empty", t0 + 4000);
  ASSERT_TRUE(health_->clearFault(a.id, t0 + 5000).ok());
  ASSERT_TRUE(health_->clearFault(c.id, t0 + 5000).ok());

  using V = std::vector<std::string>;
  EXPECT_EQ(reasons(FaultQuery{}), (V{"P2:ribbon-empty", "P1:chip-not-detected", "P1:cover-open",
                                      "P2:media-jam", "P1:media-jam"}));
  FaultQuery by_device;
  by_device.device = "P1";
  EXPECT_EQ(reasons(by_device), (V{"P1:chip-not-detected", "P1:cover-open", "P1:media-jam"}));
  FaultQuery since;
  since.since_ms = t0 + 2000;  // at or after
  EXPECT_EQ(reasons(since), (V{"P2:ribbon-empty", "P1:chip-not-detected", "P1:cover-open"}));
  FaultQuery by_reason;
  by_reason.reason = "media-jam";
  EXPECT_EQ(reasons(by_reason), (V{"P2:media-jam", "P1:media-jam"}));
  FaultQuery active;
  active.active_only = true;
  EXPECT_EQ(reasons(active), (V{"P2:ribbon-empty", "P1:chip-not-detected", "P2:media-jam"}));
  FaultQuery limited;
  limited.limit = 2;
  EXPECT_EQ(reasons(limited), (V{"P2:ribbon-empty", "P1:chip-not-detected"}));
  FaultQuery combined;
  combined.device = "P2";
  combined.reason = "media-jam";
  combined.since_ms = t0;
  combined.active_only = true;
  EXPECT_EQ(reasons(combined), (V{"P2:media-jam"}));
  FaultQuery none;
  none.device = "P9";
  EXPECT_TRUE(reasons(none).empty());
}

TEST_F(HealthStoreTest, ActiveFaultsOfEveryDeviceComeOldestFirst) {
  const std::int64_t t0 = clock_.nowMs();
  FaultRecord late = fault("P1", "cover-open", t0 + 500, "warning");
  FaultRecord early = fault("P2", "media-jam", t0);
  FaultRecord gone = fault("P1", "ribbon-empty", t0 + 100);
  ASSERT_TRUE(health_->clearFault(gone.id, t0 + 200).ok());
  auto active = health_->activeFaults();
  ASSERT_TRUE(active.ok());
  ASSERT_EQ(active->size(), 2u);
  EXPECT_EQ((*active)[0], early);
  EXPECT_EQ((*active)[1], late);
}

// ---- Wear --------------------------------------------------------------------

TEST_F(HealthStoreTest, PrinterWearIsCreatedOnceAndAddsUp) {
  const std::int64_t t0 = clock_.nowMs();
  auto fresh = health_->printerWear("P1");
  ASSERT_TRUE(fresh.ok()) << fresh.error().message;
  EXPECT_EQ(fresh->printer, "P1");
  EXPECT_EQ(fresh->head_installed_ms, t0);
  EXPECT_EQ(fresh->cards, 0);

  clock_.advance(std::chrono::hours(1));
  auto same = health_->printerWear("P1");
  ASSERT_TRUE(same.ok());
  EXPECT_EQ(*same, *fresh);  // not re-created

  auto after = health_->addWear("P1", WearDelta{1, 2, 40'000, 3'000, 0, 0});
  ASSERT_TRUE(after.ok()) << after.error().message;
  after = health_->addWear("P1", WearDelta{1, 5, 45'000, 0, 1, 60'000});
  ASSERT_TRUE(after.ok());
  PrinterWear want = *fresh;
  want.cards = 2;
  want.panels = 7;
  want.cards_since_cleaning = 2;
  want.cards_since_ribbon = 2;
  want.head_passes = 7;
  want.busy_ms = 85'000;
  want.hot_ms = 3'000;
  want.forced_pauses = 1;
  want.rest_ms = 60'000;
  want.updated_ms = clock_.nowMs();
  EXPECT_EQ(*after, want);
  auto reread = health_->printerWear("P1");
  ASSERT_TRUE(reread.ok());
  EXPECT_EQ(*reread, want);

  // A printer never seen gets its row on its first card.
  ASSERT_TRUE(health_->addWear("P0", WearDelta{1, 1, 0, 0, 0, 0}).ok());
  auto all = health_->allPrinterWear();
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[0].printer, "P0");
  EXPECT_EQ((*all)[0].head_installed_ms, clock_.nowMs());
  EXPECT_EQ((*all)[1], want);

  auto negative = health_->addWear("P1", WearDelta{-1, 0, 0, 0, 0, 0});
  ASSERT_FALSE(negative.ok());
  EXPECT_EQ(negative.error().code, ErrorCode::InvalidArgument);
  EXPECT_FALSE(health_->printerWear("").ok());
}

TEST_F(HealthStoreTest, AReaderCountsInsertionsAndADifferentReaderStartsAfresh) {
  const std::int64_t t0 = clock_.nowMs();
  auto r = health_->readerWear("P1", "ACS ACR1281 00 00");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->installed_ms, t0);
  EXPECT_EQ(r->insertions, 0);
  EXPECT_EQ(r->recent, "");

  ASSERT_TRUE(health_->recordInsertion("P1", "ACS ACR1281 00 00", false).ok());
  ASSERT_TRUE(health_->recordInsertion("P1", "ACS ACR1281 00 00", true).ok());
  auto after = health_->recordInsertion("P1", "ACS ACR1281 00 00", false);
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(after->insertions, 3);
  EXPECT_EQ(after->chip_failures, 1);
  EXPECT_EQ(after->recent, "010");
  EXPECT_EQ(after->installed_ms, t0);
  auto stored = health_->readerWear("P1", "ACS ACR1281 00 00");
  ASSERT_TRUE(stored.ok());
  EXPECT_EQ(*stored, *after);

  // The technician swapped the encoder: another reader name, a new row.
  clock_.advance(std::chrono::hours(2));
  auto swapped = health_->readerWear("P1", "Identiv uTrust 3700 F 00 00");
  ASSERT_TRUE(swapped.ok());
  EXPECT_EQ(swapped->reader, "Identiv uTrust 3700 F 00 00");
  EXPECT_EQ(swapped->installed_ms, clock_.nowMs());
  EXPECT_EQ(swapped->insertions, 0);
  EXPECT_EQ(swapped->chip_failures, 0);
  EXPECT_EQ(swapped->recent, "");
  EXPECT_EQ(*db_->queryInt("SELECT count(*) FROM reader_wear"), 1);
  // Another printer's reader is separate.
  ASSERT_TRUE(health_->recordInsertion("P2", "ACS ACR1281 00 00", true).ok());
  auto p1 = health_->readerWear("P1", "Identiv uTrust 3700 F 00 00");
  ASSERT_TRUE(p1.ok());
  EXPECT_EQ(p1->insertions, 0);
  auto all = health_->allReaderWear();
  ASSERT_TRUE(all.ok()) << all.error().message;
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[0], *p1);
  EXPECT_EQ((*all)[1].printer, "P2");
  EXPECT_EQ((*all)[1].recent, "1");
}

TEST_F(HealthStoreTest, TheRollingWindowKeepsOnlyTheMostRecentCards) {
  const std::string reader = "ACS ACR1281 00 00";
  // 10 failures first, then kReaderWindow good cards: the failures roll out.
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(health_->recordInsertion("P1", reader, true).ok());
  std::optional<health::ReaderWear> last;
  for (std::size_t i = 0; i < health::kReaderWindow; ++i) {
    auto r = health_->recordInsertion("P1", reader, i % 10 == 9);
    ASSERT_TRUE(r.ok()) << r.error().message;
    last = *r;
  }
  ASSERT_TRUE(last.has_value());
  EXPECT_EQ(last->recent.size(), health::kReaderWindow);
  EXPECT_EQ(last->insertions, 10 + static_cast<std::int64_t>(health::kReaderWindow));
  EXPECT_EQ(last->chip_failures, 15);
  EXPECT_EQ(last->recent.substr(0, 10), "0000000001");
  EXPECT_EQ(std::count(last->recent.begin(), last->recent.end(), '1'), 5);
  EXPECT_DOUBLE_EQ(last->recentFailureRate(), 5.0 / static_cast<double>(health::kReaderWindow));
  auto stored = health_->readerWear("P1", reader);
  ASSERT_TRUE(stored.ok());
  EXPECT_EQ(*stored, *last);
  // The schema holds the window too.
  EXPECT_FALSE(sqlSucceeds("UPDATE reader_wear SET recent = recent || '0' WHERE printer = 'P1'"));
}

// ---- Maintenance -------------------------------------------------------------

class HealthMaintenanceTest : public HealthStoreTest {
 protected:
  // P1 with some wear and a reader that has seen cards; P2 as a bystander.
  void SetUp() override {
    HealthStoreTest::SetUp();
    for (const char* p : {"P1", "P2"}) {
      ASSERT_TRUE(health_->addWear(p, WearDelta{40, 120, 1'000'000, 5'000, 2, 120'000}).ok());
      ASSERT_TRUE(health_->recordInsertion(p, "ACS ACR1281 00 00", true).ok());
      ASSERT_TRUE(health_->recordInsertion(p, "ACS ACR1281 00 00", false).ok());
    }
    clock_.advance(std::chrono::hours(3));
  }

  MaintenanceRecord record(MaintenanceAction action, const std::string& printer = "P1") {
    MaintenanceRecord m;
    m.at_ms = clock_.nowMs();
    m.printer = printer;
    m.action = action;
    m.actor = "technician";
    m.note = "ribbon lot R5F008-2291";
    auto done = health_->recordMaintenance(m);
    EXPECT_TRUE(done.ok()) << done.error().message;
    return done.ok() ? *done : MaintenanceRecord{};
  }

  PrinterWear wear(const std::string& printer) {
    auto w = health_->printerWear(printer);
    EXPECT_TRUE(w.ok());
    return w.ok() ? *w : PrinterWear{};
  }
  health::ReaderWear reader(const std::string& printer) {
    auto r = health_->readerWear(printer, "ACS ACR1281 00 00");
    EXPECT_TRUE(r.ok());
    return r.ok() ? *r : health::ReaderWear{};
  }

  // Records `action` on P1 and checks that P1's wear changed as `reset` says
  // (and its update time), while P1's reader and printer P2 stayed as they were.
  MaintenanceRecord expectResetOnP1(MaintenanceAction action,
                                    const std::function<void(PrinterWear&)>& reset) {
    PrinterWear want = wear("P1");
    const auto reader_before = reader("P1");
    const auto p2_before = wear("P2");
    auto m = record(action);
    reset(want);
    want.updated_ms = clock_.nowMs();
    EXPECT_EQ(wear("P1"), want);
    EXPECT_EQ(reader("P1"), reader_before);
    EXPECT_EQ(wear("P2"), p2_before);
    return m;
  }
};

TEST_F(HealthMaintenanceTest, CleaningResetsTheCleaningCountOnly) {
  auto m = expectResetOnP1(MaintenanceAction::Cleaning, [&](PrinterWear& want) {
    want.cards_since_cleaning = 0;
    want.cleanings = 1;
    want.last_cleaning_ms = clock_.nowMs();
  });
  EXPECT_GT(m.id, 0);
}

TEST_F(HealthMaintenanceTest, APrintheadReplacementResetsTheHeadOnly) {
  expectResetOnP1(MaintenanceAction::PrintheadReplaced, [&](PrinterWear& want) {
    want.head_installed_ms = clock_.nowMs();
    want.head_passes = 0;
  });
  EXPECT_EQ(wear("P1").panels, 120);  // lifetime panels stay
}

TEST_F(HealthMaintenanceTest, ARibbonLoadResetsTheRibbonCountOnly) {
  expectResetOnP1(MaintenanceAction::RibbonLoaded, [&](PrinterWear& want) {
    want.ribbon_changes = 1;
    want.cards_since_ribbon = 0;
    want.ribbon_loaded_ms = clock_.nowMs();
  });
}

TEST_F(HealthMaintenanceTest, AReaderReplacementResetsTheReaderOnly) {
  const PrinterWear before = wear("P1");
  const auto p2_reader = reader("P2");
  record(MaintenanceAction::ReaderReplaced);
  EXPECT_EQ(wear("P1"), before);
  health::ReaderWear want;
  want.printer = "P1";
  want.reader = "ACS ACR1281 00 00";
  want.installed_ms = clock_.nowMs();
  EXPECT_EQ(reader("P1"), want);
  EXPECT_EQ(reader("P2"), p2_reader);
  // A printer whose reader was never seen: recorded, nothing to reset.
  record(MaintenanceAction::ReaderReplaced, "P3");
  EXPECT_EQ(*db_->queryInt("SELECT count(*) FROM reader_wear WHERE printer = 'P3'"), 0);
}

TEST_F(HealthMaintenanceTest, TheLogIsAppendOnlyAndListsNewestFirst) {
  auto first = record(MaintenanceAction::Cleaning);
  clock_.advance(std::chrono::minutes(5));
  auto second = record(MaintenanceAction::RibbonLoaded, "P2");
  clock_.advance(std::chrono::minutes(5));
  auto third = record(MaintenanceAction::PrintheadReplaced);

  auto all = health_->maintenance("", 10);
  ASSERT_TRUE(all.ok()) << all.error().message;
  ASSERT_EQ(all->size(), 3u);
  EXPECT_EQ((*all)[0], third);
  EXPECT_EQ((*all)[1], second);
  EXPECT_EQ((*all)[2], first);
  EXPECT_EQ(first.note, "ribbon lot R5F008-2291");
  auto p1 = health_->maintenance("P1", 10);
  ASSERT_TRUE(p1.ok());
  ASSERT_EQ(p1->size(), 2u);
  EXPECT_EQ((*p1)[0].action, MaintenanceAction::PrintheadReplaced);
  EXPECT_EQ((*p1)[1].action, MaintenanceAction::Cleaning);
  auto one = health_->maintenance("", 1);
  ASSERT_TRUE(one.ok());
  ASSERT_EQ(one->size(), 1u);
  EXPECT_EQ(one->front(), third);

  EXPECT_FALSE(sqlSucceeds("UPDATE maintenance SET note = 'x'"));
  EXPECT_FALSE(sqlSucceeds("DELETE FROM maintenance"));
  EXPECT_EQ(*db_->queryInt("SELECT count(*) FROM maintenance"), 3);

  MaintenanceRecord nobody;
  nobody.printer = "P1";
  EXPECT_FALSE(health_->recordMaintenance(nobody).ok());
}

// ---- Alerts ------------------------------------------------------------------

TEST_F(HealthStoreTest, AnAlertIsRaisedAcknowledgedAndClearedForwardOnly) {
  const std::int64_t t0 = clock_.nowMs();
  AlertRecord a = raise(std::string(health::kRuleBlankStockLow), "station");
  EXPECT_GT(a.id, 0);
  EXPECT_EQ(a.state, AlertState::Raised);
  EXPECT_EQ(a.updated_at_ms, t0);
  auto stored = health_->alert(a.id);
  ASSERT_TRUE(stored.ok());
  EXPECT_EQ(*stored, a);  // value 0.1 and threshold 1/3 read back exactly

  // Raised once while open.
  AlertRecord dup = a;
  auto twice = health_->raiseAlert(dup);
  ASSERT_FALSE(twice.ok());
  EXPECT_EQ(twice.error().code, ErrorCode::IllegalTransition);

  auto acked = health_->acknowledgeAlert(a.id, "supervisor", t0 + 1000);
  ASSERT_TRUE(acked.ok()) << acked.error().message;
  EXPECT_EQ(acked->state, AlertState::Acknowledged);
  EXPECT_EQ(acked->acknowledged_by, "supervisor");
  EXPECT_EQ(acked->acknowledged_at_ms, t0 + 1000);
  // Acknowledging again changes nothing.
  auto again = health_->acknowledgeAlert(a.id, "technician", t0 + 2000);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, *acked);

  // Updates keep it acknowledged.
  auto updated = health_->updateAlert(a.id, AlertSeverity::Critical, 3, 10,
                                      "Blank stock is critical.", t0 + 3000);
  ASSERT_TRUE(updated.ok()) << updated.error().message;
  EXPECT_EQ(updated->state, AlertState::Acknowledged);
  EXPECT_EQ(updated->severity, AlertSeverity::Critical);
  EXPECT_EQ(updated->value, 3);
  EXPECT_EQ(updated->message, "Blank stock is critical.");
  EXPECT_EQ(updated->updated_at_ms, t0 + 3000);

  auto cleared = health_->clearAlert(a.id, t0 + 4000);
  ASSERT_TRUE(cleared.ok());
  EXPECT_EQ(cleared->state, AlertState::Cleared);
  EXPECT_EQ(cleared->cleared_at_ms, t0 + 4000);
  EXPECT_EQ(cleared->acknowledged_by, "supervisor");

  for (auto r : {health_->clearAlert(a.id, t0 + 5000),
                 health_->acknowledgeAlert(a.id, "supervisor", t0 + 5000),
                 health_->updateAlert(a.id, AlertSeverity::Critical, 1, 10, "x", t0 + 5000)}) {
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, ErrorCode::IllegalTransition);
  }
  auto still = health_->alert(a.id);
  ASSERT_TRUE(still.ok());
  EXPECT_EQ(*still, *cleared);

  // Once cleared, the same condition may raise a new alert.
  AlertRecord next = raise(std::string(health::kRuleBlankStockLow), "station");
  EXPECT_NE(next.id, a.id);

  auto unknown = health_->acknowledgeAlert(4242, "supervisor", t0);
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error().code, ErrorCode::NotFound);
}

TEST_F(HealthStoreTest, ARaisedAlertMayClearWithoutAcknowledgement) {
  AlertRecord a = raise(std::string(health::kRuleCleaningDue), "P1", AlertSeverity::Info);
  auto cleared = health_->clearAlert(a.id, clock_.nowMs() + 10);
  ASSERT_TRUE(cleared.ok());
  EXPECT_EQ(cleared->state, AlertState::Cleared);
  EXPECT_FALSE(cleared->acknowledged_at_ms.has_value());
  EXPECT_EQ(cleared->acknowledged_by, "");
}

TEST_F(HealthStoreTest, AnAlertsSeverityIsNeverLowered) {
  AlertRecord a = raise(std::string(health::kRuleRibbonLow), "P1", AlertSeverity::Critical);
  auto lower =
      health_->updateAlert(a.id, AlertSeverity::Warning, 12, 20, "Ribbon low.", clock_.nowMs() + 1);
  ASSERT_TRUE(lower.ok());
  EXPECT_EQ(lower->severity, AlertSeverity::Critical);
  EXPECT_EQ(lower->value, 12);

  AlertRecord b = raise(std::string(health::kRuleRibbonLow), "P2", AlertSeverity::Info);
  auto up = health_->updateAlert(b.id, AlertSeverity::Warning, 1, 2, "m", clock_.nowMs());
  ASSERT_TRUE(up.ok());
  EXPECT_EQ(up->severity, AlertSeverity::Warning);

  // The schema holds both rules against raw SQL too.
  const std::string id = std::to_string(a.id);
  EXPECT_FALSE(sqlSucceeds("UPDATE alerts SET severity = 'info' WHERE id = " + id));
  ASSERT_TRUE(health_->acknowledgeAlert(a.id, "supervisor", clock_.nowMs()).ok());
  EXPECT_FALSE(sqlSucceeds("UPDATE alerts SET state = 'raised' WHERE id = " + id));
  EXPECT_FALSE(sqlSucceeds("UPDATE alerts SET subject = 'P9' WHERE id = " + id));
  EXPECT_FALSE(sqlSucceeds("DELETE FROM alerts WHERE id = " + id));
  ASSERT_TRUE(health_->clearAlert(a.id, clock_.nowMs()).ok());
  EXPECT_FALSE(sqlSucceeds("UPDATE alerts SET message = 'edited' WHERE id = " + id));
  EXPECT_FALSE(sqlSucceeds(
      "INSERT INTO alerts (rule, subject, severity, state, message, raised_at, updated_at) "
      "VALUES ('ribbon-low', 'P2', 'info', 'raised', 'dup', 1, 1)"));  // P2 still open
}

TEST_F(HealthStoreTest, OpenAlertsListNewestFirstAndClearedOnlyWhenAsked) {
  AlertRecord a = raise("feeder-low", "P1");
  clock_.advance(std::chrono::minutes(1));
  AlertRecord b = raise("feeder-low", "P2");
  clock_.advance(std::chrono::minutes(1));
  AlertRecord c = raise("printer-faulted", "P1", AlertSeverity::Critical);
  ASSERT_TRUE(health_->acknowledgeAlert(b.id, "technician", clock_.nowMs()).ok());
  ASSERT_TRUE(health_->clearAlert(a.id, clock_.nowMs()).ok());

  auto open = health_->alerts(false, 100);
  ASSERT_TRUE(open.ok());
  ASSERT_EQ(open->size(), 2u);
  EXPECT_EQ((*open)[0].id, c.id);
  EXPECT_EQ((*open)[1].id, b.id);
  EXPECT_EQ((*open)[1].state, AlertState::Acknowledged);
  auto all = health_->alerts(true, 100);
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 3u);
  EXPECT_EQ((*all)[2].id, a.id);
  auto limited = health_->alerts(true, 1);
  ASSERT_TRUE(limited.ok());
  ASSERT_EQ(limited->size(), 1u);
  EXPECT_EQ(limited->front().id, c.id);
}

// ---- Consumption history -------------------------------------------------------

TEST_F(HealthStoreTest, DailyConsumptionGroupsLedgerCardsByUtcDayAndPrinter) {
  stock("L1", "P1", 100);
  stock("L2", "P2", 100);
  consume("P1", kMidnight + 9 * kHour, 3);
  consume("P1", kMidnight + 23 * kHour + 59 * 60'000, 1, false);  // spoiled counts too
  consume("P2", kMidnight + 10 * kHour, 2);
  consume("P1", kMidnight + kDay, 4);  // exactly midnight: the next day
  consume("P2", kMidnight + 3 * kDay + 5 * kHour, 5);
  // Loads and unloads are not consumption.
  ASSERT_TRUE(ledger_->unload("P2", 10, technician_).ok());

  using U = std::vector<health::DailyUsage>;
  auto station = health_->dailyConsumption(kMidnight - kDay, "");
  ASSERT_TRUE(station.ok()) << station.error().message;
  EXPECT_EQ(*station, (U{{kMidnight, 6}, {kMidnight + kDay, 4}, {kMidnight + 3 * kDay, 5}}));
  auto p1 = health_->dailyConsumption(kMidnight - kDay, "P1");
  ASSERT_TRUE(p1.ok());
  EXPECT_EQ(*p1, (U{{kMidnight, 4}, {kMidnight + kDay, 4}}));
  auto p2 = health_->dailyConsumption(0, "P2");
  ASSERT_TRUE(p2.ok());
  EXPECT_EQ(*p2, (U{{kMidnight, 2}, {kMidnight + 3 * kDay, 5}}));
  // since_ms is a time, not a day: an entry before it is left out.
  auto since = health_->dailyConsumption(kMidnight + 12 * kHour, "");
  ASSERT_TRUE(since.ok());
  EXPECT_EQ(*since, (U{{kMidnight, 1}, {kMidnight + kDay, 4}, {kMidnight + 3 * kDay, 5}}));
  auto nobody = health_->dailyConsumption(0, "P9");
  ASSERT_TRUE(nobody.ok());
  EXPECT_TRUE(nobody->empty());
}

TEST_F(HealthStoreTest, CardsIssuedSinceCountsIssuedCardsOfThatPrinter) {
  stock("L1", "P1", 50);
  stock("L2", "P2", 50);
  consume("P1", kMidnight + 9 * kHour, 2);
  consume("P1", kMidnight + 10 * kHour, 3);
  consume("P1", kMidnight + 10 * kHour + 60'000, 4, false);  // spoiled: not issued
  consume("P2", kMidnight + 10 * kHour + 120'000, 6);
  auto last_hour = health_->cardsIssuedSince("P1", kMidnight + 10 * kHour);
  ASSERT_TRUE(last_hour.ok()) << last_hour.error().message;
  EXPECT_EQ(*last_hour, 3);
  EXPECT_EQ(*health_->cardsIssuedSince("P1", 0), 5);
  EXPECT_EQ(*health_->cardsIssuedSince("P2", 0), 6);
  EXPECT_EQ(*health_->cardsIssuedSince("P1", kMidnight + 11 * kHour), 0);
}

TEST_F(HealthStoreTest, CardsIssuedThroughCardAttemptsAreCounted) {
  stock("L1", "P1", 10);
  JobStore jobs(*db_, clock_);
  AttemptStore attempts(*db_, clock_);
  std::vector<JobEvent> ev;
  for (int i = 0; i < 2; ++i) {
    auto sub = submitSpecimenJob(jobs, ev);
    ASSERT_TRUE(sub.ok());
    auto a = attempts.begin(sub->job.id, "P1", ev);
    ASSERT_TRUE(a.ok()) << a.error().message;
    AttemptEnd end;
    end.outcome = i == 0 ? AttemptOutcome::Issued : AttemptOutcome::Spoiled;
    end.reason = i == 0 ? "" : "chip-personalisation-failed";
    ASSERT_TRUE(attempts.finish(a->id, end, *ledger_, station_, ev).ok());
  }
  EXPECT_EQ(*health_->cardsIssuedSince("P1", 0), 1);
  auto days = health_->dailyConsumption(0, "P1");
  ASSERT_TRUE(days.ok());
  ASSERT_EQ(days->size(), 1u);
  EXPECT_EQ(days->front().cards, 2);
  EXPECT_EQ(days->front().day_start_ms, kMidnight);
}

// ---- Connections ---------------------------------------------------------------

TEST_F(HealthStoreTest, AReadOnlyConnectionReadsWithoutCreatingRows) {
  fault("P1", "media-jam", clock_.nowMs());
  ASSERT_TRUE(health_->addWear("P1", WearDelta{1, 2, 0, 0, 0, 0}).ok());
  auto reader_db = openStoreReader(dir_.file("cardd.db"));
  ASSERT_TRUE(reader_db.ok()) << reader_db.error().message;
  HealthStore reader(**reader_db, clock_);
  auto faults = reader.faults(FaultQuery{});
  ASSERT_TRUE(faults.ok());
  EXPECT_EQ(faults->size(), 1u);
  auto p1 = reader.printerWear("P1");
  ASSERT_TRUE(p1.ok());
  EXPECT_EQ(p1->cards, 1);
  auto unseen = reader.printerWear("P7");
  ASSERT_TRUE(unseen.ok()) << unseen.error().message;
  EXPECT_EQ(unseen->cards, 0);
  auto unseen_reader = reader.readerWear("P7", "ACS ACR1281 00 00");
  ASSERT_TRUE(unseen_reader.ok()) << unseen_reader.error().message;
  EXPECT_EQ(*db_->queryInt("SELECT count(*) FROM printer_wear"), 1);
  EXPECT_EQ(*db_->queryInt("SELECT count(*) FROM reader_wear"), 0);
}

TEST(HealthStoreCommitter, TheCommittersTransactionCarriesTheHealthStore) {
  testing::TempDir dir;
  ManualClock clock(kMidnight);
  boost::asio::io_context ioc;
  auto opened = openStore(dir.file("cardd.db"));
  ASSERT_TRUE(opened.ok());
  StoreCommitter committer(std::move(opened).value(), clock, ioc.get_executor(),
                           [](std::vector<JobEvent>) {});
  std::optional<Result<FaultRecord>> got;
  committer.submit<FaultRecord>(
      [](StoreTx& tx) {
        return tx.health.openFault(makeFault(0, "P1", "printer", "cover-open", "warning"));
      },
      ioc.get_executor(), [&](Result<FaultRecord> r) { got.emplace(std::move(r)); });
  while (!got) {
    ioc.run_for(std::chrono::milliseconds(10));
    ioc.restart();
  }
  ASSERT_TRUE(got->ok()) << got->error().message;
  EXPECT_EQ((*got)->raised_at_ms, kMidnight);
  committer.stop();
  auto reader = openStoreReader(dir.file("cardd.db"));
  ASSERT_TRUE(reader.ok());
  EXPECT_EQ(*(*reader)->queryInt("SELECT count(*) FROM faults WHERE reason = 'cover-open'"), 1);
}

// ---- Migration -----------------------------------------------------------------

TEST(HealthStoreMigration, AVersion4StoreIsUpgradedKeepingItsData) {
  testing::TempDir dir;
  const auto path = dir.file("cardd.db");
  ManualClock clock(kMidnight + 8 * kHour);
  {
    auto opened = Database::open(path, Database::Mode::ReadWrite);
    ASSERT_TRUE(opened.ok());
    auto db = std::move(opened).value();
    ASSERT_TRUE(migrateTo(*db, 4).ok());
    JobStore jobs(*db, clock);
    LedgerStore ledger(*db, clock);
    AttemptStore attempts(*db, clock);
    std::vector<JobEvent> ev;
    auto sub = submitSpecimenJob(jobs, ev);
    ASSERT_TRUE(sub.ok());
    ASSERT_TRUE(ledger.receive(lotReceipt("L-OLD", 40), Actor{1001, "supervisor"}).ok());
    ASSERT_TRUE(ledger.load({"P1", "L-OLD", 10, std::nullopt, std::nullopt}, Actor{1, "t"}).ok());
    auto a = attempts.begin(sub->job.id, "P1", ev);
    ASSERT_TRUE(a.ok());
    AttemptEnd end;
    end.outcome = AttemptOutcome::Issued;
    end.chip_serial = "04A1B2C3";
    ASSERT_TRUE(attempts.finish(a->id, end, ledger, Actor{0, "cardd"}, ev).ok());
    ASSERT_TRUE(attempts.setPaused("P1", true, "cleaning", Actor{1002, "technician"}).ok());
    EXPECT_EQ(*db->queryInt("PRAGMA user_version"), 4);
    EXPECT_EQ(*db->queryInt("SELECT count(*) FROM sqlite_master WHERE name = 'faults'"), 0);
  }

  auto opened = openStore(path);
  ASSERT_TRUE(opened.ok()) << opened.error().message;
  auto& db = **opened;
  EXPECT_EQ(*db.queryInt("PRAGMA user_version"), 5);
  // The old data is intact.
  JobStore jobs(db, clock);
  auto job = jobs.get(1);
  ASSERT_TRUE(job.ok()) << job.error().message;
  EXPECT_EQ(job->chip_serial, "04A1B2C3");
  AttemptStore attempts(db, clock);
  auto setting = attempts.printerSetting("P1");
  ASSERT_TRUE(setting.ok());
  EXPECT_TRUE(setting->paused);
  LedgerStore ledger(db, clock);
  auto feeder = ledger.feeder("P1");
  ASSERT_TRUE(feeder.ok());
  ASSERT_EQ(feeder->size(), 1u);
  EXPECT_EQ(feeder->front().cards, 9);

  // Health starts empty and sees the old card in the consumption history.
  HealthStore health(db, clock);
  auto faults = health.faults(FaultQuery{});
  ASSERT_TRUE(faults.ok()) << faults.error().message;
  EXPECT_TRUE(faults->empty());
  auto alerts = health.alerts(true, 10);
  ASSERT_TRUE(alerts.ok());
  EXPECT_TRUE(alerts->empty());
  auto days = health.dailyConsumption(0, "");
  ASSERT_TRUE(days.ok());
  EXPECT_EQ(*days, (std::vector<health::DailyUsage>{{kMidnight, 1}}));
  EXPECT_EQ(*health.cardsIssuedSince("P1", kMidnight), 1);
  auto wear = health.addWear("P1", WearDelta{1, 5, 0, 0, 0, 0});
  ASSERT_TRUE(wear.ok()) << wear.error().message;
  EXPECT_EQ(wear->cards, 1);
}

}  // namespace
}  // namespace cardd
