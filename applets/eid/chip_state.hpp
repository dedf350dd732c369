#pragma once
// The pieces both chip models share: the transparent EFs they hold, and the
// text format of their exported persistent state.
//
// State text, one item per line ("key value…", tokens separated by one
// space, hex upper-case, "-" for an empty byte string):
//
//   cardd-chip-state 1
//   kind eid
//   serial 0011223344556677
//   lifecycle 1                      (applet-specific items follow)
//   file 0101 1234 <hex of the EF's allocated bytes>
//
// The first three lines are fixed; empty lines are ignored; anything else is
// an error (InvalidArgument) whose message names the line number but never
// the line's content (it may hold personal data). Pure; thread-safe.

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/bytes.hpp"
#include "core/result.hpp"
#include "eid/virtual_chip.hpp"

namespace cardd::applets::eid {

// One transparent EF. `data` is the allocated storage (JMRTD's applet keeps
// the first allocation when a file is created again smaller); `size` is the
// file's current size, at most data.size().
struct ElementaryFile {
  Bytes data;
  std::size_t size = 0;
};
using FileMap = std::map<std::uint16_t, ElementaryFile>;

// Sum of the allocations.
std::size_t allocatedBytes(const FileMap& files);

struct StateLine {
  std::size_t number = 0;  // 1-based, for error messages
  std::string key;
  std::vector<std::string> values;
};

class StateWriter {
 public:
  StateWriter(AppletKind kind, ByteView serial);
  void add(std::string_view key, const std::vector<std::string>& values);
  // One "file" line per EF.
  void addFiles(const FileMap& files);
  const std::string& text() const { return text_; }

 private:
  std::string text_;
};

struct ParsedState {
  AppletKind kind = AppletKind::Eid;
  Bytes serial;
  std::vector<StateLine> lines;  // after the three header lines
};

Result<ParsedState> parseStateText(std::string_view text);

// Token helpers for the applet-specific lines. Errors name the line number.
Result<std::uint64_t> parseNumber(const StateLine& line, std::size_t index, std::uint64_t max);
Result<Bytes> parseHexValue(const StateLine& line, std::size_t index);
std::string hexOrDash(ByteView bytes);
// Parses a "file FID SIZE DATA" line into `files`. Errors: malformed line,
// duplicate FID, size above the allocation.
Status parseFileLine(const StateLine& line, FileMap& files);

// "line N of the chip state: <what>".
Error stateError(const StateLine& line, std::string_view what);

}  // namespace cardd::applets::eid
