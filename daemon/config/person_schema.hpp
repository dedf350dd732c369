#pragma once
// The schema a job's "person" object must match, loaded from YAML
// (config/schemas/ektp.yaml is the default: the fields of an Indonesian
// e-KTP). Immutable after loading; shared between threads.

#include <cstddef>
#include <memory>
#include <optional>
#include <regex>
#include <string>
#include <vector>

namespace cardd {

struct PersonField {
  enum class Type { String, Date, Enum, Object };

  std::string name;
  Type type = Type::String;
  bool required = true;
  std::size_t max_length = 200;  // String: in UTF-8 code points
  std::string pattern_text;      // String: ECMAScript regex, whole match
  std::optional<std::regex> pattern;
  std::vector<std::string> values;  // Enum
  std::vector<PersonField> fields;  // Object
};

struct PersonSchema {
  std::string name;
  std::vector<PersonField> fields;  // the top-level object's fields
};

}  // namespace cardd
