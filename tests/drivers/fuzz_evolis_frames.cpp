// Fuzzes the Evolis frame parser and the Dbc decoder. The first input byte
// picks the feed chunk size, the rest is the stream. Invariants: no crash;
// every command the parser returns re-encodes and parses back to itself; the
// same stream gives the same commands whatever the chunking; a Dbc payload
// that decodes re-compresses to something that decodes to the same bitmap.
#include "fuzz_target.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>
#include <vector>

#include "printer/evolis/evolis_frame_parser.hpp"

namespace {

using cardd::drivers::evolis::Command;
using cardd::drivers::evolis::FrameParser;

std::vector<Command> splitAll(std::span<const std::uint8_t> stream, std::size_t chunk) {
  FrameParser parser;
  std::vector<Command> out;
  for (std::size_t off = 0; off < stream.size(); off += chunk) {
    parser.feed(stream.subspan(off, std::min(chunk, stream.size() - off)));
    for (;;) {
      auto frame = parser.next();
      if (!frame) continue;  // resynchronised; keep going
      if (!*frame) break;
      out.push_back(std::move(**frame));
    }
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace cardd::drivers::evolis;
  if (size == 0) return 0;
  const std::size_t chunk = 1 + data[0] % 64;
  const std::span<const std::uint8_t> stream(data + 1, size - 1);

  const auto whole = splitAll(stream, stream.size() + 1);
  const auto chunked = splitAll(stream, chunk);
  if (whole != chunked) std::abort();

  for (const auto& cmd : whole) {
    auto bytes = encode(cmd);
    if (!bytes) std::abort();
    auto again = parseFrames(*bytes);
    if (!again || again->size() != 1 || (*again)[0] != cmd) std::abort();
    if (cmd.name == "Dbc") {
      auto bitmap = decompressMono(cmd.payload);
      if (!bitmap) continue;
      auto recompressed = compressMono(*bitmap);
      if (!recompressed || *decompressMono(*recompressed) != *bitmap) std::abort();
    }
  }
  (void)decompressMono(stream);
  return 0;
}
