#include <gtest/gtest.h>

#include "client/problem.hpp"

namespace cardd::client {
namespace {

Response make(int status, std::string type, std::string body) {
  Response r;
  r.status = status;
  r.content_type = std::move(type);
  r.body = std::move(body);
  return r;
}

TEST(Problem, ParsesValidationProblem) {
  auto p = parseProblem(make(422, "application/problem+json",
                             R"({"type":"urn:cardd:problem:validation-failed","title":"Invalid job",
                                 "status":422,"detail":"2 fields","instance":"/v1/jobs",
                                 "errors":[{"pointer":"/person/nik","message":"must be 16 digits"},
                                           {"pointer":"/priority","message":"1..100"}]})"));
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(p->slug, "validation-failed");
  EXPECT_EQ(p->status, 422);
  EXPECT_EQ(p->instance, "/v1/jobs");
  ASSERT_EQ(p->errors.size(), 2U);
  EXPECT_EQ(p->errors[0].pointer, "/person/nik");
  Error e = toError(*p);
  EXPECT_EQ(e.code, ErrorCode::ValidationFailed);
  EXPECT_EQ(e.message, "2 fields");
  EXPECT_EQ(e.fields.size(), 2U);
}

TEST(Problem, NotAProblem) {
  EXPECT_FALSE(parseProblem(make(200, "application/json", R"({"type":"x"})")).has_value());
  EXPECT_FALSE(parseProblem(make(500, "text/plain", "oops")).has_value());
  EXPECT_FALSE(parseProblem(make(400, "application/json", "[1]")).has_value());
  EXPECT_FALSE(parseProblem(make(400, "application/problem+json", "not json")).has_value());
}

TEST(Problem, UndeclaredJsonErrorBodyCounts) {
  auto p = parseProblem(make(404, "application/json", R"({"title":"Not Found"})"));
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(p->status, 404);
  EXPECT_EQ(p->slug, "");
  EXPECT_EQ(toError(*p).code, ErrorCode::Internal);
  EXPECT_EQ(toError(*p).message, "Not Found");
}

TEST(Problem, SlugsMapToErrorCodes) {
  auto code = [](std::string slug) {
    Problem p;
    p.slug = std::move(slug);
    return toError(p).code;
  };
  EXPECT_EQ(code("not-found"), ErrorCode::NotFound);
  EXPECT_EQ(code("forbidden"), ErrorCode::Forbidden);
  EXPECT_EQ(code("illegal-transition"), ErrorCode::IllegalTransition);
  EXPECT_EQ(code("too-many-connections"), ErrorCode::Unavailable);
  EXPECT_EQ(code("payload-too-large"), ErrorCode::PayloadTooLarge);
  EXPECT_EQ(code("something-new"), ErrorCode::Internal);
}

TEST(Response, JsonAndHeaders) {
  Response r = make(200, "application/json", R"({"a":1})");
  r.headers["location"] = "/v1/jobs/7";
  EXPECT_EQ(r.header("Location"), "/v1/jobs/7");
  EXPECT_EQ(r.header("missing"), "");
  ASSERT_TRUE(r.json().ok());
  EXPECT_EQ(r.json()->at("a").as_int64(), 1);
  EXPECT_EQ(make(200, "", "").json().error().code, ErrorCode::InvalidJson);
  EXPECT_EQ(make(200, "", "{").json().error().code, ErrorCode::InvalidJson);
}

}  // namespace
}  // namespace cardd::client
