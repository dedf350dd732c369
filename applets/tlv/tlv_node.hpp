#pragma once
// An owned BER-TLV tree: build data groups and chip files with it, or decode
// a whole buffer into it. A node with a constructed tag (bit 6 of the first
// tag byte) holds children and no value; a primitive node holds a value and
// no children. Decoding is strict (see header.hpp and DecodeOptions) and
// recursive into every constructed object; encoding always produces the
// minimal form, so decode(encode(x)) == x and, for strict input,
// encode(decode(b)) == b. Value type; thread-safe as any value.

#include <cstddef>
#include <initializer_list>
#include <vector>

#include "common/bytes.hpp"
#include "core/result.hpp"
#include "tlv/header.hpp"
#include "tlv/tlv_reader.hpp"

namespace cardd::applets::tlv {

struct TlvNode {
  Tag tag = 0;
  Bytes value;                    // Primitive nodes only.
  std::vector<TlvNode> children;  // Constructed nodes only.

  static TlvNode primitive(Tag tag, Bytes value);
  static TlvNode constructed(Tag tag, std::vector<TlvNode> children);

  bool isConstructed() const { return tlv::isConstructed(tag); }

  // First direct child with `tag`, or nullptr.
  const TlvNode* find(Tag child) const;
  // Follows a path of tags through direct children: findPath({0x7F61, 0x7F60,
  // 0x5F2E}). nullptr when a step is missing. An empty path returns this.
  const TlvNode* findPath(std::initializer_list<Tag> path) const;

  // Errors (InvalidArgument): an invalid tag, a primitive node with children,
  // a constructed node with a value, a value longer than kMaxLength.
  Result<Bytes> encode() const;
  // Appends this node's encoding to `out` (same errors; `out` may then hold
  // a partial encoding).
  Status encodeTo(Bytes& out) const;

  friend bool operator==(const TlvNode&, const TlvNode&) = default;
};

// Encodes a primitive data object: tag ‖ length ‖ value.
Result<Bytes> encodeTlv(Tag tag, ByteView value);

// Encodes a sequence of nodes back to back.
Result<Bytes> encodeSequence(const std::vector<TlvNode>& nodes);

// Decodes all of `bytes` as a sequence of data objects (possibly empty).
Result<std::vector<TlvNode>> decodeSequence(ByteView bytes, const DecodeOptions& options = {});

// Decodes exactly one data object filling all of `bytes` ("trailing bytes"
// is an error).
Result<TlvNode> decodeNode(ByteView bytes, const DecodeOptions& options = {});

}  // namespace cardd::applets::tlv
