// The device health routes: the fault log (JSON or CSV for a repair
// centre), per-device fault summaries, wear and forecasts per printer, blank
// supply, maintenance actions and alerts. The health monitor (ctx.health,
// HealthControl) keeps and changes the records; this file checks roles,
// query parameters and bodies, maps the records to JSON (health_json.hpp,
// fault_export.hpp), and records each accepted change (maintenance,
// acknowledgement) in the audit trail once the monitor has made it. Without
// a health monitor every route answers 503.

#include <boost/json.hpp>

#include <charconv>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "api/handlers.hpp"
#include "api/router.hpp"
#include "core/log.hpp"
#include "health/fault_export.hpp"
#include "health/health_json.hpp"
#include "store/audit_log.hpp"

namespace cardd::api {
namespace {

namespace json = boost::json;

using Query = std::vector<std::pair<std::string, std::string>>;

constexpr std::size_t kMaxNoteLength = 500;
constexpr std::size_t kMaxReasonLength = 64;
constexpr int kMaxFaults = 10000;
constexpr int kMaxListed = 1000;
constexpr int kMaxSummaryDays = 366;

Problem badRequest(std::string detail) {
  return makeProblem(400, "bad-request", std::move(detail));
}

Problem notRunning() {
  return makeProblem(503, "unavailable",
                     "device health is not running; check the health section of cardd.yaml "
                     "and the daemon's log");
}

// A whole decimal number in [lo, hi], without sign or spaces.
std::optional<std::int64_t> parseBounded(std::string_view text, std::int64_t lo, std::int64_t hi) {
  if (text.empty() || text.size() > 18) return std::nullopt;
  std::int64_t v = 0;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || p != text.data() + text.size() || v < lo || v > hi) return std::nullopt;
  return v;
}

std::optional<bool> parseBool(std::string_view text) {
  if (text == "true" || text == "1" || text.empty()) return true;
  if (text == "false" || text == "0") return false;
  return std::nullopt;
}

// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's
// days_from_civil).
std::int64_t daysFromCivil(std::int64_t y, std::int64_t m, std::int64_t d) {
  y -= m <= 2 ? 1 : 0;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const std::int64_t yoe = y - era * 400;
  const std::int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const std::int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

bool digitsAt(std::string_view s, std::size_t pos, std::size_t count, std::int64_t& out) {
  if (pos + count > s.size()) return false;
  out = 0;
  for (std::size_t i = pos; i < pos + count; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    out = out * 10 + (s[i] - '0');
  }
  return true;
}

// "2026-11-01" (midnight UTC) or RFC 3339 "2026-11-01T08:30:00[.123](Z|+07:00)"
// to ms since the epoch. A '+' of an offset that arrived unencoded in the
// query string has become a space: it is taken as '+'.
std::optional<std::int64_t> parseAbsoluteTime(std::string_view s) {
  std::int64_t y = 0, mo = 0, d = 0;
  if (!digitsAt(s, 0, 4, y) || s.size() < 10 || s[4] != '-' || !digitsAt(s, 5, 2, mo) ||
      s[7] != '-' || !digitsAt(s, 8, 2, d)) {
    return std::nullopt;
  }
  static constexpr int kMonthDays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > kMonthDays[mo - 1]) return std::nullopt;
  const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  if (mo == 2 && d == 29 && !leap) return std::nullopt;
  const std::int64_t day_ms = daysFromCivil(y, mo, d) * 86'400'000;
  if (s.size() == 10) return day_ms;

  std::int64_t h = 0, mi = 0, sec = 0;
  if ((s[10] != 'T' && s[10] != 't') || !digitsAt(s, 11, 2, h) || s.size() < 19 || s[13] != ':' ||
      !digitsAt(s, 14, 2, mi) || s[16] != ':' || !digitsAt(s, 17, 2, sec) || h > 23 || mi > 59 ||
      sec > 60) {
    return std::nullopt;
  }
  std::size_t pos = 19;
  std::int64_t ms = 0;
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    int digits = 0;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
      if (digits < 3) ms = ms * 10 + (s[pos] - '0');
      ++digits;
      ++pos;
    }
    if (digits == 0) return std::nullopt;
    for (int i = digits; i < 3; ++i) ms *= 10;
  }
  std::int64_t offset_min = 0;
  const std::string_view zone = s.substr(pos);
  if (zone == "Z" || zone == "z") {
    offset_min = 0;
  } else if (zone.size() == 6 && (zone[0] == '+' || zone[0] == '-' || zone[0] == ' ') &&
             zone[3] == ':') {
    std::int64_t oh = 0, om = 0;
    if (!digitsAt(zone, 1, 2, oh) || !digitsAt(zone, 4, 2, om) || oh > 23 || om > 59)
      return std::nullopt;
    offset_min = (oh * 60 + om) * (zone[0] == '-' ? -1 : 1);
  } else {
    return std::nullopt;
  }
  const std::int64_t local =
      day_ms + ((h * 60 + mi) * 60 + std::min<std::int64_t>(sec, 59)) * 1000 + ms;
  return local - offset_min * 60'000;
}

// `since`: RFC 3339, a date, or a span back from now ("7d", "12h", "30m").
std::optional<std::int64_t> parseSince(std::string_view text, std::int64_t now_ms) {
  if (text.size() >= 2) {
    const char unit = text.back();
    const std::int64_t unit_ms = unit == 'd'   ? 86'400'000
                                 : unit == 'h' ? 3'600'000
                                 : unit == 'm' ? 60'000
                                               : 0;
    if (unit_ms != 0) {
      auto n = parseBounded(text.substr(0, text.size() - 1), 0, 36'500'000'000 / (unit_ms / 1000));
      if (!n) return std::nullopt;
      return now_ms - *n * unit_ms;
    }
  }
  return parseAbsoluteTime(text);
}

// Normalised reasons are IPP-style keywords.
bool isReasonKeyword(std::string_view text) {
  if (text.empty() || text.size() > kMaxReasonLength) return false;
  for (const char c : text) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_')) return false;
  }
  return true;
}

std::string actionNames() {
  return "cleaning, printhead-replaced, reader-replaced or ribbon-loaded";
}

// Query parameters: each reads `text` into `out`, or says what is wrong.
std::optional<Problem> readPrinterId(const std::string& text, std::string& out) {
  if (!isPrinterId(text)) {
    return badRequest("printer must be a printer id (1 to 32 letters, digits, '.', '_' or '-')");
  }
  out = text;
  return std::nullopt;
}

std::optional<Problem> readCount(std::string_view name, std::string_view text, int max, int& out) {
  auto n = parseBounded(text, 1, max);
  if (!n) {
    return badRequest(std::string(name) + " must be a whole number from 1 to " +
                      std::to_string(max));
  }
  out = static_cast<int>(*n);
  return std::nullopt;
}

std::optional<Problem> readBool(std::string_view name, std::string_view text, bool& out) {
  auto b = parseBool(text);
  if (!b) return badRequest(std::string(name) + " must be true or false");
  out = *b;
  return std::nullopt;
}

// The records as a JSON array, each through `toJson`.
template <class Record, class ToJson>
json::array jsonArray(const std::vector<Record>& records, ToJson toJson) {
  json::array arr;
  for (const auto& r : records) arr.push_back(toJson(r));
  return arr;
}

// Who did it, for an audit entry.
void auditWho(const Peer& peer, const std::string& roles, std::string_view action, AuditEntry& e) {
  e.uid = peer.actor.uid;
  e.user = peer.actor.user;
  e.roles = roles;
  e.action = std::string(action);
}

// ---- Audited changes ----
//
// Per record type: the field naming the record in log lines, what changed
// (for the log line once it is made), the audit entry's detail and the
// answer's body.
log::Field logSubject(const health::MaintenanceRecord& r) {
  return {"printer", r.printer};
}
log::Field logSubject(const health::AlertRecord& a) {
  return {"alert", std::to_string(a.id)};
}
log::Field logChange(const health::MaintenanceRecord& r) {
  return {"action", std::string(health::maintenanceActionName(r.action))};
}
log::Field logChange(const health::AlertRecord& a) {
  return {"rule", a.rule};
}
json::object auditDetail(const health::MaintenanceRecord& r) {
  return {{"id", r.id}, {"action", health::maintenanceActionName(r.action)}, {"note", r.note}};
}
json::object auditDetail(const health::AlertRecord& a) {
  return {{"rule", a.rule},
          {"subject", a.subject},
          {"severity", health::alertSeverityName(a.severity)}};
}
json::value recordJson(const health::MaintenanceRecord& r) {
  return health::maintenanceToJson(r);
}
json::value recordJson(const health::AlertRecord& a) {
  return health::alertToJson(a);
}

// How one kind of change is logged and answered.
struct ChangeReport {
  std::string_view done;         // logged once the monitor has made it
  std::string_view not_audited;  // logged when its audit entry could not be written
  unsigned status;               // the answer's status, with the record as JSON
};

// The monitor's `done` for a change: once the monitor has made (and
// committed) it, the audit entry follows in its own transaction, and the
// client hears back after both. A refusal by the monitor is answered as is.
template <class Record>
std::function<void(Result<Record>)> auditThenAnswer(
    ApiContext* ctx, const Peer& peer, const std::string& roles, const std::string& audit_action,
    const std::string& target, const std::string& instance, ChangeReport report, Respond respond) {
  return [ctx, peer, roles, audit_action, target, instance, report,
          respond = std::move(respond)](Result<Record> r) mutable {
    if (!r) return respond(problemResponse(problemFromError(r.error()), instance));
    log::info(report.done, {logSubject(*r), logChange(*r)});
    ctx->committer.submit<Ok>(
        [peer, roles, audit_action, target, detail = auditDetail(*r)](StoreTx& tx) -> Result<Ok> {
          AuditEntry e;
          auditWho(peer, roles, audit_action, e);
          e.target = target;
          e.detail = json::serialize(detail);
          if (auto a = tx.audit.append(std::move(e)); !a) return std::move(a).error();
          return Ok{};
        },
        ctx->ioc.get_executor(),
        [record = *r, report, instance, respond = std::move(respond)](Result<Ok> a) {
          if (!a) {
            log::error(report.not_audited,
                       {logSubject(record), {"error", std::string(errorSlug(a.error().code))}});
            return respond(problemResponse(problemFromError(a.error()), instance));
          }
          respond(jsonResponse(report.status, recordJson(record)));
        });
  };
}

}  // namespace

void Handlers::health(const Peer& peer, RouteId route, const std::string& printer, std::int64_t id,
                      const Query& query, const HttpRequestView& req, const std::string& instance,
                      Respond respond) {
  health::HealthControl* monitor = ctx_.health;
  auto fail = [&](const Problem& p) { respond(problemResponse(p, instance)); };
  auto failError = [&](const Error& e) { respond(problemResponse(problemFromError(e), instance)); };

  switch (route) {
    // ---- Fault log ----
    case RouteId::ListFaults: {
      if (!peer.hasAny(rolesFor(Permission::ReadHealth)))
        return fail(forbidden(Permission::ReadHealth));
      health::FaultQuery q;
      bool csv = false;
      for (const auto& [k, v] : query) {
        if (k == "printer") {
          std::string device;
          if (auto p = readPrinterId(v, device)) return fail(*p);
          q.device = device;
        } else if (k == "since") {
          auto since = parseSince(v, ctx_.clock.nowMs());
          if (!since) {
            return fail(
                badRequest("since must be a time (2026-11-01, 2026-11-01T08:00:00Z) or "
                           "a span back from now (7d, 12h, 30m)"));
          }
          q.since_ms = *since;
        } else if (k == "reason") {
          if (!isReasonKeyword(v)) {
            return fail(
                badRequest("reason must be a fault reason keyword such as media-jam "
                           "(lower-case letters, digits and '-')"));
          }
          q.reason = v;
        } else if (k == "active") {
          if (auto p = readBool(k, v, q.active_only)) return fail(*p);
        } else if (k == "limit") {
          if (auto p = readCount(k, v, kMaxFaults, q.limit)) return fail(*p);
        } else if (k == "format") {
          if (v != "json" && v != "csv") return fail(badRequest("format must be json or csv"));
          csv = v == "csv";
        }
      }
      if (monitor == nullptr) return fail(notRunning());
      auto faults = monitor->faults(q);
      if (!faults) return failError(faults.error());
      if (csv) {
        HttpResponse r;
        r.content_type = "text/csv; charset=utf-8";
        r.body = health::faultsToCsv(*faults);
        const std::string date = formatTimestamp(ctx_.clock.nowMs()).substr(0, 10);
        r.headers.emplace_back("Content-Disposition",
                               "attachment; filename=\"cardd-faults-" + date + ".csv\"");
        return respond(std::move(r));
      }
      return respond(
          jsonResponse(200, json::object{{"faults", jsonArray(*faults, health::faultToJson)}}));
    }

    case RouteId::FaultSummary: {
      if (!peer.hasAny(rolesFor(Permission::ReadHealth)))
        return fail(forbidden(Permission::ReadHealth));
      int days = 30;
      for (const auto& [k, v] : query) {
        if (k != "days") continue;
        if (auto p = readCount(k, v, kMaxSummaryDays, days)) return fail(*p);
      }
      if (monitor == nullptr) return fail(notRunning());
      auto summary = monitor->faultSummary(days);
      if (!summary) return failError(summary.error());
      return respond(jsonResponse(
          200, json::object{{"days", days},
                            {"devices", jsonArray(*summary, health::faultSummaryToJson)}}));
    }

    // ---- Wear, forecasts, supply ----
    case RouteId::GetHealth: {
      if (!peer.hasAny(rolesFor(Permission::ReadHealth)))
        return fail(forbidden(Permission::ReadHealth));
      if (monitor == nullptr) return fail(notRunning());
      auto devices = monitor->devices();
      if (!devices) return failError(devices.error());
      auto supply = monitor->supply();
      if (!supply) return failError(supply.error());
      return respond(jsonResponse(
          200, json::object{{"printers", jsonArray(*devices, health::deviceHealthToJson)},
                            {"supply", health::supplyToJson(*supply)}}));
    }

    case RouteId::GetPrinterHealth: {
      if (!peer.hasAny(rolesFor(Permission::ReadHealth)))
        return fail(forbidden(Permission::ReadHealth));
      if (monitor == nullptr) return fail(notRunning());
      auto device = monitor->device(printer);
      if (!device) return failError(device.error());
      return respond(jsonResponse(200, health::deviceHealthToJson(*device)));
    }

    case RouteId::GetSupply: {
      if (!peer.hasAny(rolesFor(Permission::ReadHealth)))
        return fail(forbidden(Permission::ReadHealth));
      if (monitor == nullptr) return fail(notRunning());
      auto supply = monitor->supply();
      if (!supply) return failError(supply.error());
      return respond(jsonResponse(200, health::supplyToJson(*supply)));
    }

    // ---- Maintenance ----
    case RouteId::ListMaintenance: {
      if (!peer.hasAny(rolesFor(Permission::ReadHealth)))
        return fail(forbidden(Permission::ReadHealth));
      std::string only;
      int limit = 100;
      for (const auto& [k, v] : query) {
        if (k == "printer") {
          if (auto p = readPrinterId(v, only)) return fail(*p);
        } else if (k == "limit") {
          if (auto p = readCount(k, v, kMaxListed, limit)) return fail(*p);
        }
      }
      if (monitor == nullptr) return fail(notRunning());
      auto log = monitor->maintenanceLog(only, limit);
      if (!log) return failError(log.error());
      return respond(jsonResponse(
          200, json::object{{"maintenance", jsonArray(*log, health::maintenanceToJson)}}));
    }

    case RouteId::RecordMaintenance:
      break;  // below

    // ---- Alerts ----
    case RouteId::ListAlerts: {
      if (!peer.hasAny(rolesFor(Permission::ReadAlerts)))
        return fail(forbidden(Permission::ReadAlerts));
      bool all = false;
      int limit = 100;
      for (const auto& [k, v] : query) {
        if (k == "all") {
          if (auto p = readBool(k, v, all)) return fail(*p);
        } else if (k == "limit") {
          if (auto p = readCount(k, v, kMaxListed, limit)) return fail(*p);
        }
      }
      if (monitor == nullptr) return fail(notRunning());
      auto alerts = monitor->alerts(all, limit);
      if (!alerts) return failError(alerts.error());
      return respond(
          jsonResponse(200, json::object{{"alerts", jsonArray(*alerts, health::alertToJson)}}));
    }

    case RouteId::AcknowledgeAlert:
      break;  // below

    default:
      return fail(makeProblem(404, "not-found", "there is no such resource"));
  }

  // ---- Changes: maintenance and acknowledgements, audited ----
  const bool maintenance = route == RouteId::RecordMaintenance;
  const Permission needed =
      maintenance ? Permission::RecordMaintenance : Permission::AcknowledgeAlert;
  const std::string audit_action = maintenance ? "printer.maintenance" : "alert.acknowledge";
  const std::string target = maintenance ? "printer/" + printer : "alert/" + std::to_string(id);
  if (!peer.hasAny(rolesFor(needed)))
    return refuse(peer, needed, audit_action, target, instance, std::move(respond));

  // Maintenance needs {"action": ..., "note": ...}; an acknowledgement takes
  // no body, or {}.
  std::optional<health::MaintenanceAction> action;
  std::string note;
  if (!req.body.empty() || maintenance) {
    if (req.body.empty()) {
      return fail(
          problemFromError(Error(ErrorCode::ValidationFailed, "the request has invalid fields",
                                 {FieldError{"/action", "is required: " + actionNames()}})));
    }
    if (!isJsonContentType(req.content_type)) {
      return fail(makeProblem(415, "unsupported-media-type", "send the body as application/json"));
    }
    boost::system::error_code ec;
    auto v = json::parse(req.body, ec);
    if (ec)
      return fail(makeProblem(400, "invalid-json", "the body is not valid JSON: " + ec.message()));
    if (!v.is_object())
      return fail(makeProblem(422, "validation-failed", "the body must be a JSON object"));
    std::vector<FieldError> errors;
    for (const auto& kv : v.get_object()) {
      if (maintenance && kv.key() == "action") {
        if (kv.value().is_string())
          action = health::maintenanceActionFromName(kv.value().get_string());
        if (!action) errors.push_back({"/action", "must be one of " + actionNames()});
      } else if (maintenance && kv.key() == "note") {
        if (!kv.value().is_string() || kv.value().get_string().size() > kMaxNoteLength) {
          errors.push_back({"/note", "must be a string of at most " +
                                         std::to_string(kMaxNoteLength) + " characters"});
        } else {
          note = std::string(kv.value().get_string());
        }
      } else {
        errors.push_back({"/" + std::string(kv.key()), "is not a known field"});
      }
    }
    if (maintenance && !action && !v.get_object().contains("action"))
      errors.push_back({"/action", "is required: " + actionNames()});
    if (!errors.empty()) {
      return fail(problemFromError(
          Error(ErrorCode::ValidationFailed, "the request has invalid fields", std::move(errors))));
    }
  }
  if (monitor == nullptr) return fail(notRunning());

  const std::string roles = joinRoleNames(peer.roles);
  if (maintenance) {
    return monitor->recordMaintenance(
        printer, *action, peer.actor, note,
        auditThenAnswer<health::MaintenanceRecord>(
            &ctx_, peer, roles, audit_action, target, instance,
            {"maintenance recorded", "maintenance not audited", 201}, std::move(respond)));
  }
  monitor->acknowledge(
      id, peer.actor,
      auditThenAnswer<health::AlertRecord>(
          &ctx_, peer, roles, audit_action, target, instance,
          {"alert acknowledged", "acknowledgement not audited", 200}, std::move(respond)));
}

}  // namespace cardd::api
