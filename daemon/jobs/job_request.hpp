#pragma once
// Turns the body of POST /v1/jobs into a NewJob. Pure: no I/O, no clock.
//
// Errors: InvalidJson when the body is not well-formed UTF-8 JSON (or nests
// deeper than 32), ValidationFailed with one FieldError per problem (JSON
// pointer + message) otherwise, PayloadTooLarge when the photo or a
// fingerprint exceeds its configured size. Messages never quote personal data.

#include <boost/json/object.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.hpp"
#include "core/result.hpp"
#include "jobs/job.hpp"

namespace cardd {

// What parseJobRequest() decoded on the way, handed to the checks that
// follow it on the same request (templates/card_preview.hpp: checkPrintable)
// so that they parse and decode nothing again. Filled only on success.
struct JobRequestDetail {
  std::string photo;  // The decoded photo (JPEG or PNG bytes).
  // Dotted paths of the person's values as buildCardSubject() flattens them
  // ("name", "address.city"; null values left out), sorted.
  std::vector<std::string> person_paths;
};

// The sorted dotted paths of `person`'s values (JobRequestDetail::person_paths).
std::vector<std::string> personValuePaths(const boost::json::object& person);

Result<NewJob> parseJobRequest(std::string_view body, const JobsConfig& config);
Result<NewJob> parseJobRequest(std::string_view body, const JobsConfig& config,
                               JobRequestDetail* detail);

}  // namespace cardd
