// Building the files of the shipped e-ID profile from a CardSubject: the MRZ
// (with the e-KTP value mappings), DG11 / DG13 items, EF.COM, optional files,
// fixed sizes and margins, and the LDSSecurityObject over the data groups.
#include <gtest/gtest.h>

#include "content.hpp"
#include "sod.hpp"
#include "test_hex.hpp"
#include "test_support.hpp"
#include "tlv/tlv_node.hpp"

namespace cardd::applets::personalisation {
namespace {

using testing::hex;

Profile eidProfile() {
  auto r = loadProfileFile(testing::profilePath("eid.yaml"), testing::ektpFields());
  EXPECT_TRUE(r.ok());
  return r.profile;
}

const BuiltFile* find(const std::vector<BuiltFile>& files, const std::string& name) {
  for (const auto& f : files) {
    if (f.spec->name == name) return &f;
  }
  return nullptr;
}

TEST(Content, EidProfileBuildsTheExpectedFiles) {
  const Profile profile = eidProfile();
  auto files = buildFiles(profile, testing::sampleSubject());
  ASSERT_TRUE(files.ok()) << files.error().message;
  std::vector<std::string> names;
  for (const auto& f : *files) names.push_back(f.spec->name);
  EXPECT_EQ(names, (std::vector<std::string>{"EF.COM", "DG1", "DG2", "DG3", "DG11", "DG13"}));

  // DG1: TD1 with e-KTP mappings (PEREMPUAN → F, WNI → IDN), a mononym.
  const std::string mrz =
      "I<IDNA1234567<6<<<<<<<<<<<<<<<"
      "9005178F3611281IDN<<<<<<<<<<<2"
      "SITI<AMINAH<<<<<<<<<<<<<<<<<<<";
  Bytes dg1 = hex("61 5D 5F1F 5A");
  dg1.insert(dg1.end(), mrz.begin(), mrz.end());
  EXPECT_EQ(find(*files, "DG1")->content, dg1);

  // EF.COM lists exactly the data groups written.
  EXPECT_EQ(find(*files, "EF.COM")->content,
            hex("60 17 5F01 04 30313037 5F36 06 303430303030 5C 05 6175636B6D"));

  // DG11: the address joined with '<', the birth date compact.
  const Bytes& dg11 = find(*files, "DG11")->content;
  const std::string text(dg11.begin(), dg11.end());
  EXPECT_NE(text.find("JL. MERDEKA NO. 10<003/012<GAMBIR<GAMBIR<JAKARTA PUSAT<DKI JAKARTA"),
            std::string::npos);
  EXPECT_NE(text.find("19900517"), std::string::npos);
  EXPECT_EQ(Bytes(dg11.begin(), dg11.begin() + 4), hex("6B 81 90 5C"));

  // Sizes: margin 0 in the shipped profile.
  for (const auto& f : *files) EXPECT_EQ(f.fileSize, f.content.size());
}

TEST(Content, OptionalFilesAndItemsAreSkipped) {
  const Profile profile = eidProfile();
  CardSubject subject = testing::sampleSubject();
  subject.fingerprints.clear();
  subject.fields.erase("occupation");
  auto files = buildFiles(profile, subject);
  ASSERT_TRUE(files.ok()) << files.error().message;
  EXPECT_EQ(find(*files, "DG3"), nullptr);
  EXPECT_EQ(find(*files, "EF.COM")->content.back(), 0x6D);  // tag list without 63
  const Bytes& dg11 = find(*files, "DG11")->content;
  EXPECT_EQ(std::search(dg11.begin(), dg11.end(), std::begin({0x5F, 0x13}), std::end({0x5F, 0x13})),
            dg11.end());

  subject.fields.erase("nik");
  auto missing = buildFiles(profile, subject);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().message, "DG11: the job has no value for 'nik'");
}

TEST(Content, FixedSizesAndMargins) {
  Profile profile = eidProfile();
  profile.sizeMargin = 16;
  auto files = buildFiles(profile, testing::sampleSubject());
  ASSERT_TRUE(files.ok());
  for (const auto& f : *files) EXPECT_EQ(f.fileSize, f.content.size() + 16);

  for (auto& spec : profile.files) {
    if (spec.name == "DG1") spec.size = 50;  // DG1 is 95 bytes
  }
  auto tooSmall = buildFiles(profile, testing::sampleSubject());
  ASSERT_FALSE(tooSmall.ok());
  EXPECT_NE(tooSmall.error().message.find("larger than the profile's fixed size"),
            std::string::npos);
}

TEST(Content, SecurityObjectHashesTheDataGroupsOnly) {
  const Profile profile = eidProfile();
  auto files = buildFiles(profile, testing::sampleSubject());
  ASSERT_TRUE(files.ok());
  auto object = securityObjectFor(*files, lds::HashAlgorithm::Sha256);
  ASSERT_TRUE(object.ok());
  ASSERT_EQ(object->hashes.size(), 5u);
  EXPECT_EQ(object->hashes.front().number, 1);
  EXPECT_EQ(object->hashes.back().number, 13);
  auto dg2Hash = signing::hashBytes(lds::HashAlgorithm::Sha256, find(*files, "DG2")->content);
  EXPECT_EQ(object->find(2)->hash, *dg2Hash);
}

}  // namespace
}  // namespace cardd::applets::personalisation
