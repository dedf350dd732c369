#pragma once
// JmrtdApplet: a model of the PERSONALISATION command set of the open JMRTD
// passport applet (sos.passportapplet.PassportApplet), in the clear, so that
// cardd's ICAO profile can be exercised against a second applet. What was
// checked against the applet's source and what is assumed is listed in
// docs/applets/eid-apdu.md ("JMRTD-compatible passport applet model"):
//
//   SELECT     00 A4 04 xx 07 A0 00 00 02 47 10 01 | 00 A4 xx xx 02 <fid>
//   CREATE     00 E0 00 00 06 63 04 <size:2> <fid:2>   (LDS FIDs only)
//   UPDATE     00 D6 <offset> Lc data                   (selected file)
//   READ       00 B0 <offset> Le                        (model: until locked)
//   PUT DATA   00 DA 00 60|61|62|63, xx 64: key material (stored, not parsed)
//   LOCK       00 DA DE AD                              (writes then 6985)
//
// BAC, Active Authentication and EAC are not modelled. Persistent: files,
// key material, the lock; transient: selection.
//
// Threading: see VirtualChip (all methods serialise on one mutex).

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "eid/chip_state.hpp"
#include "eid/virtual_chip.hpp"

namespace cardd::applets::eid {

inline const Bytes kIcaoLdsAid = {0xA0, 0x00, 0x00, 0x02, 0x47, 0x10, 0x01};

// T=1, historical bytes 80 55 "jmrtd" 73 90 01 40, TCK.
Bytes jmrtdAtr();

struct JmrtdAppletOptions {
  std::size_t capacity = 65536;  // bytes of EF allocations
};

class JmrtdApplet final : public VirtualChip {
 public:
  // Error (InvalidArgument): serial not 8 bytes, capacity 0.
  static Result<std::unique_ptr<JmrtdApplet>> create(ByteView serial,
                                                     JmrtdAppletOptions options = {});

  Bytes atr() const override;
  void powerOn() override;
  void powerOff() override;
  void reset() override;
  apdu::ResponseApdu process(const apdu::CommandApdu& command) override;

  AppletKind kind() const override { return AppletKind::Jmrtd; }
  Bytes serial() const override { return serial_; }
  std::string exportState() const override;
  Status importState(std::string_view text) override;
  std::uint64_t stateGeneration() const override;

  // For tests: whether PUT DATA DE AD was received; the key material stored
  // under PUT DATA P1P2 (empty if none).
  bool locked() const;
  Bytes keyMaterial(std::uint16_t p1p2) const;

 private:
  JmrtdApplet(Bytes serial, JmrtdAppletOptions options);
  void endCardSession();
  apdu::ResponseApdu selectFile(const apdu::CommandApdu& command);
  apdu::ResponseApdu createFile(const apdu::CommandApdu& command);
  apdu::ResponseApdu updateBinary(const apdu::CommandApdu& command);
  apdu::ResponseApdu readBinary(const apdu::CommandApdu& command);
  apdu::ResponseApdu putData(const apdu::CommandApdu& command);

  mutable std::mutex mutex_;
  const Bytes serial_;
  const JmrtdAppletOptions options_;

  // Persistent.
  bool locked_ = false;
  FileMap files_;
  std::map<std::uint16_t, Bytes> keyMaterial_;  // by PUT DATA P1P2
  std::uint64_t generation_ = 0;

  // Per card session.
  bool selected_ = false;
  std::optional<std::uint16_t> selectedFile_;
};

}  // namespace cardd::applets::eid
