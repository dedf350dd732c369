#include <gtest/gtest.h>

#include "cli/exit_codes.hpp"

namespace cardd::cli {
namespace {

TEST(ExitCodes, DocumentedValues) {
  EXPECT_EQ(toInt(ExitCode::Ok), 0);
  EXPECT_EQ(toInt(ExitCode::Error), 1);
  EXPECT_EQ(toInt(ExitCode::Usage), 2);
  EXPECT_EQ(toInt(ExitCode::Unreachable), 3);
  EXPECT_EQ(toInt(ExitCode::PermissionDenied), 4);
  EXPECT_EQ(toInt(ExitCode::NotFound), 5);
  EXPECT_EQ(toInt(ExitCode::Rejected), 6);
  EXPECT_EQ(toInt(ExitCode::Conflict), 7);
  EXPECT_EQ(toInt(ExitCode::AuditBroken), 8);
}

TEST(ExitCodes, FromHttpStatus) {
  EXPECT_EQ(exitCodeForHttp(200), ExitCode::Ok);
  EXPECT_EQ(exitCodeForHttp(201), ExitCode::Ok);
  EXPECT_EQ(exitCodeForHttp(401), ExitCode::PermissionDenied);
  EXPECT_EQ(exitCodeForHttp(403), ExitCode::PermissionDenied);
  EXPECT_EQ(exitCodeForHttp(404), ExitCode::NotFound);
  EXPECT_EQ(exitCodeForHttp(409), ExitCode::Conflict);
  EXPECT_EQ(exitCodeForHttp(400), ExitCode::Rejected);
  EXPECT_EQ(exitCodeForHttp(413), ExitCode::Rejected);
  EXPECT_EQ(exitCodeForHttp(415), ExitCode::Rejected);
  EXPECT_EQ(exitCodeForHttp(422), ExitCode::Rejected);
  EXPECT_EQ(exitCodeForHttp(503), ExitCode::Unreachable);
  EXPECT_EQ(exitCodeForHttp(500), ExitCode::Error);
  EXPECT_EQ(exitCodeForHttp(507), ExitCode::Error);
  EXPECT_EQ(exitCodeForHttp(302), ExitCode::Error);
}

TEST(ExitCodes, ProblemSlugWinsOverStatus) {
  EXPECT_EQ(exitCodeForHttp(400, "validation-failed"), ExitCode::Rejected);
  EXPECT_EQ(exitCodeForHttp(422, "validation-failed"), ExitCode::Rejected);
  EXPECT_EQ(exitCodeForHttp(400, "invalid-json"), ExitCode::Rejected);
  EXPECT_EQ(exitCodeForHttp(403, "forbidden"), ExitCode::PermissionDenied);
  EXPECT_EQ(exitCodeForHttp(404, "not-found"), ExitCode::NotFound);
  EXPECT_EQ(exitCodeForHttp(409, "illegal-transition"), ExitCode::Conflict);
  EXPECT_EQ(exitCodeForHttp(400, "illegal-transition"), ExitCode::Conflict);
  EXPECT_EQ(exitCodeForHttp(503, "too-many-connections"), ExitCode::Unreachable);
  EXPECT_EQ(exitCodeForHttp(503, "unavailable"), ExitCode::Unreachable);
  EXPECT_EQ(exitCodeForHttp(507, "store-io"), ExitCode::Error);
  EXPECT_EQ(exitCodeForHttp(431, "header-too-large"), ExitCode::Rejected);
  EXPECT_EQ(exitCodeForHttp(418, "brand-new-slug"), ExitCode::Rejected);
  EXPECT_EQ(exitCodeForHttp(200, "forbidden"), ExitCode::Ok);
}

TEST(ExitCodes, FromErrors) {
  EXPECT_EQ(exitCodeForError(Error(ErrorCode::Unavailable, "x")), ExitCode::Unreachable);
  EXPECT_EQ(exitCodeForError(Error(ErrorCode::Forbidden, "x")), ExitCode::PermissionDenied);
  EXPECT_EQ(exitCodeForError(Error(ErrorCode::NotFound, "x")), ExitCode::NotFound);
  EXPECT_EQ(exitCodeForError(Error(ErrorCode::IllegalTransition, "x")), ExitCode::Conflict);
  EXPECT_EQ(exitCodeForError(Error(ErrorCode::ValidationFailed, "x")), ExitCode::Rejected);
  EXPECT_EQ(exitCodeForError(Error(ErrorCode::InvalidJson, "x")), ExitCode::Rejected);
  EXPECT_EQ(exitCodeForError(Error(ErrorCode::Internal, "x")), ExitCode::Error);
  EXPECT_EQ(exitCodeForError(Error(ErrorCode::StoreIo, "x")), ExitCode::Error);
}

}  // namespace
}  // namespace cardd::cli
