#include "printer/printer_registry.hpp"

#include <algorithm>
#include <cstdio>
#include <utility>

#include "driver_error.hpp"
#include "printer/evolis/evolis_driver.hpp"

namespace cardd::drivers {

namespace {

std::string hex4(std::uint16_t v) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "%04x", static_cast<unsigned>(v));
  return buf;
}

}  // namespace

Status PrinterRegistry::registerFamily(std::string name, std::vector<std::uint16_t> usb_vendor_ids,
                                       DriverFactory factory) {
  if (name.empty()) return badArgument("printer registry: a family needs a name");
  if (!factory) return badArgument("printer registry: family " + name + " has no factory");
  if (find(name)) return badArgument("printer registry: family " + name + " is registered twice");
  families_.push_back(Family{std::move(name), std::move(usb_vendor_ids), std::move(factory)});
  return Ok{};
}

std::vector<std::string> PrinterRegistry::families() const {
  std::vector<std::string> out;
  for (const auto& f : families_) out.push_back(f.name);
  return out;
}

const PrinterRegistry::Family* PrinterRegistry::find(const std::string& name) const {
  const auto it = std::find_if(families_.begin(), families_.end(),
                               [&](const Family& f) { return f.name == name; });
  return it == families_.end() ? nullptr : &*it;
}

std::string PrinterRegistry::knownFamilies() const {
  if (families_.empty()) return "none are registered";
  std::string out = "known families: ";
  for (std::size_t i = 0; i < families_.size(); ++i) {
    if (i > 0) out += ", ";
    out += families_[i].name;
  }
  return out;
}

Result<std::string> PrinterRegistry::familyForUsb(std::uint16_t vendor_id, std::uint16_t product_id,
                                                  const QuirksTable* quirks) const {
  const UsbId id{vendor_id, product_id};
  // A quirks entry pins the exact product to a family.
  if (quirks) {
    if (const PrinterQuirks* q = quirks->find(id)) {
      if (!find(q->family)) {
        return Error(ErrorCode::NotFound, "printer registry: quirks entry " + id.key() + " (" +
                                              q->origin + ") names family " + q->family +
                                              ", which is not registered; " + knownFamilies());
      }
      return q->family;
    }
  }
  for (const auto& f : families_) {
    if (std::find(f.usb_vendor_ids.begin(), f.usb_vendor_ids.end(), vendor_id) !=
        f.usb_vendor_ids.end()) {
      return f.name;
    }
  }
  return Error(ErrorCode::NotFound, "printer registry: no family drives USB device " + id.key() +
                                        " (vendor " + hex4(vendor_id) + " is unknown); " +
                                        knownFamilies());
}

Result<std::unique_ptr<PrinterDriver>> PrinterRegistry::create(const std::string& family,
                                                               TransportConnector connect,
                                                               const PrinterQuirks* quirks) const {
  const Family* f = find(family);
  if (!f) {
    return Error(ErrorCode::NotFound,
                 "printer registry: unknown printer family \"" + family + "\"; " + knownFamilies());
  }
  if (quirks && quirks->family != family) {
    return badArgument("printer registry: quirks entry " + quirks->usb.key() + " (" +
                       quirks->origin + ") is for family " + quirks->family + ", not " + family);
  }
  if (!connect) return badArgument("printer registry: no transport connector for " + family);
  return f->factory(std::move(connect), quirks);
}

void registerBuiltinFamilies(PrinterRegistry& registry) {
  // Registering into a fresh registry cannot fail; a second call would be a
  // programming error, which the returned Status reports to no one: abort.
  auto evolis = registry.registerFamily(
      "evolis", {kEvolisUsbVendorId},
      [](TransportConnector connect,
         const PrinterQuirks* quirks) -> Result<std::unique_ptr<PrinterDriver>> {
        const auto options =
            quirks ? evolis::evolisOptionsFromQuirks(*quirks) : evolis::EvolisDriverOptions{};
        return std::unique_ptr<PrinterDriver>(
            std::make_unique<evolis::EvolisDriver>(std::move(connect), options));
      });
  if (!evolis) std::abort();
}

}  // namespace cardd::drivers
