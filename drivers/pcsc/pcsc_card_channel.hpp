#pragma once
// PcscCardChannel: the ApduChannel of a card in a PC/SC reader, over
// pcsc-lite. Made by PcscContext::connect(); the personaliser only ever sees
// it as an applets::apdu::ApduChannel (no PC/SC types leak from here).
//
// transmit():
//   - refuses commands whose Nc / Ne exceed maxCommandData() /
//     maxResponseData() (InvalidArgument: callers chunk), then SCardTransmit
//     with the protocol's PCI and resolves 61xx (GET RESPONSE chain) and 6Cxx
//     (re-send with Le = xx), see apdu_exchange.hpp.
//   - failures are cardd::Error values from pcsc_error.hpp (card removed,
//     reader removed, pcscd stopped, ...) naming the reader; lastFailure()
//     keeps their class for the caller's decision (reject the card? wait for
//     pcscd?). An exchange that fails with SCARD_E_NOT_TRANSACTED is checked
//     against the card's presence (up to 1.5 s, pcscd polls every ~400 ms)
//     and reported as "card removed" when the card is gone.
//
// Command size (maxCommandData): chosen once at connect, see LengthPolicy.
// Auto uses extended length (65535 / 65536) when the card's ATR announces
// extended Lc/Le and the reader does not report a smaller
// SCARD_ATTR_MAXINPUT; otherwise 255 / 256. lengthSource() says why.
//
// Transactions: with ShareMode::Shared, wrap a personalisation in
// beginTransaction() / endTransaction() so no other client interleaves.
// disconnect() ends the connection with the asked disposition; the
// destructor disconnects with Disposition::Leave if still connected.
//
// Threading: one thread at a time (the device's worker). The PcscContext
// that made the channel must outlive it. After the context re-establishes
// (pcscd restarted) the channel is dead: every call fails with a
// "pcscd stopped or restarted" error; connect again.

#include <cstddef>
#include <cstdint>
#include <string>

#include "apdu/apdu_channel.hpp"
#include "common/bytes.hpp"
#include "core/result.hpp"
#include "pcsc/pcsc_error.hpp"

namespace cardd::drivers::pcsc {

enum class Protocol : std::uint8_t { T0, T1 };
enum class ShareMode : std::uint8_t { Exclusive, Shared };
// What happens to the card when the connection or transaction ends.
enum class Disposition : std::uint8_t { Leave, Reset, Unpower, Eject };
// Auto: extended length when card (ATR) and reader allow it; ShortOnly: 255
// / 256 always; Extended: 65535 / 65536 whatever the ATR says (the reader's
// SCARD_ATTR_MAXINPUT, when reported, still caps it).
enum class LengthPolicy : std::uint8_t { Auto, ShortOnly, Extended };

struct ConnectOptions {
  bool allowT0 = true;
  bool allowT1 = true;
  bool preferT1 = true;  // with both allowed, try T=1 alone first
  ShareMode share = ShareMode::Exclusive;
  LengthPolicy length = LengthPolicy::Auto;
  // A profile/quirk override of maxCommandData (1..65535); 0 = none.
  std::size_t maxCommandDataOverride = 0;
};

class PcscContext;

class PcscCardChannel final : public applets::apdu::ApduChannel {
 public:
  ~PcscCardChannel() override;
  PcscCardChannel(const PcscCardChannel&) = delete;
  PcscCardChannel& operator=(const PcscCardChannel&) = delete;

  // ApduChannel
  [[nodiscard]] Result<applets::apdu::ResponseApdu> transmit(
      const applets::apdu::CommandApdu& command) override;
  std::size_t maxCommandData() const override { return maxCommandData_; }
  std::size_t maxResponseData() const override { return maxResponseData_; }
  std::string describe() const override { return "pcsc:" + reader_; }

  [[nodiscard]] Status beginTransaction();
  [[nodiscard]] Status endTransaction(Disposition disposition = Disposition::Leave);
  // Warm (Reset) or cold (Unpower) reset and reconnect, e.g. between
  // personalisation and read-back. Leave keeps the session.
  [[nodiscard]] Status reconnect(Disposition initialization);
  // Ends the connection. Idempotent; after it transmit() fails.
  [[nodiscard]] Status disconnect(Disposition disposition = Disposition::Leave);

  bool connected() const { return connected_; }
  const std::string& reader() const { return reader_; }
  Protocol protocol() const { return protocol_; }
  const applets::Bytes& atr() const { return atr_; }
  // "override", "policy", "atr", "atr+reader-maxinput", "atr: no extended length", ...
  const std::string& lengthSource() const { return lengthSource_; }
  // The class of the last failed call (None after a success).
  PcscFailure lastFailure() const { return lastFailure_; }

 private:
  friend class PcscContext;
  PcscCardChannel(long handle, std::string reader, Protocol protocol);
  void chooseLengths(const ConnectOptions& options);
  Error fail(long code, const char* operation);
  Result<applets::Bytes> rawTransmit(applets::ByteView command);
  // After a failed exchange: whether pcscd reports the card gone (bounded).
  bool cardWentAway();

  long handle_ = 0;
  applets::Bytes answer_;  // the receive buffer, reused by every exchange
  bool connected_ = false;
  std::string reader_;
  Protocol protocol_ = Protocol::T1;
  ShareMode share_ = ShareMode::Exclusive;
  applets::Bytes atr_;
  std::size_t maxCommandData_ = applets::apdu::kShortMaxData;
  std::size_t maxResponseData_ = applets::apdu::kShortMaxExpected;
  std::string lengthSource_;
  PcscFailure lastFailure_ = PcscFailure::None;
};

}  // namespace cardd::drivers::pcsc
