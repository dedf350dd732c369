#pragma once
// PrinterModel: the state machine of the emulated Evolis-style card printer
// (DESIGN.md, "The embedded default: an emulated station"). It answers one
// decoded Command (printer/evolis/evolis_frame_parser.hpp) at a time with the
// reply a printer would send and the (virtual) time at which it would send it.
// Pure: no sockets, no threads, no sleeping; time comes from an injected
// cardd::Clock so unit tests run a day of printing on a ManualClock.
//
// What it models (docs/emulator.md has the long form):
// - card path: feeder -> print position -> contact | contactless station ->
//   output hopper | reject box, each move taking a configured time. A move is
//   "settling" until its end time: Rlr;p answers CARD (inside, in transit)
//   until then, and the next operation starts after it.
// - a feeder of blanks with serials, ribbon capacity and remaining, lifetime
//   and since-cleaning counters with warning and mandatory thresholds,
//   a printhead heat model (heat per printed panel, exponential cooling,
//   printing pauses while hot), hopper and reject-box capacities.
// - injected faults (jam, ribbon out, cover open, feeder empty, hopper full,
//   reject box full, overheat). Link faults (disconnect, garbage, slow) belong
//   to the server (emulator_server.hpp), not to this model.
//
// Replies: ASCII text; the server appends the terminator (NUL by default).
// Errors follow the protocol contract in docs/emulator.md: "ERROR CDE",
// "ERROR PARAMETERS", and in host error mode (Pem;2) "ERR <CONDITION>".
// In printer error mode (Pem;0) a command that fails on a condition is
// held instead (Response::held): the server re-submits it until the
// condition clears, as a printer that shows the error and waits.
//
// Threading: none; the server serialises calls with its own mutex. The
// ChipSlot and EmulatorSink are called synchronously from inside handle() and
// tick(); they must not call back into the model.

#include <cstdint>
#include <deque>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "printer/evolis/evolis_codec.hpp"
#include "printer/evolis/evolis_normaliser.hpp"

namespace cardd::emulator {

using drivers::evolis::Command;
using drivers::evolis::Ribbon;
using drivers::evolis::StatusWords;

// One blank card. The serial is what the emulator prints on file names and
// events; a virtual chip is keyed by it.
struct Blank {
  std::string serial;
  friend bool operator==(const Blank&, const Blank&) = default;
};

// What a chip slot reports about the chips it hosts (the control port's
// "state" command shows it as "chips"). Never personal data: file contents
// appear only as SHA-256 digests.
struct ChipFileReport {
  std::uint16_t fid = 0;
  std::uint64_t size = 0;  // The file's current size in bytes.
  std::string sha256;      // Lower-case hex digest of those bytes.
};
struct ChipCardReport {
  std::string serial;       // Blank serial.
  std::string chip_serial;  // The chip's 8-byte serial, upper-case hex.
  std::string where;        // "printer" (inside), "hopper" or "reject_box".
  bool at_station = false;  // Connected to the reader (or about to be).
  bool linked = false;      // Its link to vpcd is up right now.
  std::string lifecycle;    // e-ID: blank personalised locked; JMRTD: open locked.
  std::vector<ChipFileReport> files;
  std::string error;  // The last connect failure, "" when none.
};
struct ChipSlotReport {
  std::string applet;  // "eid" | "jmrtd"
  std::string vpcd;    // HOST:PORT of the reader's vpcd slot.
  std::vector<ChipCardReport> cards;
};

// Seam for virtual chips: the model calls it when a card arrives at or leaves
// the contact station (the move's end, seen by tick() or the next command)
// and when a card leaves the printer (after leaving any station). The default
// does nothing; VpcdChipSlot (vpcd_chip_slot.hpp) connects a virtual chip per
// blank to pcscd through vpcd (docs/emulator.md, "Virtual chips").
// report() is called by the control port, under the same mutex as the rest.
class ChipSlot {
 public:
  virtual ~ChipSlot() = default;
  virtual void cardArrivedAtContactStation(const Blank& blank) { (void)blank; }
  virtual void cardLeftContactStation(const Blank& blank) { (void)blank; }
  virtual void cardArrivedAtContactlessStation(const Blank& blank) { (void)blank; }
  virtual void cardLeftContactlessStation(const Blank& blank) { (void)blank; }
  // The card went to the output hopper (rejected = false) or the reject box.
  virtual void cardLeftPrinter(const Blank& blank, bool rejected) {
    (void)blank;
    (void)rejected;
  }
  // The chips hosted so far; nullopt when the slot hosts none.
  virtual std::optional<ChipSlotReport> report() const { return std::nullopt; }
};

// One event for the append-only event log. Never carries card data.
struct EmulatorEvent {
  std::int64_t at_ms = 0;  // Virtual time the event happens (may be ahead of now).
  std::string kind;        // fed moved printed ejected rejected fault-raised fault-cleared ...
  std::string serial;      // Blank serial, when a card is involved.
  std::string detail;      // Position, side, fault name...
};

// One printed card side: the panels as received, decoded to one density byte
// per pixel (0 no ink .. 255 full ink) in scan order (kScanLines lines of
// kPixelsPerLine pixels).
struct PrintedPanel {
  char letter = 'k';  // y m c k o
  std::vector<std::uint8_t> density;
};
struct PrintedSide {
  std::string serial;
  std::string side;  // "front" | "back"
  std::vector<PrintedPanel> panels;
};

// Where events and printed sides go (a file writer in the executable, a
// recorder in tests). Default: discard.
class EmulatorSink {
 public:
  virtual ~EmulatorSink() = default;
  virtual void event(const EmulatorEvent& event) { (void)event; }
  virtual void printed(const PrintedSide& side) { (void)side; }
};

enum class Fault {
  Jam,
  RibbonOut,
  CoverOpen,
  FeederEmpty,
  HopperFull,
  RejectBoxFull,
  Overheat,
};
inline constexpr Fault kAllFaults[] = {Fault::Jam,         Fault::RibbonOut,  Fault::CoverOpen,
                                       Fault::FeederEmpty, Fault::HopperFull, Fault::RejectBoxFull,
                                       Fault::Overheat};
std::string faultName(Fault fault);  // "jam", "ribbon_out", ...
std::optional<Fault> faultFromName(std::string_view name);

enum class Position { None, PrintPosition, ContactStation, ContactlessStation };
std::string positionName(Position position);  // "none" "print" "contact" "contactless"

struct ModelConfig {
  std::string model = "Evolis Primacy (cardd emulator)";
  std::string serial = "EMU00001";
  std::string printhead_kit = "KIT-EMU-0001";
  std::string firmware = "1.0.0-cardd-emu";

  std::uint64_t feeder_count = 100;
  std::string serial_prefix = "EMU-";
  std::uint64_t serial_start = 1;
  std::uint64_t feeder_near_empty = 10;  // Rse;n reads low at or below this many blanks.

  Ribbon ribbon = Ribbon::Ymcko;
  std::uint64_t ribbon_capacity = 300;  // Prints per ribbon (R5F008: 300).
  std::uint64_t ribbon_remaining = 300;
  std::uint64_t ribbon_low = 20;  // RIBBON_LOW at or below.

  std::uint64_t cleaning_warning_cards = 700;     // CLEANING, Rlr;c ERR NEED CLEANING.
  std::uint64_t cleaning_mandatory_cards = 1000;  // CLEANING_MANDATORY, printing refused.

  std::uint64_t hopper_capacity = 100;
  std::uint64_t reject_capacity = 30;

  // Times in virtual milliseconds (divided by the time scale on the wire).
  std::int64_t feed_ms = 1500;
  std::int64_t move_ms = 800;
  std::int64_t print_side_ms = 11000;  // One side, all panels (~225 cards/h YMCKO).
  std::int64_t eject_ms = 1000;
  std::int64_t clean_ms = 20000;
  std::int64_t reset_ms = 2000;

  // Printhead heat (degrees Celsius).
  double ambient_c = 25.0;
  double heat_per_panel_c = 1.2;
  double cooling_tau_ms = 180000.0;  // Exponential cooling time constant.
  double pause_above_c = 60.0;       // COOLING set and printing waits above this...
  double resume_below_c = 50.0;      // ...until the head is back under this.
  double fault_above_c = 80.0;       // HEAD_TEMP error above this.

  bool host_error_mode = true;    // Initial Pem: true = Pem;2, false = Pem;0.
  double spurious_ok_rate = 0.0;  // Probability that Rrt;count answers OK.
  std::uint32_t seed = 1;
};

// The model's reply to one command.
struct Response {
  std::string text;           // ASCII reply, no terminator.
  std::int64_t ready_ms = 0;  // Virtual time at which the printer sends it.
  bool held = false;          // Pem;0 and a condition blocks it: re-submit later.
};

class PrinterModel {
 public:
  // `clock`, `chip` and `sink` must outlive the model. Fills the feeder.
  PrinterModel(ModelConfig config, const Clock& clock, ChipSlot& chip, EmulatorSink& sink);

  // Handles one command from the host.
  Response handle(const Command& command);

  // Completes moves whose end time has passed (chip arrival callbacks) and
  // updates the cooling state. Cheap; the server calls it every few ms.
  void tick();

  // ---- Control interface (operator actions, test hooks) ----------------------
  void injectFault(Fault fault);
  void clearFault(Fault fault);
  bool faultActive(Fault fault) const;
  void loadFeeder(std::uint64_t count, const std::string& prefix, std::uint64_t start,
                  bool replace);
  void loadRibbon(std::optional<Ribbon> ribbon, std::uint64_t capacity);
  void clean();  // Operator cleaning: resets since-cleaning, counts a cleaning.
  void emptyHopper();
  void emptyRejectBox();
  // Records an event the model does not see itself (link faults from the
  // control interface) in the same log, at the current time.
  void logEvent(std::string kind, std::string detail);

  // ---- Observers ----------------------------------------------------------------
  StatusWords statusWords() const;
  Position position() const;  // Where the card is (or is going).
  bool settling() const;      // A move is still under way.
  std::optional<std::string> currentSerial() const;
  std::uint64_t feederCount() const { return feeder_.size(); }
  std::uint64_t hopperCount() const { return hopper_count_; }
  std::uint64_t rejectCount() const { return reject_count_; }
  std::uint64_t ribbonRemaining() const { return ribbon_remaining_; }
  std::uint64_t ribbonCapacity() const { return ribbon_capacity_; }
  Ribbon ribbon() const { return ribbon_; }
  std::uint64_t cardsLifetime() const { return cards_; }
  std::uint64_t panelsLifetime() const { return panels_; }
  std::uint64_t cardsSinceCleaning() const { return cards_ - cards_at_cleaning_; }
  std::uint64_t cleanings() const { return cleanings_; }
  double headTemperature() const;  // At clock.nowMs().
  bool cooling() const;
  bool hostErrorMode() const { return host_error_mode_; }
  std::int64_t busyUntil() const { return settle_ms_; }
  const ModelConfig& config() const { return config_; }
  const ChipSlot& chipSlot() const { return chip_; }

 private:
  struct SideData {
    std::vector<PrintedPanel> panels;
  };

  Response ok(std::int64_t at) const { return Response{"OK", at, false}; }
  Response now(std::string text) const;
  Response failure(const std::string& condition, std::int64_t at) const;
  std::int64_t start() const;

  Response handleRead(const Command& command);
  Response handleMove(const Command& command);
  Response handlePrint(bool to_reject);
  Response handleDownload(const Command& command);

  // The condition that blocks a movement ("" when none).
  std::string movementBlocker() const;
  // The condition that blocks taking a blank from the feeder.
  std::string feedBlocker() const;
  bool feederEmpty() const;
  std::uint64_t ribbonUnitsFor(const SideData& front, const SideData& back) const;

  void settleArrivals();
  void leaveStation(std::int64_t at);
  void feedBlank(std::int64_t& t);
  void moveTo(Position target, std::int64_t& t);
  void finishCard(bool to_reject, std::int64_t& t);
  double temperatureAt(std::int64_t at) const;
  void heat(std::int64_t at, double degrees);
  void emit(std::int64_t at, std::string kind, std::string serial, std::string detail = {});
  std::string makeSerial(const std::string& prefix, std::uint64_t n) const;

  ModelConfig config_;
  const Clock& clock_;
  ChipSlot& chip_;
  EmulatorSink& sink_;
  std::mt19937 rng_;

  std::deque<Blank> feeder_;
  std::optional<Blank> card_;  // The card inside, if any.
  Position position_ = Position::None;
  std::int64_t settle_ms_ = 0;    // End of the current move or operation.
  bool arrival_notified_ = true;  // Chip arrival callback done for position_.

  bool host_error_mode_ = true;
  Ribbon ribbon_;
  std::uint64_t ribbon_capacity_;
  std::uint64_t ribbon_remaining_;
  std::uint64_t hopper_count_ = 0;
  std::uint64_t reject_count_ = 0;

  std::uint64_t cards_ = 0;   // Lifetime cards taken from the feeder.
  std::uint64_t panels_ = 0;  // Lifetime panels printed.
  std::uint64_t cards_at_cleaning_ = 0;
  std::uint64_t cleanings_ = 0;
  std::uint64_t max_between_cleanings_ = 0;

  double temp_c_;
  std::int64_t temp_ms_ = 0;
  bool cooling_ = false;
  bool head_overheated_ = false;  // Natural overheat, latched until reset or clear.

  bool injected_[7] = {};

  bool in_sequence_ = false;
  bool back_side_ = false;
  SideData front_;
  SideData back_;
};

}  // namespace cardd::emulator
