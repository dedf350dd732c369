#include "transport/scripted_transport.hpp"

#include <algorithm>
#include <utility>

#include "driver_error.hpp"

namespace cardd::drivers {

Bytes bytesOf(std::string_view text) {
  return Bytes(text.begin(), text.end());
}

ScriptedTransport::ScriptedTransport(std::vector<ScriptStep> script, std::string name)
    : script_(std::move(script)), name_(std::move(name)) {}

void ScriptedTransport::append(ScriptStep step) {
  script_.push_back(std::move(step));
}

void ScriptedTransport::reset() {
  closed_ = false;
  disconnected_ = false;
}

Error ScriptedTransport::mismatch(std::span<const std::uint8_t> actual, std::string why) {
  ScriptMismatch m;
  m.step = next_;
  // The pending expectation: the rest of the current step and any expect
  // steps that follow it directly.
  std::size_t off = offset_;
  for (std::size_t i = next_; i < script_.size() && script_[i].kind == ScriptStep::Kind::Expect;
       ++i, off = 0) {
    m.expected.insert(m.expected.end(), script_[i].bytes.begin() + static_cast<std::ptrdiff_t>(off),
                      script_[i].bytes.end());
  }
  m.actual.assign(actual.begin(), actual.end());
  m.message = "write does not match step " + std::to_string(next_) + " (" + why + ")";
  Error error(ErrorCode::Internal, "scripted: " + m.message);
  mismatches_.push_back(std::move(m));
  return error;
}

Result<LinkState> ScriptedTransport::write(std::span<const std::uint8_t> bytes,
                                           std::chrono::milliseconds) {
  if (closed_) return badArgument("scripted transport: write after close");
  if (disconnected_) return LinkState::Disconnected;
  if (bytes.empty()) return LinkState::Ok;

  if (next_ < script_.size()) {
    switch (script_[next_].kind) {
      case ScriptStep::Kind::Timeout:
        ++next_;
        return LinkState::Timeout;
      case ScriptStep::Kind::Disconnect:
        ++next_;
        disconnected_ = true;
        return LinkState::Disconnected;
      case ScriptStep::Kind::Reply:
        return mismatch(bytes, "a reply is pending");
      case ScriptStep::Kind::Expect:
        break;
    }
  } else {
    return mismatch(bytes, "script exhausted");
  }

  // Match against consecutive expect steps without consuming, then commit.
  std::size_t step = next_;
  std::size_t off = offset_;
  std::size_t i = 0;
  while (i < bytes.size()) {
    if (step >= script_.size() || script_[step].kind != ScriptStep::Kind::Expect) {
      return mismatch(bytes, "write longer than expected");
    }
    const Bytes& want = script_[step].bytes;
    const std::size_t n = std::min(want.size() - off, bytes.size() - i);
    if (!std::equal(bytes.begin() + static_cast<std::ptrdiff_t>(i),
                    bytes.begin() + static_cast<std::ptrdiff_t>(i + n),
                    want.begin() + static_cast<std::ptrdiff_t>(off))) {
      return mismatch(bytes, "bytes differ");
    }
    i += n;
    off += n;
    if (off == want.size()) {
      ++step;
      off = 0;
    }
  }
  next_ = step;
  offset_ = off;
  written_.insert(written_.end(), bytes.begin(), bytes.end());
  return LinkState::Ok;
}

Result<ReadResult> ScriptedTransport::read(std::size_t max_bytes, std::chrono::milliseconds) {
  if (closed_) return badArgument("scripted transport: read after close");
  if (disconnected_) return ReadResult{LinkState::Disconnected, {}};
  if (max_bytes == 0) return badArgument("scripted transport: read of 0 bytes");
  if (next_ >= script_.size()) return ReadResult{LinkState::Timeout, {}};

  ScriptStep& step = script_[next_];
  switch (step.kind) {
    case ScriptStep::Kind::Expect:
      return ReadResult{LinkState::Timeout, {}};
    case ScriptStep::Kind::Timeout:
      ++next_;
      return ReadResult{LinkState::Timeout, {}};
    case ScriptStep::Kind::Disconnect:
      ++next_;
      disconnected_ = true;
      return ReadResult{LinkState::Disconnected, {}};
    case ScriptStep::Kind::Reply:
      break;
  }
  const std::size_t n = std::min(max_bytes, step.bytes.size() - offset_);
  const auto first = step.bytes.begin() + static_cast<std::ptrdiff_t>(offset_);
  Bytes out(first, first + static_cast<std::ptrdiff_t>(n));
  offset_ += n;
  if (offset_ == step.bytes.size()) {
    ++next_;
    offset_ = 0;
  }
  if (out.empty()) return read(max_bytes, std::chrono::milliseconds(0));  // An empty reply step.
  return ReadResult{LinkState::Ok, std::move(out)};
}

}  // namespace cardd::drivers
