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
//    personalisation / replay.
// 2. APDU count vs the minimum for the data written (formula in README.md).
// 3. EF.SOD signatures/s: one SodBuilder (CMS SignedData, ECDSA P-256, the
//    LDSSecurityObject of the same card) in a loop for --sign-seconds.
//
// Prints a table on stdout; with --out writes a JSON file. run.sh adds
// `openssl speed ecdsap256` (--openssl-sign-per-s) and the machine load.
// Exit status: 0 ok, 1 a run failed or the replay diverged, 2 bad arguments.

#include <PCSC/winscard.h>
#include <openssl/evp.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
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
  std::string load;            // from run.sh: /proc/loadavg at start
  std::string out;
};

void usage() {
  std::cerr << "usage: cardd-bench-personalise --ds-key F --ds-cert F --csca F [--profile F]\n"
               "         [--rounds N] [--sign-seconds S] [--photo-size BYTES]\n"
               "         [--openssl-sign-per-s X] [--load TEXT] [--out FILE.json]\n";
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
    else if (a == "--load")
      o.load = v;
    else if (a == "--out")
      o.out = v;
    else
      return std::nullopt;
  }
  if (o.dsKey.empty() || o.dsCert.empty() || o.csca.empty() || o.rounds < 1 || o.signSeconds <= 0 ||
      o.photoSize < 64) {
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

  std::vector<double> persoMs, replayMs;
  std::optional<perso::PersonalisationReport> lastReport;
  std::size_t maxWrite = 0, maxRead = 0, replayedApdus = 0, mismatches = 0;
  std::vector<std::pair<std::string, std::vector<double>>> stepMs;

  /* Round 0 warms up (caches, pcscd threads) and is not counted. Each
     round the replay side connects its own minimal pcsc-lite client. */
  for (int round = 0; round <= o.rounds; ++round) {
    auto chipA = blankChip(serial, masterKey, (*pcscd)->endpoint(0));
    auto chipB = blankChip(serial, masterKey, (*pcscd)->endpoint(1));
    if (!chipA || !chipB) {
      std::cerr << "cannot make the virtual chips\n";
      return 1;
    }
    for (std::size_t r = 0; r < 2; ++r) {
      auto wait = (*pcscContext)->waitForCard((*pcscd)->readerName(r), 10s);
      if (!wait || *wait != pcsc::WaitOutcome::CardPresent) {
        std::cerr << "the chip in " << (*pcscd)->readerName(r) << " never appeared\n";
        return 1;
      }
    }
    /* Odd rounds swap the readers, so that neither vpcd slot favours one
       side. */
    const std::size_t persoReader = static_cast<std::size_t>(round % 2);
    auto channel = (*pcscContext)->connect((*pcscd)->readerName(persoReader));
    RawReader replayer;
    if (!channel || !replayer.open((*pcscd)->readerName(1 - persoReader))) {
      std::cerr << "cannot connect to the chips\n";
      return 1;
    }

    /* The real personalisation, recorded. */
    RecordingChannel recorder(**channel);
    const auto t0 = Clock::now();
    auto report = perso::Personaliser(personaliserOptions).run(recorder, profile, subject, context);
    const auto t1 = Clock::now();
    if (!report) {
      std::cerr << "personalisation failed: " << report.error().message << "\n";
      return 1;
    }
    std::vector<Bytes> wire;
    std::vector<Bytes> expected;
    for (const auto& [command, response] : recorder.exchanges) {
      auto encoded = cardd::applets::apdu::encodeCommandApdu(command);
      if (!encoded) return 1;
      wire.push_back(std::move(encoded).value());
      expected.push_back(response.encode());
    }

    /* The bare replay on the identical chip: SCardTransmit in a loop. The
       answers are compared with the recording after the clock stops. */
    std::vector<std::vector<BYTE>> answers(wire.size(), std::vector<BYTE>(65538));
    std::vector<std::size_t> lengths(wire.size());
    const auto t2 = Clock::now();
    for (std::size_t i = 0; i < wire.size(); ++i) {
      lengths[i] = replayer.transmit(wire[i], answers[i]);
    }
    const auto t3 = Clock::now();
    for (std::size_t i = 0; i < wire.size(); ++i) {
      if (lengths[i] != expected[i].size() ||
          !std::equal(expected[i].begin(), expected[i].end(), answers[i].begin())) {
        ++mismatches;
      }
    }
    replayedApdus = wire.size();

    if (round > 0) {
      persoMs.push_back(ms(t1 - t0));
      replayMs.push_back(ms(t3 - t2));
      for (const auto& step : report->steps) {
        auto it = std::find_if(stepMs.begin(), stepMs.end(),
                               [&](const auto& s) { return s.first == step.step; });
        if (it == stepMs.end()) it = stepMs.insert(stepMs.end(), {step.step, {}});
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

  const double persoMedian = median(persoMs);
  const double replayMedian = median(replayMs);
  const double ratio = persoMedian / replayMedian;
  /* The fastest rounds are the least disturbed by other load on the
     machine: their ratio is printed too. */
  const double persoMin = *std::min_element(persoMs.begin(), persoMs.end());
  const double replayMin = *std::min_element(replayMs.begin(), replayMs.end());
  const double ratioMin = persoMin / replayMin;
  /* And the median of the per-round ratios (each round's two runs are
     back to back, so slow drifts in the load cancel out). */
  std::vector<double> pairRatios;
  for (std::size_t i = 0; i < persoMs.size(); ++i) pairRatios.push_back(persoMs[i] / replayMs[i]);
  const double ratioPaired = median(pairRatios);
  const double apduRatio = static_cast<double>(apdus) / static_cast<double>(minimum);
  const double signRatio = o.opensslSignPerS > 0 ? signPerS / o.opensslSignPerS : 0;

  std::printf("cardd personalisation benchmark (%d rounds after 1 warm-up, medians)\n", o.rounds);
  std::printf("  card: %zu files, %zu bytes written, photo %zu bytes, %zu APDUs\n",
              lastReport->files.size(), lastReport->bytesWritten, o.photoSize, apdus);
  std::printf("  personalisation (pcscd+vpcd+chip)  %9.3f ms  (min %.3f, max %.3f)\n", persoMedian,
              *std::min_element(persoMs.begin(), persoMs.end()),
              *std::max_element(persoMs.begin(), persoMs.end()));
  for (const auto& [step, values] : stepMs) {
    std::printf("    %-8s %9.3f ms\n", step.c_str(), median(values));
  }
  std::printf("  bare replay of the same %zu APDUs  %9.3f ms  (min %.3f, max %.3f)\n",
              replayedApdus, replayMedian, *std::min_element(replayMs.begin(), replayMs.end()),
              *std::max_element(replayMs.begin(), replayMs.end()));
  std::printf("  replay responses different from the recording: %zu\n", mismatches);
  std::printf("  ratio personalisation / replay      %9.3f x  (target <= 1.2)  %s\n", ratio,
              ratio <= 1.2 ? "MET" : "NOT MET");
  std::printf("  ratio of the fastest rounds (min / min)  %9.3f x\n", ratioMin);
  std::printf("  median of the per-round ratios           %9.3f x\n", ratioPaired);
  std::printf("  APDUs %zu vs minimum %zu (Pw=%zu, Pr=%zu)  %.3f x  (target <= 1.1)  %s\n", apdus,
              minimum, pw, pr, apduRatio, apduRatio <= 1.1 ? "MET" : "NOT MET");
  std::printf("  EF.SOD signatures/s (SodBuilder, ECDSA P-256, %zu-byte SOD) %9.1f\n", sodSize,
              signPerS);
  std::printf("  EVP_DigestSign alone (same key, no CMS) sign/s           %9.1f\n", rawSignPerS);
  std::printf("  EVP_PKEY_sign, digest ready, ctx reused sign/s           %9.1f\n", ctxSignPerS);
  std::printf("  encodeSecurityObject alone (part of each SOD)            %9.2f us\n", encodeUs);
  if (o.opensslSignPerS > 0) {
    std::printf("  openssl speed ecdsap256 sign/s                          %9.1f\n",
                o.opensslSignPerS);
    std::printf("  ratio cardd / openssl                %9.3f x  (target >= 0.8)  %s\n", signRatio,
                signRatio >= 0.8 ? "MET" : "NOT MET");
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
         << "  \"personalisation_ms_median\": " << persoMedian << ",\n"
         << "  \"replay_ms_median\": " << replayMedian << ",\n"
         << "  \"personalisation_over_replay\": " << ratio << ",\n"
         << "  \"personalisation_ms_min\": " << persoMin << ",\n"
         << "  \"replay_ms_min\": " << replayMin << ",\n"
         << "  \"personalisation_over_replay_min\": " << ratioMin << ",\n"
         << "  \"personalisation_over_replay_paired_median\": " << ratioPaired << ",\n"
         << "  \"replay_mismatches\": " << mismatches << ",\n"
         << "  \"steps_ms_median\": {";
    for (std::size_t i = 0; i < stepMs.size(); ++i) {
      json << (i ? ", " : "") << "\"" << stepMs[i].first << "\": " << median(stepMs[i].second);
    }
    json << "},\n"
         << "  \"sod_signatures_per_s\": " << signPerS << ",\n"
         << "  \"sod_bytes\": " << sodSize << ",\n"
         << "  \"evp_digestsign_per_s\": " << rawSignPerS << ",\n"
         << "  \"evp_pkey_sign_reused_ctx_per_s\": " << ctxSignPerS << ",\n"
         << "  \"encode_security_object_us\": " << encodeUs << ",\n"
         << "  \"openssl_ecdsap256_sign_per_s\": " << o.opensslSignPerS << ",\n"
         << "  \"sod_over_openssl\": " << signRatio << "\n}\n";
    if (!json) {
      std::cerr << "cannot write " << o.out << "\n";
      return 1;
    }
  }
  return mismatches == 0 ? 0 : 1;
}
