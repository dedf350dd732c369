#pragma once
// CardApplet: what a virtual card runs. The transport (VpcdConnection, or a
// test harness) owns the wire; the applet sees only power events and parsed
// command APDUs, and answers response APDUs.
//
// Contract:
//   - atr() is the Answer-To-Reset, 2..33 bytes (ISO 7816-3); asked for
//     whenever the reader polls for presence (pcscd: about every 400 ms), so
//     it must be cheap and constant while the card is inserted.
//   - powerOn() / reset() start a new card session (cold / warm reset): drop
//     transient state (selected application, secure channel), keep persistent
//     state (files, keys, lifecycle). powerOff() ends the session; the
//     transport also calls it when the card is removed (disconnected) or the
//     reader drops the link, so it may come without a matching powerOn().
//   - process() gets only well-formed C-APDUs (the transport answers 6700 for
//     bytes that do not parse and 6E00 for CLA FF itself) and must always
//     produce a response; unknown instructions answer 6D00 etc. It never
//     throws.
//
// Threading: the transport calls every method from its one worker thread,
// never concurrently. The applet object is owned outside the transport and
// outlives it, so its state survives "remove" / "insert" (disconnect /
// connect). Anything else reading the applet's state concurrently must
// synchronise with it itself.

#include "apdu/command_apdu.hpp"
#include "apdu/response_apdu.hpp"
#include "common/bytes.hpp"

namespace cardd::applets::virtual_chip {

class CardApplet {
 public:
  virtual ~CardApplet() = default;

  virtual Bytes atr() const = 0;
  virtual void powerOn() = 0;
  virtual void powerOff() = 0;
  virtual void reset() = 0;
  virtual apdu::ResponseApdu process(const apdu::CommandApdu& command) = 0;
};

}  // namespace cardd::applets::virtual_chip
