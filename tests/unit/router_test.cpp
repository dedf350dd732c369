#include "api/router.hpp"

#include <gtest/gtest.h>

namespace cardd::api {
namespace {

TEST(Router, MatchesEveryRouteInTheTable) {
  for (const auto& r : routeTable()) {
    std::string path(r.pattern);
    if (auto p = path.find("{id}"); p != std::string::npos) path.replace(p, 4, "17");
    if (auto p = path.find("{printer}"); p != std::string::npos) path.replace(p, 9, "P-1");
    auto m = matchRoute(r.method, path);
    EXPECT_EQ(m.kind, RouteMatch::Kind::Found) << path;
    EXPECT_EQ(m.id, r.id) << path;
    if (r.pattern.find("{id}") != std::string_view::npos) {
      EXPECT_EQ(m.job_id, 17);
    }
    if (r.pattern.find("{printer}") != std::string_view::npos) {
      EXPECT_EQ(m.printer, "P-1");
    }
  }
}

TEST(Router, WrongMethodListsTheAllowedOnes) {
  auto m = matchRoute("DELETE", "/v1/jobs");
  EXPECT_EQ(m.kind, RouteMatch::Kind::MethodNotAllowed);
  EXPECT_EQ(m.allow, "POST, GET");
  EXPECT_EQ(matchRoute("GET", "/v1/jobs/3/cancel").allow, "POST");
}

TEST(Router, OddIdsAreBadIds) {
  for (const char* p : {"/v1/jobs/0", "/v1/jobs/-1", "/v1/jobs/abc", "/v1/jobs/1e3", "/v1/jobs/007",
                        "/v1/jobs/99999999999999999999", "/v1/jobs/+5", "/v1/jobs/5 "}) {
    EXPECT_EQ(matchRoute("GET", p).kind, RouteMatch::Kind::BadId) << p;
  }
}

TEST(Router, UnknownPathsAreNotFound) {
  for (const char* p :
       {"/", "/v2/jobs", "/v1/job", "/v1/jobs/1/explode", "/v1/jobs/1/cancel/now"}) {
    EXPECT_EQ(matchRoute("GET", p).kind, RouteMatch::Kind::NotFound) << p;
  }
}

TEST(Router, QueryStringsArePercentDecoded) {
  auto q = parseQuery("state=pending%2Cpending-held&limit=5&x=a+b&flag");
  ASSERT_TRUE(q.has_value());
  ASSERT_EQ(q->size(), 4u);
  EXPECT_EQ((*q)[0].second, "pending,pending-held");
  EXPECT_EQ((*q)[2].second, "a b");
  EXPECT_EQ((*q)[3].first, "flag");
  EXPECT_FALSE(parseQuery("a=%zz").has_value());
  EXPECT_FALSE(parseQuery("a=%4").has_value());
  EXPECT_TRUE(parseQuery("")->empty());
}

TEST(Router, PrinterSegments) {
  for (const char* id : {"P1", "back-room_2.b", "a", "0", "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"}) {
    const std::string base = std::string("/v1/printers/") + id;
    auto get = matchRoute("GET", base);
    EXPECT_EQ(get.kind, RouteMatch::Kind::Found) << base;
    EXPECT_EQ(get.id, RouteId::GetPrinter);
    EXPECT_EQ(get.printer, id);
    auto pause = matchRoute("POST", base + "/pause");
    EXPECT_EQ(pause.id, RouteId::PausePrinter) << base;
    EXPECT_EQ(pause.printer, id);
    EXPECT_EQ(matchRoute("POST", base + "/resume").id, RouteId::ResumePrinter);
  }
  // Not a printer id: no such resource (a name cardd.yaml cannot hold).
  for (const char* p :
       {"/v1/printers/has space", "/v1/printers/a:b", "/v1/printers/%41",
        "/v1/printers/ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456", "/v1/printers/P1/reboot"}) {
    EXPECT_EQ(matchRoute("GET", p).kind, RouteMatch::Kind::NotFound) << p;
  }
  auto list = matchRoute("GET", "/v1/printers");
  EXPECT_EQ(list.id, RouteId::ListPrinters);
  EXPECT_TRUE(list.printer.empty());
  EXPECT_EQ(matchRoute("GET", "/v1/printers/P1/pause").allow, "POST");
  EXPECT_EQ(matchRoute("DELETE", "/v1/printers/P1").allow, "GET");
  EXPECT_FALSE(isPrinterId(""));
  EXPECT_TRUE(isPrinterId("x.y_z-1"));
}

}  // namespace
}  // namespace cardd::api
