#pragma once
// cardctl's exit codes (documented in docs/cardctl.md and `cardctl --help`),
// and the mapping from HTTP statuses, problem types and client errors to them.
// Pure functions.

#include <string_view>

#include "core/error.hpp"

namespace cardd::cli {

enum class ExitCode : int {
  Ok = 0,
  Error = 1,             // anything else (5xx, unexpected responses, unreadable files)
  Usage = 2,             // bad command line
  Unreachable = 3,       // daemon not running / not answering / shutting down (503)
  PermissionDenied = 4,  // socket permission or 403 forbidden
  NotFound = 5,          // 404 not-found
  Rejected = 6,          // other 4xx: validation, bad JSON, bad input
  Conflict = 7,          // 409 illegal-transition
  AuditBroken = 8,       // audit verify found a broken hash chain
};

constexpr int toInt(ExitCode code) {
  return static_cast<int>(code);
}

// For an HTTP response: the problem slug decides when it is known ("" when the
// body is not a problem), else the status: 2xx -> Ok, 401/403 -> PermissionDenied,
// 404 -> NotFound, 409 -> Conflict, 503 -> Unreachable, other 4xx -> Rejected,
// anything else -> Error.
ExitCode exitCodeForHttp(int status, std::string_view problem_slug = {});

// For an Error value (from cardd_client, or a problem turned into an Error by
// client::toError): Unavailable -> Unreachable, Forbidden -> PermissionDenied,
// NotFound -> NotFound, IllegalTransition -> Conflict, InvalidArgument /
// InvalidJson / ValidationFailed / UnsupportedMediaType / PayloadTooLarge ->
// Rejected, others -> Error.
ExitCode exitCodeForError(const cardd::Error& error);

}  // namespace cardd::cli
