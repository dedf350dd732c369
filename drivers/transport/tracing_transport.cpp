#include "transport/tracing_transport.hpp"

#include <algorithm>
#include <cstdio>
#include <utility>

namespace cardd::drivers {
namespace {

constexpr std::uint8_t kEsc = 0x1B;
constexpr std::uint8_t kCr = 0x0D;
constexpr std::uint8_t kLf = 0x0A;
constexpr std::size_t kMinBinaryRun = 32;

bool printable(std::uint8_t b) {
  return b >= 0x20 && b <= 0x7E;
}

// Rule 1: runs of >= kMinBinaryRun non-printable bytes.
void addBinaryRuns(std::span<const std::uint8_t> bytes, std::vector<ByteRange>& out) {
  std::size_t i = 0;
  while (i < bytes.size()) {
    if (printable(bytes[i])) {
      ++i;
      continue;
    }
    std::size_t j = i;
    while (j < bytes.size() && !printable(bytes[j])) ++j;
    if (j - i >= kMinBinaryRun) out.push_back({i, j - i});
    i = j;
  }
}

// Offset just past the 3rd ';' of the first ESC Db / ESC Dbc frame in
// `bytes`, or npos.
std::size_t downloadPayloadStart(std::span<const std::uint8_t> bytes) {
  for (std::size_t i = 0; i + 3 < bytes.size(); ++i) {
    if (bytes[i] != kEsc || bytes[i + 1] != 'D' || bytes[i + 2] != 'b') continue;
    std::size_t k = i + 3;
    if (k < bytes.size() && bytes[k] == 'c') ++k;
    if (k >= bytes.size() || bytes[k] != ';') continue;
    int semicolons = 0;
    for (; k < bytes.size(); ++k) {
      if (bytes[k] == ';' && ++semicolons == 3) return k + 1;
      if (bytes[k] == kCr || bytes[k] == kEsc) break;  // A frame without a payload.
    }
  }
  return std::string_view::npos;
}

class DefaultRedactor {
 public:
  std::vector<ByteRange> operator()(TraceDirection direction, std::span<const std::uint8_t> bytes) {
    std::vector<ByteRange> out;
    addBinaryRuns(bytes, out);
    if (direction != TraceDirection::Write || bytes.empty()) return out;

    // Rule 2: a download payload, possibly continuing from earlier writes.
    std::size_t from = in_payload_ ? 0 : downloadPayloadStart(bytes);
    if (from == std::string_view::npos) return out;
    const bool ends_frame = bytes.back() == kCr;
    std::size_t to = ends_frame ? bytes.size() - 1 : bytes.size();
    if (to > from) out.push_back({from, to - from});
    in_payload_ = !ends_frame;
    return out;
  }

 private:
  bool in_payload_ = false;
};

std::string outcome(LinkState state) {
  switch (state) {
    case LinkState::Ok:
      return "";
    case LinkState::Timeout:
      return "[timeout]";
    case LinkState::Disconnected:
      return "[disconnected]";
  }
  return "[?]";
}

}  // namespace

Redactor defaultRedactor() {
  return [r = std::make_shared<DefaultRedactor>()](
             TraceDirection d, std::span<const std::uint8_t> b) { return (*r)(d, b); };
}

Redactor noRedaction() {
  return [](TraceDirection, std::span<const std::uint8_t>) { return std::vector<ByteRange>{}; };
}

std::string renderBytes(std::span<const std::uint8_t> bytes, std::span<const ByteRange> hidden) {
  // Mark hidden bytes, then render runs.
  std::vector<bool> hide(bytes.size(), false);
  for (const ByteRange& r : hidden) {
    if (r.offset >= bytes.size()) continue;
    const std::size_t end = r.offset + std::min(r.length, bytes.size() - r.offset);
    std::fill(hide.begin() + static_cast<std::ptrdiff_t>(r.offset),
              hide.begin() + static_cast<std::ptrdiff_t>(end), true);
  }
  std::string out;
  std::size_t i = 0;
  while (i < bytes.size()) {
    if (hide[i]) {
      std::size_t j = i;
      while (j < bytes.size() && hide[j]) ++j;
      out += "<" + std::to_string(j - i) + " bytes redacted>";
      i = j;
      continue;
    }
    const std::uint8_t b = bytes[i++];
    if (b == kEsc) {
      out += "<ESC>";
    } else if (b == kCr) {
      out += "<CR>";
    } else if (b == kLf) {
      out += "<LF>";
    } else if (printable(b) && b != '<') {
      out += static_cast<char>(b);
    } else {
      char hex[8];
      std::snprintf(hex, sizeof hex, "<%02X>", static_cast<unsigned>(b));
      out += hex;
    }
  }
  return out;
}

TracingTransport::TracingTransport(std::unique_ptr<Transport> inner, TraceSink sink)
    : TracingTransport(std::move(inner), std::move(sink), Options{}) {}

TracingTransport::TracingTransport(std::unique_ptr<Transport> inner, TraceSink sink,
                                   Options options)
    : inner_(std::move(inner)), sink_(std::move(sink)), options_(std::move(options)) {
  if (!options_.redactor) options_.redactor = defaultRedactor();
  if (!options_.clock) options_.clock = [] { return std::chrono::steady_clock::now(); };
  start_ = options_.clock();
}

Result<LinkState> TracingTransport::write(std::span<const std::uint8_t> bytes,
                                          std::chrono::milliseconds timeout) {
  auto result = inner_->write(bytes, timeout);
  const auto hidden = options_.redactor(TraceDirection::Write, bytes);
  std::string line = "> " + std::to_string(bytes.size()) + " " + renderBytes(bytes, hidden);
  if (!result.ok()) {
    line += " [error: " + result.error().message + "]";
  } else if (*result != LinkState::Ok) {
    line += " " + outcome(*result);
  }
  emit(std::move(line));
  return result;
}

Result<ReadResult> TracingTransport::read(std::size_t max_bytes,
                                          std::chrono::milliseconds timeout) {
  auto result = inner_->read(max_bytes, timeout);
  if (!result.ok()) {
    emit("< [error: " + result.error().message + "]");
  } else if (result->state != LinkState::Ok) {
    emit("< " + outcome(result->state));
  } else {
    const auto hidden = options_.redactor(TraceDirection::Read, result->bytes);
    emit("< " + std::to_string(result->bytes.size()) + " " + renderBytes(result->bytes, hidden));
  }
  return result;
}

void TracingTransport::close() {
  inner_->close();
  emit("- close");
}

void TracingTransport::emit(std::string line) {
  if (options_.timestamps) {
    const auto us =
        std::chrono::duration_cast<std::chrono::microseconds>(options_.clock() - start_).count();
    char prefix[40];
    std::snprintf(prefix, sizeof prefix, "+%lld.%03lldms ", static_cast<long long>(us / 1000),
                  static_cast<long long>(us % 1000));
    line.insert(0, prefix);
  }
  sink_(line);
}

}  // namespace cardd::drivers
