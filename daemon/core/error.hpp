#pragma once
// The error vocabulary of cardd. Likely failures travel as values (see
// result.hpp); only the API layer (daemon/api/problem.cpp) maps an ErrorCode to
// an HTTP status and a problem type. Exceptions are reserved for start-up, and
// broken invariants abort.

#include <string>
#include <string_view>
#include <vector>

namespace cardd {

enum class ErrorCode {
  InvalidArgument,       // A caller passed a value outside the contract.
  InvalidJson,           // A body is not well-formed JSON (or not UTF-8).
  ValidationFailed,      // Well-formed input that breaks the schema; see Error::fields.
  NotFound,              // The named object does not exist (or is not visible).
  IllegalTransition,     // A job state change the state machine refuses.
  Forbidden,             // The caller's role does not allow the action.
  UnsupportedMediaType,  // The body has a content type we do not accept.
  PayloadTooLarge,       // A part of the input exceeds a configured size limit.
  StoreIo,               // SQLite could not read or write (I/O error).
  StoreFull,             // The disk (or the store's quota) is full.
  StoreCorrupt,          // The database file is not a valid cardd database.
  StoreTooNew,           // The database schema is newer than this binary.
  ConfigInvalid,         // The configuration has errors.
  IntegrityCheckFailed,  // A cryptogram, MAC or signature did not verify.
  Unavailable,           // The daemon is shutting down or overloaded.
  Internal,              // An unexpected failure of a dependency.
};

// Stable lower-case slug for a code ("illegal-transition"); used in problem
// types, logs and the CLI.
std::string_view errorSlug(ErrorCode code);

// One problem with one input field, addressed by a JSON pointer ("/person/nik").
struct FieldError {
  std::string pointer;
  std::string message;
};

struct Error {
  ErrorCode code;
  std::string message;             // Human sentence; never holds personal data.
  std::vector<FieldError> fields;  // Filled for ValidationFailed.

  Error(ErrorCode c, std::string msg) : code(c), message(std::move(msg)) {}
  Error(ErrorCode c, std::string msg, std::vector<FieldError> f)
      : code(c), message(std::move(msg)), fields(std::move(f)) {}
};

}  // namespace cardd
