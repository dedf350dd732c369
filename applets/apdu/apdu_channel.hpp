#pragma once
// ApduChannel: the one seam between chip logic (applet profiles, the secure
// channel, the personaliser) and whatever carries APDUs to a card: the PC/SC
// encoder (drivers/pcsc), an in-process applet in tests, a scripted fake, or a
// decorator (secure messaging, tracing). Chip logic knows nothing else.
//
// Contract:
//   - transmit() sends one command APDU and returns the card's response
//     APDU, status word included. Transport-level status words are handled
//     by the channel, not the caller: 61xx is followed by GET RESPONSE and
//     6Cxx by a re-send with Le = xx, so callers see the final response.
//   - A status word other than 9000 is a value (ResponseApdu), not an Error.
//     An Error means the exchange itself failed: card removed, reader gone,
//     service stopped, timeout, or a response that could not be parsed. Its
//     message says which, in words a technician can act on.
//   - maxCommandData() / maxResponseData() are the largest Nc / Ne one APDU
//     may carry on this channel (255 / 256 for short-only links, up to 65535
//     / 65536 with extended length). Callers chunk to fit.
//
// Threading: a channel belongs to one thread at a time; no internal locking.

#include <cstddef>
#include <string>

#include "apdu/command_apdu.hpp"
#include "apdu/response_apdu.hpp"
#include "core/result.hpp"

namespace cardd::applets::apdu {

class ApduChannel {
 public:
  virtual ~ApduChannel() = default;

  [[nodiscard]] virtual Result<ResponseApdu> transmit(const CommandApdu& command) = 0;
  virtual std::size_t maxCommandData() const = 0;
  virtual std::size_t maxResponseData() const = 0;
  // A stable, non-personal name for logs and traces ("pcsc:Station Reader 00 00").
  virtual std::string describe() const = 0;
};

}  // namespace cardd::applets::apdu
