#pragma once
// Checks a job's "person" object against the configured PersonSchema.

#include <string>
#include <vector>

#include <boost/json/value.hpp>

#include "config/person_schema.hpp"
#include "core/error.hpp"

namespace cardd {

// Appends one FieldError per problem; pointers start at `pointer`
// (e.g. "/person"). Unknown fields are errors.
void validatePerson(const boost::json::value& person, const PersonSchema& schema,
                    const std::string& pointer, std::vector<FieldError>& errors);

}  // namespace cardd
