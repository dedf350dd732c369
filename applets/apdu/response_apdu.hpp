#pragma once
// A response APDU: response data followed by the status word SW1 SW2
// (ISO/IEC 7816-4 §5.1). Pure value type; thread-safe.

#include <cstdint>

#include "apdu/status_word.hpp"
#include "common/bytes.hpp"
#include "core/result.hpp"

namespace cardd::applets::apdu {

struct ResponseApdu {
  Bytes data;
  std::uint16_t sw = sw::kOk;

  std::uint8_t sw1() const { return static_cast<std::uint8_t>(sw >> 8); }
  std::uint8_t sw2() const { return static_cast<std::uint8_t>(sw & 0xFF); }
  bool isSuccess() const { return apdu::isSuccess(sw); }

  // data ‖ SW1 SW2.
  Bytes encode() const;

  friend bool operator==(const ResponseApdu&, const ResponseApdu&) = default;
};

// Splits raw R-APDU bytes. Error (InvalidArgument): fewer than 2 bytes, or
// more than 65536 bytes of data.
Result<ResponseApdu> parseResponseApdu(ByteView bytes);

}  // namespace cardd::applets::apdu
