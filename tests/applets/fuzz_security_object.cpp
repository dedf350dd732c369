// Fuzzes decoding of the LDSSecurityObject (the SOD's signed content, read
// back from a chip, so untrusted). Invariants: no crash; whatever decodes
// re-encodes, and the re-encoding decodes to the same object.
#include "fuzz_target.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "lds/security_object.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace cardd::applets;
  auto decoded = lds::decodeSecurityObject(ByteView(data, size));
  if (!decoded) return 0;
  auto encoded = lds::encodeSecurityObject(*decoded);
  if (!encoded) return 0;  // decoding may accept what encoding refuses (e.g. unsorted groups)
  auto again = lds::decodeSecurityObject(*encoded);
  if (!again || !(*again == *decoded)) std::abort();
  return 0;
}
