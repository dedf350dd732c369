#pragma once
// EchoApplet: a tiny CardApplet for the virtual-chip tests.
//   SELECT by AID (00 A4 04 00 Lc kEchoAid)  → 9000 (other AIDs 6A82)
//   ECHO (00 EE 00 00 Lc data [Le])          → data ‖ 9000; 6985 unless selected
//   anything else                            → 6D00 (CLA other than 00: 6E00)
// Power on / reset deselect. The counters are atomics so a test thread may
// read them while the connection's worker drives the applet; `echoes()` is
// the "persistent" state that must survive a disconnect.

#include <atomic>
#include <cstdint>

#include "apdu/status_word.hpp"
#include "virtual_chip/card_applet.hpp"

namespace cardd::applets::testing {

inline const Bytes kEchoAid = {0xF0, 0x63, 0x61, 0x72, 0x64, 0x64, 0x01};
inline const Bytes kEchoAtr = {0x3B, 0x80, 0x80, 0x01, 0x01};
inline constexpr std::uint8_t kInsEcho = 0xEE;

class EchoApplet final : public virtual_chip::CardApplet {
 public:
  Bytes atr() const override { return kEchoAtr; }
  void powerOn() override {
    ++powerOns_;
    selected_ = false;
  }
  void powerOff() override {
    ++powerOffs_;
    selected_ = false;
  }
  void reset() override {
    ++resets_;
    selected_ = false;
  }
  apdu::ResponseApdu process(const apdu::CommandApdu& command) override {
    if (command.cla != 0x00) return {{}, apdu::sw::kClaNotSupported};
    if (command.ins == 0xA4) {
      if (command.p1 != 0x04 || command.p2 != 0x00) return {{}, apdu::sw::kWrongP1P2};
      if (command.data != kEchoAid) return {{}, apdu::sw::kFileNotFound};
      selected_ = true;
      return {{}, apdu::sw::kOk};
    }
    if (command.ins == kInsEcho) {
      if (!selected_) return {{}, apdu::sw::kConditionsNotSatisfied};
      ++echoes_;
      return {command.data, apdu::sw::kOk};
    }
    return {{}, apdu::sw::kInsNotSupported};
  }

  int powerOns() const { return powerOns_.load(); }
  int powerOffs() const { return powerOffs_.load(); }
  int resets() const { return resets_.load(); }
  int echoes() const { return echoes_.load(); }

 private:
  std::atomic<bool> selected_{false};
  std::atomic<int> powerOns_{0};
  std::atomic<int> powerOffs_{0};
  std::atomic<int> resets_{0};
  std::atomic<int> echoes_{0};
};

}  // namespace cardd::applets::testing
