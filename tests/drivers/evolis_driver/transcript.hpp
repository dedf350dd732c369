#pragma once
// Transcript: a whole driver<->printer exchange as a text file, in the
// TracingTransport's format (transport/tracing_transport.hpp), replayed as a
// fake device. The file is at once the script (what the printer answers) and
// the assertion (what the driver must write, rendered and redacted exactly as
// a trace of a real printer would be). A trace captured from a printer with
// TracingTransport is therefore a valid transcript once "= connect" lines are
// added.
//
// Lines (blank lines and lines starting with '#' are ignored):
//   = connect                 the driver calls its connector: a new link opens
//   = connect failed          the connector returns an Error
//   > N <rendered bytes>      the driver writes exactly these N bytes (Db/Dbc
//                             payloads compare by length only: redacted)
//   > N <rendered> [timeout]  same, and the write times out (also [disconnected])
//   < N <rendered bytes>      the printer sends these bytes
//   < [timeout]               the next read times out
//   < [disconnected]          the link drops (every later call on it too)
//   - close                   the driver closes the link
// Any call that does not match the next line is recorded as a mismatch
// (with the line number) and fails; a close() after the last line is allowed
// (the driver's destructor). Tests end with EXPECT_THAT(t.mismatches(),
// IsEmpty()) and EXPECT_TRUE(t.done()).

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "transport/tracing_transport.hpp"
#include "transport/transport.hpp"
#include "transport/transport_connector.hpp"

namespace cardd::drivers::testing {

class Transcript : public std::enable_shared_from_this<Transcript> {
 public:
  struct Line {
    int number = 0;    // 1-based line in the file.
    char kind = '#';   // '=', '>', '<' or '-'.
    std::string text;  // After "<kind> ".
  };

  // Reads `path`; aborts the test (ADD_FAILURE + empty transcript) when the
  // file is missing.
  static std::shared_ptr<Transcript> load(const std::string& path);
  static std::shared_ptr<Transcript> parse(const std::string& text, std::string name);

  // A connector that follows the "= connect" lines.
  TransportConnector connector();

  const std::vector<std::string>& mismatches() const { return mismatches_; }
  bool done() const { return next_ == lines_.size(); }
  // The line the transcript waits for ("end" when done), for failure messages.
  std::string where() const;
  // Every byte the driver wrote, over all links, in order.
  const Bytes& written() const { return written_; }
  // How many times the connector was called.
  int connects() const { return connects_; }

  // Used by the transport views.
  Result<LinkState> write(int link, std::span<const std::uint8_t> bytes);
  Result<ReadResult> read(int link, std::size_t max_bytes);
  void close(int link);

 private:
  const Line* peek() const { return next_ < lines_.size() ? &lines_[next_] : nullptr; }
  void mismatch(const std::string& what);

  std::string name_;
  std::vector<Line> lines_;
  std::size_t next_ = 0;
  std::size_t read_offset_ = 0;  // Bytes of the current '<' line already returned.
  std::vector<std::string> mismatches_;
  Bytes written_;
  int connects_ = 0;
  std::vector<Redactor> redactors_;  // One per link, indexed by link number.
  int live_link_ = 0;                // The link the transcript is on; older links are dead.
  bool disconnected_ = false;
};

// Decodes rendered bytes ("OK<CR>", "<ESC>Rtp<CR>", "<3C>") back to bytes.
// Redacted ranges cannot be decoded: returns false.
bool decodeRendered(const std::string& rendered, Bytes& out);

}  // namespace cardd::drivers::testing
