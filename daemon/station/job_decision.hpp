#pragma once
// What happens to a job after one of its card attempts ended: the retry
// rule of the station, as a pure function.
//
//   issued                         -> completed
//   spoiled, the card failed       -> pending again on a fresh blank, until
//                                     issuance.max_attempts card failures:
//                                     then aborted (reason max-attempts-reached)
//   spoiled or void, the printer   -> pending again (another printer may take
//   failed or was interrupted         it); a job interrupted more than
//                                     kMaxInterruptions times is aborted
//                                     (reason too-many-interruptions), so a
//                                     job can never loop forever
//   invalid job data               -> aborted (reason document-format-error)
//
// Pure; thread-safe.

#include <string>
#include <vector>

#include "jobs/job.hpp"

namespace cardd::station {

inline constexpr int kMaxInterruptions = 20;

struct AttemptSummary {
  bool issued = false;
  bool card_failure = false;  // this attempt's card failed (counts toward max_attempts)
  bool data_invalid = false;  // the job's data cannot make a card (no retry helps)
  int card_failures = 0;      // card failures of the job so far, this attempt included
  int interruptions =
      0;  // attempts ended without an issued card and no card failure, this one included
};

struct JobDecision {
  JobState to = JobState::Pending;
  std::vector<std::string> reasons;
};

JobDecision decideAfterAttempt(const AttemptSummary& attempt, int max_attempts);

}  // namespace cardd::station
