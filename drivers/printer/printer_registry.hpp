#pragma once
// PrinterRegistry: the explicit table of printer families (CUPS backends,
// OpenSC's driver list): a name, the USB vendor ids the family answers for,
// and a factory. There is no static self-registration: the daemon builds a
// registry, calls registerBuiltinFamilies() (one line per family, in one
// place), and asks it which family drives a device and to create the driver.
//
// Matching a USB device: a quirks entry for the exact vid:pid pins the
// family (config/quirks/*.yaml "family:"); otherwise the first family that
// lists the vendor id. Network printers name their family in cardd.yaml.
//
// Threading: build the registry at start-up, then only read it (create() and
// the lookups are const and safe from any thread). Drivers it creates belong
// to one device worker each (printer.hpp).

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/result.hpp"
#include "printer/printer.hpp"
#include "quirks/quirks.hpp"
#include "transport/transport_connector.hpp"

namespace cardd::drivers {

// Makes a driver for one device. `quirks` is the device's entry, or null when
// it has none (family defaults). Fails on quirks the family cannot honour.
using DriverFactory = std::function<Result<std::unique_ptr<PrinterDriver>>(
    TransportConnector connect, const PrinterQuirks* quirks)>;

class PrinterRegistry {
 public:
  // Adds a family. Fails (InvalidArgument) on an empty or duplicate name or
  // an empty factory.
  Status registerFamily(std::string name, std::vector<std::uint16_t> usb_vendor_ids,
                        DriverFactory factory);

  // The family names, in registration order.
  std::vector<std::string> families() const;

  // The family that drives USB device vid:pid (see the matching rule above).
  // NotFound, naming the device and the known families, when none does.
  Result<std::string> familyForUsb(std::uint16_t vendor_id, std::uint16_t product_id,
                                   const QuirksTable* quirks = nullptr) const;

  // A driver of `family` over `connect`. NotFound, listing the known
  // families, for an unknown name; InvalidArgument when the quirks entry
  // names another family.
  Result<std::unique_ptr<PrinterDriver>> create(const std::string& family,
                                                TransportConnector connect,
                                                const PrinterQuirks* quirks = nullptr) const;

 private:
  struct Family {
    std::string name;
    std::vector<std::uint16_t> usb_vendor_ids;
    DriverFactory factory;
  };
  const Family* find(const std::string& name) const;
  std::string knownFamilies() const;

  std::vector<Family> families_;
};

// The families cardd ships: "evolis" (USB vendor 0x0f49).
inline constexpr std::uint16_t kEvolisUsbVendorId = 0x0F49;
void registerBuiltinFamilies(PrinterRegistry& registry);

}  // namespace cardd::drivers
