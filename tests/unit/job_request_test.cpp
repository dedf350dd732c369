#include "jobs/job_request.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <boost/json.hpp>
#include <fstream>
#include <sstream>

#include "config/config_loader.hpp"
#include "core/base64.hpp"

namespace cardd {
namespace {

namespace json = boost::json;

class JobRequestTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto r = loadConfigFile(std::string(CARDD_SOURCE_DIR) + "/config/cardd.yaml");
    ASSERT_TRUE(r.ok());
    config_ = r.config.jobs;
    std::ifstream in(std::string(CARDD_SOURCE_DIR) + "/tests/data/jobs/sample-job.json");
    std::stringstream s;
    s << in.rdbuf();
    sample_ = json::parse(s.str()).as_object();
  }

  Result<NewJob> parse(const json::object& o) {
    return parseJobRequest(json::serialize(o), config_);
  }

  // The pointers of every field error.
  std::vector<std::string> pointers(const json::object& o) {
    auto r = parse(o);
    std::vector<std::string> out;
    if (r.ok()) return out;
    for (const auto& f : r.error().fields) out.push_back(f.pointer);
    return out;
  }

  JobsConfig config_;
  json::object sample_;
};

TEST_F(JobRequestTest, SampleIsValid) {
  auto r = parse(sample_);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->template_id, "ektp-specimen");
  EXPECT_EQ(r->priority, 50);
  EXPECT_EQ(r->idempotency_key, "enrol-3171012345670001");
  EXPECT_EQ(r->fingerprint_count, 2);
  EXPECT_GT(r->photo_bytes, 8);
  // The payload keeps the personal data for personalisation, and nothing else.
  auto payload = json::parse(r->payload).as_object();
  EXPECT_TRUE(payload.contains("person"));
  EXPECT_TRUE(payload.contains("photo"));
  EXPECT_FALSE(payload.contains("template"));
}

TEST_F(JobRequestTest, TheDetailHoldsTheDecodedPhotoAndThePersonsPaths) {
  JobRequestDetail detail;
  auto r = parseJobRequest(json::serialize(sample_), config_, &detail);
  ASSERT_TRUE(r.ok()) << r.error().message;
  auto photo = decodeBase64(sample_.at("photo").as_string());
  ASSERT_TRUE(photo.has_value());
  EXPECT_EQ(detail.photo, *photo);
  EXPECT_EQ(static_cast<std::int64_t>(detail.photo.size()), r->photo_bytes);
  EXPECT_TRUE(std::is_sorted(detail.person_paths.begin(), detail.person_paths.end()));
  EXPECT_THAT(detail.person_paths, ::testing::Contains("nik"));
  EXPECT_THAT(detail.person_paths, ::testing::Contains("address.city"));
  EXPECT_THAT(detail.person_paths, ::testing::Not(::testing::Contains("address")));
}

TEST_F(JobRequestTest, DefaultsApply) {
  sample_.erase("priority");
  sample_.erase("idempotency_key");
  sample_.erase("fingerprints");
  sample_.erase("hold");
  auto r = parse(sample_);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->priority, 50);
  EXPECT_FALSE(r->idempotency_key.has_value());
  EXPECT_FALSE(r->hold);
}

TEST_F(JobRequestTest, MalformedJsonIsInvalidJson) {
  for (const char* body : {"", "{", "{\"a\":1,}", "{'a':1}", "[1,2", "{\"a\":NaN}", "// x\n{}"}) {
    auto r = parseJobRequest(body, config_);
    ASSERT_FALSE(r.ok()) << body;
    EXPECT_EQ(r.error().code, ErrorCode::InvalidJson) << body;
  }
}

TEST_F(JobRequestTest, InvalidUtf8IsInvalidJson) {
  std::string body = json::serialize(sample_);
  body.replace(body.find("SITI"), 4, "S\xC3\x28I");
  auto r = parseJobRequest(body, config_);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::InvalidJson);
}

TEST_F(JobRequestTest, NonObjectIsRefused) {
  for (const char* body : {"[]", "42", "\"job\"", "null", "true"}) {
    auto r = parseJobRequest(body, config_);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, ErrorCode::ValidationFailed) << body;
  }
}

TEST_F(JobRequestTest, EveryProblemIsListedWithItsPointer) {
  sample_["colour"] = "blue";
  sample_["priority"] = 0;
  sample_["template"] = "unknown-template";
  sample_["person"].as_object()["nik"] = "12345";
  sample_["person"].as_object()["birth_date"] = "2023-02-30";
  sample_["person"].as_object()["sex"] = "X";
  sample_["person"].as_object()["address"].as_object()["rt_rw"] = "3/12";
  sample_["person"].as_object()["nickname"] = "Siti";
  sample_["person"].as_object().erase("name");
  EXPECT_THAT(pointers(sample_),
              ::testing::UnorderedElementsAre(
                  "/colour", "/priority", "/template", "/person/nik", "/person/birth_date",
                  "/person/sex", "/person/address/rt_rw", "/person/nickname", "/person/name"));
}

TEST_F(JobRequestTest, MessagesNeverQuotePersonalData) {
  sample_["person"].as_object()["nik"] = "31710123456700019";  // 17 digits
  sample_["person"].as_object()["name"] = std::string(70, 'A');
  auto r = parse(sample_);
  ASSERT_FALSE(r.ok());
  for (const auto& f : r.error().fields) {
    EXPECT_EQ(f.message.find("3171012345670001"), std::string::npos);
    EXPECT_EQ(f.message.find("AAAA"), std::string::npos);
  }
}

TEST_F(JobRequestTest, PriorityMustBeAnIntegerInRange) {
  for (const json::value& v :
       {json::value(0), json::value(101), json::value(-5), json::value("50"), json::value(50.5),
        json::value(1e300), json::value(static_cast<std::uint64_t>(1) << 63), json::value(true)}) {
    sample_["priority"] = v;
    EXPECT_THAT(pointers(sample_), ::testing::ElementsAre("/priority")) << json::serialize(v);
  }
  sample_["priority"] = 100;
  EXPECT_TRUE(parse(sample_).ok());
}

TEST_F(JobRequestTest, HugeNumberLiteralIsRefused) {
  auto body = json::serialize(sample_);
  body.replace(body.find("\"priority\":50"), 13, "\"priority\":99999999999999999999999999999");
  auto r = parseJobRequest(body, config_);
  ASSERT_FALSE(r.ok());
}

TEST_F(JobRequestTest, PhotoMustBeBase64JpegOrPngWithinLimit) {
  sample_["photo"] = "not base64!";
  EXPECT_THAT(pointers(sample_), ::testing::ElementsAre("/photo"));
  sample_["photo"] = encodeBase64("GIF89a........");
  EXPECT_THAT(pointers(sample_), ::testing::ElementsAre("/photo"));
  sample_["photo"] =
      encodeBase64(std::string("\xFF\xD8\xFF", 3) + std::string(config_.max_photo_bytes, 'x'));
  auto r = parse(sample_);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::PayloadTooLarge);
  sample_["photo"] = encodeBase64(std::string("\xFF\xD8\xFF", 3) + "jpegdata");
  EXPECT_TRUE(parse(sample_).ok());
  sample_.erase("photo");
  EXPECT_THAT(pointers(sample_), ::testing::ElementsAre("/photo"));
}

TEST_F(JobRequestTest, FingerprintsAreChecked) {
  auto& fps = sample_["fingerprints"].as_array();
  fps[1].as_object()["finger"] = "right-thumb";  // duplicate
  fps[0].as_object()["data"] = "@@@@";           // not base64
  fps[0].as_object()["quality"] = 80;            // unknown
  EXPECT_THAT(pointers(sample_),
              ::testing::UnorderedElementsAre("/fingerprints/1/finger", "/fingerprints/0/data",
                                              "/fingerprints/0/quality"));
  json::array many;
  for (int i = 0; i < 11; ++i) many.push_back(fps[0]);
  sample_["fingerprints"] = many;
  EXPECT_THAT(pointers(sample_), ::testing::ElementsAre("/fingerprints"));
}

TEST_F(JobRequestTest, IdempotencyKeyMustBePrintableAscii) {
  for (const json::value& v : {json::value(""), json::value(std::string(129, 'k')),
                               json::value("with space"), json::value(7)}) {
    sample_["idempotency_key"] = v;
    EXPECT_THAT(pointers(sample_), ::testing::ElementsAre("/idempotency_key"));
  }
}

TEST_F(JobRequestTest, ControlCharactersInStringsAreRefused) {
  sample_["person"].as_object()["name"] = "SITI\nRAHAYU";
  EXPECT_THAT(pointers(sample_), ::testing::ElementsAre("/person/name"));
}

TEST_F(JobRequestTest, MaxLengthCountsCharactersNotBytes) {
  // 60 two-byte characters: 120 bytes, but within max_length 60.
  std::string name;
  for (int i = 0; i < 60; ++i) name += "\xC3\x89";  // É
  sample_["person"].as_object()["name"] = name;
  EXPECT_TRUE(parse(sample_).ok());
  sample_["person"].as_object()["name"] = name + "\xC3\x89";
  EXPECT_THAT(pointers(sample_), ::testing::ElementsAre("/person/name"));
}

}  // namespace
}  // namespace cardd
