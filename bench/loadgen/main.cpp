// cardd-loadgen: measures how fast a server accepts card jobs.
// See bench/README.md; `cardd-loadgen --help` lists the options.

#include <signal.h>
#include <unistd.h>

#include <charconv>
#include <chrono>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>
#include <string>
#include <string_view>

#include "cardd_http_target.hpp"
#include "driver.hpp"
#include "report.hpp"

namespace {

using cardd::bench::CarddHttpOptions;
using cardd::bench::CarddHttpTarget;
using cardd::bench::DriverOptions;
using cardd::bench::KeyMode;

// The default body: tests/data/jobs/minimal-job.json (a small valid job; the
// tiny photo keeps the request under 1 KiB).
constexpr std::string_view kMinimalJob = R"({
  "template": "ektp-specimen",
  "profile": "cardd-eid",
  "priority": 50,
  "person": {
    "nik": "3171012345670001",
    "name": "SITI RAHAYU",
    "birth_place": "JAKARTA",
    "birth_date": "1990-04-17",
    "sex": "PEREMPUAN",
    "blood_type": "O",
    "address": {
      "street": "JL. MERDEKA NO. 12",
      "rt_rw": "003/012",
      "village": "GAMBIR",
      "district": "GAMBIR",
      "city": "JAKARTA PUSAT",
      "province": "DKI JAKARTA"
    },
    "religion": "ISLAM",
    "marital_status": "KAWIN",
    "occupation": "KARYAWAN SWASTA",
    "citizenship": "WNI",
    "valid_until": "SEUMUR HIDUP"
  },
  "photo": "iVBORw0KGgoAAAANSUhEUgAAAAgAAAAKCAIAAAAGpYjXAAAAEUlEQVR4nGM4Ma0CK2IY7hIA1YOS4VCKwVwAAAAASUVORK5CYII=",
  "fingerprints": [],
  "hold": false
})";

constexpr std::string_view kUsage = R"(usage: cardd-loadgen [options]
Submits card jobs to cardd (HTTP/1.1 POST /v1/jobs on a unix socket) and
reports throughput and latency.

  --socket PATH      cardd API socket (default /run/cardd/api.sock)
  --job-file FILE    JSON job body (default: a built-in minimal job)
  --keys MODE        unique: set "idempotency_key" to "bench-<run>-<i>" (default)
                     same: one key for every job (measures idempotent replays)
                     keep: send the job file unchanged
  --run ID           run id used in keys (default: derived from the clock and pid)
  --jobs N           jobs to submit (default 500)
  --clients C        concurrent connections (default 1)
  --pipeline D       requests in flight per connection (default 1; >1 pipelines)
  --warmup N         submit N jobs first with the same settings, not measured (default 0)
  --timeout SEC      give up after SEC seconds without any response (default 30)
  --no-reconnect     do not reopen connections the server closes
  --label TEXT       name of this run in the report
  --json             print one JSON object (one line) instead of text
  -h, --help         this text

Exit status: 0 every job accepted, 1 some failed, 2 usage or connection error.
)";

struct Options {
  std::string socket_path = "/run/cardd/api.sock";
  std::string job_file;
  KeyMode keys = KeyMode::Unique;
  std::string run_id;
  std::string label;
  DriverOptions driver;
  std::uint64_t warmup = 0;
  bool json = false;
};

[[noreturn]] void usageError(const std::string& message) {
  std::cerr << "cardd-loadgen: " << message << "\n(see --help)\n";
  std::exit(2);
}

std::uint64_t parseCount(std::string_view flag, std::string_view text, std::uint64_t lo,
                         std::uint64_t hi) {
  std::uint64_t v = 0;
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || ptr != text.data() + text.size() || v < lo || v > hi) {
    usageError(std::string(flag) + " needs a whole number from " + std::to_string(lo) + " to " +
               std::to_string(hi));
  }
  return v;
}

Options parseArgs(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    auto value = [&]() -> std::string_view {
      if (i + 1 >= argc) usageError(std::string(arg) + " needs a value");
      return argv[++i];
    };
    if (arg == "-h" || arg == "--help") {
      std::cout << kUsage;
      std::exit(0);
    } else if (arg == "--socket") {
      o.socket_path = value();
    } else if (arg == "--job-file") {
      o.job_file = value();
    } else if (arg == "--keys") {
      const std::string_view m = value();
      if (m == "unique")
        o.keys = KeyMode::Unique;
      else if (m == "same")
        o.keys = KeyMode::Same;
      else if (m == "keep")
        o.keys = KeyMode::Keep;
      else
        usageError("--keys must be unique, same or keep");
    } else if (arg == "--run") {
      o.run_id = value();
    } else if (arg == "--jobs") {
      o.driver.jobs = parseCount(arg, value(), 1, 100'000'000);
    } else if (arg == "--clients") {
      o.driver.clients = static_cast<unsigned>(parseCount(arg, value(), 1, 10'000));
    } else if (arg == "--pipeline") {
      o.driver.pipeline = static_cast<unsigned>(parseCount(arg, value(), 1, 10'000));
    } else if (arg == "--warmup") {
      o.warmup = parseCount(arg, value(), 0, 100'000'000);
    } else if (arg == "--timeout") {
      o.driver.stall_timeout = std::chrono::seconds(parseCount(arg, value(), 1, 86'400));
    } else if (arg == "--no-reconnect") {
      o.driver.reconnect = false;
    } else if (arg == "--label") {
      o.label = value();
    } else if (arg == "--json") {
      o.json = true;
    } else {
      usageError("unknown argument " + std::string(arg));
    }
  }
  if (o.run_id.empty()) {
    // Unique enough across runs against one state dir: clock in ms, base 36, and the pid.
    const auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
                         std::chrono::system_clock::now().time_since_epoch())
                         .count();
    char buf[32];
    const auto [end, ec] =
        std::to_chars(buf, buf + sizeof buf, static_cast<std::uint64_t>(now), 36);
    (void)ec;
    o.run_id = std::string(buf, end) + "." + std::to_string(::getpid());
  }
  return o;
}

std::string readFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) usageError("cannot read job file " + path);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

int main(int argc, char** argv) {
  ::signal(SIGPIPE, SIG_IGN);
  const Options opt = parseArgs(argc, argv);

  CarddHttpOptions target_opts;
  target_opts.socket_path = opt.socket_path;
  target_opts.job_json = opt.job_file.empty() ? std::string(kMinimalJob) : readFile(opt.job_file);
  target_opts.keys = opt.keys;
  target_opts.key_prefix = "bench-" + opt.run_id + "-";
  auto target = CarddHttpTarget::create(target_opts);
  if (!target) usageError(target.error().message);

  if (opt.warmup > 0) {
    DriverOptions warm = opt.driver;
    warm.jobs = opt.warmup;
    warm.first_index = opt.driver.jobs;  // keys continue after the measured ones
    auto w = cardd::bench::runLoad(**target, warm);
    if (!w) {
      std::cerr << "cardd-loadgen: warm-up: " << w.error().message << "\n";
      return 2;
    }
    if (w->failed > 0 && w->first_failure) {
      std::cerr << "cardd-loadgen: warm-up: " << w->failed << " failed; first: status "
                << w->first_failure->status << ": " << w->first_failure->detail << "\n";
    }
  }

  auto result = cardd::bench::runLoad(**target, opt.driver);
  if (!result) {
    std::cerr << "cardd-loadgen: " << result.error().message << "\n";
    return 2;
  }
  cardd::bench::RunInfo info;
  info.label = opt.label;
  info.target = (*target)->describe();
  info.run_id = opt.run_id;
  info.jobs = opt.driver.jobs;
  info.clients = opt.driver.clients;
  info.pipeline = opt.driver.pipeline;
  info.body_bytes = (*target)->bodySize(0);
  const cardd::bench::Summary summary = cardd::bench::summarize(*result);
  if (opt.json) {
    std::cout << cardd::bench::toJsonText(cardd::bench::toJson(info, *result, summary)) << "\n";
  } else {
    cardd::bench::printText(std::cout, info, *result, summary);
  }
  return result->failed == 0 ? 0 : 1;
}
