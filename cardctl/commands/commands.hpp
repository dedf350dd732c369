#pragma once
// cardctl's commands. Each returns the process exit code (cli/exit_codes.hpp)
// after printing its result on io.out and any failure on io.err.

#include <string>
#include <vector>

#include "cli/args.hpp"
#include "commands/session.hpp"

namespace cardd::cli {

// The whole program: parses `args` (argv without argv[0]; `env_socket` is
// $CARDD_SOCKET or nullptr) and runs the command.
int run(const std::vector<std::string>& args, const char* env_socket, Io io,
        Settings settings = {});
// Runs an already parsed invocation.
int runInvocation(const Invocation& invocation, Io io, Settings settings = {});

int runSubmit(Session& session);          // submit.cpp
int runJobs(Session& session);            // jobs.cpp
int runJob(Session& session);             // jobs.cpp
int runJobAction(Session& session);       // jobs.cpp: cancel, hold, release
int runEvents(Session& session);          // events.cpp
int runAuditVerify(Session& session);     // audit.cpp
int runPing(Session& session);            // ping.cpp
int runStock(Session& session);           // stock.cpp
int runPreview(Session& session);         // preview.cpp
int runPrinters(Session& session);        // printers.cpp
int runPrinter(Session& session);         // printers.cpp
int runPrinterAction(Session& session);   // printers.cpp: pause, resume
int runFaults(Session& session);          // health.cpp
int runHealth(Session& session);          // health.cpp
int runSupply(Session& session);          // health.cpp
int runMaintenance(Session& session);     // health.cpp
int runMaintenanceLog(Session& session);  // health.cpp
int runAlerts(Session& session);          // health.cpp
int runAck(Session& session);             // health.cpp

// The whole of FILE ("-": standard input), or nullopt after printing why it
// cannot be read (submit.cpp).
std::optional<std::string> readInputFile(Session& session, const std::string& file);

}  // namespace cardd::cli
