#include "cli/usage.hpp"

#include "core/version.hpp"

namespace cardd::cli {

std::string usageText() {
  return R"(usage: cardctl [--socket PATH] [--json] COMMAND [ARGS]

Talks to cardd, the card issuance daemon, over its API socket.

commands:
  submit FILE.json          queue a card job (FILE - reads standard input)
  jobs [--state S[,S...]] [--all] [--limit N]
                            list jobs (ID STATE PRIORITY TEMPLATE OWNER CREATED REASONS);
                            --all fetches every page, --limit sets the page size (1-500)
  job ID                    show one job and its history
  cancel ID                 cancel a job
  hold ID                   hold a pending job
  release ID                release a held job
  events [--follow] [--since N]
                            print job events after event N (default 0: all); with
                            --follow keep printing new events until interrupted,
                            reconnecting if the connection drops
  audit verify              check the audit log's hash chain
  ping                      show the daemon's version

job states: pending, pending-held, processing, processing-stopped, completed,
            canceled, aborted

options:
  --socket PATH             API socket (default: $CARDD_SOCKET, else /run/cardd/api.sock)
  --json                    print the API's JSON instead of tables
  -h, --help                show this help
  -V, --version             show cardctl's version

exit status:
  0  success
  1  other error
  2  usage error
  3  cardd not reachable (not running, not answering, or unavailable)
  4  permission denied (on the socket, or the role may not do this)
  5  not found
  6  request rejected (invalid job, bad input)
  7  conflict (the job's state does not allow this)
  8  audit chain broken
)";
}

std::string versionText() {
  return std::string("cardctl ") + kVersion + "\n";
}

}  // namespace cardd::cli
