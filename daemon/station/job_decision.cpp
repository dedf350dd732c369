#include "station/job_decision.hpp"

namespace cardd::station {

JobDecision decideAfterAttempt(const AttemptSummary& attempt, int max_attempts) {
  if (attempt.issued) return {JobState::Completed, {"job-completed-successfully"}};
  if (attempt.data_invalid)
    return {JobState::Aborted, {"aborted-by-system", "document-format-error"}};
  if (attempt.card_failure) {
    if (attempt.card_failures >= max_attempts)
      return {JobState::Aborted, {"aborted-by-system", "max-attempts-reached"}};
    return {JobState::Pending, {"card-spoiled-retrying"}};
  }
  if (attempt.interruptions > kMaxInterruptions)
    return {JobState::Aborted, {"aborted-by-system", "too-many-interruptions"}};
  return {JobState::Pending, {"printer-fault-requeued"}};
}

}  // namespace cardd::station
