#include "model_transport.hpp"

#include <algorithm>

namespace cardd::testing {

using drivers::LinkState;
using drivers::ReadResult;
using std::chrono::milliseconds;

void advanceModel(ManualClock& clock, emulator::PrinterModel& model, milliseconds d) {
  if (d.count() > 0) clock.advance(d);
  model.tick();
}

ModelTransport::ModelTransport(emulator::PrinterModel& model, ManualClock& clock,
                               milliseconds held_limit, std::string terminator)
    : model_(model), clock_(clock), held_limit_(held_limit), terminator_(std::move(terminator)) {}

Result<LinkState> ModelTransport::write(std::span<const std::uint8_t> bytes, milliseconds timeout) {
  (void)timeout;
  if (closed_) return Error{ErrorCode::Internal, "model transport: write after close"};
  parser_.feed(bytes);
  for (;;) {
    auto next = parser_.next();
    if (next && !*next) break;
    // The server reads the next command only after it has sent the reply to
    // the previous one: the model sees it no earlier than that reply's time.
    if (last_ready_ms_ > clock_.nowMs()) {
      advanceModel(clock_, model_, milliseconds(last_ready_ms_ - clock_.nowMs()));
    }
    if (!next) {  // a malformed frame: the printer refuses it and resynchronises
      replies_.push_back({"ERROR PARAMETERS" + terminator_, clock_.nowMs()});
      last_ready_ms_ = clock_.nowMs();
      continue;
    }
    ++commands_;
    emulator::Response r = model_.handle(**next);
    // Pem;0: the printer waits for the condition to clear (cooling does by
    // itself on simulated time; an injected fault does not, up to held_limit).
    const std::int64_t held_since = clock_.nowMs();
    while (r.held && clock_.nowMs() - held_since < held_limit_.count()) {
      advanceModel(clock_, model_, milliseconds(100));
      r = model_.handle(**next);
    }
    if (r.held) continue;  // never answered: the host's read times out
    replies_.push_back({r.text + terminator_, r.ready_ms});
    last_ready_ms_ = r.ready_ms;
  }
  return LinkState::Ok;
}

Result<ReadResult> ModelTransport::read(std::size_t max_bytes, milliseconds timeout) {
  if (closed_) return Error{ErrorCode::Internal, "model transport: read after close"};
  const std::int64_t now = clock_.nowMs();
  if (replies_.empty() || replies_.front().ready_ms > now + timeout.count()) {
    advanceModel(clock_, model_, timeout);
    return ReadResult{LinkState::Timeout, {}};
  }
  auto& front = replies_.front();
  if (front.ready_ms > now) advanceModel(clock_, model_, milliseconds(front.ready_ms - now));
  const std::size_t n = std::min(std::max<std::size_t>(max_bytes, 1), front.bytes.size());
  ReadResult out{
      LinkState::Ok,
      drivers::Bytes(front.bytes.begin(), front.bytes.begin() + static_cast<std::ptrdiff_t>(n))};
  front.bytes.erase(0, n);
  if (front.bytes.empty()) replies_.pop_front();
  return out;
}

drivers::TransportConnector modelConnector(emulator::PrinterModel& model, ManualClock& clock,
                                           int* connects) {
  return [&model, &clock, connects]() -> Result<std::unique_ptr<drivers::Transport>> {
    if (connects != nullptr) ++*connects;
    return std::unique_ptr<drivers::Transport>(std::make_unique<ModelTransport>(model, clock));
  };
}

}  // namespace cardd::testing
