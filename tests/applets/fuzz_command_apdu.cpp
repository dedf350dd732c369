// Fuzzes C-APDU and R-APDU parsing (the virtual chip's input): whatever
// parses must re-encode to the very same bytes; nothing may crash.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "apdu/command_apdu.hpp"
#include "apdu/response_apdu.hpp"
#include "fuzz_target.hpp"

namespace apdu = cardd::applets::apdu;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const cardd::applets::ByteView bytes(data, size);
  const cardd::applets::Bytes original(bytes.begin(), bytes.end());

  auto command = apdu::parseCommandApdu(bytes);
  if (command) {
    auto again = apdu::encodeCommandApdu(*command);
    if (!again || *again != original) std::abort();
    if (command->caseNumber() < 1 || command->caseNumber() > 4) std::abort();
  }
  auto response = apdu::parseResponseApdu(bytes);
  if (response && response->encode() != original) std::abort();
  return 0;
}
