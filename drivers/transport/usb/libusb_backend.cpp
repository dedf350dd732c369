#include "transport/usb/libusb_backend.hpp"

#include <algorithm>
#include <array>
#include <cstdio>
#include <fstream>
#include <mutex>
#include <utility>

namespace cardd::drivers {

std::string usbIdString(std::uint16_t vendor_id, std::uint16_t product_id) {
  std::array<char, 16> buf{};
  std::snprintf(buf.data(), buf.size(), "%04x:%04x", vendor_id, product_id);
  return buf.data();
}

struct LibusbBackend::State {
  libusb_context* ctx = nullptr;

  std::mutex mutex;  // Guards everything below.
  UsbHotplugCallback callback;
  libusb_hotplug_callback_handle hotplug_handle = 0;
  bool hotplug_registered = false;
  // Events queued by the libusb callback, delivered by handleEvents(). An
  // arrival holds a reference on the device until it is described.
  struct Pending {
    UsbHotplugEvent event;
    libusb_device* device;  // Referenced (libusb_ref_device).
    UsbDeviceInfo info;     // Ids and path, filled in the callback.
  };
  std::vector<Pending> pending;

  ~State() {
    for (auto& p : pending) libusb_unref_device(p.device);
    if (ctx != nullptr) libusb_exit(ctx);
  }
};

namespace {

using State = LibusbBackend::State;

// "1-2.4": the bus number, then the port chain, as the kernel names the
// device in sysfs. A root hub (no ports) is just "1".
std::string portPath(libusb_device* dev) {
  std::array<std::uint8_t, 8> ports{};
  const int n = libusb_get_port_numbers(dev, ports.data(), static_cast<int>(ports.size()));
  std::string path = std::to_string(libusb_get_bus_number(dev));
  for (int i = 0; i < n; ++i) {
    path += (i == 0 ? '-' : '.');
    path += std::to_string(ports[static_cast<std::size_t>(i)]);
  }
  return path;
}

// The identity fields libusb knows without opening the device.
UsbDeviceInfo identity(libusb_device* dev) {
  UsbDeviceInfo info;
  libusb_device_descriptor desc{};
  if (libusb_get_device_descriptor(dev, &desc) == LIBUSB_SUCCESS) {
    info.vendor_id = desc.idVendor;
    info.product_id = desc.idProduct;
  }
  info.bus = libusb_get_bus_number(dev);
  info.address = libusb_get_device_address(dev);
  info.port_path = portPath(dev);
  return info;
}

// Interfaces and endpoints of the active configuration (or of the first one
// when the device is not configured).
std::vector<UsbInterfaceInfo> interfacesOf(libusb_device* dev) {
  std::vector<UsbInterfaceInfo> out;
  libusb_config_descriptor* config = nullptr;
  if (libusb_get_active_config_descriptor(dev, &config) != LIBUSB_SUCCESS &&
      libusb_get_config_descriptor(dev, 0, &config) != LIBUSB_SUCCESS) {
    return out;
  }
  for (int i = 0; i < config->bNumInterfaces; ++i) {
    const libusb_interface& itf = config->interface[i];
    for (int a = 0; a < itf.num_altsetting; ++a) {
      const libusb_interface_descriptor& alt = itf.altsetting[a];
      UsbInterfaceInfo info;
      info.number = alt.bInterfaceNumber;
      info.alt_setting = alt.bAlternateSetting;
      info.interface_class = alt.bInterfaceClass;
      info.interface_subclass = alt.bInterfaceSubClass;
      info.interface_protocol = alt.bInterfaceProtocol;
      for (int e = 0; e < alt.bNumEndpoints; ++e) {
        const libusb_endpoint_descriptor& ep = alt.endpoint[e];
        info.endpoints.push_back({ep.bEndpointAddress, ep.bmAttributes, ep.wMaxPacketSize});
      }
      out.push_back(std::move(info));
    }
  }
  libusb_free_config_descriptor(config);
  return out;
}

// The serial number: sysfs first (no permissions needed, no traffic), then,
// for printers only, the string descriptor through an opened handle.
std::string serialOf(libusb_device* dev, const UsbDeviceInfo& info) {
  std::ifstream sysfs("/sys/bus/usb/devices/" + info.port_path + "/serial");
  std::string serial;
  if (sysfs && std::getline(sysfs, serial) && !serial.empty()) return serial;

  const bool printer =
      std::any_of(info.interfaces.begin(), info.interfaces.end(),
                  [](const UsbInterfaceInfo& i) { return i.interface_class == kUsbClassPrinter; });
  libusb_device_descriptor desc{};
  if (!printer || libusb_get_device_descriptor(dev, &desc) != LIBUSB_SUCCESS ||
      desc.iSerialNumber == 0) {
    return {};
  }
  libusb_device_handle* handle = nullptr;
  if (libusb_open(dev, &handle) != LIBUSB_SUCCESS) return {};
  std::array<unsigned char, 128> buf{};
  const int n = libusb_get_string_descriptor_ascii(handle, desc.iSerialNumber, buf.data(),
                                                   static_cast<int>(buf.size()));
  libusb_close(handle);
  if (n <= 0) return {};
  return std::string(reinterpret_cast<const char*>(buf.data()), static_cast<std::size_t>(n));
}

UsbDeviceInfo describeDevice(libusb_device* dev) {
  UsbDeviceInfo info = identity(dev);
  info.interfaces = interfacesOf(dev);
  info.serial = serialOf(dev, info);
  return info;
}

unsigned int timeoutMs(std::chrono::milliseconds timeout) {
  const auto ms = timeout.count();
  if (ms < 1) return 1;  // 0 would mean "forever" to libusb.
  if (ms > 0x7fffffff) return 0x7fffffffU;
  return static_cast<unsigned int>(ms);
}

class LibusbHandle final : public UsbDeviceHandle {
 public:
  LibusbHandle(std::shared_ptr<State> state, libusb_device_handle* handle)
      : state_(std::move(state)), handle_(handle) {}
  ~LibusbHandle() override { libusb_close(handle_); }
  LibusbHandle(const LibusbHandle&) = delete;
  LibusbHandle& operator=(const LibusbHandle&) = delete;

  int kernelDriverActive(std::uint8_t i) override {
    return libusb_kernel_driver_active(handle_, i);
  }
  int detachKernelDriver(std::uint8_t i) override {
    return libusb_detach_kernel_driver(handle_, i);
  }
  int attachKernelDriver(std::uint8_t i) override {
    return libusb_attach_kernel_driver(handle_, i);
  }
  int claimInterface(std::uint8_t i) override { return libusb_claim_interface(handle_, i); }
  int releaseInterface(std::uint8_t i) override { return libusb_release_interface(handle_, i); }
  int setAltSetting(std::uint8_t i, std::uint8_t alt) override {
    return libusb_set_interface_alt_setting(handle_, i, alt);
  }
  int clearHalt(std::uint8_t endpoint) override { return libusb_clear_halt(handle_, endpoint); }

  int bulkTransfer(std::uint8_t endpoint, std::span<std::uint8_t> data, std::size_t& transferred,
                   std::chrono::milliseconds timeout) override {
    int actual = 0;
    const int length = static_cast<int>(std::min<std::size_t>(data.size(), 0x7fffffff));
    const int rc =
        libusb_bulk_transfer(handle_, endpoint, data.data(), length, &actual, timeoutMs(timeout));
    transferred = actual > 0 ? static_cast<std::size_t>(actual) : 0;
    return rc;
  }

 private:
  std::shared_ptr<State> state_;  // Keeps the context alive while the handle is open.
  libusb_device_handle* handle_;
};

int LIBUSB_CALL onHotplug(libusb_context*, libusb_device* device, libusb_hotplug_event event,
                          void* user_data) {
  // Runs on whichever thread handles libusb events: queue only.
  auto* state = static_cast<State*>(user_data);
  const bool arrived = event == LIBUSB_HOTPLUG_EVENT_DEVICE_ARRIVED;
  std::lock_guard lock(state->mutex);
  state->pending.push_back({arrived ? UsbHotplugEvent::Arrived : UsbHotplugEvent::Left,
                            libusb_ref_device(device), identity(device)});
  return 0;  // Stay registered.
}

}  // namespace

Result<std::shared_ptr<LibusbBackend>> LibusbBackend::create() {
  auto state = std::make_shared<State>();
  const int rc = libusb_init(&state->ctx);
  if (rc != LIBUSB_SUCCESS) {
    state->ctx = nullptr;
    return Error(ErrorCode::Unavailable,
                 std::string("usb: libusb cannot start (") + libusb_error_name(rc) +
                     "); is usbfs (/dev/bus/usb) present and readable by the cardd user?");
  }
  return std::shared_ptr<LibusbBackend>(new LibusbBackend(std::move(state)));
}

LibusbBackend::LibusbBackend(std::shared_ptr<State> state) : state_(std::move(state)) {}

LibusbBackend::~LibusbBackend() {
  stopHotplug();
}

int LibusbBackend::enumerate(std::vector<UsbDeviceInfo>& out) {
  out.clear();
  libusb_device** list = nullptr;
  const ssize_t n = libusb_get_device_list(state_->ctx, &list);
  if (n < 0) return static_cast<int>(n);
  for (ssize_t i = 0; i < n; ++i) out.push_back(describeDevice(list[i]));
  libusb_free_device_list(list, 1);
  return LIBUSB_SUCCESS;
}

int LibusbBackend::open(const UsbDeviceInfo& device, std::unique_ptr<UsbDeviceHandle>& out) {
  // Find the device again by port path and ids: libusb_device pointers do
  // not survive the list they came from.
  libusb_device** list = nullptr;
  const ssize_t n = libusb_get_device_list(state_->ctx, &list);
  if (n < 0) return static_cast<int>(n);
  int rc = LIBUSB_ERROR_NO_DEVICE;
  for (ssize_t i = 0; i < n; ++i) {
    const UsbDeviceInfo id = identity(list[i]);
    if (id.port_path != device.port_path || id.vendor_id != device.vendor_id ||
        id.product_id != device.product_id) {
      continue;
    }
    libusb_device_handle* handle = nullptr;
    rc = libusb_open(list[i], &handle);
    if (rc == LIBUSB_SUCCESS) out = std::make_unique<LibusbHandle>(state_, handle);
    break;
  }
  libusb_free_device_list(list, 1);
  return rc;
}

bool LibusbBackend::hotplugSupported() const {
  return libusb_has_capability(LIBUSB_CAP_HAS_HOTPLUG) != 0;
}

int LibusbBackend::startHotplug(UsbHotplugCallback callback) {
  if (!hotplugSupported()) return LIBUSB_ERROR_NOT_SUPPORTED;
  stopHotplug();
  {
    std::lock_guard lock(state_->mutex);
    state_->callback = std::move(callback);
  }
  libusb_hotplug_callback_handle handle = 0;
  const int rc = libusb_hotplug_register_callback(
      state_->ctx,
      static_cast<libusb_hotplug_event>(LIBUSB_HOTPLUG_EVENT_DEVICE_ARRIVED |
                                        LIBUSB_HOTPLUG_EVENT_DEVICE_LEFT),
      static_cast<libusb_hotplug_flag>(0), LIBUSB_HOTPLUG_MATCH_ANY, LIBUSB_HOTPLUG_MATCH_ANY,
      LIBUSB_HOTPLUG_MATCH_ANY, onHotplug, state_.get(), &handle);
  if (rc != LIBUSB_SUCCESS) return rc;
  std::lock_guard lock(state_->mutex);
  state_->hotplug_handle = handle;
  state_->hotplug_registered = true;
  return LIBUSB_SUCCESS;
}

void LibusbBackend::stopHotplug() {
  bool registered = false;
  libusb_hotplug_callback_handle handle = 0;
  {
    std::lock_guard lock(state_->mutex);
    registered = std::exchange(state_->hotplug_registered, false);
    handle = state_->hotplug_handle;
    state_->callback = nullptr;
  }
  if (registered) libusb_hotplug_deregister_callback(state_->ctx, handle);
}

int LibusbBackend::handleEvents(std::chrono::milliseconds timeout) {
  const auto us = std::chrono::duration_cast<std::chrono::microseconds>(
      std::max(timeout, std::chrono::milliseconds(0)));
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(us.count() / 1'000'000);
  tv.tv_usec = static_cast<suseconds_t>(us.count() % 1'000'000);
  const int rc = libusb_handle_events_timeout_completed(state_->ctx, &tv, nullptr);

  // Deliver what the libusb callback queued, outside the lock: describing an
  // arrival reads sysfs and may open the device.
  std::vector<State::Pending> events;
  UsbHotplugCallback callback;
  {
    std::lock_guard lock(state_->mutex);
    events.swap(state_->pending);
    callback = state_->callback;
  }
  for (auto& e : events) {
    if (e.event == UsbHotplugEvent::Arrived) {
      e.info.interfaces = interfacesOf(e.device);
      e.info.serial = serialOf(e.device, e.info);
    }
    libusb_unref_device(e.device);
    if (callback) callback(e.event, e.info);
  }
  return rc == LIBUSB_ERROR_INTERRUPTED ? LIBUSB_SUCCESS : rc;
}

}  // namespace cardd::drivers
