#include "health/health_types.hpp"

#include <algorithm>
#include <array>

namespace cardd::health {

double ReaderWear::recentFailureRate() const {
  if (recent.empty()) return 0;
  const auto failures = std::count(recent.begin(), recent.end(), '1');
  return static_cast<double>(failures) / static_cast<double>(recent.size());
}

bool isChipFailureReason(std::string_view reason) {
  return reason == "chip-not-detected" || reason == "chip-connect-failed" ||
         reason == "chip-personalisation-failed";
}

// ---- Names -----------------------------------------------------------------
// Each enum has one table; the name functions and their inverses read it.

namespace {

template <typename Enum, std::size_t N>
std::optional<Enum> fromName(const std::array<std::pair<Enum, std::string_view>, N>& table,
                             std::string_view name) {
  for (const auto& [value, text] : table) {
    if (text == name) return value;
  }
  return std::nullopt;
}

template <typename Enum, std::size_t N>
std::string_view toName(const std::array<std::pair<Enum, std::string_view>, N>& table, Enum value) {
  for (const auto& [v, text] : table) {
    if (v == value) return text;
  }
  return "unknown";
}

constexpr std::array<std::pair<MaintenanceAction, std::string_view>, 4> kMaintenanceNames{{
    {MaintenanceAction::Cleaning, "cleaning"},
    {MaintenanceAction::PrintheadReplaced, "printhead-replaced"},
    {MaintenanceAction::ReaderReplaced, "reader-replaced"},
    {MaintenanceAction::RibbonLoaded, "ribbon-loaded"},
}};

constexpr std::array<std::pair<AlertSeverity, std::string_view>, 3> kSeverityNames{{
    {AlertSeverity::Info, "info"},
    {AlertSeverity::Warning, "warning"},
    {AlertSeverity::Critical, "critical"},
}};

constexpr std::array<std::pair<AlertState, std::string_view>, 3> kStateNames{{
    {AlertState::Raised, "raised"},
    {AlertState::Acknowledged, "acknowledged"},
    {AlertState::Cleared, "cleared"},
}};

}  // namespace

std::string_view maintenanceActionName(MaintenanceAction action) {
  return toName(kMaintenanceNames, action);
}
std::optional<MaintenanceAction> maintenanceActionFromName(std::string_view name) {
  return fromName(kMaintenanceNames, name);
}

std::string_view alertSeverityName(AlertSeverity severity) {
  return toName(kSeverityNames, severity);
}
std::optional<AlertSeverity> alertSeverityFromName(std::string_view name) {
  return fromName(kSeverityNames, name);
}

std::string_view alertStateName(AlertState state) {
  return toName(kStateNames, state);
}
std::optional<AlertState> alertStateFromName(std::string_view name) {
  return fromName(kStateNames, name);
}

}  // namespace cardd::health
