// A chip personalised over the whole real stack: a private pcscd with vpcd
// readers, cardd's e-ID applet as the card (in-process, through
// VpcdConnection), PcscContext / PcscCardChannel as the encoder and the
// Personaliser with the e-ID profile (SCP03 level 33, extended APDUs). Keys
// and certificates come from the openssl CLI at test time.
//   - a full run locks the chip; an independent client (pyscard) reads every
//     file back after VERIFY, `openssl cms -verify` accepts the EF.SOD and
//     its data-group hashes equal SHA-256 of what pyscard read;
//   - wrong master key, a corrupted C-MAC (6988), a write after lock (6985),
//     the card pulled while DG2 is written, pcscd restarted mid-job: each
//     fails with a clear reason and leaves the chip unlocked;
//   - an APDU trace of a run holds headers and status words, no personal data;
//   - with a fixed host challenge the recorded APDU stream replays on an
//     identical blank chip (the benchmark's replay).
// One private pcscd for the whole binary (pcsc-lite reads its socket path
// once per process). Skips without pcscd / vpcd.

#include <gtest/gtest.h>

#include <cctype>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "apdu/tracing_channel.hpp"
#include "chip_e2e_support.hpp"
#include "key_files.hpp"
#include "lds/security_object.hpp"
#include "secure_channel.hpp"
#include "tlv/header.hpp"

namespace cardd::test::chip_e2e {
namespace {

using namespace std::chrono_literals;
using applets::apdu::CommandApdu;
using drivers::pcsc::PcscCardChannel;
using drivers::pcsc::PcscContext;
using drivers::pcsc::WaitOutcome;

const Bytes kMaster = {0x40, 0x41, 0x42, 0x43, 0x44, 0x45, 0x46, 0x47,
                       0x48, 0x49, 0x4A, 0x4B, 0x4C, 0x4D, 0x4E, 0x4F};
const Bytes kOtherMaster = {0x70, 0x71, 0x72, 0x73, 0x74, 0x75, 0x76, 0x77,
                            0x78, 0x79, 0x7A, 0x7B, 0x7C, 0x7D, 0x7E, 0x7F};
constexpr const char* kPython = "/usr/bin/python3";

Bytes serialFor(std::uint8_t n) {
  return {0x45, 0x32, 0x45, 0x00, 0x00, 0x00, 0x00, n};
}

std::string text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

class ChipE2eTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    std::string why;
    if (!PrivatePcscd::available(&why)) {
      skip_ = why;
      return;
    }
    auto pcscd = PrivatePcscd::start({.readers = 2});
    if (!pcscd) {
      startError_ = pcscd.error().message;
      return;
    }
    pcscd_ = std::move(pcscd).value().release();
  }
  static void TearDownTestSuite() {
    delete pcscd_;
    pcscd_ = nullptr;
  }

  void SetUp() override {
    if (!skip_.empty()) GTEST_SKIP() << skip_;
    ASSERT_TRUE(startError_.empty()) << startError_;
    ASSERT_TRUE(station_.pkiOk) << text(station_.dir.file("tools.log"));
    auto context = PcscContext::establish();
    ASSERT_TRUE(context.ok()) << context.error().message;
    context_ = std::move(context).value();
  }

  void TearDown() override {
    channel_.reset();
    for (auto& [reader, chip] : chips_) {
      chip.remove();
      if (context_) (void)context_->waitForRemoval(pcscd_->readerName(reader), 5s);
    }
    chips_.clear();
  }

  // A blank chip (keys from `master`) in reader `reader`, connected.
  InsertedChip& insert(std::uint8_t serialByte, const Bytes& master, std::size_t reader = 0) {
    chips_[reader] = InsertedChip::blank(serialFor(serialByte), master, pcscd_->endpoint(reader));
    auto wait = context_->waitForCard(pcscd_->readerName(reader), 10s);
    EXPECT_TRUE(wait.ok() && *wait == WaitOutcome::CardPresent) << pcscd_->log();
    auto channel = context_->connect(pcscd_->readerName(reader));
    EXPECT_TRUE(channel.ok()) << (channel.ok() ? "" : channel.error().message);
    if (channel) channel_ = std::move(channel).value();
    return chips_[reader];
  }

  Result<personalisation::PersonalisationReport> personalise(
      applets::apdu::ApduChannel& channel,
      const CardSubject& subject = applets::testing::sampleSubject()) {
    return personalisation::Personaliser{}.run(channel, station_.profile, subject,
                                               station_.context);
  }

  static inline PrivatePcscd* pcscd_ = nullptr;
  static inline std::string skip_;
  static inline std::string startError_;
  Station station_{kMaster};
  std::unique_ptr<PcscContext> context_;
  std::unique_ptr<PcscCardChannel> channel_;
  std::map<std::size_t, InsertedChip> chips_;
};

TEST_F(ChipE2eTest, PersonalisesOverPcscWithExtendedApdusAndLocks) {
  auto& chip = insert(1, kMaster);
  ASSERT_NE(channel_, nullptr);
  // The e-ID ATR announces extended lengths and vpcd reports no smaller
  // maximum: the whole of DG2 goes in one UPDATE BINARY.
  EXPECT_EQ(channel_->maxCommandData(), 65535u) << channel_->lengthSource();
  ASSERT_EQ(station_.profile.securityLevel, 0x33);

  auto report = personalise(*channel_);
  ASSERT_TRUE(report.ok()) << report.error().message;
  EXPECT_TRUE(report->locked);
  EXPECT_EQ(chip.applet->lifecycle(), eid::EidLifecycle::Locked);
  EXPECT_EQ(report->chipSerial, toHex(serialFor(1)));
  // select, serial, IU, EA; per file CREATE + 1 UPDATE, SELECT + 1 READ;
  // access key, 2 x SET STATUS.
  EXPECT_EQ(report->apduCount, 4 + 4 * report->files.size() + 3);
  EXPECT_EQ(report->files.size(), 7u);
  EXPECT_NE(report->signer.find("E2E Document Signer"), std::string::npos);
}

TEST_F(ChipE2eTest, WrongMasterKeyIsRefusedAndTheCardStaysBlank) {
  auto& chip = insert(2, kOtherMaster);
  ASSERT_NE(channel_, nullptr);
  const auto freeBefore = chip.applet->freeBytes();

  auto report = personalise(*channel_);
  ASSERT_FALSE(report.ok());
  EXPECT_EQ(report.error().code, ErrorCode::IntegrityCheckFailed);
  EXPECT_EQ(report.error().message.rfind("channel: authentication refused", 0), 0u)
      << report.error().message;
  EXPECT_EQ(chip.applet->lifecycle(), eid::EidLifecycle::Blank);
  EXPECT_EQ(chip.applet->freeBytes(), freeBefore);  // no file created
  EXPECT_FALSE(chip.applet->channelOpen());
}

TEST_F(ChipE2eTest, CorruptedCmacIsAnswered6988AndTheRunFailsUnlocked) {
  auto& chip = insert(3, kMaster);
  ASSERT_NE(channel_, nullptr);
  // APDU 5 is the first one inside the channel (CREATE FILE of EF.COM):
  // flip a bit of its C-MAC (the last 8 bytes of the wrapped data).
  bool corrupted = false;
  HookChannel hook(*channel_, [&](std::size_t n, CommandApdu& command) {
    if (n != 5) return;
    ASSERT_EQ(command.cla, 0x84);
    ASSERT_GE(command.data.size(), 8u);
    command.data.back() ^= 0x01;
    corrupted = true;
  });

  auto report = personalise(hook);
  ASSERT_TRUE(corrupted);
  ASSERT_FALSE(report.ok());
  const auto& message = report.error().message;
  EXPECT_EQ(message.rfind("write: CREATE FILE 011E (EF.COM", 0), 0u) << message;
  EXPECT_NE(message.find("answered 6988"), std::string::npos) << message;
  EXPECT_EQ(hook.count(), 5u);  // stopped at the refused command
  EXPECT_EQ(chip.applet->lifecycle(), eid::EidLifecycle::Blank);
  EXPECT_FALSE(chip.applet->channelOpen());  // the card closed the session
}

TEST_F(ChipE2eTest, WriteAfterLockIsAnswered6985InAFreshChannel) {
  auto& chip = insert(4, kMaster);
  ASSERT_NE(channel_, nullptr);
  auto report = personalise(*channel_);
  ASSERT_TRUE(report.ok()) << report.error().message;
  ASSERT_EQ(chip.applet->lifecycle(), eid::EidLifecycle::Locked);

  // A new session: SELECT (ends the old one), SCP03 at 33 with the right keys.
  auto select = channel_->transmit({0x00, 0xA4, 0x04, 0x0C, eid::kEidAid, 0});
  ASSERT_TRUE(select.ok());
  ASSERT_EQ(select->sw, 0x9000);
  personalisation::Scp03Params params;
  params.master = &*station_.master;
  params.keySetName = "station-master";
  params.expectedKdd = eid::eidKeyDiversificationData(serialFor(4));
  auto secure = personalisation::openScp03(*channel_, params);
  ASSERT_TRUE(secure.ok()) << secure.error().message;
  ASSERT_TRUE(chip.applet->channelOpen());

  auto selectFile = secure->transmit({0x80, 0xA4, 0x02, 0x0C, {0x01, 0x01}, 0});
  ASSERT_TRUE(selectFile.ok());
  EXPECT_EQ(selectFile->sw, 0x9000);
  auto update = secure->transmit({0x80, 0xD6, 0x00, 0x00, {0x58, 0x58}, 0});
  ASSERT_TRUE(update.ok()) << update.error().message;
  EXPECT_EQ(update->sw, 0x6985);
  auto create = secure->transmit(
      {0x80,
       0xE0,
       0x00,
       0x00,
       {0x62, 0x0B, 0x80, 0x02, 0x00, 0x10, 0x82, 0x01, 0x01, 0x83, 0x02, 0x01, 0x0C},
       0});
  ASSERT_TRUE(create.ok());
  EXPECT_EQ(create->sw, 0x6985);
}

TEST_F(ChipE2eTest, CardRemovedWhileWritingDg2IsACleanErrorAndNotLocked) {
  auto& chip = insert(5, kMaster);
  ASSERT_NE(channel_, nullptr);
  // 1 KB per UPDATE BINARY so that DG2 (the 12 KB photo) takes a dozen
  // APDUs: 4 to open, EF.COM and DG1 take 2 each, APDU 9 creates DG2 and
  // APDU 12 is its third chunk. Pull the card just before it.
  station_.profile.maxChunk = 1024;
  HookChannel hook(*channel_, [&](std::size_t n, CommandApdu&) {
    if (n == 12) chip.remove();
  });

  auto report = personalise(hook);
  ASSERT_FALSE(report.ok());
  const auto& message = report.error().message;
  EXPECT_EQ(message.rfind("write: UPDATE BINARY of DG2 at offset 2048", 0), 0u) << message;
  EXPECT_NE(message.find("card removed"), std::string::npos) << message;
  EXPECT_EQ(channel_->lastFailure(), drivers::pcsc::PcscFailure::CardRemoved);
  EXPECT_EQ(chip.applet->lifecycle(), eid::EidLifecycle::Blank);
}

TEST_F(ChipE2eTest, PcscdRestartMidJobFailsClearlyThenAFreshCardSucceeds) {
  auto& chip = insert(6, kMaster);
  ASSERT_NE(channel_, nullptr);
  station_.profile.maxChunk = 1024;
  Status restarted = Ok{};
  HookChannel hook(*channel_, [&](std::size_t n, CommandApdu&) {
    if (n == 12) restarted = pcscd_->restart();
  });

  auto report = personalise(hook);
  ASSERT_TRUE(restarted.ok()) << restarted.error().message;
  ASSERT_FALSE(report.ok());
  const auto& message = report.error().message;
  EXPECT_EQ(message.rfind("write: UPDATE BINARY of DG2", 0), 0u) << message;
  EXPECT_NE(message.find("pcscd"), std::string::npos) << message;
  EXPECT_NE(chip.applet->lifecycle(), eid::EidLifecycle::Locked);

  // The station carries on with the restarted pcscd and a fresh card.
  channel_.reset();
  chips_[0].remove();
  auto context = PcscContext::establish();
  ASSERT_TRUE(context.ok()) << context.error().message;
  context_ = std::move(context).value();
  auto& fresh = insert(7, kMaster, 1);
  ASSERT_NE(channel_, nullptr);
  station_.profile.maxChunk = 0;
  auto second = personalise(*channel_);
  ASSERT_TRUE(second.ok()) << second.error().message;
  EXPECT_TRUE(second->locked);
  EXPECT_EQ(fresh.applet->lifecycle(), eid::EidLifecycle::Locked);
}

/* PersonaliserOptions::hostChallenge: with a fixed challenge the run's
   APDU stream, replayed as raw bytes on an identical blank chip (same
   serial and master key, so the same sequence counter), is accepted
   command by command with the same answers, and leaves that chip locked
   too (what bench/personalise relies on). A wrong-sized challenge is
   refused before EXTERNAL AUTHENTICATE. */
TEST_F(ChipE2eTest, FixedHostChallengeMakesTheRunReplayableOnAnIdenticalChip) {
  auto& first = insert(10, kMaster, 0);
  ASSERT_NE(channel_, nullptr);
  auto firstChannel = std::move(channel_);
  auto& twin = insert(10, kMaster, 1);
  ASSERT_NE(channel_, nullptr);

  const Bytes challenge = {0xC1, 0xC2, 0xC3, 0xC4, 0xC5, 0xC6, 0xC7, 0xC8};
  personalisation::PersonaliserOptions options;
  options.hostChallenge = [&] { return challenge; };
  std::vector<std::pair<CommandApdu, applets::apdu::ResponseApdu>> recorded;
  struct Recorder final : applets::apdu::ApduChannel {
    applets::apdu::ApduChannel& inner;
    std::vector<std::pair<CommandApdu, applets::apdu::ResponseApdu>>& log;
    Recorder(applets::apdu::ApduChannel& i, decltype(log) l) : inner(i), log(l) {}
    Result<applets::apdu::ResponseApdu> transmit(const CommandApdu& command) override {
      auto r = inner.transmit(command);
      if (r) log.push_back({command, *r});
      return r;
    }
    std::size_t maxCommandData() const override { return inner.maxCommandData(); }
    std::size_t maxResponseData() const override { return inner.maxResponseData(); }
    std::string describe() const override { return inner.describe(); }
  } recorder(*firstChannel, recorded);
  auto report = personalisation::Personaliser(options).run(
      recorder, station_.profile, applets::testing::sampleSubject(), station_.context);
  ASSERT_TRUE(report.ok()) << report.error().message;
  ASSERT_EQ(first.applet->lifecycle(), eid::EidLifecycle::Locked);
  ASSERT_EQ(recorded.size(), report->apduCount);
  ASSERT_EQ(recorded[2].first.ins, 0x50);  // INITIALIZE UPDATE carries the injected challenge
  EXPECT_EQ(recorded[2].first.data, challenge);

  ASSERT_EQ(twin.applet->lifecycle(), eid::EidLifecycle::Blank);
  for (std::size_t i = 0; i < recorded.size(); ++i) {
    auto answer = channel_->transmit(recorded[i].first);
    ASSERT_TRUE(answer.ok()) << "APDU " << i << ": " << answer.error().message;
    EXPECT_EQ(answer->sw, recorded[i].second.sw) << "APDU " << i;
    EXPECT_EQ(answer->data, recorded[i].second.data) << "APDU " << i;
  }
  EXPECT_EQ(twin.applet->lifecycle(), eid::EidLifecycle::Locked);

  // A source giving 4 bytes is refused with a clear reason.
  personalisation::PersonaliserOptions bad;
  bad.hostChallenge = [] { return Bytes(4, 0x00); };
  auto refused = personalisation::Personaliser(bad).run(
      *channel_, station_.profile, applets::testing::sampleSubject(), station_.context);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().message, "channel: the injected host challenge is not 8 bytes");
  (void)firstChannel->disconnect();
}

/* The independent reader: pyscard in /usr/bin/python3 (Debian's, with
   python3-pyscard), SELECT, VERIFY with the access key, then every FID read
   in the clear with short READ BINARYs; writes <fid>.bin and prints
   "<fid> <size> <sha256>" per file. */
constexpr const char* kPyscardReader = R"PY(
import hashlib, os, sys
from smartcard.System import readers
from smartcard.CardConnection import CardConnection

reader_name, aid_hex, key_hex, out_dir = sys.argv[1:5]
fids = sys.argv[5:]
reader = [r for r in readers() if str(r) == reader_name]
if not reader:
    sys.exit("reader %s not listed: %s" % (reader_name, readers()))
connection = reader[0].createConnection()
connection.connect(CardConnection.T1_protocol)

def transmit(apdu):
    data, sw1, sw2 = connection.transmit(list(apdu))
    return bytes(data), (sw1 << 8) | sw2

aid = bytes.fromhex(aid_hex)
key = bytes.fromhex(key_hex)
assert transmit(b"\x00\xA4\x04\x0C" + bytes([len(aid)]) + aid)[1] == 0x9000, "SELECT AID"
assert transmit(b"\x00\xB0\x00\x00\x10")[1] == 0x6982, "read before VERIFY must be refused"
assert transmit(b"\x00\x20\x00\x81" + bytes([len(key)]) + key)[1] == 0x9000, "VERIFY"
for fid_hex in fids:
    fid = bytes.fromhex(fid_hex)
    assert transmit(b"\x00\xA4\x02\x0C\x02" + fid)[1] == 0x9000, "SELECT " + fid_hex
    content = b""
    while True:
        offset = len(content)
        data, sw = transmit(bytes([0x00, 0xB0, offset >> 8, offset & 0xFF, 0x00]))
        if sw == 0x6B00:
            break
        assert sw in (0x9000, 0x6282), "READ BINARY %s: %04X" % (fid_hex, sw)
        content += data
        if sw == 0x6282:
            break
    with open(os.path.join(out_dir, fid_hex + ".bin"), "wb") as out:
        out.write(content)
    print(fid_hex, len(content), hashlib.sha256(content).hexdigest())
)PY";

TEST_F(ChipE2eTest, PyscardReadsEveryFileAndOpensslVerifiesTheSod) {
  if (::access(kPython, X_OK) != 0 ||
      runTool(station_.dir, std::string(kPython) + " -c 'import smartcard'") != 0) {
    GTEST_SKIP() << kPython << " with pyscard (package python3-pyscard) is not installed";
  }
  auto& chip = insert(8, kMaster);
  ASSERT_NE(channel_, nullptr);
  auto report = personalise(*channel_);
  ASSERT_TRUE(report.ok()) << report.error().message;
  ASSERT_EQ(chip.applet->lifecycle(), eid::EidLifecycle::Locked);
  ASSERT_TRUE(channel_->disconnect().ok());  // the test's connection is exclusive

  const std::string script = station_.dir.file("read_chip.py");
  applets::testing::writeText(script, kPyscardReader);
  std::string command = std::string(kPython) + " " + quoted(script) + " " +
                        quoted(pcscd_->readerName(0)) + " " + toHex(eid::kEidAid) + " " +
                        toHex(station_.accessKey(serialFor(8))) + " " +
                        quoted(station_.dir.path().string());
  std::string sodFid;
  std::map<std::string, int> dataGroupOf;  // fid hex -> DG number
  for (const auto& file : report->files) {
    const std::string fid = toHex(Bytes{static_cast<std::uint8_t>(file.fid >> 8),
                                        static_cast<std::uint8_t>(file.fid & 0xFF)});
    command += " " + fid;
    if (file.name == "EF.SOD") sodFid = fid;
    if (file.name.rfind("DG", 0) == 0) dataGroupOf[fid] = std::stoi(file.name.substr(2));
  }
  ASSERT_FALSE(sodFid.empty());
  const std::string out = station_.dir.file("pyscard.out");
  const int status =
      std::system((command + " >" + quoted(out) + " 2>&1").c_str());  // NOLINT(cert-env33-c)
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << text(out);

  // "<fid> <size> <sha256>" per file, sizes as the personaliser wrote them.
  std::map<std::string, std::string> hashOf;
  std::istringstream lines(text(out));
  std::string fid, hash;
  std::size_t size = 0;
  while (lines >> fid >> size >> hash) {
    hashOf[fid] = hash;
    for (const auto& file : report->files) {
      if (toHex(Bytes{static_cast<std::uint8_t>(file.fid >> 8),
                      static_cast<std::uint8_t>(file.fid & 0xFF)}) == fid) {
        EXPECT_EQ(size, file.contentSize) << file.name;
      }
    }
  }
  ASSERT_EQ(hashOf.size(), report->files.size()) << text(out);

  // EF.SOD as pyscard read it: strip the 77 wrapper, let openssl verify the
  // CMS signature and the chain to the CSCA, and hand out the eContent.
  auto sod = signing::readFileBytes(station_.dir.file(sodFid + ".bin"));
  ASSERT_TRUE(sod.ok());
  auto header = applets::tlv::decodeHeader(*sod);
  ASSERT_TRUE(header.ok());
  ASSERT_EQ(header->tag, 0x77u);
  ASSERT_EQ(header->headerSize + header->length, sod->size());
  {
    std::ofstream p7(station_.dir.file("sod.p7"), std::ios::binary);
    p7.write(reinterpret_cast<const char*>(sod->data() + header->headerSize),
             static_cast<std::streamsize>(header->length));
  }
  ASSERT_EQ(runTool(station_.dir, "openssl cms -verify -inform DER -binary -in " +
                                      quoted(station_.dir.file("sod.p7")) + " -CAfile " +
                                      quoted(station_.dir.file("csca.pem")) +
                                      " -purpose any -out " + quoted(station_.dir.file("lds.der"))),
            0)
      << text(station_.dir.file("tools.log"));

  // openssl re-encodes the SignedData byte for byte (so it is DER: lengths
  // minimal, the signed attributes in SET OF order), and sees version 3
  // (RFC 5652 §5.1: the eContentType is not id-data).
  ASSERT_EQ(runTool(station_.dir, "openssl cms -cmsout -inform DER -in " +
                                      quoted(station_.dir.file("sod.p7")) + " -outform DER -out " +
                                      quoted(station_.dir.file("sod.re.der"))),
            0)
      << text(station_.dir.file("tools.log"));
  auto reencoded = signing::readFileBytes(station_.dir.file("sod.re.der"));
  ASSERT_TRUE(reencoded.ok());
  EXPECT_TRUE(std::equal(reencoded->begin(), reencoded->end(),
                         sod->begin() + static_cast<std::ptrdiff_t>(header->headerSize),
                         sod->end()));
  ASSERT_EQ(runTool(station_.dir, "openssl cms -cmsout -print -noout -inform DER -in " +
                                      quoted(station_.dir.file("sod.p7")) + " -out " +
                                      quoted(station_.dir.file("sod.txt"))),
            0)
      << text(station_.dir.file("tools.log"));
  const std::string printed = text(station_.dir.file("sod.txt"));
  EXPECT_NE(printed.find("d.signedData: \n    version: 3"), std::string::npos) << printed;

  // The LDSSecurityObject openssl handed out lists exactly the data groups
  // pyscard read, each with SHA-256 of the bytes pyscard read.
  auto lds = signing::readFileBytes(station_.dir.file("lds.der"));
  ASSERT_TRUE(lds.ok());
  auto object = applets::lds::decodeSecurityObject(*lds);
  ASSERT_TRUE(object.ok()) << object.error().message;
  EXPECT_EQ(object->algorithm, applets::lds::HashAlgorithm::Sha256);
  ASSERT_EQ(object->hashes.size(), dataGroupOf.size());
  for (const auto& [dgFid, number] : dataGroupOf) {
    const auto* entry = object->find(number);
    ASSERT_NE(entry, nullptr) << "DG" << number;
    std::string expected = toHex(entry->hash);
    for (auto& c : expected) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    EXPECT_EQ(hashOf[dgFid], expected) << "DG" << number;
  }
}

TEST_F(ChipE2eTest, ApduTraceShowsHeadersAndStatusWordsButNoPersonalData) {
  insert(9, kMaster);
  ASSERT_NE(channel_, nullptr);
  std::string trace;
  std::size_t lines = 0;
  applets::apdu::TracingChannel::Options options;
  options.timing = false;
  applets::apdu::TracingChannel tracer(
      *channel_,
      [&](std::string_view line) {
        trace.append(line);
        trace += '\n';
        ++lines;
      },
      options);
  const CardSubject subject = applets::testing::sampleSubject();
  auto report = personalise(tracer, subject);
  ASSERT_TRUE(report.ok()) << report.error().message;
  EXPECT_EQ(lines, report->apduCount);

  // Headers and status words are there...
  EXPECT_NE(trace.find("00A4040C Lc=7 " + toHex(eid::kEidAid) + " => 9000"), std::string::npos)
      << trace;
  EXPECT_NE(trace.find("00CA005A"), std::string::npos) << trace;
  EXPECT_NE(trace.find("80503000"), std::string::npos) << trace;  // INITIALIZE UPDATE
  EXPECT_NE(trace.find("84D60000"), std::string::npos) << trace;  // UPDATE BINARY
  EXPECT_NE(trace.find("84F00002"), std::string::npos) << trace;  // SET STATUS locked
  // ...no personal data, in text or hex.
  for (const std::string& value :
       {subject.fields.at("name"), subject.fields.at("nik"), subject.fields.at("address.street")}) {
    const std::string hex = toHex(Bytes(value.begin(), value.end()));
    std::string lower = hex;
    for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    EXPECT_EQ(trace.find(value), std::string::npos) << value;
    EXPECT_EQ(trace.find(hex), std::string::npos);
    EXPECT_EQ(trace.find(lower), std::string::npos);
  }
}

}  // namespace
}  // namespace cardd::test::chip_e2e
