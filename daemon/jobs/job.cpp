#include "jobs/job.hpp"

#include <array>
#include <utility>

namespace cardd {
namespace {

constexpr std::array<std::pair<JobState, std::string_view>, 7> kNames{{
    {JobState::Pending, "pending"},
    {JobState::PendingHeld, "pending-held"},
    {JobState::Processing, "processing"},
    {JobState::ProcessingStopped, "processing-stopped"},
    {JobState::Completed, "completed"},
    {JobState::Canceled, "canceled"},
    {JobState::Aborted, "aborted"},
}};

}  // namespace

std::string_view jobStateName(JobState s) {
  for (const auto& [state, name] : kNames) {
    if (state == s) return name;
  }
  return "pending";
}

std::optional<JobState> parseJobState(std::string_view name) {
  for (const auto& [state, n] : kNames) {
    if (n == name) return state;
  }
  return std::nullopt;
}

bool isTerminal(JobState s) {
  return s == JobState::Completed || s == JobState::Canceled || s == JobState::Aborted;
}

}  // namespace cardd
