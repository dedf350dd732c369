#pragma once
// Evolis status normaliser: turns what the printer said in one status poll
// (sensor voltages, Rlr replies, counters, already parsed by evolis_reply.hpp)
// into the family-neutral PrinterStatus: IPP printer-state-reasons with
// severities, and counters as numbers. Pure: no I/O, no clock.
//
// Mapping (condition -> reason), from reference/card-printers.md:
//   unreachable                         offline-error (nothing else is reported)
//   cover open (Rse;o below threshold)  cover-open-error
//   feeder empty (Rse;f)                media-empty-error
//   feeder near empty (Rse;n < 1 V)     media-low-warning (unless empty)
//   output hopper full (Rlr;h CARD)     output-area-full-error
//   cleaning due (Rlr;c)                cleaner-life-almost-over-warning
//   ribbon: 0 prints left               marker-supply-empty-error
//   ribbon: few prints left             marker-supply-low-warning
// and, when the vendor SDK's 4 x 32-bit status words are available (the
// emulator provides them; the raw command on real printers is not public):
//   info RIBBON_LOW, CLEANING            marker-supply-low-warning,
//   cleaner-life-almost-over-warning info CLEANING_MANDATORY cleaner-life-almost-over-error warning
//   FEEDER_EMPTY, COVER_OPEN     media-empty-error, cover-open-error warning HOPPER_FULL
//   output-area-full-error warning COOLING                      cardd-head-cooling-warning (IPP
//   "other") error MECHANICAL                     media-jam-error error RIBBON_ENDED
//   marker-supply-empty-error error HEAD_TEMP                      cardd-head-cooling-error error
//   REJECT_BOX_FULL                output-area-full-error
// and the driver's sticky movement failure (EvolisReadings::fault, the
// printer's "ERR <CONDITION>" answer to a card movement, evolis_driver.hpp):
//   MECHANICAL media-jam-error, RIBBON ENDED marker-supply-empty-error,
//   COVER OPEN cover-open-error, FEEDER EMPTY media-empty-error,
//   HOPPER FULL / REJECT BOX FULL output-area-full-error,
//   HEAD TEMP cardd-head-cooling-error.
// Where two sources report one keyword the most severe wins
// (canonicaliseReasons()).
//
// ASSUMED, not documented publicly: Rse;f reads high when the feeder has
// cards (like Rse;o reads 5 V when closed). The thresholds are settings so
// that quirks data can correct them per model without a code change.

#include <cstdint>
#include <optional>

#include "printer/printer.hpp"
#include "printer/printer_status.hpp"

namespace cardd::drivers::evolis {

// The vendor SDK status bitfield (reference/card-printers.md).
struct StatusWords {
  std::uint32_t config = 0;
  std::uint32_t information = 0;
  std::uint32_t warning = 0;
  std::uint32_t error = 0;
};

namespace status_bits {
inline constexpr std::uint32_t kInfoCleaning = 0x00020000;
inline constexpr std::uint32_t kInfoCleaningMandatory = 0x00040000;
inline constexpr std::uint32_t kInfoRibbonLow = 0x00080000;
inline constexpr std::uint32_t kWarnCoverOpen = 0x00020000;
inline constexpr std::uint32_t kWarnHopperFull = 0x00100000;
inline constexpr std::uint32_t kWarnCooling = 0x00200000;
inline constexpr std::uint32_t kWarnFeederEmpty = 0x01000000;
inline constexpr std::uint32_t kErrRibbonEnded = 0x00200000;
inline constexpr std::uint32_t kErrRejectBoxFull = 0x00800000;
inline constexpr std::uint32_t kErrMechanical = 0x01000000;
inline constexpr std::uint32_t kErrHeadTemp = 0x20000000;
}  // namespace status_bits

// Why a card movement failed: the CONDITION of an "ERR <CONDITION>" reply
// (evolis_reply.hpp deviceFault()). ASSUMED wording, see evolis_driver.hpp.
enum class DeviceFault {
  Mechanical,     // ERR MECHANICAL: card jam.
  RibbonEnded,    // ERR RIBBON ENDED
  CoverOpen,      // ERR COVER OPEN
  FeederEmpty,    // ERR FEEDER EMPTY
  HopperFull,     // ERR HOPPER FULL
  RejectBoxFull,  // ERR REJECT BOX FULL
  HeadTemp,       // ERR HEAD TEMP: printhead too hot.
  NeedCleaning,   // ERR NEED CLEANING: printing refused until the printer is cleaned.
};

// One status poll. Each field is empty when it was not read or its read
// failed; an empty field raises no reason and leaves its counter empty.
struct EvolisReadings {
  bool reachable = true;  // false when the transport timed out or disconnected.

  std::optional<std::uint32_t> cover_mv;              // Rse;o
  std::optional<std::uint32_t> feeder_mv;             // Rse;f
  std::optional<std::uint32_t> feeder_near_empty_mv;  // Rse;n
  std::optional<bool> hopper_full;                    // Rlr;h
  std::optional<bool> cleaning_due;                   // Rlr;c
  std::optional<CardPosition> card_position;          // Rlr;p
  std::optional<StatusWords> status_words;            // SDK bitfield, when available.
  std::optional<DeviceFault> fault;                   // The driver's sticky movement failure.

  std::optional<std::uint64_t> panels;                 // Rco;p
  std::optional<std::uint64_t> cards;                  // Rco;c
  std::optional<std::uint64_t> avg_between_cleanings;  // Rco;a
  std::optional<std::uint64_t> max_between_cleanings;  // Rco;m
  std::optional<std::uint64_t> cleanings;              // Rco;n
  std::optional<std::uint64_t> ribbon_cards_left;      // Rco;l (approximate)
  std::optional<std::uint64_t> ribbon_capacity;        // Rrt;qty
  std::optional<std::uint64_t> ribbon_remaining;       // Rrt;count (preferred over Rco;l)

  // From the station's maintenance record, not the printer: the lifetime card
  // count when the printer was last cleaned. Gives Counters::cards_since_cleaning.
  std::optional<std::uint64_t> cards_at_last_cleaning;
};

struct NormaliserSettings {
  std::uint32_t cover_closed_min_mv = 2500;   // Rse;o at or above: closed.
  std::uint32_t feeder_loaded_min_mv = 2500;  // Rse;f at or above: cards present (ASSUMED).
  std::uint32_t near_empty_below_mv = 1000;   // Rse;n below: near empty.
  std::uint64_t ribbon_low_prints = 20;       // Remaining at or below: low...
  std::uint32_t ribbon_low_percent = 10;      // ...or at or below this % of capacity.
};

// The readings as the printer gave them, as one line (PrinterStatus::raw):
// "cover=2900mV feeder=2900mV near_empty=2900mV hopper=0 cleaning=0
// position=none sw=00000000/00000000/00000000/00000000 fault=MECHANICAL";
// fields not read are left out; "" when unreachable.
std::string rawStatus(const EvolisReadings& readings);

// Counters as numbers. ribbon_remaining prefers Rrt;count over Rco;l;
// cards_since_cleaning = cards - cards_at_last_cleaning when both are known
// and consistent (empty otherwise).
Counters normaliseCounters(const EvolisReadings& readings);

// The reasons, canonicalised (most severe first, one per keyword).
std::vector<StateReason> normaliseReasons(const EvolisReadings& readings,
                                          const NormaliserSettings& settings = {});

// Reasons, counters and printer-state (Processing when a card is inside).
PrinterStatus normalise(const EvolisReadings& readings, const NormaliserSettings& settings = {});

}  // namespace cardd::drivers::evolis
