#include "scripted_printer.hpp"

#include <algorithm>

namespace cardd::test::station {

using drivers::CardPosition;

std::string_view printerCallName(PrinterCall call) {
  switch (call) {
    case PrinterCall::Identify:
      return "identify";
    case PrinterCall::Status:
      return "status";
    case PrinterCall::CardPosition:
      return "card-position";
    case PrinterCall::Feed:
      return "feed";
    case PrinterCall::FeedContactless:
      return "feed-contactless";
    case PrinterCall::PrintAndEject:
      return "print-and-eject";
    case PrinterCall::Eject:
      return "eject";
    case PrinterCall::Reject:
      return "reject";
    case PrinterCall::Clean:
      return "clean";
    case PrinterCall::Reset:
      return "reset";
  }
  return "?";
}

drivers::StateReason reason(drivers::Condition condition, drivers::Severity severity) {
  drivers::StateReason r;
  r.condition = condition;
  r.severity = severity;
  return r;
}

Move Move::fail(ErrorCode code, std::string message) {
  Move m;
  m.result = Error(code, std::move(message));
  return m;
}

FakePrinterDriver::FakePrinterDriver() {
  for (auto call :
       {PrinterCall::Feed, PrinterCall::FeedContactless, PrinterCall::PrintAndEject,
        PrinterCall::Eject, PrinterCall::Reject, PrinterCall::Clean, PrinterCall::Reset})
    defaults_[call] = Move::ok();
}

/* ---- scripting ------------------------------------------------------------------ */

void FakePrinterDriver::script(PrinterCall call, Move move) {
  std::lock_guard lock(mutex_);
  moves_[call].push_back(std::move(move));
}

void FakePrinterDriver::setDefault(PrinterCall call, Move move) {
  std::lock_guard lock(mutex_);
  defaults_[call] = std::move(move);
}

void FakePrinterDriver::scriptStatus(Result<drivers::PrinterStatus> status) {
  std::lock_guard lock(mutex_);
  statuses_.push_back(std::move(status));
}

void FakePrinterDriver::scriptCardPosition(Result<CardPosition> position) {
  std::lock_guard lock(mutex_);
  positions_.push_back(std::move(position));
}

void FakePrinterDriver::scriptIdentify(Result<drivers::PrinterIdentity> identity) {
  std::lock_guard lock(mutex_);
  identities_.push_back(std::move(identity));
}

void FakePrinterDriver::setReasons(std::vector<drivers::StateReason> reasons) {
  std::lock_guard lock(mutex_);
  reasons_ = std::move(reasons);
}

void FakePrinterDriver::setOffline(bool offline) {
  std::lock_guard lock(mutex_);
  offline_ = offline;
}

void FakePrinterDriver::setPosition(CardPosition position) {
  std::lock_guard lock(mutex_);
  position_ = position;
}

void FakePrinterDriver::setHook(Hook hook) {
  std::lock_guard lock(mutex_);
  hook_ = std::move(hook);
}

void FakePrinterDriver::setPositionListener(PositionListener listener) {
  std::lock_guard lock(mutex_);
  listener_ = std::move(listener);
}

/* ---- inspection ----------------------------------------------------------------- */

std::vector<PrinterCall> FakePrinterDriver::calls() const {
  std::lock_guard lock(mutex_);
  return log_;
}

std::string FakePrinterDriver::callLog() const {
  constexpr std::size_t kShown = 40;
  std::lock_guard lock(mutex_);
  std::string out;
  const std::size_t first = log_.size() > kShown ? log_.size() - kShown : 0;
  if (first > 0) out = "(" + std::to_string(first) + " earlier calls)";
  for (std::size_t i = first; i < log_.size(); ++i) {
    if (!out.empty()) out += ' ';
    out += printerCallName(log_[i]);
  }
  return out;
}

std::size_t FakePrinterDriver::count(PrinterCall call) const {
  std::lock_guard lock(mutex_);
  return static_cast<std::size_t>(std::count(log_.begin(), log_.end(), call));
}

CardPosition FakePrinterDriver::position() const {
  std::lock_guard lock(mutex_);
  return position_;
}

std::vector<drivers::StateReason> FakePrinterDriver::reasons() const {
  std::lock_guard lock(mutex_);
  return reasons_;
}

std::size_t FakePrinterDriver::printed() const {
  std::lock_guard lock(mutex_);
  return printed_;
}

std::size_t FakePrinterDriver::lastFrontPanels() const {
  std::lock_guard lock(mutex_);
  return last_front_panels_;
}

std::size_t FakePrinterDriver::lastBackPanels() const {
  std::lock_guard lock(mutex_);
  return last_back_panels_;
}

/* ---- the driver ----------------------------------------------------------------- */

/* Logs the call and runs the hook outside the lock (the hook may block on
   the store, or script the fake). */
void FakePrinterDriver::before(PrinterCall call) {
  Hook hook;
  {
    std::lock_guard lock(mutex_);
    log_.push_back(call);
    hook = hook_;
  }
  if (hook) hook(call);
}

Result<drivers::PrinterIdentity> FakePrinterDriver::identify() {
  before(PrinterCall::Identify);
  std::lock_guard lock(mutex_);
  if (!identities_.empty()) {
    auto next = std::move(identities_.front());
    identities_.pop_front();
    return next;
  }
  if (offline_) return Error(ErrorCode::Unavailable, "The fake printer does not answer.");
  drivers::PrinterIdentity id;
  id.family = "fake";
  id.model = "Scripted Printer";
  id.serial = "FAKE0001";
  id.firmware = "1.0";
  return id;
}

Result<drivers::PrinterStatus> FakePrinterDriver::status() {
  before(PrinterCall::Status);
  std::lock_guard lock(mutex_);
  if (!statuses_.empty()) {
    auto next = std::move(statuses_.front());
    statuses_.pop_front();
    return next;
  }
  drivers::PrinterStatus st;
  st.reasons =
      offline_ ? std::vector<drivers::StateReason>{reason(drivers::Condition::Offline)} : reasons_;
  drivers::canonicaliseReasons(st.reasons);
  st.state = drivers::stateFromReasons(st.reasons, position_ != CardPosition::None);
  return st;
}

Result<CardPosition> FakePrinterDriver::cardPosition() {
  before(PrinterCall::CardPosition);
  std::lock_guard lock(mutex_);
  if (!positions_.empty()) {
    auto next = std::move(positions_.front());
    positions_.pop_front();
    return next;
  }
  if (offline_) return Error(ErrorCode::Unavailable, "The fake printer does not answer.");
  return position_;
}

/* A movement: the scripted (or default) outcome; the card follows the
   fake's rule unless the outcome says where it is. */
Status FakePrinterDriver::move(PrinterCall call) {
  before(call);
  Status result = Ok();
  CardPosition from = CardPosition::None;
  CardPosition to = CardPosition::None;
  PositionListener listener;
  {
    std::lock_guard lock(mutex_);
    from = position_;
    Move m;
    auto& queue = moves_[call];
    if (!queue.empty()) {
      m = std::move(queue.front());
      queue.pop_front();
    } else {
      m = defaults_[call];
    }
    if (offline_ && !m.offline.has_value()) {
      m.result = Error(ErrorCode::Unavailable, "The fake printer does not answer.");
    }
    result = m.result;
    if (m.position) {
      position_ = *m.position;
    } else if (result.ok()) {
      switch (call) {
        case PrinterCall::Feed:
          position_ = CardPosition::ContactStation;
          break;
        case PrinterCall::FeedContactless:
          position_ = CardPosition::ContactlessStation;
          break;
        case PrinterCall::PrintAndEject:
        case PrinterCall::Eject:
        case PrinterCall::Reject:
          position_ = CardPosition::None;
          break;
        default:
          break;
      }
    }
    if (m.reasons) reasons_ = *m.reasons;
    if (m.offline) offline_ = *m.offline;
    if (call == PrinterCall::PrintAndEject && result.ok()) ++printed_;
    to = position_;
    listener = listener_;
  }
  if (listener && from != to) listener(to);
  return result;
}

Status FakePrinterDriver::feedToContactStation() {
  return move(PrinterCall::Feed);
}

Status FakePrinterDriver::feedToContactlessStation() {
  return move(PrinterCall::FeedContactless);
}

Status FakePrinterDriver::printAndEject(const drivers::PreparedCard& card) {
  {
    std::lock_guard lock(mutex_);
    last_front_panels_ = card.front.panels.size();
    last_back_panels_ = card.back.panels.size();
  }
  return move(PrinterCall::PrintAndEject);
}

Status FakePrinterDriver::eject() {
  return move(PrinterCall::Eject);
}

Status FakePrinterDriver::reject() {
  return move(PrinterCall::Reject);
}

Status FakePrinterDriver::clean() {
  return move(PrinterCall::Clean);
}

Status FakePrinterDriver::reset() {
  return move(PrinterCall::Reset);
}

}  // namespace cardd::test::station
