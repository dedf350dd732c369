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

// Who did it, for an audit entry.
void auditWho(const Peer& peer, const std::string& roles, std::string_view action, AuditEntry& e) {
  e.uid = peer.actor.uid;
  e.user = peer.actor.user;
  e.roles = roles;
  e.action = std::string(action);
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
          if (!isPrinterId(v))
            return fail(
                badRequest("printer must be a printer id (1 to 32 letters, digits, '.', "
                           "'_' or '-')"));
          q.device = v;
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
          auto b = parseBool(v);
          if (!b) return fail(badRequest("active must be true or false"));
          q.active_only = *b;
        } else if (k == "limit") {
          auto n = parseBounded(v, 1, kMaxFaults);
          if (!n) {
            return fail(
                badRequest("limit must be a whole number from 1 to " + std::to_string(kMaxFaults)));
          }
          q.limit = static_cast<int>(*n);
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
      json::array arr;
      for (const auto& f : *faults) arr.push_back(health::faultToJson(f));
      return respond(jsonResponse(200, json::object{{"faults", std::move(arr)}}));
    }

    case RouteId::FaultSummary: {
      if (!peer.hasAny(rolesFor(Permission::ReadHealth)))
        return fail(forbidden(Permission::ReadHealth));
      int days = 30;
      for (const auto& [k, v] : query) {
        if (k != "days") continue;
        auto n = parseBounded(v, 1, kMaxSummaryDays);
        if (!n) {
          return fail(badRequest("days must be a whole number from 1 to " +
                                 std::to_string(kMaxSummaryDays)));
        }
        days = static_cast<int>(*n);
      }
      if (monitor == nullptr) return fail(notRunning());
      auto summary = monitor->faultSummary(days);
      if (!summary) return failError(summary.error());
      json::array arr;
      for (const auto& s : *summary) arr.push_back(health::faultSummaryToJson(s));
      return respond(jsonResponse(200, json::object{{"days", days}, {"devices", std::move(arr)}}));
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
      json::array arr;
      for (const auto& d : *devices) arr.push_back(health::deviceHealthToJson(d));
      return respond(jsonResponse(200, json::object{{"printers", std::move(arr)},
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
          if (!isPrinterId(v))
            return fail(
                badRequest("printer must be a printer id (1 to 32 letters, digits, '.', "
                           "'_' or '-')"));
          only = v;
        } else if (k == "limit") {
          auto n = parseBounded(v, 1, kMaxListed);
          if (!n) {
            return fail(
                badRequest("limit must be a whole number from 1 to " + std::to_string(kMaxListed)));
          }
          limit = static_cast<int>(*n);
        }
      }
      if (monitor == nullptr) return fail(notRunning());
      auto log = monitor->maintenanceLog(only, limit);
      if (!log) return failError(log.error());
      json::array arr;
      for (const auto& m : *log) arr.push_back(health::maintenanceToJson(m));
      return respond(jsonResponse(200, json::object{{"maintenance", std::move(arr)}}));
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
          auto b = parseBool(v);
          if (!b) return fail(badRequest("all must be true or false"));
          all = *b;
        } else if (k == "limit") {
          auto n = parseBounded(v, 1, kMaxListed);
          if (!n) {
            return fail(
                badRequest("limit must be a whole number from 1 to " + std::to_string(kMaxListed)));
          }
          limit = static_cast<int>(*n);
        }
      }
      if (monitor == nullptr) return fail(notRunning());
      auto alerts = monitor->alerts(all, limit);
      if (!alerts) return failError(alerts.error());
      json::array arr;
      for (const auto& a : *alerts) arr.push_back(health::alertToJson(a));
      return respond(jsonResponse(200, json::object{{"alerts", std::move(arr)}}));
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

  // The monitor has made (and committed) the change; the audit entry follows
  // in its own transaction, and the client hears back after both.
  ApiContext* ctx = &ctx_;
  const std::string roles = joinRoleNames(peer.roles);
  if (maintenance) {
    auto done = [ctx, peer, roles, audit_action, target, instance,
                 respond = std::move(respond)](Result<health::MaintenanceRecord> r) mutable {
      if (!r) return respond(problemResponse(problemFromError(r.error()), instance));
      log::info("maintenance recorded",
                {{"printer", r->printer},
                 {"action", std::string(health::maintenanceActionName(r->action))}});
      ctx->committer.submit<Ok>(
          [peer, roles, audit_action, target, record = *r](StoreTx& tx) -> Result<Ok> {
            AuditEntry e;
            auditWho(peer, roles, audit_action, e);
            e.target = target;
            e.detail = json::serialize(
                json::object{{"id", record.id},
                             {"action", health::maintenanceActionName(record.action)},
                             {"note", record.note}});
            if (auto a = tx.audit.append(std::move(e)); !a) return std::move(a).error();
            return Ok{};
          },
          ctx->ioc.get_executor(),
          [record = *r, instance, respond = std::move(respond)](Result<Ok> a) {
            if (!a) {
              log::error(
                  "maintenance not audited",
                  {{"printer", record.printer}, {"error", std::string(errorSlug(a.error().code))}});
              return respond(problemResponse(problemFromError(a.error()), instance));
            }
            respond(jsonResponse(201, health::maintenanceToJson(record)));
          });
    };
    return monitor->recordMaintenance(printer, *action, peer.actor, note, std::move(done));
  }

  auto done = [ctx, peer, roles, audit_action, target, instance,
               respond = std::move(respond)](Result<health::AlertRecord> r) mutable {
    if (!r) return respond(problemResponse(problemFromError(r.error()), instance));
    log::info("alert acknowledged", {{"alert", std::to_string(r->id)}, {"rule", r->rule}});
    ctx->committer.submit<Ok>(
        [peer, roles, audit_action, target, alert = *r](StoreTx& tx) -> Result<Ok> {
          AuditEntry e;
          auditWho(peer, roles, audit_action, e);
          e.target = target;
          e.detail = json::serialize(
              json::object{{"rule", alert.rule},
                           {"subject", alert.subject},
                           {"severity", health::alertSeverityName(alert.severity)}});
          if (auto a = tx.audit.append(std::move(e)); !a) return std::move(a).error();
          return Ok{};
        },
        ctx->ioc.get_executor(),
        [alert = *r, instance, respond = std::move(respond)](Result<Ok> a) {
          if (!a) {
            log::error("acknowledgement not audited",
                       {{"alert", std::to_string(alert.id)},
                        {"error", std::string(errorSlug(a.error().code))}});
            return respond(problemResponse(problemFromError(a.error()), instance));
          }
          respond(jsonResponse(200, health::alertToJson(alert)));
        });
  };
  monitor->acknowledge(id, peer.actor, std::move(done));
}

}  // namespace cardd::api
