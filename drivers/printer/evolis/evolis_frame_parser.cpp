#include "printer/evolis/evolis_frame_parser.hpp"

#include <algorithm>
#include <string>

#include "driver_error.hpp"

namespace cardd::drivers::evolis {

namespace {

bool isLetter(std::uint8_t c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

// A parameter as an unsigned number, or nullopt when it is not one (or absurd).
std::optional<std::size_t> number(const std::string& s) {
  if (s.empty() || s.size() > 9) return std::nullopt;
  std::size_t v = 0;
  for (const char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + static_cast<std::size_t>(c - '0');
  }
  return v;
}

// How many payload bytes follow a download header with `params`, or an error.
// Returns nullopt for commands without payload.
Result<std::optional<std::size_t>> payloadLength(const Command& c) {
  if (c.name == "Db") {
    if (c.params.size() != 2) return protocolError("evolis: Db header needs panel and levels");
    const auto levels = number(c.params[1]);
    if (!levels) return protocolError("evolis: Db levels is not a number");
    auto size = panelBytes(static_cast<unsigned>(*levels));
    if (!size) return protocolError("evolis: Db levels " + c.params[1] + " unsupported");
    return std::optional<std::size_t>(*size);
  }
  if (c.name == "Dbc") {
    if (c.params.size() != 3) return protocolError("evolis: Dbc header needs panel, line, length");
    const auto length = number(c.params[2]);
    if (!length || *length > kMaxDbcBytes) return protocolError("evolis: Dbc length is invalid");
    return std::optional<std::size_t>(*length);
  }
  return std::optional<std::size_t>();
}

bool isDownload(const Command& c) {
  return c.name == "Db" || c.name == "Dbc";
}

}  // namespace

void FrameParser::feed(std::span<const std::uint8_t> bytes) {
  compact();
  buffer_.insert(buffer_.end(), bytes.begin(), bytes.end());
}

void FrameParser::compact() {
  if (start_ == 0) return;
  buffer_.erase(buffer_.begin(), buffer_.begin() + static_cast<std::ptrdiff_t>(start_));
  start_ = 0;
}

void FrameParser::discardThroughNextEsc() {
  const auto from = buffer_.begin() + static_cast<std::ptrdiff_t>(start_) + 1;
  const auto esc = std::find(std::min(from, buffer_.end()), buffer_.end(), kEsc);
  start_ = static_cast<std::size_t>(esc - buffer_.begin());
}

Result<std::optional<Command>> FrameParser::next() {
  // Skip inter-frame NUL padding; anything else before ESC is garbage.
  while (start_ < buffer_.size() && buffer_[start_] == 0x00) ++start_;
  if (start_ >= buffer_.size()) return std::optional<Command>();
  if (buffer_[start_] != kEsc) {
    discardThroughNextEsc();
    return protocolError("evolis: bytes outside a frame");
  }

  // Header: name, then ';'-separated parameters up to CR, or up to the ';'
  // that opens a download payload.
  const std::span<const std::uint8_t> rest(buffer_.data() + start_, buffer_.size() - start_);
  Command cmd;
  std::size_t i = 1;
  while (i < rest.size() && i <= kMaxHeaderBytes && isLetter(rest[i])) {
    cmd.name.push_back(static_cast<char>(rest[i++]));
  }
  if (i > kMaxHeaderBytes) {
    discardThroughNextEsc();
    return protocolError("evolis: header too long");
  }
  if (i == rest.size()) return std::optional<Command>();
  if (cmd.name.empty() || (rest[i] != ';' && rest[i] != kCr)) {
    discardThroughNextEsc();
    return protocolError("evolis: malformed command name");
  }

  std::optional<std::size_t> payload;
  bool ended = false;
  while (!ended) {
    if (i >= rest.size() || i > kMaxHeaderBytes) break;
    if (rest[i] == kCr) {
      ended = true;
      ++i;
      break;
    }
    // rest[i] == ';': a download gets its payload after its last parameter.
    if (isDownload(cmd)) {
      const std::size_t want = cmd.name == "Db" ? 2 : 3;
      if (cmd.params.size() == want) {
        auto len = payloadLength(cmd);
        if (!len) {
          discardThroughNextEsc();
          return std::move(len).error();
        }
        payload = **len;
        ++i;
        break;
      }
    }
    ++i;
    std::string param;
    while (i < rest.size() && rest[i] != ';' && rest[i] != kCr && i <= kMaxHeaderBytes) {
      if (rest[i] < 0x20 || rest[i] > 0x7E) {
        discardThroughNextEsc();
        return protocolError("evolis: non-printable byte in a parameter");
      }
      param.push_back(static_cast<char>(rest[i++]));
    }
    cmd.params.push_back(std::move(param));
  }

  if (!ended && !payload) {
    if (i > kMaxHeaderBytes) {
      discardThroughNextEsc();
      return protocolError("evolis: header too long");
    }
    return std::optional<Command>();  // Header incomplete.
  }
  if (ended && isDownload(cmd)) {
    discardThroughNextEsc();
    return protocolError("evolis: " + cmd.name + " without payload");
  }

  // Payload, then the closing CR.
  if (payload) {
    if (rest.size() - i < *payload + 1) return std::optional<Command>();
    cmd.has_payload = true;
    cmd.payload.assign(rest.begin() + static_cast<std::ptrdiff_t>(i),
                       rest.begin() + static_cast<std::ptrdiff_t>(i + *payload));
    i += *payload;
    if (rest[i] != kCr) {
      discardThroughNextEsc();
      return protocolError("evolis: " + cmd.name + " payload not followed by CR");
    }
    ++i;
  }
  start_ += i;
  if (start_ == buffer_.size()) {
    buffer_.clear();
    start_ = 0;
  }
  return std::optional<Command>(std::move(cmd));
}

Result<std::vector<Command>> parseFrames(std::span<const std::uint8_t> bytes) {
  FrameParser parser;
  parser.feed(bytes);
  std::vector<Command> out;
  for (;;) {
    auto frame = parser.next();
    if (!frame) return std::move(frame).error();
    if (!*frame) break;
    out.push_back(std::move(**frame));
  }
  if (parser.buffered() != 0) return protocolError("evolis: stream ends inside a frame");
  return out;
}

}  // namespace cardd::drivers::evolis
