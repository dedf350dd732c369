#include "health/health_json.hpp"

#include <boost/json.hpp>

#include "core/clock.hpp"
#include "health/json_fields.hpp"

namespace cardd::health {
using namespace json_fields;

boost::json::value alertToJson(const AlertRecord& alert) {
  boost::json::object o;
  o["id"] = alert.id;
  o["rule"] = alert.rule;
  o["subject"] = alert.subject;
  o["severity"] = alertSeverityName(alert.severity);
  o["state"] = alertStateName(alert.state);
  o["message"] = alert.message;
  o["value"] = number(alert.value);
  o["threshold"] = number(alert.threshold);
  o["raised_at"] = formatTimestamp(alert.raised_at_ms);
  o["updated_at"] = formatTimestamp(alert.updated_at_ms);
  o["acknowledged_at"] = optionalTime(alert.acknowledged_at_ms);
  o["acknowledged_by"] = optionalText(alert.acknowledged_by);
  o["cleared_at"] = optionalTime(alert.cleared_at_ms);
  return o;
}

boost::json::value maintenanceToJson(const MaintenanceRecord& record) {
  boost::json::object o;
  o["id"] = record.id;
  o["at"] = formatTimestamp(record.at_ms);
  o["printer"] = record.printer;
  o["action"] = maintenanceActionName(record.action);
  o["actor"] = record.actor;
  o["note"] = record.note;
  return o;
}

boost::json::value printerWearToJson(const PrinterWear& wear) {
  boost::json::object o;
  o["printer"] = wear.printer;
  o["cards"] = wear.cards;
  o["panels"] = wear.panels;
  o["cards_since_cleaning"] = wear.cards_since_cleaning;
  o["cleanings"] = wear.cleanings;
  o["last_cleaning_at"] = optionalTime(wear.last_cleaning_ms);
  o["ribbon_changes"] = wear.ribbon_changes;
  o["cards_since_ribbon"] = wear.cards_since_ribbon;
  o["ribbon_loaded_at"] = optionalTime(wear.ribbon_loaded_ms);
  o["busy_ms"] = wear.busy_ms;
  o["hot_ms"] = wear.hot_ms;
  o["forced_pauses"] = wear.forced_pauses;
  o["rest_ms"] = wear.rest_ms;
  o["head_installed_at"] = knownTime(wear.head_installed_ms);
  o["head_passes"] = wear.head_passes;
  o["updated_at"] = knownTime(wear.updated_ms);
  return o;
}

boost::json::value readerWearToJson(const ReaderWear& reader) {
  boost::json::object o;
  o["printer"] = reader.printer;
  o["reader"] = reader.reader;
  o["installed_at"] = knownTime(reader.installed_ms);
  o["insertions"] = reader.insertions;
  o["chip_failures"] = reader.chip_failures;
  o["recent"] = reader.recent;
  o["recent_failure_rate"] = number(reader.recentFailureRate());
  return o;
}

boost::json::value wearForecastToJson(const WearForecast& forecast) {
  boost::json::object o;
  o["ribbon_cards_left"] = optionalCount(forecast.ribbon_cards_left);
  o["ribbon_days_left"] = optionalNumber(forecast.ribbon_days_left);
  o["cleaning_due_in_cards"] = optionalCount(forecast.cleaning_due_in_cards);
  o["cleaning_due_in_days"] = optionalNumber(forecast.cleaning_due_in_days);
  o["head_passes_left"] = optionalCount(forecast.head_passes_left);
  o["head_life_used"] = optionalNumber(forecast.head_life_used);
  o["head_days_left"] = optionalNumber(forecast.head_days_left);
  o["head_end_of_life_at"] = optionalTime(forecast.head_end_of_life_ms);
  return o;
}

// The view's fields flat, with its records as nested objects (wear, limits,
// reader, forecast).
boost::json::value deviceHealthToJson(const DeviceHealthView& device) {
  boost::json::object o;
  o["printer"] = device.printer;
  o["wear"] = printerWearToJson(device.wear);
  o["limits"] =
      boost::json::object{{"cleaning_interval_cards", device.limits.cleaning_interval_cards},
                          {"printhead_rated_passes", device.limits.printhead_rated_passes}};
  o["reader"] = device.reader ? readerWearToJson(*device.reader) : boost::json::value(nullptr);
  o["forecast"] = wearForecastToJson(device.forecast);
  o["cards_per_day"] = number(device.cards_per_day);
  o["printer_cards"] = optionalCount(device.printer_cards);
  o["printer_cards_since_cleaning"] = optionalCount(device.printer_cards_since_cleaning);
  o["printer_cleanings"] = optionalCount(device.printer_cleanings);
  o["ribbon_remaining"] = optionalCount(device.ribbon_remaining);
  o["ribbon_capacity"] = optionalCount(device.ribbon_capacity);
  o["duty_cards_per_hour"] = device.duty_cards_per_hour;
  o["cards_last_hour"] = device.cards_last_hour;
  o["resting"] = device.resting;
  return o;
}

boost::json::value supplyForecastToJson(const SupplyForecast& forecast) {
  boost::json::object o;
  o["on_hand"] = forecast.on_hand;
  o["cards_per_day"] = number(forecast.cards_per_day);
  o["days_of_supply"] = optionalNumber(forecast.days_of_supply);
  o["days_low"] = optionalNumber(forecast.days_low);
  o["days_high"] = optionalNumber(forecast.days_high);
  o["runs_out_at"] = optionalTime(forecast.runs_out_ms);
  o["confidence"] = confidenceName(forecast.confidence);
  o["window_days"] = forecast.window_days;
  o["active_days"] = forecast.active_days;
  o["consumed"] = forecast.consumed;
  return o;
}

boost::json::value supplyToJson(const SupplyView& supply) {
  boost::json::array lots;
  for (const auto& lot : supply.lots) {
    lots.push_back(
        boost::json::object{{"lot", lot.lot},
                            {"on_hand", lot.on_hand},
                            {"days_until_empty", optionalNumber(lot.days_until_empty)},
                            {"days_until_first_use", optionalNumber(lot.days_until_first_use)}});
  }
  boost::json::object o;
  o["station"] = supplyForecastToJson(supply.station);
  o["lots"] = std::move(lots);
  o["lead_time_days"] = supply.lead_time_days;
  return o;
}

// top_reasons as [{"reason","count"}], most frequent first (the summary's order).
boost::json::value faultSummaryToJson(const DeviceFaultSummary& summary) {
  boost::json::array reasons;
  for (const auto& [reason, count] : summary.top_reasons)
    reasons.push_back(boost::json::object{{"reason", reason}, {"count", count}});
  boost::json::object o;
  o["device"] = summary.device;
  o["device_kind"] = summary.device_kind;
  o["faults"] = summary.faults;
  o["error_faults"] = summary.error_faults;
  o["active"] = summary.active;
  o["mtbf_hours"] = optionalNumber(summary.mtbf_hours);
  o["downtime_ms"] = summary.downtime_ms;
  o["top_reasons"] = std::move(reasons);
  return o;
}

}  // namespace cardd::health
