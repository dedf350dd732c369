// Fuzzes the e-ID applet (the virtual chip) with command sequences, as a
// reader could send them: the input is a series of frames, each a 2-byte
// big-endian length and that many bytes; every frame that parses as a C-APDU
// goes to process(). Invariants: no crash, every response ends in a status
// word, and no response is larger than the extended-length maximum.
#include "fuzz_target.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "apdu/command_apdu.hpp"
#include "eid/eid_applet.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace cardd::applets;
  static const Bytes kMaster(16, 0x4B);
  static const Bytes kSerial{0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77};
  auto keys = eid::eidChipKeys(kMaster, kSerial);
  if (!keys) std::abort();
  auto chip = eid::EidApplet::create(kSerial, *keys);
  if (!chip) std::abort();
  (*chip)->powerOn();
  std::size_t at = 0;
  while (at + 2 <= size) {
    const std::size_t length = (static_cast<std::size_t>(data[at]) << 8) | data[at + 1];
    at += 2;
    if (length > size - at) break;
    auto command = apdu::parseCommandApdu(ByteView(data + at, length));
    at += length;
    if (!command) continue;
    if (command->cla == 0xFF) {  // the transport answers CLA FF itself
      (*chip)->reset();
      continue;
    }
    const apdu::ResponseApdu response = (*chip)->process(*command);
    if (response.data.size() > apdu::kExtendedMaxExpected) std::abort();
  }
  (*chip)->powerOff();
  return 0;
}
