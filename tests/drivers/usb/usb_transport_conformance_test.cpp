// The Transport contract of tests/drivers/transport_conformance_test.cpp,
// run against UsbPrinterTransport over ScriptedUsbBackend. The shared test
// keeps its harness list in a file this folder does not own; this copy uses
// the same script (device view) and the same assertions, translated to USB
// steps: expect -> out, reply -> in, timeout -> a transfer that times out,
// disconnect -> unplug. When the shared test grows a USB harness, this file
// can go.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "transport/scripted_transport.hpp"
#include "transport/usb/scripted_usb_backend.hpp"
#include "transport/usb/usb_printer_transport.hpp"

namespace cardd::drivers {
namespace {

using std::chrono::milliseconds;

constexpr milliseconds kShort{60};
constexpr milliseconds kLong{2000};

class UsbHarness {
 public:
  std::unique_ptr<Transport> start(const std::vector<ScriptStep>& script) {
    FakeUsbDevice d = fakeUsbPrinter(0x0f49, 0x3007, "1-2");
    for (const auto& step : script) {
      switch (step.kind) {
        case ScriptStep::Kind::Expect:
          d.script.push_back(UsbStep::out(step.bytes));
          break;
        case ScriptStep::Kind::Reply:
          d.script.push_back(UsbStep::in(step.bytes));
          break;
        case ScriptStep::Kind::Timeout:
          d.script.push_back(UsbStep::fail(LIBUSB_ERROR_TIMEOUT));
          break;
        case ScriptStep::Kind::Disconnect:
          d.script.push_back(UsbStep::unplug());
          break;
      }
    }
    backend_->addDevice(d);
    UsbPrinterTransport::Options options;
    options.notice = [](std::string_view) {};
    auto t =
        std::make_unique<UsbPrinterTransport>(backend_, *UsbSelector::parse("0f49:3007"), options);
    auto opened = t->open();
    if (!opened.ok() || *opened != LinkState::Ok) return nullptr;
    return t;
  }
  std::vector<std::string> finish(std::unique_ptr<Transport> t) {
    t.reset();
    std::vector<std::string> problems = backend_->mismatches();
    if (!backend_->scriptDone("1-2")) problems.push_back("script not finished");
    if (backend_->openHandles("1-2") != 0) problems.push_back("device left open");
    return problems;
  }

 private:
  std::shared_ptr<ScriptedUsbBackend> backend_ = std::make_shared<ScriptedUsbBackend>();
};

class UsbTransportConformance : public ::testing::Test {
 protected:
  Bytes readN(Transport& t, std::size_t n) {
    Bytes out;
    while (out.size() < n) {
      auto r = t.read(n - out.size(), kLong);
      if (!r.ok() || r->state != LinkState::Ok) break;
      EXPECT_FALSE(r->bytes.empty());
      EXPECT_LE(r->bytes.size(), n - out.size());
      out.insert(out.end(), r->bytes.begin(), r->bytes.end());
    }
    return out;
  }
  UsbHarness harness_;
};

TEST_F(UsbTransportConformance, RequestAndReply) {
  auto t = harness_.start(
      {ScriptStep::expect(bytesOf("\x1bRtp\r")), ScriptStep::reply(bytesOf("Evolis Primacy 2\r"))});
  ASSERT_TRUE(t);
  EXPECT_FALSE(t->describe().empty());
  auto w = t->write(bytesOf("\x1bRtp\r"), kLong);
  ASSERT_TRUE(w.ok());
  EXPECT_EQ(*w, LinkState::Ok);
  EXPECT_EQ(readN(*t, 17), bytesOf("Evolis Primacy 2\r"));
  EXPECT_TRUE(harness_.finish(std::move(t)).empty());
}

TEST_F(UsbTransportConformance, ReadNeverReturnsMoreThanMaxBytes) {
  auto t = harness_.start({ScriptStep::reply(bytesOf("0123456789"))});
  ASSERT_TRUE(t);
  auto first = t->read(4, kLong);
  ASSERT_TRUE(first.ok());
  ASSERT_EQ(first->state, LinkState::Ok);
  ASSERT_GE(first->bytes.size(), 1u);
  ASSERT_LE(first->bytes.size(), 4u);
  Bytes all = first->bytes;
  auto rest = readN(*t, 10 - all.size());
  all.insert(all.end(), rest.begin(), rest.end());
  EXPECT_EQ(all, bytesOf("0123456789"));
  EXPECT_TRUE(harness_.finish(std::move(t)).empty());
}

TEST_F(UsbTransportConformance, SilenceIsATimeoutValueThenTheLinkStillWorks) {
  auto t = harness_.start({ScriptStep::expect(bytesOf("\x1bRsn\r")), ScriptStep::timeout(),
                           ScriptStep::reply(bytesOf("A12345\r"))});
  ASSERT_TRUE(t);
  ASSERT_EQ(*t->write(bytesOf("\x1bRsn\r"), kLong), LinkState::Ok);
  auto r = t->read(64, kShort);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->state, LinkState::Timeout);
  EXPECT_TRUE(r->bytes.empty());
  EXPECT_EQ(readN(*t, 7), bytesOf("A12345\r"));
  EXPECT_TRUE(harness_.finish(std::move(t)).empty());
}

TEST_F(UsbTransportConformance, DisconnectIsAStickyValue) {
  auto t = harness_.start({ScriptStep::expect(bytesOf("\x1bSi\r")), ScriptStep::disconnect()});
  ASSERT_TRUE(t);
  ASSERT_EQ(*t->write(bytesOf("\x1bSi\r"), kLong), LinkState::Ok);
  auto r = t->read(64, kLong);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->state, LinkState::Disconnected);
  EXPECT_TRUE(r->bytes.empty());
  auto w = t->write(bytesOf("\x1bSe\r"), kLong);
  ASSERT_TRUE(w.ok());
  EXPECT_EQ(*w, LinkState::Disconnected);
  EXPECT_EQ(t->read(64, kShort)->state, LinkState::Disconnected);
  EXPECT_TRUE(harness_.finish(std::move(t)).empty());
}

TEST_F(UsbTransportConformance, UseAfterCloseIsAnError) {
  auto t = harness_.start({});
  ASSERT_TRUE(t);
  t->close();
  t->close();
  EXPECT_FALSE(t->write(bytesOf("x"), kShort).ok());
  EXPECT_FALSE(t->read(8, kShort).ok());
  EXPECT_TRUE(harness_.finish(std::move(t)).empty());
}

}  // namespace
}  // namespace cardd::drivers
