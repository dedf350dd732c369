#pragma once
// TracingChannel: an ApduChannel decorator that writes one line per exchange
// for technicians: what was sent where, what came back, how long it took,
// with personal data masked. Lines are stable text so two traces diff.
//
//   +12.345ms pcsc:Station Reader 00 00 00A40400 Lc=7 A0000002471001 => 9000 0.812ms
//   +13.100ms pcsc:Station Reader 00 00 00D60000 Lc=200 <200 bytes #3fa91c02> => 9000 1.020ms
//   +14.002ms pcsc:Station Reader 00 00 00B00000 Le=256 => 9000 Nr=256 <256 bytes #77c0e1aa>
//   0.901ms +15.000ms pcsc:Station Reader 00 00 00B00000 Le=256 => error: card removed from reader
//   ... 0.400ms
//
// Fields: time since the tracer was made (Options::timing), describe() of
// the inner channel, the header CLA INS P1 P2 in hex, Lc=<Nc> and the
// command data (or its mask) when Nc > 0, Le=<Ne> when Ne > 0, "=>", the
// status word, Nr=<n> and the response data (or its mask) when n > 0, the
// duration (Options::timing). A failed exchange prints "error: <message>"
// (channel errors never carry APDU data).
//
// Masking (personal data never reaches the sink). Command data is shown only
// for commands that carry identifiers, not content, and only in the clear
// (CLA without secure messaging, see isSecureMessagingCla()):
//   SELECT (A4), CREATE FILE (E0), DELETE FILE (E4), GET DATA (CA, CB),
//   INITIALIZE UPDATE (50), MANAGE CHANNEL (70), GET STATUS (F2).
// Response data is shown only for SELECT, GET DATA (serial numbers),
// INITIALIZE UPDATE and GET STATUS, again only without secure messaging.
// Everything else - UPDATE BINARY, PUT DATA, VERIFY, STORE DATA, READ BINARY,
// every secure-messaging payload - prints as "<n bytes #tttttttt>", where the
// tag is the first 4 bytes of SHA-256(salt ‖ data): equal data gives equal
// tags within one trace (and across traces with the same salt), but the
// data cannot be recovered or guessed from it without the salt. With
// Options::hashTags = false the tag is left out ("<n bytes>").
//
// Threading: as ApduChannel; the sink is called synchronously on the calling
// thread, once per transmit(), before it returns.

#include <chrono>
#include <functional>
#include <iosfwd>
#include <memory>
#include <string>
#include <string_view>

#include "apdu/apdu_channel.hpp"
#include "common/bytes.hpp"

namespace cardd::applets::apdu {

using ApduTraceSink = std::function<void(std::string_view line)>;

// Whether `cla` marks a secure-messaging command: interindustry CLA (00-3F
// and the GP classes 80-BF) with b3 or b4 set (04, 08, 0C), or a further
// interindustry CLA (40-7F) with b6 set.
bool isSecureMessagingCla(std::uint8_t cla);
// The masking decisions above, for tests and other tracers.
bool commandDataVisible(const CommandApdu& command);
bool responseDataVisible(const CommandApdu& command);

class TracingChannel final : public ApduChannel {
 public:
  struct Options {
    bool timing = true;    // "+<offset>ms" prefix and "<duration>ms" suffix
    bool hashTags = true;  // "<n bytes #tag>" rather than "<n bytes>"
    // Salt of the hash tags; empty: 16 random bytes per tracer.
    Bytes salt;
    // Time source (tests); empty: steady_clock::now.
    std::function<std::chrono::steady_clock::time_point()> clock;
  };

  // `inner` must not be null, `sink` callable.
  TracingChannel(std::unique_ptr<ApduChannel> inner, ApduTraceSink sink);
  TracingChannel(std::unique_ptr<ApduChannel> inner, ApduTraceSink sink, Options options);
  // Borrowing form: `inner` must outlive the tracer.
  TracingChannel(ApduChannel& inner, ApduTraceSink sink, Options options);

  // A sink writing each line and '\n' to `out` (which must outlive it).
  static ApduTraceSink streamSink(std::ostream& out);

  ApduChannel& inner() { return *inner_; }

  [[nodiscard]] Result<ResponseApdu> transmit(const CommandApdu& command) override;
  std::size_t maxCommandData() const override { return inner_->maxCommandData(); }
  std::size_t maxResponseData() const override { return inner_->maxResponseData(); }
  std::string describe() const override { return inner_->describe(); }

  // "<n bytes #tag>" (or "<n bytes>") for `data` with this tracer's salt.
  std::string mask(ByteView data) const;

 private:
  std::chrono::steady_clock::time_point now() const;

  std::unique_ptr<ApduChannel> owned_;
  ApduChannel* inner_;
  ApduTraceSink sink_;
  Options options_;
  std::chrono::steady_clock::time_point start_;
};

}  // namespace cardd::applets::apdu
