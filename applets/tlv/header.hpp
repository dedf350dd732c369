#pragma once
// The two header fields of a BER-TLV data object (ISO/IEC 7816-4 §5.2,
// X.690 §8.1): the tag and the length. Tags are handled as their encoded
// bytes packed big-endian into an integer, the way the specifications write
// them: 0x5F1F, 0x7F61, 0x9F0102.
//
// Rules applied (strict, so that decoding then re-encoding gives back the
// same bytes):
//   - tags are 1 to 4 bytes; first byte neither 00 nor FF (ISO 7816-4 uses
//     those as padding); a multi-byte tag has no leading 80 subsequent byte,
//     and a 2-byte tag number is at least 31 (lower numbers fit one byte);
//   - lengths are definite: short form 00..7F, long form 81..84 followed by
//     1..4 bytes, minimal (81 7F is refused unless the caller allows it);
//     80 (indefinite) and 85..FF are refused.
// Pure functions; thread-safe.

#include <cstddef>
#include <cstdint>
#include <optional>

#include "common/bytes.hpp"
#include "core/result.hpp"

namespace cardd::applets::tlv {

using Tag = std::uint32_t;

// Largest length a 4-byte long form can carry.
inline constexpr std::size_t kMaxLength = 0xFFFFFFFFu;

// Bit 6 of the first tag byte.
bool isConstructed(Tag tag);
// Whether `tag` follows the rules above.
bool isValidTag(Tag tag);
// Number of bytes of the encoded tag (1..4); 0 if invalid.
std::size_t tagSize(Tag tag);

// Appends the encoded tag / length. Errors (InvalidArgument): invalid tag,
// length above kMaxLength.
Status appendTag(Bytes& out, Tag tag);
Status appendLength(Bytes& out, std::size_t length);

// A decoded header and how many bytes it took.
struct Header {
  Tag tag = 0;
  std::size_t length = 0;
  std::size_t headerSize = 0;
};

// Decodes the tag and length at the start of `in` (the value is not checked
// against the remaining size here). Errors (InvalidArgument): truncated tag
// or length, invalid tag, indefinite or oversized length, and a non-minimal
// long form unless `allowNonMinimalLength`.
Result<Header> decodeHeader(ByteView in, bool allowNonMinimalLength = false);

}  // namespace cardd::applets::tlv
