#pragma once
// The job state machine. Every state change in cardd goes through
// checkTransition(); the store refuses anything it rejects, so an illegal
// transition can never reach the journal.
//
//   pending ──hold──▶ pending-held ──release──▶ pending
//   pending ──scheduler──▶ processing ──▶ completed | aborted | processing-stopped
//   processing ──requeue (fault, crash recovery)──▶ pending
//   processing-stopped ──▶ processing | pending | completed | aborted
//   any non-terminal ──cancel──▶ canceled
//   completed, canceled, aborted are terminal.

#include <string>
#include <vector>

#include "core/result.hpp"
#include "jobs/job.hpp"

namespace cardd {

// Ok when `from → to` is legal; IllegalTransition naming both states otherwise.
Status checkTransition(JobState from, JobState to);

// The user-facing operations, with the IPP job-state-reasons they record.
enum class JobAction { Cancel, Hold, Release };

struct TransitionPlan {
  JobState to;
  std::vector<std::string> reasons;
};

// Plans `action` on a job in `from`; IllegalTransition when not allowed
// (e.g. hold on a processing job, release on a job that is not held).
Result<TransitionPlan> planAction(JobState from, JobAction action, bool by_owner);

std::vector<std::string> initialReasons(bool held);

}  // namespace cardd
