#pragma once
// RFC 9457 problem bodies (application/problem+json) as cardd sends them; see
// docs/api/openapi.yaml. Pure functions, no I/O.

#include <optional>
#include <string>
#include <vector>

#include "client/response.hpp"
#include "core/error.hpp"

namespace cardd::client {

struct Problem {
  std::string type;  // "urn:cardd:problem:not-found"
  std::string slug;  // "not-found" (type without the "urn:cardd:problem:" prefix)
  std::string title;
  int status = 0;  // the body's "status", else the HTTP status
  std::string detail;
  std::string instance;
  std::vector<FieldError> errors;           // validation-failed: one per field
  std::vector<std::string> required_roles;  // forbidden: roles that would be allowed
};

// The problem carried by `response`, or nullopt when it carries none. A body
// is read as a problem when the content type is application/problem+json, or
// when the status is >= 400 and the body is a JSON object with a "type" or
// "title" member. Unknown members are ignored; missing ones stay empty.
std::optional<Problem> parseProblem(const Response& response);

// The cardd::ErrorCode a problem slug stands for (the inverse of the daemon's
// mapping): "not-found" -> NotFound, "forbidden" -> Forbidden,
// "too-many-connections"/"unavailable" -> Unavailable, an unknown slug ->
// Internal. The Error's message is the problem's detail (else its title), and
// `fields` holds its validation errors.
Error toError(const Problem& problem);

}  // namespace cardd::client
