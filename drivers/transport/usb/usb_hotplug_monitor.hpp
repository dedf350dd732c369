#pragma once
// UsbHotplugMonitor: reports printers arriving on and leaving the USB bus,
// for the vendor ids of the supported families (Evolis 0f49, Magicard 0c1f,
// Zebra 0a5f, Fargo 09b0, ...), so the station can open a printer when it is
// plugged in and mark it offline when it is pulled.
//
// Two mechanisms, chosen by start():
//   - libusb hotplug, when the backend has it (libusb_has_capability(
//     LIBUSB_CAP_HAS_HOTPLUG): Linux with udev or netlink);
//   - otherwise (or with Options::force_polling) an enumeration every
//     Options::poll_interval, diffed against the previous one.
// Either way start() first reports the matching devices already present as
// Arrived, and events are de-duplicated by (port path, vendor, product): a
// device is reported Arrived once and Left once per plug-in. A Left event
// carries the device as it was reported on arrival (with its serial), since a
// gone device cannot be asked.
//
// Note for the owner: an Arrived event can come before udev has applied the
// permissions of the cardd rule; retry a failed open() after a moment.
//
// Threading contract: the monitor has no thread of its own. Exactly one
// thread (the station's USB monitor thread) calls start(), pump() and stop();
// pump() pumps libusb events (libusb_handle_events_timeout_completed, via the
// backend) or polls, and the callback runs inside pump() or start() on that
// thread. The shared backend may be used by transports on their worker
// threads at the same time (libusb allows concurrent event handling; the
// backend queues hotplug events and hands them to this thread). The callback
// must not call back into the monitor; it should post to the event loop.
// present() may be called from the pumping thread only.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "core/result.hpp"
#include "transport/usb/usb_backend.hpp"

namespace cardd::drivers {

// USB vendor ids of the card printer families cardd knows (Evolis,
// Magicard, Zebra, HID Fargo; reference/card-printers.md), for
// Options::vendor_ids.
inline constexpr std::uint16_t kCardPrinterVendorIds[] = {0x0f49, 0x0c1f, 0x0a5f, 0x09b0};

class UsbHotplugMonitor {
 public:
  using Callback = std::function<void(UsbHotplugEvent, const UsbDeviceInfo&)>;

  struct Options {
    std::vector<std::uint16_t> vendor_ids;  // Empty: every device.
    std::chrono::milliseconds poll_interval{2000};
    bool force_polling = false;  // Poll even when libusb has hotplug.
  };

  UsbHotplugMonitor(std::shared_ptr<UsbBackend> backend, Options options, Callback callback);
  ~UsbHotplugMonitor();  // stop()

  UsbHotplugMonitor(const UsbHotplugMonitor&) = delete;
  UsbHotplugMonitor& operator=(const UsbHotplugMonitor&) = delete;

  // Chooses the mechanism, registers for events, then reports the devices
  // already present. An Error (Unavailable) when the bus cannot be listed.
  [[nodiscard]] Status start();

  // Waits up to `max_wait` and reports what arrived or left meanwhile. In
  // polling mode it enumerates when the poll interval has passed and sleeps
  // at most until the next enumeration is due (never longer than max_wait).
  void pump(std::chrono::milliseconds max_wait);

  // Unregisters from libusb hotplug. Idempotent; start() may follow.
  void stop();

  bool usingHotplug() const { return hotplug_; }
  // The matching devices currently known to be present, in arrival order.
  const std::vector<UsbDeviceInfo>& present() const { return present_; }

 private:
  bool wanted(const UsbDeviceInfo& d) const;
  void arrived(const UsbDeviceInfo& d);
  void left(const UsbDeviceInfo& d);
  Status scan();

  std::shared_ptr<UsbBackend> backend_;
  Options options_;
  Callback callback_;
  bool started_ = false;
  bool hotplug_ = false;
  std::chrono::steady_clock::time_point next_scan_{};
  std::vector<UsbDeviceInfo> present_;
};

}  // namespace cardd::drivers
