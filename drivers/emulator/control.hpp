#pragma once
// The emulator's control protocol: one JSON object per line in, one JSON
// object per line out (docs/emulator.md has every command with examples).
//   {"cmd":"inject","fault":"jam"}            -> {"ok":true}
//   {"cmd":"clear","fault":"jam"}             -> {"ok":true}
//   {"cmd":"state"}                           -> {"ok":true,"state":{...}}
// With a chip slot that hosts chips, "state" also holds "chips": per card,
// where it is, its chip's lifecycle and a SHA-256 per file (ChipSlotReport).
// Unknown commands and bad arguments answer {"ok":false,"error":"<sentence>"}.
//
// Link faults (disconnect, garbage, slow) act on the printer socket, so they
// live here and the server reads them; model faults go to PrinterModel.
// Threading: handleControl() needs the caller to hold the server's mutex.

#include <cstdint>
#include <string>
#include <string_view>

#include <boost/json/object.hpp>

#include "emulator/printer_model.hpp"

namespace cardd::emulator {

struct LinkFaults {
  bool disconnect = false;            // Drop clients, refuse new ones until cleared.
  std::uint64_t disconnects = 0;      // Bumped on each inject, so sessions notice.
  std::uint32_t garbage_replies = 0;  // The next N replies are garbage bytes.
  std::uint32_t slow_ms = 0;          // Real milliseconds added to every reply.
};

// The full state as JSON (the "state" command).
boost::json::object stateJson(const PrinterModel& model, const LinkFaults& link);

// Handles one control line and returns the reply line (without '\n').
std::string handleControl(PrinterModel& model, LinkFaults& link, std::string_view line);

}  // namespace cardd::emulator
