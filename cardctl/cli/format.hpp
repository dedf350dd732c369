#pragma once
// What cardctl prints, as pure functions of the API's JSON (see
// docs/api/openapi.yaml) so they can be unit tested. Every function copes with
// missing or mistyped members (they print as "-" or are left out) and replaces
// control characters from the daemon with '?'.

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "cli/args.hpp"
#include "client/problem.hpp"

namespace cardd::cli {

// Display text of obj[key]: strings as they are, numbers in decimal,
// true/false; "" when missing or null.
std::string fieldText(const boost::json::object& obj, std::string_view key);
// obj[key] as an array of strings joined by `sep` ("" when missing).
std::string joinStrings(const boost::json::object& obj, std::string_view key, std::string_view sep);
// "user" of a {"uid","user"} object, else "uid N", else "".
std::string personText(const boost::json::object& obj, std::string_view key);
// "2026-11-29T11:00:00.123Z" -> "2026-11-29T11:00:00Z" (drops fractional seconds).
std::string shortTime(std::string_view rfc3339);
// "admin" / "supervisor or admin" / "operator, supervisor or admin".
std::string joinRoles(const std::vector<std::string>& roles);

// `cardctl jobs`: table ID STATE PRIORITY TEMPLATE OWNER CREATED REASONS, or
// "no jobs\n" when `jobs` is empty.
std::string formatJobsTable(const boost::json::array& jobs);
// `cardctl job ID`: the job's fields (with the chip serial once issued), its
// "attempts" as a card-attempts table (when it has any), then its "events"
// as a history table.
std::string formatJobDetails(const boost::json::object& job);
// One event, no newline:
// "#12 2026-11-29T11:00:00.123Z job 7 pending → pending-held (job-hold-until-specified) by root".
// A job-created event (from null) shows "(new) → pending"; kinds other than
// job-created / job-state-changed are named after the timestamp.
std::string formatEventLine(const boost::json::object& event);
// `cardctl submit`: "job 7 queued (pending)" for 201; for 200 (idempotent
// replay) "job 7 already submitted (idempotency key K), state S".
std::string formatSubmitted(int http_status, const boost::json::object& job);
// `cardctl cancel|hold|release`: "job 7 canceled: now canceled (job-canceled-by-user)".
std::string formatJobAction(Command command, const boost::json::object& job);
// `cardctl ping`: "cardd 0.1.0 (api v1, station lab-1)".
std::string formatPing(const boost::json::object& ping);

// `cardctl printers`: table ID STATE JOB STEP ISSUED SPOILED FEEDER MESSAGE
// (today's issued / spoiled cards; MESSAGE is the message, else the state
// reasons, else the pause reason), or "no printers configured\n".
std::string formatPrintersTable(const boost::json::array& printers);
// `cardctl printer ID`: every field of one printer.
std::string formatPrinterDetails(const boost::json::object& printer);
// `cardctl pause|resume ID`: "printer P1 paused (toner change): now paused".
std::string formatPrinterAction(Command command, const boost::json::object& printer);

struct AuditReport {
  bool intact = false;
  std::string text;  // one line, no newline
};
// `cardctl audit verify`: "audit chain intact: N entries" or
// "audit chain BROKEN at entry K: PROBLEM".
AuditReport formatAuditVerify(const boost::json::object& verify);

// What the failing command was doing, to word a problem.
struct ProblemContext {
  ProblemContext() = default;
  ProblemContext(Command command_in, std::uint64_t job_id_in, std::string printer_in = {})
      : command(command_in), job_id(job_id_in), printer(std::move(printer_in)) {}

  Command command = Command::Help;
  std::uint64_t job_id = 0;  // 0 when no job is involved
  std::string printer;       // empty when no printer is involved
};
// The message cardctl prints on stderr for a problem response: one or more
// lines, the first starting with "cardctl: ", each ending in '\n'. Examples:
//   "cardctl: refused: this needs the supervisor or admin role"
//   "cardctl: job 99 not found"
//   "cardctl: printer P9 not found"
//   "cardctl: cannot cancel job 7: job 7 is completed"
//   "cardctl: job request rejected: ...\n  /person/nik: must be 16 digits"
std::string describeProblem(const client::Problem& problem, const ProblemContext& context);

}  // namespace cardd::cli
