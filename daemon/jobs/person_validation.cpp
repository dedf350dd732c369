#include "jobs/person_validation.hpp"

#include <algorithm>
#include <cstdio>

#include <boost/json.hpp>

namespace cardd {
namespace {

namespace json = boost::json;

std::size_t countCodePoints(std::string_view s) {
  return static_cast<std::size_t>(std::count_if(
      s.begin(), s.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

bool hasControlChars(std::string_view s) {
  return std::any_of(s.begin(), s.end(), [](char c) {
    auto u = static_cast<unsigned char>(c);
    return u < 0x20 || u == 0x7F;
  });
}

bool isValidDate(std::string_view s) {
  int y = 0, m = 0, d = 0;
  char tail = 0;
  if (s.size() != 10 || s[4] != '-' || s[7] != '-') return false;
  const std::string str(s);
  if (std::sscanf(str.c_str(), "%4d-%2d-%2d%c", &y, &m, &d, &tail) != 3) return false;
  for (std::size_t i : {0, 1, 2, 3, 5, 6, 8, 9}) {
    if (s[i] < '0' || s[i] > '9') return false;
  }
  if (y < 1850 || y > 2200 || m < 1 || m > 12 || d < 1) return false;
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  int max = kDays[m - 1];
  if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0)) max = 29;
  return d <= max;
}

std::string escapePointerToken(std::string_view key) {
  std::string out;
  for (char c : key) {
    if (c == '~')
      out += "~0";
    else if (c == '/')
      out += "~1";
    else
      out += c;
  }
  return out;
}

void validateObject(const json::object& obj, const std::vector<PersonField>& fields,
                    const std::string& pointer, std::vector<FieldError>& errors);

void validateField(const json::value& v, const PersonField& f, const std::string& ptr,
                   std::vector<FieldError>& errors) {
  using T = PersonField::Type;
  if (f.type == T::Object) {
    if (!v.is_object()) return errors.push_back({ptr, "must be an object"});
    return validateObject(v.get_object(), f.fields, ptr, errors);
  }
  if (!v.is_string()) return errors.push_back({ptr, "must be a string"});
  const std::string_view s = v.get_string();
  if (s.empty()) return errors.push_back({ptr, "must not be empty"});
  if (hasControlChars(s)) return errors.push_back({ptr, "must not contain control characters"});
  switch (f.type) {
    case T::String:
      if (countCodePoints(s) > f.max_length) {
        errors.push_back({ptr, "is longer than " + std::to_string(f.max_length) + " characters"});
      } else if (f.pattern && !std::regex_match(s.begin(), s.end(), *f.pattern)) {
        errors.push_back({ptr, "does not match the required format " + f.pattern_text});
      }
      break;
    case T::Date:
      if (!isValidDate(s)) errors.push_back({ptr, "must be a date as YYYY-MM-DD"});
      break;
    case T::Enum:
      if (std::find(f.values.begin(), f.values.end(), s) == f.values.end()) {
        std::string list;
        for (const auto& val : f.values) list += (list.empty() ? "" : ", ") + val;
        errors.push_back({ptr, "must be one of: " + list});
      }
      break;
    case T::Object:
      break;
  }
}

void validateObject(const json::object& obj, const std::vector<PersonField>& fields,
                    const std::string& pointer, std::vector<FieldError>& errors) {
  for (const auto& f : fields) {
    const auto* v = obj.if_contains(f.name);
    const std::string ptr = pointer + "/" + escapePointerToken(f.name);
    if (v == nullptr || v->is_null()) {
      if (f.required) errors.push_back({ptr, "is required"});
      continue;
    }
    validateField(*v, f, ptr, errors);
  }
  for (const auto& kv : obj) {
    const bool known = std::any_of(fields.begin(), fields.end(),
                                   [&](const PersonField& f) { return f.name == kv.key(); });
    if (!known)
      errors.push_back({pointer + "/" + escapePointerToken(kv.key()), "is not a known field"});
  }
}

}  // namespace

void validatePerson(const json::value& person, const PersonSchema& schema,
                    const std::string& pointer, std::vector<FieldError>& errors) {
  if (!person.is_object()) {
    errors.push_back({pointer, "must be an object"});
    return;
  }
  validateObject(person.get_object(), schema.fields, pointer, errors);
}

}  // namespace cardd
