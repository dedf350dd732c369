#pragma once
// ChainApplet: a CardApplet for the PC/SC encoder tests that makes the
// transport-level status words happen.
//   ATR 3B 85 80 01 80 73 00 00 C0 37: T=0/T=1, card capabilities announce
//       command chaining and extended Lc/Le.
//   SELECT (00 A4 04 00 kChainAid)          → 9000
//   LONG  (00 CA hi lo, length hi‖lo)        → 61 00 at once; the data (byte i =
//         i & FF) comes through GET RESPONSE (00 C0 00 00 Le) in Le-sized
//         pieces, each ending 61xx while more remain, 9000 after the last.
//   EXACT (00 B0 00 L, Le must be L)         → 6C L on a wrong Le, else L bytes 9000
//   ECHO  (00 EE 00 00 data [Le])            → data 9000 (extended APDUs)
//   anything else                            → 6D00
// Counters are atomics: the test thread reads them while the vpcd worker
// drives the applet.

#include <algorithm>
#include <atomic>
#include <cstdint>

#include "apdu/status_word.hpp"
#include "virtual_chip/card_applet.hpp"

namespace cardd::applets::testing {

inline const Bytes kChainAid = {0xF0, 0x63, 0x61, 0x72, 0x64, 0x64, 0x02};
inline const Bytes kChainAtr = {0x3B, 0x85, 0x80, 0x01, 0x80, 0x73, 0x00, 0x00, 0xC0, 0x37};

inline Bytes chainPattern(std::size_t n) {
  Bytes b(n);
  for (std::size_t i = 0; i < n; ++i) b[i] = static_cast<std::uint8_t>(i & 0xFF);
  return b;
}

class ChainApplet final : public virtual_chip::CardApplet {
 public:
  Bytes atr() const override { return kChainAtr; }
  void powerOn() override { pending_.clear(); }
  void powerOff() override { pending_.clear(); }
  void reset() override { pending_.clear(); }

  apdu::ResponseApdu process(const apdu::CommandApdu& c) override {
    ++commands_;
    if (c.cla != 0x00) return {{}, apdu::sw::kClaNotSupported};
    switch (c.ins) {
      case 0xA4:
        return {{}, c.data == kChainAid ? apdu::sw::kOk : apdu::sw::kFileNotFound};
      case 0xCA: {
        pending_ = chainPattern(static_cast<std::size_t>(c.p1 << 8 | c.p2));
        return {{}, 0x6100};
      }
      case 0xC0: {
        ++getResponses_;
        if (pending_.empty()) return {{}, apdu::sw::kConditionsNotSatisfied};
        const std::size_t n = std::min(c.ne == 0 ? std::size_t{256} : c.ne, pending_.size());
        Bytes out(pending_.begin(), pending_.begin() + static_cast<std::ptrdiff_t>(n));
        pending_.erase(pending_.begin(), pending_.begin() + static_cast<std::ptrdiff_t>(n));
        if (pending_.empty()) return {out, apdu::sw::kOk};
        const std::size_t more = std::min<std::size_t>(pending_.size(), 256);
        return {out, static_cast<std::uint16_t>(0x6100 | (more & 0xFF))};
      }
      case 0xB0: {
        const std::size_t want = c.p2 == 0 ? 256 : c.p2;
        if (c.ne != want) {
          ++wrongLe_;
          return {{}, static_cast<std::uint16_t>(0x6C00 | c.p2)};
        }
        return {chainPattern(want), apdu::sw::kOk};
      }
      case 0xEE:
        return {c.data, apdu::sw::kOk};
      default:
        return {{}, apdu::sw::kInsNotSupported};
    }
  }

  int commands() const { return commands_.load(); }
  int getResponses() const { return getResponses_.load(); }
  int wrongLe() const { return wrongLe_.load(); }

 private:
  Bytes pending_;  // only touched by the vpcd worker
  std::atomic<int> commands_{0};
  std::atomic<int> getResponses_{0};
  std::atomic<int> wrongLe_{0};
};

}  // namespace cardd::applets::testing
