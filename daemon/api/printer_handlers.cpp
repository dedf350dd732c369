// The printer routes: the station's printers as the scheduler sees them, and
// the technician's pause switch. The station (ctx.station, StationControl)
// persists the switch; this file checks roles and bodies, and records each
// accepted change in the audit trail once the station has made it. Without a
// station (no printers configured) there are no printers: an empty list, and
// 404 for any name.

#include <boost/json.hpp>

#include "api/handlers.hpp"
#include "api/json_views.hpp"
#include "api/router.hpp"
#include "core/log.hpp"
#include "store/audit_log.hpp"

namespace cardd::api {
namespace {

namespace json = boost::json;

constexpr std::size_t kMaxReasonLength = 200;

Problem noSuchPrinter(const std::string& id) {
  return makeProblem(404, "not-found", "printer '" + id + "' does not exist");
}

}  // namespace

void Handlers::printers(const Peer& peer, RouteId route, const std::string& printer,
                        const HttpRequestView& req, const std::string& instance, Respond respond) {
  station::StationControl* station = ctx_.station;

  // ---- Reads ----
  if (route == RouteId::ListPrinters || route == RouteId::GetPrinter) {
    if (!peer.hasAny(rolesFor(Permission::ReadPrinters)))
      return respond(problemResponse(forbidden(Permission::ReadPrinters), instance));
    if (route == RouteId::ListPrinters) {
      json::array arr;
      if (station != nullptr) {
        for (const auto& p : station->printers()) arr.push_back(printerToJson(p));
      }
      return respond(jsonResponse(200, json::object{{"printers", std::move(arr)}}));
    }
    if (station == nullptr) return respond(problemResponse(noSuchPrinter(printer), instance));
    auto view = station->printer(printer);
    if (!view) return respond(problemResponse(problemFromError(view.error()), instance));
    return respond(jsonResponse(200, printerToJson(*view)));
  }

  // ---- Pause and resume ----
  const bool pause = route == RouteId::PausePrinter;
  const std::string action = pause ? "printer.pause" : "printer.resume";
  if (!peer.hasAny(rolesFor(Permission::ControlPrinters))) {
    return refuse(peer, Permission::ControlPrinters, action, "printer/" + printer, instance,
                  std::move(respond));
  }

  // The body is optional: pause takes {"reason": "..."}, resume only {}.
  std::string reason;
  if (!req.body.empty()) {
    if (!isJsonContentType(req.content_type)) {
      return respond(problemResponse(
          makeProblem(415, "unsupported-media-type", "send the body as application/json"),
          instance));
    }
    boost::system::error_code ec;
    auto v = json::parse(req.body, ec);
    if (ec) {
      return respond(problemResponse(
          makeProblem(400, "invalid-json", "the body is not valid JSON: " + ec.message()),
          instance));
    }
    if (!v.is_object()) {
      return respond(problemResponse(
          makeProblem(422, "validation-failed", "the body must be a JSON object"), instance));
    }
    std::vector<FieldError> errors;
    for (const auto& kv : v.get_object()) {
      if (pause && kv.key() == "reason") {
        if (!kv.value().is_string() || kv.value().get_string().size() > kMaxReasonLength) {
          errors.push_back({"/reason", "must be a string of at most " +
                                           std::to_string(kMaxReasonLength) + " characters"});
        } else {
          reason = std::string(kv.value().get_string());
        }
      } else {
        errors.push_back({"/" + std::string(kv.key()), "is not a known field"});
      }
    }
    if (!errors.empty()) {
      return respond(problemResponse(
          problemFromError(Error(ErrorCode::ValidationFailed, "the request has invalid fields",
                                 std::move(errors))),
          instance));
    }
  }

  if (station == nullptr) return respond(problemResponse(noSuchPrinter(printer), instance));
  auto before = station->printer(printer);
  if (!before) return respond(problemResponse(problemFromError(before.error()), instance));
  const bool was_paused = before->paused;

  // The station has made (and committed) the change; the audit entry follows
  // in its own transaction, and the client hears back after both.
  ApiContext* ctx = &ctx_;
  auto done = [ctx, peer, roles = joinRoleNames(peer.roles), action, printer, reason, was_paused,
               instance, respond = std::move(respond)](Result<station::PrinterView> r) mutable {
    if (!r) return respond(problemResponse(problemFromError(r.error()), instance));
    log::info("printer switched", {{"printer", printer}, {"action", action}});
    ctx->committer.submit<Ok>(
        [peer, roles, action, printer, reason, was_paused](StoreTx& tx) -> Result<Ok> {
          AuditEntry e;
          e.uid = peer.actor.uid;
          e.user = peer.actor.user;
          e.roles = roles;
          e.action = action;
          e.target = "printer/" + printer;
          json::object detail{{"was_paused", was_paused}};
          if (action == "printer.pause") detail["reason"] = reason;
          e.detail = json::serialize(detail);
          if (auto a = tx.audit.append(std::move(e)); !a) return std::move(a).error();
          return Ok{};
        },
        ctx->ioc.get_executor(),
        [view = std::move(r).value(), instance, respond = std::move(respond)](Result<Ok> a) {
          if (!a) {
            log::error("printer switch not audited",
                       {{"printer", view.id}, {"error", std::string(errorSlug(a.error().code))}});
            return respond(problemResponse(problemFromError(a.error()), instance));
          }
          respond(jsonResponse(200, printerToJson(view)));
        });
  };
  if (pause)
    station->pause(printer, peer.actor, reason, std::move(done));
  else
    station->resume(printer, peer.actor, std::move(done));
}

}  // namespace cardd::api
