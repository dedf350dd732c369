#pragma once
// The route table of API v1: the single list of what cardd serves. The
// OpenAPI document (docs/api/openapi.yaml) is checked against it by a test.

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "jobs/job.hpp"

namespace cardd::api {

enum class RouteId {
  Ping,
  Whoami,
  SubmitJob,
  ListJobs,
  GetJob,
  PreviewJob,
  PreviewRequest,
  CancelJob,
  HoldJob,
  ReleaseJob,
  ConfirmIssue,
  Events,
  ListAudit,
  VerifyAudit,
  GetInventory,
  ListLedger,
  ReceiveLot,
  LoadFeeder,
  UnloadFeeder,
  ListDestructions,
  RequestDestruction,
  WitnessDestruction,
  StockTake,
  ListPrinters,
  GetPrinter,
  PausePrinter,
  ResumePrinter,
  ListFaults,
  FaultSummary,
  GetHealth,
  GetPrinterHealth,
  GetSupply,
  RecordMaintenance,
  ListMaintenance,
  ListAlerts,
  AcknowledgeAlert,
};

struct RouteSpec {
  std::string_view method;   // "GET", "POST"
  std::string_view pattern;  // "/v1/jobs/{id}/cancel", "/v1/printers/{printer}/pause"
  RouteId id;
};

const std::vector<RouteSpec>& routeTable();

struct RouteMatch {
  // BadId: a numeric {id} segment is not a job id (nor an alert id). A {printer} segment that
  // is not a printer id is NotFound (no printer can have that name).
  enum class Kind { Found, NotFound, MethodNotAllowed, BadId };
  Kind kind = Kind::NotFound;
  RouteId id = RouteId::Ping;
  JobId job_id = 0;
  std::string printer;  // the {printer} segment, when the route has one
  std::string allow;    // for MethodNotAllowed: "GET, POST"
};

// `path` is the target without its query string.
RouteMatch matchRoute(std::string_view method, std::string_view path);

// Splits "a=1&b=x%20y" into decoded pairs; nullopt on bad percent-encoding.
std::optional<std::vector<std::pair<std::string, std::string>>> parseQuery(std::string_view query);

// A positive decimal job id without sign, leading zeros or overflow.
std::optional<JobId> parseJobId(std::string_view text);

// A printer id as cardd.yaml allows it: [A-Za-z0-9._-]{1,32}.
bool isPrinterId(std::string_view text);

}  // namespace cardd::api
