#pragma once
// The seam between an emulated card path and the virtual chips it carries.
//
// VirtualChipFactory makes chips: a blank chip for a serial (an e-ID chip
// gets its SCP03 keys KDF3-diversified from the station's master key with
// KDD = 00 00 ‖ serial), or a chip restored from exported state.
//
// ChipCatalogue holds one chip per blank card, keyed by serial, and puts a
// chip "at the contact station" (insert: a VpcdConnection to a vpcd reader)
// or takes it away (remove: disconnect). The chip's state survives any number
// of remove/insert cycles, as a real chip's does. The printer emulator keeps
// one catalogue: a blank is added when it is loaded into the feeder, inserted
// while the card is parked at the contact station, removed when it moves on.
//
//   auto factory = VirtualChipFactory::create(masterKey);
//   ChipCatalogue chips(std::move(factory).value());
//   chips.addBlank(AppletKind::Eid, serial);
//   chips.insert(serial, VpcdEndpoint{"127.0.0.1", 40000});
//   ...                                   // cardd personalises it via pcscd
//   chips.remove(serial);
//
// Errors are values (InvalidArgument for bad input, NotFound for an unknown
// serial). Threading: VirtualChipFactory is immutable after create() and
// safe to share. ChipCatalogue's methods are safe from any thread (one
// internal mutex) but must not be called from a chip's callbacks; chips it
// hands out stay valid until the catalogue is destroyed.

#include <map>
#include <memory>
#include <mutex>
#include <string_view>
#include <vector>

#include "common/bytes.hpp"
#include "core/result.hpp"
#include "eid/eid_applet.hpp"
#include "eid/jmrtd_applet.hpp"
#include "eid/virtual_chip.hpp"
#include "virtual_chip/vpcd_connection.hpp"

namespace cardd::applets::eid {

class VirtualChipFactory {
 public:
  // `masterKey`: the station's SCP03 master key (AES-128/192/256). Error
  // (InvalidArgument): not an AES key size, bad options.
  static Result<VirtualChipFactory> create(Bytes masterKey, EidAppletOptions eidOptions = {},
                                           JmrtdAppletOptions jmrtdOptions = {});

  // A blank chip. Error (InvalidArgument): serial not 8 bytes.
  Result<std::unique_ptr<VirtualChip>> makeBlank(AppletKind kind, ByteView serial) const;

  // A chip whose kind, serial and persistent state come from exportState()
  // text. Errors (InvalidArgument): bad text; an e-ID state whose key check
  // values show another master key.
  Result<std::unique_ptr<VirtualChip>> restore(std::string_view state) const;

 private:
  VirtualChipFactory() = default;
  Bytes masterKey_;
  EidAppletOptions eidOptions_;
  JmrtdAppletOptions jmrtdOptions_;
};

class ChipCatalogue {
 public:
  explicit ChipCatalogue(VirtualChipFactory factory);
  // Removes (disconnects) every inserted chip.
  ~ChipCatalogue();

  ChipCatalogue(const ChipCatalogue&) = delete;
  ChipCatalogue& operator=(const ChipCatalogue&) = delete;

  // Adds a blank chip. Error (InvalidArgument): bad serial, serial already
  // in the catalogue.
  Status addBlank(AppletKind kind, ByteView serial);
  // Adds a chip from exported state (same errors, plus restore()'s).
  Status addRestored(std::string_view state);

  // The chip with `serial`, or nullptr.
  VirtualChip* find(ByteView serial) const;
  std::vector<Bytes> serials() const;

  // Puts the chip at a contact station: connects it to vpcd at `endpoint`
  // (the link comes up asynchronously and is re-made if vpcd drops it).
  // Errors: NotFound (unknown serial); InvalidArgument (already inserted,
  // bad endpoint).
  Status insert(ByteView serial, const virtual_chip::VpcdEndpoint& endpoint);
  // Takes the chip away (the reader sees the card removed). Idempotent;
  // unknown serials are ignored. Returns when the link is down.
  void remove(ByteView serial);
  bool isInserted(ByteView serial) const;
  // Whether the chip's link to vpcd is up right now.
  bool isLinked(ByteView serial) const;

 private:
  struct Entry {
    std::unique_ptr<VirtualChip> chip;
    std::unique_ptr<virtual_chip::VpcdConnection> connection;
  };
  Status add(std::unique_ptr<VirtualChip> chip);

  const VirtualChipFactory factory_;
  mutable std::mutex mutex_;
  std::map<Bytes, Entry> chips_;
};

}  // namespace cardd::applets::eid
