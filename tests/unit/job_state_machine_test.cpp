#include "jobs/job_state_machine.hpp"

#include <gtest/gtest.h>

#include <set>
#include <utility>

namespace cardd {
namespace {

using S = JobState;
constexpr S kAll[] = {S::Pending,   S::PendingHeld, S::Processing, S::ProcessingStopped,
                      S::Completed, S::Canceled,    S::Aborted};

// The whole legal relation, written out independently of the implementation.
const std::set<std::pair<S, S>> kLegal = {
    {S::Pending, S::PendingHeld},
    {S::Pending, S::Processing},
    {S::Pending, S::Canceled},
    {S::PendingHeld, S::Pending},
    {S::PendingHeld, S::Canceled},
    {S::Processing, S::ProcessingStopped},
    {S::Processing, S::Completed},
    {S::Processing, S::Aborted},
    {S::Processing, S::Canceled},
    {S::Processing, S::Pending},
    {S::ProcessingStopped, S::Processing},
    {S::ProcessingStopped, S::Pending},
    {S::ProcessingStopped, S::Completed},
    {S::ProcessingStopped, S::Aborted},
    {S::ProcessingStopped, S::Canceled},
};

TEST(JobStateMachine, EveryPairIsLegalExactlyWhenListed) {
  int illegal = 0;
  for (S from : kAll) {
    for (S to : kAll) {
      const auto st = checkTransition(from, to);
      const bool expected = kLegal.contains({from, to});
      EXPECT_EQ(st.ok(), expected) << jobStateName(from) << " -> " << jobStateName(to);
      if (!st.ok()) {
        ++illegal;
        EXPECT_EQ(st.error().code, ErrorCode::IllegalTransition);
        EXPECT_NE(st.error().message.find(std::string(jobStateName(from))), std::string::npos);
        EXPECT_NE(st.error().message.find(std::string(jobStateName(to))), std::string::npos);
      }
    }
  }
  EXPECT_EQ(illegal, 49 - static_cast<int>(kLegal.size()));
}

TEST(JobStateMachine, TerminalStatesNeverMove) {
  for (S from : {S::Completed, S::Canceled, S::Aborted}) {
    EXPECT_TRUE(isTerminal(from));
    for (S to : kAll) EXPECT_FALSE(checkTransition(from, to).ok());
  }
}

TEST(JobStateMachine, HoldOnlyFromPending) {
  for (S from : kAll) {
    auto plan = planAction(from, JobAction::Hold, true);
    EXPECT_EQ(plan.ok(), from == S::Pending) << jobStateName(from);
    if (plan) {
      EXPECT_EQ(plan->to, S::PendingHeld);
      EXPECT_EQ(plan->reasons, std::vector<std::string>{"job-hold-until-specified"});
    }
  }
}

TEST(JobStateMachine, ReleaseOnlyFromHeld) {
  for (S from : kAll) {
    auto plan = planAction(from, JobAction::Release, true);
    EXPECT_EQ(plan.ok(), from == S::PendingHeld) << jobStateName(from);
    if (plan) {
      EXPECT_EQ(plan->to, S::Pending);
    }
  }
}

TEST(JobStateMachine, CancelFromEveryLiveState) {
  for (S from : kAll) {
    auto plan = planAction(from, JobAction::Cancel, false);
    EXPECT_EQ(plan.ok(), !isTerminal(from)) << jobStateName(from);
    if (plan) {
      EXPECT_EQ(plan->reasons, std::vector<std::string>{"job-canceled-by-operator"});
    }
  }
  EXPECT_EQ(planAction(S::Pending, JobAction::Cancel, true)->reasons,
            std::vector<std::string>{"job-canceled-by-user"});
}

TEST(JobStateMachine, StateNamesAreIppNamesAndRoundTrip) {
  EXPECT_EQ(jobStateName(S::PendingHeld), "pending-held");
  EXPECT_EQ(jobStateName(S::ProcessingStopped), "processing-stopped");
  for (S s : kAll) EXPECT_EQ(parseJobState(jobStateName(s)), s);
  EXPECT_FALSE(parseJobState("held").has_value());
}

}  // namespace
}  // namespace cardd
