#include "api/handlers.hpp"

#include <boost/asio/post.hpp>
#include <boost/json.hpp>

#include "api/json_views.hpp"
#include "api/router.hpp"
#include "core/log.hpp"
#include "core/version.hpp"
#include "jobs/job_request.hpp"
#include "jobs/job_state_machine.hpp"
#include "templates/card_preview.hpp"

namespace cardd::api {
namespace {

namespace json = boost::json;

HttpResponse errorResponse(const Error& e, std::string_view instance) {
  return problemResponse(problemFromError(e), instance);
}

// The document fields a card carries (number, issuer, dates). There is no
// configuration for them yet: the defaults of DocumentPolicy.
const DocumentPolicy& documentPolicy() {
  static const DocumentPolicy kPolicy;
  return kPolicy;
}

// ?side=front|back (default front); nullopt for anything else.
std::optional<render::Side> previewSide(
    const std::vector<std::pair<std::string, std::string>>& query) {
  render::Side side = render::Side::Front;
  for (const auto& [k, v] : query) {
    if (k != "side") continue;
    if (v == "front")
      side = render::Side::Front;
    else if (v == "back")
      side = render::Side::Back;
    else
      return std::nullopt;
  }
  return side;
}

// A card image holds personal data: no cache may keep it.
HttpResponse pngResponse(const std::vector<std::uint8_t>& png) {
  HttpResponse r;
  r.content_type = "image/png";
  r.body.assign(png.begin(), png.end());
  r.headers.emplace_back("Cache-Control", "no-store");
  return r;
}

json::object auditDetail(std::initializer_list<std::pair<std::string_view, json::value>> items) {
  json::object o;
  for (const auto& [k, v] : items) o[k] = v;
  return o;
}

std::string actionName(JobAction a) {
  switch (a) {
    case JobAction::Cancel:
      return "job.cancel";
    case JobAction::Hold:
      return "job.hold";
    case JobAction::Release:
      return "job.release";
  }
  return "job.cancel";
}

}  // namespace

HttpResponse problemResponse(const Problem& problem, std::string_view instance) {
  HttpResponse r;
  r.status = problem.status;
  r.content_type = "application/problem+json";
  r.body = problemBody(problem, instance);
  r.headers = problem.headers;
  return r;
}

std::optional<StreamRequest> Handlers::handle(const Peer& peer, const HttpRequestView& req,
                                              Respond respond) {
  const auto qpos = req.target.find('?');
  const std::string_view path = req.target.substr(0, qpos);
  const std::string instance(path);
  auto query =
      parseQuery(qpos == std::string_view::npos ? std::string_view() : req.target.substr(qpos + 1));
  if (!query) {
    respond(problemResponse(
        makeProblem(400, "bad-request", "the query string is not valid percent-encoding"),
        instance));
    return std::nullopt;
  }
  const auto match = matchRoute(req.method, path);
  switch (match.kind) {
    case RouteMatch::Kind::NotFound:
      respond(
          problemResponse(makeProblem(404, "not-found", "there is no such resource"), instance));
      return std::nullopt;
    case RouteMatch::Kind::BadId:
      respond(
          problemResponse(makeProblem(400, "bad-request",
                                      "ids in paths are positive whole numbers (e.g. /v1/jobs/7)"),
                          instance));
      return std::nullopt;
    case RouteMatch::Kind::MethodNotAllowed: {
      auto p =
          makeProblem(405, "method-not-allowed", std::string(req.method) + " is not allowed here");
      p.headers.emplace_back("Allow", match.allow);
      respond(problemResponse(p, instance));
      return std::nullopt;
    }
    case RouteMatch::Kind::Found:
      break;
  }

  // Only list routes take query parameters.
  auto rejectQuery = [&](std::initializer_list<std::string_view> allowed) {
    for (const auto& [k, v] : *query) {
      if (std::find(allowed.begin(), allowed.end(), k) == allowed.end()) {
        respond(problemResponse(
            makeProblem(400, "bad-request", "unknown query parameter '" + k + "'"), instance));
        return true;
      }
    }
    return false;
  };

  switch (match.id) {
    case RouteId::Ping:
      if (rejectQuery({})) return std::nullopt;
      respond(jsonResponse(200, json::object{{"service", "cardd"},
                                             {"version", kVersion},
                                             {"api", "v1"},
                                             {"station", ctx_.config->station_name}}));
      return std::nullopt;
    case RouteId::Whoami: {
      if (rejectQuery({})) return std::nullopt;
      json::array roles;
      for (const auto& r : roleNames(peer.roles)) roles.emplace_back(r);
      respond(jsonResponse(
          200, json::object{{"uid", peer.actor.uid}, {"user", peer.actor.user}, {"roles", roles}}));
      return std::nullopt;
    }
    case RouteId::SubmitJob:
      if (rejectQuery({})) return std::nullopt;
      submitJob(peer, req, std::move(respond));
      return std::nullopt;
    case RouteId::ListJobs:
      if (rejectQuery({"state", "limit", "after"})) return std::nullopt;
      listJobs(peer, *query, instance, std::move(respond));
      return std::nullopt;
    case RouteId::GetJob:
      if (rejectQuery({})) return std::nullopt;
      getJob(peer, match.job_id, instance, std::move(respond));
      return std::nullopt;
    case RouteId::PreviewJob:
      if (rejectQuery({"side"})) return std::nullopt;
      previewJob(peer, match.job_id, *query, instance, std::move(respond));
      return std::nullopt;
    case RouteId::PreviewRequest:
      if (rejectQuery({"side"})) return std::nullopt;
      previewRequest(peer, req, *query, instance, std::move(respond));
      return std::nullopt;
    case RouteId::CancelJob:
    case RouteId::HoldJob:
    case RouteId::ReleaseJob: {
      if (rejectQuery({})) return std::nullopt;
      const JobAction action = match.id == RouteId::CancelJob ? JobAction::Cancel
                               : match.id == RouteId::HoldJob ? JobAction::Hold
                                                              : JobAction::Release;
      jobAction(peer, match.job_id, static_cast<int>(action), req, instance, std::move(respond));
      return std::nullopt;
    }
    case RouteId::ConfirmIssue:
      if (rejectQuery({})) return std::nullopt;
      confirmIssue(peer, match.job_id, req, instance, std::move(respond));
      return std::nullopt;
    case RouteId::Events: {
      if (rejectQuery({"since"})) return std::nullopt;
      if (!peer.hasAny(rolesFor(Permission::ReadEvents))) {
        respond(problemResponse(forbidden(Permission::ReadEvents), instance));
        return std::nullopt;
      }
      StreamRequest sr;
      std::string since_text(req.last_event_id);
      for (const auto& [k, v] : *query) {
        if (k == "since") since_text = v;
      }
      if (!since_text.empty()) {
        auto n = since_text == "0" ? std::optional<JobId>(0) : parseJobId(since_text);
        if (!n) {
          respond(problemResponse(
              makeProblem(400, "bad-request", "since must be a whole number >= 0"), instance));
          return std::nullopt;
        }
        sr.since = *n;
      } else {
        // No resume point: live events only, from the journal's current end.
        auto last = ctx_.reader_jobs.lastEventSeq();
        if (!last) {
          respond(errorResponse(last.error(), instance));
          return std::nullopt;
        }
        sr.since = *last;  // events are published only after they are committed
      }
      if (!peer.hasAny(kSeesAllJobs | static_cast<RoleSet>(Role::Technician)))
        sr.owner_filter = peer.actor.uid;
      return sr;
    }
    case RouteId::ListAudit:
      if (rejectQuery({"after", "limit"})) return std::nullopt;
      if (!peer.hasAny(rolesFor(Permission::ReadAudit))) {
        respond(problemResponse(forbidden(Permission::ReadAudit), instance));
        return std::nullopt;
      }
      listAudit(*query, instance, std::move(respond));
      return std::nullopt;
    case RouteId::VerifyAudit:
      if (rejectQuery({})) return std::nullopt;
      if (!peer.hasAny(rolesFor(Permission::ReadAudit))) {
        respond(problemResponse(forbidden(Permission::ReadAudit), instance));
        return std::nullopt;
      }
      verifyAudit(instance, std::move(respond));
      return std::nullopt;
    case RouteId::GetInventory:
    case RouteId::ListLedger:
    case RouteId::ReceiveLot:
    case RouteId::LoadFeeder:
    case RouteId::UnloadFeeder:
    case RouteId::ListDestructions:
    case RouteId::RequestDestruction:
    case RouteId::WitnessDestruction:
    case RouteId::StockTake:
      inventory(peer, match.id, match.job_id, *query, req, instance, std::move(respond));
      return std::nullopt;
    case RouteId::ListPrinters:
    case RouteId::GetPrinter:
    case RouteId::PausePrinter:
    case RouteId::ResumePrinter:
      if (rejectQuery({})) return std::nullopt;
      printers(peer, match.id, match.printer, req, instance, std::move(respond));
      return std::nullopt;
    case RouteId::ListFaults:
      if (rejectQuery({"printer", "since", "reason", "active", "limit", "format"}))
        return std::nullopt;
      health(peer, match.id, match.printer, match.job_id, *query, req, instance,
             std::move(respond));
      return std::nullopt;
    case RouteId::FaultSummary:
      if (rejectQuery({"days"})) return std::nullopt;
      health(peer, match.id, match.printer, match.job_id, *query, req, instance,
             std::move(respond));
      return std::nullopt;
    case RouteId::ListMaintenance:
      if (rejectQuery({"printer", "limit"})) return std::nullopt;
      health(peer, match.id, match.printer, match.job_id, *query, req, instance,
             std::move(respond));
      return std::nullopt;
    case RouteId::ListAlerts:
      if (rejectQuery({"all", "limit"})) return std::nullopt;
      health(peer, match.id, match.printer, match.job_id, *query, req, instance,
             std::move(respond));
      return std::nullopt;
    case RouteId::GetHealth:
    case RouteId::GetPrinterHealth:
    case RouteId::GetSupply:
    case RouteId::RecordMaintenance:
    case RouteId::AcknowledgeAlert:
      if (rejectQuery({})) return std::nullopt;
      health(peer, match.id, match.printer, match.job_id, *query, req, instance,
             std::move(respond));
      return std::nullopt;
  }
  return std::nullopt;
}

void Handlers::refuse(const Peer& peer, Permission needed, std::string action, std::string target,
                      const std::string& instance, Respond respond) {
  auto roles = joinRoleNames(peer.roles);
  ctx_.committer.submit<Ok>(
      [peer, action = std::move(action), target = std::move(target),
       roles](StoreTx& tx) -> Result<Ok> {
        AuditEntry e;
        e.uid = peer.actor.uid;
        e.user = peer.actor.user;
        e.roles = roles;
        e.action = action;
        e.target = target;
        e.detail = json::serialize(auditDetail({{"outcome", "forbidden"}}));
        if (auto r = tx.audit.append(std::move(e)); !r) return std::move(r).error();
        return Ok{};
      },
      ctx_.ioc.get_executor(),
      [needed, instance, respond = std::move(respond)](Result<Ok>) {
        respond(problemResponse(forbidden(needed), instance));
      });
}

void Handlers::submitJob(const Peer& peer, const HttpRequestView& req, Respond respond) {
  const std::string instance = "/v1/jobs";
  if (!peer.hasAny(rolesFor(Permission::SubmitJob))) {
    return refuse(peer, Permission::SubmitJob, "job.submit", "jobs", instance, std::move(respond));
  }
  if (!isJsonContentType(req.content_type)) {
    return respond(problemResponse(makeProblem(415, "unsupported-media-type",
                                               "send the job as Content-Type: application/json"),
                                   instance));
  }
  // The template check works on what parsing decoded (no second parse).
  JobRequestDetail detail;
  auto parsed = parseJobRequest(req.body, ctx_.config->jobs, &detail);
  if (!parsed) return respond(errorResponse(parsed.error(), instance));
  if (auto st = checkPrintable(*ctx_.templates, *parsed, detail); !st) {
    return respond(errorResponse(st.error(), instance));
  }

  auto roles = joinRoleNames(peer.roles);
  ctx_.committer.submit<SubmitOutcome>(
      [job = std::move(parsed).value(), peer, roles](StoreTx& tx) -> Result<SubmitOutcome> {
        auto out = tx.jobs.submit(job, peer.actor, tx.events);
        if (!out || !out->created) return out;
        AuditEntry e;
        e.uid = peer.actor.uid;
        e.user = peer.actor.user;
        e.roles = roles;
        e.action = "job.submit";
        e.target = "job/" + std::to_string(out->job.id);
        e.detail = json::serialize(auditDetail({{"template", json::value(job.template_id)},
                                                {"profile", json::value(job.profile_id)},
                                                {"priority", job.priority},
                                                {"hold", job.hold}}));
        if (auto a = tx.audit.append(std::move(e)); !a) return std::move(a).error();
        return out;
      },
      ctx_.ioc.get_executor(),
      [respond = std::move(respond), instance](Result<SubmitOutcome> r) {
        if (!r) {
          log::error("job not stored", {{"error", std::string(errorSlug(r.error().code))}});
          return respond(errorResponse(r.error(), instance));
        }
        auto res = jsonResponse(r->created ? 201 : 200, jobToJson(r->job));
        res.headers.emplace_back("Location", "/v1/jobs/" + std::to_string(r->job.id));
        if (r->created) {
          log::info("job queued", {{"job", std::to_string(r->job.id)},
                                   {"state", std::string(jobStateName(r->job.state))},
                                   {"uid", std::to_string(r->job.owner.uid)}});
        }
        respond(std::move(res));
      });
}

void Handlers::listJobs(const Peer& peer,
                        const std::vector<std::pair<std::string, std::string>>& query,
                        const std::string& instance, Respond respond) {
  if (!peer.hasAny(rolesFor(Permission::ReadJobs)))
    return respond(problemResponse(forbidden(Permission::ReadJobs), instance));
  JobListQuery q;
  for (const auto& [k, v] : query) {
    if (k == "state") {
      std::size_t i = 0;
      while (i <= v.size()) {
        const auto comma = v.find(',', i);
        const std::string name =
            v.substr(i, comma == std::string::npos ? std::string::npos : comma - i);
        auto s = parseJobState(name);
        if (!s) {
          return respond(
              problemResponse(makeProblem(400, "bad-request",
                                          "unknown state '" + name +
                                              "' (use pending, pending-held, processing, "
                                              "processing-stopped, completed, canceled, aborted)"),
                              instance));
        }
        q.states.push_back(*s);
        if (comma == std::string::npos) break;
        i = comma + 1;
      }
    } else if (k == "limit") {
      auto n = parseJobId(v);
      if (!n || *n > 500) {
        return respond(problemResponse(
            makeProblem(400, "bad-request", "limit must be a whole number from 1 to 500"),
            instance));
      }
      q.limit = static_cast<int>(*n);
    } else if (k == "after") {
      auto n = v == "0" ? std::optional<JobId>(0) : parseJobId(v);
      if (!n)
        return respond(
            problemResponse(makeProblem(400, "bad-request", "after must be a job id"), instance));
      q.after = *n;
    }
  }
  if (!peer.hasAny(kSeesAllJobs)) q.owner_uid = peer.actor.uid;
  auto page = ctx_.reader_jobs.list(q);
  if (!page) return respond(errorResponse(page.error(), instance));
  json::array jobs;
  for (const auto& j : page->jobs) jobs.push_back(jobToJson(j));
  json::object body{{"jobs", std::move(jobs)}};
  if (page->next_after)
    body["next_after"] = *page->next_after;
  else
    body["next_after"] = nullptr;
  respond(jsonResponse(200, body));
}

void Handlers::getJob(const Peer& peer, JobId id, const std::string& instance, Respond respond) {
  if (!peer.hasAny(rolesFor(Permission::ReadJobs)))
    return respond(problemResponse(forbidden(Permission::ReadJobs), instance));
  auto job = ctx_.reader_jobs.get(id);
  if (!job || (!peer.hasAny(kSeesAllJobs) && job->owner.uid != peer.actor.uid)) {
    return respond(problemResponse(
        makeProblem(404, "not-found", "job " + std::to_string(id) + " does not exist"), instance));
  }
  auto events = ctx_.reader_jobs.jobEvents(id);
  if (!events) return respond(errorResponse(events.error(), instance));
  auto body = jobToJson(*job);
  json::array arr;
  for (const auto& e : *events) arr.push_back(eventToJson(e));
  body["events"] = std::move(arr);
  auto attempts = ctx_.reader_attempts.forJob(id);
  if (!attempts) return respond(errorResponse(attempts.error(), instance));
  json::array attempt_arr;
  for (const auto& a : *attempts) attempt_arr.push_back(attemptToJson(a));
  body["attempts"] = std::move(attempt_arr);
  respond(jsonResponse(200, body));
}

void Handlers::previewJob(const Peer& peer, JobId id,
                          const std::vector<std::pair<std::string, std::string>>& query,
                          const std::string& instance, Respond respond) {
  if (!peer.hasAny(rolesFor(Permission::ReadJobs)))
    return respond(problemResponse(forbidden(Permission::ReadJobs), instance));
  const auto side = previewSide(query);
  if (!side) {
    return respond(
        problemResponse(makeProblem(400, "bad-request", "side must be front or back"), instance));
  }
  // Same visibility as GET /v1/jobs/{id}: another operator's job does not exist.
  auto job = ctx_.reader_jobs.get(id);
  if (!job || (!peer.hasAny(kSeesAllJobs) && job->owner.uid != peer.actor.uid)) {
    return respond(problemResponse(
        makeProblem(404, "not-found", "job " + std::to_string(id) + " does not exist"), instance));
  }
  auto payload = ctx_.reader_jobs.payload(id);
  if (!payload) return respond(errorResponse(payload.error(), instance));
  auto tmpl = ctx_.templates->find(job->template_id);
  if (!tmpl) {
    return respond(errorResponse(
        Error(ErrorCode::ValidationFailed,
              "job " + std::to_string(id) + " cannot be previewed: " + tmpl.error().message,
              {FieldError{"/template", tmpl.error().message}}),
        instance));
  }
  renderPreview(std::move(tmpl).value(), std::move(payload).value(), id, *side, instance,
                std::move(respond));
}

void Handlers::previewRequest(const Peer& peer, const HttpRequestView& req,
                              const std::vector<std::pair<std::string, std::string>>& query,
                              const std::string& instance, Respond respond) {
  if (!peer.hasAny(rolesFor(Permission::SubmitJob)))
    return respond(problemResponse(forbidden(Permission::SubmitJob), instance));
  if (!isJsonContentType(req.content_type)) {
    return respond(problemResponse(makeProblem(415, "unsupported-media-type",
                                               "send the job as Content-Type: application/json"),
                                   instance));
  }
  const auto side = previewSide(query);
  if (!side) {
    return respond(
        problemResponse(makeProblem(400, "bad-request", "side must be front or back"), instance));
  }
  // Exactly the checks of a submit; nothing is stored.
  // The template check works on what parsing decoded (no second parse).
  JobRequestDetail detail;
  auto parsed = parseJobRequest(req.body, ctx_.config->jobs, &detail);
  if (!parsed) return respond(errorResponse(parsed.error(), instance));
  if (auto st = checkPrintable(*ctx_.templates, *parsed, detail); !st) {
    return respond(errorResponse(st.error(), instance));
  }
  auto tmpl = ctx_.templates->find(parsed->template_id);
  if (!tmpl) return respond(errorResponse(tmpl.error(), instance));
  renderPreview(std::move(tmpl).value(), std::move(parsed->payload), 0, *side, instance,
                std::move(respond));
}

void Handlers::renderPreview(std::shared_ptr<const render::CardTemplate> tmpl, std::string payload,
                             JobId id, render::Side side, const std::string& instance,
                             Respond respond) {
  if (!tmpl->side(side).present) {
    return respond(problemResponse(
        makeProblem(404, "not-found",
                    "template '" + tmpl->id + "' has no " + render::sideName(side) + " side"),
        instance));
  }
  // The task owns one reference to the responder and moves it into what it
  // posts back, so the session is only ever released on the loop.
  auto responder = std::make_shared<Respond>(std::move(respond));
  // The worker asks the cardd-render helper (render_client.hpp), which it
  // spawns on first use: cardd itself does not link librsvg.
  std::function<void()> task = [tmpl, payload = std::move(payload), id, side, instance,
                                issued = localDate(ctx_.clock.nowMs()),
                                executor = ctx_.ioc.get_executor(), responder,
                                worker = &ctx_.renderer]() mutable {
    auto png = worker->client().preview(*tmpl, payload, id, documentPolicy(), issued, side);
    boost::asio::post(executor, [png = std::move(png), instance = std::move(instance),
                                 responder = std::move(responder)]() {
      if (!png) return (*responder)(errorResponse(png.error(), instance));
      (*responder)(pngResponse(*png));
    });
  };
  if (!ctx_.renderer.tryPost(task)) {
    auto p =
        makeProblem(503, "unavailable",
                    "the card renderer is busy with " + std::to_string(ctx_.renderer.maxQueued()) +
                        " previews; try again in a moment");
    p.headers.emplace_back("Retry-After", "1");
    (*responder)(problemResponse(p, instance));
  }
}

void Handlers::jobAction(const Peer& peer, JobId id, int action_int, const HttpRequestView& req,
                         const std::string& instance, Respond respond) {
  const auto action = static_cast<JobAction>(action_int);
  const Permission needed =
      action == JobAction::Cancel ? Permission::CancelJob : Permission::HoldJob;
  if (!peer.hasAny(rolesFor(needed))) {
    return refuse(peer, needed, actionName(action), "job/" + std::to_string(id), instance,
                  std::move(respond));
  }
  // The body is optional; when present it must be an empty JSON object.
  if (!req.body.empty()) {
    if (!isJsonContentType(req.content_type)) {
      return respond(problemResponse(
          makeProblem(415, "unsupported-media-type", "send {} as application/json, or no body"),
          instance));
    }
    boost::system::error_code ec;
    auto v = json::parse(req.body, ec);
    if (ec)
      return respond(problemResponse(
          makeProblem(400, "invalid-json", "the body is not valid JSON: " + ec.message()),
          instance));
    if (!v.is_object() || !v.get_object().empty()) {
      return respond(problemResponse(
          makeProblem(400, "bad-request", "this request takes no parameters; send {} or nothing"),
          instance));
    }
  }
  const bool sees_all = peer.hasAny(kSeesAllJobs);
  auto roles = joinRoleNames(peer.roles);
  ctx_.committer.submit<Job>(
      [id, action, peer, sees_all, roles](StoreTx& tx) -> Result<Job> {
        // Read, check and change inside one transaction: no race with the scheduler.
        auto job = tx.jobs.get(id);
        if (!job) return std::move(job).error();
        const bool own = job->owner.uid == peer.actor.uid;
        if (!sees_all && !own)
          return Error(ErrorCode::NotFound, "job " + std::to_string(id) + " does not exist");
        auto plan = planAction(job->state, action, own);
        if (!plan) {
          return Error(ErrorCode::IllegalTransition,
                       "job " + std::to_string(id) + ": " + plan.error().message);
        }
        auto changed = tx.jobs.transition(id, plan->to, plan->reasons, peer.actor, tx.events);
        if (!changed) return changed;
        AuditEntry e;
        e.uid = peer.actor.uid;
        e.user = peer.actor.user;
        e.roles = roles;
        e.action = actionName(action);
        e.target = "job/" + std::to_string(id);
        e.detail = json::serialize(auditDetail({{"from", json::value(jobStateName(job->state))},
                                                {"to", json::value(jobStateName(plan->to))}}));
        if (auto a = tx.audit.append(std::move(e)); !a) return std::move(a).error();
        return changed;
      },
      ctx_.ioc.get_executor(),
      [respond = std::move(respond), instance](Result<Job> r) {
        if (!r) return respond(errorResponse(r.error(), instance));
        respond(jsonResponse(200, jobToJson(*r)));
      });
}

void Handlers::listAudit(const std::vector<std::pair<std::string, std::string>>& query,
                         const std::string& instance, Respond respond) {
  std::int64_t after = 0;
  int limit = 100;
  for (const auto& [k, v] : query) {
    auto n = v == "0" ? std::optional<JobId>(0) : parseJobId(v);
    if (!n || (k == "limit" && (*n < 1 || *n > 1000))) {
      return respond(problemResponse(makeProblem(400, "bad-request", k + " must be a whole number"),
                                     instance));
    }
    if (k == "after")
      after = *n;
    else
      limit = static_cast<int>(*n);
  }
  auto rows = ctx_.reader_audit.list(after, limit + 1);
  if (!rows) return respond(errorResponse(rows.error(), instance));
  json::array arr;
  const bool more = rows->size() > static_cast<std::size_t>(limit);
  if (more) rows->pop_back();
  for (const auto& e : *rows) arr.push_back(auditToJson(e));
  json::object body{{"entries", std::move(arr)}};
  if (more)
    body["next_after"] = rows->back().id;
  else
    body["next_after"] = nullptr;
  respond(jsonResponse(200, body));
}

void Handlers::verifyAudit(const std::string& instance, Respond respond) {
  auto v = ctx_.reader_audit.verify();
  if (!v) return respond(errorResponse(v.error(), instance));
  json::object body{{"ok", v->ok}, {"entries", v->entries}};
  if (!v->ok) {
    body["first_bad_id"] = *v->first_bad_id;
    body["problem"] = v->problem;
  }
  respond(jsonResponse(200, body));
}

}  // namespace cardd::api
