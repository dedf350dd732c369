// Dispatch: priority then FIFO, capability, load balancing, waiting versus
// unservable.

#include "station/dispatch_policy.hpp"

#include <gtest/gtest.h>

namespace cardd::station {
namespace {

PrinterFacts printer(std::string id, std::int64_t today = 0) {
  PrinterFacts p;
  p.id = std::move(id);
  p.ribbons = {"ymcko"};
  p.card_stock = {"pvc-chip"};
  p.has_encoder = true;
  p.cards_today = today;
  return p;
}

JobNeeds job(JobId id, int priority = 50) {
  JobNeeds j;
  j.id = id;
  j.priority = priority;
  j.ribbon = "ymcko";
  j.card_stock = "pvc-chip";
  return j;
}

TEST(DispatchPolicy, HigherPriorityFirstThenArrivalOrder) {
  auto plan = planDispatch({job(5), job(3), job(9, 80), job(4)}, {printer("P1"), printer("P2")});
  ASSERT_EQ(plan.assignments.size(), 2u);
  EXPECT_EQ(plan.assignments[0].job, 9);
  EXPECT_EQ(plan.assignments[1].job, 3);
  EXPECT_TRUE(plan.unservable.empty());
}

TEST(DispatchPolicy, LeastLoadedPrinterWinsAndTiesGoToTheLowestId) {
  auto plan = planDispatch({job(1), job(2), job(3)},
                           {printer("P1", 40), printer("P2", 10), printer("P3", 10)});
  ASSERT_EQ(plan.assignments.size(), 3u);
  EXPECT_EQ(plan.assignments[0], (Assignment{1, "P2"}));
  EXPECT_EQ(plan.assignments[1], (Assignment{2, "P3"}));
  EXPECT_EQ(plan.assignments[2], (Assignment{3, "P1"}));
}

TEST(DispatchPolicy, FaultedPausedBusyAndOfflinePrintersGetNothing) {
  std::vector<PrinterFacts> printers = {printer("P1"), printer("P2"), printer("P3"), printer("P4"),
                                        printer("P5", 99)};
  printers[0].readiness = PrinterReadiness::Faulted;
  printers[1].readiness = PrinterReadiness::Paused;
  printers[2].readiness = PrinterReadiness::Busy;
  printers[3].readiness = PrinterReadiness::Offline;
  auto plan = planDispatch({job(1), job(2)}, printers);
  ASSERT_EQ(plan.assignments.size(), 1u);
  EXPECT_EQ(plan.assignments[0], (Assignment{1, "P5"}));
  EXPECT_TRUE(plan.unservable.empty()) << "job 2 waits, it is not unservable";
}

TEST(DispatchPolicy, AJobGoesOnlyToAPrinterThatCanDoIt) {
  std::vector<PrinterFacts> printers = {printer("P1"), printer("P2", 50)};
  printers[0].has_encoder = false;  // P1 prints faces only
  auto plan = planDispatch({job(1)}, printers);
  ASSERT_EQ(plan.assignments.size(), 1u);
  EXPECT_EQ(plan.assignments[0].printer, "P2");

  JobNeeds face_only = job(2);
  face_only.needs_encoder = false;
  plan = planDispatch({face_only}, printers);
  EXPECT_EQ(plan.assignments.at(0).printer, "P1");  // less loaded, and able
}

TEST(DispatchPolicy, JobsNoPrinterCouldEverDoAreUnservableWithTheReason) {
  JobNeeds k_only = job(1);
  k_only.ribbon = "k";
  JobNeeds other_stock = job(2);
  other_stock.card_stock = "pvc-plain";
  std::vector<PrinterFacts> printers = {printer("P1")};
  printers[0].readiness = PrinterReadiness::Faulted;  // state does not matter for this
  auto plan = planDispatch({k_only, other_stock, job(3)}, printers);
  EXPECT_TRUE(plan.assignments.empty());
  ASSERT_EQ(plan.unservable.size(), 2u);
  EXPECT_EQ(plan.unservable[0].job, 1);
  EXPECT_EQ(plan.unservable[0].reason, "no printer has the k ribbon");
  EXPECT_EQ(plan.unservable[1].reason, "no printer holds pvc-plain cards");
  EXPECT_EQ(planDispatch({job(7)}, {}).unservable.at(0).reason, "no printer is configured");
}

TEST(DispatchPolicy, OneJobPerPrinterPerRound) {
  auto plan = planDispatch({job(1), job(2), job(3)}, {printer("P1")});
  ASSERT_EQ(plan.assignments.size(), 1u);
  EXPECT_EQ(plan.assignments[0].job, 1);
}

}  // namespace
}  // namespace cardd::station
