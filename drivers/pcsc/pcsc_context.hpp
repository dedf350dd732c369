#pragma once
// PcscContext: one PC/SC resource-manager context (SCardEstablishContext)
// for the encoder's worker thread: lists readers, waits for a card, connects.
//
// Bounded waits: waitForCard() / waitForRemoval() return WaitOutcome::Timeout
// as a value when the deadline passes, and Cancelled when cancel() was called
// (from any thread, e.g. at shutdown or job cancel). They never hang past
// their timeout. A reader that does not exist (or disappeared) is an error
// with PcscFailure::ReaderRemoved.
//
// pcscd restarts: a context (and every card handle made from it) dies with
// the pcscd that served it. listReaders(), waitFor*() and connect() notice
// (SCARD_E_NO_SERVICE / SCARD_E_SERVICE_STOPPED / SCARD_E_INVALID_HANDLE),
// re-establish the context once and retry; if pcscd is still not there the
// error says so (PcscFailure::ServiceStopped). generation() counts
// re-establishments: a channel connected under an older generation is dead.
//
// Errors are cardd::Error values from pcsc_error.hpp; lastFailure() keeps the
// class of the last one. Threading: one worker thread uses the context;
// cancel() is safe from any thread. Not movable (cancel() reads the handle).

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/result.hpp"
#include "pcsc/pcsc_card_channel.hpp"
#include "pcsc/pcsc_error.hpp"

namespace cardd::drivers::pcsc {

enum class WaitOutcome : std::uint8_t { CardPresent, CardAbsent, Timeout, Cancelled };

std::string_view waitOutcomeName(WaitOutcome outcome);

class PcscContext {
 public:
  // SCardEstablishContext(SCARD_SCOPE_SYSTEM). Error: pcscd not running
  // (ServiceStopped) or another PC/SC failure.
  static Result<std::unique_ptr<PcscContext>> establish();

  ~PcscContext();
  PcscContext(const PcscContext&) = delete;
  PcscContext& operator=(const PcscContext&) = delete;

  // Reader names as pcscd lists them; empty when there are none.
  Result<std::vector<std::string>> listReaders();

  // Until a card is present in `reader` (CardPresent, at once if it already
  // is), `timeout` passes (Timeout) or cancel() (Cancelled).
  Result<WaitOutcome> waitForCard(const std::string& reader, std::chrono::milliseconds timeout);
  // Until `reader` is empty (CardAbsent), Timeout or Cancelled.
  Result<WaitOutcome> waitForRemoval(const std::string& reader, std::chrono::milliseconds timeout);

  // Connects to the card in `reader`.
  Result<std::unique_ptr<PcscCardChannel>> connect(const std::string& reader,
                                                   const ConnectOptions& options = {});

  // Releases the context (if still valid) and establishes a new one.
  Status reestablish();
  // Interrupts a waitFor*() in progress (SCardCancel). Any thread.
  void cancel();

  std::uint64_t generation() const { return generation_; }
  PcscFailure lastFailure() const { return lastFailure_; }

 private:
  PcscContext() = default;
  Result<WaitOutcome> waitFor(const std::string& reader, bool present,
                              std::chrono::milliseconds timeout);
  Result<WaitOutcome> waitOnce(const std::string& reader, bool present,
                               std::chrono::milliseconds timeout);
  Result<std::vector<std::string>> listOnce();
  Result<std::unique_ptr<PcscCardChannel>> connectOnce(const std::string& reader,
                                                       const ConnectOptions& options);
  Error fail(long code, const char* operation, const std::string& reader);
  // Whether the last failure calls for a re-establish-and-retry, and did it.
  bool recovered();

  std::atomic<long> context_{0};
  bool valid_ = false;
  std::uint64_t generation_ = 0;
  PcscFailure lastFailure_ = PcscFailure::None;
};

}  // namespace cardd::drivers::pcsc
