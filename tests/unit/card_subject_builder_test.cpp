// CardSubject from a stored job payload: flattening, document fields, and
// PNG photos converted to JPEG for the chip's DG2 (by the converter given,
// or in-process by pngToJpeg).

#include "issuance/card_subject_builder.hpp"

#include <cairo.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/base64.hpp"
#include "issuance/photo_jpeg.hpp"

namespace cardd {
namespace {

std::string solidPng(int width, int height, double r, double g, double b) {
  cairo_surface_t* surface = cairo_image_surface_create(CAIRO_FORMAT_RGB24, width, height);
  cairo_t* cr = cairo_create(surface);
  cairo_set_source_rgb(cr, r, g, b);
  cairo_paint(cr);
  cairo_destroy(cr);
  std::string out;
  cairo_surface_write_to_png_stream(
      surface,
      [](void* closure, const unsigned char* data, unsigned int length) {
        static_cast<std::string*>(closure)->append(reinterpret_cast<const char*>(data), length);
        return CAIRO_STATUS_SUCCESS;
      },
      &out);
  cairo_surface_destroy(surface);
  return out;
}

TEST(CardSubjectBuilder, FlattensPersonAndAddsDocumentFields) {
  const std::string payload =
      R"({"person":{"nik":"3171234567890001","name":"SITI","address":{"city":"JAKARTA","rt_rw":"003/012"}},)"
      R"("photo":")" +
      encodeBase64(std::string("\xFF\xD8\xFF\xE0rest", 8)) +
      R"(",)"
      R"("fingerprints":[{"finger":"right-thumb","format":"iso-19794-2","data":")" +
      encodeBase64("FMR1") + R"("}]})";
  auto subject = buildCardSubject(payload, 42, DocumentPolicy{}, "2026-11-29");
  ASSERT_TRUE(subject) << subject.error().message;
  EXPECT_EQ(subject->fields.at("nik"), "3171234567890001");
  EXPECT_EQ(subject->fields.at("address.city"), "JAKARTA");
  EXPECT_EQ(subject->fields.at("address.rt_rw"), "003/012");
  EXPECT_EQ(subject->fields.at("document.number"), "CD0000042");
  EXPECT_EQ(subject->fields.at("document.issuer"), "IDN");
  EXPECT_EQ(subject->fields.at("document.issued"), "2026-11-29");
  EXPECT_EQ(subject->fields.at("document.expiry"), "2031-11-29");
  EXPECT_EQ(subject->photo_jpeg.size(), 8u);
  ASSERT_EQ(subject->fingerprints.size(), 1u);
  EXPECT_EQ(std::string(subject->fingerprints[0].begin(), subject->fingerprints[0].end()), "FMR1");
}

TEST(CardSubjectBuilder, LeapDayExpiryFallsOnTheTwentyEighth) {
  auto subject = buildCardSubject(R"({"person":{}})", 1, DocumentPolicy{}, "2028-02-29");
  ASSERT_TRUE(subject);
  EXPECT_EQ(subject->fields.at("document.expiry"), "2033-02-28");
}

TEST(CardSubjectBuilder, ConvertsPngPhotoToJpegKeepingItsSizeAndColour) {
  const std::string png = solidPng(24, 32, 1.0, 0.0, 0.0);
  const std::string payload = R"({"person":{},"photo":")" + encodeBase64(png) + R"("})";
  auto subject = buildCardSubject(payload, 7, DocumentPolicy{}, "2026-01-01");
  ASSERT_TRUE(subject) << subject.error().message;
  const auto& jpeg = subject->photo_jpeg;
  ASSERT_GE(jpeg.size(), 4u);
  EXPECT_EQ(jpeg[0], 0xFF);
  EXPECT_EQ(jpeg[1], 0xD8);
  EXPECT_EQ(jpeg[jpeg.size() - 2], 0xFF);
  EXPECT_EQ(jpeg[jpeg.size() - 1], 0xD9);
  // SOF0 holds height then width.
  bool found = false;
  for (std::size_t i = 2; i + 8 < jpeg.size(); ++i) {
    if (jpeg[i] == 0xFF && jpeg[i + 1] == 0xC0) {
      EXPECT_EQ((jpeg[i + 5] << 8) | jpeg[i + 6], 32);
      EXPECT_EQ((jpeg[i + 7] << 8) | jpeg[i + 8], 24);
      found = true;
      break;
    }
  }
  EXPECT_TRUE(found) << "no baseline SOF0 marker";
}

TEST(CardSubjectBuilder, OnlyAPngPhotoGoesThroughTheConverter) {
  std::vector<std::pair<std::string, int>> calls;
  const PhotoToJpeg convert = [&](std::string_view png, int quality) -> Result<std::string> {
    calls.emplace_back(std::string(png), quality);
    return pngToJpeg(png, quality);
  };
  DocumentPolicy policy;
  policy.jpeg_quality = 75;

  const std::string png = solidPng(8, 8, 0.0, 0.0, 1.0);
  auto from_png = buildCardSubject(R"({"person":{},"photo":")" + encodeBase64(png) + R"("})", 3,
                                   policy, "2026-01-01", convert);
  ASSERT_TRUE(from_png) << from_png.error().message;
  ASSERT_EQ(calls.size(), 1U);
  EXPECT_EQ(calls[0].first, png);
  EXPECT_EQ(calls[0].second, 75);
  auto expected = pngToJpeg(png, 75);
  ASSERT_TRUE(expected);
  EXPECT_EQ(std::string(from_png->photo_jpeg.begin(), from_png->photo_jpeg.end()), *expected);

  // A JPEG is taken as it is; no converter is needed for it.
  auto from_jpeg = buildCardSubject(R"({"person":{},"photo":")" + encodeBase64(*expected) + R"("})",
                                    3, policy, "2026-01-01", PhotoToJpeg{});
  ASSERT_TRUE(from_jpeg) << from_jpeg.error().message;
  EXPECT_EQ(calls.size(), 1U);
  EXPECT_EQ(from_jpeg->photo_jpeg, from_png->photo_jpeg);
}

TEST(CardSubjectBuilder, AConverterFailureIsTheSubjectsError) {
  const std::string payload =
      R"({"person":{"name":"SECRET"},"photo":")" + encodeBase64(solidPng(4, 4, 1, 1, 1)) + R"("})";
  auto gone = buildCardSubject(payload, 1, DocumentPolicy{}, "2026-01-01",
                               [](std::string_view, int) -> Result<std::string> {
                                 return Error(ErrorCode::Unavailable, "the card renderer failed");
                               });
  ASSERT_FALSE(gone);
  EXPECT_EQ(gone.error().code, ErrorCode::Unavailable);

  auto not_jpeg = buildCardSubject(
      payload, 1, DocumentPolicy{}, "2026-01-01",
      [](std::string_view png, int) -> Result<std::string> { return std::string(png); });
  ASSERT_FALSE(not_jpeg);
  EXPECT_EQ(not_jpeg.error().code, ErrorCode::Internal);
  EXPECT_EQ(not_jpeg.error().message.find("SECRET"), std::string::npos);

  auto none = buildCardSubject(payload, 1, DocumentPolicy{}, "2026-01-01", PhotoToJpeg{});
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error().code, ErrorCode::Internal);
}

TEST(CardSubjectBuilder, PngToJpegRefusesWhatIsNotAPng) {
  auto gif = pngToJpeg("GIF89a", 90);
  ASSERT_FALSE(gif);
  EXPECT_EQ(gif.error().code, ErrorCode::InvalidArgument);
  auto quality = pngToJpeg(solidPng(2, 2, 0, 0, 0), 0);
  ASSERT_FALSE(quality);
  EXPECT_EQ(quality.error().code, ErrorCode::InvalidArgument);
}

TEST(CardSubjectBuilder, RefusesCorruptPayloadsWithoutQuotingThem) {
  auto not_json = buildCardSubject("{\"person\":", 1, DocumentPolicy{}, "2026-01-01");
  ASSERT_FALSE(not_json);
  EXPECT_EQ(not_json.error().code, ErrorCode::InvalidArgument);
  auto no_person = buildCardSubject(R"({"photo":"AAAA"})", 1, DocumentPolicy{}, "2026-01-01");
  ASSERT_FALSE(no_person);
  auto bad_photo = buildCardSubject(
      R"({"person":{"name":"SECRET"},"photo":")" + encodeBase64("GIF89a") + R"("})", 1,
      DocumentPolicy{}, "2026-01-01");
  ASSERT_FALSE(bad_photo);
  EXPECT_EQ(bad_photo.error().message.find("SECRET"), std::string::npos);
}

TEST(CardSubjectBuilder, DocumentNumberIsNineCharacters) {
  EXPECT_EQ(documentNumber(DocumentPolicy{}, 1), "CD0000001");
  EXPECT_EQ(documentNumber(DocumentPolicy{}, 1234567), "CD1234567");
  DocumentPolicy policy;
  policy.number_prefix = "B";
  EXPECT_EQ(documentNumber(policy, 5), "B00000005");
}

}  // namespace
}  // namespace cardd
