#include "api/problem.hpp"

#include <boost/json.hpp>

namespace cardd::api {
namespace {

std::string titleFor(std::string_view slug) {
  if (slug == "invalid-json") return "The body is not valid JSON";
  if (slug == "validation-failed") return "The request does not match the schema";
  if (slug == "not-found") return "Not found";
  if (slug == "illegal-transition") return "The job cannot make that change in its current state";
  if (slug == "forbidden") return "Your role does not allow this";
  if (slug == "unsupported-media-type") return "Unsupported content type";
  if (slug == "payload-too-large") return "The request is too large";
  if (slug == "header-too-large") return "The request headers are too large";
  if (slug == "request-timeout") return "The request did not arrive in time";
  if (slug == "too-many-connections") return "Too many connections";
  if (slug == "method-not-allowed") return "Method not allowed";
  if (slug == "bad-request") return "Bad request";
  if (slug == "unavailable") return "cardd is not available";
  if (slug == "store-io") return "The station's store could not be written";
  return "Internal error";
}

}  // namespace

Problem makeProblem(unsigned status, std::string slug, std::string detail) {
  Problem p;
  p.status = status;
  p.title = titleFor(slug);
  p.slug = std::move(slug);
  p.detail = std::move(detail);
  return p;
}

Problem problemFromError(const Error& e) {
  switch (e.code) {
    case ErrorCode::InvalidArgument:
      return makeProblem(400, "bad-request", e.message);
    case ErrorCode::InvalidJson:
      return makeProblem(400, "invalid-json", e.message);
    case ErrorCode::ValidationFailed: {
      auto p = makeProblem(422, "validation-failed", e.message);
      p.errors = e.fields;
      return p;
    }
    case ErrorCode::NotFound:
      return makeProblem(404, "not-found", e.message);
    case ErrorCode::IllegalTransition:
      return makeProblem(409, "illegal-transition", e.message);
    case ErrorCode::Forbidden:
      return makeProblem(403, "forbidden", e.message);
    case ErrorCode::UnsupportedMediaType:
      return makeProblem(415, "unsupported-media-type", e.message);
    case ErrorCode::PayloadTooLarge: {
      auto p = makeProblem(413, "payload-too-large", e.message);
      p.errors = e.fields;
      return p;
    }
    case ErrorCode::StoreFull:
      return makeProblem(507, "store-io",
                         "nothing was stored, the station's disk is full: " + e.message);
    case ErrorCode::StoreIo:
      return makeProblem(500, "store-io", "nothing was stored: " + e.message);
    case ErrorCode::Unavailable: {
      auto p = makeProblem(503, "unavailable", e.message);
      p.headers.emplace_back("Retry-After", "1");
      return p;
    }
    case ErrorCode::StoreCorrupt:
    case ErrorCode::StoreTooNew:
    case ErrorCode::ConfigInvalid:
    case ErrorCode::IntegrityCheckFailed:
    case ErrorCode::Internal:
      break;
  }
  return makeProblem(500, "internal", e.message);
}

std::string problemBody(const Problem& p, std::string_view instance) {
  boost::json::object o;
  o["type"] = "urn:cardd:problem:" + p.slug;
  o["title"] = p.title;
  o["status"] = p.status;
  if (!p.detail.empty()) o["detail"] = p.detail;
  if (!instance.empty()) o["instance"] = instance;
  if (!p.errors.empty()) {
    boost::json::array arr;
    for (const auto& f : p.errors)
      arr.push_back(boost::json::object{{"pointer", f.pointer}, {"message", f.message}});
    o["errors"] = std::move(arr);
  }
  if (!p.required_roles.empty()) {
    boost::json::array arr;
    for (const auto& r : p.required_roles) arr.emplace_back(r);
    o["required_roles"] = std::move(arr);
  }
  return boost::json::serialize(o);
}

}  // namespace cardd::api
