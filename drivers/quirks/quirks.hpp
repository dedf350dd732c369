#pragma once
// Quirks: what one printer model does differently, as data
// (config/quirks/<family>.yaml, quirks/README.md). The loader validates a
// file completely and reports every problem with file:line and key path, as
// the config loader does (config/config_loader.hpp); unknown keys, bad USB
// ids and wrong types are errors, never ignored. Family drivers turn an entry
// into their options (evolis/evolis_driver.hpp evolisOptionsFromQuirks()).
//
// File format: a mapping keyed by the USB id "vvvv:pppp" (lower-case hex):
//
//   "0f49:3007":
//     model: Evolis Primacy         # required
//     family: evolis                # required; a PrinterRegistry family name
//     stations: [contact, contactless]
//     dbc: false                    # k/o panels with Dbc compression
//     colour_levels: 128            # 32 | 64 | 128
//     spurious_ok_retries: 3
//     extended_status: false        # cardd's Rxs extension (emulator only)
//     thresholds_mv: { cover_closed_min: 2500, feeder_loaded_min: 2500, near_empty_below: 1000 }
//     ribbon_low: { prints: 20, percent: 10 }
//
// Omitted fields keep the family defaults (the optionals below are empty).
// Pure data and parsing: no I/O beyond reading the named files; safe on any
// input (yaml-cpp exceptions are caught inside).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cardd::drivers {

struct UsbId {
  std::uint16_t vendor = 0;
  std::uint16_t product = 0;

  // "0f49:3007".
  std::string key() const;
  // Parses exactly "vvvv:pppp" (4 hex digits each, either case); empty otherwise.
  static std::optional<UsbId> parse(std::string_view text);

  friend bool operator==(const UsbId&, const UsbId&) = default;
};

struct PrinterQuirks {
  UsbId usb;
  std::string model;
  std::string family;
  std::string origin;  // "evolis.yaml:12", for messages.

  std::optional<bool> contact;      // Has a smart-card contact station.
  std::optional<bool> contactless;  // Has a contactless station.
  std::optional<bool> dbc;
  std::optional<unsigned> colour_levels;
  std::optional<unsigned> spurious_ok_retries;
  std::optional<bool> extended_status;
  std::optional<std::uint32_t> cover_closed_min_mv;
  std::optional<std::uint32_t> feeder_loaded_min_mv;
  std::optional<std::uint32_t> near_empty_below_mv;
  std::optional<std::uint64_t> ribbon_low_prints;
  std::optional<std::uint32_t> ribbon_low_percent;
};

struct QuirksProblem {
  std::string file;
  int line = 0;     // 1-based; 0 when unknown.
  std::string key;  // "0f49:3007.colour_levels"
  std::string message;

  // "evolis.yaml:12: 0f49:3007.colour_levels: must be one of 32, 64, 128"
  std::string describe() const;
};

// The entries of one or more files. An entry with problems is left out; the
// others are kept, so one bad line does not lose a whole file.
struct QuirksTable {
  std::vector<PrinterQuirks> entries;
  std::vector<QuirksProblem> problems;  // Empty when every entry was valid.

  bool ok() const { return problems.empty(); }
  // The entry for this USB id, or null.
  const PrinterQuirks* find(UsbId id) const;
  // The first entry whose model equals `model` (case-insensitive): network
  // printers have no USB id and are matched by the name they report.
  const PrinterQuirks* findByModel(std::string_view model) const;
};

// Parses YAML text; `origin` names it in messages (a file name).
QuirksTable loadQuirksText(const std::string& text, const std::string& origin);

// Reads one file; a missing or unreadable file is a problem.
QuirksTable loadQuirksFile(const std::string& path);

// Reads every *.yaml file of `dir` in name order. A USB id defined twice
// (in one file or across files) is a problem; the first definition stays.
QuirksTable loadQuirksDir(const std::string& dir);

}  // namespace cardd::drivers
