#pragma once
// What a printer reports about itself, in family-neutral terms: IPP
// printer-state-reasons (RFC 8011 §5.4.12) with their severity suffix, and
// wear counters as plain numbers. Family normalisers (e.g.
// evolis/evolis_normaliser.hpp) produce these; the health module stores them
// and raises alerts from them. Pure values, no I/O.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cardd::drivers {

// The IPP keyword suffix. Order matters: a larger value is more severe.
enum class Severity {
  Report,   // "-report": informational.
  Warning,  // "-warning": printing continues, someone should act soon.
  Error,    // "-error": the printer cannot print until someone acts.
};

// The conditions cardd knows, with their IPP keywords (reference/card-printers.md).
enum class Condition {
  MediaEmpty,             // "media-empty": feeder empty.
  MediaLow,               // "media-low": feeder near empty.
  MediaJam,               // "media-jam": card jam, feed failure.
  MarkerSupplyLow,        // "marker-supply-low": ribbon near its end.
  MarkerSupplyEmpty,      // "marker-supply-empty": ribbon ended.
  CoverOpen,              // "cover-open".
  DoorOpen,               // "door-open": feeder door open.
  OutputAreaFull,         // "output-area-full": output hopper or reject box full.
  CleanerLifeAlmostOver,  // "cleaner-life-almost-over": cleaning due.
  Offline,                // "offline": unreachable.
  Other,                  // "other": see StateReason::vendor_keyword.
};

// The IPP keyword without suffix ("media-empty").
std::string_view conditionKeyword(Condition condition);
// "report", "warning" or "error".
std::string_view severitySuffix(Severity severity);

// The vendor keyword cardd emits for Condition::Other: the printhead is hot
// and the printer pauses to cool (-warning), or refuses to print (-error).
inline constexpr std::string_view kHeadCoolingKeyword = "cardd-head-cooling";

struct StateReason {
  Condition condition = Condition::Other;
  Severity severity = Severity::Report;
  // For Condition::Other: a vendor keyword ("cardd-head-cooling"); empty otherwise.
  std::string vendor_keyword;

  // The printer-state-reasons value: "media-empty-error",
  // "cardd-head-cooling-warning" (a vendor keyword replaces "other").
  std::string keyword() const;

  friend bool operator==(const StateReason&, const StateReason&) = default;
};

// IPP printer-state.
enum class PrinterState {
  Idle,        // Ready, no card in progress.
  Processing,  // A card is moving or printing.
  Stopped,     // At least one -error reason.
};

// Wear and supply counters. A counter is empty when the printer did not tell
// (unsupported, or the read failed); never a guessed zero.
struct Counters {
  std::optional<std::uint64_t> cards;                 // Cards inserted, lifetime.
  std::optional<std::uint64_t> panels;                // Panels printed, lifetime.
  std::optional<std::uint64_t> cards_since_cleaning;  // Cards since the last cleaning.
  std::optional<std::uint64_t> cleanings;             // Cleanings done, lifetime.
  std::optional<std::uint64_t> avg_cards_between_cleanings;
  std::optional<std::uint64_t> max_cards_between_cleanings;
  std::optional<std::uint64_t> ribbon_remaining;  // Prints left on the ribbon (approximate).
  std::optional<std::uint64_t> ribbon_capacity;   // Prints a full ribbon holds.

  friend bool operator==(const Counters&, const Counters&) = default;
};

// The snapshot a driver's status() returns.
struct PrinterStatus {
  PrinterState state = PrinterState::Idle;
  // Most severe first, then by keyword; at most one entry per keyword.
  std::vector<StateReason> reasons;
  Counters counters;
  // The printer's own words, compact and family-specific, for the fault log
  // and a remote repair centre (e.g. Evolis "cover=2900mV feeder=2900mV
  // near_empty=2900mV hopper=0 cleaning=1 position=none sw=... fault=MECHANICAL").
  // Empty when unreachable. Never card data.
  std::string raw;
};

// Sorts by severity (most severe first) then keyword, and keeps only the most
// severe entry of each keyword. Normalisers call it before returning.
void canonicaliseReasons(std::vector<StateReason>& reasons);

// Stopped when any reason is an -error, else `busy ? Processing : Idle`.
PrinterState stateFromReasons(const std::vector<StateReason>& reasons, bool busy);

}  // namespace cardd::drivers
