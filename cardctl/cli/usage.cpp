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
  job ID                    show one job: chip serial, card attempts and history
  cancel ID                 cancel a job
  hold ID                   hold a pending job
  release ID                release a held job
  confirm-issued ID --yes|--no
                            after an interrupted eject: the card is (--yes) or is
                            not (--no) in the output hopper
  events [--follow] [--since N]
                            print job events after event N (default 0: all); with
                            --follow keep printing new events until interrupted,
                            reconnecting if the connection drops
  audit verify              check the audit log's hash chain
  preview ID [--side front|back] [-o FILE] [--force]
                            save the card face of job ID as a PNG (default
                            job-ID-SIDE.png; -o - for stdout, never a terminal);
                            --force overwrites an existing file
  preview --file JOB.json [--template ID] [--side S] [-o FILE] [--force]
                            the same for a job request that is not submitted
                            (checked like a submit, nothing stored)
  printers                  the station's printers (ID STATE JOB STEP ISSUED SPOILED
                            FEEDER MESSAGE; ISSUED and SPOILED count today's cards)
  printer ID                show one printer
  pause ID [--reason TEXT]  pause printer ID: it finishes the card it holds, then takes
                            no more work until resumed (technician, supervisor, admin)
  resume ID                 let printer ID take work again
  ping                      show the daemon's version
  faults [--printer P] [--since 7d|12h|30m|2026-11-01] [--reason R] [--active]
                            the fault log, newest first (RAISED DEVICE REASON SEVERITY
                            DURATION JOB); technician, supervisor, admin
  faults ... --format csv|json
                            the raw export for a repair centre (CSV or a JSON array)
  faults --summary          per device over the last 30 days: faults, MTBF, downtime,
                            top reasons
  health [PRINTER]          wear and forecasts: ribbon cards left, cleaning due, printhead
                            life, reader failure rate; and days of blank supply
  supply                    days of blank supply with its confidence, per lot
  maintenance PRINTER cleaning|printhead-replaced|reader-replaced|ribbon-loaded [--note T]
                            record a maintenance action, resetting its counters
                            (technician, admin)
  maintenance-log [PRINTER] maintenance actions, newest first
  alerts [--all]            open alerts (--all: cleared ones too)
  ack ID                    acknowledge alert ID (technician, supervisor, admin)
  stock                     blank cards per lot and per printer, and whether the books balance
  stock receive LOT --supplier S --quantity N [--serials FIRST..LAST] [--note T]
                            record a lot of blanks received (supervisor)
  stock load PRINTER --quantity N [--lot LOT] [--serials FIRST..LAST]
                            record blanks loaded into a printer's feeder
  stock unload PRINTER [--quantity N]
                            record blanks taken out of a feeder, back to stock
  stock destroy LOT --quantity N [--note T]
                            ask to destroy spoiled cards (a second person witnesses)
  stock pending             destructions waiting for a witness
  stock witness ID          witness destruction ID (must be someone else)
  stock count --reason R LOT:LOCATION[:PRINTER]=N...
                            post a stock-take; LOCATION is stock, feeder or spoiled
  stock ledger              the ledger's entries, oldest first

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
  5  not found (job, printer or alert)
  6  request rejected (invalid job, bad input)
  7  conflict (the job's state does not allow this; the alert has cleared)
  8  audit chain broken
)";
}

std::string versionText() {
  return std::string("cardctl ") + kVersion + "\n";
}

}  // namespace cardd::cli
