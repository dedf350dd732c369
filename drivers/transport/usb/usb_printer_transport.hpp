#pragma once
// UsbPrinterTransport: a Transport over the bulk endpoints of a USB
// printer-class interface, through a UsbBackend (libusb in production, the
// scripted fake in tests). describe() is "usb:0f49:3007:1-2" (vendor:product
// of the device, then its port path).
//
// Life cycle: construct with a backend and a UsbSelector, then open(). open()
//   1. enumerates and picks the one device the selector matches (several
//      matches without a serial or port path is an Error: two identical
//      printers must be told apart in the configuration);
//   2. picks its printer interface (findPrinterInterface below);
//   3. opens the device; when the usblp kernel driver holds the interface it
//      detaches it and says so in one log notice (usblp gives the interface
//      back on close() unless Options::reattach_kernel_driver is false);
//   4. claims the interface and selects the alternate setting.
// Calling open() again releases the current device and starts over: that is
// how the owner "replaces" the transport after a Disconnected (the printer may
// come back at another address after a replug). close() releases the
// interface, gives it back to usblp if it was detached, and closes the device;
// the destructor closes too.
//
// Errors (see transport.hpp for the LinkState contract):
//   open()  Ok; Disconnected when the device vanished while being opened; an
//           Error (Unavailable) with a sentence a technician can act on when
//           no device or several match, the device has no usable printer
//           interface, permission is denied (names the udev rule and group),
//           the interface is held by another program, or usblp cannot be
//           detached.
//   write() Ok; Timeout when the total timeout passed first (some bytes may
//           have gone out); Disconnected on LIBUSB_ERROR_NO_DEVICE, or on
//           LIBUSB_ERROR_IO when the device is no longer on the bus.
//   read()  Ok with 1..max_bytes bytes (a longer USB transfer is kept and
//           returned by the next reads); Timeout; Disconnected as for write.
//   Other libusb failures (a stalled endpoint, an I/O error on a device that
//   is still present) are Errors and not sticky; a stalled endpoint is
//   cleared before the Error is returned.
//   Calls before open() or after close() return an Error (InvalidArgument).
//   Nothing throws.
//
// Threading: as Transport; one device worker thread owns the object. The
// backend may be shared with other transports and the hotplug monitor.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "core/result.hpp"
#include "transport/transport.hpp"
#include "transport/usb/usb_backend.hpp"

namespace cardd::drivers {

// Which device to use. Text forms (configuration, `cardctl`):
//   "0f49:3007"          vendor:product in hex
//   "0f49:3007:A1B2C3"   ... with this serial number (iSerialNumber)
//   "0f49:3007@1-2.4"    ... in this USB socket (port path, as in sysfs)
//   "@1-2.4"             whatever printer is in this socket
struct UsbSelector {
  std::uint16_t vendor_id = 0;  // 0 with product_id 0: any device (only with a port path).
  std::uint16_t product_id = 0;
  std::string serial;     // Empty: any.
  std::string port_path;  // Empty: any.

  [[nodiscard]] static Result<UsbSelector> parse(std::string_view text);
  std::string toString() const;
  bool matches(const UsbDeviceInfo& device) const;
};

// The interface and endpoints the transport uses on one device.
struct UsbPrinterInterface {
  std::uint8_t interface_number = 0;
  std::uint8_t alt_setting = 0;
  std::uint8_t protocol = 0;
  std::uint8_t endpoint_out = 0;
  std::uint8_t endpoint_in = 0;
  std::uint16_t in_max_packet_size = 0;
  friend bool operator==(const UsbPrinterInterface&, const UsbPrinterInterface&) = default;
};

// Picks the printer interface of `device`: an alternate setting of class 7
// with a bulk OUT and a bulk IN endpoint, preferring protocol 2
// (bidirectional), then the lowest interface number and alternate setting.
// Protocols 3 (IEEE 1284.4) and 4 (IPP over USB) need a packet protocol cardd
// does not speak and are never chosen. An Error (Unavailable) says why no
// interface fits and lists what the device has.
[[nodiscard]] Result<UsbPrinterInterface> findPrinterInterface(const UsbDeviceInfo& device);

class UsbPrinterTransport final : public Transport {
 public:
  struct Options {
    // Receives the few notable, non-error events (usblp detached). Default:
    // cardd::log::notice.
    std::function<void(std::string_view)> notice;
    // Give the interface back to usblp on close() when open() detached it.
    bool reattach_kernel_driver = true;
  };

  UsbPrinterTransport(std::shared_ptr<UsbBackend> backend, UsbSelector selector);
  UsbPrinterTransport(std::shared_ptr<UsbBackend> backend, UsbSelector selector, Options options);
  ~UsbPrinterTransport() override;

  UsbPrinterTransport(const UsbPrinterTransport&) = delete;
  UsbPrinterTransport& operator=(const UsbPrinterTransport&) = delete;

  [[nodiscard]] Result<LinkState> open();

  // True between a successful open() and close()/a Disconnected.
  bool connected() const { return handle_ != nullptr && !disconnected_; }
  // The device and interface in use (meaningful after a successful open()).
  const UsbDeviceInfo& device() const { return device_; }
  const UsbPrinterInterface& printerInterface() const { return interface_; }

  // Transport
  [[nodiscard]] Result<LinkState> write(std::span<const std::uint8_t> bytes,
                                        std::chrono::milliseconds timeout) override;
  [[nodiscard]] Result<ReadResult> read(std::size_t max_bytes,
                                        std::chrono::milliseconds timeout) override;
  void close() override;
  std::string describe() const override;

 private:
  Result<LinkState> failure(int code, std::string_view operation, std::uint8_t endpoint);
  Result<LinkState> openFailure(int code, std::string_view step);
  void release();

  std::shared_ptr<UsbBackend> backend_;
  UsbSelector selector_;
  Options options_;
  UsbDeviceInfo device_;
  UsbPrinterInterface interface_;
  std::unique_ptr<UsbDeviceHandle> handle_;
  bool opened_once_ = false;
  bool claimed_ = false;
  bool detached_ = false;  // open() detached usblp from the interface.
  bool disconnected_ = false;
  Bytes pending_;  // Received but not yet returned by read().
};

// Opens a UsbPrinterTransport, for a connector
// (std::function<Result<std::unique_ptr<Transport>>()>). Disconnected during
// open() becomes an Error (Unavailable).
[[nodiscard]] Result<std::unique_ptr<Transport>> openUsbPrinter(
    std::shared_ptr<UsbBackend> backend, UsbSelector selector,
    UsbPrinterTransport::Options options = {});

// A connector that calls openUsbPrinter() each time it is invoked.
std::function<Result<std::unique_ptr<Transport>>()> usbPrinterConnector(
    std::shared_ptr<UsbBackend> backend, UsbSelector selector,
    UsbPrinterTransport::Options options = {});

}  // namespace cardd::drivers
