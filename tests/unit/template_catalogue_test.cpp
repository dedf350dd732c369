// The card-template catalogue (good, broken, missing templates; unknown
// fields), the submit-time printability check, job previews and the render
// worker's bounded queue.

#include "templates/template_catalogue.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <stdlib.h>

#include <boost/json.hpp>
#include <filesystem>
#include <fstream>
#include <future>
#include <sstream>

#include "config/config_loader.hpp"
#include "core/base64.hpp"
#include "issuance/photo_jpeg.hpp"
#include "jobs/job_request.hpp"
#include "templates/card_preview.hpp"
#include "templates/render_client.hpp"
#include "templates/render_service.hpp"
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
  // The API's path: the detail parseJobRequest() decoded. The check on a
  // stored payload (no detail) must agree with it.
  Status check(json::object job) {
    JobsConfig jobs = config_.jobs;
    jobs.templates = {job.at("template").as_string().c_str()};
    JobRequestDetail detail;
    auto parsed = parseJobRequest(json::serialize(job), jobs, &detail);
    EXPECT_TRUE(parsed.ok()) << (parsed.ok() ? "" : parsed.error().message);
    if (!parsed.ok()) return std::move(parsed).error();
    Status fast = checkPrintable(*cat_, *parsed, detail);
    Status stored = checkPrintable(*cat_, *parsed, DocumentPolicy{}, "2026-11-29");
    EXPECT_EQ(fast.ok(), stored.ok());
    if (!fast.ok() && !stored.ok()) {
      EXPECT_EQ(fast.error().message, stored.error().message);
      EXPECT_EQ(pointers(fast), pointers(stored));
    }
    return fast;
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

TEST_F(PrintableTest, APngPhotoIsCheckedFromItsHeaderAndChunks) {
  // A whole PNG within the limits passes without being decoded: the
  // conversion to JPEG waits for issuance.
  std::string png = pngHeader(600, 800);
  png += std::string("\x00\x00\x00\x01IDAT\x00\x00\x00\x00\x00", 13);
  png += std::string("\x00\x00\x00\x00IEND\xAE\x42\x60\x82", 12);
  auto job = sampleJob();
  job["photo"] = encodeBase64(png);
  EXPECT_TRUE(check(job).ok());
  // Cut before IEND: refused.
  job["photo"] = encodeBase64(png.substr(0, png.size() - 12));
  auto st = check(job);
  ASSERT_FALSE(st.ok());
  EXPECT_THAT(pointers(st), ::testing::ElementsAre("/photo"));
  EXPECT_THAT(st.error().message, HasSubstr("not a complete PNG"));
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

// --- the light SVG check and the cardd-render helper ---------------------------

TEST(SvgLightCheck, AgreesWithLibrsvgOnTheShippedAndBrokenSvgs) {
  const std::string good = readText(kSource + "/config/templates/ektp-specimen/front.svg");
  EXPECT_EQ(render::checkSvgLight(good, "front.svg"), std::nullopt);
  EXPECT_EQ(render::checkSvgWithLibrsvg(good, "front.svg"), std::nullopt);
  const std::vector<std::string> broken = {
      "not svg at all",
      "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 1016 648\"><g>",
      "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 1016 648\"><g></svg>",
      "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 1016 648\"><rect x=1/></svg>",
      "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 500 300\"></svg>",
      "<svg xmlns=\"http://www.w3.org/2000/svg\"></svg>",
  };
  for (const auto& svg : broken) {
    const auto light = render::checkSvgLight(svg, "side.svg");
    ASSERT_TRUE(light.has_value()) << svg;
    EXPECT_THAT(*light, HasSubstr("side.svg")) << svg;
    EXPECT_TRUE(render::checkSvgWithLibrsvg(svg, "side.svg").has_value()) << svg;
  }
  EXPECT_EQ(render::checkSvgLight("<?xml version=\"1.0\"?><!-- a < b --><svg viewBox=\"0,0,1016,"
                                  "648\"><style><![CDATA[a>b{}]]></style></svg>",
                                  "x.svg"),
            std::nullopt);
}

class RenderHelperTest : public PrintableTest {
 protected:
  RenderClient client_{CARDD_RENDER_HELPER};
};

TEST_F(RenderHelperTest, PreviewsAndPanelsMatchTheInProcessRenderer) {
  auto job = parsedJob(sampleJob());
  auto t = cat_->find("ektp-specimen");
  ASSERT_TRUE(t.ok());
  auto png =
      client_.preview(**t, job.payload, 42, DocumentPolicy{}, "2026-11-29", render::Side::Back);
  ASSERT_TRUE(png.ok()) << png.error().message;
  auto local =
      renderJobPreview(**t, job.payload, 42, DocumentPolicy{}, "2026-11-29", render::Side::Back);
  ASSERT_TRUE(local.ok());
  EXPECT_EQ(*png, *local);
  EXPECT_TRUE(client_.running());

  drivers::PreparedCard remote;
  ASSERT_TRUE(client_.panels(**t, job.payload, 42, DocumentPolicy{}, "2026-11-29", remote).ok());
  render::RenderContext context(false);
  drivers::PreparedCard here;
  ASSERT_TRUE(
      renderJobPanels(context, **t, job.payload, 42, DocumentPolicy{}, "2026-11-29", here).ok());
  ASSERT_EQ(remote.front.panels.size(), here.front.panels.size());
  ASSERT_EQ(remote.back.panels.size(), here.back.panels.size());
  ASSERT_FALSE(here.front.panels.empty());
  for (std::size_t i = 0; i < here.front.panels.size(); ++i) {
    EXPECT_EQ(remote.front.panels[i].kind, here.front.panels[i].kind);
    EXPECT_EQ(remote.front.panels[i].lines, here.front.panels[i].lines);
    EXPECT_TRUE(remote.front.panels[i].density == here.front.panels[i].density) << i;
  }
  client_.stop();
  EXPECT_FALSE(client_.running());
}

TEST_F(RenderHelperTest, RefusalsKeepTheirCodeAndPointers) {
  // The stored payload of a job whose data no longer fits the template.
  auto good = parsedJob(sampleJob());
  json::value payload = json::parse(good.payload);
  payload.as_object()["person"].as_object().erase("occupation");
  auto t = cat_->find("ektp-specimen");
  ASSERT_TRUE(t.ok());
  auto png = client_.preview(**t, json::serialize(payload), 7, DocumentPolicy{}, "2026-11-29",
                             render::Side::Front);
  ASSERT_FALSE(png.ok());
  EXPECT_EQ(png.error().code, ErrorCode::ValidationFailed);
  ASSERT_EQ(png.error().fields.size(), 1U);
  EXPECT_EQ(png.error().fields[0].pointer, "/person/occupation");
}

TEST_F(RenderHelperTest, AKilledHelperIsReplacedAndLibrsvgChecksTemplates) {
  copyTemplate("good");
  const auto t = copyTemplate("bad");
  writeText(t / "back.svg", "<svg viewBox=\"0 0 1016 648\"><g></svg>");
  auto problems = client_.check(dir_.string(), {"good", "bad"});
  ASSERT_TRUE(problems.ok()) << problems.error().message;
  ASSERT_EQ(problems->size(), 2U);
  EXPECT_FALSE((*problems)[0].has_value());
  ASSERT_TRUE((*problems)[1].has_value());
  EXPECT_EQ((*problems)[1]->code, ErrorCode::ConfigInvalid);
  EXPECT_THAT((*problems)[1]->message, HasSubstr("librsvg"));

  // The helper dies between requests: the next request starts another.
  const pid_t first = client_.helperPid();
  ASSERT_GT(first, 0);
  ASSERT_EQ(::kill(first, SIGKILL), 0);
  problems = client_.check(dir_.string(), {"good"});
  ASSERT_TRUE(problems.ok()) << problems.error().message;
  EXPECT_FALSE((*problems)[0].has_value());
  EXPECT_NE(client_.helperPid(), first);
}

TEST_F(RenderHelperTest, ThePhotoIsConvertedToJpegInTheHelperAsInProcess) {
  // A real PNG: the helper's own preview of the card.
  auto t = cat_->find("ektp-specimen");
  ASSERT_TRUE(t.ok());
  auto job = parsedJob(sampleJob());
  auto png =
      client_.preview(**t, job.payload, 9, DocumentPolicy{}, "2026-11-29", render::Side::Front);
  ASSERT_TRUE(png.ok()) << png.error().message;
  const std::string png_bytes(png->begin(), png->end());

  auto remote = client_.photoJpeg(png_bytes, 80);
  ASSERT_TRUE(remote.ok()) << remote.error().message;
  auto local = pngToJpeg(png_bytes, 80);
  ASSERT_TRUE(local.ok());
  EXPECT_EQ(*remote, *local);

  // buildCardSubject() with the helper's converter, as the station calls it.
  json::value payload = json::parse(job.payload);
  payload.as_object()["photo"] = encodeBase64(png_bytes);
  const std::string stored = json::serialize(payload);
  auto via_helper =
      buildCardSubject(stored, 9, DocumentPolicy{}, "2026-11-29", client_.jpegConverter());
  ASSERT_TRUE(via_helper.ok()) << via_helper.error().message;
  auto in_process = buildCardSubject(stored, 9, DocumentPolicy{}, "2026-11-29");
  ASSERT_TRUE(in_process.ok());
  EXPECT_EQ(via_helper->photo_jpeg, in_process->photo_jpeg);
  EXPECT_EQ(via_helper->fields, in_process->fields);

  auto refused = client_.photoJpeg("GIF89a and more", 80);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, ErrorCode::InvalidArgument);
}

TEST_F(RenderHelperTest, TemplatesLibrsvgRefusesAreBrokenInTheCatalogue) {
  // An attribute given twice: the light check passes it, librsvg does not.
  copyTemplate("good");
  const auto t = copyTemplate("twice");
  replaceIn(t / "back.svg", "</svg>", "<rect x=\"1\" x=\"2\" width=\"3\" height=\"3\"/></svg>");
  JobsConfig jobs = config_.jobs;
  jobs.templates_dir = dir_.string();
  jobs.templates = {"good", "twice"};
  ASSERT_EQ(TemplateCatalogue::load(jobs)->brokenCount(), 0U) << "the light check refused it";

  auto cat =
      TemplateCatalogue::load(jobs, [&](const std::string& d, const std::vector<std::string>& ids) {
        return client_.check(d, ids);
      });
  EXPECT_FALSE(cat->rsvgCheckProblem().has_value());
  EXPECT_EQ(cat->brokenCount(), 1U);
  EXPECT_TRUE(cat->find("good").ok());
  auto twice = cat->find("twice");
  ASSERT_FALSE(twice.ok());
  EXPECT_EQ(twice.error().code, ErrorCode::ConfigInvalid);
  const auto lines = cat->describeProblems();
  ASSERT_FALSE(lines.empty());
  EXPECT_THAT(lines[0], HasSubstr("template 'twice'"));
  EXPECT_THAT(lines[0], HasSubstr("back.svg"));
  EXPECT_THAT(lines[0], HasSubstr("librsvg"));
}

TEST_F(TemplateCatalogueTest, WithoutTheHelperTemplatesStayUsableAndTheGapIsReported) {
  copyTemplate("good");
  JobsConfig jobs = config_.jobs;
  jobs.templates_dir = dir_.string();
  jobs.templates = {"good"};
  RenderClient missing("/nonexistent/cardd-render");
  auto cat =
      TemplateCatalogue::load(jobs, [&](const std::string& d, const std::vector<std::string>& ids) {
        return missing.check(d, ids);
      });
  EXPECT_EQ(cat->brokenCount(), 0U);
  EXPECT_TRUE(cat->find("good").ok());
  ASSERT_TRUE(cat->rsvgCheckProblem().has_value());
  EXPECT_EQ(cat->rsvgCheckProblem()->code, ErrorCode::Unavailable);
  const auto lines = cat->describeProblems();
  ASSERT_EQ(lines.size(), 1U);
  EXPECT_THAT(lines[0], HasSubstr("without librsvg"));
  EXPECT_THAT(lines[0], HasSubstr("cardd-render"));
}

TEST(RenderClient, AMissingHelperIsUnavailable) {
  RenderClient client("/nonexistent/cardd-render");
  auto problems = client.check("/tmp", {"x"});
  ASSERT_FALSE(problems.ok());
  EXPECT_EQ(problems.error().code, ErrorCode::Unavailable);
  EXPECT_THAT(problems.error().message, HasSubstr("cardd-render"));
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
