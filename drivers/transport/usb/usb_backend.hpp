#pragma once
// UsbBackend: the thin seam over the few libusb-1.0 calls the USB transport
// and the hotplug monitor use, so that both can be tested without a printer.
// Implementations: LibusbBackend (real libusb, libusb_backend.hpp) and
// ScriptedUsbBackend (the fake, scripted_usb_backend.hpp).
//
// Errors: every call returns a libusb error code (LIBUSB_SUCCESS or a
// negative LIBUSB_ERROR_*), exactly as libusb would, so the fake can script
// the codes the real library returns (LIBUSB_ERROR_TIMEOUT, _NO_DEVICE,
// _BUSY, _ACCESS, ...). Mapping codes to LinkState and technician sentences
// is the transport's job, not the backend's.
//
// Threading: a backend is shared (std::shared_ptr) by the hotplug monitor and
// every USB transport of the station; implementations are thread-safe. A
// UsbDeviceHandle belongs to one transport and is called from its worker
// thread only. Hotplug callbacks run inside handleEvents(), on the thread that
// calls it (see usb_hotplug_monitor.hpp for who pumps).

#include <libusb.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace cardd::drivers {

// USB interface class codes and printer-class protocols (USB Device Class
// Definition for Printing Devices 1.1, section 4.2).
inline constexpr std::uint8_t kUsbClassPrinter = 0x07;
inline constexpr std::uint8_t kUsbPrinterProtocolUnidirectional = 0x01;
inline constexpr std::uint8_t kUsbPrinterProtocolBidirectional = 0x02;
inline constexpr std::uint8_t kUsbPrinterProtocolIeee1284Dot4 = 0x03;

struct UsbEndpointInfo {
  std::uint8_t address = 0;     // bEndpointAddress: bit 7 set = IN.
  std::uint8_t attributes = 0;  // bmAttributes: bits 0..1 = transfer type (2 = bulk).
  std::uint16_t max_packet_size = 0;

  bool isIn() const { return (address & LIBUSB_ENDPOINT_IN) != 0; }
  bool isBulk() const {
    return (attributes & LIBUSB_TRANSFER_TYPE_MASK) == LIBUSB_TRANSFER_TYPE_BULK;
  }
  friend bool operator==(const UsbEndpointInfo&, const UsbEndpointInfo&) = default;
};

// One alternate setting of one interface of the active configuration.
struct UsbInterfaceInfo {
  std::uint8_t number = 0;  // bInterfaceNumber
  std::uint8_t alt_setting = 0;
  std::uint8_t interface_class = 0;
  std::uint8_t interface_subclass = 0;
  std::uint8_t interface_protocol = 0;
  std::vector<UsbEndpointInfo> endpoints;
  friend bool operator==(const UsbInterfaceInfo&, const UsbInterfaceInfo&) = default;
};

// What enumeration tells about one device. `port_path` names the physical
// socket ("1-2", "1-2.4": bus, then the port chain, as the kernel's sysfs
// names it); it stays the same across replugs into the same socket, unlike
// the device address.
struct UsbDeviceInfo {
  std::uint16_t vendor_id = 0;
  std::uint16_t product_id = 0;
  std::string serial;  // iSerialNumber as ASCII; empty when absent or unreadable.
  std::uint8_t bus = 0;
  std::uint8_t address = 0;
  std::string port_path;
  std::vector<UsbInterfaceInfo> interfaces;  // Active configuration; may be empty.
  friend bool operator==(const UsbDeviceInfo&, const UsbDeviceInfo&) = default;
};

// "0f49:3007" (lower-case hex, as lsusb prints it).
std::string usbIdString(std::uint16_t vendor_id, std::uint16_t product_id);

// An opened device (libusb_device_handle). Destroying it closes the device
// (libusb_close); it does not release interfaces or reattach kernel drivers:
// the owner does that first.
class UsbDeviceHandle {
 public:
  virtual ~UsbDeviceHandle() = default;

  // 1 when a kernel driver (usblp) is bound to the interface, 0 when none, or
  // a LIBUSB_ERROR_* (NOT_SUPPORTED on platforms without the notion).
  virtual int kernelDriverActive(std::uint8_t interface_number) = 0;
  virtual int detachKernelDriver(std::uint8_t interface_number) = 0;
  virtual int attachKernelDriver(std::uint8_t interface_number) = 0;
  virtual int claimInterface(std::uint8_t interface_number) = 0;
  virtual int releaseInterface(std::uint8_t interface_number) = 0;
  virtual int setAltSetting(std::uint8_t interface_number, std::uint8_t alt_setting) = 0;
  virtual int clearHalt(std::uint8_t endpoint) = 0;

  // libusb_bulk_transfer: the direction follows from bit 7 of `endpoint`.
  // `transferred` is set even when the code is an error (a timeout may move
  // part of the data). `timeout` must be at least 1 ms (libusb treats 0 as
  // "wait forever"; implementations clamp it to 1 ms).
  virtual int bulkTransfer(std::uint8_t endpoint, std::span<std::uint8_t> data,
                           std::size_t& transferred, std::chrono::milliseconds timeout) = 0;
};

enum class UsbHotplugEvent { Arrived, Left };

// Called inside handleEvents(). For Left, only vendor/product id, bus,
// address and port_path are known (the device cannot be asked any more).
using UsbHotplugCallback = std::function<void(UsbHotplugEvent, const UsbDeviceInfo&)>;

class UsbBackend {
 public:
  virtual ~UsbBackend() = default;

  // Lists the devices on every bus, filling `out`. Serial numbers are read
  // only when the device can be opened (permissions); otherwise empty.
  virtual int enumerate(std::vector<UsbDeviceInfo>& out) = 0;

  // Opens the device that enumeration reported at `device.port_path` (and
  // with its vendor/product id). LIBUSB_ERROR_NO_DEVICE when it is gone,
  // LIBUSB_ERROR_ACCESS when the device node is not accessible.
  virtual int open(const UsbDeviceInfo& device, std::unique_ptr<UsbDeviceHandle>& out) = 0;

  // libusb_has_capability(LIBUSB_CAP_HAS_HOTPLUG).
  virtual bool hotplugSupported() const = 0;

  // Registers the one hotplug callback of this backend (events of every
  // device; the monitor filters). Replaces an earlier one. Returns
  // LIBUSB_ERROR_NOT_SUPPORTED when !hotplugSupported().
  virtual int startHotplug(UsbHotplugCallback callback) = 0;
  virtual void stopHotplug() = 0;

  // Waits up to `timeout` for USB events and handles them (libusb event
  // pump); hotplug callbacks run in here, on the calling thread.
  virtual int handleEvents(std::chrono::milliseconds timeout) = 0;
};

}  // namespace cardd::drivers
