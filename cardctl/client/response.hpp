#pragma once
// One HTTP response from cardd, as cardd_client hands it back. A plain value:
// no I/O, safe to copy and to use from any thread.

#include <boost/json/value.hpp>
#include <map>
#include <string>
#include <string_view>

#include "core/result.hpp"

namespace cardd::client {

struct Response {
  int status = 0;
  // Media type of the body without parameters, lower-cased
  // ("application/json", "application/problem+json", "text/event-stream");
  // empty when the response has no Content-Type. The full header value is in
  // headers["content-type"].
  std::string content_type;
  // Header names are lower-cased; a repeated header's values are joined with ", ".
  std::map<std::string, std::string> headers;
  std::string body;

  // The value of a header (any case), or "" when absent.
  std::string header(std::string_view name) const;

  // Parses `body` as JSON. Errors: ErrorCode::InvalidJson (with the parser's
  // message) when the body is empty or not well-formed JSON.
  Result<boost::json::value> json() const;
};

}  // namespace cardd::client
