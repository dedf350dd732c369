#pragma once
// EF.SOD, the Document Security Object (ICAO Doc 9303 part 10 §4.6.2 and
// part 12): `77 L` around a CMS ContentInfo of type SignedData whose
// encapsulated content is the LDSSecurityObject (eContentType
// 2.23.136.1.1.1), signed by the document signer with signed attributes
// contentType, messageDigest and signingTime, the document-signer
// certificate included. Built and checked with OpenSSL's CMS API.
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

struct SodOptions {
  lds::HashAlgorithm digest = lds::HashAlgorithm::Sha256;
  SignatureScheme scheme = SignatureScheme::Ecdsa;
};

// The hash of one data group's file content.
Result<Bytes> hashBytes(lds::HashAlgorithm alg, ByteView data);

// Builds EF.SOD again and again for one document signer and one set of
// options (a station signs thousands with the same key). create() checks the
// key against the scheme, fetches the digest once and prepares the CMS
// SignedData as a template (CMS_sign + CMS_add1_signer with CMS_PARTIAL:
// eContentType, DS certificate, SignerIdentifier, algorithm identifiers);
// build() only replaces the eContent and the messageDigest and signingTime
// attributes, re-signs the SignerInfo (CMS_SignerInfo_sign, its signing
// context copied from one initialised once) and encodes it. The structure is
// the one a fresh CMS_final gives. RSA-PSS (its parameters live in a
// per-signature key context and are written by CMS_final) and keys outside
// OpenSSL's providers (PKCS#11 engine keys) take the plain path instead:
// CMS_sign, CMS_add1_signer and CMS_final for every SOD (slower).
//
// Ownership: borrows the signer, which must outlive the builder. Threading:
// one build() at a time (it mutates the template; see signer.hpp). Movable.
class SodBuilder {
 public:
  // Errors: InvalidArgument (the signer's key does not suit `scheme`),
  // Internal (OpenSSL failed; its reason is in the message).
  static Result<SodBuilder> create(const Signer& signer, const SodOptions& options);

  // EF.SOD bytes. Errors: Internal (OpenSSL failed, e.g. the token refused
  // to sign; the message names the key).
  Result<Bytes> build(const lds::LdsSecurityObject& object);

 private:
  struct MdDeleter {
    void operator()(EVP_MD* md) const { EVP_MD_free(md); }
    void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }
  };
  SodBuilder(const Signer& signer, const SodOptions& options)
      : signer_(&signer), options_(options) {}
  Status prepare();
  Result<Bytes> signOnce(const Bytes& content) const;
  static Result<Bytes> encodeSod(CMS_ContentInfo* cms);

  const Signer* signer_;
  SodOptions options_;
  std::unique_ptr<EVP_MD, MdDeleter> md_;
  std::unique_ptr<EVP_MD_CTX, MdDeleter> signCtx_;  // initialised once; null: no reuse
  CmsPtr cms_;
  CMS_SignerInfo* si_ = nullptr;  // owned by cms_; null: prepare() again
  bool used_ = false;             // the template has been signed once
};

// One EF.SOD: SodBuilder::create(signer, options) then build(object).
// Errors: those of create() and build().
Result<Bytes> buildSod(const lds::LdsSecurityObject& object, const Signer& signer,
                       const SodOptions& options);

// The trust anchors a SOD must chain to (country signing CA certificates).
struct TrustAnchors {
  std::vector<X509Ptr> certificates;
  // Loads every certificate of a PEM file.
  static Result<TrustAnchors> load(const std::string& pemPath);
};

struct VerifiedSod {
  lds::LdsSecurityObject object;
  std::string signerSubject;  // the document signer's subject (no personal data)
};

// Parses EF.SOD, checks eContentType, verifies the signature and that the
// included document-signer certificate chains to one of `anchors` (any key
// usage / purpose, as `openssl cms -verify -purpose any`), then decodes the
// LDSSecurityObject. Errors: InvalidArgument (malformed), IntegrityCheckFailed
// (signature or chain does not verify), each naming the reason.
Result<VerifiedSod> verifySod(ByteView efSod, const TrustAnchors& anchors);

}  // namespace cardd::applets::signing
