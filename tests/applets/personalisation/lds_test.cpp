// cardd_lds: TD1 MRZ and check digits against ICAO Doc 9303 part 5's
// published examples, the data-group and EF.COM encodings, and the
// LDSSecurityObject DER.
#include <gtest/gtest.h>

#include "lds/data_groups.hpp"
#include "lds/mrz.hpp"
#include "lds/security_object.hpp"
#include "test_hex.hpp"
#include "test_support.hpp"
#include "tlv/tlv_node.hpp"

namespace cardd::applets::lds {
namespace {

using testing::hex;

// ICAO 9303 part 5, appendix A: the TD1 specimen.
const std::string kIcaoLine1 = "I<UTOD231458907<<<<<<<<<<<<<<<";
const std::string kIcaoLine2 = "7408122F1204159UTO<<<<<<<<<<<6";
const std::string kIcaoLine3 = "ERIKSSON<<ANNA<MARIA<<<<<<<<<<";

TEST(MrzCheckDigit, IcaoSpecimenDigits) {
  EXPECT_EQ(mrzCheckDigit("D23145890"), '7');  // document number
  EXPECT_EQ(mrzCheckDigit("740812"), '2');     // date of birth
  EXPECT_EQ(mrzCheckDigit("120415"), '9');     // date of expiry
  const std::string composite = kIcaoLine1.substr(5, 25) + kIcaoLine2.substr(0, 7) +
                                kIcaoLine2.substr(8, 7) + kIcaoLine2.substr(18, 11);
  EXPECT_EQ(mrzCheckDigit(composite), '6');
  // Fillers count zero, letters 10..35.
  EXPECT_EQ(mrzCheckDigit("<<<<<<"), '0');
  EXPECT_EQ(mrzCheckDigit("A"), '0');  // 10 * 7 = 70
  EXPECT_EQ(mrzCheckDigit("Z"), '5');  // 35 * 7 = 245
}

Td1Fields icaoSpecimen() {
  Td1Fields f;
  f.documentCode = "I";
  f.issuer = "UTO";
  f.documentNumber = "D23145890";
  f.birthDate = "1974-08-12";
  f.sex = "F";
  f.expiryDate = "2012-04-15";
  f.nationality = "UTO";
  f.primaryIdentifier = "Eriksson";
  f.secondaryIdentifier = "Anna Maria";
  return f;
}

TEST(Td1, BuildsTheIcaoSpecimenExactly) {
  auto mrz = buildTd1(icaoSpecimen());
  ASSERT_TRUE(mrz.ok()) << mrz.error().message;
  EXPECT_EQ(*mrz, kIcaoLine1 + kIcaoLine2 + kIcaoLine3);
}

TEST(Td1, LongDocumentNumberContinuesInOptionalData) {
  // ICAO 9303 part 5 §4.2.2 note: a 12-character number, check digit after it.
  Td1Fields f = icaoSpecimen();
  f.documentNumber = "D23145890734";
  auto mrz = buildTd1(f);
  ASSERT_TRUE(mrz.ok()) << mrz.error().message;
  EXPECT_EQ(mrz->substr(0, 30), "I<UTOD23145890<7349<<<<<<<<<<<");
  const std::string line1 = mrz->substr(0, 30), line2 = mrz->substr(30, 30);
  const std::string composite =
      line1.substr(5) + line2.substr(0, 7) + line2.substr(8, 7) + line2.substr(18, 11);
  EXPECT_EQ(line2[29], mrzCheckDigit(composite));
}

TEST(Td1, MononymAndTruncationAndTransliteration) {
  Td1Fields f = icaoSpecimen();
  f.primaryIdentifier = "Siti Aminah-Putri";
  f.secondaryIdentifier = "";
  auto mrz = buildTd1(f);
  ASSERT_TRUE(mrz.ok());
  EXPECT_EQ(mrz->substr(60), "SITI<AMINAH<PUTRI<<<<<<<<<<<<<");

  f.primaryIdentifier = "Müller-Lüdenscheidt";
  f.secondaryIdentifier = "Maximilian Alexander Friedrich";
  mrz = buildTd1(f);
  ASSERT_TRUE(mrz.ok());
  EXPECT_EQ(mrz->substr(60), "MULLER<LUDENSCHEIDT<<MAXIMILIA");
  EXPECT_EQ(mrz->size(), 90u);
}

TEST(Td1, RefusesWhatDoesNotFit) {
  Td1Fields f = icaoSpecimen();
  f.issuer = "INDO";
  EXPECT_FALSE(buildTd1(f).ok());
  f = icaoSpecimen();
  f.birthDate = "17.08.1974";
  auto bad = buildTd1(f);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("birth date"), std::string::npos);
  f = icaoSpecimen();
  f.sex = "Q";
  EXPECT_FALSE(buildTd1(f).ok());
  f = icaoSpecimen();
  f.primaryIdentifier = "名前";
  auto name = buildTd1(f);
  ASSERT_FALSE(name.ok());
  // The error names the field, never the value.
  EXPECT_EQ(name.error().message.find("名前"), std::string::npos);
}

TEST(DataGroups, Dg1WrapsTheMrz) {
  const std::string mrz = kIcaoLine1 + kIcaoLine2 + kIcaoLine3;
  auto dg1 = buildDg1(mrz);
  ASSERT_TRUE(dg1.ok());
  Bytes expected = hex("61 5D 5F1F 5A");
  expected.insert(expected.end(), mrz.begin(), mrz.end());
  EXPECT_EQ(*dg1, expected);
  EXPECT_FALSE(buildDg1("SHORT").ok());
}

TEST(DataGroups, EfComListsTheDataGroups) {
  auto com = buildEfCom({dataGroupTag(1), dataGroupTag(2), dataGroupTag(11)});
  ASSERT_TRUE(com.ok());
  EXPECT_EQ(*com, hex("60 15 5F01 04 30313037 5F36 06 303430303030 5C 03 61756B"));
  EXPECT_EQ(dataGroupTag(3), 0x63u);
  EXPECT_EQ(dataGroupTag(13), 0x6Du);
  EXPECT_EQ(dataGroupTag(17), 0u);
}

TEST(DataGroups, Dg2IsABiometricTemplateAroundAnIso19794Record) {
  const Bytes jpeg = testing::fakeJpeg(5000);
  auto dg2 = buildDg2(jpeg);
  ASSERT_TRUE(dg2.ok()) << dg2.error().message;
  auto node = tlv::decodeNode(*dg2);
  ASSERT_TRUE(node.ok());
  EXPECT_EQ(node->tag, tag::kDg2);
  const auto* count = node->findPath({0x7F61, 0x02});
  ASSERT_NE(count, nullptr);
  EXPECT_EQ(count->value, Bytes{0x01});
  const auto* bht = node->findPath({0x7F61, 0x7F60, 0xA1});
  ASSERT_NE(bht, nullptr);
  EXPECT_EQ(bht->find(0x81)->value, Bytes{0x02});
  const auto* record = node->findPath({0x7F61, 0x7F60, 0x5F2E});
  ASSERT_NE(record, nullptr);
  ASSERT_EQ(record->value.size(), 14 + 20 + 12 + jpeg.size());
  EXPECT_EQ(Bytes(record->value.begin(), record->value.begin() + 8), hex("46414300 30313000"));
  // Record length, width 480 (01E0), height 640 (0280), then the JPEG.
  EXPECT_EQ(Bytes(record->value.begin() + 8, record->value.begin() + 12),
            hex("000013B6"));  // 14 + 20 + 12 + 5000 = 5046
  EXPECT_EQ(Bytes(record->value.begin() + 36, record->value.begin() + 40), hex("01E0 0280"));
  EXPECT_TRUE(std::equal(jpeg.begin(), jpeg.end(), record->value.end() - 5000));

  auto notJpeg = buildDg2(hex("89504E470D0A1A0A"));
  ASSERT_FALSE(notJpeg.ok());
  EXPECT_NE(notJpeg.error().message.find("not a JPEG"), std::string::npos);
}

TEST(DataGroups, Dg3HoldsOneTemplatePerFinger) {
  auto dg3 = buildDg3({hex("0102"), hex("0304")});
  ASSERT_TRUE(dg3.ok());
  auto node = tlv::decodeNode(*dg3);
  ASSERT_TRUE(node.ok());
  EXPECT_EQ(node->tag, tag::kDg3);
  const auto* group = node->find(0x7F61);
  ASSERT_NE(group, nullptr);
  ASSERT_EQ(group->children.size(), 3u);
  EXPECT_EQ(group->children[0].value, Bytes{0x02});
  EXPECT_EQ(group->children[2].find(0x5F2E)->value, hex("0304"));
  EXPECT_EQ(group->children[1].find(0xA1)->find(0x81)->value, Bytes{0x08});
  EXPECT_FALSE(buildDg3({}).ok());
  EXPECT_FALSE(buildDg3({Bytes{}}).ok());
}

TEST(DataGroups, FieldGroupWithTagList) {
  auto dg11 = buildFieldDataGroup(tag::kDg11, {{0x5F0E, "AB"}, {0xC1, "Ü"}}, true);
  ASSERT_TRUE(dg11.ok());
  EXPECT_EQ(*dg11, hex("6B 0E 5C 03 5F0EC1 5F0E 02 4142 C1 02 C39C"));
  auto noList = buildFieldDataGroup(tag::kDg13, {{0xC1, "X"}}, false);
  ASSERT_TRUE(noList.ok());
  EXPECT_EQ(*noList, hex("6D 03 C1 01 58"));
  EXPECT_FALSE(buildFieldDataGroup(tag::kDg13, {{0x7F60, "X"}}, false).ok());
}

LdsSecurityObject sampleObject() {
  LdsSecurityObject o;
  o.hashes = {{1, Bytes(32, 0x11)}, {2, Bytes(32, 0x22)}};
  return o;
}

TEST(SecurityObject, DerEncodingIsExact) {
  auto der = encodeSecurityObject(sampleObject());
  ASSERT_TRUE(der.ok());
  Bytes expected = hex("30 60 020100 300B 0609 608648016503040201 304E");
  for (std::uint8_t n : {1, 2}) {
    append(expected, hex("3025 0201"));
    expected.push_back(n);
    append(expected, hex("0420"));
    append(expected, Bytes(32, static_cast<std::uint8_t>(0x11 * n)));
  }
  EXPECT_EQ(*der, expected);
}

TEST(SecurityObject, RoundTripAndNullParameters) {
  LdsSecurityObject o = sampleObject();
  o.algorithm = HashAlgorithm::Sha512;
  o.hashes = {{1, Bytes(64, 1)}, {14, Bytes(64, 2)}, {16, Bytes(64, 3)}};
  auto der = encodeSecurityObject(o);
  ASSERT_TRUE(der.ok());
  auto back = decodeSecurityObject(*der);
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(*back, o);

  // An AlgorithmIdentifier with NULL parameters (as some issuers write) decodes.
  Bytes withNull = hex("30 3B 020100 300D 0609 608648016503040201 0500 3027 3025 020101 0420");
  append(withNull, Bytes(32, 7));
  auto nullParams = decodeSecurityObject(withNull);
  ASSERT_TRUE(nullParams.ok()) << nullParams.error().message;
  EXPECT_EQ(nullParams->algorithm, HashAlgorithm::Sha256);
  ASSERT_NE(nullParams->find(1), nullptr);
  EXPECT_EQ(nullParams->find(1)->hash, Bytes(32, 7));
  // The same with a 12-byte "hash" is refused.
  Bytes shortHash = hex("30 27 020100 300D 0609 608648016503040201 0500 3013 3011 020101 040C");
  append(shortHash, Bytes(12, 0));
  auto refused = decodeSecurityObject(shortHash);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().message.find("wrong size"), std::string::npos);
}

TEST(SecurityObject, RefusesBrokenObjects) {
  LdsSecurityObject o = sampleObject();
  o.hashes.push_back({1, Bytes(32, 0x33)});
  EXPECT_FALSE(encodeSecurityObject(o).ok());
  o = sampleObject();
  o.hashes[0].number = 17;
  EXPECT_FALSE(encodeSecurityObject(o).ok());
  o = sampleObject();
  o.hashes.clear();
  EXPECT_FALSE(encodeSecurityObject(o).ok());
  auto der = encodeSecurityObject(sampleObject());
  ASSERT_TRUE(der.ok());
  Bytes trailing = *der;
  trailing.push_back(0x00);
  EXPECT_FALSE(decodeSecurityObject(trailing).ok());
  Bytes unknownAlg = *der;
  unknownAlg[17] = 0x09;  // last OID byte: 2.16.840.1.101.3.4.2.9
  EXPECT_FALSE(decodeSecurityObject(unknownAlg).ok());
}

}  // namespace
}  // namespace cardd::applets::lds
