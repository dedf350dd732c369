#pragma once
// FakePrinterDriver: a drivers::PrinterDriver whose behaviour a test scripts,
// for the station worker's unit tests (no printer, no emulator).
//
// Per call kind the fake holds a queue of scripted outcomes and a default
// outcome used once the queue is empty:
//   - movements (feed, printAndEject, eject, reject, clean, reset): a Move —
//     what the call returns, where the card is afterwards, which
//     printer-state-reasons status() reports from then on, and whether the
//     printer stops (or starts) answering;
//   - status(): a Result<PrinterStatus>; by default the fake's current
//     reasons (offline-error while offline);
//   - cardPosition(): a Result<CardPosition>; by default the tracked position
//     (Unavailable while offline);
//   - identify(): a Result<PrinterIdentity>; by default a fixed identity.
// The fake tracks the card itself unless a Move says otherwise: a successful
// feed puts a card at the contact (or contactless) station; a successful
// printAndEject, eject or reject leaves no card inside; a failed call leaves
// the card where it was. While offline every movement fails (Unavailable).
//
// Every call is appended to a log in order, so a test can assert "reject
// came after the failed personalisation" or "no feed after a fault". A hook
// runs before each call (e.g. to read the store at that moment) and a
// listener hears every change of the card's position (to put a chip into
// the fake encoder when a card reaches the contact station).
//
// Threading: every method is safe from any thread (one mutex): the worker
// calls the driver on its thread while the test scripts and reads the log.
// The hook and the listener run on the calling thread without the mutex
// held; set them before the worker starts.

#include <cstddef>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "printer/printer.hpp"

namespace cardd::test::station {

enum class PrinterCall {
  Identify,
  Status,
  CardPosition,
  Feed,  // feedToContactStation
  FeedContactless,
  PrintAndEject,
  Eject,
  Reject,
  Clean,
  Reset,
};

// "identify", "status", "card-position", "feed", "feed-contactless",
// "print-and-eject", "eject", "reject", "clean", "reset".
std::string_view printerCallName(PrinterCall call);

// A printer-state-reason, e.g. reason(Condition::MediaJam) = media-jam-error.
drivers::StateReason reason(drivers::Condition condition,
                            drivers::Severity severity = drivers::Severity::Error);

// What one movement call does.
struct Move {
  Status result = Ok();
  // Where the card is after the call; empty: the fake's rule (see above).
  std::optional<drivers::CardPosition> position;
  // What status() reports after the call; empty: unchanged.
  std::optional<std::vector<drivers::StateReason>> reasons;
  // The printer stops (true) or starts (false) answering after the call.
  std::optional<bool> offline;

  static Move ok() { return Move{}; }
  static Move fail(ErrorCode code, std::string message);
  Move& leaving(drivers::CardPosition where) {
    position = where;
    return *this;
  }
  Move& reporting(std::vector<drivers::StateReason> now) {
    reasons = std::move(now);
    return *this;
  }
  Move& goingOffline() {
    offline = true;
    return *this;
  }
};

class FakePrinterDriver final : public drivers::PrinterDriver {
 public:
  using Hook = std::function<void(PrinterCall)>;
  using PositionListener = std::function<void(drivers::CardPosition)>;

  FakePrinterDriver();

  // ---- scripting -------------------------------------------------------
  // Queues the outcome of the next unscripted call of `call` (a movement).
  void script(PrinterCall call, Move move);
  // The outcome of `call` (a movement) once its queue is empty.
  void setDefault(PrinterCall call, Move move);
  void scriptStatus(Result<drivers::PrinterStatus> status);
  void scriptCardPosition(Result<drivers::CardPosition> position);
  void scriptIdentify(Result<drivers::PrinterIdentity> identity);
  // The printer's state as the fake's defaults report it.
  void setReasons(std::vector<drivers::StateReason> reasons);
  void setOffline(bool offline);
  void setPosition(drivers::CardPosition position);

  void setHook(Hook hook);
  void setPositionListener(PositionListener listener);

  // ---- inspection ------------------------------------------------------
  std::vector<PrinterCall> calls() const;
  // The last 40 calls as names joined by spaces ("identify status feed
  // ..."), for readable assertion messages.
  std::string callLog() const;
  std::size_t count(PrinterCall call) const;
  drivers::CardPosition position() const;
  std::vector<drivers::StateReason> reasons() const;
  // The cards the printer printed (printAndEject that returned Ok), and
  // how many front panels the last card handed to printAndEject had.
  std::size_t printed() const;
  std::size_t lastFrontPanels() const;
  std::size_t lastBackPanels() const;

  // ---- drivers::PrinterDriver ------------------------------------------
  Result<drivers::PrinterIdentity> identify() override;
  Result<drivers::PrinterStatus> status() override;
  Result<drivers::CardPosition> cardPosition() override;
  Status feedToContactStation() override;
  Status feedToContactlessStation() override;
  Status printAndEject(const drivers::PreparedCard& card) override;
  Status eject() override;
  Status reject() override;
  Status clean() override;
  Status reset() override;

 private:
  // Logs `call`, runs the hook, then applies the movement's scripted (or
  // default) outcome.
  Status move(PrinterCall call);
  void before(PrinterCall call);

  mutable std::mutex mutex_;
  std::map<PrinterCall, std::deque<Move>> moves_;
  std::map<PrinterCall, Move> defaults_;
  std::deque<Result<drivers::PrinterStatus>> statuses_;
  std::deque<Result<drivers::CardPosition>> positions_;
  std::deque<Result<drivers::PrinterIdentity>> identities_;
  std::vector<drivers::StateReason> reasons_;
  bool offline_ = false;
  drivers::CardPosition position_ = drivers::CardPosition::None;
  std::vector<PrinterCall> log_;
  std::size_t printed_ = 0;
  std::size_t last_front_panels_ = 0;
  std::size_t last_back_panels_ = 0;
  Hook hook_;
  PositionListener listener_;
};

}  // namespace cardd::test::station
