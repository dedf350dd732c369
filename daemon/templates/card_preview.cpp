#include "templates/card_preview.hpp"

#include <ctime>

#include <boost/json.hpp>

#include "core/base64.hpp"

namespace cardd {
namespace {

namespace json = boost::json;

Error refused(const std::string& template_id, std::string pointer, std::string message) {
  std::string detail = "the job cannot be printed with template '" + template_id + "': " + message;
  return Error(ErrorCode::ValidationFailed, std::move(detail),
               {FieldError{std::move(pointer), std::move(message)}});
}

// Width and height from a PNG's IHDR chunk (the first chunk, at offset 8).
bool pngSize(std::string_view png, std::uint32_t& width, std::uint32_t& height) {
  static constexpr std::string_view kSignature("\x89PNG\r\n\x1a\n", 8);
  if (png.size() < 24 || png.substr(0, 8) != kSignature || png.substr(12, 4) != "IHDR")
    return false;
  auto be32 = [&](std::size_t at) {
    std::uint32_t v = 0;
    for (std::size_t i = 0; i < 4; ++i) v = (v << 8) | static_cast<unsigned char>(png[at + i]);
    return v;
  };
  width = be32(16);
  height = be32(20);
  return width > 0 && height > 0;
}

// A PNG photo larger than the template takes is refused from its header,
// before it is decoded and converted.
Status precheckPngPhoto(const render::CardTemplate& tmpl, std::string_view payload) {
  if (!tmpl.front.has_photo && !tmpl.back.has_photo) return Ok{};
  boost::system::error_code ec;
  const json::value parsed = json::parse(payload, ec);
  if (ec || !parsed.is_object()) return Ok{};  // buildCardSubject reports it
  const json::value* photo = parsed.get_object().if_contains("photo");
  if (photo == nullptr || !photo->is_string()) return Ok{};
  auto bytes = decodeBase64(photo->get_string());
  if (!bytes || bytes->substr(0, 4) != "\x89PNG") return Ok{};
  std::uint32_t width = 0;
  std::uint32_t height = 0;
  if (!pngSize(*bytes, width, height)) {
    return refused(tmpl.id, "/photo", "the photo is not a PNG with a readable header");
  }
  if (width > tmpl.limits.max_photo_width || height > tmpl.limits.max_photo_height) {
    return refused(tmpl.id, "/photo",
                   "the photo is " + std::to_string(width) + " x " + std::to_string(height) +
                       " pixels; the template accepts at most " +
                       std::to_string(tmpl.limits.max_photo_width) + " x " +
                       std::to_string(tmpl.limits.max_photo_height));
  }
  return Ok{};
}

// checkSubject's refusals as the job request's field errors.
Error asFieldError(const render::CardTemplate& tmpl, const Error& e) {
  std::string pointer = "/photo";
  if (!e.fields.empty() && !e.fields.front().pointer.empty()) pointer = e.fields.front().pointer;
  return refused(tmpl.id, pointer, e.message);
}

}  // namespace

std::string localDate(std::int64_t ms_since_epoch) {
  const std::time_t t = static_cast<std::time_t>(ms_since_epoch / 1000);
  std::tm tm{};
  localtime_r(&t, &tm);
  char out[16];
  std::strftime(out, sizeof out, "%Y-%m-%d", &tm);
  return out;
}

Status checkPrintable(const TemplateCatalogue& catalogue, const NewJob& job,
                      const DocumentPolicy& policy, std::string_view issued) {
  auto tmpl = catalogue.find(job.template_id);
  if (!tmpl) return refused(job.template_id, "/template", tmpl.error().message);
  const render::CardTemplate& t = **tmpl;
  if (auto st = precheckPngPhoto(t, job.payload); !st) return std::move(st).error();
  auto subject = buildCardSubject(job.payload, 0, policy, issued);
  if (!subject) return asFieldError(t, subject.error());
  if (auto st = render::checkSubject(t, *subject); !st) return asFieldError(t, st.error());
  return Ok{};
}

Result<std::vector<std::uint8_t>> renderJobPreview(const render::CardTemplate& tmpl,
                                                   std::string_view payload, std::int64_t job_id,
                                                   const DocumentPolicy& policy,
                                                   std::string_view issued, render::Side side) {
  if (!tmpl.side(side).present) {
    return Error(ErrorCode::NotFound,
                 "template '" + tmpl.id + "' has no " + render::sideName(side) + " side");
  }
  auto subject = buildCardSubject(payload, job_id, policy, issued);
  if (!subject) return asFieldError(tmpl, subject.error());
  if (auto st = render::checkSubject(tmpl, *subject); !st) return asFieldError(tmpl, st.error());
  return render::renderPreviewPng(tmpl, *subject, side);
}

}  // namespace cardd
