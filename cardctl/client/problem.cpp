#include "client/problem.hpp"

#include <array>
#include <boost/json.hpp>
#include <string_view>
#include <utility>

namespace cardd::client {

namespace {

constexpr std::string_view kTypePrefix = "urn:cardd:problem:";

std::string stringMember(const boost::json::object& obj, std::string_view key) {
  const boost::json::value* v = obj.if_contains(key);
  if (v == nullptr || !v->is_string()) return {};
  return std::string(v->get_string());
}

}  // namespace

std::optional<Problem> parseProblem(const Response& response) {
  const bool declared = response.content_type == "application/problem+json";
  if (!declared && response.status < 400) return std::nullopt;
  auto json = response.json();
  if (!json.ok() || !json->is_object()) return std::nullopt;
  const boost::json::object& obj = json->get_object();
  if (!declared && !obj.contains("type") && !obj.contains("title")) return std::nullopt;

  Problem p;
  p.type = stringMember(obj, "type");
  p.slug = p.type;
  if (std::string_view(p.type).substr(0, kTypePrefix.size()) == kTypePrefix) {
    p.slug = p.type.substr(kTypePrefix.size());
  }
  p.title = stringMember(obj, "title");
  p.detail = stringMember(obj, "detail");
  p.instance = stringMember(obj, "instance");
  p.status = response.status;
  if (const auto* s = obj.if_contains("status"); s != nullptr && s->is_int64()) {
    p.status = static_cast<int>(s->get_int64());
  }
  if (const auto* errs = obj.if_contains("errors"); errs != nullptr && errs->is_array()) {
    for (const auto& e : errs->get_array()) {
      if (!e.is_object()) continue;
      p.errors.push_back(FieldError{stringMember(e.get_object(), "pointer"),
                                    stringMember(e.get_object(), "message")});
    }
  }
  if (const auto* roles = obj.if_contains("required_roles");
      roles != nullptr && roles->is_array()) {
    for (const auto& r : roles->get_array()) {
      if (r.is_string()) p.required_roles.emplace_back(r.get_string());
    }
  }
  return p;
}

Error toError(const Problem& problem) {
  static constexpr std::array<std::pair<std::string_view, ErrorCode>, 17> kSlugs{{
      {"invalid-json", ErrorCode::InvalidJson},
      {"validation-failed", ErrorCode::ValidationFailed},
      {"not-found", ErrorCode::NotFound},
      {"illegal-transition", ErrorCode::IllegalTransition},
      {"forbidden", ErrorCode::Forbidden},
      {"unsupported-media-type", ErrorCode::UnsupportedMediaType},
      {"payload-too-large", ErrorCode::PayloadTooLarge},
      {"header-too-large", ErrorCode::PayloadTooLarge},
      {"request-timeout", ErrorCode::InvalidArgument},
      {"method-not-allowed", ErrorCode::InvalidArgument},
      {"bad-request", ErrorCode::InvalidArgument},
      {"invalid-argument", ErrorCode::InvalidArgument},
      {"too-many-connections", ErrorCode::Unavailable},
      {"unavailable", ErrorCode::Unavailable},
      {"store-io", ErrorCode::StoreIo},
      {"store-full", ErrorCode::StoreFull},
      {"internal", ErrorCode::Internal},
  }};
  ErrorCode code = ErrorCode::Internal;
  for (const auto& [slug, c] : kSlugs) {
    if (slug == problem.slug) code = c;
  }
  std::string message = !problem.detail.empty() ? problem.detail : problem.title;
  if (message.empty()) message = "HTTP " + std::to_string(problem.status);
  return Error(code, std::move(message), problem.errors);
}

}  // namespace cardd::client
