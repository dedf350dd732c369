#include "cli/exit_codes.hpp"

#include <array>
#include <utility>

namespace cardd::cli {

ExitCode exitCodeForHttp(int status, std::string_view problem_slug) {
  static constexpr std::array<std::pair<std::string_view, ExitCode>, 16> kSlugs{{
      {"forbidden", ExitCode::PermissionDenied},
      {"not-found", ExitCode::NotFound},
      {"illegal-transition", ExitCode::Conflict},
      {"invalid-json", ExitCode::Rejected},
      {"validation-failed", ExitCode::Rejected},
      {"bad-request", ExitCode::Rejected},
      {"unsupported-media-type", ExitCode::Rejected},
      {"payload-too-large", ExitCode::Rejected},
      {"header-too-large", ExitCode::Rejected},
      {"method-not-allowed", ExitCode::Rejected},
      {"request-timeout", ExitCode::Rejected},
      {"unavailable", ExitCode::Unreachable},
      {"too-many-connections", ExitCode::Unreachable},
      {"store-io", ExitCode::Error},
      {"store-full", ExitCode::Error},
      {"internal", ExitCode::Error},
  }};
  if (status >= 200 && status < 300) return ExitCode::Ok;
  for (const auto& [slug, code] : kSlugs) {
    if (slug == problem_slug) return code;
  }
  switch (status) {
    case 401:
    case 403:
      return ExitCode::PermissionDenied;
    case 404:
      return ExitCode::NotFound;
    case 409:
      return ExitCode::Conflict;
    case 503:
      return ExitCode::Unreachable;
    default:
      break;
  }
  if (status >= 400 && status < 500) return ExitCode::Rejected;
  return ExitCode::Error;
}

ExitCode exitCodeForError(const cardd::Error& error) {
  switch (error.code) {
    case ErrorCode::Unavailable:
      return ExitCode::Unreachable;
    case ErrorCode::Forbidden:
      return ExitCode::PermissionDenied;
    case ErrorCode::NotFound:
      return ExitCode::NotFound;
    case ErrorCode::IllegalTransition:
      return ExitCode::Conflict;
    case ErrorCode::InvalidArgument:
    case ErrorCode::InvalidJson:
    case ErrorCode::ValidationFailed:
    case ErrorCode::UnsupportedMediaType:
    case ErrorCode::PayloadTooLarge:
      return ExitCode::Rejected;
    default:
      return ExitCode::Error;  // store, config, internal, and codes added later
  }
}

}  // namespace cardd::cli
