#pragma once
// What cardctl prints for device health (faults, health, supply,
// maintenance, alerts), as pure functions of the API's JSON (see
// docs/api/openapi.yaml, tag "health"). Like format.hpp: missing or
// mistyped members print as "-" or are left out, control characters from the
// daemon print as '?'.

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace cardd::cli {

// A duration for people: "45s", "12m 05s", "3h 20m", "2d 4h".
std::string formatDurationMs(std::int64_t ms);

// `cardctl faults`: table RAISED DEVICE REASON SEVERITY DURATION JOB, newest
// first as cardd sends them; DURATION is "active" for a condition that has
// not cleared and "-" for an instant (a chip failure). DEVICE is "P1" or
// "P1 encoder". "no faults\n" when empty.
std::string formatFaultsTable(const boost::json::array& faults);
// `cardctl faults --summary`: "faults per device, last N days:" then a table
// DEVICE KIND FAULTS ERRORS ACTIVE MTBF DOWNTIME TOP REASONS.
std::string formatFaultSummary(const boost::json::object& summary);

// `cardctl health`: the wear table (PRINTER CARDS SINCE-CLEANING CLEANINGS
// HEAD-PASSES RIBBON-CARDS READER-FAILURES DUTY), a forecast line per
// printer, then the supply (formatSupply).
std::string formatHealth(const boost::json::object& health);
// `cardctl health P`: one printer's wear and forecasts, label: value lines.
std::string formatDeviceHealth(const boost::json::object& device);
// One printer's forecasts in a sentence, no newline: "ribbon: 120 cards left
// (~3 days); cleaning due in 50 cards (~1.2 days); printhead: 45% of rated
// life used (~200 days left); reader: 6% chip failures over the last 50 cards".
std::string formatForecastLine(const boost::json::object& device);
// `cardctl supply`: "blanks: 400 on hand, 40 cards a day: 10 days of supply
// (8 to 12), confidence high, runs out around 2026-12-09" and the lots table
// LOT ON-HAND FIRST-USE EMPTY (in days).
std::string formatSupply(const boost::json::object& supply);

// `cardctl maintenance P ACTION`: "printer P1: cleaning recorded (#3) by tech".
std::string formatMaintenanceRecorded(const boost::json::object& record);
// `cardctl maintenance-log`: table ID AT PRINTER ACTION BY NOTE, or
// "no maintenance recorded\n".
std::string formatMaintenanceTable(const boost::json::array& records);

// `cardctl alerts`: table ID SEVERITY STATE RULE SUBJECT RAISED MESSAGE, or
// "no open alerts\n" ("no alerts\n" with `all`).
std::string formatAlertsTable(const boost::json::array& alerts, bool all);
// `cardctl ack ID`: "alert 5 acknowledged by boss: MESSAGE".
std::string formatAcknowledged(const boost::json::object& alert);

// Percent-encodes a query parameter value (RFC 3986 unreserved kept).
std::string queryEscape(std::string_view value);

}  // namespace cardd::cli
