#pragma once
// Evolis command-stream splitter, printer side: turns the bytes a host sends
// into Commands (evolis_codec.hpp). The printer emulator reads its socket
// through it; tests use it to check what a driver sent. Incremental: feed()
// bytes as they arrive, then call next() until it has nothing more.
//
// Rules (the inverse of encode()):
// - A frame is ESC <letters> [';' param]* CR. NUL bytes between frames are
//   skipped (hosts pad after Se; the Perl simulator tolerates them too).
// - Db;<panel>;<levels>; is followed by panelBytes(levels) binary bytes, then
//   CR. Dbc;<panel>;<line>;<length>; by <length> bytes (at most
//   kMaxDbcBytes), then CR. Binary payloads may hold ESC and CR bytes.
// - A header (everything before a payload or the CR) longer than
//   kMaxHeaderBytes, a non-letter name, a bad Db/Dbc parameter, a missing CR
//   after a payload, or a byte other than ESC/NUL between frames is an error.
//   next() returns it once and then resynchronises at the next ESC, so one
//   bad frame does not poison the stream.
//
// Threading: none; one parser per connection. Memory: bounded by the largest
// frame (one colour panel, 576,072 bytes) plus what the caller feeds at once.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

#include "core/result.hpp"
#include "printer/evolis/evolis_codec.hpp"

namespace cardd::drivers::evolis {

inline constexpr std::size_t kMaxHeaderBytes = 256;

class FrameParser {
 public:
  // Appends bytes from the stream.
  void feed(std::span<const std::uint8_t> bytes);

  // The next complete command; std::nullopt when more bytes are needed; an
  // Error (protocolError) for a malformed frame, after which parsing resumes
  // at the next ESC.
  [[nodiscard]] Result<std::optional<Command>> next();

  // Bytes fed but not yet returned as a command (an incomplete frame).
  std::size_t buffered() const { return buffer_.size() - start_; }

 private:
  void discardThroughNextEsc();
  void compact();

  Bytes buffer_;
  std::size_t start_ = 0;  // Offset of the first unconsumed byte in buffer_.
};

// Splits a whole captured stream; stops at the first error. A trailing
// incomplete frame is an error too.
Result<std::vector<Command>> parseFrames(std::span<const std::uint8_t> bytes);

}  // namespace cardd::drivers::evolis
