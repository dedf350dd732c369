// LibusbBackend and UsbPrinterTransport through *real* libusb-1.0, against a
// printer-class device that umockdev fakes in sysfs and /dev/bus/usb (no
// hardware, no root). umockdev works by LD_PRELOADing libumockdev-preload,
// so main() below re-executes this binary with the preload library when it
// is not already in a umockdev environment; only if that is impossible do
// the tests skip, with the reason.
//
// The device: an Evolis-like 0f49:3007 at port path 1-2 (bus 1, address 5),
// serial A12345, one interface of class 7 protocol 2 with bulk OUT 0x01 and
// bulk IN 0x82 (64-byte packets). Its usbfs traffic is umockdev's ioctl
// replay format (USBDEVFS_REAPURB records: type endpoint status flags
// buffer_length actual_length error_count data).
#include <gtest/gtest.h>
#include <umockdev.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "transport/scripted_transport.hpp"
#include "transport/usb/libusb_backend.hpp"
#include "transport/usb/usb_hotplug_monitor.hpp"
#include "transport/usb/usb_printer_transport.hpp"

namespace cardd::drivers {
namespace {

using std::chrono::milliseconds;

// Device descriptor (18 bytes) + configuration (9) + interface (9) + two
// endpoints (7 each), as the kernel exposes them in sysfs "descriptors".
constexpr const char* kDescriptors =
    "1201000200000040490F07300001010203010902200001010080320904000002070102000705010240000007"
    "058202400000";

std::string deviceRecord() {
  return std::string(
             "P: /devices/pci0000:00/0000:00:14.0/usb1/1-2\n"
             "N: bus/usb/001/005\n"
             "E: DEVNAME=/dev/bus/usb/001/005\n"
             "E: DEVTYPE=usb_device\n"
             "E: DRIVER=usb\n"
             "E: PRODUCT=f49/3007/100\n"
             "E: TYPE=0/0/0\n"
             "E: BUSNUM=001\n"
             "E: DEVNUM=005\n"
             "E: SUBSYSTEM=usb\n"
             "A: bConfigurationValue=1\\n\n"
             "A: bDeviceClass=00\\n\n"
             "A: bNumConfigurations=1\\n\n"
             "A: bNumInterfaces= 1\\n\n"
             "A: busnum=1\\n\n"
             "A: devnum=5\\n\n"
             "A: devpath=2\\n\n"
             "A: idProduct=3007\\n\n"
             "A: idVendor=0f49\\n\n"
             "A: manufacturer=Evolis\\n\n"
             "A: product=Primacy\\n\n"
             "A: serial=A12345\\n\n"
             "A: speed=12\\n\n"
             "H: descriptors=") +
         kDescriptors + "\n";
}

// Whether libumockdev-preload is loaded (umockdev's own test; its
// umockdev_in_mock_environment() only turns true once a testbed exists).
bool umockdevPreloaded() {
  const char* preload = std::getenv("LD_PRELOAD");  // NOLINT(concurrency-mt-unsafe)
  return preload != nullptr &&
         std::string(preload).find("libumockdev-preload") != std::string::npos;
}

class LibusbUmockdev : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!umockdevPreloaded()) {
      GTEST_SKIP() << "umockdev preload library not active (libumockdev-preload.so.0 not "
                      "installed or re-exec failed); real-libusb tests skipped";
    }
    testbed_ = umockdev_testbed_new();
    GError* error = nullptr;
    const std::string record = deviceRecord();
    ASSERT_TRUE(umockdev_testbed_add_from_string(testbed_, record.c_str(), &error))
        << (error != nullptr ? error->message : "?");
  }
  void TearDown() override {
    if (testbed_ != nullptr) g_object_unref(testbed_);
    if (!ioctl_file_.empty()) std::filesystem::remove(ioctl_file_);
  }

  // Loads an ioctl replay script for the device node.
  void loadIoctl(const std::string& text) {
    char path[] = "/tmp/cardd-usb-ioctl-XXXXXX";
    const int fd = ::mkstemp(path);
    ASSERT_GE(fd, 0);
    ::close(fd);
    ioctl_file_ = path;
    std::ofstream(ioctl_file_) << "@DEV /dev/bus/usb/001/005 (usbdevfs)\n" << text;
    GError* error = nullptr;
    ASSERT_TRUE(
        umockdev_testbed_load_ioctl(testbed_, "/dev/bus/usb/001/005", ioctl_file_.c_str(), &error))
        << (error != nullptr ? error->message : "?");
  }

  UMockdevTestbed* testbed_ = nullptr;
  std::string ioctl_file_;
};

TEST_F(LibusbUmockdev, EnumeratesThePrinterWithDescriptorsAndSerial) {
  auto backend = LibusbBackend::create();
  ASSERT_TRUE(backend.ok()) << backend.error().message;
  std::vector<UsbDeviceInfo> devices;
  ASSERT_EQ((*backend)->enumerate(devices), LIBUSB_SUCCESS);
  ASSERT_EQ(devices.size(), 1u);
  const UsbDeviceInfo& d = devices[0];
  EXPECT_EQ(d.vendor_id, 0x0f49);
  EXPECT_EQ(d.product_id, 0x3007);
  EXPECT_EQ(d.bus, 1);
  EXPECT_EQ(d.address, 5);
  EXPECT_EQ(d.port_path, "1-2");
  EXPECT_EQ(d.serial, "A12345");
  ASSERT_EQ(d.interfaces.size(), 1u);
  EXPECT_EQ(d.interfaces[0].interface_class, kUsbClassPrinter);
  EXPECT_EQ(d.interfaces[0].interface_protocol, kUsbPrinterProtocolBidirectional);
  const std::vector<UsbEndpointInfo> eps = {{0x01, LIBUSB_TRANSFER_TYPE_BULK, 64},
                                            {0x82, LIBUSB_TRANSFER_TYPE_BULK, 64}};
  EXPECT_EQ(d.interfaces[0].endpoints, eps);

  auto itf = findPrinterInterface(d);
  ASSERT_TRUE(itf.ok()) << itf.error().message;
  EXPECT_EQ(itf->endpoint_out, 0x01);
  EXPECT_EQ(itf->endpoint_in, 0x82);
}

TEST_F(LibusbUmockdev, TransportWritesAndReadsThroughUsbfs) {
  // "ESC Rtp CR" goes out on 0x01 (5 bytes); the reply comes back on 0x82
  // in a 64-byte IN URB (one packet, as UsbPrinterTransport sizes it).
  loadIoctl(
      "USBDEVFS_GET_CAPABILITIES 0 07000000\n"
      "USBDEVFS_REAPURBNDELAY 0 3 1 0 0 5 5 0 1B5274700D\n"
      " USBDEVFS_REAPURBNDELAY 0 3 130 0 0 64 17 0 45766F6C6973205072696D61637920320D\n");
  auto backend = LibusbBackend::create();
  ASSERT_TRUE(backend.ok()) << backend.error().message;
  std::vector<std::string> notices;
  UsbPrinterTransport::Options options;
  options.notice = [&notices](std::string_view m) { notices.emplace_back(m); };
  UsbPrinterTransport t(*backend, *UsbSelector::parse("0f49:3007:A12345"), options);
  auto opened = t.open();
  ASSERT_TRUE(opened.ok()) << opened.error().message;
  ASSERT_EQ(*opened, LinkState::Ok);
  EXPECT_EQ(t.describe(), "usb:0f49:3007:1-2");
  auto w = t.write(bytesOf("\x1bRtp\r"), milliseconds(1000));
  ASSERT_TRUE(w.ok()) << w.error().message;
  EXPECT_EQ(*w, LinkState::Ok);
  auto r = t.read(64, milliseconds(1000));
  ASSERT_TRUE(r.ok()) << r.error().message;
  ASSERT_EQ(r->state, LinkState::Ok);
  EXPECT_EQ(r->bytes, bytesOf("Evolis Primacy 2\r"));
  t.close();
}

TEST_F(LibusbUmockdev, AnUnrecordedWriteIsAnErrorNotAHang) {
  // The replay knows only this command; anything else is refused by the
  // (mock) kernel, which libusb reports as an I/O error on a device that is
  // still present: an Error, not Disconnected.
  loadIoctl("USBDEVFS_REAPURBNDELAY 0 3 1 0 0 5 5 0 1B5274700D\n");
  auto backend = LibusbBackend::create();
  ASSERT_TRUE(backend.ok());
  UsbPrinterTransport::Options options;
  options.notice = [](std::string_view) {};
  UsbPrinterTransport t(*backend, *UsbSelector::parse("0f49:3007"), options);
  ASSERT_EQ(*t.open(), LinkState::Ok);
  auto w = t.write(bytesOf("\x1bRsn\r"), milliseconds(1000));
  ASSERT_FALSE(w.ok());
  EXPECT_NE(w.error().message.find("usb:0f49:3007:1-2"), std::string::npos) << w.error().message;
  EXPECT_TRUE(t.connected());
}

TEST_F(LibusbUmockdev, UnplugWhileOpenIsDisconnected) {
  loadIoctl("USBDEVFS_REAPURBNDELAY 0 3 1 0 0 5 5 0 1B5274700D\n");
  auto backend = LibusbBackend::create();
  ASSERT_TRUE(backend.ok());
  UsbPrinterTransport::Options options;
  options.notice = [](std::string_view) {};
  UsbPrinterTransport t(*backend, *UsbSelector::parse("0f49:3007"), options);
  ASSERT_EQ(*t.open(), LinkState::Ok);
  ASSERT_EQ(*t.write(bytesOf("\x1bRtp\r"), milliseconds(1000)), LinkState::Ok);

  const char* sysfs = "/sys/devices/pci0000:00/0000:00:14.0/usb1/1-2";
  umockdev_testbed_uevent(testbed_, sysfs, "remove");
  umockdev_testbed_remove_device(testbed_, sysfs);
  // A real kernel fails every URB of a gone device with ENODEV. umockdev
  // keeps serving the recording, so send a command it does not know: the
  // URB fails (ENOTTY, LIBUSB_ERROR_IO) and the transport finds the device
  // gone from the bus, which makes it a disconnect.
  auto w = t.write(bytesOf("\x1bSe\r"), milliseconds(1000));
  ASSERT_TRUE(w.ok()) << w.error().message;
  EXPECT_EQ(*w, LinkState::Disconnected);
  auto r = t.read(64, milliseconds(100));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->state, LinkState::Disconnected);
}

TEST_F(LibusbUmockdev, HotplugMonitorSeesRemovalAndArrival) {
  auto backend = LibusbBackend::create();
  ASSERT_TRUE(backend.ok());
  std::vector<std::pair<UsbHotplugEvent, std::string>> seen;
  UsbHotplugMonitor::Options options;
  options.vendor_ids = {0x0f49};
  options.poll_interval = milliseconds(50);
  UsbHotplugMonitor monitor(*backend, options, [&seen](UsbHotplugEvent e, const UsbDeviceInfo& d) {
    seen.emplace_back(e, d.port_path + "/" + d.serial);
  });
  ASSERT_TRUE(monitor.start().ok());
  ASSERT_EQ(seen.size(), 1u);  // Present at start.
  EXPECT_EQ(seen[0], std::make_pair(UsbHotplugEvent::Arrived, std::string("1-2/A12345")));

  // Bounded pumping: each pump waits at most 100 ms for an event.
  const auto pumpUntil = [&](std::size_t n) {
    for (int i = 0; i < 50 && seen.size() < n; ++i) monitor.pump(milliseconds(100));
  };
  const char* sysfs = "/sys/devices/pci0000:00/0000:00:14.0/usb1/1-2";
  umockdev_testbed_uevent(testbed_, sysfs, "remove");
  umockdev_testbed_remove_device(testbed_, sysfs);
  pumpUntil(2);
  ASSERT_EQ(seen.size(), 2u) << "no leave event (hotplug: " << monitor.usingHotplug() << ")";
  EXPECT_EQ(seen[1], std::make_pair(UsbHotplugEvent::Left, std::string("1-2/A12345")));

  GError* error = nullptr;
  const std::string record = deviceRecord();
  ASSERT_TRUE(umockdev_testbed_add_from_string(testbed_, record.c_str(), &error));
  pumpUntil(3);
  ASSERT_EQ(seen.size(), 3u) << "no arrival event (hotplug: " << monitor.usingHotplug() << ")";
  EXPECT_EQ(seen[2], std::make_pair(UsbHotplugEvent::Arrived, std::string("1-2/A12345")));
  std::printf("[ info ] hotplug mechanism under umockdev: %s\n",
              monitor.usingHotplug() ? "libusb hotplug (udev)" : "polling");
}

}  // namespace
}  // namespace cardd::drivers

// Re-executes the test binary under libumockdev-preload unless already there.
// The environment is read and changed before any thread exists.
// NOLINTBEGIN(concurrency-mt-unsafe)
int main(int argc, char** argv) {
  if (!cardd::drivers::umockdevPreloaded() && std::getenv("CARDD_UMOCKDEV_REEXEC") == nullptr) {
    std::string value = "libumockdev-preload.so.0";
    if (const char* old = std::getenv("LD_PRELOAD"); old != nullptr && *old != '\0') {
      value += std::string(":") + old;
    }
    ::setenv("LD_PRELOAD", value.c_str(), 1);
    ::setenv("CARDD_UMOCKDEV_REEXEC", "1", 1);
    ::execv("/proc/self/exe", argv);
    std::perror("re-exec under umockdev");  // Fall through: the tests skip.
  }
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
// NOLINTEND(concurrency-mt-unsafe)
