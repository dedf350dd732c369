#include "cli/args.hpp"

#include <algorithm>
#include <charconv>

namespace cardd::cli {

namespace {

Error usage(std::string message) {
  return Error(ErrorCode::InvalidArgument, std::move(message));
}

std::optional<std::uint64_t> parseUnsigned(std::string_view text) {
  std::uint64_t v = 0;
  if (text.empty()) return std::nullopt;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || ptr != text.data() + text.size()) return std::nullopt;
  return v;
}

struct CommandSpec {
  std::string_view word;
  Command command;
  int positionals;  // required positional arguments after the command word
};

constexpr CommandSpec kCommands[] = {
    {"submit", Command::Submit, 1},
    {"jobs", Command::Jobs, 0},
    {"job", Command::Job, 1},
    {"cancel", Command::Cancel, 1},
    {"hold", Command::Hold, 1},
    {"release", Command::Release, 1},
    {"events", Command::Events, 0},
    {"audit", Command::AuditVerify, 1},
    {"ping", Command::Ping, 0},
    {"help", Command::Help, 0},
    {"version", Command::Version, 0},
    {"stock", Command::Stock, -1},
    {"preview", Command::Preview, -1},
    {"printers", Command::Printers, 0},
    {"printer", Command::Printer, 1},
    {"pause", Command::Pause, 1},
    {"resume", Command::Resume, 1},
    {"confirm-issued", Command::ConfirmIssued, 1},
    {"faults", Command::Faults, 0},
    {"health", Command::Health, -1},
    {"supply", Command::Supply, 0},
    {"maintenance", Command::Maintenance, 2},
    {"maintenance-log", Command::MaintenanceLog, -1},
    {"alerts", Command::Alerts, 0},
    {"ack", Command::Ack, 1},
};

// Options of one command, with whether they take a value.
struct OptionSpec {
  std::string_view name;
  bool takes_value;
  Command command;  // the command it belongs to
};

constexpr OptionSpec kCommandOptions[] = {
    {"--state", true, Command::Jobs},        {"--all", false, Command::Jobs},
    {"--limit", true, Command::Jobs},        {"--follow", false, Command::Events},
    {"-f", false, Command::Events},          {"--since", true, Command::Events},
    {"--supplier", true, Command::Stock},    {"--quantity", true, Command::Stock},
    {"--serials", true, Command::Stock},     {"--lot", true, Command::Stock},
    {"--note", true, Command::Stock},        {"--reason", true, Command::Stock},
    {"--side", true, Command::Preview},      {"-o", true, Command::Preview},
    {"--output", true, Command::Preview},    {"--force", false, Command::Preview},
    {"--file", true, Command::Preview},      {"--template", true, Command::Preview},
    {"--reason", true, Command::Pause},      {"--yes", false, Command::ConfirmIssued},
    {"--no", false, Command::ConfirmIssued}, {"--printer", true, Command::Faults},
    {"--since", true, Command::Faults},      {"--reason", true, Command::Faults},
    {"--active", false, Command::Faults},    {"--format", true, Command::Faults},
    {"--summary", false, Command::Faults},   {"--note", true, Command::Maintenance},
    {"--all", false, Command::Alerts},
};

constexpr std::string_view kMaintenanceActions[] = {"cleaning", "printhead-replaced",
                                                    "reader-replaced", "ribbon-loaded"};

// Printer ids as cardd.yaml allows them; anything else cannot name a printer.
bool isPrinterId(std::string_view text) {
  if (text.empty() || text.size() > 32) return false;
  return std::all_of(text.begin(), text.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == '-';
  });
}

bool allDigits(std::string_view text) {
  return !text.empty() &&
         std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// faults --since: a span back from now ("7d", "12h", "30m"), a date
// ("2026-11-01") or an RFC 3339 time; cardd checks the details.
bool isSinceText(std::string_view text) {
  if (text.size() >= 2 && (text.back() == 'd' || text.back() == 'h' || text.back() == 'm'))
    return allDigits(text.substr(0, text.size() - 1));
  return text.size() >= 10 && allDigits(text.substr(0, 4)) && text[4] == '-' &&
         allDigits(text.substr(5, 2)) && text[7] == '-' && allDigits(text.substr(8, 2)) &&
         (text.size() == 10 || text[10] == 'T' || text[10] == 't');
}

struct RawOption {
  std::string name;
  std::string value;
};

}  // namespace

const std::vector<std::string>& jobStates() {
  static const std::vector<std::string> kStates{
      "pending",   "pending-held", "processing", "processing-stopped",
      "completed", "canceled",     "aborted"};
  return kStates;
}

std::string resolveSocketPath(const std::optional<std::string>& flag, const char* env_socket) {
  if (flag) return *flag;
  if (env_socket != nullptr && *env_socket != '\0') return env_socket;
  return std::string(kDefaultSocket);
}

std::string_view commandName(Command command) {
  if (command == Command::AuditVerify) return "audit verify";
  for (const auto& spec : kCommands) {
    if (spec.command == command) return spec.word;
  }
  return "?";
}

Result<Invocation> parseArgs(const std::vector<std::string>& args, const char* env_socket) {
  Invocation inv;
  std::optional<std::string> socket_flag;
  std::vector<std::string> positionals;
  std::vector<RawOption> command_options;
  bool help = false;
  bool version = false;
  std::optional<Error> first_error;
  auto fail = [&](std::string message) {
    if (!first_error) first_error = usage(std::move(message));
  };

  // Pass 1: split options from positionals; handle global options.
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg == "--") {
      positionals.insert(positionals.end(), args.begin() + static_cast<std::ptrdiff_t>(i) + 1,
                         args.end());
      break;
    }
    if (arg.size() < 2 || arg[0] != '-') {  // includes "-" (stdin)
      positionals.push_back(arg);
      continue;
    }
    std::string name = arg;
    std::optional<std::string> inline_value;
    if (auto eq = arg.find('='); arg.rfind("--", 0) == 0 && eq != std::string::npos) {
      name = arg.substr(0, eq);
      inline_value = arg.substr(eq + 1);
    }
    auto takeValue = [&]() -> std::optional<std::string> {
      if (inline_value) return inline_value;
      if (i + 1 < args.size()) return args[++i];
      fail(name + " needs a value");
      return std::nullopt;
    };
    if (name == "--help" || name == "-h") {
      help = true;
    } else if (name == "--version" || name == "-V") {
      version = true;
    } else if (name == "--json") {
      if (inline_value) fail("--json takes no value");
      inv.json = true;
    } else if (name == "--socket") {
      if (auto v = takeValue()) {
        if (v->empty()) fail("--socket needs a non-empty path");
        socket_flag = *v;
      }
    } else {
      auto spec = std::find_if(std::begin(kCommandOptions), std::end(kCommandOptions),
                               [&](const OptionSpec& s) { return s.name == name; });
      if (spec == std::end(kCommandOptions)) {
        fail("unknown option " + name);
        continue;
      }
      RawOption opt{name, {}};
      if (spec->takes_value) {
        if (auto v = takeValue())
          opt.value = *v;
        else
          continue;
      } else if (inline_value) {
        fail(name + " takes no value");
        continue;
      }
      command_options.push_back(std::move(opt));
    }
  }
  inv.socket_path = resolveSocketPath(socket_flag, env_socket);
  if (help) {
    inv.command = Command::Help;
    return inv;
  }
  if (version) {
    inv.command = Command::Version;
    return inv;
  }
  if (first_error) return std::move(*first_error);

  // Pass 2: the command and its positionals.
  if (positionals.empty()) return usage("no command given (try 'cardctl --help')");
  const std::string& word = positionals.front();
  auto spec = std::find_if(std::begin(kCommands), std::end(kCommands),
                           [&](const CommandSpec& s) { return s.word == word; });
  if (spec == std::end(kCommands)) {
    return usage("unknown command '" + word + "' (try 'cardctl --help')");
  }
  inv.command = spec->command;
  std::vector<std::string> rest(positionals.begin() + 1, positionals.end());
  if (inv.command == Command::Stock) {
    // stock [SUBCOMMAND [ARGS...]]: each subcommand's arity.
    static constexpr std::pair<std::string_view, int> kStockActions[] = {
        {"show", 0},    {"receive", 1}, {"load", 1},   {"unload", 1}, {"destroy", 1},
        {"witness", 1}, {"pending", 0}, {"count", -1}, {"ledger", 0}};
    if (!rest.empty()) {
      inv.stock_action = rest[0];
      rest.erase(rest.begin());
    }
    auto action = std::find_if(std::begin(kStockActions), std::end(kStockActions),
                               [&](const auto& a) { return a.first == inv.stock_action; });
    if (action == std::end(kStockActions)) {
      return usage(
          "unknown stock subcommand '" + inv.stock_action +
          "' (try: show, receive, load, unload, destroy, witness, pending, count, ledger)");
    }
    if (action->second >= 0 && rest.size() != static_cast<std::size_t>(action->second)) {
      static const char* kNeeds[] = {"",          "a LOT", "a PRINTER",
                                     "a PRINTER", "a LOT", "a destruction ID"};
      const auto index = static_cast<std::size_t>(action - std::begin(kStockActions));
      if (rest.size() < static_cast<std::size_t>(action->second))
        return usage("stock " + inv.stock_action + " needs " + kNeeds[index]);
      return usage("unexpected argument '" + rest[static_cast<std::size_t>(action->second)] +
                   "' for stock " + inv.stock_action);
    }
    if (action->second < 0 && rest.empty())
      return usage("stock count needs at least one LOT:LOCATION[:PRINTER]=N");
    inv.stock_args = rest;
    rest.clear();
  }
  if (inv.command == Command::Preview) {
    // preview ID | preview --file JOB.json: the job ID is optional here and
    // checked against --file below.
    if (rest.size() > 1) return usage("unexpected argument '" + rest[1] + "' for preview");
    if (!rest.empty()) {
      auto id = parseUnsigned(rest[0]);
      if (!id || *id == 0) return usage("invalid job ID '" + rest[0] + "' (a positive number)");
      inv.job_id = *id;
      rest.clear();
    }
  }
  if (inv.command == Command::Health || inv.command == Command::MaintenanceLog) {
    // health [PRINTER], maintenance-log [PRINTER]
    if (rest.size() > 1)
      return usage("unexpected argument '" + rest[1] + "' for " + std::string(word));
    if (!rest.empty()) {
      if (!isPrinterId(rest[0])) {
        return usage("invalid printer ID '" + rest[0] +
                     "' (1 to 32 letters, digits, '.', '_' or '-')");
      }
      inv.printer_id = rest[0];
      rest.clear();
    }
  }
  const auto expected = static_cast<std::size_t>(std::max(spec->positionals, 0));
  if (rest.size() < expected) {
    switch (inv.command) {
      case Command::Submit:
        return usage("submit needs a FILE (a job request in JSON, - for stdin)");
      case Command::AuditVerify:
        return usage("audit needs a subcommand: verify");
      case Command::Printer:
      case Command::Pause:
      case Command::Resume:
        return usage(std::string(word) + " needs a printer ID");
      case Command::Maintenance:
        return usage(
            "maintenance needs a printer ID and an action (cleaning, printhead-replaced, "
            "reader-replaced or ribbon-loaded)");
      case Command::Ack:
        return usage("ack needs an alert ID");
      default:
        return usage(std::string(word) + " needs a job ID");
    }
  }
  if (rest.size() > expected) {
    return usage("unexpected argument '" + rest[expected] + "' for " + std::string(word));
  }
  switch (inv.command) {
    case Command::Submit:
      inv.file = rest[0];
      break;
    case Command::Job:
    case Command::Cancel:
    case Command::Hold:
    case Command::Release:
    case Command::ConfirmIssued: {
      auto id = parseUnsigned(rest[0]);
      if (!id || *id == 0) return usage("invalid job ID '" + rest[0] + "' (a positive number)");
      inv.job_id = *id;
      break;
    }
    case Command::Printer:
    case Command::Pause:
    case Command::Resume:
      if (!isPrinterId(rest[0])) {
        return usage("invalid printer ID '" + rest[0] +
                     "' (1 to 32 letters, digits, '.', '_' or '-')");
      }
      inv.printer_id = rest[0];
      break;
    case Command::Maintenance: {
      if (!isPrinterId(rest[0])) {
        return usage("invalid printer ID '" + rest[0] +
                     "' (1 to 32 letters, digits, '.', '_' or '-')");
      }
      inv.printer_id = rest[0];
      if (std::find(std::begin(kMaintenanceActions), std::end(kMaintenanceActions), rest[1]) ==
          std::end(kMaintenanceActions)) {
        return usage("unknown maintenance action '" + rest[1] +
                     "' (one of: cleaning, printhead-replaced, reader-replaced, ribbon-loaded)");
      }
      inv.maintenance_action = rest[1];
      break;
    }
    case Command::Ack: {
      auto id = parseUnsigned(rest[0]);
      if (!id || *id == 0) return usage("invalid alert ID '" + rest[0] + "' (a positive number)");
      inv.alert_id = *id;
      break;
    }
    case Command::AuditVerify:
      if (rest[0] != "verify")
        return usage("unknown audit subcommand '" + rest[0] + "' (try: verify)");
      break;
    default:
      break;
  }

  // Pass 3: command options.
  for (const auto& opt : command_options) {
    // An option may belong to several commands (--reason: stock count, pause).
    auto ospec = std::find_if(
        std::begin(kCommandOptions), std::end(kCommandOptions),
        [&](const OptionSpec& s) { return s.name == opt.name && s.command == inv.command; });
    if (ospec == std::end(kCommandOptions)) {
      return usage(opt.name + " is not an option of '" + std::string(commandName(inv.command)) +
                   "'");
    }
    if (opt.name == "--state") {
      std::string_view list = opt.value;
      if (list.empty()) return usage("--state needs a state name");
      while (!list.empty()) {
        auto comma = list.find(',');
        std::string state(list.substr(0, comma));
        list = comma == std::string_view::npos ? std::string_view() : list.substr(comma + 1);
        const auto& known = jobStates();
        if (std::find(known.begin(), known.end(), state) == known.end()) {
          std::string names;
          for (const auto& k : known) names.append(names.empty() ? "" : ", ").append(k);
          return usage("unknown job state '" + state + "' (one of: " + names + ")");
        }
        if (std::find(inv.states.begin(), inv.states.end(), state) == inv.states.end()) {
          inv.states.push_back(state);
        }
        if (comma != std::string_view::npos && list.empty()) {
          return usage("--state list ends with a comma");
        }
      }
    } else if (opt.name == "--all") {
      inv.all = true;
    } else if (opt.name == "--limit") {
      auto n = parseUnsigned(opt.value);
      if (!n || *n < 1 || *n > 500) return usage("--limit must be a number from 1 to 500");
      inv.limit = static_cast<int>(*n);
    } else if (opt.name == "--follow" || opt.name == "-f") {
      inv.follow = true;
    } else if (opt.name == "--quantity") {
      auto n = parseUnsigned(opt.value);
      if (!n || *n < 1 || *n > 1'000'000)
        return usage("--quantity must be a number from 1 to 1000000");
      inv.quantity = static_cast<std::int64_t>(*n);
    } else if (opt.name == "--supplier") {
      inv.supplier = opt.value;
    } else if (opt.name == "--serials") {
      if (opt.value.find("..") == std::string::npos)
        return usage("--serials takes FIRST..LAST, e.g. BLK000001..BLK000500");
      inv.serials = opt.value;
    } else if (opt.name == "--lot") {
      inv.lot = opt.value;
    } else if (opt.name == "--note") {
      if (inv.command == Command::Maintenance && opt.value.size() > 500)
        return usage("--note must be at most 500 characters");
      inv.note = opt.value;
    } else if (opt.name == "--reason") {
      if (inv.command == Command::Pause && opt.value.size() > 200)
        return usage("--reason must be at most 200 characters");
      if (inv.command == Command::Faults && opt.value.empty())
        return usage("--reason needs a fault reason, e.g. media-jam");
      inv.reason = opt.value;
    } else if (opt.name == "--yes" || opt.name == "--no") {
      const bool yes = opt.name == "--yes";
      if (inv.issued && *inv.issued != yes) return usage("give either --yes or --no, not both");
      inv.issued = yes;
    } else if (opt.name == "--side") {
      if (opt.value != "front" && opt.value != "back") return usage("--side must be front or back");
      inv.side = opt.value;
    } else if (opt.name == "-o" || opt.name == "--output") {
      if (opt.value.empty()) return usage(opt.name + " needs a file name (- for standard output)");
      inv.output = opt.value;
    } else if (opt.name == "--force") {
      inv.force = true;
    } else if (opt.name == "--file") {
      if (opt.value.empty()) return usage("--file needs a path (- for standard input)");
      inv.file = opt.value;
    } else if (opt.name == "--template") {
      if (opt.value.empty()) return usage("--template needs a template id");
      inv.template_id = opt.value;
    } else if (opt.name == "--since" && inv.command == Command::Faults) {
      if (!isSinceText(opt.value)) {
        return usage(
            "--since must be a span back from now (7d, 12h, 30m), a date (2026-11-01) "
            "or an RFC 3339 time");
      }
      inv.since_text = opt.value;
    } else if (opt.name == "--printer") {
      if (!isPrinterId(opt.value)) {
        return usage("invalid printer ID '" + opt.value +
                     "' (1 to 32 letters, digits, '.', '_' or '-')");
      }
      inv.printer_id = opt.value;
    } else if (opt.name == "--active") {
      inv.active = true;
    } else if (opt.name == "--format") {
      if (opt.value != "csv" && opt.value != "json") return usage("--format must be csv or json");
      inv.format = opt.value;
    } else if (opt.name == "--summary") {
      inv.summary = true;
    } else if (opt.name == "--since") {
      auto n = parseUnsigned(opt.value);
      if (!n) return usage("--since must be an event number (0 or more)");
      inv.since = *n;
    }
  }
  if (inv.command == Command::Preview) {
    if (inv.job_id == 0 && inv.file.empty())
      return usage("preview needs a job ID, or --file JOB.json for a job not submitted");
    if (inv.job_id != 0 && !inv.file.empty())
      return usage("preview takes a job ID or --file, not both");
    if (inv.template_id && inv.file.empty())
      return usage("--template goes with --file (a submitted job keeps its template)");
  }
  if (inv.command == Command::Faults && inv.summary &&
      (inv.format || inv.since_text || inv.reason || inv.active || !inv.printer_id.empty())) {
    return usage("--summary takes no filters: it covers every device over the last 30 days");
  }
  if (inv.command == Command::Faults && inv.format && inv.json)
    return usage("give either --format or --json, not both");
  if (inv.command == Command::ConfirmIssued && !inv.issued) {
    return usage(
        "confirm-issued needs --yes (the card is in the output hopper) or --no (it is not)");
  }
  return inv;
}

}  // namespace cardd::cli
