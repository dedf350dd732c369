#pragma once
// ModelTransport: an in-process drivers::Transport to an emulated printer
// (emulator/printer_model.hpp) on simulated time, for tests that drive the
// real EvolisDriver through weeks of printing in seconds.
//
// What the emulator's server does on its socket (emulator_server.cpp), done
// in the caller's thread: written bytes go through the printer-side frame
// parser; each command is handled by the model (a malformed frame answers
// "ERROR PARAMETERS"); a held command (Pem;0 and a blocking condition) is
// re-submitted as simulated time passes, up to `held_limit`; each reply gets
// the terminator (NUL) and is delivered at the model's reply time. Nothing
// waits in real time: a read whose reply is due in the future advances the
// ManualClock to it (at most by the read's timeout: a later reply is a
// Timeout, and the clock has moved by the timeout) and ticks the model.
//
// advance(): moves the clock and ticks the model; use it for the driver's
// `sleep` option (EvolisDriverOptions::sleep) and for idle time.
//
// Threading: none; the model, the clock and every transport made for them
// belong to the test's thread. Ownership: the model and the clock must
// outlive the transport.

#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <string>

#include "core/clock.hpp"
#include "emulator/printer_model.hpp"
#include "printer/evolis/evolis_frame_parser.hpp"
#include "transport/transport.hpp"
#include "transport/transport_connector.hpp"

namespace cardd::testing {

// Moves `clock` forward by `d` and lets `model` catch up (moves, cooling).
void advanceModel(ManualClock& clock, emulator::PrinterModel& model, std::chrono::milliseconds d);

class ModelTransport final : public drivers::Transport {
 public:
  ModelTransport(emulator::PrinterModel& model, ManualClock& clock,
                 std::chrono::milliseconds held_limit = std::chrono::minutes(10),
                 std::string terminator = std::string(1, '\0'));

  [[nodiscard]] Result<drivers::LinkState> write(std::span<const std::uint8_t> bytes,
                                                 std::chrono::milliseconds timeout) override;
  [[nodiscard]] Result<drivers::ReadResult> read(std::size_t max_bytes,
                                                 std::chrono::milliseconds timeout) override;
  void close() override { closed_ = true; }
  std::string describe() const override { return "model:" + model_.config().serial; }

  // Commands handled so far on this transport.
  std::uint64_t commands() const { return commands_; }

 private:
  struct Pending {
    std::string bytes;  // reply + terminator, or what is left of it
    std::int64_t ready_ms = 0;
  };

  emulator::PrinterModel& model_;
  ManualClock& clock_;
  std::chrono::milliseconds held_limit_;
  std::string terminator_;
  drivers::evolis::FrameParser parser_;
  std::deque<Pending> replies_;
  std::int64_t last_ready_ms_ = 0;
  std::uint64_t commands_ = 0;
  bool closed_ = false;
};

// A connector opening a fresh ModelTransport each time (as a TCP connector
// opens a fresh connection); counts the connections in `*connects` if given.
drivers::TransportConnector modelConnector(emulator::PrinterModel& model, ManualClock& clock,
                                           int* connects = nullptr);

}  // namespace cardd::testing
