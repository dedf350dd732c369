// Profile loading: the shipped profiles load cleanly against the e-KTP
// person schema, and every kind of mistake is reported with file, line and
// key.
#include <gtest/gtest.h>

#include "profile.hpp"
#include "test_support.hpp"

namespace cardd::applets::personalisation {
namespace {

const char* kBase = R"(id: test
applet:
  type: cardd-eid
  aid: "F0 63 61 72 64 64 01"
channel:
  type: scp03
  level: 0x33
  key_set: station-master
files:
  - name: DG1
    fid: 0x0101
    content: mrz-td1
    mrz:
      issuer: {value: IDN}
      document_number: {field: document.number}
      birth_date: {field: birth_date}
      sex: {field: sex, map: {LAKI-LAKI: M, PEREMPUAN: F}}
      expiry_date: {field: document.expiry}
      nationality: {value: IDN}
      primary_identifier: {field: name}
  - name: DG11
    fid: 0x010B
    content: fields
    items:
      - {tag: 0x5F10, field: nik}
  - name: EF.SOD
    fid: 0x011D
    content: sod
sod:
  signer: ds
lock:
  access_key: {source: derived, key_set: station-master}
)";

ProfileLoadResult load(const std::string& text) {
  return loadProfileText(text, "test.yaml", testing::ektpFields());
}

std::string replaced(std::string text, const std::string& from, const std::string& to) {
  const auto at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at != std::string::npos) text.replace(at, from.size(), to);
  return text;
}

/* The one problem expected, as "test.yaml:LINE: KEY: ..." containing `text`. */
void expectOneProblem(const ProfileLoadResult& r, int line, const std::string& key,
                      const std::string& text) {
  ASSERT_EQ(r.problems.size(), 1u) << (r.problems.empty() ? "" : r.problems[0].describe());
  const auto& p = r.problems[0];
  EXPECT_EQ(p.line, line) << p.describe();
  EXPECT_EQ(p.key, key) << p.describe();
  EXPECT_NE(p.message.find(text), std::string::npos) << p.describe();
  EXPECT_EQ(p.describe().rfind("test.yaml:", 0), 0u);
}

TEST(Profile, BaseProfileIsValid) {
  auto r = load(kBase);
  ASSERT_TRUE(r.ok()) << r.problems[0].describe();
  EXPECT_EQ(r.profile.applet, AppletType::CarddEid);
  EXPECT_EQ(r.profile.securityLevel, 0x33);
  ASSERT_EQ(r.profile.files.size(), 3u);
  EXPECT_EQ(r.profile.files[1].items[0].tag, 0x5F10u);
  EXPECT_EQ(r.profile.files[0].mrz.sex.map.at("PEREMPUAN"), "F");
  EXPECT_EQ(r.profile.accessKey.source, AccessKeySource::Derived);
}

TEST(Profile, ShippedProfilesLoad) {
  for (const char* name : {"eid.yaml", "jmrtd.yaml"}) {
    auto r = loadProfileFile(testing::profilePath(name), testing::ektpFields());
    ASSERT_TRUE(r.ok()) << name << ": " << r.problems[0].describe();
    EXPECT_NE(r.profile.findFile("EF.SOD"), nullptr);
  }
  auto jmrtd = loadProfileFile(testing::profilePath("jmrtd.yaml"), testing::ektpFields());
  EXPECT_EQ(jmrtd.profile.applet, AppletType::JmrtdPassport);
  EXPECT_EQ(jmrtd.profile.channel, ChannelType::None);
}

TEST(ProfileErrors, UnknownKey) {
  expectOneProblem(load(replaced(kBase, "  level: 0x33\n", "  level: 0x33\n  colour: red\n")), 8,
                   "channel.colour", "unknown key");
}

TEST(ProfileErrors, UnknownPersonField) {
  expectOneProblem(load(replaced(kBase, "field: nik}", "field: nomor_induk}")), 25,
                   "files[1].items[0].field", "unknown person field 'nomor_induk'");
}

TEST(ProfileErrors, FidCollision) {
  expectOneProblem(load(replaced(kBase, "fid: 0x010B", "fid: 0x0101")), 22, "files[1].fid",
                   "FID 101 is already used by DG1");
}

TEST(ProfileErrors, MissingSod) {
  auto text = replaced(kBase, "  - name: EF.SOD\n    fid: 0x011D\n    content: sod\n", "");
  expectOneProblem(load(text), 0, "files", "no EF.SOD file");
}

TEST(ProfileErrors, UnknownAppletType) {
  expectOneProblem(load(replaced(kBase, "type: cardd-eid", "type: mifare-classic")), 3,
                   "applet.type", "unknown applet type");
}

TEST(ProfileErrors, InsecureLevel) {
  expectOneProblem(load(replaced(kBase, "level: 0x33", "level: 0x01")), 7, "channel.level", "0x13");
}

TEST(ProfileErrors, MissingRequiredKey) {
  expectOneProblem(load(replaced(kBase, "  signer: ds\n", "  digest: sha256\n")), 30, "sod.signer",
                   "is required");
}

TEST(ProfileErrors, DuplicateFileName) {
  auto r = load(replaced(kBase, "name: DG11", "name: DG1"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.problems[0].key, "files[1].name");
  EXPECT_NE(r.problems[0].message.find("appears twice"), std::string::npos);
}

TEST(ProfileErrors, ContentInTheWrongFile) {
  expectOneProblem(
      load(replaced(kBase, "content: fields\n    items:\n      - {tag: 0x5F10, field: nik}\n",
                    "content: face\n")),
      23, "files[1].content", "face in DG2");
}

TEST(ProfileErrors, BadTag) {
  expectOneProblem(load(replaced(kBase, "tag: 0x5F10", "tag: 0x7F60")), 25, "files[1].items[0].tag",
                   "primitive");
}

TEST(ProfileErrors, AppletAndChannelDisagree) {
  auto text = replaced(kBase, "  type: scp03\n  level: 0x33\n  key_set: station-master\n",
                       "  type: none\n");
  expectOneProblem(load(text), 0, "channel.type", "only accepts writes in an SCP03 channel");
}

TEST(ProfileErrors, YamlSyntax) {
  auto r = load("id: [unclosed\n");
  ASSERT_EQ(r.problems.size(), 1u);
  EXPECT_NE(r.problems[0].message.find("YAML syntax error"), std::string::npos);
}

TEST(ProfileErrors, AllProblemsAreReported) {
  auto text =
      replaced(replaced(kBase, "type: cardd-eid", "type: nfc"), "fid: 0x010B", "fid: 0x0101");
  auto r = load(text);
  EXPECT_EQ(r.problems.size(), 2u);
}

}  // namespace
}  // namespace cardd::applets::personalisation
