#pragma once
// Turns the body of POST /v1/jobs into a NewJob. Pure: no I/O, no clock.
//
// Errors: InvalidJson when the body is not well-formed UTF-8 JSON (or nests
// deeper than 32), ValidationFailed with one FieldError per problem (JSON
// pointer + message) otherwise, PayloadTooLarge when the photo or a
// fingerprint exceeds its configured size. Messages never quote personal data.

#include <string_view>

#include "config/config.hpp"
#include "core/result.hpp"
#include "jobs/job.hpp"

namespace cardd {

Result<NewJob> parseJobRequest(std::string_view body, const JobsConfig& config);

}  // namespace cardd
