#include "jobs/job_state_machine.hpp"

namespace cardd {

Status checkTransition(JobState from, JobState to) {
  using S = JobState;
  bool legal = false;
  switch (from) {
    case S::Pending:
      legal = to == S::PendingHeld || to == S::Processing || to == S::Canceled;
      break;
    case S::PendingHeld:
      legal = to == S::Pending || to == S::Canceled;
      break;
    case S::Processing:
      legal = to == S::ProcessingStopped || to == S::Completed || to == S::Aborted ||
              to == S::Canceled || to == S::Pending;
      break;
    case S::ProcessingStopped:
      legal = to == S::Processing || to == S::Pending || to == S::Completed || to == S::Aborted ||
              to == S::Canceled;
      break;
    case S::Completed:
    case S::Canceled:
    case S::Aborted:
      legal = false;
      break;
  }
  if (legal) return Ok{};
  std::string msg = "a job cannot go from ";
  msg += jobStateName(from);
  msg += " to ";
  msg += jobStateName(to);
  if (isTerminal(from)) msg += " (it has already ended)";
  return Error(ErrorCode::IllegalTransition, msg);
}

Result<TransitionPlan> planAction(JobState from, JobAction action, bool by_owner) {
  TransitionPlan plan{JobState::Pending, {}};
  switch (action) {
    case JobAction::Cancel:
      plan.to = JobState::Canceled;
      plan.reasons = {by_owner ? "job-canceled-by-user" : "job-canceled-by-operator"};
      break;
    case JobAction::Hold:
      if (from != JobState::Pending) {
        return Error(ErrorCode::IllegalTransition,
                     std::string("only a pending job can be held; this job is ") +
                         std::string(jobStateName(from)));
      }
      plan.to = JobState::PendingHeld;
      plan.reasons = {"job-hold-until-specified"};
      break;
    case JobAction::Release:
      if (from != JobState::PendingHeld) {
        return Error(ErrorCode::IllegalTransition,
                     std::string("only a held job can be released; this job is ") +
                         std::string(jobStateName(from)));
      }
      plan.to = JobState::Pending;
      plan.reasons = {"job-queued"};
      break;
  }
  if (auto st = checkTransition(from, plan.to); !st) return std::move(st).error();
  return plan;
}

std::vector<std::string> initialReasons(bool held) {
  if (held) return {"job-hold-until-specified"};
  return {"job-queued"};
}

}  // namespace cardd
