// cardd_signing in-process: PEM key permission checks, the SCP03 master key
// file, and EF.SOD built with the OpenSSL CMS API, then taken apart again
// with OpenSSL (eContentType, digest algorithm, signer certificate, signed
// attributes, signature) and by verifySod().
#include <gtest/gtest.h>
#include <openssl/cms.h>
#include <openssl/objects.h>

#include "key_files.hpp"
#include "master_key.hpp"
#include "pem_signer.hpp"
#include "scp03/diversification.hpp"
#include "sod.hpp"
#include "test_hex.hpp"
#include "test_support.hpp"
#include "tlv/header.hpp"

namespace cardd::applets::signing {
namespace {

using testing::hex;
using testing::TempDir;
using testing::TestPki;

lds::LdsSecurityObject sampleObject() {
  lds::LdsSecurityObject o;
  o.hashes = {{1, Bytes(32, 0xA1)}, {2, Bytes(32, 0xB2)}, {11, Bytes(32, 0xC3)}};
  return o;
}

/* The CMS ContentInfo inside `77 L`. */
CmsPtr parseSod(const Bytes& sod) {
  auto header = tlv::decodeHeader(sod);
  EXPECT_TRUE(header.ok());
  EXPECT_EQ(header->tag, 0x77u);
  const unsigned char* p = sod.data() + header->headerSize;
  return CmsPtr(d2i_CMS_ContentInfo(nullptr, &p, static_cast<long>(header->length)));
}

TEST(PemFileSigner, RefusesAKeyReadableByGroupWithTheChmodFix) {
  TempDir dir;
  auto pki = TestPki::create(dir);
  ASSERT_EQ(::chmod(pki.dsKeyPath.c_str(), 0640), 0);
  auto signer = PemFileSigner::load(pki.dsKeyPath, pki.dsCertPath);
  ASSERT_FALSE(signer.ok());
  EXPECT_EQ(signer.error().code, ErrorCode::Forbidden);
  EXPECT_NE(signer.error().message.find("0640"), std::string::npos);
  EXPECT_NE(signer.error().message.find("chmod 600 '" + pki.dsKeyPath + "'"), std::string::npos)
      << signer.error().message;

  ASSERT_EQ(::chmod(pki.dsKeyPath.c_str(), 0600), 0);
  auto ok = PemFileSigner::load(pki.dsKeyPath, pki.dsCertPath);
  ASSERT_TRUE(ok.ok()) << ok.error().message;
  EXPECT_EQ(ok->describe(), "pem:" + pki.dsKeyPath);
}

TEST(PemFileSigner, RefusesAKeyThatIsNotTheCertificates) {
  TempDir dir;
  auto pki = TestPki::create(dir);
  auto other = TestPki::create(dir, false, "other-");
  auto signer = PemFileSigner::load(other.dsKeyPath, pki.dsCertPath);
  ASSERT_FALSE(signer.ok());
  EXPECT_NE(signer.error().message.find("does not belong"), std::string::npos);
  auto missing = PemFileSigner::load(dir.file("nope.key"), pki.dsCertPath);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, ErrorCode::NotFound);
}

TEST(FileMasterKey, PermissionsHexAndDiversification) {
  TempDir dir;
  const std::string path = dir.file("master.key");
  testing::writeText(path, "00112233 44556677\n8899AABB CCDDEEFF\n", 0644);
  auto refused = FileMasterKey::load(path);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, ErrorCode::Forbidden);
  EXPECT_NE(refused.error().message.find("chmod 600"), std::string::npos);

  ASSERT_EQ(::chmod(path.c_str(), 0600), 0);
  auto master = FileMasterKey::load(path);
  ASSERT_TRUE(master.ok()) << master.error().message;
  EXPECT_EQ(master->describe().find("00112233"), std::string::npos);  // never the key
  const Bytes kdd = hex("0000 0102030405060708");
  auto enc = master->diversify(0x01, kdd);
  auto expected =
      scp03::diversifyKdf3(hex("00112233445566778899AABBCCDDEEFF"), scp03::KeyType::Enc, kdd);
  ASSERT_TRUE(enc.ok());
  ASSERT_TRUE(expected.ok());
  EXPECT_EQ(*enc, *expected);

  testing::writeText(path, "not hex", 0600);
  EXPECT_FALSE(FileMasterKey::load(path).ok());
  testing::writeText(path, "0011", 0600);
  EXPECT_FALSE(FileMasterKey::load(path).ok());
}

TEST(Sod, StructureAsOpenSslSeesIt) {
  TempDir dir;
  auto pki = TestPki::create(dir);
  auto signer = PemFileSigner::load(pki.dsKeyPath, pki.dsCertPath);
  ASSERT_TRUE(signer.ok());
  auto sod = buildSod(sampleObject(), *signer, {});
  ASSERT_TRUE(sod.ok()) << sod.error().message;
  auto cms = parseSod(*sod);
  ASSERT_TRUE(cms);

  EXPECT_EQ(OBJ_obj2nid(CMS_get0_type(cms.get())), NID_pkcs7_signed);
  char oid[64];
  OBJ_obj2txt(oid, sizeof oid, CMS_get0_eContentType(cms.get()), 1);
  EXPECT_STREQ(oid, "2.23.136.1.1.1");

  // The eContent is our LDSSecurityObject, byte for byte.
  ASN1_OCTET_STRING** content = CMS_get0_content(cms.get());
  ASSERT_NE(content, nullptr);
  ASSERT_NE(*content, nullptr);
  auto der = lds::encodeSecurityObject(sampleObject());
  ASSERT_TRUE(der.ok());
  EXPECT_EQ(Bytes(ASN1_STRING_get0_data(*content),
                  ASN1_STRING_get0_data(*content) + ASN1_STRING_length(*content)),
            *der);

  // One signer: SHA-256, ECDSA, the DS certificate included, and the signed
  // attributes contentType, messageDigest, signingTime.
  STACK_OF(CMS_SignerInfo)* infos = CMS_get0_SignerInfos(cms.get());
  ASSERT_EQ(sk_CMS_SignerInfo_num(infos), 1);
  CMS_SignerInfo* si = sk_CMS_SignerInfo_value(infos, 0);
  X509_ALGOR *digest = nullptr, *signature = nullptr;
  CMS_SignerInfo_get0_algs(si, nullptr, nullptr, &digest, &signature);
  const ASN1_OBJECT* digestOid = nullptr;
  X509_ALGOR_get0(&digestOid, nullptr, nullptr, digest);
  EXPECT_EQ(OBJ_obj2nid(digestOid), NID_sha256);
  const ASN1_OBJECT* sigOid = nullptr;
  X509_ALGOR_get0(&sigOid, nullptr, nullptr, signature);
  EXPECT_EQ(OBJ_obj2nid(sigOid), NID_ecdsa_with_SHA256);
  EXPECT_GE(CMS_signed_get_attr_by_NID(si, NID_pkcs9_contentType, -1), 0);
  EXPECT_GE(CMS_signed_get_attr_by_NID(si, NID_pkcs9_messageDigest, -1), 0);
  EXPECT_GE(CMS_signed_get_attr_by_NID(si, NID_pkcs9_signingTime, -1), 0);
  EXPECT_LT(CMS_signed_get_attr_by_NID(si, NID_SMIMECapabilities, -1), 0);

  STACK_OF(X509)* certs = CMS_get1_certs(cms.get());
  ASSERT_NE(certs, nullptr);
  ASSERT_EQ(sk_X509_num(certs), 1);
  EXPECT_EQ(X509_cmp(sk_X509_value(certs, 0), pki.ds.get()), 0);
  sk_X509_pop_free(certs, X509_free);

  // The signature verifies against the CSCA (OpenSSL directly).
  StorePtr store(X509_STORE_new());
  X509_STORE_add_cert(store.get(), pki.csca.get());
  X509_STORE_set_purpose(store.get(), X509_PURPOSE_ANY);
  EXPECT_EQ(CMS_verify(cms.get(), nullptr, store.get(), nullptr, nullptr, CMS_BINARY), 1);
}

TEST(Sod, VerifyRoundTripAndFailures) {
  TempDir dir;
  auto pki = TestPki::create(dir);
  auto signer = PemFileSigner::load(pki.dsKeyPath, pki.dsCertPath);
  ASSERT_TRUE(signer.ok());
  auto anchors = TrustAnchors::load(pki.cscaPath);
  ASSERT_TRUE(anchors.ok());
  auto sod = buildSod(sampleObject(), *signer, {});
  ASSERT_TRUE(sod.ok());

  auto verified = verifySod(*sod, *anchors);
  ASSERT_TRUE(verified.ok()) << verified.error().message;
  EXPECT_EQ(verified->object, sampleObject());
  EXPECT_NE(verified->signerSubject.find("Test Document Signer"), std::string::npos);

  // A flipped bit in the signed content: the message digest no longer matches.
  auto der = lds::encodeSecurityObject(sampleObject());
  Bytes tampered = *sod;
  auto at = std::search(tampered.begin(), tampered.end(), der->begin(), der->end());
  ASSERT_NE(at, tampered.end());
  at[der->size() - 1] ^= 0x01;
  auto bad = verifySod(tampered, *anchors);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, ErrorCode::IntegrityCheckFailed);

  // Another country's CSCA: the chain does not verify.
  auto foreign = TestPki::create(dir, false, "foreign-");
  auto foreignAnchors = TrustAnchors::load(foreign.cscaPath);
  ASSERT_TRUE(foreignAnchors.ok());
  auto unchained = verifySod(*sod, *foreignAnchors);
  ASSERT_FALSE(unchained.ok());
  EXPECT_EQ(unchained.error().code, ErrorCode::IntegrityCheckFailed);

  // Not a SOD at all.
  EXPECT_FALSE(verifySod(hex("77 03 010203"), *anchors).ok());
  EXPECT_FALSE(verifySod(hex("61 00"), *anchors).ok());
}

TEST(Sod, OneBuilderSignsManySodsEachWithItsOwnHashes) {
  // SodBuilder keeps the CMS template and the signing context between SODs:
  // every SOD it builds must verify and carry its own data-group hashes.
  TempDir dir;
  auto pki = TestPki::create(dir);
  auto signer = PemFileSigner::load(pki.dsKeyPath, pki.dsCertPath);
  ASSERT_TRUE(signer.ok());
  auto anchors = TrustAnchors::load(pki.cscaPath);
  ASSERT_TRUE(anchors.ok());
  auto builder = SodBuilder::create(*signer, {});
  ASSERT_TRUE(builder.ok()) << builder.error().message;
  std::vector<Bytes> sods;
  for (std::uint8_t card = 1; card <= 3; ++card) {
    lds::LdsSecurityObject object;
    object.hashes = {{1, Bytes(32, card)}, {2, Bytes(32, static_cast<std::uint8_t>(card + 0x40))}};
    auto sod = builder->build(object);
    ASSERT_TRUE(sod.ok()) << sod.error().message;
    auto verified = verifySod(*sod, *anchors);
    ASSERT_TRUE(verified.ok()) << "card " << int(card) << ": " << verified.error().message;
    EXPECT_EQ(verified->object, object) << "card " << int(card);
    sods.push_back(*sod);
  }
  EXPECT_NE(sods[0], sods[1]);
  EXPECT_NE(sods[1], sods[2]);
}

TEST(Sod, RsaPssSignature) {
  TempDir dir;
  auto pki = TestPki::create(dir, true);
  auto signer = PemFileSigner::load(pki.dsKeyPath, pki.dsCertPath);
  ASSERT_TRUE(signer.ok());
  SodOptions options;
  options.scheme = SignatureScheme::RsaPss;
  auto sod = buildSod(sampleObject(), *signer, options);
  ASSERT_TRUE(sod.ok()) << sod.error().message;
  auto cms = parseSod(*sod);
  CMS_SignerInfo* si = sk_CMS_SignerInfo_value(CMS_get0_SignerInfos(cms.get()), 0);
  X509_ALGOR* signature = nullptr;
  CMS_SignerInfo_get0_algs(si, nullptr, nullptr, nullptr, &signature);
  const ASN1_OBJECT* sigOid = nullptr;
  X509_ALGOR_get0(&sigOid, nullptr, nullptr, signature);
  EXPECT_EQ(OBJ_obj2nid(sigOid), NID_rsassaPss);
  auto anchors = TrustAnchors::load(pki.cscaPath);
  ASSERT_TRUE(anchors.ok());
  EXPECT_TRUE(verifySod(*sod, *anchors).ok());

  // ECDSA asked of an RSA key: refused with a clear reason.
  auto mismatch = buildSod(sampleObject(), *signer, {});
  ASSERT_FALSE(mismatch.ok());
  EXPECT_NE(mismatch.error().message.find("not an EC key"), std::string::npos);
}

}  // namespace
}  // namespace cardd::applets::signing
