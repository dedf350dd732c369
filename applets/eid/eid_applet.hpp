#pragma once
// EidApplet: cardd's open e-ID applet v1 ("cardd e-ID", AID F0 63 61 72 64 64
// 01) as a virtual chip. The complete command set, access rules and status
// words are in docs/applets/eid-apdu.md; in short:
//
//   - a flat set of transparent EFs the host creates (CREATE FILE with an
//     FCP 62 {80 size, 82 01 01, 83 fid}), written with UPDATE BINARY (D6, or
//     odd D7 with offset DO 54 for offsets above 32767) and read with READ
//     BINARY (B0 / B1); extended lengths everywhere;
//   - GlobalPlatform SCP03 (KVN 30, i = 70) with the static keys given at
//     construction: per card, KDF3-diversified from a master key with
//     KDD = 00 00 ‖ serial (eidKeyDiversificationData());
//   - writes (CREATE, UPDATE, PUT DATA access key, SET STATUS) need the
//     channel at level 13 or 33; reads need the channel, or, once locked,
//     VERIFY with the access key;
//   - lifecycle blank (00) → personalised (01) → locked (02), forward only;
//     once locked every write answers 6985;
//   - GET DATA 00 CA 00 5A answers the 8-byte serial at any time.
//
// State: files, access key, VERIFY retry counter, lifecycle and the SCP03
// sequence counter are persistent (survive powerOff/powerOn and
// exportState/importState); the selection, the secure channel and a passed
// VERIFY last one card session.
//
// Threading: see VirtualChip (all methods serialise on one mutex).

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "eid/chip_state.hpp"
#include "eid/virtual_chip.hpp"
#include "scp03/card_session.hpp"
#include "scp03/keys.hpp"

namespace cardd::applets::eid {

inline const Bytes kEidAid = {0xF0, 0x63, 0x61, 0x72, 0x64, 0x64, 0x01};
inline constexpr std::uint8_t kEidKeyVersion = 0x30;

// Lifecycle byte (GET DATA DF70, SET STATUS P2).
enum class EidLifecycle : std::uint8_t { Blank = 0x00, Personalised = 0x01, Locked = 0x02 };

// The instructions and tags of the command set.
namespace eid_ins {
inline constexpr std::uint8_t kVerify = 0x20;
inline constexpr std::uint8_t kInitializeUpdate = 0x50;
inline constexpr std::uint8_t kExternalAuthenticate = 0x82;
inline constexpr std::uint8_t kSelect = 0xA4;
inline constexpr std::uint8_t kReadBinary = 0xB0;
inline constexpr std::uint8_t kReadBinaryOdd = 0xB1;
inline constexpr std::uint8_t kGetData = 0xCA;
inline constexpr std::uint8_t kUpdateBinary = 0xD6;
inline constexpr std::uint8_t kUpdateBinaryOdd = 0xD7;
inline constexpr std::uint8_t kPutData = 0xDA;
inline constexpr std::uint8_t kCreateFile = 0xE0;
inline constexpr std::uint8_t kSetStatus = 0xF0;
}  // namespace eid_ins

// The largest READ BINARY answer (plain bytes), so that the protected
// response fits one vpcd frame (65535 bytes with SW, R-MAC and padding).
inline constexpr std::size_t kEidMaxReadChunk = 65280;
// Access key sizes (PUT DATA 00 81).
inline constexpr std::size_t kEidMinAccessKey = 8;
inline constexpr std::size_t kEidMaxAccessKey = 32;

struct EidAppletOptions {
  std::size_t capacity = 65536;   // bytes of EF data the chip holds
  std::uint8_t verifyTries = 10;  // VERIFY attempts before it blocks (1..15)
};

// The ATR: T=1, historical bytes 80 55 "cardd" 73 90 01 40 (extended
// lengths), TCK.
Bytes eidAtr();

// KDD = 00 00 ‖ serial (10 bytes), the diversification data of the chip's
// SCP03 keys and what INITIALIZE UPDATE reports.
Bytes eidKeyDiversificationData(ByteView serial);

// The chip's static SCP03 key set (KVN 30) from the station's master key.
// Errors (InvalidArgument): master not an AES key size, serial not 8 bytes.
Result<scp03::StaticKeys> eidChipKeys(ByteView masterKey, ByteView serial);

class EidApplet final : public VirtualChip {
 public:
  // A blank chip. Errors (InvalidArgument): serial not 8 bytes, invalid key
  // set, capacity 0 or verifyTries outside 1..15.
  static Result<std::unique_ptr<EidApplet>> create(ByteView serial, scp03::StaticKeys keys,
                                                   EidAppletOptions options = {});

  Bytes atr() const override;
  void powerOn() override;
  void powerOff() override;
  void reset() override;
  apdu::ResponseApdu process(const apdu::CommandApdu& command) override;

  AppletKind kind() const override { return AppletKind::Eid; }
  Bytes serial() const override { return serial_; }
  std::string exportState() const override;
  Status importState(std::string_view text) override;
  std::uint64_t stateGeneration() const override;

  // For tests and diagnostics.
  EidLifecycle lifecycle() const;
  std::size_t freeBytes() const;
  bool channelOpen() const;

 private:
  // Who is asking: in the clear, or through an open channel at `level`.
  struct Access {
    bool channel = false;
    scp03::SecurityLevel level = 0;
  };

  EidApplet(Bytes serial, scp03::StaticKeys keys, EidAppletOptions options);

  void endCardSession();
  void changed() { ++generation_; }
  apdu::ResponseApdu dispatch(const apdu::CommandApdu& command, const Access& access);
  std::uint16_t writeAllowed(const Access& access) const;
  std::uint16_t readAllowed(const Access& access) const;
  // Resolves P1P2 of an odd-INS command (0000 = current EF) to the EF.
  std::uint16_t resolveOddTarget(const apdu::CommandApdu& command, std::uint16_t& fid);

  apdu::ResponseApdu select(const apdu::CommandApdu& command);
  apdu::ResponseApdu getData(const apdu::CommandApdu& command) const;
  apdu::ResponseApdu initializeUpdate(const apdu::CommandApdu& command, const Access& access);
  apdu::ResponseApdu externalAuthenticate(const apdu::CommandApdu& command);
  apdu::ResponseApdu createFile(const apdu::CommandApdu& command, const Access& access);
  apdu::ResponseApdu updateBinary(const apdu::CommandApdu& command, const Access& access);
  apdu::ResponseApdu readBinary(const apdu::CommandApdu& command, const Access& access);
  apdu::ResponseApdu putData(const apdu::CommandApdu& command, const Access& access);
  apdu::ResponseApdu setStatus(const apdu::CommandApdu& command, const Access& access);
  apdu::ResponseApdu verify(const apdu::CommandApdu& command);
  std::uint16_t write(std::uint16_t fid, std::size_t offset, ByteView data);

  mutable std::mutex mutex_;
  const Bytes serial_;
  const scp03::StaticKeys keys_;
  const EidAppletOptions options_;

  // Persistent.
  EidLifecycle lifecycle_ = EidLifecycle::Blank;
  FileMap files_;
  Bytes accessKey_;
  std::uint8_t verifyTriesLeft_ = 0;
  std::uint32_t sequenceCounter_ = 0;  // 24 bits
  std::uint64_t generation_ = 0;

  // Per card session.
  bool selected_ = false;
  std::optional<std::uint16_t> currentEf_;
  std::optional<scp03::CardSession> session_;
  bool verified_ = false;
};

}  // namespace cardd::applets::eid
