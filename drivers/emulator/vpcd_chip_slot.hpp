#pragma once
// VpcdChipSlot: the ChipSlot that gives every blank in the emulator a virtual
// chip (docs/emulator.md, "Virtual chips"). A blank's chip is made the first
// time the card reaches the contact station (or leaves the printer, for the
// report): cardd's e-ID applet (or the JMRTD model), blank lifecycle, serial
// chipSerialFor(blank serial), SCP03 keys KDF3-diversified from the station
// master key (applets/eid/chip_catalogue.hpp). The chip is connected to the
// printer's vpcd reader while the card sits at the contact station, and
// disconnected when it moves on. It keeps its state for the emulator's
// lifetime, so a card moved back later sees what was written, and a card that
// left the printer can still be inspected through report().
//
// Threading: the model calls the ChipSlot methods under the server's mutex;
// they only record and queue. One worker thread carries out the queued
// connects and disconnects in order (a disconnect joins the chip's vpcd
// thread). Between one card leaving the station and the next arriving the
// reader stays empty for at least ChipSlotOptions::min_absent, so pcscd (which
// polls vpcd about every 400 ms) sees a removal and an insertion instead of
// one card whose ATR did not change. report() may be called from any thread.
// The worker never calls the model. The destructor drops queued operations,
// stops the worker, then the backend disconnects every chip.
//
// Errors: a chip that cannot be made or connected is recorded (report()
// shows "error") and the card carries on without it; no exceptions.

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>

#include "common/bytes.hpp"
#include "core/result.hpp"
#include "eid/chip_catalogue.hpp"
#include "emulator/printer_model.hpp"
#include "virtual_chip/vpcd_connection.hpp"

namespace cardd::emulator {

using applets::Bytes;
using applets::ByteView;

// The 8-byte chip serial of a blank: the first 8 bytes of
// SHA-256("cardd-emulator-chip-serial/1:" ‖ blank serial). Deterministic, so
// the same feeder gives the same chips on every run. Pure.
Bytes chipSerialFor(std::string_view blank_serial);

// Reads the station's SCP03 master key from a file holding hex digits (32, 48
// or 64; spaces and newlines ignored). The file must be a regular file with
// no group or other permissions (mode 0600 or 0400). Errors
// (InvalidArgument) are sentences naming the file, never its content.
Result<Bytes> readChipMasterKey(const std::string& path);

// What the slot drives, per chip serial. The production backend is a
// ChipCatalogue; tests use a fake. Calls come from the slot's worker
// (create, insert, remove) and from report() (any thread): implementations
// are thread-safe.
class ChipBackend {
 public:
  virtual ~ChipBackend() = default;
  // Makes a blank chip with this serial unless it exists.
  [[nodiscard]] virtual Status create(ByteView chip_serial) = 0;
  // Connects the chip to the reader (returns once the link is being made).
  [[nodiscard]] virtual Status insert(ByteView chip_serial) = 0;
  // Disconnects it; returns when the link is down. Idempotent.
  virtual void remove(ByteView chip_serial) = 0;
  virtual bool isLinked(ByteView chip_serial) const = 0;
  // Grows whenever the chip's persistent state changes; 0 for no chip.
  virtual std::uint64_t stateGeneration(ByteView chip_serial) const = 0;
  // The persistent state text (applets/eid/chip_state.hpp), or nullopt.
  virtual std::optional<std::string> exportState(ByteView chip_serial) const = 0;
};

// The production backend: a ChipCatalogue whose chips connect to `endpoint`.
class CatalogueChipBackend final : public ChipBackend {
 public:
  CatalogueChipBackend(applets::eid::VirtualChipFactory factory, applets::eid::AppletKind kind,
                       applets::virtual_chip::VpcdEndpoint endpoint);
  Status create(ByteView chip_serial) override;
  Status insert(ByteView chip_serial) override;
  void remove(ByteView chip_serial) override;
  bool isLinked(ByteView chip_serial) const override;
  std::uint64_t stateGeneration(ByteView chip_serial) const override;
  std::optional<std::string> exportState(ByteView chip_serial) const override;

 private:
  applets::eid::ChipCatalogue catalogue_;
  const applets::eid::AppletKind kind_;
  const applets::virtual_chip::VpcdEndpoint endpoint_;
};

struct ChipSlotOptions {
  std::string applet = "eid";  // For the report.
  std::string vpcd;            // HOST:PORT, for the report.
  // The reader stays empty at least this long between two cards (real time).
  std::chrono::milliseconds min_absent{1000};
};

class VpcdChipSlot final : public ChipSlot {
 public:
  VpcdChipSlot(std::unique_ptr<ChipBackend> backend, ChipSlotOptions options);
  ~VpcdChipSlot() override;
  VpcdChipSlot(const VpcdChipSlot&) = delete;
  VpcdChipSlot& operator=(const VpcdChipSlot&) = delete;

  void cardArrivedAtContactStation(const Blank& blank) override;
  void cardLeftContactStation(const Blank& blank) override;
  void cardLeftPrinter(const Blank& blank, bool rejected) override;
  std::optional<ChipSlotReport> report() const override;

  // Until every queued connect / disconnect is done (true) or `timeout`
  // passes (false). For tests.
  bool waitIdle(std::chrono::milliseconds timeout) const;

 private:
  struct Record {
    Bytes chip_serial;
    std::string where = "printer";
    bool at_station = false;
    std::string error;
    // report() cache: the digest part, valid while the generation holds.
    mutable std::uint64_t cached_generation = 0;
    mutable std::optional<ChipCardReport> cached;
  };
  struct Operation {
    bool insert = false;  // else remove
    std::string serial;
    Bytes chip_serial;
  };

  Record& record(const std::string& serial);  // Needs mutex_; makes the chip.
  void enqueue(Operation operation);          // Needs mutex_.
  void run();
  void setError(const std::string& serial, const std::string& message);

  const std::unique_ptr<ChipBackend> backend_;
  const ChipSlotOptions options_;

  mutable std::mutex mutex_;
  mutable std::condition_variable changed_;
  std::map<std::string, Record> records_;  // By blank serial.
  std::deque<Operation> queue_;
  bool busy_ = false;  // The worker is carrying out an operation.
  bool stopping_ = false;
  std::thread worker_;
};

// The chip options of the executable (--vpcd, --chip-master-key,
// --chip-applet, --chip-swap-gap-ms).
struct ChipConfig {
  std::string vpcd_host;  // Empty: no chips.
  std::uint16_t vpcd_port = 0;
  std::string master_key_file;
  std::string applet = "eid";  // eid | jmrtd | none
  std::chrono::milliseconds min_absent{1000};
};

// The slot for `config`: nullptr when it asks for no chips (no vpcd, or
// applet none). Errors (InvalidArgument): the master key file (see
// readChipMasterKey()), an e-ID applet without a master key.
Result<std::unique_ptr<VpcdChipSlot>> makeVpcdChipSlot(const ChipConfig& config);

// Parses a chip's exported state into the report fields (lifecycle, file
// digests). Pure. Error (InvalidArgument) for state text that does not parse.
Status describeChipState(std::string_view state, ChipCardReport& out);

}  // namespace cardd::emulator
