#pragma once
// The SCP03 security level (P1 of EXTERNAL AUTHENTICATE, Amd D §7.1.2.1):
// which protections apply to the commands and responses after it.

#include <cstdint>

namespace cardd::applets::scp03 {

using SecurityLevel = std::uint8_t;

namespace level {
inline constexpr SecurityLevel kNoSecureMessaging = 0x00;
inline constexpr SecurityLevel kCMac = 0x01;
inline constexpr SecurityLevel kCDecryption = 0x02;  // always with C-MAC (03)
inline constexpr SecurityLevel kRMac = 0x10;
inline constexpr SecurityLevel kREncryption = 0x20;  // always with R-MAC and C-DEC (33)
}  // namespace level

// One of 00, 01, 03, 11, 13, 33.
bool isValidSecurityLevel(SecurityLevel l);

inline bool hasCMac(SecurityLevel l) {
  return (l & level::kCMac) != 0;
}
inline bool hasCDecryption(SecurityLevel l) {
  return (l & level::kCDecryption) != 0;
}
inline bool hasRMac(SecurityLevel l) {
  return (l & level::kRMac) != 0;
}
inline bool hasREncryption(SecurityLevel l) {
  return (l & level::kREncryption) != 0;
}

}  // namespace cardd::applets::scp03
