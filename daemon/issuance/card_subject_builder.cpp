#include "issuance/card_subject_builder.hpp"

#include <boost/json.hpp>
#include <cstdio>
#include <map>

#include "core/base64.hpp"

namespace cardd {
namespace {

namespace json = boost::json;

void flatten(const json::object& object, const std::string& prefix,
             std::map<std::string, std::string>& out) {
  for (const auto& kv : object) {
    const std::string key =
        prefix.empty() ? std::string(kv.key()) : prefix + "." + std::string(kv.key());
    const json::value& v = kv.value();
    if (v.is_object()) {
      flatten(v.get_object(), key, out);
    } else if (v.is_string()) {
      out[key] = std::string(v.get_string());
    } else if (!v.is_null()) {
      out[key] = json::serialize(v);
    }
  }
}

bool isPng(std::string_view bytes) {
  static constexpr std::string_view kPng("\x89PNG\r\n\x1a\n", 8);
  return bytes.substr(0, kPng.size()) == kPng;
}

bool isJpeg(std::string_view bytes) {
  return bytes.size() >= 3 && static_cast<unsigned char>(bytes[0]) == 0xFF &&
         static_cast<unsigned char>(bytes[1]) == 0xD8 &&
         static_cast<unsigned char>(bytes[2]) == 0xFF;
}

// Adds `years` to a YYYY-MM-DD date; 29 February becomes 28 February.
std::string addYears(std::string_view date, int years) {
  int y = 0, m = 0, d = 0;
  if (std::sscanf(std::string(date).c_str(), "%4d-%2d-%2d", &y, &m, &d) != 3)
    return std::string(date);
  y += years;
  const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  if (m == 2 && d == 29 && !leap) d = 28;
  char out[16];
  std::snprintf(out, sizeof out, "%04d-%02d-%02d", y, m, d);
  return out;
}

}  // namespace

std::string documentNumber(const DocumentPolicy& policy, std::int64_t job_id) {
  std::string digits = std::to_string(job_id);
  const std::size_t room = policy.number_prefix.size() < 9 ? 9 - policy.number_prefix.size() : 0;
  if (digits.size() < room) digits.insert(0, room - digits.size(), '0');
  return policy.number_prefix + digits;
}

Result<CardSubject> buildCardSubject(std::string_view payload_json, std::int64_t job_id,
                                     const DocumentPolicy& policy, std::string_view issued,
                                     const PhotoToJpeg& png_to_jpeg) {
  boost::system::error_code ec;
  json::value parsed = json::parse(payload_json, ec);
  if (ec || !parsed.is_object()) {
    return Error(ErrorCode::InvalidArgument, "the stored job payload is not a JSON object");
  }
  const json::object& payload = parsed.get_object();
  CardSubject subject;

  const json::value* person = payload.if_contains("person");
  if (person == nullptr || !person->is_object()) {
    return Error(ErrorCode::InvalidArgument, "the stored job payload has no person object");
  }
  flatten(person->get_object(), "", subject.fields);

  if (const json::value* photo = payload.if_contains("photo");
      photo != nullptr && photo->is_string()) {
    auto bytes = decodeBase64(photo->get_string());
    if (!bytes) return Error(ErrorCode::InvalidArgument, "the stored photo is not valid base64");
    std::string jpeg;
    if (isJpeg(*bytes)) {
      jpeg = std::move(*bytes);
    } else if (isPng(*bytes)) {
      if (!png_to_jpeg)
        return Error(ErrorCode::Internal, "no PNG-to-JPEG converter was given for the photo");
      auto converted = png_to_jpeg(*bytes, policy.jpeg_quality);
      if (!converted) return std::move(converted).error();
      if (!isJpeg(*converted))
        return Error(ErrorCode::Internal, "the photo converted from PNG is not a JPEG image");
      jpeg = std::move(*converted);
    } else {
      return Error(ErrorCode::InvalidArgument, "the stored photo is neither JPEG nor PNG");
    }
    subject.photo_jpeg.assign(jpeg.begin(), jpeg.end());
  }

  if (const json::value* fps = payload.if_contains("fingerprints");
      fps != nullptr && fps->is_array()) {
    for (const json::value& fp : fps->get_array()) {
      const json::value* data = fp.is_object() ? fp.get_object().if_contains("data") : nullptr;
      if (data == nullptr || !data->is_string()) {
        return Error(ErrorCode::InvalidArgument, "a stored fingerprint has no data");
      }
      auto bytes = decodeBase64(data->get_string());
      if (!bytes)
        return Error(ErrorCode::InvalidArgument, "a stored fingerprint is not valid base64");
      subject.fingerprints.emplace_back(bytes->begin(), bytes->end());
    }
  }

  subject.fields["document.number"] = documentNumber(policy, job_id);
  subject.fields["document.issuer"] = policy.issuer;
  subject.fields["document.issued"] = std::string(issued);
  subject.fields["document.expiry"] = addYears(issued, policy.validity_years);
  return subject;
}

}  // namespace cardd
