// UsbPrinterTransport against ScriptedUsbBackend: device selection, usblp
// detach and claim, partial and chunked transfers, timeouts, unplug mid-write
// and mid-read, and the sentences a technician gets when something is wrong.
#include "transport/usb/usb_printer_transport.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "transport/scripted_transport.hpp"
#include "transport/usb/scripted_usb_backend.hpp"

namespace cardd::drivers {
namespace {

using std::chrono::milliseconds;

constexpr milliseconds kWait{500};

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

bool called(const ScriptedUsbBackend& b, const std::string& call) {
  const auto calls = b.calls();
  return std::find(calls.begin(), calls.end(), call) != calls.end();
}

class UsbPrinterTransportTest : public ::testing::Test {
 protected:
  // A transport for `selector` whose notices land in notices_.
  std::unique_ptr<UsbPrinterTransport> make(const std::string& selector = "0f49:3007",
                                            bool reattach = true) {
    auto sel = UsbSelector::parse(selector);
    EXPECT_TRUE(sel.ok());
    UsbPrinterTransport::Options options;
    options.notice = [this](std::string_view m) { notices_.emplace_back(m); };
    options.reattach_kernel_driver = reattach;
    return std::make_unique<UsbPrinterTransport>(backend_, *sel, options);
  }
  std::unique_ptr<UsbPrinterTransport> opened(const std::string& selector = "0f49:3007") {
    auto t = make(selector);
    auto r = t->open();
    EXPECT_TRUE(r.ok()) << r.error().message;
    if (r.ok()) {
      EXPECT_EQ(*r, LinkState::Ok);
    }
    return t;
  }
  std::string openError(UsbPrinterTransport& t) {
    auto r = t.open();
    EXPECT_FALSE(r.ok());
    return r.ok() ? std::string() : r.error().message;
  }
  void TearDown() override { EXPECT_TRUE(backend_->mismatches().empty()); }

  std::shared_ptr<ScriptedUsbBackend> backend_ = std::make_shared<ScriptedUsbBackend>();
  std::vector<std::string> notices_;
};

TEST_F(UsbPrinterTransportTest, DetachesUsblpSaysSoClaimsAndGivesItBack) {
  FakeUsbDevice d = fakeUsbPrinter(0x0f49, 0x3007, "1-2");
  d.kernel_driver_on = {0};
  backend_->addDevice(d);
  auto t = make();
  EXPECT_EQ(t->describe(), "usb:0f49:3007");
  auto r = t->open();
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(*r, LinkState::Ok);
  EXPECT_TRUE(t->connected());
  EXPECT_EQ(t->describe(), "usb:0f49:3007:1-2");
  EXPECT_FALSE(backend_->kernelDriverBound("1-2", 0));
  EXPECT_TRUE(backend_->claimed("1-2", 0));
  ASSERT_EQ(notices_.size(), 1u);
  EXPECT_TRUE(contains(notices_[0], "usb:0f49:3007:1-2: detached the usblp kernel driver"))
      << notices_[0];
  const auto calls = backend_->calls();
  const std::vector<std::string> expected = {"open 1-2", "kernel-driver? 1-2 if0", "detach 1-2 if0",
                                             "claim 1-2 if0"};
  EXPECT_EQ(calls, expected);

  t->close();
  EXPECT_FALSE(backend_->claimed("1-2", 0));
  EXPECT_TRUE(backend_->kernelDriverBound("1-2", 0));
  EXPECT_EQ(backend_->openHandles("1-2"), 0);
  EXPECT_TRUE(called(*backend_, "release 1-2 if0"));
  EXPECT_TRUE(called(*backend_, "attach 1-2 if0"));
}

TEST_F(UsbPrinterTransportTest, LeavesUsblpDetachedWhenAskedTo) {
  FakeUsbDevice d = fakeUsbPrinter(0x0f49, 0x3007, "1-2");
  d.kernel_driver_on = {0};
  backend_->addDevice(d);
  auto t = make("0f49:3007", /*reattach=*/false);
  ASSERT_EQ(*t->open(), LinkState::Ok);
  t->close();
  EXPECT_FALSE(backend_->kernelDriverBound("1-2", 0));
  EXPECT_FALSE(called(*backend_, "attach 1-2 if0"));
}

TEST_F(UsbPrinterTransportTest, NoDetachAndNoNoticeWhenNoKernelDriver) {
  backend_->addDevice(fakeUsbPrinter(0x0f49, 0x3007, "1-2"));
  auto t = opened();
  EXPECT_TRUE(notices_.empty());
  EXPECT_FALSE(called(*backend_, "detach 1-2 if0"));
  t.reset();  // The destructor closes.
  EXPECT_EQ(backend_->openHandles("1-2"), 0);
  EXPECT_FALSE(backend_->claimed("1-2", 0));
}

TEST_F(UsbPrinterTransportTest, RoundTripWithAReplyReadInPieces) {
  FakeUsbDevice d = fakeUsbPrinter(0x0f49, 0x3007, "1-2");
  d.script = {UsbStep::out(bytesOf("\x1bRtp\r")), UsbStep::in(bytesOf("Evolis Primacy 2\r"))};
  backend_->addDevice(d);
  auto t = opened();
  auto w = t->write(bytesOf("\x1bRtp\r"), kWait);
  ASSERT_TRUE(w.ok());
  EXPECT_EQ(*w, LinkState::Ok);
  // One 17-byte USB transfer, handed out 4 bytes at a time.
  Bytes all;
  for (int i = 0; i < 10 && all.size() < 17; ++i) {
    auto r = t->read(4, kWait);
    ASSERT_TRUE(r.ok());
    ASSERT_EQ(r->state, LinkState::Ok);
    ASSERT_GE(r->bytes.size(), 1u);
    ASSERT_LE(r->bytes.size(), 4u);
    all.insert(all.end(), r->bytes.begin(), r->bytes.end());
  }
  EXPECT_EQ(all, bytesOf("Evolis Primacy 2\r"));
  EXPECT_TRUE(backend_->scriptDone("1-2"));
}

TEST_F(UsbPrinterTransportTest, ARepliesLongerThanAPacketArrivesWhole) {
  FakeUsbDevice d = fakeUsbPrinter(0x0f49, 0x3007, "1-2");
  Bytes reply(150);
  for (std::size_t i = 0; i < reply.size(); ++i) reply[i] = static_cast<std::uint8_t>(i);
  d.script = {UsbStep::in(reply)};
  backend_->addDevice(d);
  auto t = opened();
  Bytes all;
  for (int i = 0; i < 10 && all.size() < reply.size(); ++i) {
    auto r = t->read(1000, kWait);
    ASSERT_TRUE(r.ok());
    ASSERT_EQ(r->state, LinkState::Ok);
    all.insert(all.end(), r->bytes.begin(), r->bytes.end());
  }
  EXPECT_EQ(all, reply);
}

TEST_F(UsbPrinterTransportTest, ALargePanelGoesOutInChunks) {
  FakeUsbDevice d = fakeUsbPrinter(0x0f49, 0x3007, "1-2");
  Bytes panel(82296 * 2 + 17);
  for (std::size_t i = 0; i < panel.size(); ++i) panel[i] = static_cast<std::uint8_t>(i * 7);
  d.script = {UsbStep::out(panel)};
  backend_->addDevice(d);
  auto t = opened();
  auto w = t->write(panel, kWait);
  ASSERT_TRUE(w.ok());
  EXPECT_EQ(*w, LinkState::Ok);
  EXPECT_EQ(backend_->written("1-2"), panel);
}

TEST_F(UsbPrinterTransportTest, WriteTimeoutAfterPartOfTheDataThenTheLinkStillWorks) {
  FakeUsbDevice d = fakeUsbPrinter(0x0f49, 0x3007, "1-2");
  d.script = {UsbStep::outPartial(bytesOf("\x1bS"), LIBUSB_ERROR_TIMEOUT),
              UsbStep::out(bytesOf("\x1bRsn\r")), UsbStep::in(bytesOf("A1\r"))};
  backend_->addDevice(d);
  auto t = opened();
  auto w = t->write(bytesOf("\x1bSs\r"), kWait);
  ASSERT_TRUE(w.ok());
  EXPECT_EQ(*w, LinkState::Timeout);
  EXPECT_EQ(*t->write(bytesOf("\x1bRsn\r"), kWait), LinkState::Ok);
  auto r = t->read(64, kWait);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->bytes, bytesOf("A1\r"));
}

TEST_F(UsbPrinterTransportTest, ReadTimeoutsAndAPartialReplyBeforeATimeout) {
  FakeUsbDevice d = fakeUsbPrinter(0x0f49, 0x3007, "1-2");
  d.script = {UsbStep::fail(LIBUSB_ERROR_TIMEOUT),
              UsbStep::inPartial(bytesOf("OK"), LIBUSB_ERROR_TIMEOUT)};
  backend_->addDevice(d);
  auto t = opened();
  auto r = t->read(64, milliseconds(20));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->state, LinkState::Timeout);
  EXPECT_TRUE(r->bytes.empty());
  r = t->read(64, milliseconds(20));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->state, LinkState::Ok);  // Data that came before the timeout is data.
  EXPECT_EQ(r->bytes, bytesOf("OK"));
  // Script exhausted: a silent printer.
  r = t->read(64, milliseconds(20));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->state, LinkState::Timeout);
}

TEST_F(UsbPrinterTransportTest, UnplugMidWriteIsStickyDisconnected) {
  FakeUsbDevice d = fakeUsbPrinter(0x0f49, 0x3007, "1-2");
  Bytes panel(100'000, 0x55);
  // The first 64 KiB chunk goes out, then the cable is pulled.
  d.script = {UsbStep::out(Bytes(panel.begin(), panel.begin() + 65536)), UsbStep::unplug()};
  backend_->addDevice(d);
  auto t = opened();
  auto w = t->write(panel, kWait);
  ASSERT_TRUE(w.ok());
  EXPECT_EQ(*w, LinkState::Disconnected);
  EXPECT_FALSE(t->connected());
  EXPECT_EQ(backend_->written("1-2").size(), 65536u);
  EXPECT_EQ(*t->write(bytesOf("\x1bSe\r"), kWait), LinkState::Disconnected);
  EXPECT_EQ(t->read(8, kWait)->state, LinkState::Disconnected);
  t->close();
  EXPECT_FALSE(t->write(bytesOf("x"), kWait).ok());  // After close: an Error.
}

TEST_F(UsbPrinterTransportTest, UnplugInsideATransferIsDisconnected) {
  FakeUsbDevice d = fakeUsbPrinter(0x0f49, 0x3007, "1-2");
  d.script = {UsbStep::outPartial(bytesOf("\x1bS"), LIBUSB_ERROR_NO_DEVICE)};
  backend_->addDevice(d);
  auto t = opened();
  EXPECT_EQ(*t->write(bytesOf("\x1bSs\r"), kWait), LinkState::Disconnected);
}

TEST_F(UsbPrinterTransportTest, UnplugMidReadReportedAsIoErrorIsDisconnected) {
  FakeUsbDevice d = fakeUsbPrinter(0x0f49, 0x3007, "1-2");
  d.script = {UsbStep::out(bytesOf("\x1bRlr;p\r")), UsbStep::unplug(LIBUSB_ERROR_IO)};
  backend_->addDevice(d);
  auto t = opened();
  ASSERT_EQ(*t->write(bytesOf("\x1bRlr;p\r"), kWait), LinkState::Ok);
  auto r = t->read(64, kWait);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->state, LinkState::Disconnected);
  EXPECT_EQ(t->read(64, kWait)->state, LinkState::Disconnected);
}

TEST_F(UsbPrinterTransportTest, IoErrorOnAPresentDeviceIsAnErrorThatPasses) {
  FakeUsbDevice d = fakeUsbPrinter(0x0f49, 0x3007, "1-2");
  d.script = {UsbStep::fail(LIBUSB_ERROR_IO), UsbStep::in(bytesOf("OK\r"))};
  backend_->addDevice(d);
  auto t = opened();
  auto r = t->read(64, kWait);
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(contains(r.error().message, "usb:0f49:3007:1-2: USB I/O error during read"))
      << r.error().message;
  EXPECT_TRUE(contains(r.error().message, "cable"));
  auto again = t->read(64, kWait);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->bytes, bytesOf("OK\r"));
}

TEST_F(UsbPrinterTransportTest, AStallIsClearedAndReported) {
  FakeUsbDevice d = fakeUsbPrinter(0x0f49, 0x3007, "1-2");
  d.script = {UsbStep::fail(LIBUSB_ERROR_PIPE), UsbStep::out(bytesOf("\x1bSs\r"))};
  backend_->addDevice(d);
  auto t = opened();
  auto w = t->write(bytesOf("\x1bSs\r"), kWait);
  ASSERT_FALSE(w.ok());
  EXPECT_TRUE(contains(w.error().message, "stalled endpoint 0x01")) << w.error().message;
  EXPECT_TRUE(called(*backend_, "clear-halt 1-2 ep01"));
  EXPECT_EQ(*t->write(bytesOf("\x1bSs\r"), kWait), LinkState::Ok);
}

TEST_F(UsbPrinterTransportTest, PermissionDeniedNamesTheUdevRuleAndGroup) {
  FakeUsbDevice d = fakeUsbPrinter(0x0f49, 0x3007, "1-2");
  d.info.bus = 1;
  d.info.address = 7;
  d.open_error = LIBUSB_ERROR_ACCESS;
  backend_->addDevice(d);
  auto t = make();
  const std::string msg = openError(*t);
  EXPECT_TRUE(contains(msg, "permission denied on /dev/bus/usb/001/007")) << msg;
  EXPECT_TRUE(contains(msg, "70-cardd-printers.rules"));
  EXPECT_TRUE(contains(msg, "owned by user 'cardd'"));
  EXPECT_TRUE(contains(msg, "vendor 0f49"));
  EXPECT_FALSE(t->connected());
}

TEST_F(UsbPrinterTransportTest, InterfaceHeldByAnotherProgramIsExplainedAndNothingStaysOpen) {
  FakeUsbDevice d = fakeUsbPrinter(0x0f49, 0x3007, "1-2");
  d.claim_error = LIBUSB_ERROR_BUSY;
  backend_->addDevice(d);
  auto t = make();
  const std::string msg = openError(*t);
  EXPECT_TRUE(contains(msg, "cannot claim interface 0 (LIBUSB_ERROR_BUSY)")) << msg;
  EXPECT_TRUE(contains(msg, "another program holds the printer"));
  EXPECT_EQ(backend_->openHandles("1-2"), 0);
  EXPECT_FALSE(t->write(bytesOf("x"), kWait).ok());
}

TEST_F(UsbPrinterTransportTest, UsblpThatCannotBeDetachedIsExplained) {
  FakeUsbDevice d = fakeUsbPrinter(0x0f49, 0x3007, "1-2");
  d.kernel_driver_on = {0};
  d.detach_error = LIBUSB_ERROR_OTHER;
  backend_->addDevice(d);
  auto t = make();
  const std::string msg = openError(*t);
  EXPECT_TRUE(contains(msg, "cannot detach the usblp kernel driver")) << msg;
  EXPECT_TRUE(contains(msg, "blacklist usblp"));
  EXPECT_TRUE(notices_.empty());
  EXPECT_EQ(backend_->openHandles("1-2"), 0);
}

TEST_F(UsbPrinterTransportTest, MissingAndAmbiguousDevicesAreExplained) {
  auto t = make();
  std::string msg = openError(*t);
  EXPECT_TRUE(contains(msg, "no USB device 0f49:3007 is connected")) << msg;

  backend_->addDevice(fakeUsbPrinter(0x0f49, 0x3007, "1-2", "SN-A"));
  backend_->addDevice(fakeUsbPrinter(0x0f49, 0x3007, "1-3", "SN-B"));
  backend_->addDevice(fakeUsbPrinter(0x0c1f, 0x0001, "1-4"));
  msg = openError(*t);
  EXPECT_TRUE(contains(msg, "2 USB devices match 0f49:3007 (at 1-2, 1-3)")) << msg;
  EXPECT_TRUE(contains(msg, "serial number"));

  auto by_serial = opened("0f49:3007:SN-B");
  EXPECT_EQ(by_serial->describe(), "usb:0f49:3007:1-3");
  auto by_path = opened("0f49:3007@1-2");
  EXPECT_EQ(by_path->device().serial, "SN-A");
}

TEST_F(UsbPrinterTransportTest, NoPrinterClassInterfaceOpensNothing) {
  FakeUsbDevice d = fakeUsbPrinter(0x0f49, 0x3007, "1-2");
  d.info.interfaces[0].interface_class = 0x08;  // Mass storage (a firmware-update mode).
  backend_->addDevice(d);
  auto t = make();
  const std::string msg = openError(*t);
  EXPECT_TRUE(contains(msg, "no printer-class interface")) << msg;
  EXPECT_TRUE(backend_->calls().empty());  // Not even opened.
}

TEST_F(UsbPrinterTransportTest, BidirectionalAltSettingIsSelectedAndItsEndpointsUsed) {
  FakeUsbDevice d = fakeUsbPrinter(0x0f49, 0x3007, "1-2");
  UsbInterfaceInfo uni = d.info.interfaces[0];
  uni.interface_protocol = kUsbPrinterProtocolUnidirectional;
  uni.endpoints = {{0x03, LIBUSB_TRANSFER_TYPE_BULK, 64}};
  UsbInterfaceInfo bidi = d.info.interfaces[0];
  bidi.alt_setting = 1;
  bidi.endpoints = {{0x04, LIBUSB_TRANSFER_TYPE_BULK, 512}, {0x85, LIBUSB_TRANSFER_TYPE_BULK, 512}};
  d.info.interfaces = {uni, bidi};
  d.script = {UsbStep::out(bytesOf("\x1bRfv\r")), UsbStep::in(bytesOf("1.2.3\r"))};
  backend_->addDevice(d);
  auto t = opened();
  EXPECT_TRUE(called(*backend_, "alt 1-2 if0=1"));
  EXPECT_EQ(t->printerInterface().endpoint_out, 0x04);
  ASSERT_EQ(*t->write(bytesOf("\x1bRfv\r"), kWait), LinkState::Ok);
  EXPECT_EQ(t->read(64, kWait)->bytes, bytesOf("1.2.3\r"));
}

TEST_F(UsbPrinterTransportTest, ReopenAfterReplugFindsTheNewDevice) {
  FakeUsbDevice d = fakeUsbPrinter(0x0f49, 0x3007, "1-2");
  d.script = {UsbStep::unplug()};
  backend_->addDevice(d);
  auto t = opened();
  EXPECT_EQ(t->read(8, kWait)->state, LinkState::Disconnected);
  // Still gone: open() is an Error, not a hang.
  EXPECT_FALSE(t->open().ok());

  FakeUsbDevice again = fakeUsbPrinter(0x0f49, 0x3007, "1-2");
  again.info.address = 9;
  again.script = {UsbStep::out(bytesOf("\x1bRtp\r"))};
  backend_->plug(again);
  auto r = t->open();
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(*r, LinkState::Ok);
  EXPECT_EQ(t->device().address, 9);
  EXPECT_EQ(*t->write(bytesOf("\x1bRtp\r"), kWait), LinkState::Ok);
}

TEST_F(UsbPrinterTransportTest, UseBeforeOpenAndAfterCloseIsAnError) {
  backend_->addDevice(fakeUsbPrinter(0x0f49, 0x3007, "1-2"));
  auto t = make();
  EXPECT_FALSE(t->write(bytesOf("x"), kWait).ok());
  EXPECT_FALSE(t->read(8, kWait).ok());
  ASSERT_EQ(*t->open(), LinkState::Ok);
  EXPECT_FALSE(t->read(0, kWait).ok());
  t->close();
  t->close();
  EXPECT_FALSE(t->write(bytesOf("x"), kWait).ok());
  EXPECT_FALSE(t->read(8, kWait).ok());
  EXPECT_EQ(backend_->openHandles("1-2"), 0);
}

TEST_F(UsbPrinterTransportTest, ConnectorOpensOrExplains) {
  auto connect = usbPrinterConnector(backend_, *UsbSelector::parse("0f49:3007"));
  auto none = connect();
  ASSERT_FALSE(none.ok());
  EXPECT_TRUE(contains(none.error().message, "no USB device"));

  FakeUsbDevice d = fakeUsbPrinter(0x0f49, 0x3007, "2-1");
  d.script = {UsbStep::out(bytesOf("\x1bRtp\r"))};
  backend_->addDevice(d);
  auto t = connect();
  ASSERT_TRUE(t.ok()) << t.error().message;
  EXPECT_EQ((*t)->describe(), "usb:0f49:3007:2-1");
  EXPECT_EQ(*(*t)->write(bytesOf("\x1bRtp\r"), kWait), LinkState::Ok);
}

}  // namespace
}  // namespace cardd::drivers
