#pragma once
// ScriptedUsbBackend: the fake UsbBackend for tests and `cardd --simulate`.
// It scripts what libusb would report: the device list with descriptors,
// kernel drivers (usblp) bound to interfaces, errors of open/detach/claim,
// the results of bulk transfers (data, partial transfers, LIBUSB_ERROR_TIMEOUT,
// _NO_DEVICE, _PIPE, ...), unplug and replug with hotplug events. Nothing
// really waits: a scripted timeout costs no time.
//
// Per device, bulk transfers follow a script of steps, consumed in order:
//   out(bytes)                the next OUT transfer(s) must carry exactly
//                             these bytes; one transfer may cover several
//                             consecutive out steps or a part of one.
//   outPartial(bytes, code)   the device accepts `bytes` (a prefix of the
//                             next OUT transfer) and the transfer ends with
//                             `code` (TIMEOUT: a stalled device; NO_DEVICE).
//   in(bytes)                 the next IN transfer returns these bytes. As
//                             on a real bus, a buffer that is a multiple of
//                             the endpoint's wMaxPacketSize takes what fits
//                             and leaves the rest for the next transfer; a
//                             smaller buffer gets LIBUSB_ERROR_OVERFLOW.
//   inPartial(bytes, code)    the next IN transfer returns `bytes` with
//                             `code` (TIMEOUT after a part of a reply).
//   fail(code)                the next transfer, either way, moves nothing
//                             and returns `code`.
//   unplug(code)              reached by the next transfer: the device is
//                             unplugged (see unplug()) and the transfer
//                             returns `code`: LIBUSB_ERROR_NO_DEVICE, or
//                             LIBUSB_ERROR_IO as Linux reports a transfer
//                             that was in flight when the cable was pulled.
// An IN transfer when the next step is an OUT step, or the script is
// exhausted, returns LIBUSB_ERROR_TIMEOUT with no data (a silent device). An
// OUT transfer that does not match is a *mismatch*: recorded (mismatches())
// and answered with LIBUSB_ERROR_OTHER. A transfer on an endpoint that is not
// part of an interface the handle claimed is a mismatch too
// (LIBUSB_ERROR_NOT_FOUND): that is how tests catch a transport using the
// wrong endpoints or forgetting to claim.
//
// Interfaces: claim fails with LIBUSB_ERROR_BUSY while a kernel driver is
// bound (as usbfs does when usblp holds the printer) or another handle holds
// the interface; detachKernelDriver() unbinds it (or fails with the scripted
// detach_error); attachKernelDriver() binds it again.
//
// Threading: every member locks one mutex; handles may be used from other
// threads than the test's. Hotplug callbacks run inside handleEvents(),
// without the lock held.

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "transport/transport.hpp"
#include "transport/usb/usb_backend.hpp"

namespace cardd::drivers {

struct UsbStep {
  enum class Kind { Out, In, Fail, Unplug };
  Kind kind = Kind::Out;
  Bytes bytes;
  int result = LIBUSB_SUCCESS;

  static UsbStep out(Bytes b) { return {Kind::Out, std::move(b), LIBUSB_SUCCESS}; }
  static UsbStep outPartial(Bytes b, int code) { return {Kind::Out, std::move(b), code}; }
  static UsbStep in(Bytes b) { return {Kind::In, std::move(b), LIBUSB_SUCCESS}; }
  static UsbStep inPartial(Bytes b, int code) { return {Kind::In, std::move(b), code}; }
  static UsbStep fail(int code) { return {Kind::Fail, {}, code}; }
  static UsbStep unplug(int code = LIBUSB_ERROR_NO_DEVICE) { return {Kind::Unplug, {}, code}; }
};

struct FakeUsbDevice {
  UsbDeviceInfo info;                          // port_path must be unique among present devices.
  std::vector<std::uint8_t> kernel_driver_on;  // Interfaces bound to usblp.
  int open_error = LIBUSB_SUCCESS;             // e.g. LIBUSB_ERROR_ACCESS.
  int detach_error = LIBUSB_SUCCESS;           // e.g. LIBUSB_ERROR_ACCESS.
  int claim_error = LIBUSB_SUCCESS;            // Forced claim failure (another program holds it).
  std::vector<UsbStep> script;
};

// A printer-class device as Evolis printers present it: interface 0, class 7,
// protocol 2, bulk OUT 0x01 and bulk IN 0x82 with 64-byte packets (full speed).
FakeUsbDevice fakeUsbPrinter(std::uint16_t vendor_id, std::uint16_t product_id,
                             std::string port_path, std::string serial = {});

class ScriptedUsbBackend final : public UsbBackend {
 public:
  ScriptedUsbBackend();
  ~ScriptedUsbBackend() override;

  // Devices present from the start (no hotplug event).
  void addDevice(FakeUsbDevice device);
  // A device plugged in now: present, and an Arrived event is queued.
  void plug(FakeUsbDevice device);
  // The device at `port_path` goes away: it leaves the device list, every
  // open handle of it answers LIBUSB_ERROR_NO_DEVICE from then on, and a Left
  // event is queued.
  void unplug(const std::string& port_path);
  void appendStep(const std::string& port_path, UsbStep step);
  void setHotplugSupported(bool supported);
  void setEnumerateError(int code);

  // Inspection. calls() lists what was done, in order: "open 1-2",
  // "kernel-driver? 1-2 if0", "detach 1-2 if0", "attach 1-2 if0",
  // "claim 1-2 if0", "release 1-2 if0", "alt 1-2 if0=1", "clear-halt 1-2 ep82",
  // "close 1-2" (bulk transfers are not listed; see written()).
  std::vector<std::string> calls() const;
  std::vector<std::string> mismatches() const;
  bool scriptDone(const std::string& port_path) const;
  Bytes written(const std::string& port_path) const;  // Bytes accepted by OUT transfers.
  bool kernelDriverBound(const std::string& port_path, std::uint8_t interface_number) const;
  bool claimed(const std::string& port_path, std::uint8_t interface_number) const;
  int openHandles(const std::string& port_path) const;

  // UsbBackend
  int enumerate(std::vector<UsbDeviceInfo>& out) override;
  int open(const UsbDeviceInfo& device, std::unique_ptr<UsbDeviceHandle>& out) override;
  bool hotplugSupported() const override;
  int startHotplug(UsbHotplugCallback callback) override;
  void stopHotplug() override;
  int handleEvents(std::chrono::milliseconds timeout) override;

  struct Shared;  // Devices, log and queue (scripted_usb_backend.cpp).

 private:
  std::shared_ptr<Shared> shared_;
};

}  // namespace cardd::drivers
