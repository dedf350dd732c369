#include "templates/card_preview.hpp"

#include <algorithm>
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

std::uint32_t be32(std::string_view b, std::size_t at) {
  std::uint32_t v = 0;
  for (std::size_t i = 0; i < 4; ++i) v = (v << 8) | static_cast<unsigned char>(b[at + i]);
  return v;
}

bool isPng(std::string_view b) {
  return b.substr(0, 8) == std::string_view("\x89PNG\r\n\x1a\n", 8);
}

bool isJpeg(std::string_view b) {
  return b.size() >= 3 && static_cast<unsigned char>(b[0]) == 0xFF &&
         static_cast<unsigned char>(b[1]) == 0xD8 && static_cast<unsigned char>(b[2]) == 0xFF;
}

// Width and height from a PNG's IHDR chunk (the first chunk, at offset 8).
bool pngSize(std::string_view png, std::uint32_t& width, std::uint32_t& height) {
  if (png.size() < 24 || !isPng(png) || png.substr(12, 4) != "IHDR") return false;
  width = be32(png, 16);
  height = be32(png, 20);
  return width > 0 && height > 0;
}

// The PNG's chunks (length, type, data, CRC) run to an IEND after at least
// one IDAT: the file is whole. Nothing is decompressed or CRC-checked.
bool pngComplete(std::string_view png) {
  std::size_t at = 8;
  bool idat = false;
  while (at + 12 <= png.size()) {
    const std::uint64_t length = be32(png, at);
    const std::string_view type = png.substr(at + 4, 4);
    if (length > png.size() - at - 12) return false;
    if (type == "IDAT") idat = true;
    if (type == "IEND") return idat;
    at += 12 + static_cast<std::size_t>(length);
  }
  return false;
}

// The frame size from a JPEG's SOFn segment, without decoding (the same walk
// as render::checkSubject's).
bool jpegSize(std::string_view b, std::uint32_t& width, std::uint32_t& height) {
  auto byte = [&](std::size_t i) { return static_cast<unsigned char>(b[i]); };
  if (b.size() < 4 || byte(0) != 0xFF || byte(1) != 0xD8) return false;
  std::size_t i = 2;
  while (i + 4 <= b.size()) {
    if (byte(i) != 0xFF) return false;
    const unsigned m = byte(i + 1);
    if (m == 0xFF) {  // fill byte
      ++i;
      continue;
    }
    if (m == 0x01 || (m >= 0xD0 && m <= 0xD8)) {  // markers without a length
      i += 2;
      continue;
    }
    if (m == 0xD9 || m == 0xDA) return false;  // end of image / scan before any frame
    const std::size_t len = (std::size_t{byte(i + 2)} << 8) | byte(i + 3);
    if (len < 2 || i + 2 + len > b.size()) return false;
    if (m >= 0xC0 && m <= 0xCF && m != 0xC4 && m != 0xC8 && m != 0xCC) {
      if (len < 7) return false;
      height = (std::uint32_t{byte(i + 5)} << 8) | byte(i + 6);
      width = (std::uint32_t{byte(i + 7)} << 8) | byte(i + 8);
      return width > 0 && height > 0;
    }
    i += 2 + len;
  }
  return false;
}

Error tooManyPixels(const render::CardTemplate& t, std::uint32_t width, std::uint32_t height,
                    bool png) {
  const std::string limit =
      std::to_string(t.limits.max_photo_width) + " x " + std::to_string(t.limits.max_photo_height);
  const std::string size = std::to_string(width) + " x " + std::to_string(height) + " pixels";
  if (png) {
    return refused(t.id, "/photo",
                   "the photo is " + size + "; the template accepts at most " + limit);
  }
  return refused(t.id, "/photo",
                 "the photo is " + size + "; template '" + t.id + "' accepts at most " + limit);
}

Status checkPhoto(const render::CardTemplate& t, std::string_view photo) {
  if (t.requires_photo && photo.empty()) {
    return refused(t.id, "/photo",
                   "template '" + t.id + "' prints a photo but the card subject has none");
  }
  if ((!t.front.has_photo && !t.back.has_photo) || photo.empty()) return Ok{};
  std::uint32_t width = 0;
  std::uint32_t height = 0;
  if (isPng(photo)) {
    if (!pngSize(photo, width, height)) {
      return refused(t.id, "/photo", "the photo is not a PNG with a readable header");
    }
    if (width > t.limits.max_photo_width || height > t.limits.max_photo_height) {
      return tooManyPixels(t, width, height, true);
    }
    if (!pngComplete(photo)) {
      return refused(t.id, "/photo",
                     "the photo is not a complete PNG image (its chunks end before the image "
                     "data or the IEND chunk)");
    }
    return Ok{};
  }
  if (!isJpeg(photo)) {
    return refused(t.id, "/photo", "the stored photo is neither JPEG nor PNG");
  }
  if (photo.size() > t.limits.max_photo_bytes) {
    return refused(t.id, "/photo",
                   "the photo is " + std::to_string(photo.size()) + " bytes; template '" + t.id +
                       "' accepts at most " + std::to_string(t.limits.max_photo_bytes));
  }
  if (!jpegSize(photo, width, height)) {
    return refused(
        t.id, "/photo",
        "the photo is not a JPEG with a readable frame header (baseline or progressive)");
  }
  if (width > t.limits.max_photo_width || height > t.limits.max_photo_height) {
    return tooManyPixels(t, width, height, false);
  }
  return Ok{};
}

// Every field a side prints without |optional has a value (document.* always
// has one: the station sets it).
Status checkFields(const render::CardTemplate& t, const render::SideTemplate& side,
                   const std::vector<std::string>& person_paths) {
  auto check = [&](const render::SvgPiece& p) -> Status {
    if (p.kind != render::SvgPiece::Kind::Field) return Ok{};
    if (p.path.rfind("document.", 0) == 0 &&
        std::find(render::documentFieldNames().begin(), render::documentFieldNames().end(),
                  p.path) != render::documentFieldNames().end())
      return Ok{};
    if (std::binary_search(person_paths.begin(), person_paths.end(), p.path)) return Ok{};
    if (std::find(p.filters.begin(), p.filters.end(), "optional") != p.filters.end()) return Ok{};
    return refused(
        t.id, "/person/" + p.path,
        "the card subject has no value for field '" + p.path + "', which " + side.file + " prints");
  };
  for (const auto& p : side.pieces) {
    if (auto st = check(p); !st) return st;
    for (const auto& c : p.content) {
      if (auto st = check(c); !st) return st;
    }
  }
  return Ok{};
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
                      const JobRequestDetail& detail) {
  auto tmpl = catalogue.find(job.template_id);
  if (!tmpl) return refused(job.template_id, "/template", tmpl.error().message);
  const render::CardTemplate& t = **tmpl;
  if (auto st = checkPhoto(t, detail.photo); !st) return st;
  for (const render::Side s : {render::Side::Front, render::Side::Back}) {
    if (!t.side(s).present) continue;
    if (auto st = checkFields(t, t.side(s), detail.person_paths); !st) return st;
  }
  return Ok{};
}

Status checkPrintable(const TemplateCatalogue& catalogue, const NewJob& job,
                      const DocumentPolicy& /*policy*/, std::string_view /*issued*/) {
  JobRequestDetail detail;
  boost::system::error_code ec;
  const json::value parsed = json::parse(job.payload, ec);
  if (!ec && parsed.is_object()) {
    const json::object& o = parsed.get_object();
    if (const auto* person = o.if_contains("person"); person && person->is_object()) {
      detail.person_paths = personValuePaths(person->get_object());
    }
    if (const auto* photo = o.if_contains("photo"); photo && photo->is_string()) {
      auto bytes = decodeBase64(photo->get_string());
      if (!bytes) {
        return refused(job.template_id, "/photo", "the stored photo is not valid base64");
      }
      detail.photo = std::move(*bytes);
    }
  }
  return checkPrintable(catalogue, job, detail);
}

}  // namespace cardd
