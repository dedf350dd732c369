#include "jobs/job_request.hpp"

#include <algorithm>
#include <array>
#include <set>

#include <boost/json.hpp>

#include "core/base64.hpp"
#include "jobs/person_validation.hpp"

namespace cardd {
namespace {

namespace json = boost::json;

constexpr std::array<std::string_view, 10> kFingers{
    "right-thumb", "right-index", "right-middle", "right-ring", "right-little",
    "left-thumb",  "left-index",  "left-middle",  "left-ring",  "left-little"};

constexpr std::array<std::string_view, 9> kTopLevel{"template",        "profile", "priority",
                                                    "idempotency_key", "person",  "photo",
                                                    "fingerprints",    "hold",    "$schema"};

bool isImage(std::string_view bytes) {
  static constexpr std::string_view kPng("\x89PNG\r\n\x1a\n", 8);
  const bool jpeg = bytes.size() >= 3 && static_cast<unsigned char>(bytes[0]) == 0xFF &&
                    static_cast<unsigned char>(bytes[1]) == 0xD8 &&
                    static_cast<unsigned char>(bytes[2]) == 0xFF;
  return jpeg || bytes.substr(0, kPng.size()) == kPng;
}

// "/a" + "b" -> "/a/b", built by appending (GCC 12 -O3 misreports a
// -Wrestrict overlap on operator+ chains here).
std::string childPointer(std::string_view parent, std::string_view key) {
  std::string out(parent);
  out += '/';
  out += key;
  return out;
}

bool isPrintableAscii(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c >= 0x21 && c <= 0x7E; });
}

// Reads a required or optional string member that must be one of `allowed`.
void readChoice(const json::object& o, std::string_view key,
                const std::vector<std::string>& allowed, std::string& out,
                std::vector<FieldError>& errors) {
  const std::string ptr = childPointer("", key);
  const auto* v = o.if_contains(key);
  if (v == nullptr) return errors.push_back({ptr, "is required"});
  if (!v->is_string()) return errors.push_back({ptr, "must be a string"});
  out = std::string(v->get_string());
  if (std::find(allowed.begin(), allowed.end(), out) == allowed.end()) {
    std::string list;
    for (const auto& a : allowed) list += (list.empty() ? "" : ", ") + a;
    errors.push_back({ptr, "is not configured on this station (known: " + list + ")"});
  }
}

// The dotted paths buildCardSubject() makes of `object` (objects are
// descended into, nulls left out).
void collectPaths(const json::object& object, const std::string& prefix,
                  std::vector<std::string>& out) {
  for (const auto& kv : object) {
    std::string key(prefix);
    if (!key.empty()) key += '.';
    key += kv.key();
    if (kv.value().is_object()) {
      collectPaths(kv.value().get_object(), key, out);
    } else if (!kv.value().is_null()) {
      out.push_back(std::move(key));
    }
  }
}

}  // namespace

std::vector<std::string> personValuePaths(const json::object& person) {
  std::vector<std::string> paths;
  collectPaths(person, "", paths);
  std::sort(paths.begin(), paths.end());
  return paths;
}

Result<NewJob> parseJobRequest(std::string_view body, const JobsConfig& config) {
  return parseJobRequest(body, config, nullptr);
}

Result<NewJob> parseJobRequest(std::string_view body, const JobsConfig& config,
                               JobRequestDetail* detail) {
  // Boost.JSON rejects invalid UTF-8, comments, trailing commas and
  // duplicate-free checks are done below; depth is bounded.
  json::parse_options opts;
  opts.max_depth = 32;
  boost::system::error_code ec;
  json::value root = json::parse(body, ec, {}, opts);
  if (ec) return Error(ErrorCode::InvalidJson, "the body is not valid JSON: " + ec.message());
  if (!root.is_object()) {
    return Error(ErrorCode::ValidationFailed, "the job must be a JSON object",
                 {{"", "must be an object"}});
  }
  const json::object& o = root.get_object();
  std::vector<FieldError> errors;
  NewJob job;
  job.priority = config.default_priority;

  for (const auto& kv : o) {
    if (std::find(kTopLevel.begin(), kTopLevel.end(), kv.key()) == kTopLevel.end()) {
      errors.push_back({childPointer("", kv.key()), "is not a known field"});
    }
  }

  readChoice(o, "template", config.templates, job.template_id, errors);
  readChoice(o, "profile", config.profiles, job.profile_id, errors);

  if (const auto* v = o.if_contains("priority")) {
    if (!v->is_int64() && !v->is_uint64()) {
      errors.push_back({"/priority", "must be an integer from 1 to 100"});
    } else {
      const auto p =
          v->is_int64() ? v->get_int64()
                        : static_cast<std::int64_t>(std::min<std::uint64_t>(v->get_uint64(), 1000));
      if (p < 1 || p > 100)
        errors.push_back({"/priority", "must be an integer from 1 to 100"});
      else
        job.priority = static_cast<int>(p);
    }
  }

  if (const auto* v = o.if_contains("idempotency_key"); v != nullptr && !v->is_null()) {
    if (!v->is_string() || v->get_string().empty() || v->get_string().size() > 128 ||
        !isPrintableAscii(v->get_string())) {
      errors.push_back({"/idempotency_key", "must be 1 to 128 printable ASCII characters"});
    } else {
      job.idempotency_key = std::string(v->get_string());
    }
  }

  if (const auto* v = o.if_contains("hold")) {
    if (!v->is_bool())
      errors.push_back({"/hold", "must be true or false"});
    else
      job.hold = v->get_bool();
  }

  json::object payload;
  if (const auto* v = o.if_contains("person")) {
    if (config.person_schema) validatePerson(*v, *config.person_schema, "/person", errors);
    payload["person"] = *v;
  } else {
    errors.push_back({"/person", "is required"});
  }

  bool too_large = false;
  std::string photo;
  if (const auto* v = o.if_contains("photo")) {
    if (!v->is_string()) {
      errors.push_back({"/photo", "must be a base64 string"});
    } else if (v->get_string().size() / 4 * 3 > config.max_photo_bytes + 2) {
      errors.push_back(
          {"/photo", "is larger than " + std::to_string(config.max_photo_bytes) + " bytes"});
      too_large = true;
    } else if (auto bytes = decodeBase64(v->get_string()); !bytes) {
      errors.push_back({"/photo", "is not valid base64"});
    } else if (bytes->size() > config.max_photo_bytes) {
      errors.push_back(
          {"/photo", "is larger than " + std::to_string(config.max_photo_bytes) + " bytes"});
      too_large = true;
    } else if (!isImage(*bytes)) {
      errors.push_back({"/photo", "must be a JPEG or PNG image"});
    } else {
      job.photo_bytes = static_cast<std::int64_t>(bytes->size());
      payload["photo"] = *v;
      photo = std::move(*bytes);
    }
  } else {
    errors.push_back({"/photo", "is required"});
  }

  if (const auto* v = o.if_contains("fingerprints"); v != nullptr && !v->is_null()) {
    if (!v->is_array()) {
      errors.push_back({"/fingerprints", "must be an array"});
    } else if (v->get_array().size() > config.max_fingerprints) {
      errors.push_back(
          {"/fingerprints",
           "holds more than " + std::to_string(config.max_fingerprints) + " templates"});
    } else {
      std::set<std::string> seen;
      const auto& arr = v->get_array();
      for (std::size_t i = 0; i < arr.size(); ++i) {
        const std::string ptr = "/fingerprints/" + std::to_string(i);
        if (!arr[i].is_object()) {
          errors.push_back({ptr, "must be an object with finger, format and data"});
          continue;
        }
        const auto& fp = arr[i].get_object();
        for (const auto& kv : fp) {
          if (kv.key() != "finger" && kv.key() != "format" && kv.key() != "data") {
            errors.push_back({childPointer(ptr, kv.key()), "is not a known field"});
          }
        }
        const auto* finger = fp.if_contains("finger");
        if (finger == nullptr || !finger->is_string() ||
            std::find(kFingers.begin(), kFingers.end(), finger->get_string()) == kFingers.end()) {
          errors.push_back({ptr + "/finger", "must name a finger, e.g. right-thumb or left-index"});
        } else if (!seen.insert(std::string(finger->get_string())).second) {
          errors.push_back({ptr + "/finger", "names a finger already given"});
        }
        const auto* format = fp.if_contains("format");
        if (format == nullptr || !format->is_string() || format->get_string().empty() ||
            format->get_string().size() > 32 || !isPrintableAscii(format->get_string())) {
          errors.push_back({ptr + "/format", "must name the template format, e.g. iso-19794-2"});
        }
        const auto* data = fp.if_contains("data");
        if (data == nullptr || !data->is_string()) {
          errors.push_back({ptr + "/data", "must be a base64 string"});
        } else if (data->get_string().size() / 4 * 3 > config.max_fingerprint_bytes + 2) {
          errors.push_back(
              {ptr + "/data",
               "is larger than " + std::to_string(config.max_fingerprint_bytes) + " bytes"});
          too_large = true;
        } else if (auto bytes = decodeBase64(data->get_string()); !bytes || bytes->empty()) {
          errors.push_back({ptr + "/data", "is not valid base64"});
        } else if (bytes->size() > config.max_fingerprint_bytes) {
          errors.push_back(
              {ptr + "/data",
               "is larger than " + std::to_string(config.max_fingerprint_bytes) + " bytes"});
          too_large = true;
        }
      }
      job.fingerprint_count = static_cast<std::int64_t>(arr.size());
      payload["fingerprints"] = *v;
    }
  }

  if (!errors.empty()) {
    const auto code = too_large ? ErrorCode::PayloadTooLarge : ErrorCode::ValidationFailed;
    std::string msg = too_large ? "part of the job exceeds a configured size limit"
                                : "the job does not match the schema";
    return Error(code, std::move(msg), std::move(errors));
  }
  job.payload = json::serialize(payload);
  if (detail != nullptr) {
    detail->photo = std::move(photo);
    detail->person_paths.clear();
    if (const auto* person = payload.if_contains("person"); person && person->is_object())
      detail->person_paths = personValuePaths(person->get_object());
  }
  return job;
}

}  // namespace cardd
