#pragma once
// Server-sent events (text/event-stream) as cardd's GET /v1/events sends them:
//   "id: <seq>\nevent: <kind>\ndata: <Event JSON>\n\n", with ": keepalive\n\n"
// comments as heartbeats. SseParser is the pure, incremental decoder used by
// Connection::nextEvent(); it is public so it can be tested and fuzzed alone.

#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <string_view>

namespace cardd::client {

struct SseEvent {
  std::uint64_t id = 0;  // the "id:" field; the previous event's id when absent
  std::string event;     // the "event:" field; "message" when absent
  std::string data;      // the "data:" lines joined with "\n"
};

// Follows the WHATWG event-stream rules: lines end in LF, CRLF or CR; a blank
// line dispatches the event; ":" lines are comments (skipped); an event with
// no data lines is not dispatched; one leading space after "field:" is
// dropped; unknown fields and non-numeric ids are ignored. Not thread-safe.
class SseParser {
 public:
  // Appends bytes from the stream; they may split lines anywhere.
  void feed(std::string_view bytes);
  // The next complete event, or nullopt until more bytes arrive.
  std::optional<SseEvent> next();
  // The id of the last dispatched event with an id (0 before any).
  std::uint64_t lastId() const { return last_id_; }

 private:
  void processLine(std::string_view line);

  std::string pending_;   // bytes of an incomplete line
  bool skip_lf_ = false;  // the previous chunk ended in CR; drop a leading LF
  std::deque<SseEvent> ready_;
  SseEvent current_;
  bool has_data_ = false;
  std::uint64_t id_buffer_ = 0;  // the spec's "last event ID buffer"; persists across events
  std::uint64_t last_id_ = 0;
};

}  // namespace cardd::client
