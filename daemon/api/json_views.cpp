#include "api/json_views.hpp"

#include <cstdlib>

#include <boost/json.hpp>

#include "core/clock.hpp"

namespace cardd::api {
namespace {

boost::json::array toArray(const std::vector<std::string>& v) {
  boost::json::array a;
  for (const auto& s : v) a.emplace_back(s);
  return a;
}

boost::json::object actorToJson(const Actor& a) {
  return {{"uid", a.uid}, {"user", a.user}};
}

boost::json::value optionalText(const std::optional<std::string>& s) {
  return s ? boost::json::value(*s) : boost::json::value(nullptr);
}

boost::json::value optionalId(const std::optional<JobId>& id) {
  return id ? boost::json::value(*id) : boost::json::value(nullptr);
}

}  // namespace

boost::json::object jobToJson(const Job& j) {
  boost::json::object o;
  o["id"] = j.id;
  o["state"] = jobStateName(j.state);
  o["state_reasons"] = toArray(j.state_reasons);
  o["priority"] = j.priority;
  o["template"] = j.template_id;
  o["profile"] = j.profile_id;
  if (j.idempotency_key)
    o["idempotency_key"] = *j.idempotency_key;
  else
    o["idempotency_key"] = nullptr;
  o["owner"] = actorToJson(j.owner);
  o["created_at"] = formatTimestamp(j.created_at_ms);
  o["updated_at"] = formatTimestamp(j.updated_at_ms);
  o["photo_bytes"] = j.photo_bytes;
  o["fingerprint_count"] = j.fingerprint_count;
  if (j.chip_serial) o["chip_serial"] = *j.chip_serial;
  return o;
}

boost::json::object eventToJson(const JobEvent& e) {
  boost::json::object o;
  o["seq"] = e.seq;
  o["at"] = formatTimestamp(e.at_ms);
  o["kind"] = e.kind;
  if (e.kind == "alert" && e.reasons.size() >= 4) {
    /* A station event: reasons are {event, alert id, rule, severity}. */
    o["job_id"] = nullptr;
    o["event"] = e.reasons[0];
    boost::json::object alert;
    alert["id"] = std::strtoll(e.reasons[1].c_str(), nullptr, 10);
    alert["rule"] = e.reasons[2];
    alert["severity"] = e.reasons[3];
    if (e.reasons.size() >= 5) alert["subject"] = e.reasons[4];
    o["alert"] = std::move(alert);
    o["actor"] = actorToJson(e.actor);
    return o;
  }
  o["job_id"] = e.job_id;
  if (e.from)
    o["from"] = jobStateName(*e.from);
  else
    o["from"] = nullptr;
  o["to"] = jobStateName(e.to);
  o["reasons"] = toArray(e.reasons);
  o["actor"] = actorToJson(e.actor);
  return o;
}

boost::json::object auditToJson(const AuditEntry& a) {
  boost::json::object o;
  o["id"] = a.id;
  o["at"] = formatTimestamp(a.at_ms);
  o["uid"] = a.uid;
  o["user"] = a.user;
  o["roles"] = a.roles;
  o["action"] = a.action;
  o["target"] = a.target;
  boost::system::error_code ec;
  auto detail = boost::json::parse(a.detail, ec);
  if (ec)
    o["detail"] = a.detail;
  else
    o["detail"] = std::move(detail);
  o["prev_hash"] = a.prev_hash;
  o["hash"] = a.hash;
  return o;
}

boost::json::object attemptToJson(const CardAttempt& a) {
  boost::json::object o;
  o["attempt"] = a.attempt;
  o["printer"] = a.printer;
  o["step"] = a.step;
  o["outcome"] =
      a.outcome ? boost::json::value(attemptOutcomeName(*a.outcome)) : boost::json::value(nullptr);
  o["reason"] = a.reason;
  o["detail"] = a.detail;
  o["chip_serial"] = optionalText(a.chip_serial);
  o["lot"] = optionalText(a.lot);
  o["card_failure"] = a.card_failure;
  o["started_at"] = formatTimestamp(a.started_at_ms);
  o["ended_at"] = a.ended_at_ms ? boost::json::value(formatTimestamp(*a.ended_at_ms))
                                : boost::json::value(nullptr);
  return o;
}

boost::json::object printerToJson(const station::PrinterView& p) {
  boost::json::object o;
  o["id"] = p.id;
  o["uri"] = p.uri;
  o["family"] = p.family;
  o["reader"] = p.reader.empty() ? boost::json::value(nullptr) : boost::json::value(p.reader);
  o["ribbon"] = p.ribbon;
  o["card_stock"] = p.card_stock;
  o["state"] = p.state;
  o["state_reasons"] = toArray(p.reasons);
  o["message"] = p.message;
  o["paused"] = p.paused;
  o["paused_reason"] = p.paused_reason;
  o["current_job"] = optionalId(p.current_job);
  o["current_step"] = p.current_step;
  o["next_job"] = optionalId(p.next_job);
  o["model"] = p.model;
  o["serial"] = p.serial;
  o["cards_issued_today"] = p.cards_issued_today;
  o["cards_spoiled_today"] = p.cards_spoiled_today;
  o["feeder_cards"] =
      p.feeder_cards ? boost::json::value(*p.feeder_cards) : boost::json::value(nullptr);
  return o;
}

}  // namespace cardd::api
