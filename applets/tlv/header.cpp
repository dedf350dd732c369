#include "tlv/header.hpp"

namespace cardd::applets::tlv {

namespace {

Error bad(const char* what) {
  return Error{ErrorCode::InvalidArgument, std::string("TLV: ") + what};
}

std::size_t significantBytes(Tag tag) {
  if (tag > 0xFFFFFF) return 4;
  if (tag > 0xFFFF) return 3;
  if (tag > 0xFF) return 2;
  return 1;
}

}  // namespace

bool isConstructed(Tag tag) {
  const std::size_t n = significantBytes(tag);
  return ((tag >> (8 * (n - 1))) & 0x20) != 0;
}

bool isValidTag(Tag tag) {
  return tagSize(tag) != 0;
}

std::size_t tagSize(Tag tag) {
  const std::size_t n = significantBytes(tag);
  const unsigned first = (tag >> (8 * (n - 1))) & 0xFF;
  if (first == 0x00 || first == 0xFF) return 0;
  if (n == 1) return (first & 0x1F) == 0x1F ? 0 : 1;
  if ((first & 0x1F) != 0x1F) return 0;

  /* Subsequent bytes: b8 set on all but the last; no leading 80. */
  for (std::size_t i = 1; i < n; ++i) {
    const unsigned b = (tag >> (8 * (n - 1 - i))) & 0xFF;
    const bool last = i == n - 1;
    if (((b & 0x80) != 0) == last) return 0;
    if (i == 1 && b == 0x80) return 0;
  }
  if (n == 2 && (tag & 0xFF) < 0x1F) return 0;
  return n;
}

Status appendTag(Bytes& out, Tag tag) {
  const std::size_t n = tagSize(tag);
  if (n == 0) return bad("invalid tag");
  for (std::size_t i = 0; i < n; ++i) {
    out.push_back(static_cast<std::uint8_t>(tag >> (8 * (n - 1 - i))));
  }
  return Ok{};
}

Status appendLength(Bytes& out, std::size_t length) {
  if (length > kMaxLength) return bad("length above 4 bytes");
  if (length < 0x80) {
    out.push_back(static_cast<std::uint8_t>(length));
    return Ok{};
  }
  std::size_t n = 1;
  while (n < 4 && (length >> (8 * n)) != 0) ++n;
  out.push_back(static_cast<std::uint8_t>(0x80 | n));
  for (std::size_t i = 0; i < n; ++i) {
    out.push_back(static_cast<std::uint8_t>(length >> (8 * (n - 1 - i))));
  }
  return Ok{};
}

Result<Header> decodeHeader(ByteView in, bool allowNonMinimalLength) {
  Header h;
  std::size_t pos = 0;

  /* Tag: one byte, or a lead byte with low bits 11111 and up to three
     subsequent bytes, the last one with b8 clear. */
  if (in.empty()) return bad("truncated tag");
  Tag tag = in[pos++];
  if ((tag & 0x1F) == 0x1F) {
    for (;;) {
      if (pos >= in.size()) return bad("truncated tag");
      if (pos >= 4) return bad("tag longer than 4 bytes");
      const std::uint8_t b = in[pos++];
      tag = (tag << 8) | b;
      if ((b & 0x80) == 0) break;
    }
  }
  if (!isValidTag(tag)) return bad("invalid tag");
  h.tag = tag;

  /* Length: short form, or 81..84 and that many big-endian bytes. */
  if (pos >= in.size()) return bad("truncated length");
  const std::uint8_t first = in[pos++];
  if (first < 0x80) {
    h.length = first;
  } else {
    if (first == 0x80) return bad("indefinite length");
    const std::size_t n = first & 0x7F;
    if (n > 4) return bad("length field longer than 4 bytes");
    if (in.size() - pos < n) return bad("truncated length");
    std::size_t len = 0;
    for (std::size_t i = 0; i < n; ++i) len = (len << 8) | in[pos++];
    const std::size_t minimum = n == 1 ? 0x80 : std::size_t{1} << (8 * (n - 1));
    if (!allowNonMinimalLength && len < minimum) return bad("non-minimal length");
    h.length = len;
  }
  h.headerSize = pos;
  return h;
}

}  // namespace cardd::applets::tlv
