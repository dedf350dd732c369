#pragma once
// Which waiting job goes to which printer: the scheduler's decision, as a
// pure function so that it is tested exhaustively and the scheduler itself
// only gathers facts and applies the result.
//
// Rules:
//   1. Jobs are considered by priority (higher first), then in arrival order
//      (lower job id first).
//   2. A job goes only to a printer that can do it: the printer is ready
//      (idle, not faulted, not paused by a technician), its ribbon can print
//      the job's panels, it holds the job's card stock, and it has an
//      encoder when the job's profile writes a chip.
//   3. Among the printers that can, the least loaded wins (fewest cards
//      started today, then fewest in the last hour), then the lowest id: the
//      work spreads and the choice is deterministic.
//   4. A job that no configured printer could ever do (no printer has its
//      ribbon, stock or encoder, whatever its state) is reported unservable,
//      with the reason, so that the job can stop with a message instead of
//      waiting forever. A job whose capable printers are all busy or faulted
//      simply waits.
//
// Pure values and functions; thread-safe.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "jobs/job.hpp"

namespace cardd::station {

enum class PrinterReadiness { Ready, Busy, Faulted, Paused, Offline };

struct PrinterFacts {
  std::string id;
  PrinterReadiness readiness = PrinterReadiness::Ready;
  std::vector<std::string> ribbons;     // ribbon types that can be loaded now ("ymcko", "k")
  std::vector<std::string> card_stock;  // card stock loaded ("pvc-chip")
  bool has_encoder = false;             // a contact encoder wired to a PC/SC reader
  std::int64_t cards_today = 0;
  std::int64_t cards_last_hour = 0;
};

struct JobNeeds {
  JobId id = 0;
  int priority = 50;
  std::string ribbon;      // the ribbon the job's template needs
  std::string card_stock;  // the stock the job's template prints on
  bool needs_encoder = true;
};

struct Assignment {
  JobId job = 0;
  std::string printer;
  friend bool operator==(const Assignment&, const Assignment&) = default;
};

struct Unservable {
  JobId job = 0;
  std::string reason;  // "no printer has the ymcko ribbon", ...
};

struct DispatchPlan {
  std::vector<Assignment> assignments;
  std::vector<Unservable> unservable;
};

// Assigns as many waiting jobs as there are ready, capable printers (one job
// per printer per call).
DispatchPlan planDispatch(std::vector<JobNeeds> waiting, const std::vector<PrinterFacts>& printers);

}  // namespace cardd::station
