#pragma once
// What to do, after a restart, with a card attempt that was in flight when
// cardd stopped (crash, power cut, kill -9). The exactly-once rule (DESIGN.md,
// Card attempt): a job has at most one issued card, so a card is never
// printed twice by guesswork.
//
// The station journals each step before telling the device to act. On
// restart, for every attempt that did not end, the last journaled step and
// the printer's answer to "where is the card?" decide:
//
//   last step                 card still inside      no card inside
//   ----------------------    --------------------   ------------------------------
//   feed requested            reject, spoil, rerun   void (**), rerun
//   at station / encoding     reject, spoil, rerun   spoil (*), rerun
//   printing                  reject, spoil, rerun   spoil (*), rerun
//   eject requested           reject, spoil, rerun   confirm-issued: stop the job
//                                                    for an operator (the card may
//                                                    be in the output hopper)
//   printer unreachable       wait: decide when it answers
//
// (*) The card left the printer without an eject we asked for: it was
// rejected or removed by hand; it cannot have been issued, so it is spoiled
// (reason interrupted) and the job runs again.
// (**) The feed was journaled but no card is inside: almost always cardd
// stopped between the journal write and the feed (the blank is still in the
// feeder), so nothing is consumed. A blank fed and then pulled out by hand
// in that moment would leave the book one card high: a stock-take finds it.
//
// Pure; thread-safe.

#include <optional>
#include <string_view>

#include "printer/printer.hpp"

namespace cardd::station {

enum class AttemptStep {
  FeedRequested,
  AtStation,  // at the contact station, chip being written or verified
  Printing,
  EjectRequested,
};

std::string_view attemptStepName(AttemptStep step);  // "feed-requested", ...
std::optional<AttemptStep> parseAttemptStep(std::string_view name);

enum class RecoveryAction {
  RejectSpoilAndRerun,  // tell the printer to reject; record spoiled (interrupted); job pending
  SpoilAndRerun,        // nothing to move; record spoiled (interrupted); job pending
  VoidAndRerun,         // no blank was consumed; attempt void; job pending
  ConfirmIssued,        // job processing-stopped, reason confirm-issued, for an operator
  WaitForPrinter,       // the printer did not answer: ask again later
};

std::string_view recoveryActionName(RecoveryAction action);

// `position` is empty when the printer could not be asked (offline).
RecoveryAction recoveryFor(AttemptStep last_step, std::optional<drivers::CardPosition> position);

}  // namespace cardd::station
