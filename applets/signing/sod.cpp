#include "sod.hpp"

#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/rsa.h>

#include <utility>

#include "key_files.hpp"
#include "lds/data_groups.hpp"
#include "tlv/header.hpp"

namespace cardd::applets::signing {
namespace {

const EVP_MD* digestFor(lds::HashAlgorithm alg) {
  switch (alg) {
    case lds::HashAlgorithm::Sha256:
      return EVP_sha256();
    case lds::HashAlgorithm::Sha384:
      return EVP_sha384();
    case lds::HashAlgorithm::Sha512:
      return EVP_sha512();
  }
  return EVP_sha256();
}

Error sslError(ErrorCode code, const std::string& what) {
  return Error{code, "SOD: " + what + " (" + takeOpenSslError() + ")"};
}

std::string subjectOf(X509* cert) {
  char buf[256];
  X509_NAME_oneline(X509_get_subject_name(cert), buf, sizeof buf);
  return buf;
}

}  // namespace

Result<Bytes> hashBytes(lds::HashAlgorithm alg, ByteView data) {
  Bytes out(EVP_MAX_MD_SIZE);
  unsigned int size = 0;
  if (EVP_Digest(data.data(), data.size(), out.data(), &size, digestFor(alg), nullptr) != 1) {
    return sslError(ErrorCode::Internal, "hashing failed");
  }
  out.resize(size);
  return out;
}

Result<SodBuilder> SodBuilder::create(const Signer& signer, const SodOptions& options) {
  /* The scheme must suit the key: catching it here gives a clear message
     instead of an OpenSSL error from deep inside CMS. */
  EVP_PKEY* key = signer.privateKey();
  const bool isEc = EVP_PKEY_is_a(key, "EC") == 1;
  const bool isRsa = EVP_PKEY_is_a(key, "RSA") == 1 || EVP_PKEY_is_a(key, "RSA-PSS") == 1;
  if (options.scheme == SignatureScheme::Ecdsa && !isEc) {
    return Error{ErrorCode::InvalidArgument,
                 "SOD: the profile asks for ECDSA but the document-signer key is not an EC key"};
  }
  if (options.scheme != SignatureScheme::Ecdsa && !isRsa) {
    return Error{ErrorCode::InvalidArgument,
                 "SOD: the profile asks for RSA but the document-signer key is not an RSA key"};
  }
  SodBuilder builder(signer, options);
  /* The digest is fetched once from the default library context, not by
     name inside every CMS call. */
  builder.md_.reset(EVP_MD_fetch(nullptr, EVP_MD_get0_name(digestFor(options.digest)), nullptr));
  if (!builder.md_) return sslError(ErrorCode::Internal, "cannot fetch the digest");
  /* The signing context, initialised once and copied for every SOD, for
     keys in a provider and a scheme without per-signature parameters. */
  if (options.scheme != SignatureScheme::RsaPss && EVP_PKEY_get0_provider(key) != nullptr) {
    builder.signCtx_.reset(EVP_MD_CTX_new());
    if (!builder.signCtx_ ||
        EVP_DigestSignInit_ex(builder.signCtx_.get(), nullptr, EVP_MD_get0_name(builder.md_.get()),
                              nullptr, nullptr, key, nullptr) != 1) {
      return sslError(ErrorCode::Internal,
                      "cannot start signing with the key " + signer.describe());
    }
    /* Each copy signs once: finalise in place instead of on a duplicate. */
    EVP_MD_CTX_set_flags(builder.signCtx_.get(), EVP_MD_CTX_FLAG_FINALISE);
  }
  if (builder.signCtx_) {
    auto st = builder.prepare();
    if (!st) return std::move(st).error();
  }
  return builder;
}

Status SodBuilder::prepare() {
  /* SignedData with the LDS eContentType, one signer, DS certificate
     included, no S/MIME capabilities; left partial, signed in build(). */
  constexpr unsigned kFlags = CMS_BINARY | CMS_PARTIAL | CMS_NOSMIMECAP;
  si_ = nullptr;
  used_ = false;
  cms_.reset(CMS_sign(nullptr, nullptr, nullptr, nullptr, kFlags));
  if (!cms_) return sslError(ErrorCode::Internal, "cannot create SignedData");
  std::unique_ptr<ASN1_OBJECT, OpenSslDeleter> oid(OBJ_txt2obj(kLdsSecurityObjectOid, 1));
  if (!oid || CMS_set1_eContentType(cms_.get(), oid.get()) != 1) {
    return sslError(ErrorCode::Internal, "cannot set the LDS eContentType");
  }
  si_ =
      CMS_add1_signer(cms_.get(), signer_->certificate(), signer_->privateKey(), md_.get(), kFlags);
  if (si_ == nullptr) return sslError(ErrorCode::Internal, "cannot add the document signer");
  /* The signed contentType attribute never changes: added once. */
  if (CMS_signed_add1_attr_by_NID(si_, NID_pkcs9_contentType, V_ASN1_OBJECT, oid.get(), -1) != 1) {
    return sslError(ErrorCode::Internal, "cannot add the contentType attribute");
  }
  /* A fresh eContent (CMS_sign marks its own as "to be streamed"). */
  ASN1_OCTET_STRING** econtent = CMS_get0_content(cms_.get());
  if (econtent == nullptr) return sslError(ErrorCode::Internal, "SignedData has no eContent");
  ASN1_OCTET_STRING_free(*econtent);
  *econtent = ASN1_OCTET_STRING_new();
  if (*econtent == nullptr) return sslError(ErrorCode::Internal, "out of memory");
  return Ok{};
}

Result<Bytes> SodBuilder::build(const lds::LdsSecurityObject& object) {
  auto content = lds::encodeSecurityObject(object);
  if (!content) return std::move(content).error();
  if (!signCtx_) return signOnce(*content);
  if (si_ == nullptr) {
    auto st = prepare();
    if (!st) return std::move(st).error();
  }

  /* The per-document parts: eContent, messageDigest, signingTime (added
     again by CMS_SignerInfo_sign when absent), then the signature over the
     signed attributes. */
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int digestSize = 0;
  if (EVP_Digest(content->data(), content->size(), digest, &digestSize, md_.get(), nullptr) != 1) {
    return sslError(ErrorCode::Internal, "hashing the security object failed");
  }
  ASN1_OCTET_STRING* econtent = *CMS_get0_content(cms_.get());
  if (ASN1_OCTET_STRING_set(econtent, content->data(), static_cast<int>(content->size())) != 1) {
    return sslError(ErrorCode::Internal, "cannot set the eContent");
  }
  for (const int nid : {NID_pkcs9_messageDigest, NID_pkcs9_signingTime}) {
    for (int at = CMS_signed_get_attr_by_NID(si_, nid, -1); at >= 0;
         at = CMS_signed_get_attr_by_NID(si_, nid, -1)) {
      X509_ATTRIBUTE_free(CMS_signed_delete_attr(si_, at));
    }
  }
  if (CMS_signed_add1_attr_by_NID(si_, NID_pkcs9_messageDigest, V_ASN1_OCTET_STRING, digest,
                                  static_cast<int>(digestSize)) != 1) {
    return sslError(ErrorCode::Internal, "cannot add the messageDigest attribute");
  }
  /* Once the SignerInfo holds a key context (after its first signature),
     CMS_SignerInfo_sign uses the digest context as it finds it: a copy of
     the one initialised in create(), so no algorithm fetch per SOD. */
  if (used_ && CMS_SignerInfo_get0_pkey_ctx(si_) != nullptr &&
      EVP_MD_CTX_copy_ex(CMS_SignerInfo_get0_md_ctx(si_), signCtx_.get()) != 1) {
    si_ = nullptr;
    return sslError(ErrorCode::Internal, "cannot copy the signing context");
  }
  used_ = true;
  if (CMS_SignerInfo_sign(si_) != 1) {
    si_ = nullptr;  // rebuilt on the next call
    return sslError(ErrorCode::Internal, "signing failed with the key " + signer_->describe());
  }

  return encodeSod(cms_.get());
}

Result<Bytes> SodBuilder::signOnce(const Bytes& content) const {
  /* The whole SignedData in one go, signed in CMS_final (which also sets
     the RSA-PSS parameters of the signature algorithm). */
  constexpr unsigned kFlags = CMS_BINARY | CMS_PARTIAL | CMS_NOSMIMECAP;
  CmsPtr cms(CMS_sign(nullptr, nullptr, nullptr, nullptr, kFlags));
  if (!cms) return sslError(ErrorCode::Internal, "cannot create SignedData");
  std::unique_ptr<ASN1_OBJECT, OpenSslDeleter> oid(OBJ_txt2obj(kLdsSecurityObjectOid, 1));
  if (!oid || CMS_set1_eContentType(cms.get(), oid.get()) != 1) {
    return sslError(ErrorCode::Internal, "cannot set the LDS eContentType");
  }
  const unsigned signerFlags =
      kFlags | (options_.scheme == SignatureScheme::RsaPss ? CMS_KEY_PARAM : 0u);
  CMS_SignerInfo* si = CMS_add1_signer(cms.get(), signer_->certificate(), signer_->privateKey(),
                                       md_.get(), signerFlags);
  if (si == nullptr) return sslError(ErrorCode::Internal, "cannot add the document signer");
  if (options_.scheme == SignatureScheme::RsaPss) {
    EVP_PKEY_CTX* pctx = CMS_SignerInfo_get0_pkey_ctx(si);
    if (pctx == nullptr || EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) <= 0 ||
        EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) <= 0) {
      return sslError(ErrorCode::Internal, "cannot select RSA-PSS");
    }
  }
  BioPtr in(BIO_new_mem_buf(content.data(), static_cast<int>(content.size())));
  if (CMS_final(cms.get(), in.get(), nullptr, CMS_BINARY) != 1) {
    return sslError(ErrorCode::Internal, "signing failed with the key " + signer_->describe());
  }
  return encodeSod(cms.get());
}

Result<Bytes> SodBuilder::encodeSod(CMS_ContentInfo* cms) {
  /* 77 L, then the ContentInfo encoded straight behind the header. */
  const int size = i2d_CMS_ContentInfo(cms, nullptr);
  if (size <= 0) return sslError(ErrorCode::Internal, "cannot encode SignedData");
  Bytes sod;
  sod.reserve(static_cast<std::size_t>(size) + 8);
  auto st = tlv::appendTag(sod, lds::tag::kSod);
  if (st) st = tlv::appendLength(sod, static_cast<std::size_t>(size));
  if (!st) return std::move(st).error();
  const std::size_t header = sod.size();
  sod.resize(header + static_cast<std::size_t>(size));
  unsigned char* p = sod.data() + header;
  if (i2d_CMS_ContentInfo(cms, &p) != size) {
    return sslError(ErrorCode::Internal, "cannot encode SignedData");
  }
  return sod;
}

Result<Bytes> buildSod(const lds::LdsSecurityObject& object, const Signer& signer,
                       const SodOptions& options) {
  auto builder = SodBuilder::create(signer, options);
  if (!builder) return std::move(builder).error();
  return builder->build(object);
}

Result<TrustAnchors> TrustAnchors::load(const std::string& pemPath) {
  auto certs = loadCertificates(pemPath);
  if (!certs) return std::move(certs).error();
  TrustAnchors anchors;
  anchors.certificates = std::move(certs).value();
  return anchors;
}

Result<VerifiedSod> verifySod(ByteView efSod, const TrustAnchors& anchors) {
  /* 77 L ContentInfo, nothing after it. */
  auto header = tlv::decodeHeader(efSod);
  if (!header || header->tag != lds::tag::kSod ||
      header->headerSize + header->length != efSod.size()) {
    return Error{ErrorCode::InvalidArgument, "SOD: EF.SOD is not one data object with tag 77"};
  }
  const ByteView der = efSod.subspan(header->headerSize);
  const unsigned char* p = der.data();
  CmsPtr cms(d2i_CMS_ContentInfo(nullptr, &p, static_cast<long>(der.size())));
  if (!cms || p != der.data() + der.size()) {
    return sslError(ErrorCode::InvalidArgument, "EF.SOD does not hold a DER CMS ContentInfo");
  }
  if (OBJ_obj2nid(CMS_get0_type(cms.get())) != NID_pkcs7_signed) {
    return Error{ErrorCode::InvalidArgument, "SOD: the ContentInfo is not SignedData"};
  }
  char oid[64];
  OBJ_obj2txt(oid, sizeof oid, CMS_get0_eContentType(cms.get()), 1);
  if (std::string(oid) != kLdsSecurityObjectOid) {
    return Error{ErrorCode::InvalidArgument,
                 std::string("SOD: the eContentType is ") + oid + ", not the LDS security object"};
  }
  STACK_OF(CMS_SignerInfo)* signers = CMS_get0_SignerInfos(cms.get());
  if (signers == nullptr || sk_CMS_SignerInfo_num(signers) != 1) {
    return Error{ErrorCode::InvalidArgument, "SOD: SignedData must have exactly one signer"};
  }

  /* Signature and chain: the DS certificate comes from the SOD itself, the
     CSCA from the anchors; any purpose, as ICAO DS certificates carry no
     S/MIME key usage. */
  StorePtr store(X509_STORE_new());
  for (const auto& cert : anchors.certificates) X509_STORE_add_cert(store.get(), cert.get());
  X509_STORE_set_purpose(store.get(), X509_PURPOSE_ANY);
  BioPtr out(BIO_new(BIO_s_mem()));
  if (CMS_verify(cms.get(), nullptr, store.get(), nullptr, out.get(), CMS_BINARY) != 1) {
    return sslError(ErrorCode::IntegrityCheckFailed,
                    "the signature or the certificate chain to the CSCA does not verify");
  }
  STACK_OF(X509)* signerCerts = CMS_get0_signers(cms.get());
  std::string subject = (signerCerts != nullptr && sk_X509_num(signerCerts) > 0)
                            ? subjectOf(sk_X509_value(signerCerts, 0))
                            : std::string();
  sk_X509_free(signerCerts);

  char* data = nullptr;
  const long size = BIO_get_mem_data(out.get(), &data);
  const ByteView econtent(reinterpret_cast<const std::uint8_t*>(data),
                          static_cast<std::size_t>(size));
  auto object = lds::decodeSecurityObject(econtent);
  if (!object) return std::move(object).error();
  return VerifiedSod{std::move(object).value(), std::move(subject)};
}

}  // namespace cardd::applets::signing
