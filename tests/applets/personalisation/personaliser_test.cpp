// The Personaliser end to end, in-process, against the real virtual chips
// (cardd_eid_applet's EidApplet and JmrtdApplet) through the real APDU
// codec: files, SOD, lock, APDU economy, short and extended lengths, odd-INS
// offsets, and the failures that must spoil a card without locking it.
#include <gtest/gtest.h>

#include <set>

#include "content.hpp"
#include "eid/eid_applet.hpp"
#include "eid/jmrtd_applet.hpp"
#include "master_key.hpp"
#include "pem_signer.hpp"
#include "personaliser.hpp"
#include "scp03/diversification.hpp"
#include "secure_channel.hpp"
#include "test_hex.hpp"
#include "test_support.hpp"

namespace cardd::applets::personalisation {
namespace {

using apdu::CommandApdu;
using apdu::ResponseApdu;
using testing::AppletChannel;
using testing::hex;

const Bytes kSerial = hex("0102030405060708");
const Bytes kMaster = hex("404142434445464748494A4B4C4D4E4F");

/* Everything the station holds: keys, certificates, the profile. */
struct Station {
  testing::TempDir dir;
  testing::TestPki pki = testing::TestPki::create(dir);
  std::optional<signing::PemFileSigner> signer;
  std::optional<signing::TrustAnchors> anchors;
  std::optional<signing::FileMasterKey> master;
  SigningContext context;
  Profile profile;

  explicit Station(const std::string& profileName, Bytes masterKey = kMaster) {
    auto s = signing::PemFileSigner::load(pki.dsKeyPath, pki.dsCertPath);
    EXPECT_TRUE(s.ok());
    signer.emplace(std::move(s).value());
    auto a = signing::TrustAnchors::load(pki.cscaPath);
    EXPECT_TRUE(a.ok());
    anchors.emplace(std::move(a).value());
    auto m = signing::FileMasterKey::fromBytes(std::move(masterKey), "test");
    EXPECT_TRUE(m.ok());
    master.emplace(std::move(m).value());
    context.signers["document-signer"] = &*signer;
    context.keySets["station-master"] = &*master;
    context.trustAnchors = &*anchors;
    auto loaded = loadProfileFile(testing::profilePath(profileName), testing::ektpFields());
    EXPECT_TRUE(loaded.ok()) << (loaded.ok() ? "" : loaded.problems[0].describe());
    profile = std::move(loaded.profile);
  }
};

std::unique_ptr<eid::EidApplet> blankEidCard(ByteView master = kMaster) {
  auto keys = eid::eidChipKeys(master, kSerial);
  EXPECT_TRUE(keys.ok());
  auto card = eid::EidApplet::create(kSerial, *keys);
  EXPECT_TRUE(card.ok());
  card.value()->powerOn();
  return std::move(card).value();
}

Bytes eidKdd() {
  Bytes kdd = {0x00, 0x00};
  append(kdd, kSerial);
  return kdd;
}

ResponseApdu send(AppletChannel& channel, CommandApdu command) {
  auto r = channel.transmit(command);
  EXPECT_TRUE(r.ok());
  return r.ok() ? *r : ResponseApdu{{}, 0x6F00};
}

/* After lock: what a reader with the access key sees in the clear. */
Bytes readInTheClear(AppletChannel& channel, std::uint16_t fid, std::size_t size) {
  EXPECT_EQ(
      send(channel, {0x00,
                     0xA4,
                     0x02,
                     0x0C,
                     {static_cast<std::uint8_t>(fid >> 8), static_cast<std::uint8_t>(fid & 0xFF)},
                     0})
          .sw,
      0x9000);
  auto r = send(channel, {0x00, 0xB0, 0x00, 0x00, {}, size});
  EXPECT_EQ(r.sw, 0x9000);
  return r.data;
}

TEST(Personaliser, EidEndToEndWithExtendedLengths) {
  Station station("eid.yaml");
  auto card = blankEidCard();
  AppletChannel channel(*card);
  const CardSubject subject = testing::sampleSubject();

  auto report = Personaliser{}.run(channel, station.profile, subject, station.context);
  ASSERT_TRUE(report.ok()) << report.error().message;
  EXPECT_TRUE(report->locked);
  EXPECT_EQ(card->lifecycle(), eid::EidLifecycle::Locked);
  EXPECT_EQ(report->chipSerial, "0102030405060708");
  EXPECT_EQ(report->apduCount, static_cast<std::size_t>(channel.commands()));
  // One APDU per step and per file: select, serial, 2 for the channel,
  // 7 files x (create + 1 update), 7 x (select + 1 read), access key, 2 x status.
  EXPECT_EQ(report->apduCount, 4u + 14u + 14u + 3u);
  ASSERT_EQ(report->files.size(), 7u);
  EXPECT_EQ(report->files.front().name, "EF.COM");
  EXPECT_EQ(report->files.back().name, "EF.SOD");
  std::size_t total = 0;
  for (const auto& f : report->files) total += f.contentSize;
  EXPECT_EQ(report->bytesWritten, total);
  EXPECT_NE(report->signer.find("Test Document Signer"), std::string::npos);
  std::set<std::string> steps;
  for (const auto& s : report->steps) steps.insert(s.step);
  EXPECT_EQ(steps, (std::set<std::string>{"build", "select", "serial", "channel", "write", "verify",
                                          "lock"}));

  // A reader with the access key reads DG1 and EF.SOD in the clear, and the
  // SOD read from the locked chip verifies against the CSCA.
  card->powerOn();
  auto expected = buildFiles(station.profile, subject);
  ASSERT_TRUE(expected.ok());
  auto accessKey = scp03::diversifyKdf3(kMaster, static_cast<scp03::KeyType>(0x81), eidKdd());
  ASSERT_TRUE(accessKey.ok());
  EXPECT_EQ(send(channel, {0x00, 0xA4, 0x04, 0x0C, eid::kEidAid, 0}).sw, 0x9000);
  EXPECT_EQ(send(channel, {0x00, 0x20, 0x00, 0x81, *accessKey, 0}).sw, 0x9000);
  const BuiltFile* dg1 = nullptr;
  for (const auto& f : *expected) {
    if (f.spec->name == "DG1") dg1 = &f;
  }
  ASSERT_NE(dg1, nullptr);
  EXPECT_EQ(readInTheClear(channel, 0x0101, dg1->content.size()), dg1->content);
  const auto sodSize = report->files.back().contentSize;
  auto sod = readInTheClear(channel, 0x011D, sodSize);
  auto verified = signing::verifySod(sod, *station.anchors);
  ASSERT_TRUE(verified.ok()) << verified.error().message;
  EXPECT_EQ(verified->object.hashes.size(), 5u);  // DG1, DG2, DG3, DG11, DG13

  // Locked: even inside a fresh secure channel, writes answer 6985.
  Scp03Params params;
  params.master = &*station.master;
  params.level = 0x33;
  params.expectedKdd = eidKdd();
  EXPECT_EQ(send(channel, {0x00, 0xA4, 0x04, 0x0C, eid::kEidAid, 0}).sw, 0x9000);
  auto secure = openScp03(channel, params);
  ASSERT_TRUE(secure.ok()) << secure.error().message;
  auto write = secure->transmit({0x80, 0xD6, 0x00, 0x00, hex("00"), 0});
  ASSERT_TRUE(write.ok());
  EXPECT_EQ(write->sw, 0x6985);
}

TEST(Personaliser, ShortApdusAreChunkedToTheChannel) {
  Station station("eid.yaml");
  auto card = blankEidCard();
  AppletChannel channel(*card, 255, 256);
  int updates = 0;
  channel.tamper = [&](const CommandApdu& c, ResponseApdu&) {
    if (c.ins == 0xD6) ++updates;
    EXPECT_FALSE(c.usesExtendedForm());
  };
  auto report =
      Personaliser{}.run(channel, station.profile, testing::sampleSubject(5000), station.context);
  ASSERT_TRUE(report.ok()) << report.error().message;
  EXPECT_TRUE(report->locked);
  // At level 33 a 255-byte APDU carries 239 plain bytes (C-DEC padding + C-MAC).
  int expected = 0;
  for (const auto& f : report->files) expected += static_cast<int>((f.contentSize + 238) / 239);
  EXPECT_EQ(updates, expected);
}

TEST(Personaliser, LargeFilesUseOddInstructionsBeyond32767) {
  Station station("eid.yaml");
  station.profile.maxChunk = 20000;
  auto card = blankEidCard();
  AppletChannel channel(*card, 65535, 20000);
  std::set<std::uint8_t> instructions;
  channel.tamper = [&](const CommandApdu& c, ResponseApdu&) { instructions.insert(c.ins); };
  auto report = Personaliser{}.run(channel, station.profile, testing::sampleSubject(40000, 0),
                                   station.context);
  ASSERT_TRUE(report.ok()) << report.error().message;
  EXPECT_TRUE(instructions.contains(0xD7));
  EXPECT_TRUE(instructions.contains(0xB1));
  EXPECT_EQ(card->lifecycle(), eid::EidLifecycle::Locked);
}

TEST(Personaliser, WrongMasterKeyIsRefusedBeforeAnyWrite) {
  Station station("eid.yaml", hex("000102030405060708090A0B0C0D0E0F"));
  auto card = blankEidCard();  // issued for kMaster
  AppletChannel channel(*card);
  auto report =
      Personaliser{}.run(channel, station.profile, testing::sampleSubject(), station.context);
  ASSERT_FALSE(report.ok());
  EXPECT_EQ(report.error().code, ErrorCode::IntegrityCheckFailed);
  EXPECT_EQ(report.error().message.rfind("channel: authentication refused", 0), 0u)
      << report.error().message;
  EXPECT_NE(report.error().message.find("station-master"), std::string::npos);
  EXPECT_EQ(card->lifecycle(), eid::EidLifecycle::Blank);
  EXPECT_EQ(card->freeBytes(), 65536u);
}

TEST(Personaliser, CorruptedReadBackInTheChannelIsNotLocked) {
  Station station("eid.yaml");
  auto card = blankEidCard();
  AppletChannel channel(*card);
  bool corrupted = false;
  channel.tamper = [&](const CommandApdu& c, ResponseApdu& r) {
    if (c.ins == 0xB0 && !corrupted && r.data.size() > 20) {
      r.data[10] ^= 0x01;
      corrupted = true;
    }
  };
  auto report =
      Personaliser{}.run(channel, station.profile, testing::sampleSubject(), station.context);
  ASSERT_FALSE(report.ok());
  EXPECT_TRUE(corrupted);
  EXPECT_EQ(report.error().message.rfind("verify: ", 0), 0u) << report.error().message;
  EXPECT_NE(report.error().message.find("secure channel check"), std::string::npos);
  EXPECT_NE(card->lifecycle(), eid::EidLifecycle::Locked);
}

TEST(Personaliser, SodFromAnotherCountryIsNotLocked) {
  Station station("eid.yaml");
  auto foreign = testing::TestPki::create(station.dir, false, "foreign-");
  auto anchors = signing::TrustAnchors::load(foreign.cscaPath);
  ASSERT_TRUE(anchors.ok());
  station.context.trustAnchors = &*anchors;
  auto card = blankEidCard();
  AppletChannel channel(*card);
  auto report =
      Personaliser{}.run(channel, station.profile, testing::sampleSubject(), station.context);
  ASSERT_FALSE(report.ok());
  EXPECT_EQ(report.error().message.rfind("verify: EF.SOD read back does not verify", 0), 0u)
      << report.error().message;
  EXPECT_NE(card->lifecycle(), eid::EidLifecycle::Locked);
}

TEST(Personaliser, MissingPhotoFailsBeforeTouchingTheCard) {
  Station station("eid.yaml");
  auto card = blankEidCard();
  AppletChannel channel(*card);
  CardSubject subject = testing::sampleSubject();
  subject.photo_jpeg.clear();
  auto report = Personaliser{}.run(channel, station.profile, subject, station.context);
  ASSERT_FALSE(report.ok());
  EXPECT_EQ(report.error().message, "build: DG2: the job has no face photo");
  EXPECT_EQ(channel.commands(), 0);
}

std::unique_ptr<eid::JmrtdApplet> blankJmrtdCard() {
  auto card = eid::JmrtdApplet::create(kSerial);
  EXPECT_TRUE(card.ok());
  card.value()->powerOn();
  return std::move(card).value();
}

TEST(Personaliser, JmrtdPassportInTheClear) {
  Station station("jmrtd.yaml");
  auto card = blankJmrtdCard();
  AppletChannel channel(*card, 255, 256);
  const CardSubject subject = testing::sampleSubject(3000, 0);
  auto report = Personaliser{}.run(channel, station.profile, subject, station.context);
  ASSERT_TRUE(report.ok()) << report.error().message;
  EXPECT_TRUE(card->locked());
  EXPECT_TRUE(report->chipSerial.empty());
  // The BAC seed: document number field, birth and expiry dates of the MRZ.
  EXPECT_EQ(card->keyMaterial(0x0062),
            hex("62 1B 04 09 4131323334353637 3C 04 06 393030353137 04 06 333631313238"));
  // Locked: SELECT now needs BAC.
  EXPECT_EQ(send(channel, {0x00, 0xA4, 0x02, 0x0C, hex("0101"), 0}).sw, 0x6982);
}

TEST(Personaliser, JmrtdReadBackDifferenceIsNamedAndNotLocked) {
  Station station("jmrtd.yaml");
  auto card = blankJmrtdCard();
  AppletChannel channel(*card, 255, 256);
  channel.tamper = [](const CommandApdu& c, ResponseApdu& r) {
    if (c.ins == 0xB0 && r.data.size() > 40 && r.data[0] == 0x61) r.data[40] ^= 0x20;
  };
  auto report = Personaliser{}.run(channel, station.profile, testing::sampleSubject(3000, 0),
                                   station.context);
  ASSERT_FALSE(report.ok());
  EXPECT_EQ(report.error().message, "verify: DG1 read back differs from what was written");
  EXPECT_EQ(report.error().code, ErrorCode::IntegrityCheckFailed);
  EXPECT_FALSE(card->locked());
}

}  // namespace
}  // namespace cardd::applets::personalisation

namespace cardd::applets::personalisation {
namespace {

/* The SigningContext keeps one SodBuilder per key: SODs from it verify and
   carry their own hashes, a second signer gets its own builder (its own
   certificate in the SOD), and a signer whose builder needs the Signer
   object (RSA) is served without being kept. */
TEST(SodBuilderCache, OneBuilderPerKeyEachSodItsOwn) {
  testing::TempDir dir;
  auto pki = testing::TestPki::create(dir);
  auto other = testing::TestPki::create(dir, false, "other-");
  auto rsa = testing::TestPki::create(dir, true, "rsa-");
  auto signer = signing::PemFileSigner::load(pki.dsKeyPath, pki.dsCertPath);
  auto otherSigner = signing::PemFileSigner::load(other.dsKeyPath, other.dsCertPath);
  auto rsaSigner = signing::PemFileSigner::load(rsa.dsKeyPath, rsa.dsCertPath);
  ASSERT_TRUE(signer.ok());
  ASSERT_TRUE(otherSigner.ok());
  ASSERT_TRUE(rsaSigner.ok());
  auto anchors = signing::TrustAnchors::load(pki.cscaPath);
  auto otherAnchors = signing::TrustAnchors::load(other.cscaPath);
  auto rsaAnchors = signing::TrustAnchors::load(rsa.cscaPath);
  ASSERT_TRUE(anchors.ok());
  ASSERT_TRUE(otherAnchors.ok());
  ASSERT_TRUE(rsaAnchors.ok());

  SodBuilderCache cache;
  for (std::uint8_t card = 1; card <= 3; ++card) {
    lds::LdsSecurityObject object;
    object.hashes = {{1, Bytes(32, card)}, {2, Bytes(32, static_cast<std::uint8_t>(~card))}};
    auto sod = cache.build(*signer, {}, object);
    ASSERT_TRUE(sod.ok()) << sod.error().message;
    auto verified = signing::verifySod(*sod, *anchors);
    ASSERT_TRUE(verified.ok()) << verified.error().message;
    EXPECT_EQ(verified->object, object);

    auto otherSod = cache.build(*otherSigner, {}, object);
    ASSERT_TRUE(otherSod.ok()) << otherSod.error().message;
    EXPECT_TRUE(signing::verifySod(*otherSod, *otherAnchors).ok());
    EXPECT_FALSE(signing::verifySod(*otherSod, *anchors).ok());  // not this CSCA's signer

    signing::SodOptions pss;
    pss.scheme = signing::SignatureScheme::RsaPss;
    auto rsaSod = cache.build(*rsaSigner, pss, object);
    ASSERT_TRUE(rsaSod.ok()) << rsaSod.error().message;
    EXPECT_TRUE(signing::verifySod(*rsaSod, *rsaAnchors).ok());
  }
  // A scheme the key does not suit is still refused with the reason.
  auto mismatch = cache.build(*rsaSigner, {}, {});
  ASSERT_FALSE(mismatch.ok());
  EXPECT_NE(mismatch.error().message.find("not an EC key"), std::string::npos);
}

/* Two cards in a row with one SigningContext (kept builder, remembered
   chain): both personalised, locked, each with its own EF.SOD. */
TEST(Personaliser, TwoCardsInARowShareTheStationsSigningState) {
  Station station("eid.yaml");
  std::vector<Bytes> sods;
  std::vector<std::vector<lds::DataGroupHash>> hashes;
  for (int card = 0; card < 2; ++card) {
    auto chip = blankEidCard();
    AppletChannel channel(*chip);
    auto report = Personaliser{}.run(
        channel, station.profile,
        testing::sampleSubject(static_cast<std::size_t>(3000 + 1000 * card)), station.context);
    ASSERT_TRUE(report.ok()) << report.error().message;
    EXPECT_TRUE(report->locked);
    EXPECT_EQ(chip->lifecycle(), eid::EidLifecycle::Locked);
    chip->powerOn();
    auto accessKey = scp03::diversifyKdf3(kMaster, static_cast<scp03::KeyType>(0x81), eidKdd());
    ASSERT_TRUE(accessKey.ok());
    EXPECT_EQ(send(channel, {0x00, 0xA4, 0x04, 0x0C, eid::kEidAid, 0}).sw, 0x9000);
    EXPECT_EQ(send(channel, {0x00, 0x20, 0x00, 0x81, *accessKey, 0}).sw, 0x9000);
    auto sod = readInTheClear(channel, 0x011D, report->files.back().contentSize);
    auto verified = signing::verifySod(sod, *station.anchors);
    ASSERT_TRUE(verified.ok()) << verified.error().message;
    sods.push_back(sod);
    hashes.push_back(verified->object.hashes);
  }
  EXPECT_NE(sods[0], sods[1]);
  EXPECT_NE(hashes[0], hashes[1]);  // the photos differ, so DG2's hash does
}

/* The content prepared before the card is there (as a station could while
   the card is fed), then written: the same files, the card locked, and the
   report's build step is the time prepare() took. A subject that cannot be
   built fails in prepare(), before any card. */
TEST(Personaliser, PreparedContentIsWhatRunWrites) {
  Station station("eid.yaml");
  const CardSubject subject = testing::sampleSubject();
  Personaliser personaliser;
  auto prepared = personaliser.prepare(station.profile, subject, station.context);
  ASSERT_TRUE(prepared.ok()) << prepared.error().message;
  ASSERT_FALSE(prepared->files.empty());
  EXPECT_EQ(prepared->files.back().spec->name, "EF.SOD");
  auto expected = buildFiles(station.profile, subject);
  ASSERT_TRUE(expected.ok());
  ASSERT_EQ(prepared->files.size(), expected->size() + 1);
  for (std::size_t i = 0; i < expected->size(); ++i) {
    EXPECT_EQ(prepared->files[i].content, (*expected)[i].content) << (*expected)[i].spec->name;
  }

  auto card = blankEidCard();
  AppletChannel channel(*card);
  auto report = personaliser.run(channel, station.profile, *prepared, station.context);
  ASSERT_TRUE(report.ok()) << report.error().message;
  EXPECT_TRUE(report->locked);
  EXPECT_EQ(card->lifecycle(), eid::EidLifecycle::Locked);
  ASSERT_EQ(report->files.size(), prepared->files.size());
  EXPECT_EQ(report->files.back().contentSize, prepared->files.back().content.size());
  ASSERT_FALSE(report->steps.empty());
  EXPECT_EQ(report->steps.front().step, "build");
  EXPECT_EQ(report->steps.front().duration, prepared->buildTime);
  EXPECT_NE(report->signer.find("Test Document Signer"), std::string::npos);

  CardSubject noPhoto = subject;
  noPhoto.photo_jpeg.clear();
  auto refused = personaliser.prepare(station.profile, noPhoto, station.context);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().message, "build: DG2: the job has no face photo");
}

}  // namespace
}  // namespace cardd::applets::personalisation
