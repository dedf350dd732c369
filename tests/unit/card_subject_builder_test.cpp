// CardSubject from a stored job payload: flattening, document fields, and
// PNG photos converted to JPEG for the chip's DG2.

#include "issuance/card_subject_builder.hpp"

#include <cairo.h>
#include <gtest/gtest.h>

#include <string>

#include "core/base64.hpp"

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
