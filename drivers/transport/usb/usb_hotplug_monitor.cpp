#include "transport/usb/usb_hotplug_monitor.hpp"

#include <algorithm>
#include <thread>
#include <utility>

#include "core/log.hpp"

namespace cardd::drivers {
namespace {

bool sameDevice(const UsbDeviceInfo& a, const UsbDeviceInfo& b) {
  return a.port_path == b.port_path && a.vendor_id == b.vendor_id && a.product_id == b.product_id;
}

}  // namespace

UsbHotplugMonitor::UsbHotplugMonitor(std::shared_ptr<UsbBackend> backend, Options options,
                                     Callback callback)
    : backend_(std::move(backend)), options_(std::move(options)), callback_(std::move(callback)) {}

UsbHotplugMonitor::~UsbHotplugMonitor() {
  stop();
}

Status UsbHotplugMonitor::start() {
  stop();
  started_ = true;
  // Register before the first scan so that nothing plugged in between is
  // missed; a device seen by both is reported once (see arrived()).
  hotplug_ = false;
  if (!options_.force_polling && backend_->hotplugSupported()) {
    const int rc = backend_->startHotplug([this](UsbHotplugEvent e, const UsbDeviceInfo& d) {
      if (!wanted(d)) return;
      if (e == UsbHotplugEvent::Arrived) {
        arrived(d);
      } else {
        left(d);
      }
    });
    hotplug_ = rc == LIBUSB_SUCCESS;
    if (!hotplug_) {
      log::warning("usb: libusb hotplug registration failed; polling the bus instead",
                   {{"error", libusb_error_name(rc)}});
    }
  }
  return scan();
}

void UsbHotplugMonitor::stop() {
  if (started_ && hotplug_) backend_->stopHotplug();
  started_ = false;
  hotplug_ = false;
}

void UsbHotplugMonitor::pump(std::chrono::milliseconds max_wait) {
  if (!started_) return;
  if (hotplug_) {
    (void)backend_->handleEvents(max_wait);
    return;
  }
  const auto now = std::chrono::steady_clock::now();
  if (now >= next_scan_) (void)scan();
  const auto wait = std::min<std::chrono::steady_clock::duration>(
      max_wait, next_scan_ - std::chrono::steady_clock::now());
  if (wait > std::chrono::steady_clock::duration::zero()) std::this_thread::sleep_for(wait);
}

bool UsbHotplugMonitor::wanted(const UsbDeviceInfo& d) const {
  return options_.vendor_ids.empty() ||
         std::find(options_.vendor_ids.begin(), options_.vendor_ids.end(), d.vendor_id) !=
             options_.vendor_ids.end();
}

void UsbHotplugMonitor::arrived(const UsbDeviceInfo& d) {
  const auto it = std::find_if(present_.begin(), present_.end(),
                               [&d](const UsbDeviceInfo& p) { return sameDevice(p, d); });
  if (it != present_.end()) return;
  present_.push_back(d);
  callback_(UsbHotplugEvent::Arrived, d);
}

void UsbHotplugMonitor::left(const UsbDeviceInfo& d) {
  const auto it = std::find_if(present_.begin(), present_.end(),
                               [&d](const UsbDeviceInfo& p) { return sameDevice(p, d); });
  if (it == present_.end()) return;
  const UsbDeviceInfo known = std::move(*it);
  present_.erase(it);
  callback_(UsbHotplugEvent::Left, known);
}

Status UsbHotplugMonitor::scan() {
  next_scan_ = std::chrono::steady_clock::now() + options_.poll_interval;
  std::vector<UsbDeviceInfo> now;
  if (const int rc = backend_->enumerate(now); rc != LIBUSB_SUCCESS) {
    return Error(ErrorCode::Unavailable, std::string("usb: cannot list USB devices (") +
                                             libusb_error_name(rc) +
                                             "); printers will not be detected until it works.");
  }
  // Leaves before arrivals, so that a different device in a socket that was
  // just emptied is reported after the old one left. (A device replugged
  // into the same socket between two scans looks unchanged and is not
  // reported at all; libusb hotplug sees both events.)
  const std::vector<UsbDeviceInfo> before = present_;
  for (const auto& p : before) {
    if (std::none_of(now.begin(), now.end(),
                     [&p](const UsbDeviceInfo& d) { return sameDevice(p, d); })) {
      left(p);
    }
  }
  for (const auto& d : now) {
    if (wanted(d)) arrived(d);
  }
  return Ok{};
}

}  // namespace cardd::drivers
