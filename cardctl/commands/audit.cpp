// cardctl audit verify: GET /v1/audit/verify.

#include <ostream>

#include "cli/exit_codes.hpp"
#include "commands/commands.hpp"

namespace cardd::cli {

int runAuditVerify(Session& session) {
  auto response = session.call("GET", "/v1/audit/verify");
  if (!response) return session.fail(response.error());
  if (response->status != 200) return session.failResponse(*response, {Command::AuditVerify, 0});
  auto verify = session.objectBody(*response);
  if (!verify) return toInt(ExitCode::Error);
  AuditReport report = formatAuditVerify(*verify);
  if (session.invocation().json) {
    session.printJson(response->body);
  } else {
    session.io().out << report.text << '\n';
  }
  return toInt(report.intact ? ExitCode::Ok : ExitCode::AuditBroken);
}

}  // namespace cardd::cli
