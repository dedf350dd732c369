#pragma once
// LibusbBackend: UsbBackend over real libusb-1.0 (one libusb context per
// backend; create one per process and share it).
//
// Enumeration: vendor/product id, bus, address and the port path come from
// libusb; the interfaces and endpoints from the active configuration
// descriptor, which Linux libusb reads from sysfs without opening the device.
// The serial number is read from sysfs (/sys/bus/usb/devices/<path>/serial,
// world-readable); only if that fails, and only for devices with a
// printer-class interface, the device is opened to ask for its string
// descriptor. Other devices on the bus (keyboards, readers) are never opened.
//
// Hotplug: when libusb has LIBUSB_CAP_HAS_HOTPLUG, startHotplug() registers a
// libusb hotplug callback. libusb may run that callback on any thread that
// happens to handle events (including a transport's worker inside a bulk
// transfer), so it only queues the event; handleEvents() pumps libusb and then
// delivers the queued events to the UsbHotplugCallback on *its* calling thread.
//
// Lifetime: handles keep the libusb context alive, so a transport may outlive
// the backend object. Thread-safe (libusb is, and the event queue is locked).

#include <memory>

#include "core/result.hpp"
#include "transport/usb/usb_backend.hpp"

namespace cardd::drivers {

class LibusbBackend final : public UsbBackend {
 public:
  // libusb_init. An Error (Unavailable) when libusb cannot start (no usbfs).
  [[nodiscard]] static Result<std::shared_ptr<LibusbBackend>> create();
  ~LibusbBackend() override;

  LibusbBackend(const LibusbBackend&) = delete;
  LibusbBackend& operator=(const LibusbBackend&) = delete;

  int enumerate(std::vector<UsbDeviceInfo>& out) override;
  int open(const UsbDeviceInfo& device, std::unique_ptr<UsbDeviceHandle>& out) override;
  bool hotplugSupported() const override;
  int startHotplug(UsbHotplugCallback callback) override;
  void stopHotplug() override;
  int handleEvents(std::chrono::milliseconds timeout) override;

  struct State;  // The libusb context and the hotplug queue (libusb_backend.cpp).

 private:
  explicit LibusbBackend(std::shared_ptr<State> state);
  std::shared_ptr<State> state_;
};

}  // namespace cardd::drivers
