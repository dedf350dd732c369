#include "transcript.hpp"

#include <gtest/gtest.h>

#include <cctype>
#include <fstream>
#include <sstream>

#include "transport/tracing_transport.hpp"

namespace cardd::drivers::testing {
namespace {

// One link opened by the connector: forwards to the transcript, and renders
// writes with its own default redactor (as a fresh TracingTransport would).
class TranscriptTransport final : public Transport {
 public:
  TranscriptTransport(std::shared_ptr<Transcript> t, int link) : t_(std::move(t)), link_(link) {}

  Result<LinkState> write(std::span<const std::uint8_t> bytes, std::chrono::milliseconds) override {
    if (closed_) return Error(ErrorCode::InvalidArgument, "transcript: write after close");
    return t_->write(link_, bytes);
  }
  Result<ReadResult> read(std::size_t max_bytes, std::chrono::milliseconds) override {
    if (closed_) return Error(ErrorCode::InvalidArgument, "transcript: read after close");
    return t_->read(link_, max_bytes);
  }
  void close() override {
    if (closed_) return;
    closed_ = true;
    t_->close(link_);
  }
  std::string describe() const override { return "transcript:" + std::to_string(link_); }

 private:
  std::shared_ptr<Transcript> t_;
  int link_;
  bool closed_ = false;
};

std::string withoutOutcome(const std::string& text, std::string& outcome) {
  for (const std::string suffix : {" [timeout]", " [disconnected]"}) {
    if (text.size() > suffix.size() &&
        text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0) {
      outcome = suffix.substr(1);
      return text.substr(0, text.size() - suffix.size());
    }
  }
  outcome.clear();
  return text;
}

}  // namespace

bool decodeRendered(const std::string& s, Bytes& out) {
  out.clear();
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '<') {
      out.push_back(static_cast<std::uint8_t>(s[i]));
      continue;
    }
    const auto end = s.find('>', i);
    if (end == std::string::npos) return false;
    const std::string tag = s.substr(i + 1, end - i - 1);
    if (tag == "ESC") {
      out.push_back(0x1B);
    } else if (tag == "CR") {
      out.push_back(0x0D);
    } else if (tag == "LF") {
      out.push_back(0x0A);
    } else if (tag.size() == 2 && std::isxdigit(static_cast<unsigned char>(tag[0])) &&
               std::isxdigit(static_cast<unsigned char>(tag[1]))) {
      out.push_back(static_cast<std::uint8_t>(std::stoul(tag, nullptr, 16)));
    } else {
      return false;
    }
    i = end;
  }
  return true;
}

std::shared_ptr<Transcript> Transcript::load(const std::string& path) {
  std::ifstream in(path);
  if (!in) {
    ADD_FAILURE() << "cannot open transcript " << path;
    return parse("", path);
  }
  std::stringstream ss;
  ss << in.rdbuf();
  return parse(ss.str(), path);
}

std::shared_ptr<Transcript> Transcript::parse(const std::string& text, std::string name) {
  auto t = std::make_shared<Transcript>();
  t->name_ = std::move(name);
  std::istringstream in(text);
  std::string raw;
  int number = 0;
  while (std::getline(in, raw)) {
    ++number;
    if (raw.empty() || raw[0] == '#') continue;
    if (raw.size() < 3 || raw[1] != ' ' || std::string("=<>-").find(raw[0]) == std::string::npos) {
      ADD_FAILURE() << t->name_ << ":" << number << ": not a transcript line: " << raw;
      continue;
    }
    t->lines_.push_back(Line{number, raw[0], raw.substr(2)});
  }
  return t;
}

std::string Transcript::where() const {
  const Line* l = peek();
  if (!l) return name_ + ": end";
  return name_ + ":" + std::to_string(l->number) + ": " + l->kind + " " + l->text;
}

void Transcript::mismatch(const std::string& what) {
  mismatches_.push_back(where() + "  <-- " + what);
}

TransportConnector Transcript::connector() {
  return [self = shared_from_this()]() -> Result<std::unique_ptr<Transport>> {
    ++self->connects_;
    const Line* l = self->peek();
    if (!l || l->kind != '=') {
      self->mismatch("the driver connected");
      return Error(ErrorCode::Unavailable, "transcript: unexpected connect");
    }
    ++self->next_;
    if (l->text == "connect failed") {
      return Error(ErrorCode::Unavailable, "connection refused (transcript)");
    }
    self->live_link_ = self->connects_;
    self->disconnected_ = false;
    self->read_offset_ = 0;
    // Each link renders writes with its own redactor, as a fresh
    // TracingTransport would (the Db/Dbc rule keeps state across writes).
    self->redactors_.resize(static_cast<std::size_t>(self->connects_) + 1);
    self->redactors_[static_cast<std::size_t>(self->connects_)] = defaultRedactor();
    return std::unique_ptr<Transport>(std::make_unique<TranscriptTransport>(self, self->connects_));
  };
}

Result<LinkState> Transcript::write(int link, std::span<const std::uint8_t> bytes) {
  if (link != live_link_ || disconnected_) return LinkState::Disconnected;
  const auto hidden = redactors_[static_cast<std::size_t>(link)](TraceDirection::Write, bytes);
  const std::string rendered = std::to_string(bytes.size()) + " " + renderBytes(bytes, hidden);
  const Line* l = peek();
  std::string outcome;
  if (!l || l->kind != '>' || withoutOutcome(l->text, outcome) != rendered) {
    mismatch("the driver wrote: > " + rendered);
    return Error(ErrorCode::Internal, "transcript: unexpected write");
  }
  ++next_;
  written_.insert(written_.end(), bytes.begin(), bytes.end());
  if (outcome == "[timeout]") return LinkState::Timeout;
  if (outcome == "[disconnected]") {
    disconnected_ = true;
    return LinkState::Disconnected;
  }
  return LinkState::Ok;
}

Result<ReadResult> Transcript::read(int link, std::size_t max_bytes) {
  if (link != live_link_ || disconnected_) return ReadResult{LinkState::Disconnected, {}};
  const Line* l = peek();
  if (!l || l->kind != '<') {
    mismatch("the driver read");
    return ReadResult{LinkState::Timeout, {}};
  }
  if (l->text == "[timeout]") {
    ++next_;
    return ReadResult{LinkState::Timeout, {}};
  }
  if (l->text == "[disconnected]") {
    ++next_;
    disconnected_ = true;
    return ReadResult{LinkState::Disconnected, {}};
  }
  const auto space = l->text.find(' ');
  Bytes bytes;
  if (space == std::string::npos || !decodeRendered(l->text.substr(space + 1), bytes) ||
      std::to_string(bytes.size()) != l->text.substr(0, space)) {
    mismatch("malformed reply line (count or escapes)");
    ++next_;
    return ReadResult{LinkState::Timeout, {}};
  }
  const std::size_t n = std::min(max_bytes, bytes.size() - read_offset_);
  Bytes out(bytes.begin() + static_cast<std::ptrdiff_t>(read_offset_),
            bytes.begin() + static_cast<std::ptrdiff_t>(read_offset_ + n));
  read_offset_ += n;
  if (read_offset_ == bytes.size()) {
    ++next_;
    read_offset_ = 0;
  }
  return ReadResult{LinkState::Ok, std::move(out)};
}

void Transcript::close(int link) {
  if (link != live_link_) return;  // An old link: already accounted for.
  const Line* l = peek();
  if (l && l->kind == '-' && l->text == "close") {
    ++next_;
  } else if (l) {
    mismatch("the driver closed the link");
  }
  live_link_ = 0;
}

}  // namespace cardd::drivers::testing
