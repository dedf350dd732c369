// Response helpers shared by the route handlers (handlers.hpp).

#include <boost/json.hpp>
#include <cctype>

#include "api/handlers.hpp"

namespace cardd::api {

HttpResponse jsonResponse(unsigned status, const boost::json::value& v) {
  HttpResponse r;
  r.status = status;
  r.body = boost::json::serialize(v);
  return r;
}

Problem forbidden(Permission needed) {
  auto p = makeProblem(403, "forbidden", "");
  p.required_roles = roleNames(rolesFor(needed));
  std::string list;
  for (std::size_t i = 0; i < p.required_roles.size(); ++i) {
    if (i > 0) list += i + 1 == p.required_roles.size() ? " or " : ", ";
    list += p.required_roles[i];
  }
  p.detail = "this needs the " + list + " role";
  return p;
}

bool isJsonContentType(std::string_view content_type) {
  const auto semi = content_type.find(';');
  std::string base(content_type.substr(0, semi));
  while (!base.empty() && base.back() == ' ') base.pop_back();
  for (auto& c : base) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return base == "application/json";
}

}  // namespace cardd::api
