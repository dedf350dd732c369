#include "eid/chip_catalogue.hpp"

#include <utility>

#include "scp03/aes.hpp"

namespace cardd::applets::eid {

Result<VirtualChipFactory> VirtualChipFactory::create(Bytes masterKey, EidAppletOptions eidOptions,
                                                      JmrtdAppletOptions jmrtdOptions) {
  if (!scp03::isAesKeySize(masterKey.size())) {
    return Error{ErrorCode::InvalidArgument,
                 "the SCP03 master key must be 16, 24 or 32 bytes (AES-128/192/256)"};
  }
  VirtualChipFactory factory;
  factory.masterKey_ = std::move(masterKey);
  factory.eidOptions_ = eidOptions;
  factory.jmrtdOptions_ = jmrtdOptions;
  /* Check the options once, on a throw-away chip. */
  const Bytes probe(kSerialSize, 0x00);
  if (auto chip = factory.makeBlank(AppletKind::Eid, probe); !chip) return std::move(chip).error();
  if (auto chip = factory.makeBlank(AppletKind::Jmrtd, probe); !chip) {
    return std::move(chip).error();
  }
  return factory;
}

Result<std::unique_ptr<VirtualChip>> VirtualChipFactory::makeBlank(AppletKind kind,
                                                                   ByteView serial) const {
  if (kind == AppletKind::Jmrtd) {
    auto chip = JmrtdApplet::create(serial, jmrtdOptions_);
    if (!chip) return std::move(chip).error();
    return std::unique_ptr<VirtualChip>(std::move(chip).value());
  }
  auto keys = eidChipKeys(masterKey_, serial);
  if (!keys) return std::move(keys).error();
  auto chip = EidApplet::create(serial, std::move(keys).value(), eidOptions_);
  if (!chip) return std::move(chip).error();
  return std::unique_ptr<VirtualChip>(std::move(chip).value());
}

Result<std::unique_ptr<VirtualChip>> VirtualChipFactory::restore(std::string_view state) const {
  auto parsed = parseStateText(state);
  if (!parsed) return std::move(parsed).error();
  auto chip = makeBlank(parsed->kind, parsed->serial);
  if (!chip) return std::move(chip).error();
  if (auto imported = (*chip)->importState(state); !imported) return std::move(imported).error();
  return chip;
}

ChipCatalogue::ChipCatalogue(VirtualChipFactory factory) : factory_(std::move(factory)) {}

ChipCatalogue::~ChipCatalogue() {
  /* Connections first: their workers call into the chips. */
  std::lock_guard lock(mutex_);
  for (auto& [serial, entry] : chips_) {
    if (entry.connection) entry.connection->disconnect();
    entry.connection.reset();
  }
}

Status ChipCatalogue::add(std::unique_ptr<VirtualChip> chip) {
  std::lock_guard lock(mutex_);
  Bytes serial = chip->serial();
  if (chips_.count(serial) != 0) {
    return Error{ErrorCode::InvalidArgument,
                 "a chip with serial " + toHex(serial) + " is already in the catalogue"};
  }
  chips_[std::move(serial)] = Entry{std::move(chip), nullptr};
  return Ok{};
}

Status ChipCatalogue::addBlank(AppletKind kind, ByteView serial) {
  auto chip = factory_.makeBlank(kind, serial);
  if (!chip) return std::move(chip).error();
  return add(std::move(chip).value());
}

Status ChipCatalogue::addRestored(std::string_view state) {
  auto chip = factory_.restore(state);
  if (!chip) return std::move(chip).error();
  return add(std::move(chip).value());
}

VirtualChip* ChipCatalogue::find(ByteView serial) const {
  std::lock_guard lock(mutex_);
  const auto it = chips_.find(Bytes(serial.begin(), serial.end()));
  return it == chips_.end() ? nullptr : it->second.chip.get();
}

std::vector<Bytes> ChipCatalogue::serials() const {
  std::lock_guard lock(mutex_);
  std::vector<Bytes> out;
  out.reserve(chips_.size());
  for (const auto& [serial, entry] : chips_) out.push_back(serial);
  return out;
}

Status ChipCatalogue::insert(ByteView serial, const virtual_chip::VpcdEndpoint& endpoint) {
  std::lock_guard lock(mutex_);
  const auto it = chips_.find(Bytes(serial.begin(), serial.end()));
  if (it == chips_.end()) {
    return Error{ErrorCode::NotFound, "no chip with serial " + toHex(serial) + " in the catalogue"};
  }
  Entry& entry = it->second;
  if (entry.connection && entry.connection->isInserted()) {
    return Error{ErrorCode::InvalidArgument,
                 "the chip " + toHex(serial) + " is already at a contact station"};
  }
  entry.connection = std::make_unique<virtual_chip::VpcdConnection>(*entry.chip, endpoint);
  if (auto connected = entry.connection->connect(); !connected) {
    entry.connection.reset();
    return std::move(connected).error();
  }
  return Ok{};
}

void ChipCatalogue::remove(ByteView serial) {
  std::unique_ptr<virtual_chip::VpcdConnection> connection;
  {
    std::lock_guard lock(mutex_);
    const auto it = chips_.find(Bytes(serial.begin(), serial.end()));
    if (it == chips_.end()) return;
    connection = std::move(it->second.connection);
  }
  /* Joined outside the lock: the worker may be inside the chip. */
  if (connection) connection->disconnect();
}

bool ChipCatalogue::isInserted(ByteView serial) const {
  std::lock_guard lock(mutex_);
  const auto it = chips_.find(Bytes(serial.begin(), serial.end()));
  return it != chips_.end() && it->second.connection && it->second.connection->isInserted();
}

bool ChipCatalogue::isLinked(ByteView serial) const {
  std::lock_guard lock(mutex_);
  const auto it = chips_.find(Bytes(serial.begin(), serial.end()));
  return it != chips_.end() && it->second.connection && it->second.connection->isLinked();
}

}  // namespace cardd::applets::eid
