#pragma once
// A command APDU (ISO/IEC 7816-3 §12.1, 7816-4 §5.1): header CLA INS P1 P2,
// an optional command data field (Nc bytes) and an optional expected length
// Ne. Encoding and decoding cover the four cases in short and extended form:
//
//   case 1   CLA INS P1 P2
//   case 2S  ... Le                 (Le 00 means Ne = 256)
//   case 3S  ... Lc data            (Lc 01..FF)
//   case 4S  ... Lc data Le
//   case 2E  ... 00 Le1 Le2         (Le 0000 means Ne = 65536)
//   case 3E  ... 00 Lc1 Lc2 data    (Lc 0001..FFFF)
//   case 4E  ... 00 Lc1 Lc2 data Le1 Le2
//
// Pure values and functions; thread-safe. Size violations are errors
// (InvalidArgument), never truncation.

#include <cstddef>
#include <cstdint>

#include "common/bytes.hpp"
#include "core/result.hpp"

namespace cardd::applets::apdu {

// Largest Nc and Ne in each form.
inline constexpr std::size_t kShortMaxData = 255;
inline constexpr std::size_t kShortMaxExpected = 256;
inline constexpr std::size_t kExtendedMaxData = 65535;
inline constexpr std::size_t kExtendedMaxExpected = 65536;

// Which length encoding to use. Auto picks short whenever Nc and Ne fit and
// extended otherwise; parseCommandApdu() records the form it met so that
// re-encoding a parsed command gives back the same bytes.
enum class LengthForm : std::uint8_t { Auto, Short, Extended };

struct CommandApdu {
  std::uint8_t cla = 0;
  std::uint8_t ins = 0;
  std::uint8_t p1 = 0;
  std::uint8_t p2 = 0;
  Bytes data;          // Nc = data.size(); empty means no Lc field.
  std::size_t ne = 0;  // Expected response length; 0 means no Le field.
  LengthForm form = LengthForm::Auto;

  // The ISO case number, 1..4.
  int caseNumber() const;
  // Whether encode() will use the extended form.
  bool usesExtendedForm() const;

  friend bool operator==(const CommandApdu&, const CommandApdu&) = default;
};

// Whether a command with Nc = `nc` and Ne = `ne` travels in extended form
// under `form` (what CommandApdu::usesExtendedForm() answers; the secure
// channel needs it for a data field it has not built yet).
bool usesExtendedForm(LengthForm form, std::size_t nc, std::size_t ne);

// Serialises `command`. Errors (InvalidArgument): Nc or Ne beyond 65535 /
// 65536, or beyond 255 / 256 when `form` is Short.
Result<Bytes> encodeCommandApdu(const CommandApdu& command);

// Decodes a C-APDU exactly as the bytes arrive from a reader (the virtual chip
// side). Every byte must be accounted for by one of the cases above: trailing
// or missing bytes, Lc = 0000 in extended form, and fewer than 4 bytes are
// errors (InvalidArgument). The result's `form` is Short or Extended (Short
// for case 1).
Result<CommandApdu> parseCommandApdu(ByteView bytes);

}  // namespace cardd::applets::apdu
