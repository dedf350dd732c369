#pragma once
// JSON representations of domain objects for the API (docs/api/openapi.yaml).
// Personal data never appears in these views.

#include <boost/json/object.hpp>

#include "jobs/job.hpp"
#include "store/audit_log.hpp"

namespace cardd::api {

boost::json::object jobToJson(const Job& job);
boost::json::object eventToJson(const JobEvent& event);
boost::json::object auditToJson(const AuditEntry& entry);

}  // namespace cardd::api
