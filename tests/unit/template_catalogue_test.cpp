// The card-template catalogue (good, broken, missing templates; unknown
// fields), the submit-time printability check, job previews and the render
// worker's bounded queue.

#include "templates/template_catalogue.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include <boost/json.hpp>
#include <filesystem>
#include <fstream>
#include <future>
#include <sstream>

#include "config/config_loader.hpp"
#include "core/base64.hpp"
#include "jobs/job_request.hpp"
#include "templates/card_preview.hpp"
#include "templates/render_worker.hpp"

namespace cardd {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;
using ::testing::HasSubstr;

const std::string kSource = CARDD_SOURCE_DIR;

std::string readText(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

void writeText(const fs::path& p, const std::string& text) {
  std::ofstream(p, std::ios::binary | std::ios::trunc) << text;
}

void replaceIn(const fs::path& p, const std::string& from, const std::string& to) {
  std::string text = readText(p);
  const auto at = text.find(from);
  ASSERT_NE(at, std::string::npos) << from << " not in " << p;
  text.replace(at, from.size(), to);
  writeText(p, text);
}

// A JPEG header that says `width` x `height` (SOI, SOF0), enough for
// checkSubject, which reads headers only.
std::string jpegHeader(unsigned width, unsigned height) {
  std::string j("\xFF\xD8\xFF\xC0\x00\x11\x08", 7);
  j += static_cast<char>(height >> 8);
  j += static_cast<char>(height & 0xFF);
  j += static_cast<char>(width >> 8);
  j += static_cast<char>(width & 0xFF);
  j += std::string("\x03\x01\x22\x00\x02\x11\x01\x03\x11\x01", 10);
  j += std::string("\xFF\xD9", 2);
  return j;
}

// A PNG signature and IHDR that claim `width` x `height` (no image data).
std::string pngHeader(unsigned width, unsigned height) {
  std::string p("\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR", 16);
  for (unsigned v : {width, height}) {
    for (int shift = 24; shift >= 0; shift -= 8) p += static_cast<char>((v >> shift) & 0xFF);
  }
  p += std::string("\x08\x02\x00\x00\x00\x00\x00\x00\x00", 9);
  return p;
}

class TemplateCatalogueTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto loaded = loadConfigFile(kSource + "/config/cardd.yaml");
    ASSERT_TRUE(loaded.ok()) << (loaded.problems.empty() ? "" : loaded.problems[0].describe());
    config_ = loaded.config;
    std::string tmpl = (fs::temp_directory_path() / "cardd-templates-XXXXXX").string();
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  // A copy of the shipped template under `id` in the temp templates dir.
  fs::path copyTemplate(const std::string& id) {
    const fs::path to = dir_ / id;
    fs::copy(kSource + "/config/templates/ektp-specimen", to, fs::copy_options::recursive);
    replaceIn(to / "template.yaml", "id: ektp-specimen", "id: " + id);
    return to;
  }

  std::shared_ptr<const TemplateCatalogue> load(const std::vector<std::string>& ids) {
    return TemplateCatalogue::load(dir_.string(), ids, config_.jobs.person_schema.get());
  }

  NewJob parsedJob(json::object job) {
    JobsConfig jobs = config_.jobs;
    jobs.templates = {job.at("template").as_string().c_str()};
    auto parsed = parseJobRequest(json::serialize(job), jobs);
    EXPECT_TRUE(parsed.ok()) << (parsed.ok() ? "" : parsed.error().message);
    return parsed.ok() ? *parsed : NewJob{};
  }

  json::object sampleJob() {
    return json::parse(readText(kSource + "/tests/data/jobs/sample-job.json")).as_object();
  }

  Config config_;
  fs::path dir_;
};

TEST_F(TemplateCatalogueTest, TheShippedTemplateLoadsAndValidates) {
  auto cat = TemplateCatalogue::load(config_.jobs);
  EXPECT_EQ(cat->dir(), kSource + "/config/templates");
  ASSERT_EQ(cat->entries().size(), 1U);
  EXPECT_EQ(cat->brokenCount(), 0U);
  EXPECT_TRUE(cat->describeProblems().empty());
  auto t = cat->find("ektp-specimen");
  ASSERT_TRUE(t.ok()) << t.error().message;
  EXPECT_EQ((*t)->id, "ektp-specimen");
  EXPECT_TRUE((*t)->back.present);
}

TEST_F(TemplateCatalogueTest, PersonFieldNamesAreDottedLeaves) {
  const auto names = personFieldNames(*config_.jobs.person_schema);
  EXPECT_THAT(names, ::testing::Contains("address.city"));
  EXPECT_THAT(names, ::testing::Contains("nik"));
  EXPECT_THAT(names, ::testing::Not(::testing::Contains("address")));
}

TEST_F(TemplateCatalogueTest, AMissingTemplateIsReportedAndTheOthersStillWork) {
  copyTemplate("good");
  auto cat = load({"good", "absent"});
  EXPECT_EQ(cat->brokenCount(), 1U);
  EXPECT_TRUE(cat->find("good").ok());
  auto absent = cat->find("absent");
  ASSERT_FALSE(absent.ok());
  EXPECT_EQ(absent.error().code, ErrorCode::NotFound);
  const auto lines = cat->describeProblems();
  ASSERT_EQ(lines.size(), 1U);
  EXPECT_THAT(lines[0], HasSubstr("template 'absent'"));
  EXPECT_THAT(lines[0], HasSubstr("template.yaml"));
  // An id the configuration does not list is not in the catalogue at all.
  auto other = cat->find("other");
  ASSERT_FALSE(other.ok());
  EXPECT_THAT(other.error().message, HasSubstr("not configured"));
}

TEST_F(TemplateCatalogueTest, ABrokenSvgIsReportedWithItsFile) {
  const auto t = copyTemplate("broken");
  writeText(t / "back.svg",
            "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 1016 648\"><g>");
  copyTemplate("good");
  auto cat = load({"broken", "good"});
  EXPECT_EQ(cat->brokenCount(), 1U);
  EXPECT_TRUE(cat->find("good").ok());
  auto broken = cat->find("broken");
  ASSERT_FALSE(broken.ok());
  EXPECT_EQ(broken.error().code, ErrorCode::ConfigInvalid);
  const auto lines = cat->describeProblems();
  ASSERT_FALSE(lines.empty());
  for (const auto& l : lines) EXPECT_THAT(l, HasSubstr("template 'broken'"));
  EXPECT_THAT(lines[0], HasSubstr("back.svg"));
}

TEST_F(TemplateCatalogueTest, APlaceholderForAnUnknownFieldIsRefused) {
  const auto t = copyTemplate("typo");
  replaceIn(t / "front.svg", "{{occupation|upper}}", "{{occupaton|upper}}");
  auto cat = load({"typo"});
  ASSERT_EQ(cat->brokenCount(), 1U);
  const auto lines = cat->describeProblems();
  std::string all;
  for (const auto& l : lines) all += l + "\n";
  EXPECT_THAT(all, HasSubstr("{{occupaton}}"));
  EXPECT_THAT(all, HasSubstr("the person schema does not define"));
  // The template's requires.fields lists occupation, which is now not printed.
  EXPECT_THAT(all, HasSubstr("field 'occupation' is required but no side prints it"));
}

TEST_F(TemplateCatalogueTest, TheStationsDocumentFieldsAreKnown) {
  // document.* are not in the person schema, yet the shipped template prints
  // them: validation must accept them.
  auto cat = load({});
  EXPECT_TRUE(cat->entries().empty());
  copyTemplate("doc");
  cat = load({"doc"});
  EXPECT_EQ(cat->brokenCount(), 0U)
      << (cat->describeProblems().empty() ? std::string() : cat->describeProblems().front());
}

// --- checkPrintable ------------------------------------------------------------

class PrintableTest : public TemplateCatalogueTest {
 protected:
  void SetUp() override {
    TemplateCatalogueTest::SetUp();
    cat_ = TemplateCatalogue::load(config_.jobs);
  }
  Status check(json::object job) {
    return checkPrintable(*cat_, parsedJob(std::move(job)), DocumentPolicy{}, "2026-11-29");
  }
  static std::vector<std::string> pointers(const Status& st) {
    std::vector<std::string> out;
    if (!st.ok())
      for (const auto& f : st.error().fields) out.push_back(f.pointer);
    return out;
  }
  std::shared_ptr<const TemplateCatalogue> cat_;
};

TEST_F(PrintableTest, TheSampleJobIsPrintable) {
  auto st = check(sampleJob());
  EXPECT_TRUE(st.ok()) << st.error().message;
  auto job = sampleJob();
  job["photo"] = encodeBase64(jpegHeader(600, 800));
  EXPECT_TRUE(check(job).ok());
}

TEST_F(PrintableTest, ABrokenTemplateRefusesTheJobWithItsProblem) {
  const auto t = copyTemplate("broken");
  writeText(t / "front.svg", "not svg at all");
  cat_ = load({"broken"});
  auto job = sampleJob();
  job["template"] = "broken";
  auto st = check(job);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, ErrorCode::ValidationFailed);
  EXPECT_THAT(pointers(st), ::testing::ElementsAre("/template"));
  EXPECT_THAT(st.error().fields[0].message, HasSubstr("front.svg"));
}

TEST_F(PrintableTest, PhotosTheTemplateCannotTakeAreRefused) {
  auto job = sampleJob();
  // Not a JPEG once past the API's magic-number check.
  job["photo"] = encodeBase64(std::string("\xFF\xD8\xFF\xE0", 4) + "junk, no frame header");
  auto st = check(job);
  ASSERT_FALSE(st.ok());
  EXPECT_THAT(pointers(st), ::testing::ElementsAre("/photo"));
  EXPECT_THAT(st.error().message, HasSubstr("not a JPEG"));

  // Too many pixels, from the JPEG header.
  job["photo"] = encodeBase64(jpegHeader(4000, 3000));
  st = check(job);
  ASSERT_FALSE(st.ok());
  EXPECT_THAT(pointers(st), ::testing::ElementsAre("/photo"));
  EXPECT_THAT(st.error().message, HasSubstr("4000 x 3000 pixels"));

  // Too many pixels, from the PNG header, before any decoding (the image data
  // is absent: decoding would fail with another message).
  job["photo"] = encodeBase64(pngHeader(5000, 5000));
  st = check(job);
  ASSERT_FALSE(st.ok());
  EXPECT_THAT(pointers(st), ::testing::ElementsAre("/photo"));
  EXPECT_THAT(st.error().message, HasSubstr("5000 x 5000 pixels"));

  // A PNG within the pixel limits that is not a readable image.
  job["photo"] = encodeBase64(pngHeader(10, 10));
  st = check(job);
  ASSERT_FALSE(st.ok());
  EXPECT_THAT(pointers(st), ::testing::ElementsAre("/photo"));
}

TEST_F(PrintableTest, APhotoOverTheTemplatesByteLimitIsRefused) {
  const auto t = copyTemplate("small");
  replaceIn(t / "template.yaml", "max_photo_bytes: 262144", "max_photo_bytes: 40");
  cat_ = load({"small"});
  auto job = sampleJob();
  job["template"] = "small";
  job["photo"] = encodeBase64(jpegHeader(100, 100) + std::string(100, '\0'));
  auto st = check(job);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, ErrorCode::ValidationFailed);  // not 413: the API took it
  EXPECT_THAT(pointers(st), ::testing::ElementsAre("/photo"));
  EXPECT_THAT(st.error().message, HasSubstr("at most 40"));
}

TEST_F(PrintableTest, AFieldTheTemplatePrintsMustBeThere) {
  // A schema where occupation is optional: the API accepts a job without it,
  // but the template prints it without |optional.
  const fs::path schema = dir_ / "schema.yaml";
  std::string text = readText(kSource + "/config/schemas/ektp.yaml");
  const std::string from = "  occupation:                # Pekerjaan\n    type: string\n";
  const auto at = text.find(from);
  ASSERT_NE(at, std::string::npos);
  text.insert(at + from.size(), "    required: false\n");
  writeText(schema, text);
  auto loaded = loadPersonSchemaInto(config_, schema.string());
  ASSERT_TRUE(loaded.ok());
  config_ = loaded.config;
  cat_ = TemplateCatalogue::load(config_.jobs);
  ASSERT_EQ(cat_->brokenCount(), 0U);

  auto job = sampleJob();
  job["person"].as_object().erase("occupation");
  auto st = check(job);
  ASSERT_FALSE(st.ok());
  EXPECT_THAT(pointers(st), ::testing::ElementsAre("/person/occupation"));
  EXPECT_THAT(st.error().message, HasSubstr("'occupation'"));
}

TEST_F(PrintableTest, APreviewIsAPngOfTheCard) {
  auto job = parsedJob(sampleJob());
  auto t = cat_->find("ektp-specimen");
  ASSERT_TRUE(t.ok());
  for (const auto side : {render::Side::Front, render::Side::Back}) {
    auto png = renderJobPreview(**t, job.payload, 42, DocumentPolicy{}, "2026-11-29", side);
    ASSERT_TRUE(png.ok()) << png.error().message;
    const std::string head(png->begin(), png->begin() + 24);
    EXPECT_EQ(head.substr(0, 8), std::string("\x89PNG\r\n\x1a\n", 8));
    EXPECT_EQ(head.substr(16, 8), std::string("\x00\x00\x03\xF8\x00\x00\x02\x88", 8));  // 1016x648
  }
}

TEST(LocalDate, IsAnIsoDate) {
  const auto d = localDate(1'764'417'600'000);  // 2025-11-29T12:00:00Z
  ASSERT_EQ(d.size(), 10U);
  EXPECT_EQ(d.substr(0, 8), "2025-11-");
}

// --- RenderWorker ---------------------------------------------------------------

TEST(RenderWorker, RefusesWhenTheQueueIsFullAndRunsEverythingItTook) {
  RenderWorker worker(2);
  std::promise<void> release;
  std::shared_future<void> gate = release.get_future().share();
  std::promise<void> started;
  std::atomic<int> ran{0};
  std::function<void()> blocker = [&, gate] {
    started.set_value();
    gate.wait();
    ++ran;
  };
  ASSERT_TRUE(worker.tryPost(blocker));
  EXPECT_FALSE(blocker);        // moved from
  started.get_future().wait();  // the worker is busy; the queue is empty

  std::function<void()> a = [&] { ++ran; };
  std::function<void()> b = [&] { ++ran; };
  std::function<void()> c = [&] { ++ran; };
  EXPECT_TRUE(worker.tryPost(a));
  EXPECT_TRUE(worker.tryPost(b));
  EXPECT_FALSE(worker.tryPost(c));  // two waiting: full
  EXPECT_TRUE(c);                   // a refused task is left to the caller
  release.set_value();
  worker.stop();  // finishes what it took
  EXPECT_EQ(ran.load(), 3);
  EXPECT_FALSE(worker.tryPost(c));  // stopped
}

}  // namespace
}  // namespace cardd
