#pragma once
// Command-line parsing for cardctl. Pure: no I/O, no environment access (the
// caller passes CARDD_SOCKET in).
//
// Grammar: cardctl [GLOBAL...] COMMAND [ARGS...] [OPTIONS...]
// Global options may appear anywhere; "--opt=value" and "--opt value" are both
// accepted; "--" ends option parsing. See usageText() for the commands.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"

namespace cardd::cli {

inline constexpr std::string_view kDefaultSocket = "/run/cardd/api.sock";

enum class Command {
  Help,
  Version,
  Submit,
  Jobs,
  Job,
  Cancel,
  Hold,
  Release,
  Events,
  AuditVerify,
  Ping,
  Stock,
  Preview,
  Printers,
  Printer,
  Pause,
  Resume,
  ConfirmIssued,
  Faults,
  Health,
  Supply,
  Maintenance,
  MaintenanceLog,
  Alerts,
  Ack
};

struct Invocation {
  Command command = Command::Help;
  std::string socket_path;  // resolved: --socket, else $CARDD_SOCKET, else kDefaultSocket
  bool json = false;        // --json: print the API's JSON instead of tables

  std::string file;                 // submit, preview --file: path, "-" for stdin
  std::uint64_t job_id = 0;         // job, cancel, hold, release, preview, confirm-issued
  std::optional<bool> issued;       // confirm-issued --yes (true) | --no (false)
  std::vector<std::string> states;  // jobs --state (validated job state names)
  bool all = false;                 // jobs --all: follow next_after until the end; alerts --all
  std::optional<int> limit;         // jobs --limit 1..500 (page size)
  bool follow = false;              // events --follow
  std::uint64_t since = 0;          // events --since

  // stock: the subcommand ("show" when none) and its words and options.
  std::string stock_action =
      "show";  // show receive load unload destroy witness pending count ledger
  std::vector<std::string> stock_args;   // positionals after the subcommand
  std::optional<std::string> supplier;   // receive
  std::optional<std::int64_t> quantity;  // receive, load, unload, destroy
  std::optional<std::string> serials;    // receive, load: FIRST..LAST
  std::optional<std::string> lot;        // load
  std::optional<std::string> note;       // receive, destroy; maintenance
  std::optional<std::string> reason;     // count; pause; faults (a fault reason keyword)

  // printer, pause, resume, maintenance; health, maintenance-log (optional);
  // faults --printer. Validated: [A-Za-z0-9._-]{1,32}.
  std::string printer_id;

  // Device health.
  std::optional<std::string> since_text;  // faults --since: 7d, 12h, 30m, 2026-11-01, RFC 3339
  bool active = false;                    // faults --active
  std::optional<std::string> format;      // faults --format csv|json: the raw export
  bool summary = false;                   // faults --summary: per-device MTBF and top reasons
  std::string maintenance_action;  // maintenance: cleaning, printhead-replaced, reader-replaced,
                                   // ribbon-loaded
  std::uint64_t alert_id = 0;      // ack

  // preview: ID, or --file (a job request not submitted) with --template.
  std::string side = "front";              // --side front|back
  std::optional<std::string> output;       // -o FILE, "-" for stdout
  bool force = false;                      // --force: overwrite FILE
  std::optional<std::string> template_id;  // --template (with --file)
};

// The job states of the API (IPP names), in lifecycle order.
const std::vector<std::string>& jobStates();

// `args` excludes argv[0]; `env_socket` is $CARDD_SOCKET or nullptr.
// Errors: ErrorCode::InvalidArgument with a one-line message (a usage error:
// cardctl prints "cardctl: MESSAGE" and exits 2). --help and --version win
// over any other error.
Result<Invocation> parseArgs(const std::vector<std::string>& args, const char* env_socket);

// --socket value if given, else a non-empty $CARDD_SOCKET, else kDefaultSocket.
std::string resolveSocketPath(const std::optional<std::string>& flag, const char* env_socket);

// "submit", "audit verify", ... (for messages).
std::string_view commandName(Command command);

}  // namespace cardd::cli
