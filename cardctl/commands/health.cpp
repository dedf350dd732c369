// cardctl faults | health [P] | supply | maintenance P ACTION [--note T] |
// maintenance-log [P] | alerts [--all] | ack ID (GET /v1/faults...,
// /v1/health..., /v1/maintenance, /v1/alerts; POST
// /v1/printers/{printer}/maintenance, /v1/alerts/{id}/acknowledge).

#include <boost/json.hpp>
#include <ostream>

#include "cli/exit_codes.hpp"
#include "cli/health_format.hpp"
#include "commands/commands.hpp"

namespace cardd::cli {

namespace json = boost::json;

namespace {

// GET `target`; on success prints the JSON (--json) or `format(body)`.
template <typename Format>
int getAndPrint(Session& session, const std::string& target, const ProblemContext& context,
                Format format) {
  auto response = session.call("GET", target);
  if (!response) return session.fail(response.error());
  if (response->status != 200) return session.failResponse(*response, context);
  if (session.invocation().json) {
    session.printJson(response->body);
    return toInt(ExitCode::Ok);
  }
  auto body = session.objectBody(*response);
  if (!body) return toInt(ExitCode::Error);
  return format(*body);
}

// body[key] as an array, or a message and nullptr.
const json::array* listMember(Session& session, const json::object& body, std::string_view key) {
  const json::value* v = body.if_contains(key);
  if (v == nullptr || !v->is_array()) {
    session.io().err << "cardctl: unexpected response from cardd: no \"" << key << "\" list\n";
    return nullptr;
  }
  return &v->get_array();
}

}  // namespace

int runFaults(Session& session) {
  const Invocation& inv = session.invocation();
  if (inv.summary) {
    return getAndPrint(session, "/v1/faults/summary", {Command::Faults, 0},
                       [&](const json::object& body) {
                         session.io().out << formatFaultSummary(body);
                         return toInt(ExitCode::Ok);
                       });
  }
  std::string query;
  auto add = [&](std::string_view key, const std::string& value) {
    query += (query.empty() ? "?" : "&") + std::string(key) + "=" + queryEscape(value);
  };
  if (!inv.printer_id.empty()) add("printer", inv.printer_id);
  if (inv.since_text) add("since", *inv.since_text);
  if (inv.reason) add("reason", *inv.reason);
  if (inv.active) add("active", "true");
  if (inv.format == "csv") add("format", "csv");
  auto response = session.call("GET", "/v1/faults" + query);
  if (!response) return session.fail(response.error());
  if (response->status != 200) return session.failResponse(*response, {Command::Faults, 0});
  if (inv.format == "csv") {
    // The export as cardd made it (CRLF lines, header row).
    session.io().out << response->body;
    return toInt(ExitCode::Ok);
  }
  if (inv.json) {
    session.printJson(response->body);
    return toInt(ExitCode::Ok);
  }
  auto body = session.objectBody(*response);
  if (!body) return toInt(ExitCode::Error);
  const json::array* faults = listMember(session, *body, "faults");
  if (faults == nullptr) return toInt(ExitCode::Error);
  if (inv.format == "json") {
    // The JSON export: the array of faults alone.
    session.io().out << json::serialize(*faults) << '\n';
    return toInt(ExitCode::Ok);
  }
  session.io().out << formatFaultsTable(*faults);
  return toInt(ExitCode::Ok);
}

int runHealth(Session& session) {
  const Invocation& inv = session.invocation();
  if (!inv.printer_id.empty()) {
    return getAndPrint(session, "/v1/health/printers/" + inv.printer_id,
                       {Command::Health, 0, inv.printer_id}, [&](const json::object& body) {
                         session.io().out << formatDeviceHealth(body);
                         return toInt(ExitCode::Ok);
                       });
  }
  return getAndPrint(session, "/v1/health", {Command::Health, 0}, [&](const json::object& body) {
    session.io().out << formatHealth(body);
    return toInt(ExitCode::Ok);
  });
}

int runSupply(Session& session) {
  return getAndPrint(session, "/v1/health/supply", {Command::Supply, 0},
                     [&](const json::object& body) {
                       session.io().out << formatSupply(body);
                       return toInt(ExitCode::Ok);
                     });
}

int runMaintenance(Session& session) {
  const Invocation& inv = session.invocation();
  json::object request{{"action", inv.maintenance_action}};
  if (inv.note) request["note"] = *inv.note;
  auto response = session.call("POST", "/v1/printers/" + inv.printer_id + "/maintenance",
                               json::serialize(request));
  if (!response) return session.fail(response.error());
  if (response->status != 201 && response->status != 200) {
    return session.failResponse(*response, {Command::Maintenance, 0, inv.printer_id});
  }
  if (inv.json) {
    session.printJson(response->body);
    return toInt(ExitCode::Ok);
  }
  auto record = session.objectBody(*response);
  if (!record) return toInt(ExitCode::Error);
  session.io().out << formatMaintenanceRecorded(*record) << '\n';
  return toInt(ExitCode::Ok);
}

int runMaintenanceLog(Session& session) {
  const Invocation& inv = session.invocation();
  const std::string target =
      "/v1/maintenance" + (inv.printer_id.empty() ? "" : "?printer=" + inv.printer_id);
  return getAndPrint(session, target, {Command::MaintenanceLog, 0}, [&](const json::object& body) {
    const json::array* records = listMember(session, body, "maintenance");
    if (records == nullptr) return toInt(ExitCode::Error);
    session.io().out << formatMaintenanceTable(*records);
    return toInt(ExitCode::Ok);
  });
}

int runAlerts(Session& session) {
  const Invocation& inv = session.invocation();
  return getAndPrint(session, inv.all ? "/v1/alerts?all=true" : "/v1/alerts", {Command::Alerts, 0},
                     [&](const json::object& body) {
                       const json::array* alerts = listMember(session, body, "alerts");
                       if (alerts == nullptr) return toInt(ExitCode::Error);
                       session.io().out << formatAlertsTable(*alerts, inv.all);
                       return toInt(ExitCode::Ok);
                     });
}

int runAck(Session& session) {
  const Invocation& inv = session.invocation();
  auto response =
      session.call("POST", "/v1/alerts/" + std::to_string(inv.alert_id) + "/acknowledge");
  if (!response) return session.fail(response.error());
  if (response->status != 200) return session.failResponse(*response, {Command::Ack, 0});
  if (inv.json) {
    session.printJson(response->body);
    return toInt(ExitCode::Ok);
  }
  auto alert = session.objectBody(*response);
  if (!alert) return toInt(ExitCode::Error);
  session.io().out << formatAcknowledged(*alert) << '\n';
  return toInt(ExitCode::Ok);
}

}  // namespace cardd::cli
