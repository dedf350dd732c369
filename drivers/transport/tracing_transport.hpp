#pragma once
// TracingTransport: a decorator that passes every call to an inner Transport
// and writes one line per call to a sink, in a stable, diffable text form
// (pcsc-spy --diffable, GlobalPlatformPro's APDU trace). Traces double as
// test fixtures, so the format is part of the contract:
//
//   > 5 <ESC>Rtp<CR>                      write of 5 bytes, Ok
//   < 17 Evolis Primacy 2<CR>             read of 17 bytes, Ok
//   > 82305 <ESC>Db;k;2;<82297 bytes redacted>   a 1 bpp panel: the binary run
//                                                 swallows the final CR too
//   > 5 <ESC>Rtp<CR> [timeout]            write outcome other than Ok
//   < [timeout]   < [disconnected]   < [error: <message>]
//   - close
//
// The leading count is always the true number of bytes moved. Rendering:
// bytes 0x20..0x7E print as themselves, except '<', which prints as <3C> so
// that every '<' in a trace opens an escape; ESC prints as <ESC>, CR as <CR>,
// LF as <LF>; any other byte as <XX> (upper-case hex). A redacted range prints
// as <N bytes redacted>.
//
// Redaction: card data (portrait rasters, encoded payloads) must never reach
// a trace. A Redactor chooses which byte ranges of each call are hidden; it
// is pluggable and may keep state across calls. defaultRedactor() hides:
//   1. any run of 32 or more consecutive non-printable bytes (outside
//      0x20..0x7E), in either direction, and
//   2. in a write, everything after the 3rd ';' of an ESC Db or ESC Dbc frame
//      ("Db;k;2;" + payload, "Dbc;k;2;" + length;payload), up to the end of
//      that write except a final CR. If the write does not end with CR, the
//      payload is taken to continue in the next writes, which are hidden
//      whole until one ends with CR (its CR is shown). The rule therefore
//      errs towards hiding: commands written after a payload in the same
//      write are hidden too. Limits: the frame header up to its 3rd ';' must
//      come in one write (the codec's encode() output always does), and a
//      payload split so that a chunk happens to end in a 0x0D byte ends the
//      hiding early; rule 1 still covers binary runs.
//
// Timestamps: off by default so traces diff cleanly. With
// Options::timestamps, each line starts with the time since the tracer was
// constructed, "+12.345ms ".
//
// Threading: as Transport; the sink is called on the calling (worker)
// thread, synchronously, once per call, before the call returns.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "transport/transport.hpp"

namespace cardd::drivers {

enum class TraceDirection { Write, Read };

// A half-open range [offset, offset + length) of one call's bytes.
struct ByteRange {
  std::size_t offset = 0;
  std::size_t length = 0;

  friend bool operator==(const ByteRange&, const ByteRange&) = default;
};

// Returns the ranges of `bytes` to hide. Ranges may overlap and come in any
// order; ranges past the end are clipped.
using Redactor =
    std::function<std::vector<ByteRange>(TraceDirection, std::span<const std::uint8_t> bytes)>;

using TraceSink = std::function<void(std::string_view line)>;

// The rule documented above. Each call makes a fresh redactor with its own
// state; give each TracingTransport its own.
Redactor defaultRedactor();

// A redactor that hides nothing (for traces of non-personal test data only).
Redactor noRedaction();

// Renders `bytes` per the rules above, hiding `hidden` ranges.
std::string renderBytes(std::span<const std::uint8_t> bytes, std::span<const ByteRange> hidden);

class TracingTransport final : public Transport {
 public:
  struct Options {
    Redactor redactor;        // Empty: defaultRedactor().
    bool timestamps = false;  // Prefix lines with "+<ms>ms ".
    // Time source for timestamps (tests); empty: steady_clock::now.
    std::function<std::chrono::steady_clock::time_point()> clock;
  };

  // `inner` must not be null; `sink` must be callable.
  TracingTransport(std::unique_ptr<Transport> inner, TraceSink sink);
  TracingTransport(std::unique_ptr<Transport> inner, TraceSink sink, Options options);

  Transport& inner() { return *inner_; }

  // Transport
  [[nodiscard]] Result<LinkState> write(std::span<const std::uint8_t> bytes,
                                        std::chrono::milliseconds timeout) override;
  [[nodiscard]] Result<ReadResult> read(std::size_t max_bytes,
                                        std::chrono::milliseconds timeout) override;
  void close() override;
  std::string describe() const override { return inner_->describe(); }

 private:
  void emit(std::string line);

  std::unique_ptr<Transport> inner_;
  TraceSink sink_;
  Options options_;
  std::chrono::steady_clock::time_point start_;
};

}  // namespace cardd::drivers
