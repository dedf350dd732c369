// The OpenAPI document must describe every route the daemon serves, and
// nothing it does not.
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <set>

#include "api/router.hpp"

namespace cardd::api {
namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  return out;
}

TEST(OpenApi, EveryServedRouteIsDocumented) {
  const auto doc = YAML::LoadFile(std::string(CARDD_SOURCE_DIR) + "/docs/api/openapi.yaml");
  const auto paths = doc["paths"];
  ASSERT_TRUE(paths && paths.IsMap());
  for (const auto& r : routeTable()) {
    const std::string path(r.pattern);
    ASSERT_TRUE(paths[path]) << "docs/api/openapi.yaml lacks the path " << path;
    EXPECT_TRUE(paths[path][lower(r.method)])
        << "docs/api/openapi.yaml lacks " << r.method << " " << path;
  }
}

TEST(OpenApi, NothingUndocumentedIsServedAndViceVersa) {
  const auto doc = YAML::LoadFile(std::string(CARDD_SOURCE_DIR) + "/docs/api/openapi.yaml");
  std::set<std::string> served;
  for (const auto& r : routeTable()) served.insert(lower(r.method) + " " + std::string(r.pattern));
  for (auto p = doc["paths"].begin(); p != doc["paths"].end(); ++p) {
    for (auto op = p->second.begin(); op != p->second.end(); ++op) {
      const auto method = op->first.Scalar();
      if (method == "parameters" || method == "summary" || method == "description") continue;
      EXPECT_TRUE(served.contains(method + " " + p->first.Scalar()))
          << "documented but not served: " << method << " " << p->first.Scalar();
    }
  }
}

}  // namespace
}  // namespace cardd::api
