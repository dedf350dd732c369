#pragma once
// FakeEncoder: a station::EncoderPort for the station worker's unit tests
// (no pcscd, no vpcd). Every card that reaches the contact station gets a
// fresh blank e-ID chip (applets/eid EidApplet) whose SCP03 keys derive from
// the station's master key and the chip's serial, which increments per card.
// connect() returns an ApduChannel to that chip in process: commands and
// responses go through the real APDU codec (AppletChannel of the
// personalisation tests).
//
// Scripting:
//   - per fed card, a ChipScript: a blank chip (default), no chip at all (the
//     worker's wait times out), a card pulled after N APDUs (the channel
//     fails from then on and the chip is gone), or a chip that starts
//     answering 6581 (memory failure) after N APDUs and stays present;
//   - a queue of waitForCard() outcomes (Present / Timeout / Cancelled, or an
//     Error: the reader itself is gone); by default Present when a chip
//     answers, else Timeout — at once, without sleeping;
//   - a queue of connect() errors, and a reader error that persists until
//     cleared (the reader unplugged, pcscd stopped).
// The card path comes from the printer: wireCardPath() makes the fake
// printer tell the encoder when a card arrives at the contact station and
// when it leaves.
//
// Threading: every method is safe from any thread (one mutex, held during a
// transmit too): the worker uses the port and its channel on its thread
// while the test scripts and inspects it.

#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/bytes.hpp"
#include "eid/eid_applet.hpp"
#include "scripted_printer.hpp"
#include "station/encoder_port.hpp"

namespace cardd::test::station {

// What the next card fed to the contact station carries.
struct ChipScript {
  bool present = true;                    // false: no chip answers in the reader
  std::optional<std::size_t> pull_after;  // the card is pulled after this many APDUs
  std::optional<std::size_t> fail_after;  // then the chip answers 6581 to everything

  static ChipScript blank() { return ChipScript{}; }
  static ChipScript absent() { return ChipScript{false, std::nullopt, std::nullopt}; }
  static ChipScript pulledAfter(std::size_t apdus) { return ChipScript{true, apdus, std::nullopt}; }
  static ChipScript failingAfter(std::size_t apdus) {
    return ChipScript{true, std::nullopt, apdus};
  }
};

class FakeEncoder final : public cardd::station::EncoderPort {
 public:
  // `master_key`: the station master key set (16, 24 or 32 bytes) the chips'
  // keys derive from; `first_serial`: the first chip's 8-byte serial.
  explicit FakeEncoder(applets::Bytes master_key,
                       std::uint64_t first_serial = 0x4344'4400'0000'0001ULL);
  ~FakeEncoder() override;

  // ---- the card path -----------------------------------------------------
  // A card reached the contact station: a fresh chip per the next ChipScript.
  void cardArrived();
  // The card left the contact station (printed, ejected, rejected).
  void cardLeft();

  // ---- scripting -----------------------------------------------------------
  void scriptChip(ChipScript chip);
  void scriptWait(Result<Wait> outcome);
  void scriptConnectError(Error error);
  // While set, the reader itself is unusable: every waitForCard() and
  // connect() fails with `error` (after the scripted queues are used up).
  void setReaderError(std::optional<Error> error);
  // Runs before each waitForCard ("wait") and connect ("connect"), on the
  // calling thread, without the mutex held. Set before the worker starts.
  void setHook(std::function<void(std::string_view)> hook);

  // ---- inspection ----------------------------------------------------------
  // The serials (hex, as the personaliser reports them) of every chip
  // created, in order.
  std::vector<std::string> serials() const;
  std::size_t apdus() const;  // APDUs that reached a chip
  std::size_t waits() const;
  std::size_t connects() const;
  std::size_t releases() const;
  bool chipPresent() const;

  // ---- station::EncoderPort ----------------------------------------------
  Result<Wait> waitForCard(std::chrono::milliseconds timeout) override;
  Result<applets::apdu::ApduChannel*> connect() override;
  void release() override;
  void cancel() override;
  std::string name() const override { return "Fake Encoder 00 00"; }

 private:
  class ChipChannel;
  void runHook(std::string_view call);
  struct Card {
    ChipScript script;
    std::unique_ptr<applets::eid::EidApplet> chip;  // null: no chip answers
    std::size_t apdus = 0;
    bool pulled = false;
  };

  mutable std::mutex mutex_;
  applets::Bytes master_key_;
  std::uint64_t next_serial_;
  std::deque<ChipScript> chip_scripts_;
  std::deque<Result<Wait>> waits_script_;
  std::deque<Error> connect_errors_;
  std::optional<Error> reader_error_;
  std::vector<std::unique_ptr<Card>> cards_;  // every card fed, in order
  Card* current_ = nullptr;                   // the card at the station
  std::unique_ptr<ChipChannel> channel_;
  std::vector<std::string> serials_;
  std::size_t apdus_ = 0;
  std::size_t waits_ = 0;
  std::size_t connects_ = 0;
  std::size_t releases_ = 0;
  bool cancelled_ = false;
  std::function<void(std::string_view)> hook_;
};

// Makes `printer` tell `encoder` when a card arrives at (or leaves) the
// contact station. Both must outlive the printer's use.
void wireCardPath(FakePrinterDriver& printer, FakeEncoder& encoder);

}  // namespace cardd::test::station
