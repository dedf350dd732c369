// cardd-bench-personalise: what personalising one e-ID chip costs over the
// real PC/SC stack, and how fast EF.SOD is signed.
//
// 1. Personalisation vs bare replay. A private pcscd with two vpcd readers;
//    per round, two identical blank chips (same serial, same master key, so
//    the same SCP03 sequence counter) go into reader 0 and reader 1. The
//    Personaliser runs on one reader (build, sign, write, read back, verify,
//    lock) with a FIXED host challenge and records every C-APDU and R-APDU.
//    A minimal client then replays the recorded C-APDUs on the other reader
//    (the readers swap roles every round) with a bare SCardTransmit loop
//    (no crypto, no building): the identical chip derives the same session
//    keys, so it must answer every replayed APDU with the recorded response,
//    byte for byte (checked). Wall times: median over the rounds; ratio =
//    personalisation / replay. Each round does this twice, once each way:
//    A. as the station does since e059386: Personaliser::prepare() (build
//       and sign the content) before the chips are inserted, timed apart as
//       "prepare (before the chip answers)", then the timed window is
//       run(channel, profile, PreparedCard, signing);
//    B. the earlier measurement, kept for continuity: run() with the
//       subject, building and signing inside the timed window.
// 2. APDU count vs the minimum for the data written (formula in README.md).
// 3. EF.SOD signatures/s: one SodBuilder (CMS SignedData, ECDSA P-256, the
//    LDSSecurityObject of the same card) in a loop for --sign-seconds; and
//    --sign-slices interleaved pairs of `openssl speed -seconds 1
//    ecdsap256` (run here, as a child process) and a 1 s SodBuilder loop,
//    each pair's ratio and their median (the two sides of a pair run back to
//    back, so the load of a shared machine mostly cancels).
//
// Prints a table on stdout; with --out writes a JSON file. run.sh adds
// a 3 s `openssl speed ecdsap256` run before (--openssl-sign-per-s) and the
// machine load.
// Exit status: 0 ok, 1 a run failed or the replay diverged, 2 bad arguments.

#include <PCSC/winscard.h>
#include <openssl/evp.h>
#include <sys/resource.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "apdu/command_apdu.hpp"
#include "apdu/response_apdu.hpp"
#include "content.hpp"
#include "eid/eid_applet.hpp"
#include "lds/security_object.hpp"
#include "master_key.hpp"
#include "pcsc/pcsc_context.hpp"
#include "pem_signer.hpp"
#include "personaliser.hpp"
#include "private_pcscd.hpp"
#include "sod.hpp"
#include "virtual_chip/vpcd_connection.hpp"

namespace {

using namespace std::chrono_literals;
using cardd::CardSubject;
using cardd::applets::Bytes;
using cardd::applets::apdu::CommandApdu;
using cardd::applets::apdu::ResponseApdu;
using Clock = std::chrono::steady_clock;
namespace perso = cardd::applets::personalisation;
namespace signing = cardd::applets::signing;
namespace eid = cardd::applets::eid;
namespace pcsc = cardd::drivers::pcsc;

struct Options {
  std::string dsKey, dsCert, csca;
  std::string profile = std::string(CARDD_PROFILES_DIR) + "/eid.yaml";
  int rounds = 15;
  double signSeconds = 3.0;
  std::size_t photoSize = 20000;
  double opensslSignPerS = 0;  // from run.sh; 0 = not given
  int signSlices = 5;          // interleaved openssl / SodBuilder pairs; 0 = none
  std::string openssl = "openssl";
  std::string load;  // from run.sh: /proc/loadavg at start
  std::string out;
};

void usage() {
  std::cerr << "usage: cardd-bench-personalise --ds-key F --ds-cert F --csca F [--profile F]\n"
               "         [--rounds N] [--sign-seconds S] [--photo-size BYTES]\n"
               "         [--openssl-sign-per-s X] [--sign-slices N] [--openssl BIN]\n"
               "         [--load TEXT] [--out FILE.json]\n";
}

std::optional<Options> parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (i + 1 >= argc) return std::nullopt;
    const std::string v = argv[++i];
    if (a == "--ds-key")
      o.dsKey = v;
    else if (a == "--ds-cert")
      o.dsCert = v;
    else if (a == "--csca")
      o.csca = v;
    else if (a == "--profile")
      o.profile = v;
    else if (a == "--rounds")
      o.rounds = std::atoi(v.c_str());
    else if (a == "--sign-seconds")
      o.signSeconds = std::atof(v.c_str());
    else if (a == "--photo-size")
      o.photoSize = static_cast<std::size_t>(std::atol(v.c_str()));
    else if (a == "--openssl-sign-per-s")
      o.opensslSignPerS = std::atof(v.c_str());
    else if (a == "--sign-slices")
      o.signSlices = std::atoi(v.c_str());
    else if (a == "--openssl")
      o.openssl = v;
    else if (a == "--load")
      o.load = v;
    else if (a == "--out")
      o.out = v;
    else
      return std::nullopt;
  }
  if (o.dsKey.empty() || o.dsCert.empty() || o.csca.empty() || o.rounds < 1 || o.signSeconds <= 0 ||
      o.photoSize < 64 || o.signSlices < 0) {
    return std::nullopt;
  }
  return o;
}

/* A synthetic e-KTP holder (test data): a JPEG-framed photo of photoSize
   bytes and two 600-byte fingerprint templates. */
CardSubject benchSubject(std::size_t photoSize) {
  CardSubject s;
  s.fields = {{"nik", "3174012345670001"},
              {"name", "SITI AMINAH"},
              {"birth_place", "JAKARTA"},
              {"birth_date", "1990-05-17"},
              {"sex", "PEREMPUAN"},
              {"blood_type", "O"},
              {"address.street", "JL. MERDEKA NO. 10"},
              {"address.rt_rw", "003/012"},
              {"address.village", "GAMBIR"},
              {"address.district", "GAMBIR"},
              {"address.city", "JAKARTA PUSAT"},
              {"address.province", "DKI JAKARTA"},
              {"religion", "ISLAM"},
              {"marital_status", "KAWIN"},
              {"occupation", "GURU"},
              {"citizenship", "WNI"},
              {"valid_until", "SEUMUR HIDUP"},
              {"document.number", "A1234567"},
              {"document.issuer", "IDN"},
              {"document.issued", "2026-11-29"},
              {"document.expiry", "2036-11-28"}};
  Bytes jpeg = {0xFF, 0xD8, 0xFF, 0xC0, 0x00, 0x11, 0x08, 0x02, 0x80, 0x01, 0xE0,
                0x03, 0x01, 0x22, 0x00, 0x02, 0x11, 0x01, 0x03, 0x11, 0x01};
  for (std::size_t i = jpeg.size(); i + 2 < photoSize; ++i) {
    jpeg.push_back(static_cast<std::uint8_t>(i * 31));
  }
  jpeg.push_back(0xFF);
  jpeg.push_back(0xD9);
  s.photo_jpeg = std::move(jpeg);
  s.fingerprints = {Bytes(600, 0x40), Bytes(600, 0x41)};
  return s;
}

std::vector<std::string> ektpFields() {
  return {"nik",
          "name",
          "birth_place",
          "birth_date",
          "sex",
          "blood_type",
          "address.street",
          "address.rt_rw",
          "address.village",
          "address.district",
          "address.city",
          "address.province",
          "religion",
          "marital_status",
          "occupation",
          "citizenship",
          "valid_until"};
}

/* Records every exchange of the personaliser (copies only; encoding happens
   after the clock stops). */
class RecordingChannel final : public cardd::applets::apdu::ApduChannel {
 public:
  explicit RecordingChannel(cardd::applets::apdu::ApduChannel& inner) : inner_(inner) {}
  cardd::Result<ResponseApdu> transmit(const CommandApdu& command) override {
    auto r = inner_.transmit(command);
    if (r) exchanges.push_back({command, *r});
    return r;
  }
  std::size_t maxCommandData() const override { return inner_.maxCommandData(); }
  std::size_t maxResponseData() const override { return inner_.maxResponseData(); }
  std::string describe() const override { return inner_.describe(); }
  std::vector<std::pair<CommandApdu, ResponseApdu>> exchanges;

 private:
  cardd::applets::apdu::ApduChannel& inner_;
};

/* The minimal replay client: raw pcsc-lite, one card handle. */
class RawReader {
 public:
  ~RawReader() {
    if (card_ != 0) SCardDisconnect(card_, SCARD_LEAVE_CARD);
    if (context_ != 0) SCardReleaseContext(context_);
  }
  bool open(const std::string& reader) {
    if (SCardEstablishContext(SCARD_SCOPE_SYSTEM, nullptr, nullptr, &context_) != SCARD_S_SUCCESS) {
      return false;
    }
    DWORD protocol = 0;
    return SCardConnect(context_, reader.c_str(), SCARD_SHARE_EXCLUSIVE, SCARD_PROTOCOL_T1, &card_,
                        &protocol) == SCARD_S_SUCCESS;
  }
  /* SCardTransmit; the R-APDU bytes, or empty on failure. */
  std::size_t transmit(const Bytes& command, std::vector<BYTE>& answer) {
    DWORD length = static_cast<DWORD>(answer.size());
    if (SCardTransmit(card_, SCARD_PCI_T1, command.data(), static_cast<DWORD>(command.size()),
                      nullptr, answer.data(), &length) != SCARD_S_SUCCESS) {
      return 0;
    }
    return length;
  }

 private:
  SCARDCONTEXT context_ = 0;
  SCARDHANDLE card_ = 0;
};

struct Chip {
  std::unique_ptr<eid::EidApplet> applet;
  std::unique_ptr<cardd::applets::virtual_chip::VpcdConnection> link;
};

std::optional<Chip> blankChip(const Bytes& serial, const Bytes& master,
                              const cardd::applets::virtual_chip::VpcdEndpoint& endpoint) {
  auto keys = eid::eidChipKeys(master, serial);
  if (!keys) return std::nullopt;
  auto applet = eid::EidApplet::create(serial, *keys);
  if (!applet) return std::nullopt;
  Chip chip;
  chip.applet = std::move(applet).value();
  chip.link =
      std::make_unique<cardd::applets::virtual_chip::VpcdConnection>(*chip.applet, endpoint);
  if (!chip.link->connect()) return std::nullopt;
  return chip;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

double ms(Clock::duration d) {
  return std::chrono::duration<double, std::milli>(d).count();
}

std::size_t ceilDiv(std::size_t a, std::size_t b) {
  return (a + b - 1) / b;
}

/* `openssl speed -seconds 1 ecdsap256` as a child process: its ECDSA P-256
   sign/s (the column before verify/s on the "ecdsa (nistp256)" line), or 0.
   By default openssl divides by the CPU user time it got, not the wall
   time (`-elapsed`: wall time). */
double opensslSignPerSecond(const std::string& openssl, bool elapsed) {
  const std::string command =
      openssl + " speed" + (elapsed ? " -elapsed" : "") + " -seconds 1 ecdsap256 2>/dev/null";
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return 0;
  double signPerS = 0;
  std::array<char, 512> line{};
  while (std::fgets(line.data(), static_cast<int>(line.size()), pipe) != nullptr) {
    const std::string text(line.data());
    if (text.find("ecdsa (nistp256)") == std::string::npos) continue;
    std::vector<std::string> words;
    std::size_t at = 0;
    while ((at = text.find_first_not_of(" \t\n", at)) != std::string::npos) {
      const std::size_t end = text.find_first_of(" \t\n", at);
      words.push_back(text.substr(at, end - at));
      at = end;
    }
    if (words.size() >= 2) signPerS = std::atof(words[words.size() - 2].c_str());
  }
  return pclose(pipe) == 0 ? signPerS : 0;
}

/* The CPU time (user + system) of the calling thread, in ms. */
double threadCpuMs() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e3 + static_cast<double>(ts.tv_nsec) / 1e6;
}

/* The CPU user time of the calling thread (what `openssl speed` divides
   by for itself), in seconds. */
double threadUserSeconds() {
  rusage usage{};
  getrusage(RUSAGE_THREAD, &usage);
  return static_cast<double>(usage.ru_utime.tv_sec) +
         static_cast<double>(usage.ru_utime.tv_usec) / 1e6;
}

/* Calls per second of wall time and per second of this thread's CPU user
   time; -1 when a call failed. */
struct Rate {
  double wall = -1;
  double cpu = -1;
};

/* Calls `body` (false: failed) in a loop for `seconds` of wall time. */
template <typename F>
Rate perSecond(double seconds, F&& body) {
  std::size_t calls = 0;
  const double cpuStart = threadUserSeconds();
  const auto start = Clock::now();
  const auto deadline = start + std::chrono::duration<double>(seconds);
  Clock::time_point end;
  do {
    if (!body()) return {};
    ++calls;
    end = Clock::now();
  } while (end < deadline);
  const double cpu = threadUserSeconds() - cpuStart;
  return {static_cast<double>(calls) / std::chrono::duration<double>(end - start).count(),
          cpu > 0 ? static_cast<double>(calls) / cpu : -1};
}

/* One series of cards personalised one way, and their bare replays: one
   entry per counted round. */
struct Series {
  std::vector<double> persoMs, replayMs;
  std::vector<double> persoCpuMs, replayCpuMs;  // CPU time of the host thread (user + system)
  std::vector<std::pair<std::string, std::vector<double>>> stepMs;
};

/* A series' figures against its replays. */
struct Summary {
  double persoMedian = 0, persoMin = 0, persoMax = 0;
  double replayMedian = 0, replayMin = 0, replayMax = 0;
  double ratio = 0;                    // median / median
  double ratioMin = 0;                 // the fastest rounds, least disturbed by other load
  double ratioPaired = 0;              // median of the per-round ratios (the figure to quote)
  double ratioPairedWithoutBuild = 0;  // minus the "build" step; 0: not asked
  double cpuPerso = 0, cpuReplay = 0;
};

/* withoutBuild: also the per-round ratio with the "build" step taken out
   (only meaningful when that step ran inside the timed window). */
Summary summarise(const Series& s, bool withoutBuild) {
  Summary m;
  m.persoMedian = median(s.persoMs);
  m.persoMin = *std::min_element(s.persoMs.begin(), s.persoMs.end());
  m.persoMax = *std::max_element(s.persoMs.begin(), s.persoMs.end());
  m.replayMedian = median(s.replayMs);
  m.replayMin = *std::min_element(s.replayMs.begin(), s.replayMs.end());
  m.replayMax = *std::max_element(s.replayMs.begin(), s.replayMs.end());
  m.ratio = m.persoMedian / m.replayMedian;
  m.ratioMin = m.persoMin / m.replayMin;
  /* Each round's two sides run back to back, so slow drifts in the load
     cancel out of the per-round ratio. */
  std::vector<double> pairs;
  for (std::size_t i = 0; i < s.persoMs.size(); ++i) pairs.push_back(s.persoMs[i] / s.replayMs[i]);
  m.ratioPaired = median(pairs);
  if (withoutBuild) {
    std::vector<double> ahead;
    for (const auto& [step, values] : s.stepMs) {
      if (step != "build") continue;
      for (std::size_t i = 0; i < s.persoMs.size() && i < values.size(); ++i) {
        ahead.push_back((s.persoMs[i] - values[i]) / s.replayMs[i]);
      }
    }
    m.ratioPairedWithoutBuild = ahead.empty() ? 0 : median(ahead);
  }
  m.cpuPerso = median(s.persoCpuMs);
  m.cpuReplay = median(s.replayCpuMs);
  return m;
}

/* The series' table on stdout; the "build" step is left out when it ran
   before the timed window (skipBuild). */
void printSeries(const Series& s, const Summary& m, std::size_t apdus, bool skipBuild) {
  std::printf("    personalisation (pcscd+vpcd+chip)  %9.3f ms  (min %.3f, max %.3f)\n",
              m.persoMedian, m.persoMin, m.persoMax);
  for (const auto& [step, values] : s.stepMs) {
    if (skipBuild && step == "build") continue;
    std::printf("      %-8s %9.3f ms\n", step.c_str(), median(values));
  }
  std::printf("    bare replay of the same %zu APDUs  %9.3f ms  (min %.3f, max %.3f)\n", apdus,
              m.replayMedian, m.replayMin, m.replayMax);
  std::printf("    host thread CPU time per card: personalisation %.3f ms, replay %.3f ms\n",
              m.cpuPerso, m.cpuReplay);
  std::printf("    ratio of the medians                    %9.3f x\n", m.ratio);
  std::printf("    ratio of the fastest rounds (min / min) %9.3f x\n", m.ratioMin);
  std::printf("    median of the per-round ratios          %9.3f x  (target <= 1.2)  %s\n",
              m.ratioPaired, m.ratioPaired <= 1.2 ? "MET" : "NOT MET");
}

/* The series' figures as the members of a JSON object (no braces). */
void jsonSeries(std::ostream& json, const Series& s, const Summary& m, bool skipBuild) {
  json << "\"personalisation_ms_median\": " << m.persoMedian
       << ", \"personalisation_ms_min\": " << m.persoMin
       << ", \"replay_ms_median\": " << m.replayMedian << ", \"replay_ms_min\": " << m.replayMin
       << ", \"personalisation_over_replay\": " << m.ratio
       << ", \"personalisation_over_replay_min\": " << m.ratioMin
       << ", \"personalisation_over_replay_paired_median\": " << m.ratioPaired;
  if (!skipBuild) {
    json << ", \"personalisation_without_build_over_replay_paired_median\": "
         << m.ratioPairedWithoutBuild;
  }
  json << ", \"personalisation_cpu_ms_median\": " << m.cpuPerso
       << ", \"replay_cpu_ms_median\": " << m.cpuReplay << ", \"steps_ms_median\": {";
  bool first = true;
  for (const auto& [step, values] : s.stepMs) {
    if (skipBuild && step == "build") continue;
    json << (first ? "" : ", ") << "\"" << step << "\": " << median(values);
    first = false;
  }
  json << "}";
}

}  // namespace

int main(int argc, char** argv) {
  auto options = parse(argc, argv);
  if (!options) {
    usage();
    return 2;
  }
  const Options& o = *options;

  /* The station: keys, profile, subject. */
  auto signer = signing::PemFileSigner::load(o.dsKey, o.dsCert);
  auto anchors = signing::TrustAnchors::load(o.csca);
  const Bytes masterKey(16, 0x4B);
  auto master = signing::FileMasterKey::fromBytes(masterKey, "bench");
  if (!signer || !anchors || !master) {
    std::cerr << "cannot load the bench keys: "
              << (!signer    ? signer.error().message
                  : !anchors ? anchors.error().message
                             : master.error().message)
              << "\n";
    return 1;
  }
  auto loaded = perso::loadProfileFile(o.profile, ektpFields());
  if (!loaded.ok()) {
    std::cerr << loaded.problems.front().describe() << "\n";
    return 1;
  }
  const perso::Profile& profile = loaded.profile;
  perso::SigningContext context;
  context.signers["document-signer"] = &*signer;
  context.keySets["station-master"] = &*master;
  context.trustAnchors = &*anchors;
  const CardSubject subject = benchSubject(o.photoSize);

  auto pcscd = cardd::test::PrivatePcscd::start({.readers = 2});
  if (!pcscd) {
    std::cerr << "private pcscd: " << pcscd.error().message << "\n";
    return 1;
  }
  auto pcscContext = pcsc::PcscContext::establish();
  if (!pcscContext) {
    std::cerr << pcscContext.error().message << "\n";
    return 1;
  }

  const Bytes serial = {0x42, 0x45, 0x4E, 0x43, 0x48, 0x00, 0x00, 0x01};
  const Bytes hostChallenge = {0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88};
  perso::PersonaliserOptions personaliserOptions;
  personaliserOptions.hostChallenge = [&] { return hostChallenge; };

  /* Two ways of personalising, one card each per round, each compared with
     a bare replay on an identical chip in the same round (README.md):
     - Prepared, what the station does since e059386: Personaliser::prepare()
       builds and signs the content BEFORE the chips are inserted (timed on
       its own: "prepare (before the chip answers)"), then the timed window
       is run() with the prepared content;
     - BuildInside, the measurement of the earlier tables: run() with the
       subject, building and signing inside the timed window. */
  enum class Mode { Prepared, BuildInside };
  Series prepared, buildInside;
  std::vector<double> prepareMs;  // Personaliser::prepare(), before the chips answer
  std::optional<perso::PersonalisationReport> lastReport;
  std::size_t maxWrite = 0, maxRead = 0, replayedApdus = 0, mismatches = 0;
  std::vector<Bytes> wire;      // the C-APDUs recorded last
  std::vector<Bytes> expected;  // and their R-APDUs

  /* One card: (Prepared) prepare() first, as the station does before it
     waits for the chip; then two blank chips, the personalisation on one
     reader and the replay on the other. False (message printed) on
     failure. Each card's replay side connects its own minimal client. */
  auto oneCard = [&](int round, Mode mode) -> bool {
    Series& series = mode == Mode::Prepared ? prepared : buildInside;
    perso::Personaliser personaliser(personaliserOptions);
    std::optional<perso::PreparedCard> content;
    if (mode == Mode::Prepared) {
      const auto p0 = Clock::now();
      auto made = personaliser.prepare(profile, subject, context);
      const auto p1 = Clock::now();
      if (!made) {
        std::cerr << "prepare failed: " << made.error().message << "\n";
        return false;
      }
      content = std::move(made).value();
      if (round > 0) prepareMs.push_back(ms(p1 - p0));
    }

    auto chipA = blankChip(serial, masterKey, (*pcscd)->endpoint(0));
    auto chipB = blankChip(serial, masterKey, (*pcscd)->endpoint(1));
    if (!chipA || !chipB) {
      std::cerr << "cannot make the virtual chips\n";
      return false;
    }
    for (std::size_t r = 0; r < 2; ++r) {
      auto wait = (*pcscContext)->waitForCard((*pcscd)->readerName(r), 10s);
      if (!wait || *wait != pcsc::WaitOutcome::CardPresent) {
        std::cerr << "the chip in " << (*pcscd)->readerName(r) << " never appeared\n";
        return false;
      }
    }
    /* Odd rounds swap the readers, so that neither vpcd slot favours one
       side. */
    const std::size_t persoReader = static_cast<std::size_t>(round % 2);
    auto channel = (*pcscContext)->connect((*pcscd)->readerName(persoReader));
    RawReader replayer;
    if (!channel || !replayer.open((*pcscd)->readerName(1 - persoReader))) {
      std::cerr << "cannot connect to the chips\n";
      return false;
    }

    /* The real personalisation, recorded; and the bare replay on the
       identical chip (SCardTransmit in a loop; the answers are compared
       with the recording after the clock stops). Even rounds personalise
       first and replay this card's recording; odd rounds replay the last
       recording first (a fresh identical chip answers it the same way), so
       neither side always runs second. */
    const bool replayFirst = round % 2 == 1 && !wire.empty();
    std::vector<std::vector<BYTE>> answers;
    std::vector<std::size_t> lengths;
    Clock::time_point t2, t3;
    double c2 = 0, c3 = 0;  // this thread's CPU time, ms
    auto replay = [&] {
      answers.assign(wire.size(), std::vector<BYTE>(65538));
      lengths.assign(wire.size(), 0);
      c2 = threadCpuMs();
      t2 = Clock::now();
      for (std::size_t i = 0; i < wire.size(); ++i) {
        lengths[i] = replayer.transmit(wire[i], answers[i]);
      }
      t3 = Clock::now();
      c3 = threadCpuMs();
      for (std::size_t i = 0; i < wire.size(); ++i) {
        if (lengths[i] != expected[i].size() ||
            !std::equal(expected[i].begin(), expected[i].end(), answers[i].begin())) {
          ++mismatches;
        }
      }
      replayedApdus = wire.size();
    };
    if (replayFirst) replay();

    RecordingChannel recorder(**channel);
    const double c0 = threadCpuMs();
    const auto t0 = Clock::now();
    auto report = content ? personaliser.run(recorder, profile, *content, context)
                          : personaliser.run(recorder, profile, subject, context);
    const auto t1 = Clock::now();
    const double c1 = threadCpuMs();
    if (!report) {
      std::cerr << "personalisation failed: " << report.error().message << "\n";
      return false;
    }
    if (!replayFirst) {
      wire.clear();
      expected.clear();
      for (const auto& [command, response] : recorder.exchanges) {
        auto encoded = cardd::applets::apdu::encodeCommandApdu(command);
        if (!encoded) return false;
        wire.push_back(std::move(encoded).value());
        expected.push_back(response.encode());
      }
      replay();
    }

    if (round > 0) {
      series.persoMs.push_back(ms(t1 - t0));
      series.replayMs.push_back(ms(t3 - t2));
      series.persoCpuMs.push_back(c1 - c0);
      series.replayCpuMs.push_back(c3 - c2);
      for (const auto& step : report->steps) {
        auto it = std::find_if(series.stepMs.begin(), series.stepMs.end(),
                               [&](const auto& s) { return s.first == step.step; });
        if (it == series.stepMs.end())
          it = series.stepMs.insert(series.stepMs.end(), {step.step, {}});
        it->second.push_back(std::chrono::duration<double, std::milli>(step.duration).count());
      }
    }
    maxWrite = (*channel)->maxCommandData();
    maxRead = (*channel)->maxResponseData();
    lastReport = std::move(report).value();

    (void)(*channel)->disconnect();
    chipA->link->disconnect();
    chipB->link->disconnect();
    for (std::size_t r = 0; r < 2; ++r) {
      (void)(*pcscContext)->waitForRemoval((*pcscd)->readerName(r), 5s);
    }
    return true;
  };

  /* Round 0 warms up (caches, pcscd threads) and is not counted. Which way
     goes first flips every two rounds, across the replay-first alternation
     of odd rounds, so each of the four orders occurs equally often. */
  for (int round = 0; round <= o.rounds; ++round) {
    const bool preparedFirst = (round / 2) % 2 == 0;
    if (!oneCard(round, preparedFirst ? Mode::Prepared : Mode::BuildInside) ||
        !oneCard(round, preparedFirst ? Mode::BuildInside : Mode::Prepared)) {
      return 1;
    }
  }

  /* The fewest APDUs that can do the same job (README.md, "APDU count"):
     4 to open (SELECT, GET DATA, INITIALIZE UPDATE, EXTERNAL AUTHENTICATE),
     3 to lock (PUT DATA, 2 x SET STATUS), and per file CREATE FILE +
     ceil(n / Pw) UPDATE BINARY + SELECT + ceil(n / Pr) READ BINARY, with Pw
     the plain bytes one protected extended APDU carries at level 33 and Pr
     the chip's READ BINARY cap. */
  const std::size_t pw = maxWrite > 8 ? ((maxWrite - 8) / 16) * 16 - 1 : 1;
  const std::size_t pr = std::min<std::size_t>(eid::kEidMaxReadChunk, maxRead);
  std::size_t minimum = 7;
  for (const auto& file : lastReport->files) {
    minimum += 2 + ceilDiv(file.contentSize, pw) + ceilDiv(file.contentSize, pr);
  }
  const std::size_t apdus = lastReport->apduCount;

  /* EF.SOD signatures per second: the same card's LDSSecurityObject. */
  auto files = perso::buildFiles(profile, subject);
  if (!files) return 1;
  auto object = perso::securityObjectFor(*files, profile.sod.options.digest);
  if (!object) return 1;
  /* One SodBuilder for the whole loop, as a station keeps one per
     document signer. */
  auto builder = signing::SodBuilder::create(*signer, profile.sod.options);
  if (!builder) {
    std::cerr << "SodBuilder: " << builder.error().message << "\n";
    return 1;
  }
  std::size_t signatures = 0;
  std::size_t sodSize = 0;
  const auto signStart = Clock::now();
  const auto signDeadline = signStart + std::chrono::duration<double>(o.signSeconds);
  Clock::time_point signEnd;
  do {
    auto sod = builder->build(*object);
    if (sod && signatures < 2 && !signing::verifySod(*sod, *anchors)) {
      std::cerr << "the SodBuilder's EF.SOD does not verify\n";
      return 1;
    }
    if (!sod) {
      std::cerr << "buildSod failed: " << sod.error().message << "\n";
      return 1;
    }
    sodSize = sod->size();
    ++signatures;
    signEnd = Clock::now();
  } while (signEnd < signDeadline);
  const double signPerS =
      static_cast<double>(signatures) / std::chrono::duration<double>(signEnd - signStart).count();

  /* Interleaved slices: `openssl speed -seconds 1 ecdsap256` (CPU-time
     divisor, its default), a 1 s SodBuilder loop (counted against wall time
     and against this thread's CPU user time) and `openssl speed -elapsed`
     (wall-time divisor), back to back, the order reversed every other
     slice. Ratios like for like: CPU/CPU and wall/wall; and their medians. */
  struct Slice {
    double opensslCpu = 0;   // openssl speed, sign/s per CPU user second
    double opensslWall = 0;  // openssl speed -elapsed, sign/s per wall second
    Rate sod;
  };
  std::vector<Slice> slices;
  for (int i = 0; i < o.signSlices; ++i) {
    Slice slice;
    auto sodSlice = [&] {
      slice.sod = perSecond(1.0, [&] { return builder->build(*object).ok(); });
    };
    if (i % 2 == 1) {
      slice.opensslWall = opensslSignPerSecond(o.openssl, true);
      sodSlice();
      slice.opensslCpu = opensslSignPerSecond(o.openssl, false);
    } else {
      slice.opensslCpu = opensslSignPerSecond(o.openssl, false);
      sodSlice();
      slice.opensslWall = opensslSignPerSecond(o.openssl, true);
    }
    if (slice.opensslCpu <= 0 || slice.opensslWall <= 0 || slice.sod.wall <= 0 ||
        slice.sod.cpu <= 0) {
      std::cerr << "signing slice " << i << " failed (is `" << o.openssl << "` on the PATH?)\n";
      return 1;
    }
    slices.push_back(slice);
  }
  std::vector<double> cpuRatios, wallRatios;
  for (const auto& slice : slices) {
    cpuRatios.push_back(slice.sod.cpu / slice.opensslCpu);
    wallRatios.push_back(slice.sod.wall / slice.opensslWall);
  }
  const double sliceRatioCpu = cpuRatios.empty() ? 0 : median(cpuRatios);
  const double sliceRatioWall = wallRatios.empty() ? 0 : median(wallRatios);

  /* The same SOD through OpenSSL's CMS API (CMS_sign, CMS_add1_signer,
     CMS_final per SOD), what the direct encoder replaces, 1 s. */
  signing::SodOptions cmsOptions = profile.sod.options;
  cmsOptions.encoder = signing::SodEncoder::CmsApi;
  auto cmsBuilder = signing::SodBuilder::create(*signer, cmsOptions);
  if (!cmsBuilder) return 1;
  const double cmsSignPerS = perSecond(1.0, [&] { return cmsBuilder->build(*object).ok(); }).wall;
  /* buildSod(): a new SodBuilder per SOD, as the personaliser's build step
     does per card, 0.5 s. */
  const double oneShotPerS = perSecond(0.5, [&] {
                               return signing::buildSod(*object, *signer, profile.sod.options).ok();
                             }).wall;
  /* verifySod() of the card's EF.SOD (what the verify step does per card):
     with the anchors' remembered chain, and building the chain every time
     (anchors without memory, as before), 0.5 s each. */
  auto sampleSod = builder->build(*object);
  if (!sampleSod) return 1;
  signing::TrustAnchors freshAnchors;
  for (const auto& cert : anchors->certificates) {
    freshAnchors.certificates.push_back(signing::X509Ptr(X509_dup(cert.get())));
  }
  const double verifyPerS =
      perSecond(0.5, [&] { return signing::verifySod(*sampleSod, *anchors).ok(); }).wall;
  const double verifyFreshPerS =
      perSecond(0.5, [&] { return signing::verifySod(*sampleSod, freshAnchors).ok(); }).wall;

  /* For scale: the bare signature with the same key in this process
     (EVP_DigestSign of the encoded LDSSecurityObject, no CMS), 1 s. */
  auto encoded = cardd::applets::lds::encodeSecurityObject(*object);
  if (!encoded) return 1;
  std::size_t rawSignatures = 0;
  const auto rawStart = Clock::now();
  Clock::time_point rawEnd;
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> md(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
  unsigned char der[128];
  do {
    std::size_t derSize = sizeof der;
    if (!md ||
        EVP_DigestSignInit(md.get(), nullptr, EVP_sha256(), nullptr, signer->privateKey()) != 1 ||
        EVP_DigestSign(md.get(), der, &derSize, encoded->data(), encoded->size()) != 1) {
      std::cerr << "EVP_DigestSign failed\n";
      return 1;
    }
    ++rawSignatures;
    rawEnd = Clock::now();
  } while (rawEnd < rawStart + 1s);
  const double rawSignPerS =
      static_cast<double>(rawSignatures) / std::chrono::duration<double>(rawEnd - rawStart).count();

  /* The part of a SOD that is cardd's own encoder, not CMS: the
     LDSSecurityObject's DER, 0.5 s. */
  std::size_t encodings = 0;
  const auto encStart = Clock::now();
  Clock::time_point encEnd;
  do {
    if (!cardd::applets::lds::encodeSecurityObject(*object)) return 1;
    ++encodings;
    encEnd = Clock::now();
  } while (encEnd < encStart + 500ms);
  const double encodeUs = std::chrono::duration<double, std::micro>(encEnd - encStart).count() /
                          static_cast<double>(encodings);

  /* And what `openssl speed` times: EVP_PKEY_sign of a ready SHA-256
     digest with one EVP_PKEY_CTX initialised once, 1 s. */
  std::unique_ptr<EVP_PKEY_CTX, decltype(&EVP_PKEY_CTX_free)> pctx(
      EVP_PKEY_CTX_new(signer->privateKey(), nullptr), &EVP_PKEY_CTX_free);
  if (!pctx || EVP_PKEY_sign_init(pctx.get()) != 1) return 1;
  unsigned char digest[32];
  if (EVP_Digest(encoded->data(), encoded->size(), digest, nullptr, EVP_sha256(), nullptr) != 1) {
    return 1;
  }
  std::size_t ctxSignatures = 0;
  const auto ctxStart = Clock::now();
  Clock::time_point ctxEnd;
  do {
    std::size_t derSize = sizeof der;
    if (EVP_PKEY_sign(pctx.get(), der, &derSize, digest, sizeof digest) != 1) return 1;
    ++ctxSignatures;
    ctxEnd = Clock::now();
  } while (ctxEnd < ctxStart + 1s);
  const double ctxSignPerS =
      static_cast<double>(ctxSignatures) / std::chrono::duration<double>(ctxEnd - ctxStart).count();

  const Summary mPrepared = summarise(prepared, false);
  const Summary mInside = summarise(buildInside, true);
  const double apduRatio = static_cast<double>(apdus) / static_cast<double>(minimum);
  const double signRatio = o.opensslSignPerS > 0 ? signPerS / o.opensslSignPerS : 0;

  std::printf(
      "cardd personalisation benchmark (%d rounds after 1 warm-up, one card each way per round, "
      "medians)\n",
      o.rounds);
  std::printf("  card: %zu files, %zu bytes written, photo %zu bytes, %zu APDUs\n",
              lastReport->files.size(), lastReport->bytesWritten, o.photoSize, apdus);
  std::printf("  prepare (before the chip answers)  %9.3f ms  (min %.3f, max %.3f)\n",
              median(prepareMs), *std::min_element(prepareMs.begin(), prepareMs.end()),
              *std::max_element(prepareMs.begin(), prepareMs.end()));
  std::printf(
      "  A. as the station since e059386: prepare() before the chip, timed: run(prepared "
      "content)\n");
  printSeries(prepared, mPrepared, replayedApdus, true);
  std::printf(
      "  B. earlier measurement, for continuity: run(subject), build + sign inside the timed "
      "window\n");
  printSeries(buildInside, mInside, replayedApdus, false);
  std::printf("    per-round ratio without the build step (estimate)  %9.3f x\n",
              mInside.ratioPairedWithoutBuild);
  std::printf("  replay responses different from the recording (both ways): %zu\n", mismatches);
  std::printf("  APDUs %zu vs minimum %zu (Pw=%zu, Pr=%zu)  %.3f x  (target <= 1.1)  %s\n", apdus,
              minimum, pw, pr, apduRatio, apduRatio <= 1.1 ? "MET" : "NOT MET");
  std::printf("  EF.SOD signatures/s (SodBuilder, ECDSA P-256, %zu-byte SOD) %9.1f\n", sodSize,
              signPerS);
  std::printf("  the same through the CMS API (CMS_final per SOD) sign/s   %9.1f\n", cmsSignPerS);
  std::printf("  buildSod() (new SodBuilder per SOD, as per card) sign/s  %9.1f\n", oneShotPerS);
  std::printf("  verifySod() per s: chain remembered %9.1f, chain built each time %9.1f\n",
              verifyPerS, verifyFreshPerS);
  std::printf("  EVP_DigestSign alone (same key, no CMS) sign/s           %9.1f\n", rawSignPerS);
  std::printf("  EVP_PKEY_sign, digest ready, ctx reused sign/s           %9.1f\n", ctxSignPerS);
  std::printf("  encodeSecurityObject alone (part of each SOD)            %9.2f us\n", encodeUs);
  if (o.opensslSignPerS > 0) {
    std::printf("  openssl speed -seconds 3 ecdsap256 sign/s (run.sh, before)  %9.1f\n",
                o.opensslSignPerS);
    std::printf(
        "  ratio cardd (wall) / openssl (CPU time) %9.3f x  (mixed divisors; see the slices)\n",
        signRatio);
  }
  if (!slices.empty()) {
    std::printf(
        "  interleaved slices, sign/s: openssl speed (per CPU s) / SodBuilder (per CPU s) "
        "(ratio) | openssl speed -elapsed / SodBuilder (per wall s) (ratio):\n");
    for (std::size_t i = 0; i < slices.size(); ++i) {
      std::printf("    %zu: %9.1f / %9.1f (%.3f x) | %9.1f / %9.1f (%.3f x)\n", i + 1,
                  slices[i].opensslCpu, slices[i].sod.cpu, cpuRatios[i], slices[i].opensslWall,
                  slices[i].sod.wall, wallRatios[i]);
    }
    std::printf("  median slice ratio cardd / openssl, CPU time  %9.3f x  (target >= 0.8)  %s\n",
                sliceRatioCpu, sliceRatioCpu >= 0.8 ? "MET" : "NOT MET");
    std::printf("  median slice ratio cardd / openssl, wall time %9.3f x  (target >= 0.8)  %s\n",
                sliceRatioWall, sliceRatioWall >= 0.8 ? "MET" : "NOT MET");
  }

  if (!o.out.empty()) {
    std::ofstream json(o.out);
    json << "{\n  \"benchmark\": \"personalise\",\n"
         << "  \"load_average\": \"" << o.load << "\",\n"
         << "  \"rounds\": " << o.rounds << ",\n"
         << "  \"files\": " << lastReport->files.size() << ",\n"
         << "  \"bytes_written\": " << lastReport->bytesWritten << ",\n"
         << "  \"photo_bytes\": " << o.photoSize << ",\n"
         << "  \"apdus\": " << apdus << ",\n"
         << "  \"apdus_minimum\": " << minimum << ",\n"
         << "  \"apdus_ratio\": " << apduRatio << ",\n"
         << "  \"max_plain_write\": " << pw << ",\n"
         << "  \"max_plain_read\": " << pr << ",\n"
         << "  \"replay_mismatches\": " << mismatches << ",\n"
         << "  \"prepare_ms_median\": " << median(prepareMs) << ",\n"
         << "  \"prepare_ms_min\": " << *std::min_element(prepareMs.begin(), prepareMs.end())
         << ",\n"
         << "  \"prepared\": {\"mode\": \"prepare() before the chip (timed apart), timed: "
            "run(PreparedCard)\", ";
    jsonSeries(json, prepared, mPrepared, true);
    json << "},\n"
         << "  \"build_inside\": {\"mode\": \"timed: run(subject), build and sign inside\", ";
    jsonSeries(json, buildInside, mInside, false);
    json << "},\n"
         << "  \"sod_signatures_per_s\": " << signPerS << ",\n"
         << "  \"sod_bytes\": " << sodSize << ",\n"
         << "  \"evp_digestsign_per_s\": " << rawSignPerS << ",\n"
         << "  \"evp_pkey_sign_reused_ctx_per_s\": " << ctxSignPerS << ",\n"
         << "  \"encode_security_object_us\": " << encodeUs << ",\n"
         << "  \"openssl_ecdsap256_sign_per_s\": " << o.opensslSignPerS << ",\n"
         << "  \"sod_over_openssl\": " << signRatio << ",\n"
         << "  \"sod_cms_api_per_s\": " << cmsSignPerS << ",\n"
         << "  \"build_sod_one_shot_per_s\": " << oneShotPerS << ",\n"
         << "  \"verify_sod_per_s\": " << verifyPerS << ",\n"
         << "  \"verify_sod_chain_built_per_s\": " << verifyFreshPerS << ",\n"
         << "  \"sign_slices\": [";
    for (std::size_t i = 0; i < slices.size(); ++i) {
      json << (i ? ", " : "") << "{\"openssl_cpu_sign_per_s\": " << slices[i].opensslCpu
           << ", \"sod_cpu_per_s\": " << slices[i].sod.cpu << ", \"ratio_cpu\": " << cpuRatios[i]
           << ", \"openssl_elapsed_sign_per_s\": " << slices[i].opensslWall
           << ", \"sod_wall_per_s\": " << slices[i].sod.wall
           << ", \"ratio_wall\": " << wallRatios[i] << "}";
    }
    json << "],\n"
         << "  \"sod_over_openssl_slices_median_cpu\": " << sliceRatioCpu << ",\n"
         << "  \"sod_over_openssl_slices_median_wall\": " << sliceRatioWall << "\n}\n";
    if (!json) {
      std::cerr << "cannot write " << o.out << "\n";
      return 1;
    }
  }
  return mismatches == 0 ? 0 : 1;
}
