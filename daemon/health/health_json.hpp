#pragma once
// JSON views of the health records, shared by the API (api/health_handlers.cpp),
// the event stream and the alert hooks. Field names are snake_case as in the
// OpenAPI document (docs/api/openapi.yaml); times are RFC 3339 UTC strings,
// absent optionals are null. Never personal data (there is none in these
// records).

#include <boost/json/value.hpp>

#include "health/health_control.hpp"
#include "health/health_types.hpp"

namespace cardd::health {

boost::json::value alertToJson(const AlertRecord& alert);
boost::json::value maintenanceToJson(const MaintenanceRecord& record);
boost::json::value printerWearToJson(const PrinterWear& wear);
boost::json::value readerWearToJson(const ReaderWear& reader);  // with "recent_failure_rate"
boost::json::value wearForecastToJson(const WearForecast& forecast);
boost::json::value deviceHealthToJson(const DeviceHealthView& device);
boost::json::value supplyForecastToJson(const SupplyForecast& forecast);
boost::json::value supplyToJson(const SupplyView& supply);
boost::json::value faultSummaryToJson(const DeviceFaultSummary& summary);
// faultToJson is in fault_export.hpp (the export format).

}  // namespace cardd::health
