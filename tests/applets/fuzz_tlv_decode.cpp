// Fuzzes BER-TLV decoding: the tree decoder, the streaming reader and the
// single-object decoder must agree, never crash, and whatever decodes
// strictly must re-encode to the same bytes.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "fuzz_target.hpp"
#include "tlv/tlv_node.hpp"
#include "tlv/tlv_reader.hpp"

namespace tlv = cardd::applets::tlv;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const cardd::applets::ByteView bytes(data, size);

  /* Strict: decode, re-encode, compare. */
  auto nodes = tlv::decodeSequence(bytes);
  if (nodes) {
    auto again = tlv::encodeSequence(*nodes);
    if (!again || *again != cardd::applets::Bytes(bytes.begin(), bytes.end())) std::abort();
  }

  /* The reader visits the same top-level objects and always terminates. */
  tlv::TlvReader reader(bytes);
  std::size_t count = 0;
  bool failed = false;
  while (!reader.atEnd()) {
    auto v = reader.next();
    if (!v) {
      failed = true;
      break;
    }
    ++count;
  }
  if (nodes && (failed || count != nodes->size())) std::abort();

  /* Lenient options must accept everything strict decoding accepts. */
  tlv::DecodeOptions lenient;
  lenient.skipPadding = true;
  lenient.allowNonMinimalLength = true;
  auto loose = tlv::decodeSequence(bytes, lenient);
  if (nodes && !loose) std::abort();
  (void)tlv::decodeNode(bytes, lenient);
  return 0;
}
