// Fuzzes route matching and query-string decoding. Input: "METHOD PATH?QUERY".
#include "fuzz_target.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "api/router.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  const auto sp = in.find(' ');
  const std::string_view method = in.substr(0, sp);
  const std::string_view target =
      sp == std::string_view::npos ? std::string_view() : in.substr(sp + 1);
  const auto q = target.find('?');
  auto m = cardd::api::matchRoute(method, target.substr(0, q));
  if (m.kind == cardd::api::RouteMatch::Kind::Found && m.job_id < 0) std::abort();
  if (m.kind == cardd::api::RouteMatch::Kind::MethodNotAllowed && m.allow.empty()) std::abort();
  if (q != std::string_view::npos) (void)cardd::api::parseQuery(target.substr(q + 1));
  (void)cardd::api::parseJobId(target);
  return 0;
}
