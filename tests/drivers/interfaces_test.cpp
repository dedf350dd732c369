// The interfaces compile on their own and can be implemented as documented:
// a transport whose timeouts and unplugs are values, and a printer whose
// unsupported operations say so.
#include "printer/printer.hpp"
#include "transport/transport.hpp"

#include <gtest/gtest.h>

#include <deque>
#include <memory>

#include "driver_error.hpp"

namespace cardd::drivers {
namespace {

// Plays back scripted reads; records writes.
class ScriptedTransport final : public Transport {
 public:
  explicit ScriptedTransport(std::deque<ReadResult> reads) : reads_(std::move(reads)) {}

  Result<LinkState> write(std::span<const std::uint8_t> bytes, std::chrono::milliseconds) override {
    if (closed_) return badArgument("transport closed");
    written_.insert(written_.end(), bytes.begin(), bytes.end());
    return LinkState::Ok;
  }
  Result<ReadResult> read(std::size_t max_bytes, std::chrono::milliseconds) override {
    if (closed_) return badArgument("transport closed");
    if (reads_.empty()) return ReadResult{LinkState::Disconnected, {}};
    auto next = std::move(reads_.front());
    reads_.pop_front();
    if (next.bytes.size() > max_bytes) next.bytes.resize(max_bytes);
    return next;
  }
  void close() override { closed_ = true; }
  std::string describe() const override { return "scripted"; }

  const Bytes& written() const { return written_; }

 private:
  std::deque<ReadResult> reads_;
  Bytes written_;
  bool closed_ = false;
};

// A printer that can do nothing but say so (OpenSC's NULL entries).
class NullPrinter final : public PrinterDriver {
 public:
  Result<PrinterIdentity> identify() override { return notSupported("null: identify"); }
  Result<PrinterStatus> status() override {
    PrinterStatus s;
    s.reasons.push_back(StateReason{Condition::Offline, Severity::Error, {}});
    s.state = stateFromReasons(s.reasons, false);
    return s;
  }
  Result<CardPosition> cardPosition() override { return CardPosition::None; }
  Status feedToContactStation() override { return notSupported("null: feed"); }
  Status feedToContactlessStation() override { return notSupported("null: feed"); }
  Status printAndEject(const PreparedCard&) override { return notSupported("null: print"); }
  Status eject() override { return notSupported("null: eject"); }
  Status reject() override { return notSupported("null: reject"); }
  Status clean() override { return notSupported("null: clean"); }
  Status reset() override { return notSupported("null: reset"); }
};

TEST(DriverInterfaces, TimeoutAndUnplugAreValues) {
  ScriptedTransport t(
      {ReadResult{LinkState::Ok, {'O', 'K', '\r'}}, ReadResult{LinkState::Timeout, {}}});
  const Bytes cmd = {0x1B, 'S', 's', 0x0D};
  ASSERT_TRUE(t.write(cmd, std::chrono::milliseconds(100)).ok());
  EXPECT_EQ(t.written(), cmd);
  auto r = t.read(2, std::chrono::milliseconds(100));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->bytes, (Bytes{'O', 'K'}));
  EXPECT_EQ(t.read(64, std::chrono::milliseconds(100))->state, LinkState::Timeout);
  EXPECT_EQ(t.read(64, std::chrono::milliseconds(100))->state, LinkState::Disconnected);
  t.close();
  EXPECT_FALSE(t.read(64, std::chrono::milliseconds(100)).ok());
}

TEST(DriverInterfaces, UnsupportedOperationsAreErrors) {
  std::unique_ptr<PrinterDriver> p = std::make_unique<NullPrinter>();
  EXPECT_FALSE(p->identify().ok());
  EXPECT_EQ(p->eject().error().code, ErrorCode::Unavailable);
  auto s = p->status();
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->state, PrinterState::Stopped);
  EXPECT_EQ(s->reasons.at(0).keyword(), "offline-error");
}

}  // namespace
}  // namespace cardd::drivers
