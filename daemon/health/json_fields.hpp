#pragma once
// Field values for the JSON views of the health records (health_json.cpp,
// fault_export.cpp): optional values and instants are null when absent, and
// non-finite numbers (a rate divided by nothing) are null too: JSON has no
// NaN or infinity. Times are RFC 3339 UTC strings (formatTimestamp).
// Internal to daemon/health; header-only.

#include <cmath>
#include <cstdint>
#include <optional>
#include <string>

#include <boost/json/value.hpp>

#include "core/clock.hpp"

namespace cardd::health::json_fields {

inline boost::json::value number(double v) {
  return std::isfinite(v) ? boost::json::value(v) : boost::json::value(nullptr);
}

inline boost::json::value optionalNumber(const std::optional<double>& v) {
  return v ? number(*v) : boost::json::value(nullptr);
}

inline boost::json::value optionalCount(const std::optional<std::int64_t>& v) {
  return v ? boost::json::value(*v) : boost::json::value(nullptr);
}

inline boost::json::value optionalTime(const std::optional<std::int64_t>& ms) {
  return ms ? boost::json::value(formatTimestamp(*ms)) : boost::json::value(nullptr);
}

// Install dates are 0 before cardd first saw the device: unknown, so null.
inline boost::json::value knownTime(std::int64_t ms) {
  return ms != 0 ? boost::json::value(formatTimestamp(ms)) : boost::json::value(nullptr);
}

inline boost::json::value optionalText(const std::string& s) {
  return s.empty() ? boost::json::value(nullptr) : boost::json::value(s);
}

}  // namespace cardd::health::json_fields
