// cardctl printers | printer ID | pause ID [--reason TEXT] | resume ID
// (GET /v1/printers..., POST /v1/printers/{printer}/pause|resume).

#include <boost/json.hpp>
#include <ostream>

#include "cli/exit_codes.hpp"
#include "commands/commands.hpp"

namespace cardd::cli {

namespace json = boost::json;

int runPrinters(Session& session) {
  auto response = session.call("GET", "/v1/printers");
  if (!response) return session.fail(response.error());
  if (response->status != 200) return session.failResponse(*response, {Command::Printers, 0});
  if (session.invocation().json) {
    session.printJson(response->body);
    return toInt(ExitCode::Ok);
  }
  auto body = session.objectBody(*response);
  if (!body) return toInt(ExitCode::Error);
  const json::value* printers = body->if_contains("printers");
  if (printers == nullptr || !printers->is_array()) {
    session.io().err << "cardctl: unexpected response from cardd: no \"printers\" list\n";
    return toInt(ExitCode::Error);
  }
  session.io().out << formatPrintersTable(printers->get_array());
  return toInt(ExitCode::Ok);
}

int runPrinter(Session& session) {
  const Invocation& inv = session.invocation();
  auto response = session.call("GET", "/v1/printers/" + inv.printer_id);
  if (!response) return session.fail(response.error());
  if (response->status != 200) {
    return session.failResponse(*response, {Command::Printer, 0, inv.printer_id});
  }
  if (inv.json) {
    session.printJson(response->body);
    return toInt(ExitCode::Ok);
  }
  auto printer = session.objectBody(*response);
  if (!printer) return toInt(ExitCode::Error);
  session.io().out << formatPrinterDetails(*printer);
  return toInt(ExitCode::Ok);
}

int runPrinterAction(Session& session) {
  const Invocation& inv = session.invocation();
  const bool pause = inv.command == Command::Pause;
  std::string body;
  if (pause && inv.reason) body = json::serialize(json::object{{"reason", *inv.reason}});
  auto response =
      session.call("POST", "/v1/printers/" + inv.printer_id + (pause ? "/pause" : "/resume"), body);
  if (!response) return session.fail(response.error());
  if (response->status != 200) {
    return session.failResponse(*response, {inv.command, 0, inv.printer_id});
  }
  if (inv.json) {
    session.printJson(response->body);
    return toInt(ExitCode::Ok);
  }
  auto printer = session.objectBody(*response);
  if (!printer) return toInt(ExitCode::Error);
  session.io().out << formatPrinterAction(inv.command, *printer) << '\n';
  return toInt(ExitCode::Ok);
}

}  // namespace cardd::cli
