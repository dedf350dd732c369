#pragma once
// Evolis reply parsing, host side. Replies are short ASCII strings: "OK",
// "ERROR CDE" (unknown command), "ERROR PARAMETERS", or the value asked for
// (reference/card-printers.md). parseReply() classifies one reply; the
// expect*() functions interpret it as the answer to a given command. Pure
// functions, safe on any input (fuzzed by tests/drivers/fuzz_evolis_reply.cpp).
//
// Errors: a reply that breaks the protocol is protocolError(); a printer that
// refused the command ("ERROR CDE", "ERROR PARAMETERS", any other "ERR...")
// is deviceRefused() with the printer's words in the message (driver_error.hpp).
// Keywords compare case-insensitively; values keep their case.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>

#include "core/result.hpp"
#include "printer/evolis/evolis_normaliser.hpp"
#include "printer/printer.hpp"

namespace cardd::drivers::evolis {

// Longer replies are refused; real ones are a few dozen bytes.
inline constexpr std::size_t kMaxReplyBytes = 256;

enum class ReplyKind {
  Ok,              // "OK"
  UnknownCommand,  // "ERROR CDE"
  BadParameters,   // "ERROR PARAMETERS"
  DeviceError,     // Any other reply starting "ERR" ("ERR NEED CLEANING").
  Value,           // Anything else: the value asked for.
};

struct Reply {
  ReplyKind kind = ReplyKind::Value;
  std::string text;  // The reply without framing or padding.

  friend bool operator==(const Reply&, const Reply&) = default;
};

// Classifies one complete reply as read from the transport. Leading and
// trailing NUL, CR, LF, space and tab are stripped (printers pad replies).
// Fails with protocolError() when nothing is left, the reply is longer than
// kMaxReplyBytes, or it holds a byte outside printable ASCII.
Result<Reply> parseReply(std::span<const std::uint8_t> bytes);
Result<Reply> parseReply(std::string_view bytes);

// The reply of a command that answers "OK" (settings, movements, Ss...Se).
Status expectOk(const Reply& reply);

// A text value: Rtp (model), Rsn (serial), Rkn (printhead kit), Rfv (firmware).
// "OK" where a value was due is a protocolError().
Result<std::string> expectText(const Reply& reply);

// A non-negative decimal count: the Rco counters, Rrt;qty.
Result<std::uint64_t> expectCount(const Reply& reply);

// A sensor voltage with a decimal comma, "5,00 Volts", as millivolts (5000).
// Also accepts a decimal point and the units "V", "Volt", "Volts" or none.
Result<std::uint32_t> expectMillivolts(const Reply& reply);

// Rlr;p: "OK" none, "CARD" inside, "SMART CARD" contact station,
// "CONTACTLESS CARD" contactless station.
Result<CardPosition> expectCardPosition(const Reply& reply);

// Rlr;h: "CARD" = the output hopper is full, "NO CARD" = not full.
Result<bool> expectHopperFull(const Reply& reply);

// Rlr;c: "ERR NEED CLEANING" = cleaning due, "OK" = not due.
Result<bool> expectCleaningDue(const Reply& reply);

// Rrt;count sometimes answers "OK" instead of the count. That is not an
// error and not a zero: the caller must send the command again (a bounded
// number of times; the driver decides how many).
struct SpuriousOk {
  friend bool operator==(SpuriousOk, SpuriousOk) = default;
};
using CountOrRetry = std::variant<std::uint64_t, SpuriousOk>;
Result<CountOrRetry> expectRibbonRemaining(const Reply& reply);

// The reason in a movement's "ERR <CONDITION>" reply (evolis_driver.hpp):
// MECHANICAL, RIBBON ENDED, COVER OPEN, FEEDER EMPTY, HOPPER FULL,
// REJECT BOX FULL, HEAD TEMP (case-insensitive, single spaces). Empty for any
// other reply, including other ERR replies such as "ERR NEED CLEANING".
std::optional<DeviceFault> deviceFault(const Reply& reply);

// The words of a condition, as the printer spells them ("RIBBON ENDED").
std::string_view deviceFaultText(DeviceFault fault);

// cardd's Rxs extension: four groups of exactly 8 hex digits separated by
// single spaces, "config information warning error". Anything else is a
// protocolError(); a refusal (ERROR CDE: a real printer) is deviceRefused().
Result<StatusWords> expectStatusWords(const Reply& reply);

}  // namespace cardd::drivers::evolis
