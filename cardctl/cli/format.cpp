#include "cli/format.hpp"

#include <boost/json.hpp>
#include <set>

#include "cli/table.hpp"

namespace cardd::cli {

namespace json = boost::json;

namespace {

constexpr std::string_view kArrow = " \u2192 ";  // " → "

std::string scalarText(const json::value& v) {
  switch (v.kind()) {
    case json::kind::string:
      return sanitize(v.get_string());
    case json::kind::int64:
      return std::to_string(v.get_int64());
    case json::kind::uint64:
      return std::to_string(v.get_uint64());
    case json::kind::double_:
      return json::serialize(v);
    case json::kind::bool_:
      return v.get_bool() ? "true" : "false";
    default:
      return {};
  }
}

std::string orDash(const std::string& s) {
  return s.empty() ? "-" : s;
}

std::string firstNonEmpty(const std::string& a, const std::string& b) {
  return a.empty() ? b : a;
}

}  // namespace

std::string fieldText(const json::object& obj, std::string_view key) {
  const json::value* v = obj.if_contains(key);
  return v == nullptr ? std::string() : scalarText(*v);
}

std::string joinStrings(const json::object& obj, std::string_view key, std::string_view sep) {
  const json::value* v = obj.if_contains(key);
  if (v == nullptr || !v->is_array()) return {};
  std::string out;
  for (const auto& item : v->get_array()) {
    std::string text = scalarText(item);
    if (text.empty()) continue;
    if (!out.empty()) out += sep;
    out += text;
  }
  return out;
}

std::string personText(const json::object& obj, std::string_view key) {
  const json::value* v = obj.if_contains(key);
  if (v == nullptr || !v->is_object()) return {};
  std::string user = fieldText(v->get_object(), "user");
  if (!user.empty()) return user;
  std::string uid = fieldText(v->get_object(), "uid");
  return uid.empty() ? std::string() : "uid " + uid;
}

std::string shortTime(std::string_view rfc3339) {
  auto dot = rfc3339.find('.');
  if (dot == std::string_view::npos) return sanitize(rfc3339);
  auto end = rfc3339.find_first_not_of("0123456789", dot + 1);
  std::string out = sanitize(rfc3339.substr(0, dot));
  if (end != std::string_view::npos) out += sanitize(rfc3339.substr(end));
  return out;
}

std::string joinRoles(const std::vector<std::string>& roles) {
  std::string out;
  for (std::size_t i = 0; i < roles.size(); ++i) {
    if (i > 0) out += (i + 1 == roles.size()) ? " or " : ", ";
    out += sanitize(roles[i]);
  }
  return out;
}

std::string formatJobsTable(const json::array& jobs) {
  if (jobs.empty()) return "no jobs\n";
  Table table({"ID", "STATE", "PRIORITY", "TEMPLATE", "OWNER", "CREATED", "REASONS"});
  table.align(0, Align::Right);
  table.align(2, Align::Right);
  for (const auto& item : jobs) {
    if (!item.is_object()) continue;
    const json::object& job = item.get_object();
    table.addRow({fieldText(job, "id"), fieldText(job, "state"), fieldText(job, "priority"),
                  fieldText(job, "template"), personText(job, "owner"),
                  shortTime(fieldText(job, "created_at")), joinStrings(job, "state_reasons", ",")});
  }
  return table.render();
}

std::string formatJobDetails(const json::object& job) {
  std::string out = "job " + orDash(fieldText(job, "id")) + ": " + orDash(fieldText(job, "state"));
  if (std::string reasons = joinStrings(job, "state_reasons", ", "); !reasons.empty()) {
    out += " (" + reasons + ")";
  }
  out += '\n';

  std::vector<std::pair<std::string, std::string>> lines;
  std::string owner = personText(job, "owner");
  if (const auto* o = job.if_contains("owner"); o != nullptr && o->is_object()) {
    std::string uid = fieldText(o->get_object(), "uid");
    if (!uid.empty() && owner != "uid " + uid) owner += " (uid " + uid + ")";
  }
  lines.emplace_back("template", fieldText(job, "template"));
  lines.emplace_back("profile", fieldText(job, "profile"));
  lines.emplace_back("priority", fieldText(job, "priority"));
  lines.emplace_back("owner", owner);
  lines.emplace_back("idempotency key", fieldText(job, "idempotency_key"));
  lines.emplace_back("created", fieldText(job, "created_at"));
  lines.emplace_back("updated", fieldText(job, "updated_at"));
  if (std::string photo = fieldText(job, "photo_bytes"); !photo.empty()) {
    lines.emplace_back("photo", photo + " bytes");
  }
  lines.emplace_back("fingerprints", fieldText(job, "fingerprint_count"));
  if (std::string chip = fieldText(job, "chip_serial"); !chip.empty()) {
    lines.emplace_back("chip serial", chip);
  }

  // Members this version does not know about yet, when they are scalars.
  static const std::set<std::string, std::less<>> kKnown{
      "id",         "state",      "state_reasons", "priority",
      "template",   "profile",    "owner",         "idempotency_key",
      "created_at", "updated_at", "photo_bytes",   "fingerprint_count",
      "events",     "attempts",   "chip_serial"};
  for (const auto& member : job) {
    if (kKnown.count(member.key()) != 0) continue;
    std::string text = scalarText(member.value());
    if (!text.empty()) lines.emplace_back(sanitize(member.key()), text);
  }

  std::size_t width = 0;
  for (const auto& [label, value] : lines) width = std::max(width, displayWidth(label));
  for (const auto& [label, value] : lines) {
    out += "  " + label + ":" + std::string(width - displayWidth(label) + 1, ' ') + orDash(value) +
           '\n';
  }

  // Card attempts: one row per blank the job consumed (or is consuming).
  if (const json::value* attempts = job.if_contains("attempts");
      attempts != nullptr && attempts->is_array() && !attempts->get_array().empty()) {
    Table t(
        {"#", "PRINTER", "STEP", "OUTCOME", "REASON", "CHIP SERIAL", "LOT", "STARTED", "ENDED"});
    t.align(0, Align::Right);
    for (const auto& item : attempts->get_array()) {
      if (!item.is_object()) continue;
      const json::object& a = item.get_object();
      std::string outcome = fieldText(a, "outcome");
      if (outcome.empty()) outcome = "(open)";
      std::string reason = fieldText(a, "reason");
      const json::value* card_failure = a.if_contains("card_failure");
      if (card_failure != nullptr && card_failure->is_bool() && card_failure->get_bool()) {
        reason += reason.empty() ? "card failure" : " (card failure)";
      }
      t.addRow({fieldText(a, "attempt"), fieldText(a, "printer"), fieldText(a, "step"), outcome,
                reason, fieldText(a, "chip_serial"), fieldText(a, "lot"),
                shortTime(fieldText(a, "started_at")), shortTime(fieldText(a, "ended_at"))});
    }
    out += "\ncard attempts:\n" + t.render();
    for (const auto& item : attempts->get_array()) {
      if (!item.is_object()) continue;
      if (std::string detail = fieldText(item.get_object(), "detail"); !detail.empty()) {
        out +=
            "  attempt " + orDash(fieldText(item.get_object(), "attempt")) + ": " + detail + '\n';
      }
    }
  }

  const json::value* events = job.if_contains("events");
  if (events == nullptr || !events->is_array() || events->get_array().empty()) {
    out += "\nhistory: none\n";
    return out;
  }
  Table history({"SEQ", "TIME", "FROM", "TO", "REASONS", "BY"});
  history.align(0, Align::Right);
  for (const auto& item : events->get_array()) {
    if (!item.is_object()) continue;
    const json::object& ev = item.get_object();
    history.addRow({fieldText(ev, "seq"), fieldText(ev, "at"), fieldText(ev, "from"),
                    fieldText(ev, "to"), joinStrings(ev, "reasons", ","), personText(ev, "actor")});
  }
  out += "\nhistory:\n" + history.render();
  return out;
}

std::string formatEventLine(const json::object& event) {
  std::string out = "#" + orDash(fieldText(event, "seq"));
  if (std::string at = fieldText(event, "at"); !at.empty()) out += " " + at;
  std::string kind = fieldText(event, "kind");
  if (kind != "job-created" && kind != "job-state-changed" && !kind.empty()) out += " " + kind;
  if (std::string job = fieldText(event, "job_id"); !job.empty()) out += " job " + job;
  if (std::string to = fieldText(event, "to"); !to.empty()) {
    std::string from = fieldText(event, "from");
    out += " " + (from.empty() ? std::string("(new)") : from) + std::string(kArrow) + to;
  }
  if (std::string reasons = joinStrings(event, "reasons", ", "); !reasons.empty()) {
    out += " (" + reasons + ")";
  }
  if (std::string actor = personText(event, "actor"); !actor.empty()) out += " by " + actor;
  return out;
}

std::string formatSubmitted(int http_status, const json::object& job) {
  const std::string id = orDash(fieldText(job, "id"));
  const std::string state = orDash(fieldText(job, "state"));
  if (http_status == 200) {
    return "job " + id + " already submitted (idempotency key " +
           orDash(fieldText(job, "idempotency_key")) + "), state " + state;
  }
  return "job " + id + " queued (" + state + ")";
}

std::string formatJobAction(Command command, const json::object& job) {
  std::string verb = "updated";
  if (command == Command::Cancel) verb = "canceled";
  if (command == Command::Hold) verb = "held";
  if (command == Command::Release) verb = "released";
  if (command == Command::ConfirmIssued) verb = "confirmed";
  std::string out = "job " + orDash(fieldText(job, "id")) + " " + verb + ": now " +
                    orDash(fieldText(job, "state"));
  if (std::string reasons = joinStrings(job, "state_reasons", ", "); !reasons.empty()) {
    out += " (" + reasons + ")";
  }
  return out;
}

std::string formatPing(const json::object& ping) {
  std::string out =
      firstNonEmpty(fieldText(ping, "service"), "cardd") + " " + orDash(fieldText(ping, "version"));
  std::vector<std::string> extras;
  if (std::string api = fieldText(ping, "api"); !api.empty()) extras.push_back("api " + api);
  if (std::string station = fieldText(ping, "station"); !station.empty()) {
    extras.push_back("station " + station);
  }
  for (std::size_t i = 0; i < extras.size(); ++i) {
    out += (i == 0 ? " (" : ", ") + extras[i];
  }
  if (!extras.empty()) out += ")";
  return out;
}

std::string formatPrintersTable(const json::array& printers) {
  if (printers.empty()) return "no printers configured\n";
  Table table({"ID", "STATE", "JOB", "STEP", "ISSUED", "SPOILED", "FEEDER", "MESSAGE"});
  table.align(2, Align::Right);
  table.align(4, Align::Right);
  table.align(5, Align::Right);
  table.align(6, Align::Right);
  for (const auto& item : printers) {
    if (!item.is_object()) continue;
    const json::object& p = item.get_object();
    std::string message = fieldText(p, "message");
    if (message.empty()) message = joinStrings(p, "state_reasons", ",");
    if (message.empty() && !fieldText(p, "paused_reason").empty()) {
      message = "paused: " + fieldText(p, "paused_reason");
    }
    table.addRow({fieldText(p, "id"), fieldText(p, "state"), fieldText(p, "current_job"),
                  fieldText(p, "current_step"), fieldText(p, "cards_issued_today"),
                  fieldText(p, "cards_spoiled_today"), fieldText(p, "feeder_cards"), message});
  }
  return table.render();
}

std::string formatPrinterDetails(const json::object& p) {
  std::string out = "printer " + orDash(fieldText(p, "id")) + ": " + orDash(fieldText(p, "state"));
  if (std::string reasons = joinStrings(p, "state_reasons", ", "); !reasons.empty()) {
    out += " (" + reasons + ")";
  }
  out += '\n';
  std::vector<std::pair<std::string, std::string>> lines;
  if (std::string message = fieldText(p, "message"); !message.empty()) {
    lines.emplace_back("message", message);
  }
  std::string paused = fieldText(p, "paused") == "true" ? "yes" : "no";
  if (std::string why = fieldText(p, "paused_reason"); paused == "yes" && !why.empty()) {
    paused += " (" + why + ")";
  }
  lines.emplace_back("paused", paused);
  lines.emplace_back("uri", fieldText(p, "uri"));
  lines.emplace_back("family", fieldText(p, "family"));
  lines.emplace_back("model", fieldText(p, "model"));
  lines.emplace_back("serial", fieldText(p, "serial"));
  lines.emplace_back("encoder reader", fieldText(p, "reader"));
  lines.emplace_back("ribbon", fieldText(p, "ribbon"));
  lines.emplace_back("card stock", fieldText(p, "card_stock"));
  std::string job = fieldText(p, "current_job");
  if (std::string step = fieldText(p, "current_step"); !job.empty() && !step.empty()) {
    job += " (" + step + ")";
  }
  lines.emplace_back("current job", job);
  lines.emplace_back("next job", fieldText(p, "next_job"));
  lines.emplace_back("issued today", fieldText(p, "cards_issued_today"));
  lines.emplace_back("spoiled today", fieldText(p, "cards_spoiled_today"));
  lines.emplace_back("feeder cards", fieldText(p, "feeder_cards"));
  std::size_t width = 0;
  for (const auto& [label, value] : lines) width = std::max(width, displayWidth(label));
  for (const auto& [label, value] : lines) {
    out += "  " + label + ":" + std::string(width - displayWidth(label) + 1, ' ') + orDash(value) +
           '\n';
  }
  return out;
}

std::string formatPrinterAction(Command command, const json::object& p) {
  std::string out = "printer " + orDash(fieldText(p, "id")) +
                    (command == Command::Pause ? " paused" : " resumed");
  if (std::string why = fieldText(p, "paused_reason"); command == Command::Pause && !why.empty()) {
    out += " (" + why + ")";
  }
  out += ": now " + orDash(fieldText(p, "state"));
  if (command == Command::Pause && fieldText(p, "state") == "busy") {
    out += "; it finishes the card it holds, then takes no more work";
  }
  return out;
}

AuditReport formatAuditVerify(const json::object& verify) {
  AuditReport report;
  const json::value* ok = verify.if_contains("ok");
  report.intact = ok != nullptr && ok->is_bool() && ok->get_bool();
  const std::string entries = orDash(fieldText(verify, "entries"));
  if (report.intact) {
    report.text = "audit chain intact: " + entries + (entries == "1" ? " entry" : " entries");
    return report;
  }
  report.text = "audit chain BROKEN";
  if (std::string bad = fieldText(verify, "first_bad_id"); !bad.empty()) {
    report.text += " at entry " + bad;
  }
  std::string problem = fieldText(verify, "problem");
  report.text += ": " + (problem.empty() ? std::string("no details given") : problem);
  return report;
}

std::string describeProblem(const client::Problem& problem, const ProblemContext& context) {
  const std::string detail = sanitize(firstNonEmpty(problem.detail, problem.title));
  const std::string job = context.job_id != 0 ? "job " + std::to_string(context.job_id) : "";
  const std::string& slug = problem.slug;

  if (slug == "forbidden" || (slug.empty() && problem.status == 403)) {
    if (!problem.required_roles.empty()) {
      return "cardctl: refused: this needs the " + joinRoles(problem.required_roles) + " role\n";
    }
    return "cardctl: refused: " + firstNonEmpty(detail, "permission denied") + "\n";
  }
  if (slug == "not-found" || (slug.empty() && problem.status == 404)) {
    if (!job.empty()) return "cardctl: " + job + " not found\n";
    if (!context.printer.empty())
      return "cardctl: printer " + sanitize(context.printer) + " not found\n";
    return "cardctl: not found: " + firstNonEmpty(detail, "no such object") + "\n";
  }
  if (slug == "illegal-transition" || (slug.empty() && problem.status == 409)) {
    if (!job.empty()) {
      return "cardctl: cannot " + std::string(commandName(context.command)) + " " + job + ": " +
             firstNonEmpty(detail, "not allowed in its current state") + "\n";
    }
    return "cardctl: refused: " + firstNonEmpty(detail, "conflict") + "\n";
  }
  if (slug == "validation-failed" || !problem.errors.empty()) {
    std::string what = context.command == Command::Submit || context.command == Command::Preview
                           ? "job request rejected"
                           : "request rejected";
    std::string out = "cardctl: " + what + (detail.empty() ? "" : ": " + detail) + "\n";
    for (const auto& field : problem.errors) {
      out += "  " + (field.pointer.empty() ? std::string() : sanitize(field.pointer) + ": ") +
             sanitize(field.message) + "\n";
    }
    return out;
  }
  if (slug == "unavailable" || slug == "too-many-connections") {
    return "cardctl: cardd is unavailable" + (detail.empty() ? "" : ": " + detail) + "\n";
  }
  std::string title = sanitize(problem.title);
  std::string text = title;
  if (!problem.detail.empty() && problem.detail != problem.title) {
    text += (text.empty() ? "" : ": ") + sanitize(problem.detail);
  }
  if (text.empty()) text = "cardd answered HTTP " + std::to_string(problem.status);
  return "cardctl: " + text + "\n";
}

}  // namespace cardd::cli
