#include "core/error.hpp"

namespace cardd {

std::string_view errorSlug(ErrorCode code) {
  switch (code) {
    case ErrorCode::InvalidArgument:
      return "invalid-argument";
    case ErrorCode::InvalidJson:
      return "invalid-json";
    case ErrorCode::ValidationFailed:
      return "validation-failed";
    case ErrorCode::NotFound:
      return "not-found";
    case ErrorCode::IllegalTransition:
      return "illegal-transition";
    case ErrorCode::Forbidden:
      return "forbidden";
    case ErrorCode::UnsupportedMediaType:
      return "unsupported-media-type";
    case ErrorCode::PayloadTooLarge:
      return "payload-too-large";
    case ErrorCode::StoreIo:
      return "store-io";
    case ErrorCode::StoreFull:
      return "store-full";
    case ErrorCode::StoreCorrupt:
      return "store-corrupt";
    case ErrorCode::StoreTooNew:
      return "store-too-new";
    case ErrorCode::ConfigInvalid:
      return "config-invalid";
    case ErrorCode::IntegrityCheckFailed:
      return "integrity-check-failed";
    case ErrorCode::Unavailable:
      return "unavailable";
    case ErrorCode::Internal:
      return "internal";
  }
  return "internal";
}

}  // namespace cardd
