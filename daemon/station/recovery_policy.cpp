#include "station/recovery_policy.hpp"

#include <array>

namespace cardd::station {
namespace {

constexpr std::array<std::string_view, 4> kStepNames = {"feed-requested", "at-station", "printing",
                                                        "eject-requested"};

}  // namespace

std::string_view attemptStepName(AttemptStep step) {
  return kStepNames[static_cast<std::size_t>(step)];
}

std::optional<AttemptStep> parseAttemptStep(std::string_view name) {
  for (std::size_t i = 0; i < kStepNames.size(); ++i) {
    if (kStepNames[i] == name) return static_cast<AttemptStep>(i);
  }
  return std::nullopt;
}

std::string_view recoveryActionName(RecoveryAction action) {
  switch (action) {
    case RecoveryAction::RejectSpoilAndRerun:
      return "reject-spoil-rerun";
    case RecoveryAction::SpoilAndRerun:
      return "spoil-rerun";
    case RecoveryAction::VoidAndRerun:
      return "void-rerun";
    case RecoveryAction::ConfirmIssued:
      return "confirm-issued";
    case RecoveryAction::WaitForPrinter:
      return "wait-for-printer";
  }
  return "wait-for-printer";
}

RecoveryAction recoveryFor(AttemptStep last_step, std::optional<drivers::CardPosition> position) {
  if (!position) return RecoveryAction::WaitForPrinter;
  const bool inside = *position != drivers::CardPosition::None;
  if (inside) return RecoveryAction::RejectSpoilAndRerun;
  // No card inside. Only an eject we asked for can have issued it.
  if (last_step == AttemptStep::EjectRequested) return RecoveryAction::ConfirmIssued;
  if (last_step == AttemptStep::FeedRequested) return RecoveryAction::VoidAndRerun;
  return RecoveryAction::SpoilAndRerun;
}

}  // namespace cardd::station
