#pragma once
// RFC 9457 problem details. This is the only place where cardd's errors
// become HTTP statuses; the `type` of each problem is stable
// ("urn:cardd:problem:<slug>") so that frontends can switch on it.

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/error.hpp"

namespace cardd::api {

struct Problem {
  unsigned status = 500;
  std::string slug;    // e.g. "validation-failed"
  std::string title;   // short, fixed per slug
  std::string detail;  // this occurrence; never personal data
  std::vector<FieldError> errors;
  std::vector<std::string> required_roles;
  std::vector<std::pair<std::string, std::string>> headers;  // e.g. Allow, Retry-After
};

Problem problemFromError(const Error& error);
// For conditions the transport detects itself (413, 431, 408, 503, 405, 400).
Problem makeProblem(unsigned status, std::string slug, std::string detail);

// The application/problem+json body.
std::string problemBody(const Problem& problem, std::string_view instance);

}  // namespace cardd::api
