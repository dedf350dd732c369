#pragma once
// JSON representations of domain objects for the API (docs/api/openapi.yaml).
// Personal data never appears in these views.

#include <boost/json/object.hpp>

#include "jobs/job.hpp"
#include "station/station_control.hpp"
#include "store/attempt_store.hpp"
#include "store/audit_log.hpp"

namespace cardd::api {

boost::json::object jobToJson(const Job& job);
boost::json::object eventToJson(const JobEvent& event);
boost::json::object auditToJson(const AuditEntry& entry);
// One card attempt of a job (GET /v1/jobs/{id} "attempts").
boost::json::object attemptToJson(const CardAttempt& attempt);
// A printer of the station (GET /v1/printers).
boost::json::object printerToJson(const station::PrinterView& printer);

}  // namespace cardd::api
