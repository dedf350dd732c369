// cardctl ping: GET /v1/_ping.

#include <ostream>

#include "cli/exit_codes.hpp"
#include "commands/commands.hpp"

namespace cardd::cli {

int runPing(Session& session) {
  auto response = session.call("GET", "/v1/_ping");
  if (!response) return session.fail(response.error());
  if (response->status != 200) return session.failResponse(*response, {Command::Ping, 0});
  if (session.invocation().json) {
    session.printJson(response->body);
    return toInt(ExitCode::Ok);
  }
  auto ping = session.objectBody(*response);
  if (!ping) return toInt(ExitCode::Error);
  session.io().out << formatPing(*ping) << '\n';
  return toInt(ExitCode::Ok);
}

}  // namespace cardd::cli
