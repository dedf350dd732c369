#pragma once
// Zero-copy BER-TLV iteration over a buffer the caller keeps alive: the
// reader yields one data object at a time as views into that buffer. Use it
// to walk chip responses without building a tree; use TlvNode (tlv_node.hpp)
// to build or hold data.
//
//   TlvReader reader(bytes);
//   while (!reader.atEnd()) {
//     auto object = reader.next();
//     if (!object) return object.error();
//     ... object->tag, object->value, object->children() ...
//   }
//
// Errors are values (InvalidArgument): header errors (see header.hpp) and a
// value running past the end of the buffer. After an error the reader is at
// its end, so the loop above always terminates. Not thread-safe; cheap to copy.

#include <cstddef>

#include "common/bytes.hpp"
#include "core/result.hpp"
#include "tlv/header.hpp"

namespace cardd::applets::tlv {

struct DecodeOptions {
  // Skip 00 and FF bytes before and between data objects (ISO 7816-4 §5.2
  // allows them as padding). Off: such bytes are an invalid tag.
  bool skipPadding = false;
  // Accept long-form lengths that would fit a shorter form (81 05).
  bool allowNonMinimalLength = false;
  // Deepest nesting of constructed objects decodeTree() follows; deeper input
  // is an error rather than unbounded recursion.
  std::size_t maxDepth = 16;
};

class TlvReader;

// One data object, viewing the reader's buffer.
struct TlvView {
  Tag tag = 0;
  ByteView value;    // The value field.
  ByteView encoded;  // Tag, length and value, as they appear in the buffer.

  bool constructed() const { return isConstructed(tag); }
  // A reader over the value field (meaningful for constructed objects).
  TlvReader children(const DecodeOptions& options = {}) const;
};

class TlvReader {
 public:
  explicit TlvReader(ByteView bytes, DecodeOptions options = {});

  // True when nothing but (allowed) padding remains.
  bool atEnd() const;
  // The next data object. Calling it at the end is an error.
  Result<TlvView> next();
  // The bytes not yet consumed.
  ByteView remaining() const { return rest_; }

 private:
  void skipPadding();

  ByteView rest_;
  DecodeOptions options_;
};

// Exactly one data object filling all of `bytes`; anything after it
// (other than padding when allowed) is an error ("trailing bytes").
Result<TlvView> decodeSingle(ByteView bytes, const DecodeOptions& options = {});

// The first direct data object with `tag` in a sequence, or NotFound. Errors
// in the sequence up to and including the match are returned as they occur.
Result<TlvView> findFirst(ByteView sequence, Tag tag, const DecodeOptions& options = {});

}  // namespace cardd::applets::tlv
