#pragma once
// SecureChannel: an ApduChannel decorator that runs every command through an
// open SCP03 HostSession (wrap, send on the inner channel, unwrap), so that
// the personaliser's steps talk to the card the same way with or without a
// channel. openScp03() performs INITIALIZE UPDATE and EXTERNAL AUTHENTICATE
// on the inner channel first.
//
// maxCommandData() / maxResponseData() are the largest PLAIN data fields
// that still fit the inner channel once MACed (8 bytes) and, at levels with
// C-DEC / R-ENC, padded to the AES block.
//
// Errors from transmit(): the inner channel's, and IntegrityCheckFailed when
// a response MAC does not verify (the session is then closed and every later
// command fails). Ownership: borrows the inner channel, which must outlive
// it. Threading: one thread, like every ApduChannel.

#include <cstdint>
#include <functional>
#include <string>

#include "apdu/apdu_channel.hpp"
#include "master_key.hpp"
#include "scp03/host_session.hpp"

namespace cardd::applets::personalisation {

class SecureChannel final : public apdu::ApduChannel {
 public:
  SecureChannel(apdu::ApduChannel& inner, scp03::HostSession session);

  Result<apdu::ResponseApdu> transmit(const apdu::CommandApdu& command) override;
  std::size_t maxCommandData() const override;
  std::size_t maxResponseData() const override;
  std::string describe() const override;

  scp03::SecurityLevel securityLevel() const { return session_.securityLevel(); }

 private:
  apdu::ApduChannel& inner_;
  scp03::HostSession session_;
};

// What openScp03() needs: the master key (diversified with the KDD the card
// returns), the key version, the level, and optionally the KDD the host
// expects (00 00 ‖ serial): a card answering another KDD is refused.
struct Scp03Params {
  const signing::MasterKeySource* master = nullptr;
  std::string keySetName;  // for messages
  std::uint8_t keyVersion = 0x30;
  scp03::SecurityLevel level = 0x33;
  Bytes expectedKdd;  // empty: accept the card's
  // Source of the 8-byte host challenge; empty: fresh random bytes (always,
  // in production). Benchmarks and tests inject a fixed one to make a
  // session reproducible on an identical blank chip (same serial, same
  // sequence counter). A source returning another size is an error.
  std::function<Bytes()> hostChallenge;
};

// INITIALIZE UPDATE with a fresh random host challenge (or the injected
// one, see Scp03Params::hostChallenge), checks the card
// cryptogram, EXTERNAL AUTHENTICATE. Errors: IntegrityCheckFailed
// ("authentication refused: …", wrong master key), Unavailable/transport
// errors from the inner channel, InvalidArgument for malformed answers; each
// message says which.
Result<SecureChannel> openScp03(apdu::ApduChannel& inner, const Scp03Params& params);

}  // namespace cardd::applets::personalisation
