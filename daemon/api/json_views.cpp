#include "api/json_views.hpp"

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
  return o;
}

boost::json::object eventToJson(const JobEvent& e) {
  boost::json::object o;
  o["seq"] = e.seq;
  o["at"] = formatTimestamp(e.at_ms);
  o["kind"] = e.kind;
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

}  // namespace cardd::api
