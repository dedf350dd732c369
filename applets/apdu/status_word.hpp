#pragma once
// Status words (SW1 SW2) of ISO/IEC 7816-4 §5.6 that cardd meets when
// personalising a chip, with their names for logs and error messages.

#include <cstdint>
#include <string>
#include <string_view>

namespace cardd::applets::apdu {

namespace sw {
inline constexpr std::uint16_t kOk = 0x9000;
inline constexpr std::uint16_t kEndOfFile = 0x6282;  // fewer bytes than Ne
inline constexpr std::uint16_t kWrongLength = 0x6700;
inline constexpr std::uint16_t kSecurityNotSatisfied = 0x6982;
inline constexpr std::uint16_t kConditionsNotSatisfied = 0x6985;
inline constexpr std::uint16_t kIncorrectSmDataObjects = 0x6988;  // bad SM (MAC, cryptogram)
inline constexpr std::uint16_t kWrongData = 0x6A80;
inline constexpr std::uint16_t kFileNotFound = 0x6A82;
inline constexpr std::uint16_t kNotEnoughMemory = 0x6A84;
inline constexpr std::uint16_t kFileExists = 0x6A89;
inline constexpr std::uint16_t kWrongP1P2 = 0x6B00;  // also "offset outside the EF"
inline constexpr std::uint16_t kInsNotSupported = 0x6D00;
inline constexpr std::uint16_t kClaNotSupported = 0x6E00;
// Families whose SW2 carries a length.
inline constexpr std::uint8_t kBytesRemainingSw1 = 0x61;  // 61xx: GET RESPONSE with Le = xx
inline constexpr std::uint8_t kWrongLeSw1 = 0x6C;         // 6Cxx: resend with Le = xx
}  // namespace sw

// Short English name of a status word ("file or application not found");
// 61xx and 6Cxx are named as families. Unknown words give "unknown status".
std::string_view statusWordName(std::uint16_t sw);

// "6A82 (file or application not found)": for logs and Error messages.
std::string describeStatusWord(std::uint16_t sw);

// 9000 only.
bool isSuccess(std::uint16_t sw);
// 9000, 61xx, and the warnings 62xx / 63xx: the command was executed (the
// GlobalPlatform rule for which responses carry secure messaging).
bool isNormalOrWarning(std::uint16_t sw);

// For 61xx: the number of bytes GET RESPONSE should ask for (SW2, 00 = 256).
// For 6Cxx: the exact Le to resend with (SW2, 00 = 256). 0 for other words.
std::size_t bytesAvailable(std::uint16_t sw);
std::size_t correctLe(std::uint16_t sw);

}  // namespace cardd::applets::apdu
