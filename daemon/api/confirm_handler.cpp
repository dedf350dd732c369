// POST /v1/jobs/{id}/confirm-issued: the one manual step of the exactly-once
// rule (DESIGN.md, Card attempt). cardd stopped after it asked the printer to
// eject a card to the output hopper and before the printer confirmed; on
// restart the card was no longer in the printer, so the job waits in
// processing-stopped (reason confirm-issued) with the chip serial. Someone at
// the counter looks in the hopper:
//   {"issued": true}   the card is there: the attempt ends issued (the ledger
//                      counts it issued), the job completes;
//   {"issued": false}  it is not: the card is recorded spoiled (reason
//                      not-in-hopper, a supervisor follows up) and the job
//                      runs again on a fresh blank.
// Audited as job.confirm-issued.

#include <boost/json.hpp>

#include <algorithm>

#include "api/handlers.hpp"
#include "api/json_views.hpp"
#include "jobs/job_state_machine.hpp"
#include "store/attempt_store.hpp"
#include "store/audit_log.hpp"

namespace cardd::api {

namespace json = boost::json;

void Handlers::confirmIssue(const Peer& peer, JobId id, const HttpRequestView& req,
                            const std::string& instance, Respond respond) {
  const std::string target = "job/" + std::to_string(id);
  if (!peer.hasAny(rolesFor(Permission::ConfirmIssue))) {
    return refuse(peer, Permission::ConfirmIssue, "job.confirm-issued", target, instance,
                  std::move(respond));
  }
  if (!isJsonContentType(req.content_type)) {
    return respond(problemResponse(makeProblem(415, "unsupported-media-type",
                                               "send {\"issued\": true|false} as application/json"),
                                   instance));
  }
  boost::system::error_code ec;
  auto body = json::parse(req.body, ec);
  if (ec) {
    return respond(problemResponse(
        makeProblem(400, "invalid-json", "the body is not valid JSON: " + ec.message()), instance));
  }
  const json::object* o = body.if_object();
  const json::value* issued_v = o ? o->if_contains("issued") : nullptr;
  if (o == nullptr || issued_v == nullptr || !issued_v->is_bool() || o->size() != 1) {
    Problem p = makeProblem(422, "validation-failed",
                            "send {\"issued\": true} when the card is in the output hopper, "
                            "{\"issued\": false} when it is not");
    p.errors.push_back({"/issued", "must be true or false, and the only member"});
    return respond(problemResponse(std::move(p), instance));
  }
  const bool issued = issued_v->as_bool();
  const bool sees_all = peer.hasAny(kSeesAllJobs);
  const auto roles = joinRoleNames(peer.roles);

  ctx_.committer.submit<Job>(
      [id, issued, peer, sees_all, roles](StoreTx& tx) -> Result<Job> {
        auto job = tx.jobs.get(id);
        if (!job) return std::move(job).error();
        if (!sees_all && job->owner.uid != peer.actor.uid)
          return Error(ErrorCode::NotFound, "job " + std::to_string(id) + " does not exist");
        const bool waiting = job->state == JobState::ProcessingStopped &&
                             std::find(job->state_reasons.begin(), job->state_reasons.end(),
                                       "confirm-issued") != job->state_reasons.end();
        if (!waiting) {
          return Error(ErrorCode::IllegalTransition,
                       "job " + std::to_string(id) + " is " +
                           std::string(jobStateName(job->state)) +
                           "; only a job stopped with reason confirm-issued waits for this");
        }
        auto attempts = tx.attempts.forJob(id);
        if (!attempts) return std::move(attempts).error();
        const CardAttempt* open = nullptr;
        for (const auto& a : *attempts)
          if (!a.outcome) open = &a;
        if (open == nullptr)
          return Error(ErrorCode::IllegalTransition,
                       "job " + std::to_string(id) + " has no card waiting for confirmation");

        AttemptEnd end;
        end.chip_serial = open->chip_serial;
        if (issued) {
          end.outcome = AttemptOutcome::Issued;
          end.reason = "issue-confirmed";
        } else {
          end.outcome = AttemptOutcome::Spoiled;
          end.reason = "not-in-hopper";
          end.detail = "after an interrupted eject the card was not found in the output hopper";
        }
        auto ended = tx.attempts.finish(open->id, end, tx.ledger, peer.actor, tx.events);
        if (!ended) return std::move(ended).error();
        const JobState to = issued ? JobState::Completed : JobState::Pending;
        const std::vector<std::string> reasons =
            issued ? std::vector<std::string>{"job-completed-successfully", "issue-confirmed"}
                   : std::vector<std::string>{"card-not-in-hopper"};
        auto changed = tx.jobs.transition(id, to, reasons, peer.actor, tx.events);
        if (!changed) return changed;
        AuditEntry e;
        e.uid = peer.actor.uid;
        e.user = peer.actor.user;
        e.roles = roles;
        e.action = "job.confirm-issued";
        e.target = "job/" + std::to_string(id);
        json::object detail{{"issued", issued}, {"attempt", open->attempt}};
        if (open->chip_serial) detail["chip_serial"] = *open->chip_serial;
        e.detail = json::serialize(detail);
        if (auto a = tx.audit.append(std::move(e)); !a) return std::move(a).error();
        return changed;
      },
      ctx_.ioc.get_executor(),
      [respond = std::move(respond), instance](Result<Job> r) {
        if (!r) return respond(problemResponse(problemFromError(r.error()), instance));
        respond(jsonResponse(200, jobToJson(*r)));
      });
}

}  // namespace cardd::api
