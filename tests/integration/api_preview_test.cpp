// Card templates against a real cardd: submit refused for a job its template
// cannot print (unknown, broken or missing template; a photo the template
// cannot take; a missing field), card previews of submitted jobs
// (GET /v1/jobs/{id}/preview.png) and of job requests (POST /v1/previews),
// the operator's view, and `cardctl preview`.

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "commands/commands.hpp"
#include "core/base64.hpp"
#include "daemon_process.hpp"
#include "run_as.hpp"
#include "test_helpers.hpp"

namespace cardd::test {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;
using client::Connection;

constexpr uid_t kNobody = 65534;
constexpr gid_t kNogroup = 65534;

void writeText(const fs::path& p, const std::string& text) {
  std::ofstream(p, std::ios::binary | std::ios::trunc) << text;
}

void replaceIn(const fs::path& p, const std::string& from, const std::string& to) {
  std::string text = readFile(p.string());
  const auto at = text.find(from);
  ASSERT_NE(at, std::string::npos) << from << " not in " << p;
  text.replace(at, from.size(), to);
  writeText(p, text);
}

// A JPEG header claiming `width` x `height`: enough for the submit check,
// which reads headers only.
std::string jpegHeader(unsigned width, unsigned height) {
  std::string j("\xFF\xD8\xFF\xC0\x00\x11\x08", 7);
  j += static_cast<char>(height >> 8);
  j += static_cast<char>(height & 0xFF);
  j += static_cast<char>(width >> 8);
  j += static_cast<char>(width & 0xFF);
  j += std::string("\x03\x01\x22\x00\x02\x11\x01\x03\x11\x01\xFF\xD9", 12);
  return j;
}

// "PNG, 1016 x 648" checks.
testing::AssertionResult isCardPng(const std::string& bytes) {
  if (bytes.size() < 24 || bytes.substr(0, 8) != std::string("\x89PNG\r\n\x1a\n", 8) ||
      bytes.substr(12, 4) != "IHDR")
    return testing::AssertionFailure() << "not a PNG (" << bytes.size() << " bytes)";
  auto be32 = [&](std::size_t at) {
    std::uint32_t v = 0;
    for (std::size_t i = 0; i < 4; ++i) v = (v << 8) | static_cast<unsigned char>(bytes[at + i]);
    return v;
  };
  if (be32(16) != 1016 || be32(20) != 648)
    return testing::AssertionFailure() << "PNG is " << be32(16) << " x " << be32(20);
  return testing::AssertionSuccess();
}

testing::AssertionResult isCardPngResponse(const client::Response& r) {
  if (r.status != 200) return testing::AssertionFailure() << "HTTP " << r.status << " " << r.body;
  if (r.content_type != "image/png")
    return testing::AssertionFailure() << "Content-Type " << r.content_type;
  if (r.header("Cache-Control") != "no-store")
    return testing::AssertionFailure() << "Cache-Control '" << r.header("Cache-Control") << "'";
  return isCardPng(r.body);
}

// --- submit refusals ---------------------------------------------------------

class TemplateRefusalTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // A templates dir with the shipped template, a broken one, and none for
    // "missing"; a person schema where occupation is optional.
    const fs::path templates = fs::path(daemon_.dir()) / "templates";
    fs::create_directories(templates);
    fs::copy(sourceDir() + "/config/templates/ektp-specimen", templates / "ektp-specimen",
             fs::copy_options::recursive);
    fs::copy(sourceDir() + "/config/templates/ektp-specimen", templates / "broken",
             fs::copy_options::recursive);
    replaceIn(templates / "broken" / "template.yaml", "id: ektp-specimen", "id: broken");
    writeText(templates / "broken" / "front.svg", "<svg this is not XML");
    const fs::path schema = fs::path(daemon_.dir()) / "schema.yaml";
    fs::copy_file(sourceDir() + "/config/schemas/ektp.yaml", schema);
    replaceIn(schema, "  occupation:                # Pekerjaan\n    type: string\n",
              "  occupation:\n    type: string\n    required: false\n");
    daemon_.config().jobs["templates_dir"] = "\"" + templates.string() + "\"";
    daemon_.config().jobs["templates"] = "[ektp-specimen, broken, missing]";
    daemon_.config().jobs["person_schema"] = "\"" + schema.string() + "\"";
    ASSERT_TRUE(daemon_.start());
  }

  client::Response submit(const json::object& job) {
    return callOnce(daemon_.socketPath(), "POST", "/v1/jobs", toText(job));
  }

  // 422 validation-failed with exactly this pointer, quoting no personal data.
  testing::AssertionResult refusedAt(const client::Response& r, const std::string& pointer) {
    auto problem = isProblem(r, 422, "validation-failed");
    if (!problem) return problem;
    auto field = hasFieldError(r, pointer);
    if (!field) return field;
    const auto sample = sampleJob();
    for (const char* key : {"nik", "name", "birth_place"}) {
      const std::string value(sample.at("person").at(key).as_string());
      if (r.body.find(value) != std::string::npos)
        return testing::AssertionFailure() << "the problem quotes the person's " << key;
    }
    return testing::AssertionSuccess();
  }

  DaemonProcess daemon_;
};

TEST_F(TemplateRefusalTest, ABrokenTemplateDoesNotStopTheOthers) {
  auto r = submit(sampleJob());
  EXPECT_EQ(r.status, 201) << r.body;
  EXPECT_NE(daemon_.stderrText().find("card template problem"), std::string::npos);
}

TEST_F(TemplateRefusalTest, UnknownBrokenAndMissingTemplatesAreRefused) {
  auto job = sampleJob();
  job["template"] = "ektp-gold";
  EXPECT_TRUE(refusedAt(submit(job), "/template"));

  job["template"] = "broken";
  auto r = submit(job);
  EXPECT_TRUE(refusedAt(r, "/template"));
  EXPECT_NE(r.body.find("front.svg"), std::string::npos) << r.body;

  job["template"] = "missing";
  r = submit(job);
  EXPECT_TRUE(refusedAt(r, "/template"));
  EXPECT_NE(r.body.find("not found"), std::string::npos) << r.body;
}

TEST_F(TemplateRefusalTest, PhotosTheTemplateCannotTakeAreRefused) {
  auto job = sampleJob();
  job["photo"] = encodeBase64(std::string("\xFF\xD8\xFF\xE0", 4) + "no frame header here");
  auto r = submit(job);
  EXPECT_TRUE(refusedAt(r, "/photo"));
  EXPECT_NE(r.body.find("not a JPEG"), std::string::npos) << r.body;

  job["photo"] = encodeBase64(jpegHeader(4000, 3000));
  r = submit(job);
  EXPECT_TRUE(refusedAt(r, "/photo"));
  EXPECT_NE(r.body.find("4000 x 3000"), std::string::npos) << r.body;
}

TEST_F(TemplateRefusalTest, AFieldTheTemplatePrintsMustBeGiven) {
  auto job = sampleJob();
  job["person"].as_object().erase("occupation");
  auto r = submit(job);
  EXPECT_TRUE(refusedAt(r, "/person/occupation"));
  // Nothing was stored.
  auto list = jsonObject(callOnce(daemon_.socketPath(), "GET", "/v1/jobs"));
  EXPECT_TRUE(list.at("jobs").as_array().empty());
}

TEST_F(TemplateRefusalTest, AReloadReadsTheTemplatesAgain) {
  auto job = sampleJob();
  job["template"] = "broken";
  ASSERT_TRUE(refusedAt(submit(job), "/template"));
  // Repair the template's file; cardd.yaml itself does not change.
  const fs::path templates = fs::path(daemon_.dir()) / "templates";
  fs::copy_file(templates / "ektp-specimen" / "front.svg", templates / "broken" / "front.svg",
                fs::copy_options::overwrite_existing);
  ASSERT_EQ(::kill(daemon_.pid(), SIGHUP), 0);
  EXPECT_TRUE(waitFor([&] { return submit(job).status == 201; }, 10s));
}

TEST_F(TemplateRefusalTest, CheckConfigReportsEveryBrokenTemplate) {
  const std::string cmd =
      daemonBinary() + " --check-config --config " + daemon_.configPath() + " 2>&1";
  FILE* p = ::popen(cmd.c_str(), "r");
  ASSERT_NE(p, nullptr);
  std::string out;
  std::array<char, 4096> buf{};
  while (auto n = std::fread(buf.data(), 1, buf.size(), p)) out.append(buf.data(), n);
  const int status = ::pclose(p);
  EXPECT_EQ(WIFEXITED(status) ? WEXITSTATUS(status) : -1, 78) << out;  // EX_CONFIG
  EXPECT_NE(out.find("template 'broken'"), std::string::npos) << out;
  EXPECT_NE(out.find("front.svg"), std::string::npos) << out;
  EXPECT_NE(out.find("template 'missing'"), std::string::npos) << out;
  EXPECT_NE(out.find("2 of 3 card templates cannot be used"), std::string::npos) << out;
  EXPECT_EQ(out.find("template 'ektp-specimen'"), std::string::npos) << out;
}

// --- librsvg's check at start-up (cardd-render) ---------------------------------

TEST(LibrsvgTemplateCheck, ATemplateOnlyLibrsvgRefusesIsReportedAndRefused) {
  // An attribute given twice: cardd's light SVG check passes it, librsvg (in
  // cardd-render, asked at start-up) does not.
  DaemonProcess daemon;
  const fs::path templates = fs::path(daemon.dir()) / "templates";
  fs::create_directories(templates);
  for (const char* id : {"ektp-specimen", "twice"}) {
    fs::copy(sourceDir() + "/config/templates/ektp-specimen", templates / id,
             fs::copy_options::recursive);
  }
  replaceIn(templates / "twice" / "template.yaml", "id: ektp-specimen", "id: twice");
  replaceIn(templates / "twice" / "back.svg", "</svg>",
            "<rect x=\"1\" x=\"2\" width=\"3\" height=\"3\"/></svg>");
  daemon.config().jobs["templates_dir"] = "\"" + templates.string() + "\"";
  daemon.config().jobs["templates"] = "[ektp-specimen, twice]";
  ASSERT_TRUE(daemon.start());
  EXPECT_NE(daemon.stderrText().find("librsvg"), std::string::npos) << daemon.stderrText();

  auto job = sampleJob();
  job["template"] = "twice";
  auto r = callOnce(daemon.socketPath(), "POST", "/v1/jobs", toText(job));
  EXPECT_TRUE(isProblem(r, 422, "validation-failed")) << r.body;
  EXPECT_TRUE(hasFieldError(r, "/template")) << r.body;
  EXPECT_NE(r.body.find("librsvg"), std::string::npos) << r.body;
  job["template"] = "ektp-specimen";
  r = callOnce(daemon.socketPath(), "POST", "/v1/jobs", toText(job));
  EXPECT_EQ(r.status, 201) << r.body;

  const std::string cmd =
      daemonBinary() + " --check-config --config " + daemon.configPath() + " 2>&1";
  FILE* p = ::popen(cmd.c_str(), "r");
  ASSERT_NE(p, nullptr);
  std::string out;
  std::array<char, 4096> buf{};
  while (auto n = std::fread(buf.data(), 1, buf.size(), p)) out.append(buf.data(), n);
  const int status = ::pclose(p);
  EXPECT_EQ(WIFEXITED(status) ? WEXITSTATUS(status) : -1, 78) << out;  // EX_CONFIG
  EXPECT_NE(out.find("template 'twice'"), std::string::npos) << out;
  EXPECT_NE(out.find("librsvg"), std::string::npos) << out;
  EXPECT_NE(out.find("1 of 2 card templates cannot be used"), std::string::npos) << out;
}

// --- previews ------------------------------------------------------------------

class PreviewTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(daemon_.start()); }
  DaemonProcess daemon_;
};

TEST_F(PreviewTest, ASubmittedJobPreviewsAsAPngOfTheCard) {
  auto conn = connectTo(daemon_.socketPath());
  const auto id = jobId(call(conn, "POST", "/v1/jobs", sampleJobText()));
  const std::string base = "/v1/jobs/" + std::to_string(id) + "/preview.png";
  auto front = call(conn, "GET", base);
  EXPECT_TRUE(isCardPngResponse(front));
  auto explicit_front = call(conn, "GET", base + "?side=front");
  EXPECT_TRUE(isCardPngResponse(explicit_front));
  EXPECT_EQ(explicit_front.body, front.body);
  auto back = call(conn, "GET", base + "?side=back");
  EXPECT_TRUE(isCardPngResponse(back));
  EXPECT_NE(back.body, front.body);

  EXPECT_TRUE(isProblem(call(conn, "GET", base + "?side=top"), 400, "bad-request"));
  EXPECT_TRUE(isProblem(call(conn, "GET", base + "?scale=2"), 400, "bad-request"));
  EXPECT_TRUE(isProblem(call(conn, "POST", base), 405, "method-not-allowed"));
}

TEST_F(PreviewTest, AMissingJobHasNoPreview) {
  auto r = callOnce(daemon_.socketPath(), "GET", "/v1/jobs/4242/preview.png");
  EXPECT_TRUE(isProblem(r, 404, "not-found"));
}

TEST_F(PreviewTest, AJobRequestPreviewsWithoutBeingStored) {
  auto conn = connectTo(daemon_.socketPath());
  auto r = call(conn, "POST", "/v1/previews", sampleJobText());
  EXPECT_TRUE(isCardPngResponse(r));
  r = call(conn, "POST", "/v1/previews?side=back", minimalJobText());
  EXPECT_TRUE(isCardPngResponse(r));
  auto list = jsonObject(call(conn, "GET", "/v1/jobs"));
  EXPECT_TRUE(list.at("jobs").as_array().empty()) << toText(list);

  // The same checks as a submit.
  auto job = sampleJob();
  job["photo"] = encodeBase64(jpegHeader(5000, 200));
  r = call(conn, "POST", "/v1/previews", toText(job));
  EXPECT_TRUE(isProblem(r, 422, "validation-failed"));
  EXPECT_TRUE(hasFieldError(r, "/photo"));
  job = sampleJob();
  job.erase("person");
  EXPECT_TRUE(hasFieldError(call(conn, "POST", "/v1/previews", toText(job)), "/person"));
  EXPECT_TRUE(isProblem(call(conn, "POST", "/v1/previews", sampleJobText(), "text/plain"), 415,
                        "unsupported-media-type"));
}

TEST(PreviewAccess, AnOperatorPreviewsOnlyOwnJobs) {
  if (auto skip = skipUnlessRoot()) GTEST_SKIP() << *skip;
  DaemonProcess daemon;
  daemon.config().socket_mode = "\"0666\"";
  daemon.config().access["operator"] = R"({ users: ["#65534"] })";
  ASSERT_TRUE(daemon.start());
  const auto root_job = jobId(callOnce(daemon.socketPath(), "POST", "/v1/jobs", minimalJobText()));
  const std::string path = daemon.socketPath();
  const std::string job_text = minimalJobText();

  auto r = runAsUid(kNobody, kNogroup, [&](Checks& c) {
    auto conn = Connection::connect(path, std::chrono::seconds(10));
    if (!c.expect(conn.ok(), "connect as nobody")) return;
    auto sub = conn->request("POST", "/v1/jobs", job_text);
    if (!c.expect(sub.ok() && sub->status == 201, "submit as operator")) return;
    const auto own = jobId(*sub);
    auto mine = conn->request("GET", "/v1/jobs/" + std::to_string(own) + "/preview.png");
    c.expect(mine.ok() && static_cast<bool>(isCardPngResponse(*mine)), "own job's preview");
    auto other = conn->request("GET", "/v1/jobs/" + std::to_string(root_job) + "/preview.png");
    c.expect(other.ok() && static_cast<bool>(isProblem(*other, 404, "not-found")),
             "root's job must look missing: HTTP " +
                 (other.ok() ? std::to_string(other->status) : other.error().message));
  });
  EXPECT_TRUE(r.ok()) << r.describe();
}

// --- cardctl preview -------------------------------------------------------------

struct CliRun {
  int code;
  std::string out;
  std::string err;
};

CliRun cardctl(const std::string& socket, std::vector<std::string> args, bool terminal = false) {
  std::istringstream in;
  std::ostringstream out;
  std::ostringstream err;
  args.insert(args.begin(), {"--socket", socket});
  cli::Settings settings;
  settings.out_is_terminal = [terminal] { return terminal; };
  const int code = cli::run(args, nullptr, cli::Io{in, out, err}, std::move(settings));
  return {code, out.str(), err.str()};
}

TEST_F(PreviewTest, CardctlPreviewWritesThePng) {
  const auto id = jobId(callOnce(daemon_.socketPath(), "POST", "/v1/jobs", sampleJobText()));
  const std::string file = daemon_.dir() + "/front.png";
  auto r = cardctl(daemon_.socketPath(), {"preview", std::to_string(id), "-o", file});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(isCardPng(readFile(file)));
  EXPECT_EQ(fs::status(file).permissions() & fs::perms::all,
            fs::perms::owner_read | fs::perms::owner_write);

  // No silent overwrite.
  writeText(file, "keep me");
  r = cardctl(daemon_.socketPath(), {"preview", std::to_string(id), "-o", file});
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("already exists"), std::string::npos) << r.err;
  EXPECT_EQ(readFile(file), "keep me");
  r = cardctl(daemon_.socketPath(), {"preview", std::to_string(id), "-o", file, "--force"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(isCardPng(readFile(file)));

  // Standard output, but never a terminal.
  r = cardctl(daemon_.socketPath(), {"preview", std::to_string(id), "--side", "back", "-o", "-"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(isCardPng(r.out));
  r = cardctl(daemon_.socketPath(), {"preview", std::to_string(id), "-o", "-"}, true);
  EXPECT_EQ(r.code, 2);
  EXPECT_TRUE(r.out.empty());

  // A job request that was not submitted, with another template id.
  const std::string job_file = daemon_.dir() + "/job.json";
  writeText(job_file, sampleJobText());
  const std::string other = daemon_.dir() + "/req.png";
  r = cardctl(daemon_.socketPath(),
              {"preview", "--file", job_file, "--template", "ektp-specimen", "-o", other});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(isCardPng(readFile(other)));
  r = cardctl(daemon_.socketPath(),
              {"preview", "--file", job_file, "--template", "ektp-gold", "-o", other + "2"});
  EXPECT_EQ(r.code, 6) << r.err;  // rejected
  EXPECT_NE(r.err.find("/template"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(other + "2"));

  r = cardctl(daemon_.socketPath(), {"preview", "999", "-o", daemon_.dir() + "/none.png"});
  EXPECT_EQ(r.code, 5) << r.err;  // not found
  EXPECT_NE(r.err.find("job 999 not found"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace cardd::test
