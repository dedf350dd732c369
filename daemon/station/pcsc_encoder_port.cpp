#include <memory>

#include "pcsc/pcsc_context.hpp"
#include "station/encoder_port.hpp"

namespace cardd::station {
namespace {

namespace pcsc = drivers::pcsc;

class PcscEncoderPort final : public EncoderPort {
 public:
  explicit PcscEncoderPort(std::string reader) : reader_(std::move(reader)) {}

  Result<Wait> waitForCard(std::chrono::milliseconds timeout) override {
    if (auto st = ensureContext(); !st) return st.error();
    auto outcome = context_->waitForCard(reader_, timeout);
    if (!outcome) return outcome.error();
    switch (*outcome) {
      case pcsc::WaitOutcome::CardPresent:
        return Wait::Present;
      case pcsc::WaitOutcome::Cancelled:
        return Wait::Cancelled;
      default:
        return Wait::Timeout;
    }
  }

  Result<applets::apdu::ApduChannel*> connect() override {
    if (auto st = ensureContext(); !st) return st.error();
    channel_.reset();
    auto channel = context_->connect(reader_);
    if (!channel) return channel.error();
    channel_ = std::move(channel).value();
    return static_cast<applets::apdu::ApduChannel*>(channel_.get());
  }

  void release() override {
    if (channel_) (void)channel_->disconnect(pcsc::Disposition::Leave);
    channel_.reset();
  }

  void cancel() override {
    if (context_) context_->cancel();
  }

  std::string name() const override { return reader_; }

 private:
  Status ensureContext() {
    if (context_) return Ok{};
    auto context = pcsc::PcscContext::establish();
    if (!context) return context.error();
    context_ = std::move(context).value();
    return Ok{};
  }

  std::string reader_;
  std::unique_ptr<pcsc::PcscContext> context_;
  std::unique_ptr<pcsc::PcscCardChannel> channel_;
};

}  // namespace

std::unique_ptr<EncoderPort> makePcscEncoderPort(std::string reader) {
  return std::make_unique<PcscEncoderPort>(std::move(reader));
}

}  // namespace cardd::station
