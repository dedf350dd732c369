#include <ostream>

#include "cli/exit_codes.hpp"
#include "cli/usage.hpp"
#include "commands/commands.hpp"

namespace cardd::cli {

int runInvocation(const Invocation& invocation, Io io, Settings settings) {
  Session session(invocation, io, std::move(settings));
  switch (invocation.command) {
    case Command::Help:
      io.out << usageText();
      return toInt(ExitCode::Ok);
    case Command::Version:
      io.out << versionText();
      return toInt(ExitCode::Ok);
    case Command::Submit:
      return runSubmit(session);
    case Command::Jobs:
      return runJobs(session);
    case Command::Job:
      return runJob(session);
    case Command::Cancel:
    case Command::Hold:
    case Command::Release:
    case Command::ConfirmIssued:
      return runJobAction(session);
    case Command::Events:
      return runEvents(session);
    case Command::AuditVerify:
      return runAuditVerify(session);
    case Command::Ping:
      return runPing(session);
    case Command::Stock:
      return runStock(session);
    case Command::Preview:
      return runPreview(session);
    case Command::Printers:
      return runPrinters(session);
    case Command::Printer:
      return runPrinter(session);
    case Command::Pause:
    case Command::Resume:
      return runPrinterAction(session);
    case Command::Faults:
      return runFaults(session);
    case Command::Health:
      return runHealth(session);
    case Command::Supply:
      return runSupply(session);
    case Command::Maintenance:
      return runMaintenance(session);
    case Command::MaintenanceLog:
      return runMaintenanceLog(session);
    case Command::Alerts:
      return runAlerts(session);
    case Command::Ack:
      return runAck(session);
  }
  return toInt(ExitCode::Error);
}

int run(const std::vector<std::string>& args, const char* env_socket, Io io, Settings settings) {
  auto invocation = parseArgs(args, env_socket);
  if (!invocation) {
    io.err << "cardctl: " << invocation.error().message << '\n';
    return toInt(ExitCode::Usage);
  }
  return runInvocation(*invocation, io, std::move(settings));
}

}  // namespace cardd::cli
