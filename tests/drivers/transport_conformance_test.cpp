// The Transport contract (transport.hpp), written once and run against every
// implementation paired with its peer (style-anchors lesson 9):
//   - ScriptedTransport, which follows the script itself;
//   - TcpTransport, connected to a loopback server thread that plays the
//     same script from the device side.
//   - UsbPrinterTransport, over the scripted fake at the libusb boundary.
// A new transport adds one Harness and one line to the type list.
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "loopback_server.hpp"
#include "transport/scripted_transport.hpp"
#include "transport/tcp_transport.hpp"
#include "transport/usb/scripted_usb_backend.hpp"
#include "transport/usb/usb_printer_transport.hpp"

namespace cardd::drivers {
namespace {

using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

constexpr milliseconds kShort{60};   // A read that is meant to time out.
constexpr milliseconds kLong{2000};  // A read that is meant to succeed.

// A Harness starts a transport whose peer follows `script` (device view:
// expect = the device receives these bytes, reply = it sends them, timeout =
// it stays silent through one short read, disconnect = it goes away), and
// afterwards says what the peer saw that it did not expect.
class ScriptedHarness {
 public:
  std::unique_ptr<Transport> start(std::vector<ScriptStep> script) {
    auto t = std::make_unique<ScriptedTransport>(std::move(script));
    fake_ = t.get();
    return t;
  }
  std::vector<std::string> finish(std::unique_ptr<Transport> t) {
    std::vector<std::string> problems;
    for (const auto& m : fake_->mismatches()) problems.push_back(m.message);
    if (!fake_->done()) problems.push_back("script not finished");
    t.reset();
    return problems;
  }

 private:
  ScriptedTransport* fake_ = nullptr;
};

class TcpHarness {
 public:
  std::unique_ptr<Transport> start(std::vector<ScriptStep> script) {
    server_ = std::make_unique<testing::LoopbackServer>();
    if (!server_->ok()) return nullptr;
    server_->serve([this, script = std::move(script)](int& fd) { play(script, fd); });
    auto t = std::make_unique<TcpTransport>("127.0.0.1", server_->port());
    auto opened = t->open(kLong);
    if (!opened.ok() || *opened != LinkState::Ok) return nullptr;
    return t;
  }
  std::vector<std::string> finish(std::unique_ptr<Transport> t) {
    if (t) t->close();
    server_->join();
    return problems_;
  }

 private:
  void play(const std::vector<ScriptStep>& script, int& fd) {
    for (std::size_t i = 0; i < script.size(); ++i) {
      const ScriptStep& step = script[i];
      switch (step.kind) {
        case ScriptStep::Kind::Expect: {
          auto got = testing::readExactly(fd, step.bytes.size());
          if (!got || *got != step.bytes) problems_.push_back("step " + std::to_string(i));
          break;
        }
        case ScriptStep::Kind::Reply:
          testing::sendAll(fd, step.bytes);
          break;
        case ScriptStep::Kind::Timeout:
          std::this_thread::sleep_for(kShort * 4);  // Silent through one short read.
          break;
        case ScriptStep::Kind::Disconnect:
          ::close(fd);
          fd = -1;
          return;
      }
    }
    testing::waitForPeerClose(fd);
  }

  std::unique_ptr<testing::LoopbackServer> server_;
  std::vector<std::string> problems_;  // Written by the server thread; read after join().
};

// UsbPrinterTransport over ScriptedUsbBackend, the fake at the libusb
// boundary: expect -> an OUT transfer, reply -> an IN transfer, timeout -> a
// transfer that times out, disconnect -> the device is unplugged.
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

template <typename H>
class TransportConformance : public ::testing::Test {
 protected:
  // Reads until `n` bytes have arrived; replies may come split.
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
  H harness_;
};

using Harnesses = ::testing::Types<ScriptedHarness, TcpHarness, UsbHarness>;
TYPED_TEST_SUITE(TransportConformance, Harnesses);

TYPED_TEST(TransportConformance, RequestAndReply) {
  auto t = this->harness_.start(
      {ScriptStep::expect(bytesOf("\x1bRtp\r")), ScriptStep::reply(bytesOf("Evolis Primacy 2\r"))});
  ASSERT_TRUE(t);
  EXPECT_FALSE(t->describe().empty());
  auto w = t->write(bytesOf("\x1bRtp\r"), kLong);
  ASSERT_TRUE(w.ok());
  EXPECT_EQ(*w, LinkState::Ok);
  EXPECT_EQ(this->readN(*t, 17), bytesOf("Evolis Primacy 2\r"));
  EXPECT_TRUE(this->harness_.finish(std::move(t)).empty());
}

TYPED_TEST(TransportConformance, ReadNeverReturnsMoreThanMaxBytes) {
  auto t = this->harness_.start({ScriptStep::reply(bytesOf("0123456789"))});
  ASSERT_TRUE(t);
  auto first = t->read(4, kLong);
  ASSERT_TRUE(first.ok());
  ASSERT_EQ(first->state, LinkState::Ok);
  ASSERT_GE(first->bytes.size(), 1u);
  ASSERT_LE(first->bytes.size(), 4u);
  Bytes all = first->bytes;
  auto rest = this->readN(*t, 10 - all.size());
  all.insert(all.end(), rest.begin(), rest.end());
  EXPECT_EQ(all, bytesOf("0123456789"));
  EXPECT_TRUE(this->harness_.finish(std::move(t)).empty());
}

TYPED_TEST(TransportConformance, SilenceIsATimeoutValueThenTheLinkStillWorks) {
  auto t = this->harness_.start({ScriptStep::expect(bytesOf("\x1bRsn\r")), ScriptStep::timeout(),
                                 ScriptStep::reply(bytesOf("A12345\r"))});
  ASSERT_TRUE(t);
  ASSERT_EQ(*t->write(bytesOf("\x1bRsn\r"), kLong), LinkState::Ok);
  const auto t0 = Clock::now();
  auto r = t->read(64, kShort);
  EXPECT_LT(Clock::now() - t0, milliseconds(1000));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->state, LinkState::Timeout);
  EXPECT_TRUE(r->bytes.empty());
  EXPECT_EQ(this->readN(*t, 7), bytesOf("A12345\r"));
  EXPECT_TRUE(this->harness_.finish(std::move(t)).empty());
}

TYPED_TEST(TransportConformance, DisconnectIsAStickyValue) {
  auto t =
      this->harness_.start({ScriptStep::expect(bytesOf("\x1bSi\r")), ScriptStep::disconnect()});
  ASSERT_TRUE(t);
  ASSERT_EQ(*t->write(bytesOf("\x1bSi\r"), kLong), LinkState::Ok);
  auto r = t->read(64, kLong);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->state, LinkState::Disconnected);
  EXPECT_TRUE(r->bytes.empty());
  // Every later call says Disconnected too.
  auto w = t->write(bytesOf("\x1bSe\r"), kLong);
  ASSERT_TRUE(w.ok());
  EXPECT_EQ(*w, LinkState::Disconnected);
  EXPECT_EQ(t->read(64, kShort)->state, LinkState::Disconnected);
  EXPECT_TRUE(this->harness_.finish(std::move(t)).empty());
}

TYPED_TEST(TransportConformance, UseAfterCloseIsAnError) {
  auto t = this->harness_.start({});
  ASSERT_TRUE(t);
  t->close();
  t->close();  // Idempotent.
  EXPECT_FALSE(t->write(bytesOf("x"), kShort).ok());
  EXPECT_FALSE(t->read(8, kShort).ok());
  EXPECT_TRUE(this->harness_.finish(std::move(t)).empty());
}

}  // namespace
}  // namespace cardd::drivers
