#pragma once
// Evolis command codec, host side: the wire framing and a typed builder for
// every command cardd uses (reference/card-printers.md). Pure functions, no
// I/O; replies are parsed by evolis_reply.hpp, and the printer-side stream
// splitter is evolis_frame_parser.hpp.
//
// Framing: ESC <name> [';' p1 ';' p2 ...] CR, with ESC = 0x1B and CR = 0x0D.
// Download commands carry a binary payload, unescaped, after one more ';' and
// before the CR; its length follows from the parameters:
//   Db;<panel>;<levels>;<bytes>           panelBytes(levels) bytes
//   Dbc;<panel>;<line>;<length>;<bytes>   <length> bytes of Dbc compression
// The Dbc parameters come from the open-source Perl simulator
// (dpavlin/Printer-EVOLIS), which names them colour, line, length; what
// "line" means is not public (a start line, or the levels as in Db). The
// builder therefore takes it explicitly; kDbcDefaultLine is what cardd sends
// until a capture from a real printer says otherwise.

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "printer/evolis/evolis_raster.hpp"

namespace cardd::drivers::evolis {

inline constexpr std::uint8_t kEsc = 0x1B;
inline constexpr std::uint8_t kCr = 0x0D;

// One command. `has_payload` is true for Db and Dbc only.
struct Command {
  std::string name;                 // Letters only: "Pem", "Db", "Rco".
  std::vector<std::string> params;  // Printable ASCII without ';' (0x20..0x7E).
  bool has_payload = false;
  Bytes payload;

  friend bool operator==(const Command&, const Command&) = default;
};

// The wire bytes of `command`. Fails (InvalidArgument) on an empty or
// non-letter name, or a parameter with ';' or a non-printable byte; a
// command from the builders below always encodes.
Result<Bytes> encode(const Command& command);

// Encodes a sequence of commands back to back (a print job).
Result<Bytes> encodeAll(std::span<const Command> commands);

// A readable one-line form for traces and test failures: "Db;k;2;<82296 bytes>".
std::string describe(const Command& command);

// ---- Settings ---------------------------------------------------------------

enum class ErrorMode {
  Printer = 0,  // Pem;0: the printer handles errors itself (shows them, waits).
  Host = 2,     // Pem;2: the host is told and decides. cardd uses this.
};
Command setErrorMode(ErrorMode mode);  // Pem;<mode>

enum class Ribbon { Ymcko, Ymckok, Ko, K };
std::string_view ribbonCode(Ribbon ribbon);  // "ymcko", "ymckok", "ko", "k"
Command setRibbon(Ribbon ribbon);            // Pr;<code>

// ---- Print sequence -----------------------------------------------------------

Command startSequence();  // Ss
Command frontSide();      // Sr
Command backSide();       // Sv
Command endSequence();    // Se: print what was downloaded and eject to the output hopper.

// Ribbon panel letters used by Db and Dbc.
enum class PanelCode { Yellow, Magenta, Cyan, Black, Overlay };
char panelLetter(PanelCode panel);  // y m c k o

// Db;<panel>;<levels>;<bitmap>. `bitmap` must be exactly panelBytes(levels)
// bytes (packPanel()); levels must be 2 for black and overlay.
Result<Command> downloadBitmap(PanelCode panel, unsigned levels, Bytes bitmap);

// Dbc;<panel>;<line>;<length>;<compressed>. `compressed` must decode with
// decompressMono() (compressMono() output). 1 bpp panels only (k, o).
inline constexpr unsigned kDbcDefaultLine = 2;
Result<Command> downloadCompressed(PanelCode panel, Bytes compressed,
                                   unsigned line = kDbcDefaultLine);

// ---- Card movement -------------------------------------------------------------

Command insertCard();            // Si: feeder to print position.
Command toContactStation();      // Sis
Command toContactlessStation();  // Sic
Command ejectCard();             // Se: to the output hopper (same bytes as endSequence()).
Command rejectCard();            // Ser: to the reject box.
Command softReset();             // Srs
// Scp: run the cleaning sequence (a cleaning card is loaded). ASSUMED: the
// command name is not in the public sources; cardd and its emulator use it.
Command cleanPrinter();

// ---- Reads ----------------------------------------------------------------------

Command readModel();         // Rtp
Command readSerial();        // Rsn
Command readPrintheadKit();  // Rkn
Command readFirmware();      // Rfv

enum class Counter {
  Panels,               // Rco;p  panels printed (lifetime)
  Cards,                // Rco;c  cards inserted (lifetime)
  AvgBetweenCleanings,  // Rco;a
  MaxBetweenCleanings,  // Rco;m
  Cleanings,            // Rco;n  cleanings done
  RibbonCardsLeft,      // Rco;l  cards left on this ribbon (approximate)
};
Command readCounter(Counter counter);

enum class Sensor {
  Cover,            // Rse;o  0,00 Volts open / 5,00 Volts closed
  Feeder,           // Rse;f  feeder has cards
  FeederNearEmpty,  // Rse;n  < 1 V = near empty
};
Command readSensor(Sensor sensor);

Command readCardPosition();  // Rlr;p  OK | CARD | SMART CARD | CONTACTLESS CARD
Command readHopper();        // Rlr;h  CARD (full) | NO CARD
Command readCleaning();      // Rlr;c  ERR NEED CLEANING when due

Command readRibbonCapacity();   // Rrt;qty
Command readRibbonRemaining();  // Rrt;count (may answer a spurious OK: retry)

// Rxs: cardd extension, the SDK's four status words (evolis_reply.hpp
// expectStatusWords()). Only cardd's emulator answers it.
Command readExtendedStatus();

}  // namespace cardd::drivers::evolis
