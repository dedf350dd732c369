// cardctl end to end (cardd::cli::run) against a scripted fake cardd.

#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "commands/commands.hpp"
#include "fake_server.hpp"

namespace cardd::cli {
namespace {

using namespace std::chrono_literals;
using testing::FakeConnection;
using testing::FakeRequest;
using testing::FakeServer;
using testing::httpResponse;
using testing::problemResponse;

struct Outcome {
  int code;
  std::string out;
  std::string err;
};

Outcome runCli(std::vector<std::string> args, const std::string& socket, Settings settings = {},
               const std::string& input = {}) {
  std::istringstream in(input);
  std::ostringstream out;
  std::ostringstream err;
  args.insert(args.begin(), {"--socket", socket});
  settings.timeout = 2s;
  int code = run(args, nullptr, Io{in, out, err}, std::move(settings));
  return {code, out.str(), err.str()};
}

constexpr const char* kJob7 =
    R"({"id":7,"state":"pending","state_reasons":["job-queued"],"priority":50,"template":"ektp-specimen",
        "profile":"cardd-eid","idempotency_key":"k1","owner":{"uid":1000,"user":"clerk"},
        "created_at":"2026-11-29T11:00:00.123Z","updated_at":"2026-11-29T11:00:00.123Z",
        "photo_bytes":10,"fingerprint_count":0})";

// An issued job: a spoiled first attempt, then the issued card.
constexpr const char* kJob12 =
    R"({"id":12,"state":"completed","state_reasons":["job-completed-successfully"],"priority":50,
        "template":"ektp-specimen","profile":"cardd-eid","idempotency_key":null,
        "owner":{"uid":1000,"user":"clerk"},"created_at":"2026-11-29T11:00:00.123Z",
        "updated_at":"2026-11-29T11:03:00.000Z","photo_bytes":10,"fingerprint_count":0,
        "chip_serial":"04A1B2C3",
        "attempts":[
          {"attempt":1,"printer":"P1","step":"at-station","outcome":"spoiled",
           "reason":"chip-verify-failed","detail":"The chip did not verify after writing.",
           "chip_serial":null,"lot":"LOT-1","card_failure":true,
           "started_at":"2026-11-29T11:01:00.000Z","ended_at":"2026-11-29T11:01:30.250Z"},
          {"attempt":2,"printer":"P2","step":"eject-requested","outcome":"issued","reason":"",
           "detail":"","chip_serial":"04A1B2C3","lot":"LOT-1","card_failure":false,
           "started_at":"2026-11-29T11:02:00.000Z","ended_at":"2026-11-29T11:03:00.000Z"}],
        "events":[]})";

constexpr const char* kPrinterP1 =
    R"({"id":"P1","uri":"tcp://127.0.0.1:9101","family":"evolis","reader":"Station Reader 00 00",
        "ribbon":"ymcko","card_stock":"pvc-chip","state":"busy","state_reasons":[],"message":"",
        "paused":false,"paused_reason":"","current_job":12,"current_step":"printing",
        "next_job":13,"model":"Primacy 2","serial":"E4-1","cards_issued_today":41,
        "cards_spoiled_today":1,"feeder_cards":57})";
constexpr const char* kPrinterP2 =
    R"({"id":"P2","uri":"usb://0f49:ffff","family":"evolis","reader":null,"ribbon":"k",
        "card_stock":"pvc-plain","state":"faulted","state_reasons":["media-jam-error"],
        "message":"A card is jammed: open the cover and take it out.","paused":false,
        "paused_reason":"","current_job":null,"current_step":"","next_job":null,"model":"",
        "serial":"","cards_issued_today":0,"cards_spoiled_today":2,"feeder_cards":null})";

constexpr std::string_view kPng("\x89PNG\r\n\x1a\n", 8);

// A fake cardd covering the routes of docs/api/openapi.yaml.
class FakeCardd : public ::testing::Test {
 protected:
  FakeCardd()
      : server_(FakeServer::routes([this](const FakeRequest& r) { return route(r); }, &log_,
                                   &log_mutex_)) {}

  std::string route(const FakeRequest& r) {
    const std::string& t = r.target;
    if (t == "/v1/_ping") {
      return httpResponse(200, "application/json",
                          R"({"service":"cardd","version":"0.1.0","api":"v1","station":"lab-1"})");
    }
    if (r.method == "POST" && t == "/v1/jobs") {
      if (r.body.find("\"bad\"") != std::string::npos) {
        return problemResponse(
            422, "validation-failed", "Invalid job request", "2 problems",
            R"("errors":[{"pointer":"/person/nik","message":"must be 16 digits"},{"pointer":"/priority","message":"must be 1..100"}])");
      }
      if (r.body.find("\"again\"") != std::string::npos)
        return httpResponse(200, "application/json", kJob7);
      return httpResponse(201, "application/json", kJob7, "Location: /v1/jobs/7\r\n");
    }
    if (t.rfind("/v1/jobs/7/preview.png?side=", 0) == 0) {
      return httpResponse(200, "image/png", std::string(kPng) + t.substr(t.find('=') + 1),
                          "Cache-Control: no-store\r\n");
    }
    if (t == "/v1/jobs/99/preview.png?side=front")
      return problemResponse(404, "not-found", "Not found", "job 99 does not exist");
    if (t == "/v1/jobs/8/preview.png?side=front")
      return httpResponse(200, "text/html", "<html>surprise</html>");
    if (t == "/v1/jobs/9/preview.png?side=front") {
      return problemResponse(503, "unavailable", "cardd is not available",
                             "the card renderer is busy with 4 previews; try again in a moment");
    }
    if (r.method == "POST" && t.rfind("/v1/previews?side=", 0) == 0) {
      if (r.body.find("\"bad\"") != std::string::npos) {
        return problemResponse(
            422, "validation-failed", "Invalid job request", "the job cannot be printed",
            R"("errors":[{"pointer":"/photo","message":"the photo is 4000 x 3000 pixels"}])");
      }
      return httpResponse(200, "image/png", std::string(kPng) + "request");
    }
    if (t == "/v1/jobs/7") return httpResponse(200, "application/json", kJob7);
    if (t == "/v1/jobs/12") return httpResponse(200, "application/json", kJob12);
    if (t == "/v1/printers") {
      return httpResponse(200, "application/json",
                          R"({"printers":[)" + std::string(kPrinterP1) + "," + kPrinterP2 + "]}");
    }
    if (t == "/v1/printers/P1") return httpResponse(200, "application/json", kPrinterP1);
    if (t == "/v1/printers/P9" || t == "/v1/printers/P9/pause")
      return problemResponse(404, "not-found", "Not found", "printer 'P9' does not exist");
    if (t == "/v1/printers/P2/pause") {
      return problemResponse(403, "forbidden", "Forbidden", "this needs the technician role",
                             R"("required_roles":["supervisor","technician","admin"])");
    }
    if (r.method == "POST" && t == "/v1/printers/P1/pause") {
      return httpResponse(
          200, "application/json",
          R"({"id":"P1","state":"busy","paused":true,"paused_reason":"ribbon change"})");
    }
    if (r.method == "POST" && t == "/v1/printers/P1/resume")
      return httpResponse(200, "application/json", R"({"id":"P1","state":"idle","paused":false})");
    if (t == "/v1/jobs/99") return problemResponse(404, "not-found", "Not found", "no job 99");
    if (t == "/v1/jobs/7/cancel") {
      return problemResponse(403, "forbidden", "Forbidden", "operators cannot cancel others' jobs",
                             R"("required_roles":["supervisor","admin"])");
    }
    if (t == "/v1/jobs/8/hold") {
      return problemResponse(409, "illegal-transition", "Illegal transition",
                             "job 8 is completed; it cannot be held");
    }
    if (t == "/v1/jobs/8/release") {
      return httpResponse(200, "application/json",
                          R"({"id":8,"state":"pending","state_reasons":["job-queued"]})");
    }
    if (t.rfind("/v1/jobs?", 0) == 0 || t == "/v1/jobs") {
      // Pages of two: ids 1,2 | 3,4 | 5.
      std::uint64_t after = 0;
      if (auto p = t.find("after="); p != std::string::npos) after = std::stoull(t.substr(p + 6));
      std::string jobs;
      std::uint64_t last = after;
      for (std::uint64_t id = after + 1; id <= std::min<std::uint64_t>(after + 2, 5); ++id) {
        jobs += (jobs.empty() ? "" : ",") + std::string(R"({"id":)") + std::to_string(id) +
                R"(,"state":"pending","state_reasons":["job-queued"],"priority":50,"template":"t",)"
                R"("owner":{"uid":1000,"user":"clerk"},"created_at":"2026-11-29T11:00:00.000Z"})";
        last = id;
      }
      std::string next = last < 5 ? std::to_string(last) : "null";
      return httpResponse(200, "application/json",
                          R"({"jobs":[)" + jobs + R"(],"next_after":)" + next + "}");
    }
    if (t == "/v1/audit/verify") {
      if (audit_broken_) {
        return httpResponse(
            200, "application/json",
            R"({"ok":false,"entries":9,"first_bad_id":4,"problem":"hash mismatch at entry 4"})");
      }
      return httpResponse(200, "application/json", R"({"ok":true,"entries":9})");
    }
    return problemResponse(404, "not-found", "Not found", "no route");
  }

  std::vector<std::string> targets() {
    std::lock_guard<std::mutex> lock(log_mutex_);
    std::vector<std::string> out;
    for (const auto& r : log_) out.push_back(r.method + " " + r.target);
    return out;
  }

  std::vector<FakeRequest> log_;
  std::mutex log_mutex_;
  std::atomic<bool> audit_broken_{false};
  FakeServer server_;
};

TEST_F(FakeCardd, Ping) {
  auto r = runCli({"ping"}, server_.path());
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "cardd 0.1.0 (api v1, station lab-1)\n");
  auto j = runCli({"ping", "--json"}, server_.path());
  EXPECT_EQ(j.out, R"({"service":"cardd","version":"0.1.0","api":"v1","station":"lab-1"})"
                   "\n");
}

TEST_F(FakeCardd, SubmitFromFileAndStdin) {
  testing::TempDir dir;
  const std::string file = dir.path() + "/job.json";
  std::ofstream(file) << R"({"template":"ektp-specimen"})";
  auto r = runCli({"submit", file}, server_.path());
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "job 7 queued (pending)\n");
  auto again = runCli({"submit", "-"}, server_.path(), {}, R"({"x":"again"})");
  EXPECT_EQ(again.code, 0) << again.err;
  EXPECT_EQ(again.out, "job 7 already submitted (idempotency key k1), state pending\n");
  std::lock_guard<std::mutex> lock(log_mutex_);
  ASSERT_GE(log_.size(), 1U);
  EXPECT_EQ(log_[0].body, R"({"template":"ektp-specimen"})");
  EXPECT_EQ(log_[0].headers["content-type"], "application/json");
}

TEST_F(FakeCardd, SubmitRejected) {
  auto r = runCli({"submit", "-"}, server_.path(), {}, R"({"x":"bad"})");
  EXPECT_EQ(r.code, 6);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err,
            "cardctl: job request rejected: 2 problems\n"
            "  /person/nik: must be 16 digits\n"
            "  /priority: must be 1..100\n");
  auto json = runCli({"--json", "submit", "-"}, server_.path(), {}, R"({"x":"bad"})");
  EXPECT_EQ(json.code, 6);
  EXPECT_NE(json.out.find("problem:validation-failed"), std::string::npos);
}

TEST_F(FakeCardd, SubmitBadInputNeverReachesTheDaemon) {
  auto notJson = runCli({"submit", "-"}, server_.path(), {}, "{nope");
  EXPECT_EQ(notJson.code, 6);
  EXPECT_EQ(notJson.err.rfind("cardctl: standard input: not valid JSON", 0), 0U) << notJson.err;
  auto missing = runCli({"submit", "/nonexistent/job.json"}, server_.path());
  EXPECT_EQ(missing.code, 1);
  EXPECT_EQ(missing.err, "cardctl: cannot read /nonexistent/job.json: No such file or directory\n");
  EXPECT_TRUE(targets().empty());
}

TEST_F(FakeCardd, PreviewWritesANewFileOnly) {
  testing::TempDir dir;
  const std::string file = dir.path() + "/card.png";
  auto r = runCli({"preview", "7", "-o", file}, server_.path());
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "wrote " + file + " (front of job 7, 13 bytes)\n");
  std::ifstream in(file, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(bytes, std::string(kPng) + "front");

  auto again = runCli({"preview", "7", "--side", "back", "-o", file}, server_.path());
  EXPECT_EQ(again.code, 1);
  EXPECT_EQ(again.err, "cardctl: " + file + " already exists (use --force to overwrite it)\n");
  auto forced = runCli({"preview", "7", "--side=back", "-o", file, "--force"}, server_.path());
  EXPECT_EQ(forced.code, 0) << forced.err;
  std::ifstream in2(file, std::ios::binary);
  bytes.assign((std::istreambuf_iterator<char>(in2)), std::istreambuf_iterator<char>());
  EXPECT_EQ(bytes, std::string(kPng) + "back");
  EXPECT_EQ(targets(), (std::vector<std::string>{"GET /v1/jobs/7/preview.png?side=front",
                                                 "GET /v1/jobs/7/preview.png?side=back",
                                                 "GET /v1/jobs/7/preview.png?side=back"}));
}

TEST_F(FakeCardd, PreviewDefaultsToJobIdAndSideInTheCurrentFolder) {
  testing::TempDir dir;
  const auto cwd = std::filesystem::current_path();
  std::filesystem::current_path(dir.path());
  auto r = runCli({"preview", "7"}, server_.path());
  auto b = runCli({"preview", "7", "--side", "back"}, server_.path());
  std::filesystem::current_path(cwd);
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(b.code, 0) << b.err;
  EXPECT_TRUE(std::filesystem::exists(dir.path() + "/job-7-front.png"));
  EXPECT_TRUE(std::filesystem::exists(dir.path() + "/job-7-back.png"));
}

TEST_F(FakeCardd, PreviewToStandardOutputButNeverATerminal) {
  Settings pipe;
  pipe.out_is_terminal = [] { return false; };
  auto r = runCli({"preview", "7", "-o", "-"}, server_.path(), pipe);
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, std::string(kPng) + "front");
  Settings tty;
  tty.out_is_terminal = [] { return true; };
  auto t = runCli({"preview", "7", "-o", "-"}, server_.path(), tty);
  EXPECT_EQ(t.code, 2);
  EXPECT_EQ(t.out, "");
  EXPECT_NE(t.err.find("standard output is a terminal"), std::string::npos) << t.err;
}

TEST_F(FakeCardd, PreviewOfAJobRequest) {
  testing::TempDir dir;
  const std::string job = dir.path() + "/job.json";
  std::ofstream(job) << R"({"template":"ektp-specimen","priority":5})";
  const std::string out = dir.path() + "/req.png";
  auto r =
      runCli({"preview", "--file", job, "--template", "ektp-other", "--side", "back", "-o", out},
             server_.path());
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "wrote " + out + " (back of the job request, 15 bytes)\n");
  {
    std::lock_guard<std::mutex> lock(log_mutex_);
    ASSERT_EQ(log_.size(), 1U);
    EXPECT_EQ(log_[0].method + " " + log_[0].target, "POST /v1/previews?side=back");
    EXPECT_EQ(log_[0].body, R"({"template":"ektp-other","priority":5})");
  }
  auto bad = runCli({"preview", "--file", "-", "-o", dir.path() + "/bad.png"}, server_.path(), {},
                    R"({"x":"bad"})");
  EXPECT_EQ(bad.code, 6);
  EXPECT_EQ(bad.err,
            "cardctl: job request rejected: the job cannot be printed\n"
            "  /photo: the photo is 4000 x 3000 pixels\n");
  EXPECT_FALSE(std::filesystem::exists(dir.path() + "/bad.png"));
  auto broken = runCli({"preview", "--file", "-"}, server_.path(), {}, "{nope");
  EXPECT_EQ(broken.code, 6);
}

TEST_F(FakeCardd, PreviewFailures) {
  testing::TempDir dir;
  const std::string file = dir.path() + "/x.png";
  auto missing = runCli({"preview", "99", "-o", file}, server_.path());
  EXPECT_EQ(missing.code, 5);
  EXPECT_EQ(missing.err, "cardctl: job 99 not found\n");
  auto html = runCli({"preview", "8", "-o", file}, server_.path());
  EXPECT_EQ(html.code, 1);
  EXPECT_EQ(html.err, "cardctl: unexpected response from cardd: not a PNG image (text/html)\n");
  auto busy = runCli({"preview", "9", "-o", file}, server_.path());
  EXPECT_EQ(busy.code, 3);
  EXPECT_NE(busy.err.find("renderer is busy"), std::string::npos) << busy.err;
  EXPECT_FALSE(std::filesystem::exists(file));
}

TEST_F(FakeCardd, JobsOnePageHintsAtMore) {
  auto r = runCli({"jobs", "--state", "pending,pending-held", "--limit", "2"}, server_.path());
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out,
            "ID  STATE    PRIORITY  TEMPLATE  OWNER  CREATED               REASONS\n"
            " 1  pending        50  t         clerk  2026-11-29T11:00:00Z  job-queued\n"
            " 2  pending        50  t         clerk  2026-11-29T11:00:00Z  job-queued\n");
  EXPECT_EQ(r.err, "cardctl: there may be more jobs after job 2; use --all to list them all\n");
  EXPECT_EQ(targets(),
            (std::vector<std::string>{"GET /v1/jobs?state=pending,pending-held&limit=2"}));
}

TEST_F(FakeCardd, JobsAllFollowsPaging) {
  auto r = runCli({"jobs", "--all"}, server_.path());
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.err, "");
  for (const char* id : {"\n 1  ", "\n 2  ", "\n 3  ", "\n 4  ", "\n 5  "}) {
    EXPECT_NE(r.out.find(id), std::string::npos) << id;
  }
  EXPECT_EQ(targets(), (std::vector<std::string>{"GET /v1/jobs", "GET /v1/jobs?after=2",
                                                 "GET /v1/jobs?after=4"}));
  EXPECT_EQ(server_.connectionCount(), 1);  // one keep-alive connection

  auto json = runCli({"jobs", "--all", "--json"}, server_.path());
  EXPECT_EQ(json.code, 0);
  EXPECT_EQ(json.out.rfind("{\"jobs\":[{\"id\":1,", 0), 0U) << json.out;
  EXPECT_NE(json.out.find("{\"id\":5,"), std::string::npos);
  EXPECT_NE(json.out.find("\"next_after\":null}"), std::string::npos);
}

TEST_F(FakeCardd, JobDetailsAndNotFound) {
  auto r = runCli({"job", "7"}, server_.path());
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out.rfind("job 7: pending (job-queued)\n", 0), 0U) << r.out;
  auto missing = runCli({"job", "99"}, server_.path());
  EXPECT_EQ(missing.code, 5);
  EXPECT_EQ(missing.err, "cardctl: job 99 not found\n");
}

TEST_F(FakeCardd, JobShowsChipSerialAndAttempts) {
  auto r = runCli({"job", "12"}, server_.path());
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("  chip serial:     04A1B2C3\n"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("chip_serial"), std::string::npos) << r.out;  // not listed twice
  const auto table = r.out.find("\ncard attempts:\n");
  ASSERT_NE(table, std::string::npos) << r.out;
  EXPECT_NE(r.out.find("#  PRINTER  STEP             OUTCOME  REASON", table), std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("1  P1       at-station       spoiled  chip-verify-failed (card failure)  "
                       "-            LOT-1  2026-11-29T11:01:00Z  2026-11-29T11:01:30Z\n"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("2  P2       eject-requested  issued   -"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("  attempt 1: The chip did not verify after writing.\n"), std::string::npos)
      << r.out;
  // A job without attempts prints no attempts table.
  auto plain = runCli({"job", "7"}, server_.path());
  EXPECT_EQ(plain.out.find("card attempts"), std::string::npos) << plain.out;
}

TEST_F(FakeCardd, PrintersTable) {
  auto r = runCli({"printers"}, server_.path());
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out,
            "ID  STATE    JOB  STEP      ISSUED  SPOILED  FEEDER  MESSAGE\n"
            "P1  busy      12  printing      41        1      57  -\n"
            "P2  faulted    -  -              0        2       -  A card is jammed: open the "
            "cover and take it out.\n");
  auto json = runCli({"printers", "--json"}, server_.path());
  EXPECT_EQ(json.code, 0);
  EXPECT_EQ(json.out.rfind(R"({"printers":[)", 0), 0U) << json.out;
}

TEST_F(FakeCardd, PrinterDetailsAndNotFound) {
  auto r = runCli({"printer", "P1"}, server_.path());
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out.rfind("printer P1: busy\n", 0), 0U) << r.out;
  EXPECT_NE(r.out.find("  current job:    12 (printing)\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("  encoder reader: Station Reader 00 00\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("  feeder cards:   57\n"), std::string::npos) << r.out;
  auto missing = runCli({"printer", "P9"}, server_.path());
  EXPECT_EQ(missing.code, 5);
  EXPECT_EQ(missing.err, "cardctl: printer P9 not found\n");
  auto pause_missing = runCli({"pause", "P9"}, server_.path());
  EXPECT_EQ(pause_missing.code, 5);
  EXPECT_EQ(pause_missing.err, "cardctl: printer P9 not found\n");
}

TEST_F(FakeCardd, PauseAndResume) {
  auto paused = runCli({"pause", "P1", "--reason", "ribbon change"}, server_.path());
  ASSERT_EQ(paused.code, 0) << paused.err;
  EXPECT_EQ(paused.out,
            "printer P1 paused (ribbon change): now busy; it finishes the card it holds, then "
            "takes no more work\n");
  auto resumed = runCli({"resume", "P1"}, server_.path());
  ASSERT_EQ(resumed.code, 0) << resumed.err;
  EXPECT_EQ(resumed.out, "printer P1 resumed: now idle\n");
  auto refused = runCli({"pause", "P2"}, server_.path());
  EXPECT_EQ(refused.code, 4);
  EXPECT_EQ(refused.err, "cardctl: refused: this needs the supervisor, technician or admin role\n");
  std::lock_guard<std::mutex> lock(log_mutex_);
  std::vector<std::pair<std::string, std::string>> sent;
  for (const auto& req : log_) {
    if (req.target.rfind("/v1/printers/", 0) == 0) sent.emplace_back(req.target, req.body);
  }
  ASSERT_EQ(sent.size(), 3u);
  EXPECT_EQ(sent[0], std::make_pair(std::string("/v1/printers/P1/pause"),
                                    std::string(R"({"reason":"ribbon change"})")));
  EXPECT_EQ(sent[1], std::make_pair(std::string("/v1/printers/P1/resume"), std::string()));
  EXPECT_EQ(sent[2], std::make_pair(std::string("/v1/printers/P2/pause"), std::string()));
}

TEST_F(FakeCardd, ActionsAndTheirRefusals) {
  auto forbidden = runCli({"cancel", "7"}, server_.path());
  EXPECT_EQ(forbidden.code, 4);
  EXPECT_EQ(forbidden.err, "cardctl: refused: this needs the supervisor or admin role\n");
  auto conflict = runCli({"hold", "8"}, server_.path());
  EXPECT_EQ(conflict.code, 7);
  EXPECT_EQ(conflict.err, "cardctl: cannot hold job 8: job 8 is completed; it cannot be held\n");
  auto ok = runCli({"release", "8"}, server_.path());
  EXPECT_EQ(ok.code, 0) << ok.err;
  EXPECT_EQ(ok.out, "job 8 released: now pending (job-queued)\n");
}

TEST_F(FakeCardd, AuditVerify) {
  auto ok = runCli({"audit", "verify"}, server_.path());
  EXPECT_EQ(ok.code, 0);
  EXPECT_EQ(ok.out, "audit chain intact: 9 entries\n");
  audit_broken_ = true;
  auto broken = runCli({"audit", "verify"}, server_.path());
  EXPECT_EQ(broken.code, 8);
  EXPECT_EQ(broken.out, "audit chain BROKEN at entry 4: hash mismatch at entry 4\n");
}

TEST(Cli, DaemonNotRunning) {
  testing::TempDir dir;
  const std::string path = dir.path() + "/api.sock";
  auto r = runCli({"ping"}, path);
  EXPECT_EQ(r.code, 3);
  EXPECT_EQ(r.err, "cardctl: cardd is not running (no socket at " + path + ")\n");
}

TEST(Cli, UsageErrorsAndHelp) {
  std::istringstream in;
  std::ostringstream out;
  std::ostringstream err;
  EXPECT_EQ(run({"jobs", "--limit", "0"}, nullptr, Io{in, out, err}), 2);
  EXPECT_EQ(err.str(), "cardctl: --limit must be a number from 1 to 500\n");
  EXPECT_EQ(run({"--help"}, nullptr, Io{in, out, err}), 0);
  EXPECT_NE(out.str().find("8  audit chain broken"), std::string::npos);
}

// --- events ---

std::string sseEvent(std::uint64_t seq, std::string_view from, std::string_view to) {
  std::string data =
      R"({"seq":)" + std::to_string(seq) +
      R"(,"at":"2026-11-29T11:00:00.000Z","kind":"job-state-changed","job_id":7,"from":")" +
      std::string(from) + R"(","to":")" + std::string(to) +
      R"(","reasons":["r"],"actor":{"uid":0,"user":"root"}})";
  return "id: " + std::to_string(seq) + "\nevent: job-state-changed\ndata: " + data + "\n\n";
}

const char* const kSseHead =
    "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nConnection: close\r\n\r\n";

TEST(CliEvents, PrintsWhatIsThereAndStops) {
  std::string target;
  FakeServer server([&](FakeConnection& c) {
    auto req = c.readRequest();
    if (!req) return;
    target = req->target;
    c.write(kSseHead);
    c.write(sseEvent(4, "pending", "pending-held") + ": keepalive\n\n" +
            sseEvent(5, "pending-held", "pending"));
    c.readSome(3s);  // stay open, as cardd does
  });
  Settings s;
  s.events_idle = 100ms;
  s.events_first = 100ms;
  const auto start = std::chrono::steady_clock::now();
  auto r = runCli({"events", "--since", "3"}, server.path(), s);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 2s);
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(target, "/v1/events?since=3");
  EXPECT_EQ(r.out,
            "#4 2026-11-29T11:00:00.000Z job 7 pending \u2192 pending-held (r) by root\n"
            "#5 2026-11-29T11:00:00.000Z job 7 pending-held \u2192 pending (r) by root\n");
}

TEST(CliEvents, FollowReconnectsAndResumesAfterTheLastEvent) {
  std::mutex m;
  std::vector<std::string> targets;
  FakeServer server([&](FakeConnection& c) {
    auto req = c.readRequest();
    if (!req) return;
    std::size_t n;
    {
      std::lock_guard<std::mutex> lock(m);
      targets.push_back(req->target);
      n = targets.size();
    }
    c.write(kSseHead);
    if (n == 1) {
      c.write(sseEvent(1, "a", "b") + sseEvent(2, "b", "c"));
      c.close();  // the daemon goes away
      return;
    }
    c.write(sseEvent(3, "c", "d") + sseEvent(4, "d", "e"));
    c.readSome(3s);
  });
  Settings s;
  s.follow_poll = 50ms;
  s.reconnect_initial = 20ms;
  std::istringstream in;
  std::ostringstream out;
  std::ostringstream err;
  s.timeout = 2s;
  const auto give_up = std::chrono::steady_clock::now() + 5s;
  s.stop = [&] {
    return out.str().find("#4 ") != std::string::npos || std::chrono::steady_clock::now() > give_up;
  };
  int code = run({"--socket", server.path(), "events", "--follow"}, nullptr, Io{in, out, err}, s);
  EXPECT_EQ(code, 0);
  std::lock_guard<std::mutex> lock(m);
  EXPECT_EQ(targets, (std::vector<std::string>{"/v1/events?since=0", "/v1/events?since=2"}));
  const std::string text = out.str();
  for (const char* seq : {"#1 ", "#2 ", "#3 ", "#4 "}) {
    EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 4) << text;
    EXPECT_NE(text.find(seq), std::string::npos) << seq;
  }
  EXPECT_NE(err.str().find("reconnecting from event #2"), std::string::npos) << err.str();
  EXPECT_NE(err.str().find("reconnected, resuming after event #2"), std::string::npos) << err.str();
}

TEST(CliEvents, JsonPrintsOneEventPerLine) {
  FakeServer server([&](FakeConnection& c) {
    if (!c.readRequest()) return;
    c.write(kSseHead);
    c.write(sseEvent(1, "a", "b"));
    c.readSome(2s);
  });
  Settings s;
  s.events_idle = 50ms;
  s.events_first = 50ms;
  auto r = runCli({"events", "--json"}, server.path(), s);
  EXPECT_EQ(r.code, 0);
  EXPECT_EQ(r.out.rfind("{\"seq\":1,", 0), 0U);
  EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 1);
}

}  // namespace
}  // namespace cardd::cli
