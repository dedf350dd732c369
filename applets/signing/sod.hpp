#pragma once
// EF.SOD, the Document Security Object (ICAO Doc 9303 part 10 §4.6.2 and
// part 12): `77 L` around a CMS ContentInfo of type SignedData whose
// encapsulated content is the LDSSecurityObject (eContentType
// 2.23.136.1.1.1), signed by the document signer with signed attributes
// contentType, messageDigest and signingTime, the document-signer
// certificate included. Built by a direct DER encoder (ECDSA, the common
// case) or OpenSSL's CMS API; parsed and checked with OpenSSL's CMS API.
//
// Threading: buildSod() and SodBuilder use the signer (see signer.hpp);
// verifySod() is thread-safe. Errors never contain data-group content.

#include <memory>
#include <string>
#include <vector>

#include "common/bytes.hpp"
#include "core/result.hpp"
#include "lds/security_object.hpp"
#include "openssl_util.hpp"
#include "signer.hpp"

namespace cardd::applets::signing {

inline constexpr const char* kLdsSecurityObjectOid = "2.23.136.1.1.1";

enum class SignatureScheme {
  Ecdsa,   // ECDSA with the digest (P-256 keys by default)
  RsaPss,  // RSASSA-PSS, salt = digest length
  RsaPkcs1,
};

// How SodBuilder produces the DER (the SOD structure is the same either way).
enum class SodEncoder {
  Auto,    // the direct DER encoder where it applies (ECDSA, key in a provider)
  CmsApi,  // always OpenSSL's CMS API (tests and the bench compare the two)
};

struct SodOptions {
  lds::HashAlgorithm digest = lds::HashAlgorithm::Sha256;
  SignatureScheme scheme = SignatureScheme::Ecdsa;
  SodEncoder encoder = SodEncoder::Auto;
};

// The hash of one data group's file content.
Result<Bytes> hashBytes(lds::HashAlgorithm alg, ByteView data);

// Builds EF.SOD again and again for one document signer and one set of
// options (a station signs thousands with the same key). Two ways, the
// same SignedData structure (version 3; digestAlgorithms; eContentType
// 2.23.136.1.1.1 with the LDSSecurityObject as eContent; the DS certificate;
// one SignerInfo v1 with issuerAndSerialNumber and the signed attributes
// contentType, signingTime, messageDigest as a DER SET):
//  - direct (ECDSA with a key in an OpenSSL provider, i.e. a PEM key): create()
//    encodes the constant DER once (version, digestAlgorithms, certificate,
//    sid, algorithm identifiers, the contentType attribute) and initialises
//    one EVP_PKEY_CTX; build() encodes the eContent, hashes it, encodes the
//    signed attributes in DER order, signs their digest with EVP_PKEY_sign
//    on the reused context and splices the pieces into one buffer.
//  - CMS API (RSA, keys outside OpenSSL's providers such as PKCS#11 engine
//    keys, and SodEncoder::CmsApi): CMS_sign, CMS_add1_signer and CMS_final
//    for every SOD (CMS_final also writes the RSA-PSS parameters and the
//    SignedData version). About half the direct encoder's rate.
//
// Ownership: the CMS API path borrows the signer, which must then outlive
// the builder; a direct() builder uses the signer only in create() (it holds
// its own reference to the key and a copy of the certificate). Threading:
// one build() at a time (it reuses contexts and buffers; see signer.hpp).
// Movable.
class SodBuilder {
 public:
  // Errors: InvalidArgument (the signer's key does not suit `scheme`),
  // Internal (OpenSSL failed; its reason is in the message).
  static Result<SodBuilder> create(const Signer& signer, const SodOptions& options);

  SodBuilder(SodBuilder&&) noexcept;
  SodBuilder& operator=(SodBuilder&&) noexcept;
  ~SodBuilder();

  // EF.SOD bytes. Errors: Internal (OpenSSL failed, e.g. the token refused
  // to sign; the message names the key).
  Result<Bytes> build(const lds::LdsSecurityObject& object);

  // Whether build() uses the direct DER encoder (for tests and the bench).
  bool direct() const { return direct_ != nullptr; }

 private:
  struct MdDeleter {
    void operator()(EVP_MD* md) const { EVP_MD_free(md); }
    void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }
  };
  struct DirectEncoder;  // sod.cpp
  SodBuilder(const Signer& signer, const SodOptions& options);
  Result<Bytes> signOnce(const Bytes& content) const;
  static Result<Bytes> encodeSod(CMS_ContentInfo* cms);

  const Signer* signer_;
  SodOptions options_;
  std::unique_ptr<EVP_MD, MdDeleter> md_;
  std::unique_ptr<DirectEncoder> direct_;  // null: the CMS API
};

// One EF.SOD: SodBuilder::create(signer, options) then build(object).
// Errors: those of create() and build().
Result<Bytes> buildSod(const lds::LdsSecurityObject& object, const Signer& signer,
                       const SodOptions& options);

// Document-signer certificates already chained to the anchors (sod.cpp).
class VerifiedChains;

// The trust anchors a SOD must chain to (country signing CA certificates).
// `certificates` must not change after load(): `chains` remembers which
// document-signer certificates chain to them (see verifySod()).
struct TrustAnchors {
  std::vector<X509Ptr> certificates;
  std::shared_ptr<VerifiedChains> chains;  // set by load(); null: no memory
  // Loads every certificate of a PEM file.
  static Result<TrustAnchors> load(const std::string& pemPath);
};

struct VerifiedSod {
  lds::LdsSecurityObject object;
  std::string signerSubject;  // the document signer's subject (no personal data)
};

// Parses EF.SOD and checks, for every call:
//  - `77 L` around one DER CMS ContentInfo of type SignedData, nothing after;
//  - eContentType 2.23.136.1.1.1, exactly one SignerInfo, signed attributes
//    present, the contentType attribute equal to the eContentType;
//  - the document-signer certificate named by the SignerInfo is included;
//  - messageDigest equals the digest (the SignerInfo's algorithm) of the
//    eContent;
//  - the signature over the DER of the signed attributes verifies with the
//    document-signer certificate's public key (CMS_SignerInfo_verify);
//  - the document-signer certificate chains to one of `anchors` (any key
//    usage / purpose, as `openssl cms -verify -purpose any`; the other
//    certificates of the SOD may serve as intermediates).
// The chain is built with X509_verify_cert the first time a certificate is
// seen; `anchors.chains` then remembers the certificate's DER and the window
// in which every certificate of its chain is valid, and later SODs with the
// byte-identical certificate inside that window skip the chain building (the
// result would be the same: no CRLs, fixed anchors). Outside the window, or
// for any other certificate, the chain is built again.
// Then decodes the LDSSecurityObject. Errors: InvalidArgument (malformed),
// IntegrityCheckFailed (signature, digest or chain does not verify), each
// naming the reason. Thread-safe (the memory is locked).
Result<VerifiedSod> verifySod(ByteView efSod, const TrustAnchors& anchors);

}  // namespace cardd::applets::signing
