// cardd_signing in-process: PEM key permission checks, the SCP03 master key
// file, and EF.SOD built by SodBuilder (direct DER encoder and CMS API),
// then taken apart again with OpenSSL (eContentType, digest algorithm,
// signer certificate, signed attributes, signature) and by verifySod().
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

/* The DER inside `77 L`. */
Bytes derOfSod(const Bytes& sod) {
  auto header = tlv::decodeHeader(sod);
  EXPECT_TRUE(header.ok());
  return Bytes(sod.begin() + static_cast<std::ptrdiff_t>(header->headerSize), sod.end());
}

Bytes encode(CMS_ContentInfo* cms) {
  const int size = i2d_CMS_ContentInfo(cms, nullptr);
  EXPECT_GT(size, 0);
  Bytes out(static_cast<std::size_t>(std::max(size, 0)));
  unsigned char* p = out.data();
  i2d_CMS_ContentInfo(cms, &p);
  return out;
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

/* The direct DER encoder against OpenSSL's CMS API: for the same security
   object, with the CMS API's SOD given the direct SOD's signingTime and
   signature value, OpenSSL encodes exactly the direct SOD's DER. So every
   other byte (version, algorithms, eContent, certificate, sid, the signed
   attributes and their DER order) is what the CMS API writes. */
TEST(Sod, DirectEncoderWritesWhatTheCmsApiWrites) {
  TempDir dir;
  auto pki = TestPki::create(dir);
  auto signer = PemFileSigner::load(pki.dsKeyPath, pki.dsCertPath);
  ASSERT_TRUE(signer.ok());
  auto anchors = TrustAnchors::load(pki.cscaPath);
  ASSERT_TRUE(anchors.ok());
  for (const auto digest :
       {lds::HashAlgorithm::Sha256, lds::HashAlgorithm::Sha384, lds::HashAlgorithm::Sha512}) {
    SCOPED_TRACE(std::string(lds::hashAlgorithmName(digest)));
    SodOptions options;
    options.digest = digest;
    auto object = sampleObject();
    object.algorithm = digest;
    for (auto& h : object.hashes) h.hash.resize(lds::hashSize(digest), 0x5A);
    auto direct = SodBuilder::create(*signer, options);
    options.encoder = SodEncoder::CmsApi;
    auto viaCms = SodBuilder::create(*signer, options);
    ASSERT_TRUE(direct.ok()) << direct.error().message;
    ASSERT_TRUE(viaCms.ok()) << viaCms.error().message;
    EXPECT_TRUE(direct->direct());
    EXPECT_FALSE(viaCms->direct());
    auto fast = direct->build(object);
    auto reference = viaCms->build(object);
    ASSERT_TRUE(fast.ok()) << fast.error().message;
    ASSERT_TRUE(reference.ok()) << reference.error().message;

    // Both verify (verifySod, and CMS_verify with the CSCA).
    for (const Bytes* sod : {&*fast, &*reference}) {
      auto verified = verifySod(*sod, *anchors);
      ASSERT_TRUE(verified.ok()) << verified.error().message;
      EXPECT_EQ(verified->object, object);
      auto cms = parseSod(*sod);
      ASSERT_TRUE(cms);
      StorePtr store(X509_STORE_new());
      X509_STORE_add_cert(store.get(), pki.csca.get());
      X509_STORE_set_purpose(store.get(), X509_PURPOSE_ANY);
      EXPECT_EQ(CMS_verify(cms.get(), nullptr, store.get(), nullptr, nullptr, CMS_BINARY), 1);
    }

    // The direct DER is canonical: OpenSSL re-encodes it byte for byte
    // (it sorts SET OF when encoding, so the attribute order is DER's).
    auto fastCms = parseSod(*fast);
    ASSERT_TRUE(fastCms);
    EXPECT_EQ(encode(fastCms.get()), derOfSod(*fast));
    CMS_SignerInfo* fastSi = sk_CMS_SignerInfo_value(CMS_get0_SignerInfos(fastCms.get()), 0);
    ASSERT_EQ(CMS_signed_get_attr_count(fastSi), 3);
    EXPECT_EQ(OBJ_obj2nid(X509_ATTRIBUTE_get0_object(CMS_signed_get_attr(fastSi, 0))),
              NID_pkcs9_contentType);
    EXPECT_EQ(OBJ_obj2nid(X509_ATTRIBUTE_get0_object(CMS_signed_get_attr(fastSi, 1))),
              NID_pkcs9_signingTime);
    EXPECT_EQ(OBJ_obj2nid(X509_ATTRIBUTE_get0_object(CMS_signed_get_attr(fastSi, 2))),
              NID_pkcs9_messageDigest);

    // The CMS API's SOD with the direct one's signingTime and signature.
    auto refCms = parseSod(*reference);
    ASSERT_TRUE(refCms);
    CMS_SignerInfo* refSi = sk_CMS_SignerInfo_value(CMS_get0_SignerInfos(refCms.get()), 0);
    const int refTime = CMS_signed_get_attr_by_NID(refSi, NID_pkcs9_signingTime, -1);
    ASSERT_GE(refTime, 0);
    X509_ATTRIBUTE_free(CMS_signed_delete_attr(refSi, refTime));
    const int fastTime = CMS_signed_get_attr_by_NID(fastSi, NID_pkcs9_signingTime, -1);
    ASSERT_GE(fastTime, 0);
    ASSERT_EQ(CMS_signed_add1_attr(refSi, CMS_signed_get_attr(fastSi, fastTime)), 1);
    const ASN1_OCTET_STRING* fastSig = CMS_SignerInfo_get0_signature(fastSi);
    ASSERT_EQ(ASN1_STRING_set(CMS_SignerInfo_get0_signature(refSi), ASN1_STRING_get0_data(fastSig),
                              ASN1_STRING_length(fastSig)),
              1);
    EXPECT_EQ(toHex(encode(refCms.get())), toHex(derOfSod(*fast)));
    EXPECT_EQ((*fast)[0], 0x77);
  }
}

/* Any change to a signed or certified byte of a direct SOD is caught: the
   security object, a signed attribute, the signature, the DS certificate. */
TEST(Sod, DirectSodWithATamperedByteFailsVerification) {
  TempDir dir;
  auto pki = TestPki::create(dir);
  auto signer = PemFileSigner::load(pki.dsKeyPath, pki.dsCertPath);
  ASSERT_TRUE(signer.ok());
  auto anchors = TrustAnchors::load(pki.cscaPath);
  ASSERT_TRUE(anchors.ok());
  auto builder = SodBuilder::create(*signer, {});
  ASSERT_TRUE(builder.ok());
  ASSERT_TRUE(builder->direct());
  auto sod = builder->build(sampleObject());
  ASSERT_TRUE(sod.ok()) << sod.error().message;
  ASSERT_TRUE(verifySod(*sod, *anchors).ok());  // also remembers the DS chain

  auto find = [&](const Bytes& needle) {
    auto at = std::search(sod->begin(), sod->end(), needle.begin(), needle.end());
    EXPECT_NE(at, sod->end());
    return static_cast<std::size_t>(at - sod->begin());
  };
  auto lds = lds::encodeSecurityObject(sampleObject());
  ASSERT_TRUE(lds.ok());
  int dsSize = i2d_X509(pki.ds.get(), nullptr);
  Bytes dsDer(static_cast<std::size_t>(dsSize));
  unsigned char* p = dsDer.data();
  i2d_X509(pki.ds.get(), &p);
  const std::size_t dsAt = find(dsDer);
  const Bytes signingTimeOid = hex("06092A864886F70D010905");
  const struct {
    const char* what;
    std::size_t at;
  } cases[] = {
      {"a data-group hash in the eContent", find(*lds) + lds->size() - 1},
      {"the signingTime attribute", find(signingTimeOid) + signingTimeOid.size() + 4},
      {"the contentType attribute", find(hex("06092A864886F70D010903")) + 13},
      {"the signature value", sod->size() - 1},
      {"the DS certificate's public key", dsAt + static_cast<std::size_t>(dsSize) - 100},
      {"the DS certificate's issuer signature", dsAt + static_cast<std::size_t>(dsSize) - 1},
  };
  // With the DS chain remembered (the SOD parsed without its certificate
  // when that is byte-identical) and with anchors that remember nothing.
  TrustAnchors plain;
  plain.certificates.push_back(X509Ptr(X509_dup(pki.csca.get())));
  for (const auto& c : cases) {
    SCOPED_TRACE(c.what);
    Bytes tampered = *sod;
    ASSERT_LT(c.at, tampered.size());
    tampered[c.at] ^= 0x01;
    EXPECT_FALSE(verifySod(tampered, *anchors).ok());
    EXPECT_FALSE(verifySod(tampered, plain).ok());
  }
  EXPECT_TRUE(verifySod(*sod, *anchors).ok());
  EXPECT_TRUE(verifySod(*sod, plain).ok());
}

/* The chains remembered by TrustAnchors hold for that DS certificate only:
   a SOD from another CSCA's signer still fails after a good one, and
   anchors without the memory (chains == nullptr) check the same. */
TEST(Sod, RememberedChainCoversOnlyThatCertificate) {
  TempDir dir;
  auto pki = TestPki::create(dir);
  auto foreign = TestPki::create(dir, false, "foreign-");
  auto signer = PemFileSigner::load(pki.dsKeyPath, pki.dsCertPath);
  auto foreignSigner = PemFileSigner::load(foreign.dsKeyPath, foreign.dsCertPath);
  ASSERT_TRUE(signer.ok());
  ASSERT_TRUE(foreignSigner.ok());
  auto anchors = TrustAnchors::load(pki.cscaPath);
  ASSERT_TRUE(anchors.ok());
  ASSERT_NE(anchors->chains, nullptr);
  auto good = buildSod(sampleObject(), *signer, {});
  auto bad = buildSod(sampleObject(), *foreignSigner, {});
  ASSERT_TRUE(good.ok());
  ASSERT_TRUE(bad.ok());
  for (int i = 0; i < 2; ++i) {
    EXPECT_TRUE(verifySod(*good, *anchors).ok());
    auto refused = verifySod(*bad, *anchors);
    ASSERT_FALSE(refused.ok());
    EXPECT_EQ(refused.error().code, ErrorCode::IntegrityCheckFailed);
    EXPECT_NE(refused.error().message.find("chain"), std::string::npos) << refused.error().message;
  }
  TrustAnchors plain;
  plain.certificates.push_back(X509Ptr(X509_dup(pki.csca.get())));
  EXPECT_TRUE(verifySod(*good, plain).ok());
  EXPECT_FALSE(verifySod(*bad, plain).ok());

  // The remembered certificate with a signature by another key (a signer
  // whose key is not the certificate's): the signature check still fails.
  class MismatchedSigner final : public Signer {
   public:
    MismatchedSigner(EVP_PKEY* key, X509* cert) : key_(key), cert_(cert) {}
    EVP_PKEY* privateKey() const override { return key_; }
    X509* certificate() const override { return cert_; }
    std::string describe() const override { return "test:mismatched"; }

   private:
    EVP_PKEY* key_;
    X509* cert_;
  };
  MismatchedSigner forger(foreign.dsKey.get(), pki.ds.get());
  auto forged = buildSod(sampleObject(), forger, {});
  ASSERT_TRUE(forged.ok()) << forged.error().message;
  auto refused = verifySod(*forged, *anchors);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, ErrorCode::IntegrityCheckFailed);
  EXPECT_NE(refused.error().message.find("signature"), std::string::npos)
      << refused.error().message;
  EXPECT_FALSE(verifySod(*forged, plain).ok());
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
