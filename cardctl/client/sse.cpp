#include "client/sse.hpp"

#include <charconv>

namespace cardd::client {

void SseParser::feed(std::string_view bytes) {
  // Split into lines at LF, CRLF or CR. A CR at the end of a chunk may be the
  // first half of a CRLF split across chunks: remember to drop the LF.
  for (char c : bytes) {
    if (skip_lf_) {
      skip_lf_ = false;
      if (c == '\n') continue;
    }
    if (c == '\n' || c == '\r') {
      processLine(pending_);
      pending_.clear();
      skip_lf_ = (c == '\r');
    } else {
      pending_.push_back(c);
    }
  }
}

std::optional<SseEvent> SseParser::next() {
  if (ready_.empty()) return std::nullopt;
  SseEvent ev = std::move(ready_.front());
  ready_.pop_front();
  return ev;
}

void SseParser::processLine(std::string_view line) {
  if (line.empty()) {
    // Blank line: dispatch (only events that carried data).
    if (has_data_) {
      current_.id = id_buffer_;
      last_id_ = id_buffer_;
      if (current_.event.empty()) current_.event = "message";
      ready_.push_back(std::move(current_));
    }
    current_ = SseEvent{};
    has_data_ = false;
    return;
  }
  if (line.front() == ':') return;  // comment / heartbeat

  std::string_view field = line;
  std::string_view value;
  if (auto colon = line.find(':'); colon != std::string_view::npos) {
    field = line.substr(0, colon);
    value = line.substr(colon + 1);
    if (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  }
  if (field == "data") {
    if (has_data_) current_.data.push_back('\n');
    current_.data.append(value);
    has_data_ = true;
  } else if (field == "event") {
    current_.event = std::string(value);
  } else if (field == "id") {
    std::uint64_t id = 0;
    auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), id);
    if (ec == std::errc() && ptr == value.data() + value.size() && !value.empty()) id_buffer_ = id;
  }
  // "retry" and unknown fields are ignored.
}

}  // namespace cardd::client
