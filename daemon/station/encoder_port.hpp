#pragma once
// EncoderPort: the smart-card encoder inline in one printer, as the station
// worker sees it: wait until the fed card's chip is present, connect to it.
// The production implementation is a PC/SC reader (PcscEncoderPort over
// pcsc-lite); tests script it with a chip applet in process.
//
// Threading: used by the printer's worker thread only; cancel() from any
// thread (shutdown).

#include <chrono>
#include <memory>
#include <string>

#include "apdu/apdu_channel.hpp"
#include "core/result.hpp"

namespace cardd::station {

class EncoderPort {
 public:
  enum class Wait { Present, Timeout, Cancelled };

  virtual ~EncoderPort() = default;
  // Until a chip is present in the encoder. An Error means the encoder
  // itself is unusable (reader gone, pcscd stopped): a printer-level fault.
  virtual Result<Wait> waitForCard(std::chrono::milliseconds timeout) = 0;
  // Connects to the chip present. The channel stays usable until release().
  virtual Result<applets::apdu::ApduChannel*> connect() = 0;
  // Drops the connection (leaving the card powered as it is).
  virtual void release() = 0;
  virtual void cancel() = 0;
  // The reader's name, for messages.
  virtual std::string name() const = 0;
};

// The PC/SC reader `reader` through the process's pcscd (PCSCLITE_CSOCK_NAME
// is honoured). Establishes its context lazily.
std::unique_ptr<EncoderPort> makePcscEncoderPort(std::string reader);

}  // namespace cardd::station
