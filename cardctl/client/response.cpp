#include "client/response.hpp"

#include <boost/json/parse.hpp>
#include <cctype>

namespace cardd::client {

std::string Response::header(std::string_view name) const {
  std::string key(name);
  for (char& c : key) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  auto it = headers.find(key);
  return it == headers.end() ? std::string() : it->second;
}

Result<boost::json::value> Response::json() const {
  if (body.empty()) return Error(ErrorCode::InvalidJson, "response body is empty");
  boost::system::error_code ec;
  boost::json::value value = boost::json::parse(body, ec);
  if (ec) return Error(ErrorCode::InvalidJson, "response body is not JSON: " + ec.message());
  return value;
}

}  // namespace cardd::client
