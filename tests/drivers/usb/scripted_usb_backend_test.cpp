// The fake itself: it must behave like libusb where the transport relies on
// it (busy interfaces under usblp, packet-sized IN transfers, dead handles
// after an unplug), or the transport tests prove nothing.
#include "transport/usb/scripted_usb_backend.hpp"

#include <gtest/gtest.h>

#include "transport/scripted_transport.hpp"

namespace cardd::drivers {
namespace {

using std::chrono::milliseconds;

std::unique_ptr<UsbDeviceHandle> openAt(ScriptedUsbBackend& b, const std::string& path) {
  std::vector<UsbDeviceInfo> devices;
  EXPECT_EQ(b.enumerate(devices), LIBUSB_SUCCESS);
  for (const auto& d : devices) {
    if (d.port_path == path) {
      std::unique_ptr<UsbDeviceHandle> h;
      EXPECT_EQ(b.open(d, h), LIBUSB_SUCCESS);
      return h;
    }
  }
  ADD_FAILURE() << "no device at " << path;
  return nullptr;
}

TEST(ScriptedUsbBackend, ClaimIsBusyWhileUsblpHoldsTheInterface) {
  ScriptedUsbBackend b;
  FakeUsbDevice d = fakeUsbPrinter(0x0f49, 0x3007, "1-2");
  d.kernel_driver_on = {0};
  b.addDevice(d);
  auto h = openAt(b, "1-2");
  ASSERT_TRUE(h);
  EXPECT_EQ(h->kernelDriverActive(0), 1);
  EXPECT_EQ(h->claimInterface(0), LIBUSB_ERROR_BUSY);
  EXPECT_EQ(h->detachKernelDriver(0), LIBUSB_SUCCESS);
  EXPECT_EQ(h->detachKernelDriver(0), LIBUSB_ERROR_NOT_FOUND);
  EXPECT_EQ(h->claimInterface(0), LIBUSB_SUCCESS);
  EXPECT_TRUE(b.claimed("1-2", 0));
  // A second handle cannot take it either.
  auto h2 = openAt(b, "1-2");
  EXPECT_EQ(h2->claimInterface(0), LIBUSB_ERROR_BUSY);
  EXPECT_EQ(b.openHandles("1-2"), 2);
}

TEST(ScriptedUsbBackend, InTransfersFollowPacketRules) {
  ScriptedUsbBackend b;
  FakeUsbDevice d = fakeUsbPrinter(0x0f49, 0x3007, "1-2");  // IN 0x82, 64-byte packets.
  Bytes reply(100, 'x');
  d.script = {UsbStep::in(reply), UsbStep::in(bytesOf("OK\r"))};
  b.addDevice(d);
  auto h = openAt(b, "1-2");
  ASSERT_EQ(h->claimInterface(0), LIBUSB_SUCCESS);

  Bytes buf(64);
  std::size_t n = 0;
  EXPECT_EQ(h->bulkTransfer(0x82, buf, n, milliseconds(10)), LIBUSB_SUCCESS);
  EXPECT_EQ(n, 64u);  // A full packet; the rest stays.
  Bytes small(10);
  EXPECT_EQ(h->bulkTransfer(0x82, small, n, milliseconds(10)), LIBUSB_ERROR_OVERFLOW);
  EXPECT_EQ(b.mismatches().size(), 1u);
  EXPECT_EQ(h->bulkTransfer(0x82, buf, n, milliseconds(10)), LIBUSB_SUCCESS);
  EXPECT_EQ(n, 3u);
  EXPECT_EQ(h->bulkTransfer(0x82, buf, n, milliseconds(10)), LIBUSB_ERROR_TIMEOUT);
  EXPECT_EQ(n, 0u);
}

TEST(ScriptedUsbBackend, TransfersNeedAClaimedInterfaceAndTheRightEndpoint) {
  ScriptedUsbBackend b;
  FakeUsbDevice d = fakeUsbPrinter(0x0f49, 0x3007, "1-2");
  d.script = {UsbStep::out(bytesOf("ab"))};
  b.addDevice(d);
  auto h = openAt(b, "1-2");
  Bytes data = bytesOf("ab");
  std::size_t n = 0;
  EXPECT_EQ(h->bulkTransfer(0x01, data, n, milliseconds(10)), LIBUSB_ERROR_NOT_FOUND);
  ASSERT_EQ(h->claimInterface(0), LIBUSB_SUCCESS);
  EXPECT_EQ(h->bulkTransfer(0x02, data, n, milliseconds(10)), LIBUSB_ERROR_NOT_FOUND);
  EXPECT_EQ(b.mismatches().size(), 2u);
  EXPECT_EQ(h->bulkTransfer(0x01, data, n, milliseconds(10)), LIBUSB_SUCCESS);
  EXPECT_EQ(n, 2u);
  EXPECT_TRUE(b.scriptDone("1-2"));
}

TEST(ScriptedUsbBackend, OutStepsSpanTransfersAndPartialsStopEarly) {
  ScriptedUsbBackend b;
  FakeUsbDevice d = fakeUsbPrinter(0x0f49, 0x3007, "1-2");
  d.script = {UsbStep::out(bytesOf("ab")), UsbStep::out(bytesOf("cd")),
              UsbStep::outPartial(bytesOf("ef"), LIBUSB_ERROR_TIMEOUT)};
  b.addDevice(d);
  auto h = openAt(b, "1-2");
  ASSERT_EQ(h->claimInterface(0), LIBUSB_SUCCESS);
  Bytes abc = bytesOf("abc");
  std::size_t n = 0;
  EXPECT_EQ(h->bulkTransfer(0x01, abc, n, milliseconds(10)), LIBUSB_SUCCESS);
  EXPECT_EQ(n, 3u);
  Bytes defgh = bytesOf("defgh");
  EXPECT_EQ(h->bulkTransfer(0x01, defgh, n, milliseconds(10)), LIBUSB_ERROR_TIMEOUT);
  EXPECT_EQ(n, 3u);  // "def" accepted, then the device stalled.
  EXPECT_EQ(b.written("1-2"), bytesOf("abcdef"));
  EXPECT_TRUE(b.mismatches().empty());
}

TEST(ScriptedUsbBackend, UnplugKillsHandlesAndQueuesEvents) {
  ScriptedUsbBackend b;
  std::vector<std::pair<UsbHotplugEvent, std::string>> events;
  ASSERT_EQ(b.startHotplug([&](UsbHotplugEvent e, const UsbDeviceInfo& d) {
    events.emplace_back(e, d.port_path);
  }),
            LIBUSB_SUCCESS);
  b.plug(fakeUsbPrinter(0x0f49, 0x3007, "1-2"));
  auto h = openAt(b, "1-2");
  ASSERT_EQ(h->claimInterface(0), LIBUSB_SUCCESS);
  b.unplug("1-2");
  Bytes buf(64);
  std::size_t n = 0;
  EXPECT_EQ(h->bulkTransfer(0x82, buf, n, milliseconds(10)), LIBUSB_ERROR_NO_DEVICE);
  std::vector<UsbDeviceInfo> devices;
  EXPECT_EQ(b.enumerate(devices), LIBUSB_SUCCESS);
  EXPECT_TRUE(devices.empty());
  EXPECT_TRUE(events.empty());  // Delivered only by handleEvents().
  EXPECT_EQ(b.handleEvents(milliseconds(0)), LIBUSB_SUCCESS);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0], std::make_pair(UsbHotplugEvent::Arrived, std::string("1-2")));
  EXPECT_EQ(events[1], std::make_pair(UsbHotplugEvent::Left, std::string("1-2")));
}

}  // namespace
}  // namespace cardd::drivers
