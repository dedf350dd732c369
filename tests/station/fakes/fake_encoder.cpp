#include "fake_encoder.hpp"

#include "test_support.hpp"

namespace cardd::test::station {

using applets::Bytes;
using applets::apdu::CommandApdu;
using applets::apdu::ResponseApdu;
using Wait = cardd::station::EncoderPort::Wait;

namespace {

constexpr std::uint16_t kMemoryFailure = 0x6581;

Error removed() {
  return Error(ErrorCode::Unavailable, "The card was removed from the reader.");
}

Bytes serialBytes(std::uint64_t serial) {
  Bytes out(8);
  for (std::size_t i = 0; i < 8; ++i)
    out[7 - i] = static_cast<std::uint8_t>((serial >> (8 * i)) & 0xFF);
  return out;
}

}  // namespace

/* The channel to the chip at the station: the real APDU codec in process
   (AppletChannel), with the card's script applied before each command. */
class FakeEncoder::ChipChannel final : public applets::apdu::ApduChannel {
 public:
  ChipChannel(FakeEncoder& encoder, Card& card)
      : encoder_(encoder), card_(card), inner_(*card.chip) {}

  Result<ResponseApdu> transmit(const CommandApdu& command) override {
    std::lock_guard lock(encoder_.mutex_);
    if (card_.pulled || encoder_.current_ != &card_) return removed();
    if (card_.script.pull_after && card_.apdus >= *card_.script.pull_after) {
      card_.pulled = true;
      return removed();
    }
    ++card_.apdus;
    ++encoder_.apdus_;
    if (card_.script.fail_after && card_.apdus > *card_.script.fail_after)
      return ResponseApdu{{}, kMemoryFailure};
    return inner_.transmit(command);
  }
  std::size_t maxCommandData() const override { return inner_.maxCommandData(); }
  std::size_t maxResponseData() const override { return inner_.maxResponseData(); }
  std::string describe() const override { return "fake-encoder"; }

 private:
  FakeEncoder& encoder_;
  Card& card_;
  applets::testing::AppletChannel inner_;
};

FakeEncoder::FakeEncoder(Bytes master_key, std::uint64_t first_serial)
    : master_key_(std::move(master_key)), next_serial_(first_serial) {}

FakeEncoder::~FakeEncoder() = default;

/* ---- the card path -------------------------------------------------------------- */

void FakeEncoder::cardArrived() {
  std::lock_guard lock(mutex_);
  auto card = std::make_unique<Card>();
  if (!chip_scripts_.empty()) {
    card->script = chip_scripts_.front();
    chip_scripts_.pop_front();
  }
  if (card->script.present) {
    const Bytes serial = serialBytes(next_serial_++);
    auto keys = applets::eid::eidChipKeys(master_key_, serial);
    if (keys) {
      auto chip = applets::eid::EidApplet::create(serial, *keys);
      if (chip) {
        card->chip = std::move(chip).value();
        serials_.push_back(applets::toHex(serial));
      }
    }
    /* A chip that cannot be made is a broken test set-up: the worker then
       sees no chip, and the test's serial checks fail. */
  }
  channel_.reset();
  current_ = card.get();
  cards_.push_back(std::move(card));
}

void FakeEncoder::cardLeft() {
  std::lock_guard lock(mutex_);
  channel_.reset();
  current_ = nullptr;
}

/* ---- scripting ------------------------------------------------------------------ */

void FakeEncoder::scriptChip(ChipScript chip) {
  std::lock_guard lock(mutex_);
  chip_scripts_.push_back(chip);
}

void FakeEncoder::scriptWait(Result<Wait> outcome) {
  std::lock_guard lock(mutex_);
  waits_script_.push_back(std::move(outcome));
}

void FakeEncoder::scriptConnectError(Error error) {
  std::lock_guard lock(mutex_);
  connect_errors_.push_back(std::move(error));
}

void FakeEncoder::setReaderError(std::optional<Error> error) {
  std::lock_guard lock(mutex_);
  reader_error_ = std::move(error);
}

void FakeEncoder::setHook(std::function<void(std::string_view)> hook) {
  std::lock_guard lock(mutex_);
  hook_ = std::move(hook);
}

/* ---- inspection ----------------------------------------------------------------- */

std::vector<std::string> FakeEncoder::serials() const {
  std::lock_guard lock(mutex_);
  return serials_;
}

std::size_t FakeEncoder::apdus() const {
  std::lock_guard lock(mutex_);
  return apdus_;
}

std::size_t FakeEncoder::waits() const {
  std::lock_guard lock(mutex_);
  return waits_;
}

std::size_t FakeEncoder::connects() const {
  std::lock_guard lock(mutex_);
  return connects_;
}

std::size_t FakeEncoder::releases() const {
  std::lock_guard lock(mutex_);
  return releases_;
}

bool FakeEncoder::chipPresent() const {
  std::lock_guard lock(mutex_);
  return current_ != nullptr && current_->chip && !current_->pulled;
}

void FakeEncoder::runHook(std::string_view call) {
  std::function<void(std::string_view)> hook;
  {
    std::lock_guard lock(mutex_);
    hook = hook_;
  }
  if (hook) hook(call);
}

/* ---- the port ------------------------------------------------------------------- */

Result<Wait> FakeEncoder::waitForCard(std::chrono::milliseconds timeout) {
  (void)timeout;
  runHook("wait");
  std::lock_guard lock(mutex_);
  ++waits_;
  if (!waits_script_.empty()) {
    auto next = std::move(waits_script_.front());
    waits_script_.pop_front();
    return next;
  }
  if (reader_error_) return *reader_error_;
  if (cancelled_) return Wait::Cancelled;
  const bool present = current_ != nullptr && current_->chip && !current_->pulled;
  return present ? Wait::Present : Wait::Timeout;
}

Result<applets::apdu::ApduChannel*> FakeEncoder::connect() {
  runHook("connect");
  std::lock_guard lock(mutex_);
  ++connects_;
  if (!connect_errors_.empty()) {
    auto error = std::move(connect_errors_.front());
    connect_errors_.pop_front();
    return error;
  }
  if (reader_error_) return *reader_error_;
  if (current_ == nullptr || !current_->chip || current_->pulled)
    return Error(ErrorCode::Unavailable, "No card answers in " + name() + ".");
  /* A connect is a cold reset: a new card session. */
  current_->chip->powerOn();
  channel_ = std::make_unique<ChipChannel>(*this, *current_);
  return static_cast<applets::apdu::ApduChannel*>(channel_.get());
}

void FakeEncoder::release() {
  std::lock_guard lock(mutex_);
  ++releases_;
  channel_.reset();
}

void FakeEncoder::cancel() {
  std::lock_guard lock(mutex_);
  cancelled_ = true;
}

void wireCardPath(FakePrinterDriver& printer, FakeEncoder& encoder) {
  printer.setPositionListener([&encoder](drivers::CardPosition now) {
    if (now == drivers::CardPosition::ContactStation)
      encoder.cardArrived();
    else
      encoder.cardLeft();
  });
}

}  // namespace cardd::test::station
