#pragma once
// EF.SOD, the Document Security Object (ICAO Doc 9303 part 10 §4.6.2 and
// part 12): `77 L` around a CMS ContentInfo of type SignedData whose
// encapsulated content is the LDSSecurityObject (eContentType
// 2.23.136.1.1.1), signed by the document signer with signed attributes
// contentType, messageDigest and signingTime, the document-signer
// certificate included. Built and checked with OpenSSL's CMS API.
//
// Threading: buildSod() uses the signer (see signer.hpp); verifySod() is
// thread-safe. Errors never contain data-group content.

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

// EF.SOD bytes. Errors: InvalidArgument (the signer's key does not suit
// `scheme`), Internal (OpenSSL failed; its reason is in the message).
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
