#include "transport/usb/scripted_usb_backend.hpp"

#include <algorithm>
#include <array>
#include <cstdio>
#include <map>
#include <set>
#include <utility>

namespace cardd::drivers {

namespace {

std::string hex2(std::uint8_t v) {
  std::array<char, 4> buf{};
  std::snprintf(buf.data(), buf.size(), "%02x", v);
  return buf.data();
}

}  // namespace

// One plugged-in device. A replug creates a new Dev, so handles of the old
// one stay dead.
struct FakeDev {
  FakeUsbDevice spec;
  bool present = true;
  std::size_t next = 0;    // Index of the next script step.
  std::size_t offset = 0;  // Bytes of spec.script[next] already consumed.
  std::set<std::uint8_t> kernel_driver;
  std::set<std::uint8_t> claimed;
  Bytes written;
  int open_handles = 0;
};

struct ScriptedUsbBackend::Shared {
  mutable std::mutex mutex;
  std::vector<std::shared_ptr<FakeDev>> devices;  // Present and gone, in plug order.
  std::vector<std::string> calls;
  std::vector<std::string> mismatches;
  bool hotplug_supported = true;
  int enumerate_error = LIBUSB_SUCCESS;
  UsbHotplugCallback callback;
  std::vector<std::pair<UsbHotplugEvent, UsbDeviceInfo>> queued;

  std::shared_ptr<FakeDev> find(const std::string& path) const {
    for (auto it = devices.rbegin(); it != devices.rend(); ++it) {
      if ((*it)->present && (*it)->spec.info.port_path == path) return *it;
    }
    return nullptr;
  }
  std::shared_ptr<FakeDev> latest(const std::string& path) const {
    for (auto it = devices.rbegin(); it != devices.rend(); ++it) {
      if ((*it)->spec.info.port_path == path) return *it;
    }
    return nullptr;
  }
  void goAway(FakeDev& dev) {
    if (!dev.present) return;
    dev.present = false;
    UsbDeviceInfo left = dev.spec.info;
    left.serial.clear();
    left.interfaces.clear();
    queued.emplace_back(UsbHotplugEvent::Left, std::move(left));
  }
};

namespace {

using Shared = ScriptedUsbBackend::Shared;

class FakeHandle final : public UsbDeviceHandle {
 public:
  FakeHandle(std::shared_ptr<Shared> shared, std::shared_ptr<FakeDev> dev)
      : shared_(std::move(shared)), dev_(std::move(dev)) {}
  ~FakeHandle() override {
    std::lock_guard lock(shared_->mutex);
    for (auto i : mine_) dev_->claimed.erase(i);
    --dev_->open_handles;
    log("close");
  }
  FakeHandle(const FakeHandle&) = delete;
  FakeHandle& operator=(const FakeHandle&) = delete;

  int kernelDriverActive(std::uint8_t i) override {
    std::lock_guard lock(shared_->mutex);
    log("kernel-driver?", i);
    if (!dev_->present) return LIBUSB_ERROR_NO_DEVICE;
    return dev_->kernel_driver.count(i) != 0 ? 1 : 0;
  }
  int detachKernelDriver(std::uint8_t i) override {
    std::lock_guard lock(shared_->mutex);
    log("detach", i);
    if (!dev_->present) return LIBUSB_ERROR_NO_DEVICE;
    if (dev_->kernel_driver.count(i) == 0) return LIBUSB_ERROR_NOT_FOUND;
    if (dev_->spec.detach_error != LIBUSB_SUCCESS) return dev_->spec.detach_error;
    dev_->kernel_driver.erase(i);
    return LIBUSB_SUCCESS;
  }
  int attachKernelDriver(std::uint8_t i) override {
    std::lock_guard lock(shared_->mutex);
    log("attach", i);
    if (!dev_->present) return LIBUSB_ERROR_NO_DEVICE;
    if (dev_->claimed.count(i) != 0) return LIBUSB_ERROR_BUSY;
    dev_->kernel_driver.insert(i);
    return LIBUSB_SUCCESS;
  }
  int claimInterface(std::uint8_t i) override {
    std::lock_guard lock(shared_->mutex);
    log("claim", i);
    if (!dev_->present) return LIBUSB_ERROR_NO_DEVICE;
    if (!hasInterface(i)) return LIBUSB_ERROR_NOT_FOUND;
    if (mine_.count(i) != 0) return LIBUSB_SUCCESS;
    if (dev_->spec.claim_error != LIBUSB_SUCCESS) return dev_->spec.claim_error;
    if (dev_->kernel_driver.count(i) != 0 || dev_->claimed.count(i) != 0) {
      return LIBUSB_ERROR_BUSY;
    }
    dev_->claimed.insert(i);
    mine_.insert(i);
    return LIBUSB_SUCCESS;
  }
  int releaseInterface(std::uint8_t i) override {
    std::lock_guard lock(shared_->mutex);
    log("release", i);
    if (mine_.erase(i) == 0) return LIBUSB_ERROR_NOT_FOUND;
    dev_->claimed.erase(i);
    if (!dev_->present) return LIBUSB_ERROR_NO_DEVICE;
    return LIBUSB_SUCCESS;
  }
  int setAltSetting(std::uint8_t i, std::uint8_t alt) override {
    std::lock_guard lock(shared_->mutex);
    log("alt", i, "=" + std::to_string(alt));
    if (!dev_->present) return LIBUSB_ERROR_NO_DEVICE;
    if (mine_.count(i) == 0) return LIBUSB_ERROR_NOT_FOUND;
    alt_[i] = alt;
    return LIBUSB_SUCCESS;
  }
  int clearHalt(std::uint8_t endpoint) override {
    std::lock_guard lock(shared_->mutex);
    shared_->calls.push_back("clear-halt " + dev_->spec.info.port_path + " ep" + hex2(endpoint));
    return dev_->present ? LIBUSB_SUCCESS : LIBUSB_ERROR_NO_DEVICE;
  }

  int bulkTransfer(std::uint8_t endpoint, std::span<std::uint8_t> data, std::size_t& transferred,
                   std::chrono::milliseconds) override {
    std::lock_guard lock(shared_->mutex);
    transferred = 0;
    if (!dev_->present) return LIBUSB_ERROR_NO_DEVICE;
    const UsbEndpointInfo* ep = claimedEndpoint(endpoint);
    if (ep == nullptr) {
      mismatch("transfer on endpoint " + hex2(endpoint) +
               " that belongs to no claimed interface's current setting");
      return LIBUSB_ERROR_NOT_FOUND;
    }
    auto& script = dev_->spec.script;
    // Steps that apply to either direction.
    if (dev_->next < script.size()) {
      const UsbStep& step = script[dev_->next];
      if (step.kind == UsbStep::Kind::Fail) {
        advance();
        return step.result;
      }
      if (step.kind == UsbStep::Kind::Unplug) {
        const int rc = step.result;
        advance();
        shared_->goAway(*dev_);
        return rc;
      }
    }
    return ep->isIn() ? transferIn(*ep, data, transferred) : transferOut(data, transferred);
  }

 private:
  int transferIn(const UsbEndpointInfo& ep, std::span<std::uint8_t> data,
                 std::size_t& transferred) {
    auto& script = dev_->spec.script;
    if (dev_->next >= script.size() || script[dev_->next].kind != UsbStep::Kind::In) {
      return LIBUSB_ERROR_TIMEOUT;  // The device has nothing to say.
    }
    const UsbStep& step = script[dev_->next];
    const std::size_t left = step.bytes.size() - dev_->offset;
    std::size_t n = std::min(left, data.size());
    int rc = LIBUSB_SUCCESS;
    if (n < left) {
      // The buffer is too small for the rest: fine at a packet boundary,
      // an overflow otherwise (the device's packet would not fit).
      const std::size_t mps = ep.max_packet_size == 0 ? 64 : ep.max_packet_size;
      if (data.size() % mps != 0) rc = LIBUSB_ERROR_OVERFLOW;
    }
    std::copy_n(step.bytes.begin() + static_cast<std::ptrdiff_t>(dev_->offset), n, data.begin());
    transferred = n;
    dev_->offset += n;
    if (rc == LIBUSB_ERROR_OVERFLOW) {
      mismatch("IN transfer of " + std::to_string(data.size()) +
               " bytes is not a multiple of wMaxPacketSize and overflowed");
      advance();
      return rc;
    }
    if (dev_->offset == step.bytes.size()) {
      rc = step.result;
      advance();
    }
    return rc;
  }

  int transferOut(std::span<std::uint8_t> data, std::size_t& transferred) {
    auto& script = dev_->spec.script;
    std::size_t done = 0;
    while (done < data.size()) {
      if (dev_->next >= script.size() || script[dev_->next].kind != UsbStep::Kind::Out) {
        mismatch("OUT transfer of " + std::to_string(data.size()) + " bytes at step " +
                 std::to_string(dev_->next) + " that expects no write");
        transferred = done;
        return LIBUSB_ERROR_OTHER;
      }
      const UsbStep& step = script[dev_->next];
      const std::size_t n = std::min(step.bytes.size() - dev_->offset, data.size() - done);
      if (!std::equal(data.begin() + static_cast<std::ptrdiff_t>(done),
                      data.begin() + static_cast<std::ptrdiff_t>(done + n),
                      step.bytes.begin() + static_cast<std::ptrdiff_t>(dev_->offset))) {
        mismatch("OUT transfer does not match step " + std::to_string(dev_->next));
        transferred = done;
        return LIBUSB_ERROR_OTHER;
      }
      dev_->written.insert(dev_->written.end(), data.begin() + static_cast<std::ptrdiff_t>(done),
                           data.begin() + static_cast<std::ptrdiff_t>(done + n));
      done += n;
      dev_->offset += n;
      if (dev_->offset == step.bytes.size()) {
        const int rc = step.result;
        advance();
        if (rc != LIBUSB_SUCCESS) {
          transferred = done;
          if (rc == LIBUSB_ERROR_NO_DEVICE) shared_->goAway(*dev_);
          return rc;
        }
      }
    }
    transferred = done;
    return LIBUSB_SUCCESS;
  }

  void advance() {
    ++dev_->next;
    dev_->offset = 0;
  }
  bool hasInterface(std::uint8_t i) const {
    const auto& itfs = dev_->spec.info.interfaces;
    return std::any_of(itfs.begin(), itfs.end(),
                       [i](const UsbInterfaceInfo& x) { return x.number == i; });
  }
  // The endpoint `address` of a claimed interface in its current alt setting.
  const UsbEndpointInfo* claimedEndpoint(std::uint8_t address) const {
    for (const auto& itf : dev_->spec.info.interfaces) {
      if (mine_.count(itf.number) == 0) continue;
      const auto alt = alt_.find(itf.number);
      if (itf.alt_setting != (alt == alt_.end() ? 0 : alt->second)) continue;
      for (const auto& ep : itf.endpoints) {
        if (ep.address == address) return &ep;
      }
    }
    return nullptr;
  }
  void log(const std::string& what, std::uint8_t i, const std::string& extra = {}) {
    shared_->calls.push_back(what + " " + dev_->spec.info.port_path + " if" + std::to_string(i) +
                             extra);
  }
  void log(const std::string& what) {
    shared_->calls.push_back(what + " " + dev_->spec.info.port_path);
  }
  void mismatch(const std::string& message) {
    shared_->mismatches.push_back(dev_->spec.info.port_path + ": " + message);
  }

  std::shared_ptr<Shared> shared_;
  std::shared_ptr<FakeDev> dev_;
  std::set<std::uint8_t> mine_;               // Interfaces this handle claimed.
  std::map<std::uint8_t, std::uint8_t> alt_;  // Alt settings this handle selected.
};

}  // namespace

FakeUsbDevice fakeUsbPrinter(std::uint16_t vendor_id, std::uint16_t product_id,
                             std::string port_path, std::string serial) {
  FakeUsbDevice d;
  d.info.vendor_id = vendor_id;
  d.info.product_id = product_id;
  d.info.serial = std::move(serial);
  d.info.port_path = std::move(port_path);
  d.info.bus = static_cast<std::uint8_t>(std::stoi(d.info.port_path));
  d.info.address = 5;
  UsbInterfaceInfo itf;
  itf.number = 0;
  itf.interface_class = kUsbClassPrinter;
  itf.interface_subclass = 1;
  itf.interface_protocol = kUsbPrinterProtocolBidirectional;
  itf.endpoints = {{0x01, LIBUSB_TRANSFER_TYPE_BULK, 64}, {0x82, LIBUSB_TRANSFER_TYPE_BULK, 64}};
  d.info.interfaces = {itf};
  return d;
}

ScriptedUsbBackend::ScriptedUsbBackend() : shared_(std::make_shared<Shared>()) {}
ScriptedUsbBackend::~ScriptedUsbBackend() = default;

void ScriptedUsbBackend::addDevice(FakeUsbDevice device) {
  std::lock_guard lock(shared_->mutex);
  auto dev = std::make_shared<FakeDev>();
  dev->kernel_driver.insert(device.kernel_driver_on.begin(), device.kernel_driver_on.end());
  dev->spec = std::move(device);
  shared_->devices.push_back(std::move(dev));
}

void ScriptedUsbBackend::plug(FakeUsbDevice device) {
  const UsbDeviceInfo info = device.info;
  addDevice(std::move(device));
  std::lock_guard lock(shared_->mutex);
  shared_->queued.emplace_back(UsbHotplugEvent::Arrived, info);
}

void ScriptedUsbBackend::unplug(const std::string& port_path) {
  std::lock_guard lock(shared_->mutex);
  if (auto dev = shared_->find(port_path)) shared_->goAway(*dev);
}

void ScriptedUsbBackend::appendStep(const std::string& port_path, UsbStep step) {
  std::lock_guard lock(shared_->mutex);
  if (auto dev = shared_->latest(port_path)) dev->spec.script.push_back(std::move(step));
}

void ScriptedUsbBackend::setHotplugSupported(bool supported) {
  std::lock_guard lock(shared_->mutex);
  shared_->hotplug_supported = supported;
}

void ScriptedUsbBackend::setEnumerateError(int code) {
  std::lock_guard lock(shared_->mutex);
  shared_->enumerate_error = code;
}

std::vector<std::string> ScriptedUsbBackend::calls() const {
  std::lock_guard lock(shared_->mutex);
  return shared_->calls;
}

std::vector<std::string> ScriptedUsbBackend::mismatches() const {
  std::lock_guard lock(shared_->mutex);
  return shared_->mismatches;
}

bool ScriptedUsbBackend::scriptDone(const std::string& port_path) const {
  std::lock_guard lock(shared_->mutex);
  auto dev = shared_->latest(port_path);
  return dev && dev->next == dev->spec.script.size();
}

Bytes ScriptedUsbBackend::written(const std::string& port_path) const {
  std::lock_guard lock(shared_->mutex);
  auto dev = shared_->latest(port_path);
  return dev ? dev->written : Bytes{};
}

bool ScriptedUsbBackend::kernelDriverBound(const std::string& port_path,
                                           std::uint8_t interface_number) const {
  std::lock_guard lock(shared_->mutex);
  auto dev = shared_->latest(port_path);
  return dev && dev->kernel_driver.count(interface_number) != 0;
}

bool ScriptedUsbBackend::claimed(const std::string& port_path,
                                 std::uint8_t interface_number) const {
  std::lock_guard lock(shared_->mutex);
  auto dev = shared_->latest(port_path);
  return dev && dev->claimed.count(interface_number) != 0;
}

int ScriptedUsbBackend::openHandles(const std::string& port_path) const {
  std::lock_guard lock(shared_->mutex);
  auto dev = shared_->latest(port_path);
  return dev ? dev->open_handles : 0;
}

int ScriptedUsbBackend::enumerate(std::vector<UsbDeviceInfo>& out) {
  std::lock_guard lock(shared_->mutex);
  out.clear();
  if (shared_->enumerate_error != LIBUSB_SUCCESS) return shared_->enumerate_error;
  for (const auto& dev : shared_->devices) {
    if (dev->present) out.push_back(dev->spec.info);
  }
  return LIBUSB_SUCCESS;
}

int ScriptedUsbBackend::open(const UsbDeviceInfo& device, std::unique_ptr<UsbDeviceHandle>& out) {
  std::lock_guard lock(shared_->mutex);
  auto dev = shared_->find(device.port_path);
  shared_->calls.push_back("open " + device.port_path);
  if (!dev || dev->spec.info.vendor_id != device.vendor_id ||
      dev->spec.info.product_id != device.product_id) {
    return LIBUSB_ERROR_NO_DEVICE;
  }
  if (dev->spec.open_error != LIBUSB_SUCCESS) return dev->spec.open_error;
  ++dev->open_handles;
  out = std::make_unique<FakeHandle>(shared_, dev);
  return LIBUSB_SUCCESS;
}

bool ScriptedUsbBackend::hotplugSupported() const {
  std::lock_guard lock(shared_->mutex);
  return shared_->hotplug_supported;
}

int ScriptedUsbBackend::startHotplug(UsbHotplugCallback callback) {
  std::lock_guard lock(shared_->mutex);
  if (!shared_->hotplug_supported) return LIBUSB_ERROR_NOT_SUPPORTED;
  shared_->callback = std::move(callback);
  shared_->queued.clear();  // Like libusb: only events after registration.
  return LIBUSB_SUCCESS;
}

void ScriptedUsbBackend::stopHotplug() {
  std::lock_guard lock(shared_->mutex);
  shared_->callback = nullptr;
}

int ScriptedUsbBackend::handleEvents(std::chrono::milliseconds) {
  std::vector<std::pair<UsbHotplugEvent, UsbDeviceInfo>> events;
  UsbHotplugCallback callback;
  {
    std::lock_guard lock(shared_->mutex);
    if (!shared_->callback) return LIBUSB_SUCCESS;  // Events stay queued until someone listens.
    events.swap(shared_->queued);
    callback = shared_->callback;
  }
  for (const auto& [event, info] : events) callback(event, info);
  return LIBUSB_SUCCESS;
}

}  // namespace cardd::drivers
