#pragma once
// PrinterDriver: the one interface the daemon uses to drive a card printer of
// any family (Evolis, Magicard, Zebra, a CUPS/IPP path). A family implements
// it by sequencing its pure codec over a Transport (transport/transport.hpp);
// it knows nothing of HTTP, jobs or the store.
//
// Threading: every call blocks until the printer has answered (or a timeout
// passed). A driver instance belongs to one device worker thread, which is the
// only thread that calls it; the worker posts results to the event loop.
// Drivers hold no locks and start no threads.
//
// Outcomes: drivers report what happened and never retry on their own beyond
// protocol-level retries the family documents (e.g. Evolis' spurious "OK").
// Retry, hold and failover are the scheduler's decisions. A failed operation
// returns an Error (built with driver_error.hpp); the scheduler then calls
// status() to learn why (media-jam, cover-open, offline...). Operations a
// family cannot do return notSupported().
//
// Card path: feeder -> (contact | contactless station) -> print -> output
// hopper, or -> reject box. Every movement is a separate call so that the
// station can journal each step before it happens (DESIGN.md, exactly-once).

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/result.hpp"
#include "printer/printer_status.hpp"

namespace cardd::drivers {

struct PrinterIdentity {
  std::string family;                          // "evolis"
  std::string model;                           // As the printer names itself ("Evolis Primacy").
  std::string serial;                          // Printer serial number.
  std::string firmware;                        // Firmware version string.
  std::string printhead_kit;                   // Printhead kit number; empty when unknown.
  std::optional<std::uint16_t> usb_vendor_id;  // Set for USB printers; the quirks key.
  std::optional<std::uint16_t> usb_product_id;

  friend bool operator==(const PrinterIdentity&, const PrinterIdentity&) = default;
};

// Where the card currently is, as far as the printer knows.
enum class CardPosition {
  None,                // No card inside.
  Inside,              // A card is inside, not at an encoding station (e.g. print position).
  ContactStation,      // Parked at the smart-card contact station.
  ContactlessStation,  // Parked at the contactless antenna.
};

// One ribbon panel's raster.
enum class PanelKind { Yellow, Magenta, Cyan, Black, Overlay };

struct Panel {
  PanelKind kind = PanelKind::Black;
  // Raster in the printer's scan order: `lines` scan lines of
  // `pixels_per_line` pixels, one byte per pixel, 0 = no ink, 255 = full ink.
  // The renderer produces the family's geometry (e.g. Evolis: 1016 lines of
  // 648 px) and any rotation; the family codec packs the bits.
  std::uint32_t pixels_per_line = 0;
  std::uint32_t lines = 0;
  std::vector<std::uint8_t> density;  // pixels_per_line * lines bytes.
};

// The panels of one side, in the order the ribbon presents them (Y, M, C, K, O).
struct PanelSet {
  std::vector<Panel> panels;
  bool empty() const { return panels.empty(); }
};

// A card ready to print: both sides rasterised. An empty back is not printed.
struct PreparedCard {
  PanelSet front;
  PanelSet back;
};

class PrinterDriver {
 public:
  virtual ~PrinterDriver() = default;

  // Model, serial, firmware, printhead kit.
  [[nodiscard]] virtual Result<PrinterIdentity> identify() = 0;

  // Conditions and counters, normalised. An unreachable printer is not an
  // Error here: it is a status with reason offline-error.
  [[nodiscard]] virtual Result<PrinterStatus> status() = 0;

  // Where the card is; used after a crash to resolve the one ambiguous moment
  // of the exactly-once rule (DESIGN.md, Card attempt).
  [[nodiscard]] virtual Result<CardPosition> cardPosition() = 0;

  // Takes a blank from the feeder (or moves the card inside) to the smart-card
  // contact station and returns once the printer reports it there.
  [[nodiscard]] virtual Status feedToContactStation() = 0;

  // Same, to the contactless station.
  [[nodiscard]] virtual Status feedToContactlessStation() = 0;

  // Prints `card` (front, then back when present) on the card inside, or on a
  // fresh blank when none is inside, and moves it to the output hopper (card
  // printers end a print sequence with the eject: Evolis "Se"). Once this
  // returns Ok the card has left the printer: it is issued. The station must
  // journal "eject requested" before calling.
  [[nodiscard]] virtual Status printAndEject(const PreparedCard& card) = 0;

  // Moves the card inside to the output hopper without printing (encode-only
  // cards). Same journaling rule as printAndEject().
  [[nodiscard]] virtual Status eject() = 0;

  // Moves the card to the reject box (spoiled).
  [[nodiscard]] virtual Status reject() = 0;

  // Runs the printer's cleaning cycle (a cleaning card must be loaded where
  // the family needs one; the driver does not check).
  [[nodiscard]] virtual Status clean() = 0;

  // Soft-resets the printer (clears a recoverable error state).
  [[nodiscard]] virtual Status reset() = 0;
};

}  // namespace cardd::drivers
