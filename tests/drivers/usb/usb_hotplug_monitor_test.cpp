// UsbHotplugMonitor against ScriptedUsbBackend, in both mechanisms (libusb
// hotplug events and enumeration diffs): initial arrivals, vendor filter,
// de-duplication, leave events carrying the serial seen on arrival.
#include "transport/usb/usb_hotplug_monitor.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "transport/usb/scripted_usb_backend.hpp"

namespace cardd::drivers {
namespace {

using std::chrono::milliseconds;

struct Seen {
  UsbHotplugEvent event;
  std::string path;
  std::string serial;
  friend bool operator==(const Seen&, const Seen&) = default;
};

std::ostream& operator<<(std::ostream& os, const Seen& s) {
  return os << (s.event == UsbHotplugEvent::Arrived ? "arrived " : "left ") << s.path << " "
            << s.serial;
}

// Runs every test in both modes: true = libusb hotplug, false = polling.
class UsbHotplugMonitorTest : public ::testing::TestWithParam<bool> {
 protected:
  UsbHotplugMonitorTest() {
    backend_->setHotplugSupported(GetParam());
    UsbHotplugMonitor::Options options;
    options.vendor_ids = {0x0f49, 0x0c1f};
    options.poll_interval = milliseconds(0);  // Poll on every pump: no waiting.
    monitor_ = std::make_unique<UsbHotplugMonitor>(
        backend_, options, [this](UsbHotplugEvent e, const UsbDeviceInfo& d) {
          seen_.push_back({e, d.port_path, d.serial});
        });
  }

  std::shared_ptr<ScriptedUsbBackend> backend_ = std::make_shared<ScriptedUsbBackend>();
  std::unique_ptr<UsbHotplugMonitor> monitor_;
  std::vector<Seen> seen_;
};

FakeUsbDevice keyboard(std::string path) {
  FakeUsbDevice d = fakeUsbPrinter(0x046d, 0xc31c, std::move(path));
  d.info.interfaces[0].interface_class = 0x03;
  return d;
}

TEST_P(UsbHotplugMonitorTest, ReportsPresentDevicesThenArrivalsAndLeaves) {
  backend_->addDevice(fakeUsbPrinter(0x0f49, 0x3007, "1-2", "SN-A"));
  backend_->addDevice(keyboard("1-1"));
  ASSERT_TRUE(monitor_->start().ok());
  EXPECT_EQ(monitor_->usingHotplug(), GetParam());
  ASSERT_EQ(seen_.size(), 1u);
  EXPECT_EQ(seen_[0], (Seen{UsbHotplugEvent::Arrived, "1-2", "SN-A"}));

  backend_->plug(fakeUsbPrinter(0x0c1f, 0x0001, "1-3", "MC-1"));
  backend_->plug(keyboard("1-4"));
  monitor_->pump(milliseconds(0));
  ASSERT_EQ(seen_.size(), 2u);
  EXPECT_EQ(seen_[1], (Seen{UsbHotplugEvent::Arrived, "1-3", "MC-1"}));

  backend_->unplug("1-2");
  backend_->unplug("1-4");
  monitor_->pump(milliseconds(0));
  ASSERT_EQ(seen_.size(), 3u);
  // The serial comes from the arrival: a gone device cannot be asked.
  EXPECT_EQ(seen_[2], (Seen{UsbHotplugEvent::Left, "1-2", "SN-A"}));
  ASSERT_EQ(monitor_->present().size(), 1u);
  EXPECT_EQ(monitor_->present()[0].port_path, "1-3");

  monitor_->pump(milliseconds(0));  // Nothing new: nothing reported.
  EXPECT_EQ(seen_.size(), 3u);
}

TEST_P(UsbHotplugMonitorTest, ReplugIntoTheSameSocketIsLeaveThenArrive) {
  backend_->addDevice(fakeUsbPrinter(0x0f49, 0x3007, "1-2", "SN-A"));
  ASSERT_TRUE(monitor_->start().ok());
  backend_->unplug("1-2");
  monitor_->pump(milliseconds(0));
  backend_->plug(fakeUsbPrinter(0x0f49, 0x3007, "1-2", "SN-A"));
  monitor_->pump(milliseconds(0));
  const std::vector<Seen> expected = {{UsbHotplugEvent::Arrived, "1-2", "SN-A"},
                                      {UsbHotplugEvent::Left, "1-2", "SN-A"},
                                      {UsbHotplugEvent::Arrived, "1-2", "SN-A"}};
  EXPECT_EQ(seen_, expected);
}

TEST_P(UsbHotplugMonitorTest, ADeviceSeenByScanAndEventIsReportedOnce) {
  ASSERT_TRUE(monitor_->start().ok());
  // Plugged between registration and the next pump: the poll (or the
  // event) sees it; a later duplicate event must not report it again.
  backend_->plug(fakeUsbPrinter(0x0f49, 0x3007, "1-2"));
  monitor_->pump(milliseconds(0));
  monitor_->pump(milliseconds(0));
  ASSERT_EQ(seen_.size(), 1u);
  EXPECT_EQ(seen_[0].event, UsbHotplugEvent::Arrived);
}

TEST_P(UsbHotplugMonitorTest, StopEndsReporting) {
  ASSERT_TRUE(monitor_->start().ok());
  monitor_->stop();
  backend_->plug(fakeUsbPrinter(0x0f49, 0x3007, "1-2"));
  monitor_->pump(milliseconds(0));
  EXPECT_TRUE(seen_.empty());
  monitor_->stop();  // Idempotent.
}

TEST_P(UsbHotplugMonitorTest, AnUnlistableBusIsAnError) {
  backend_->setEnumerateError(LIBUSB_ERROR_IO);
  auto s = monitor_->start();
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message.find("cannot list USB devices (LIBUSB_ERROR_IO)"), std::string::npos)
      << s.error().message;
}

INSTANTIATE_TEST_SUITE_P(Mechanisms, UsbHotplugMonitorTest, ::testing::Values(true, false),
                         [](const ::testing::TestParamInfo<bool>& param) {
                           return param.param ? std::string("LibusbHotplug")
                                              : std::string("Polling");
                         });

TEST(UsbHotplugMonitor, ForcedPollingIgnoresLibusbHotplug) {
  auto backend = std::make_shared<ScriptedUsbBackend>();
  UsbHotplugMonitor::Options options;
  options.force_polling = true;
  options.poll_interval = milliseconds(0);
  int arrivals = 0;
  UsbHotplugMonitor m(backend, options, [&](UsbHotplugEvent e, const UsbDeviceInfo&) {
    arrivals += e == UsbHotplugEvent::Arrived ? 1 : 0;
  });
  ASSERT_TRUE(m.start().ok());
  EXPECT_FALSE(m.usingHotplug());
  backend->addDevice(fakeUsbPrinter(0x0f49, 0x3007, "1-2"));  // No event: only a scan sees it.
  m.pump(milliseconds(0));
  EXPECT_EQ(arrivals, 1);
}

}  // namespace
}  // namespace cardd::drivers
