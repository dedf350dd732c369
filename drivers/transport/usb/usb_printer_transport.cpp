#include "transport/usb/usb_printer_transport.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cstdio>
#include <optional>
#include <tuple>
#include <utility>

#include "core/log.hpp"
#include "driver_error.hpp"

namespace cardd::drivers {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr std::size_t kWriteChunk =
    std::size_t{64} * 1024;  // Well under usbfs' per-URB memory limit.
constexpr std::size_t kReadBufferMax = std::size_t{16} * 1024;

std::string hexByte(std::uint8_t v) {
  std::array<char, 8> buf{};
  std::snprintf(buf.data(), buf.size(), "0x%02x", v);
  return buf.data();
}

milliseconds remaining(Clock::time_point deadline) {
  const auto left = std::chrono::ceil<milliseconds>(deadline - Clock::now());
  return left.count() > 0 ? left : milliseconds(0);
}

bool parseHex16(std::string_view text, std::uint16_t& out) {
  if (text.empty() || text.size() > 4) return false;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out, 16);
  return ec == std::errc() && end == text.data() + text.size();
}

// "1-2.4": a bus number, '-', then dot-separated port numbers.
bool validPortPath(std::string_view path) {
  const auto dash = path.find('-');
  if (dash == 0 || dash == std::string_view::npos || dash + 1 == path.size()) return false;
  bool digit_before = false;
  for (std::size_t i = 0; i < path.size(); ++i) {
    const char c = path[i];
    if (c >= '0' && c <= '9') {
      digit_before = true;
    } else if ((c == '.' && i > dash) || (c == '-' && i == dash)) {
      if (!digit_before) return false;
      digit_before = false;
    } else {
      return false;
    }
  }
  return digit_before;
}

// What a device offers, for error messages: "0 class 07 protocol 01 (bulk OUT
// 0x01), 1 class ff ...".
std::string interfaceSummary(const UsbDeviceInfo& device) {
  if (device.interfaces.empty()) return "none (no configuration descriptor)";
  std::string out;
  for (const auto& itf : device.interfaces) {
    if (!out.empty()) out += "; ";
    std::array<char, 64> buf{};
    std::snprintf(buf.data(), buf.size(), "interface %u alt %u class %02x protocol %02x",
                  itf.number, itf.alt_setting, itf.interface_class, itf.interface_protocol);
    out += buf.data();
    std::string eps;
    for (const auto& ep : itf.endpoints) {
      if (!eps.empty()) eps += ", ";
      eps += (ep.isBulk() ? "bulk " : "non-bulk ");
      eps += (ep.isIn() ? "IN " : "OUT ") + hexByte(ep.address);
    }
    out += " (" + (eps.empty() ? std::string("no endpoints") : eps) + ")";
  }
  return out;
}

std::string deviceName(const UsbDeviceInfo& d) {
  return "usb:" + usbIdString(d.vendor_id, d.product_id) + ":" + d.port_path;
}

Error usageError(std::string_view what) {
  return badArgument("usb transport: " + std::string(what) + " while not open");
}

}  // namespace

// --- UsbSelector ---

Result<UsbSelector> UsbSelector::parse(std::string_view text) {
  UsbSelector s;
  const auto bad = [&text] {
    return Error(ErrorCode::InvalidArgument,
                 "usb printer address '" + std::string(text) +
                     "' is not of the form vvvv:pppp, vvvv:pppp:SERIAL, vvvv:pppp@BUS-PORT[.PORT] "
                     "or @BUS-PORT[.PORT] (ids in hex as lsusb shows them)");
  };
  std::string_view ids = text;
  if (const auto at = text.find('@'); at != std::string_view::npos) {
    s.port_path = std::string(text.substr(at + 1));
    if (!validPortPath(s.port_path)) return bad();
    ids = text.substr(0, at);
    if (ids.empty()) return s;
  }
  const auto colon = ids.find(':');
  if (colon == std::string_view::npos) return bad();
  const auto colon2 = ids.find(':', colon + 1);
  if (!parseHex16(ids.substr(0, colon), s.vendor_id) ||
      !parseHex16(ids.substr(colon + 1, colon2 - colon - 1), s.product_id)) {
    return bad();
  }
  if (colon2 != std::string_view::npos) {
    s.serial = std::string(ids.substr(colon2 + 1));
    if (s.serial.empty() || !s.port_path.empty()) return bad();
  }
  return s;
}

std::string UsbSelector::toString() const {
  std::string out;
  if (vendor_id != 0 || product_id != 0) out = usbIdString(vendor_id, product_id);
  if (!serial.empty()) out += ":" + serial;
  if (!port_path.empty()) out += "@" + port_path;
  return out;
}

bool UsbSelector::matches(const UsbDeviceInfo& d) const {
  if ((vendor_id != 0 || product_id != 0) &&
      (d.vendor_id != vendor_id || d.product_id != product_id)) {
    return false;
  }
  if (!serial.empty() && d.serial != serial) return false;
  if (!port_path.empty() && d.port_path != port_path) return false;
  return true;
}

// --- Interface selection ---

Result<UsbPrinterInterface> findPrinterInterface(const UsbDeviceInfo& device) {
  // Rank every printer-class alternate setting that has both bulk
  // endpoints; remember why the others were rejected.
  std::optional<UsbPrinterInterface> best;
  bool any_printer = false;
  bool unidirectional_only = true;
  bool packet_protocol = false;
  for (const auto& itf : device.interfaces) {
    if (itf.interface_class != kUsbClassPrinter) continue;
    any_printer = true;
    if (itf.interface_protocol == kUsbPrinterProtocolIeee1284Dot4 ||
        itf.interface_protocol == 0x04) {
      packet_protocol = true;
      continue;
    }
    const UsbEndpointInfo* out = nullptr;
    const UsbEndpointInfo* in = nullptr;
    for (const auto& ep : itf.endpoints) {
      if (!ep.isBulk()) continue;
      if (ep.isIn() && in == nullptr) in = &ep;
      if (!ep.isIn() && out == nullptr) out = &ep;
    }
    if (out == nullptr || in == nullptr) continue;
    unidirectional_only = false;
    UsbPrinterInterface cand{itf.number,   itf.alt_setting, itf.interface_protocol,
                             out->address, in->address,     in->max_packet_size};
    const auto rank = [](const UsbPrinterInterface& c) {
      return std::tuple(c.protocol == kUsbPrinterProtocolBidirectional ? 0 : 1, c.interface_number,
                        c.alt_setting);
    };
    if (!best || rank(cand) < rank(*best)) best = cand;
  }
  if (best) return *best;

  const std::string name = deviceName(device);
  if (!any_printer) {
    return Error(ErrorCode::Unavailable,
                 name + " has no printer-class interface (class 07); it offers: " +
                     interfaceSummary(device) +
                     ". Check that this is the printer (lsusb -v) and that it is not in a "
                     "vendor service or firmware-update mode.");
  }
  if (packet_protocol && unidirectional_only) {
    return Error(ErrorCode::Unavailable,
                 name +
                     " offers its printer interface only with IEEE 1284.4 or IPP-over-USB "
                     "framing, which cardd does not speak; it offers: " +
                     interfaceSummary(device) + ".");
  }
  return Error(ErrorCode::Unavailable,
               name +
                   " has no printer interface with both a bulk OUT and a bulk IN endpoint "
                   "(a unidirectional printer cannot report its status); it offers: " +
                   interfaceSummary(device) + ".");
}

// --- UsbPrinterTransport ---

UsbPrinterTransport::UsbPrinterTransport(std::shared_ptr<UsbBackend> backend, UsbSelector selector)
    : UsbPrinterTransport(std::move(backend), std::move(selector), Options{}) {}

UsbPrinterTransport::UsbPrinterTransport(std::shared_ptr<UsbBackend> backend, UsbSelector selector,
                                         Options options)
    : backend_(std::move(backend)), selector_(std::move(selector)), options_(std::move(options)) {
  if (!options_.notice) {
    options_.notice = [](std::string_view m) { log::notice(m); };
  }
}

UsbPrinterTransport::~UsbPrinterTransport() {
  release();
}

Result<LinkState> UsbPrinterTransport::open() {
  release();
  disconnected_ = false;
  opened_once_ = true;
  pending_.clear();

  // 1. Find exactly one matching device.
  std::vector<UsbDeviceInfo> devices;
  if (const int rc = backend_->enumerate(devices); rc != LIBUSB_SUCCESS) {
    return Error(ErrorCode::Unavailable, "usb: cannot list USB devices (" +
                                             std::string(libusb_error_name(rc)) +
                                             "); is /dev/bus/usb present and readable?");
  }
  std::vector<UsbDeviceInfo> matching;
  for (auto& d : devices) {
    if (selector_.matches(d)) matching.push_back(std::move(d));
  }
  if (matching.empty()) {
    return Error(ErrorCode::Unavailable,
                 "no USB device " + selector_.toString() +
                     " is connected; check that the printer is switched on and its USB cable "
                     "is plugged in (compare with `lsusb`), and the printer address in "
                     "cardd.yaml.");
  }
  if (matching.size() > 1) {
    std::string where;
    for (const auto& d : matching) where += (where.empty() ? "" : ", ") + d.port_path;
    return Error(ErrorCode::Unavailable,
                 std::to_string(matching.size()) + " USB devices match " + selector_.toString() +
                     " (at " + where +
                     "); add the serial number (vvvv:pppp:SERIAL) or the USB socket "
                     "(vvvv:pppp@PATH) to the printer address in cardd.yaml.");
  }
  device_ = std::move(matching.front());

  // 2. Its printer interface.
  auto itf = findPrinterInterface(device_);
  if (!itf) return std::move(itf).error();
  interface_ = *itf;

  // 3. Open, take the interface from usblp if it holds it, claim.
  if (const int rc = backend_->open(device_, handle_); rc != LIBUSB_SUCCESS) {
    handle_.reset();
    return openFailure(rc, "open the device");
  }
  const std::uint8_t n = interface_.interface_number;
  const int active = handle_->kernelDriverActive(n);
  if (active == 1) {
    if (const int rc = handle_->detachKernelDriver(n); rc != LIBUSB_SUCCESS) {
      return openFailure(rc, "detach the usblp kernel driver");
    }
    detached_ = true;
    options_.notice(describe() + ": detached the usblp kernel driver from interface " +
                    std::to_string(n) +
                    " (the printer's /dev/usb/lp* node is gone while cardd holds it)");
  } else if (active < 0 && active != LIBUSB_ERROR_NOT_SUPPORTED) {
    return openFailure(active, "query the kernel driver");
  }
  if (const int rc = handle_->claimInterface(n); rc != LIBUSB_SUCCESS) {
    return openFailure(rc, "claim interface " + std::to_string(n));
  }
  claimed_ = true;
  // Printer-class devices often put protocols 1/2/3 on alternate settings of
  // one interface: select the chosen one whenever there is a choice (even
  // setting 0, in case an earlier program left another one selected). A
  // single-setting interface gets no request: some devices stall on it.
  const bool has_alternates =
      std::count_if(device_.interfaces.begin(), device_.interfaces.end(),
                    [n](const UsbInterfaceInfo& i) { return i.number == n; }) > 1;
  if (interface_.alt_setting != 0 || has_alternates) {
    if (const int rc = handle_->setAltSetting(n, interface_.alt_setting); rc != LIBUSB_SUCCESS) {
      return openFailure(rc, "select alternate setting " + std::to_string(interface_.alt_setting));
    }
  }
  return LinkState::Ok;
}

Result<LinkState> UsbPrinterTransport::openFailure(int code, std::string_view step) {
  // Keep nothing half-open: a failed open() leaves the transport closed.
  const std::string name = describe();
  release();
  const std::string what =
      name + ": cannot " + std::string(step) + " (" + libusb_error_name(code) + ")";
  switch (code) {
    case LIBUSB_ERROR_NO_DEVICE:
      disconnected_ = true;
      return LinkState::Disconnected;
    case LIBUSB_ERROR_ACCESS: {
      std::array<char, 32> node{};
      std::snprintf(node.data(), node.size(), "/dev/bus/usb/%03u/%03u", device_.bus,
                    device_.address);
      return Error(ErrorCode::Unavailable,
                   what + ": permission denied on " + node.data() +
                       ". Install the udev rule /etc/udev/rules.d/70-cardd-printers.rules "
                       "(docs/drivers/usb.md) that makes USB vendor " +
                       usbIdString(device_.vendor_id, 0).substr(0, 4) +
                       " devices owned by user 'cardd', then run `udevadm control --reload && "
                       "udevadm trigger` or replug the printer.");
    }
    case LIBUSB_ERROR_BUSY:
      return Error(ErrorCode::Unavailable,
                   what +
                       ": another program holds the printer (another cardd, CUPS's usb "
                       "backend, ipp-usb or a vendor tool). Stop it or remove the printer "
                       "from CUPS, then retry.");
    case LIBUSB_ERROR_NOT_FOUND:
      return Error(ErrorCode::Unavailable,
                   what +
                       ": the device's configuration changed under cardd; replug or "
                       "power-cycle the printer.");
    default:
      return Error(ErrorCode::Unavailable,
                   what +
                       ". If the usblp module is in the way, blacklist it "
                       "(/etc/modprobe.d/cardd-usblp.conf: 'blacklist usblp'); otherwise "
                       "replug or power-cycle the printer.");
  }
}

Result<LinkState> UsbPrinterTransport::failure(int code, std::string_view operation,
                                               std::uint8_t endpoint) {
  const std::string name = describe();
  if (code == LIBUSB_ERROR_IO) {
    // Linux fails transfers in flight with an I/O error when the cable is
    // pulled: it is a disconnect if the device is no longer on the bus.
    std::vector<UsbDeviceInfo> now;
    if (backend_->enumerate(now) == LIBUSB_SUCCESS &&
        std::none_of(now.begin(), now.end(), [this](const UsbDeviceInfo& d) {
          return d.port_path == device_.port_path && d.vendor_id == device_.vendor_id &&
                 d.product_id == device_.product_id;
        })) {
      code = LIBUSB_ERROR_NO_DEVICE;
    }
  }
  switch (code) {
    case LIBUSB_ERROR_NO_DEVICE:
      disconnected_ = true;
      return LinkState::Disconnected;
    case LIBUSB_ERROR_PIPE:
      (void)handle_->clearHalt(endpoint);
      return Error(ErrorCode::Internal,
                   name + ": the printer stalled endpoint " + hexByte(endpoint) + " during " +
                       std::string(operation) +
                       " (it refused the transfer); the endpoint was reset. If this repeats, "
                       "power-cycle the printer.");
    case LIBUSB_ERROR_IO:
      return Error(ErrorCode::Internal,
                   name + ": USB I/O error during " + std::string(operation) +
                       ". Check the USB cable (short, no unpowered hub); if it repeats, "
                       "power-cycle the printer.");
    case LIBUSB_ERROR_OVERFLOW:
      return Error(ErrorCode::Internal,
                   name + ": the printer sent more data than requested during " +
                       std::string(operation) + " (USB overflow); the reply was lost.");
    default:
      return Error(ErrorCode::Internal, name + ": " + std::string(operation) + " failed (" +
                                            libusb_error_name(code) + ").");
  }
}

Result<LinkState> UsbPrinterTransport::write(std::span<const std::uint8_t> bytes,
                                             milliseconds timeout) {
  if (!handle_) return usageError("write");
  if (disconnected_) return LinkState::Disconnected;
  const auto deadline = Clock::now() + timeout;

  // Chunks within one total deadline; the first transfer is always tried.
  Bytes chunk;
  std::size_t sent = 0;
  bool first = true;
  while (sent < bytes.size()) {
    const milliseconds left = remaining(deadline);
    if (!first && left.count() == 0) return LinkState::Timeout;
    first = false;
    const std::size_t n = std::min(kWriteChunk, bytes.size() - sent);
    chunk.assign(bytes.begin() + static_cast<std::ptrdiff_t>(sent),
                 bytes.begin() + static_cast<std::ptrdiff_t>(sent + n));
    std::size_t moved = 0;
    const int rc = handle_->bulkTransfer(interface_.endpoint_out, chunk, moved,
                                         std::max(left, milliseconds(1)));
    sent += std::min(moved, n);
    if (rc == LIBUSB_SUCCESS) continue;
    if (rc == LIBUSB_ERROR_TIMEOUT)
      return sent == bytes.size() ? LinkState::Ok : LinkState::Timeout;
    return failure(rc, "write", interface_.endpoint_out);
  }
  return LinkState::Ok;
}

Result<ReadResult> UsbPrinterTransport::read(std::size_t max_bytes, milliseconds timeout) {
  if (!handle_) return usageError("read");
  if (disconnected_) return ReadResult{LinkState::Disconnected, {}};
  if (max_bytes == 0) return badArgument("usb transport: read of 0 bytes");

  // Bytes left over from an earlier, longer transfer come first.
  const auto take = [this](std::size_t max) {
    const std::size_t n = std::min(max, pending_.size());
    Bytes out(pending_.begin(), pending_.begin() + static_cast<std::ptrdiff_t>(n));
    pending_.erase(pending_.begin(), pending_.begin() + static_cast<std::ptrdiff_t>(n));
    return ReadResult{LinkState::Ok, std::move(out)};
  };
  if (!pending_.empty()) return take(max_bytes);

  // An IN transfer must be a whole number of packets, or a packet longer
  // than the rest of the buffer overflows; round up and keep the excess.
  const std::size_t mps = interface_.in_max_packet_size == 0 ? 64 : interface_.in_max_packet_size;
  std::size_t size = (max_bytes + mps - 1) / mps * mps;
  size = std::min(size, std::max(kReadBufferMax / mps * mps, mps));
  Bytes buffer(size);

  const auto deadline = Clock::now() + timeout;
  bool first = true;
  for (;;) {
    const milliseconds left = remaining(deadline);
    if (!first && left.count() == 0) return ReadResult{LinkState::Timeout, {}};
    first = false;
    std::size_t moved = 0;
    const int rc = handle_->bulkTransfer(interface_.endpoint_in, buffer, moved,
                                         std::max(left, milliseconds(1)));
    moved = std::min(moved, buffer.size());
    if (moved > 0 && (rc == LIBUSB_SUCCESS || rc == LIBUSB_ERROR_TIMEOUT)) {
      pending_.assign(buffer.begin(), buffer.begin() + static_cast<std::ptrdiff_t>(moved));
      return take(max_bytes);
    }
    if (rc == LIBUSB_SUCCESS) continue;  // A zero-length packet: keep waiting.
    if (rc == LIBUSB_ERROR_TIMEOUT) return ReadResult{LinkState::Timeout, {}};
    auto mapped = failure(rc, "read", interface_.endpoint_in);
    if (!mapped) return std::move(mapped).error();
    return ReadResult{*mapped, {}};
  }
}

void UsbPrinterTransport::release() {
  if (!handle_) return;
  const std::uint8_t n = interface_.interface_number;
  if (claimed_) (void)handle_->releaseInterface(n);
  if (detached_ && options_.reattach_kernel_driver && !disconnected_) {
    (void)handle_->attachKernelDriver(n);
  }
  handle_.reset();
  claimed_ = false;
  detached_ = false;
}

void UsbPrinterTransport::close() {
  release();
  disconnected_ = false;
  pending_.clear();
}

std::string UsbPrinterTransport::describe() const {
  if (opened_once_ && !device_.port_path.empty()) return deviceName(device_);
  return "usb:" + selector_.toString();
}

Result<std::unique_ptr<Transport>> openUsbPrinter(std::shared_ptr<UsbBackend> backend,
                                                  UsbSelector selector,
                                                  UsbPrinterTransport::Options options) {
  auto t = std::make_unique<UsbPrinterTransport>(std::move(backend), std::move(selector),
                                                 std::move(options));
  auto opened = t->open();
  if (!opened) return std::move(opened).error();
  if (*opened != LinkState::Ok) {
    return Error(ErrorCode::Unavailable,
                 t->describe() +
                     ": the printer went away while it was being opened; check "
                     "its power and USB cable.");
  }
  return std::unique_ptr<Transport>(std::move(t));
}

std::function<Result<std::unique_ptr<Transport>>()> usbPrinterConnector(
    std::shared_ptr<UsbBackend> backend, UsbSelector selector,
    UsbPrinterTransport::Options options) {
  return [backend = std::move(backend), selector = std::move(selector),
          options = std::move(options)]() { return openUsbPrinter(backend, selector, options); };
}

}  // namespace cardd::drivers
