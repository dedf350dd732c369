#include "sod.hpp"

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/rsa.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <limits>
#include <mutex>
#include <optional>
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

/* DER pieces: tag, minimal definite length, contents. */
constexpr std::uint8_t kSequence = 0x30;
constexpr std::uint8_t kSet = 0x31;
constexpr std::uint8_t kContext0 = 0xA0;
constexpr std::uint8_t kOctetString = 0x04;
constexpr std::uint8_t kUtcTime = 0x17;
constexpr std::uint8_t kGeneralizedTime = 0x18;
/* 06 09 1.2.840.113549.1.7.2 (id-signedData) */
constexpr std::uint8_t kSignedDataOid[] = {0x06, 0x09, 0x2A, 0x86, 0x48, 0x86,
                                           0xF7, 0x0D, 0x01, 0x07, 0x02};
/* INTEGER 3 (SignedData: eContentType is not id-data), INTEGER 1
   (SignerInfo: issuerAndSerialNumber). */
constexpr std::uint8_t kVersion3[] = {0x02, 0x01, 0x03};
constexpr std::uint8_t kVersion1[] = {0x02, 0x01, 0x01};

std::size_t lengthSize(std::size_t n) {
  if (n < 0x80) return 1;
  std::size_t bytes = 0;
  for (std::size_t v = n; v != 0; v >>= 8) ++bytes;
  return 1 + bytes;
}

std::size_t tlvSize(std::size_t n) {
  return 1 + lengthSize(n) + n;
}

void putHeader(Bytes& out, std::uint8_t tag, std::size_t n) {
  out.push_back(tag);
  if (n < 0x80) {
    out.push_back(static_cast<std::uint8_t>(n));
    return;
  }
  const std::size_t bytes = lengthSize(n) - 1;
  out.push_back(static_cast<std::uint8_t>(0x80 | bytes));
  for (std::size_t i = bytes; i-- > 0;) out.push_back(static_cast<std::uint8_t>(n >> (8 * i)));
}

void putBytes(Bytes& out, ByteView bytes) {
  out.insert(out.end(), bytes.begin(), bytes.end());
}

/* `tag L contents`. */
Bytes wrapped(std::uint8_t tag, ByteView contents) {
  Bytes out;
  out.reserve(tlvSize(contents.size()));
  putHeader(out, tag, contents.size());
  putBytes(out, contents);
  return out;
}

/* The DER of an OpenSSL object through its i2d function. */
template <typename T>
Result<Bytes> derOf(int (*i2d)(const T*, unsigned char**), const T* object, const char* what) {
  const int size = object != nullptr ? i2d(object, nullptr) : -1;
  if (size <= 0) return sslError(ErrorCode::Internal, std::string("cannot encode ") + what);
  Bytes out(static_cast<std::size_t>(size));
  unsigned char* p = out.data();
  if (i2d(object, &p) != size) {
    return sslError(ErrorCode::Internal, std::string("cannot encode ") + what);
  }
  return out;
}

Result<Bytes> oidDer(int nid) {
  return derOf(i2d_ASN1_OBJECT, static_cast<const ASN1_OBJECT*>(OBJ_nid2obj(nid)), "an OID");
}

/* X.690 11.6: SET OF elements in ascending order of their encodings, a
   shorter one compared as if padded with zero octets. */
bool derSetOfLess(ByteView a, ByteView b) {
  const std::size_t n = std::min(a.size(), b.size());
  if (const int c = std::memcmp(a.data(), b.data(), n); c != 0) return c < 0;
  if (a.size() >= b.size()) return false;
  return std::any_of(b.begin() + static_cast<std::ptrdiff_t>(n), b.end(),
                     [](std::uint8_t x) { return x != 0; });
}

/* An ASN1_TIME as seconds since the epoch (UTC). */
bool toEpoch(const ASN1_TIME* t, std::time_t& out) {
  std::tm tm{};
  if (t == nullptr || ASN1_TIME_to_tm(t, &tm) != 1) return false;
  out = timegm(&tm);
  return out != static_cast<std::time_t>(-1);
}

struct StoreCtxDeleter {
  void operator()(X509_STORE_CTX* ctx) const { X509_STORE_CTX_free(ctx); }
};

/* The window in which every certificate of a verified chain is valid. */
struct ChainWindow {
  std::time_t from = 0;
  std::time_t until = 0;
};

/* X509_verify_cert of `ds` against `store` (the CSCAs), the SOD's other
   certificates as possible intermediates, any purpose. */
Result<ChainWindow> buildChain(X509_STORE* store, X509* ds, STACK_OF(X509) * untrusted) {
  std::unique_ptr<X509_STORE_CTX, StoreCtxDeleter> ctx(X509_STORE_CTX_new());
  if (!ctx || X509_STORE_CTX_init(ctx.get(), store, ds, untrusted) != 1) {
    return sslError(ErrorCode::Internal, "cannot start the certificate chain check");
  }
  X509_STORE_CTX_set_purpose(ctx.get(), X509_PURPOSE_ANY);
  if (X509_verify_cert(ctx.get()) != 1) {
    const int err = X509_STORE_CTX_get_error(ctx.get());
    return Error{ErrorCode::IntegrityCheckFailed,
                 std::string("SOD: the document-signer certificate does not chain to the CSCA (") +
                     X509_verify_cert_error_string(err) + ")"};
  }
  ChainWindow window;
  window.until = std::numeric_limits<std::time_t>::max();
  window.from = std::numeric_limits<std::time_t>::min();
  STACK_OF(X509)* chain = X509_STORE_CTX_get0_chain(ctx.get());
  for (int i = 0; chain != nullptr && i < sk_X509_num(chain); ++i) {
    X509* cert = sk_X509_value(chain, i);
    std::time_t from = 0, until = 0;
    if (!toEpoch(X509_get0_notBefore(cert), from) || !toEpoch(X509_get0_notAfter(cert), until)) {
      return Error{ErrorCode::InvalidArgument,
                   "SOD: a certificate of the chain has an unreadable validity period"};
    }
    window.from = std::max(window.from, from);
    window.until = std::min(window.until, until);
  }
  return window;
}

StorePtr storeOf(const std::vector<X509Ptr>& anchors) {
  StorePtr store(X509_STORE_new());
  if (!store) return store;
  for (const auto& cert : anchors) X509_STORE_add_cert(store.get(), cert.get());
  X509_STORE_set_purpose(store.get(), X509_PURPOSE_ANY);
  return store;
}

}  // namespace

/* The document-signer certificates that chained to the anchors, with the
   window in which their whole chain is valid (see verifySod()). */
class VerifiedChains {
 public:
  explicit VerifiedChains(const std::vector<X509Ptr>& anchors) : store_(storeOf(anchors)) {}

  /* The remembered certificate whose DER is exactly `der`, if its chain's
     validity window holds now; null otherwise. */
  X509Ptr find(ByteView der) {
    const std::time_t now = std::time(nullptr);
    std::lock_guard lock(mutex_);
    for (const auto& entry : entries_) {
      if (entry.der.size() == der.size() && std::equal(der.begin(), der.end(), entry.der.begin()) &&
          entry.window.from <= now && now <= entry.window.until) {
        X509_up_ref(entry.cert.get());
        return X509Ptr(entry.cert.get());
      }
    }
    return nullptr;
  }

  /* Ok when `ds` chains to the anchors: remembered, or built now (and then
     remembered). */
  Status check(X509* ds, STACK_OF(X509) * untrusted) {
    auto der = derOf(i2d_X509, static_cast<const X509*>(ds), "the document-signer certificate");
    if (!der) return std::move(der).error();
    if (find(*der)) return Ok{};
    std::lock_guard lock(mutex_);
    if (!store_) return sslError(ErrorCode::Internal, "cannot hold the CSCA certificates");
    auto window = buildChain(store_.get(), ds, untrusted);
    if (!window) return std::move(window).error();
    std::erase_if(entries_, [&](const Entry& e) { return e.der == *der; });
    /* A station has one or a few document signers; keep the latest few. */
    if (entries_.size() >= kMaxEntries) entries_.erase(entries_.begin());
    X509_up_ref(ds);
    entries_.push_back({std::move(der).value(), X509Ptr(ds), *window});
    return Ok{};
  }

 private:
  static constexpr std::size_t kMaxEntries = 8;
  struct Entry {
    Bytes der;
    X509Ptr cert;  // parsed once, with its public key
    ChainWindow window;
  };
  std::mutex mutex_;
  StorePtr store_;
  std::vector<Entry> entries_;
};

namespace {

/* One DER TLV at the start of `in` (single-octet tags, definite lengths up
   to four octets): its tag, header size and content size, or nullopt. */
struct DerItem {
  std::uint8_t tag = 0;
  std::size_t header = 0;
  std::size_t length = 0;
  std::size_t size() const { return header + length; }
};

std::optional<DerItem> derItem(ByteView in) {
  if (in.size() < 2 || (in[0] & 0x1F) == 0x1F) return std::nullopt;
  DerItem item;
  item.tag = in[0];
  if (in[1] < 0x80) {
    item.header = 2;
    item.length = in[1];
  } else {
    const std::size_t n = in[1] & 0x7F;
    if (n == 0 || n > 4 || in.size() < 2 + n) return std::nullopt;
    for (std::size_t i = 0; i < n; ++i) item.length = (item.length << 8) | in[2 + i];
    item.header = 2 + n;
  }
  if (item.length > in.size() - item.header) return std::nullopt;
  return item;
}

/* The SignedData ContentInfo `der` split around its certificates field
   ([0] IMPLICIT SET OF Certificate): the field's contents, and the same
   ContentInfo re-encoded without the field. nullopt when `der` is not
   shaped like that (the caller then parses it whole). */
struct WithoutCertificates {
  ByteView certificates;
  Bytes rest;
};

std::optional<WithoutCertificates> splitCertificates(ByteView der) {
  auto ci = derItem(der);
  if (!ci || ci->tag != kSequence || ci->size() != der.size()) return std::nullopt;
  ByteView body = der.subspan(ci->header, ci->length);
  auto oid = derItem(body);
  if (!oid || oid->tag != 0x06) return std::nullopt;
  const ByteView oidDer = body.subspan(0, oid->size());
  auto explicitTag = derItem(body.subspan(oid->size()));
  if (!explicitTag || explicitTag->tag != kContext0 ||
      oid->size() + explicitTag->size() != body.size()) {
    return std::nullopt;
  }
  const ByteView sdDer = body.subspan(oid->size() + explicitTag->header, explicitTag->length);
  auto sd = derItem(sdDer);
  if (!sd || sd->tag != kSequence || sd->size() != sdDer.size()) return std::nullopt;
  const ByteView fields = sdDer.subspan(sd->header, sd->length);
  std::size_t at = 0, certsAt = 0;
  std::optional<DerItem> certs;
  while (at < fields.size()) {
    auto field = derItem(fields.subspan(at));
    if (!field) return std::nullopt;
    if (field->tag == kContext0) {
      if (certs) return std::nullopt;
      certs = field;
      certsAt = at;
    }
    at += field->size();
  }
  if (!certs) return std::nullopt;
  WithoutCertificates out;
  out.certificates = fields.subspan(certsAt + certs->header, certs->length);
  const std::size_t sdLength = fields.size() - certs->size();
  const std::size_t ciLength = oidDer.size() + tlvSize(tlvSize(sdLength));
  out.rest.reserve(tlvSize(ciLength));
  putHeader(out.rest, kSequence, ciLength);
  putBytes(out.rest, oidDer);
  putHeader(out.rest, kContext0, tlvSize(sdLength));
  putHeader(out.rest, kSequence, sdLength);
  putBytes(out.rest, fields.subspan(0, certsAt));
  putBytes(out.rest, fields.subspan(certsAt + certs->size()));
  return out;
}

CmsPtr parseContentInfo(ByteView der) {
  const unsigned char* p = der.data();
  CmsPtr cms(d2i_CMS_ContentInfo(nullptr, &p, static_cast<long>(der.size())));
  if (cms && p != der.data() + der.size()) cms.reset();
  return cms;
}

}  // namespace

/* The direct DER encoder of the SignedData (sod.hpp): the constant pieces
   encoded once, the per-SOD pieces spliced around them. */
struct SodBuilder::DirectEncoder {
  struct PkeyCtxDeleter {
    void operator()(EVP_PKEY_CTX* ctx) const { EVP_PKEY_CTX_free(ctx); }
  };

  Bytes signedDataHead;      // version 3, SET { digestAlgorithm }
  Bytes eContentType;        // OID 2.23.136.1.1.1
  Bytes certificates;        // [0] { DS certificate }
  Bytes signerInfoHead;      // version 1, issuerAndSerialNumber, digestAlgorithm
  Bytes signatureAlgorithm;  // ecdsa-with-SHAxxx, parameters absent
  Bytes contentTypeAttr;     // Attribute contentType { eContentType }
  Bytes messageDigestHead;   // Attribute messageDigest up to the digest bytes
  Bytes signingTimeOid;
  std::size_t digestSize = 0;
  std::size_t maxSignature = 0;
  std::unique_ptr<EVP_MD_CTX, MdDeleter> mdCtx;
  std::unique_ptr<EVP_PKEY_CTX, PkeyCtxDeleter> pkeyCtx;
  std::time_t timeOfAttr = -1;  // the second signingTimeAttr encodes
  Bytes signingTimeAttr;
  Bytes attrs;  // scratch: SET OF the signed attributes

  std::string keyName;  // the signer's describe(), for errors

  static Result<std::unique_ptr<DirectEncoder>> create(const Signer& signer, const EVP_MD* md);
  Result<Bytes> build(const Bytes& content);

 private:
  Status refreshSigningTime();
};

Result<std::unique_ptr<SodBuilder::DirectEncoder>> SodBuilder::DirectEncoder::create(
    const Signer& signer, const EVP_MD* md) {
  auto e = std::make_unique<DirectEncoder>();
  X509* cert = signer.certificate();
  EVP_PKEY* key = signer.privateKey();

  /* The algorithm identifiers as the CMS API writes them: the digest with
     X509_ALGOR_set_md (SHA-2: parameters absent), the signature as the
     ecdsa-with-<digest> OID without parameters. */
  std::unique_ptr<X509_ALGOR, decltype(&X509_ALGOR_free)> alg(X509_ALGOR_new(), &X509_ALGOR_free);
  if (!alg) return sslError(ErrorCode::Internal, "out of memory");
  X509_ALGOR_set_md(alg.get(), md);
  auto digestAlg =
      derOf(i2d_X509_ALGOR, static_cast<const X509_ALGOR*>(alg.get()), "the digest algorithm");
  if (!digestAlg) return std::move(digestAlg).error();
  int sigNid = NID_undef;
  if (OBJ_find_sigid_by_algs(&sigNid, EVP_MD_get_type(md), EVP_PKEY_EC) != 1) {
    return Error{ErrorCode::InvalidArgument, "SOD: no ECDSA signature algorithm for the digest"};
  }
  std::unique_ptr<X509_ALGOR, decltype(&X509_ALGOR_free)> sigAlg(X509_ALGOR_new(),
                                                                 &X509_ALGOR_free);
  if (!sigAlg || X509_ALGOR_set0(sigAlg.get(), OBJ_nid2obj(sigNid), V_ASN1_UNDEF, nullptr) != 1) {
    return sslError(ErrorCode::Internal, "cannot set the signature algorithm");
  }
  auto signatureAlg = derOf(i2d_X509_ALGOR, static_cast<const X509_ALGOR*>(sigAlg.get()),
                            "the signature algorithm");
  if (!signatureAlg) return std::move(signatureAlg).error();
  e->signatureAlgorithm = std::move(signatureAlg).value();

  e->signedDataHead.assign(std::begin(kVersion3), std::end(kVersion3));
  putBytes(e->signedDataHead, wrapped(kSet, *digestAlg));

  std::unique_ptr<ASN1_OBJECT, OpenSslDeleter> lds(OBJ_txt2obj(kLdsSecurityObjectOid, 1));
  auto ldsOid = derOf(i2d_ASN1_OBJECT, static_cast<const ASN1_OBJECT*>(lds.get()), "an OID");
  if (!ldsOid) return std::move(ldsOid).error();
  e->eContentType = std::move(ldsOid).value();

  auto certDer = derOf(i2d_X509, static_cast<const X509*>(cert), "the DS certificate");
  if (!certDer) return std::move(certDer).error();
  e->certificates = wrapped(kContext0, *certDer);

  /* SignerIdentifier: issuerAndSerialNumber of the DS certificate. */
  auto issuer = derOf(i2d_X509_NAME, static_cast<const X509_NAME*>(X509_get_issuer_name(cert)),
                      "the DS certificate's issuer");
  auto serial = derOf(i2d_ASN1_INTEGER, X509_get0_serialNumber(cert), "the DS certificate serial");
  if (!issuer) return std::move(issuer).error();
  if (!serial) return std::move(serial).error();
  Bytes sid = *issuer;
  putBytes(sid, *serial);
  e->signerInfoHead.assign(std::begin(kVersion1), std::end(kVersion1));
  putBytes(e->signerInfoHead, wrapped(kSequence, sid));
  putBytes(e->signerInfoHead, *digestAlg);

  /* The constant attribute and the constant head of messageDigest. */
  auto contentTypeOid = oidDer(NID_pkcs9_contentType);
  auto messageDigestOid = oidDer(NID_pkcs9_messageDigest);
  auto signingTimeOid = oidDer(NID_pkcs9_signingTime);
  if (!contentTypeOid || !messageDigestOid || !signingTimeOid) {
    return sslError(ErrorCode::Internal, "cannot encode the attribute OIDs");
  }
  Bytes attr = *contentTypeOid;
  putBytes(attr, wrapped(kSet, e->eContentType));
  e->contentTypeAttr = wrapped(kSequence, attr);
  e->digestSize = static_cast<std::size_t>(EVP_MD_get_size(md));
  const std::size_t valueSize = tlvSize(e->digestSize);
  putHeader(e->messageDigestHead, kSequence, messageDigestOid->size() + tlvSize(valueSize));
  putBytes(e->messageDigestHead, *messageDigestOid);
  putHeader(e->messageDigestHead, kSet, valueSize);
  putHeader(e->messageDigestHead, kOctetString, e->digestSize);
  e->signingTimeOid = std::move(signingTimeOid).value();

  /* One digest context and one signing context, reused for every SOD. */
  e->mdCtx.reset(EVP_MD_CTX_new());
  e->pkeyCtx.reset(EVP_PKEY_CTX_new_from_pkey(nullptr, key, nullptr));
  if (!e->mdCtx || !e->pkeyCtx || EVP_DigestInit_ex2(e->mdCtx.get(), md, nullptr) != 1 ||
      EVP_PKEY_sign_init(e->pkeyCtx.get()) != 1 ||
      EVP_PKEY_CTX_set_signature_md(e->pkeyCtx.get(), md) != 1) {
    return sslError(ErrorCode::Internal, "cannot start signing with the key " + signer.describe());
  }
  e->keyName = signer.describe();
  e->maxSignature = static_cast<std::size_t>(EVP_PKEY_get_size(key));
  if (e->maxSignature == 0) return sslError(ErrorCode::Internal, "the key has no signature size");
  return e;
}

Status SodBuilder::DirectEncoder::refreshSigningTime() {
  /* signingTime as CMS writes it (X509_gmtime_adj): UTCTime for 1950-2049,
     GeneralizedTime otherwise; re-encoded when the second changes. */
  const std::time_t now = std::time(nullptr);
  if (now == timeOfAttr) return Ok{};
  std::tm tm{};
  if (gmtime_r(&now, &tm) == nullptr) {
    return Error{ErrorCode::Internal, "SOD: cannot read the clock for signingTime"};
  }
  const int year = tm.tm_year + 1900;
  char text[20];
  const bool utc = year >= 1950 && year < 2050;
  const int n = utc ? std::snprintf(text, sizeof text, "%02d%02d%02d%02d%02d%02dZ", year % 100,
                                    tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec)
                    : std::snprintf(text, sizeof text, "%04d%02d%02d%02d%02d%02dZ", year,
                                    tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
  if (n <= 0 || static_cast<std::size_t>(n) >= sizeof text) {
    return Error{ErrorCode::Internal, "SOD: cannot encode signingTime"};
  }
  const ByteView value(reinterpret_cast<const std::uint8_t*>(text), static_cast<std::size_t>(n));
  const std::size_t timeSize = tlvSize(value.size());
  signingTimeAttr.clear();
  putHeader(signingTimeAttr, kSequence, signingTimeOid.size() + tlvSize(timeSize));
  putBytes(signingTimeAttr, signingTimeOid);
  putHeader(signingTimeAttr, kSet, timeSize);
  putHeader(signingTimeAttr, utc ? kUtcTime : kGeneralizedTime, value.size());
  putBytes(signingTimeAttr, value);
  timeOfAttr = now;
  return Ok{};
}

Result<Bytes> SodBuilder::DirectEncoder::build(const Bytes& content) {
  /* messageDigest: the digest of the eContent. */
  std::uint8_t digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  if (EVP_DigestInit_ex2(mdCtx.get(), nullptr, nullptr) != 1 ||
      EVP_DigestUpdate(mdCtx.get(), content.data(), content.size()) != 1 ||
      EVP_DigestFinal_ex(mdCtx.get(), digest, &size) != 1 || size != digestSize) {
    return sslError(ErrorCode::Internal, "hashing the security object failed");
  }
  auto st = refreshSigningTime();
  if (!st) return std::move(st).error();
  Bytes messageDigestAttr = messageDigestHead;
  messageDigestAttr.insert(messageDigestAttr.end(), digest, digest + size);

  /* The signed attributes as a DER SET OF: sorted by their encodings (for
     these three, always contentType, signingTime, messageDigest, since
     their lengths differ in the second octet). */
  ByteView sorted[3] = {contentTypeAttr, signingTimeAttr, messageDigestAttr};
  std::sort(std::begin(sorted), std::end(sorted), derSetOfLess);
  std::size_t attrsSize = 0;
  for (const auto& a : sorted) attrsSize += a.size();
  attrs.clear();
  putHeader(attrs, kSet, attrsSize);
  for (const auto& a : sorted) putBytes(attrs, a);

  /* The signature: the digest of the SET's DER, signed with the reused
     context (ECDSA-Sig-Value, DER). */
  std::uint8_t attrsDigest[EVP_MAX_MD_SIZE];
  unsigned int attrsDigestSize = 0;
  if (EVP_DigestInit_ex2(mdCtx.get(), nullptr, nullptr) != 1 ||
      EVP_DigestUpdate(mdCtx.get(), attrs.data(), attrs.size()) != 1 ||
      EVP_DigestFinal_ex(mdCtx.get(), attrsDigest, &attrsDigestSize) != 1) {
    return sslError(ErrorCode::Internal, "hashing the signed attributes failed");
  }
  std::uint8_t signature[256];
  std::size_t signatureSize = std::min(maxSignature, sizeof signature);
  if (EVP_PKEY_sign(pkeyCtx.get(), signature, &signatureSize, attrsDigest, attrsDigestSize) != 1) {
    return sslError(ErrorCode::Internal, "signing failed with the key " + keyName);
  }

  /* Lengths inside out, then one buffer written front to back:
     77 L ContentInfo { OID signedData, [0] SignedData { version,
     digestAlgorithms, encapContentInfo { eContentType, [0] OCTET STRING },
     [0] certificates, SET { SignerInfo { version, sid, digestAlgorithm,
     [0] signedAttrs, signatureAlgorithm, OCTET STRING } } } }. */
  const std::size_t signerInfo =
      signerInfoHead.size() + attrs.size() + signatureAlgorithm.size() + tlvSize(signatureSize);
  const std::size_t signerInfos = tlvSize(signerInfo);
  const std::size_t octets = tlvSize(content.size());
  const std::size_t encap = eContentType.size() + tlvSize(octets);
  const std::size_t signedData =
      signedDataHead.size() + tlvSize(encap) + certificates.size() + tlvSize(signerInfos);
  const std::size_t contentInfo = sizeof kSignedDataOid + tlvSize(tlvSize(signedData));

  Bytes sod;
  sod.reserve(tlvSize(tlvSize(contentInfo)));
  auto tag = tlv::appendTag(sod, lds::tag::kSod);
  if (tag) tag = tlv::appendLength(sod, tlvSize(contentInfo));
  if (!tag) return std::move(tag).error();
  putHeader(sod, kSequence, contentInfo);
  putBytes(sod, kSignedDataOid);
  putHeader(sod, kContext0, tlvSize(signedData));
  putHeader(sod, kSequence, signedData);
  putBytes(sod, signedDataHead);
  putHeader(sod, kSequence, encap);
  putBytes(sod, eContentType);
  putHeader(sod, kContext0, octets);
  putHeader(sod, kOctetString, content.size());
  putBytes(sod, content);
  putBytes(sod, certificates);
  putHeader(sod, kSet, signerInfos);
  putHeader(sod, kSequence, signerInfo);
  putBytes(sod, signerInfoHead);
  sod.push_back(kContext0);  // signedAttrs: [0] IMPLICIT, the SET's length and contents
  sod.insert(sod.end(), attrs.begin() + 1, attrs.end());
  putBytes(sod, signatureAlgorithm);
  putHeader(sod, kOctetString, signatureSize);
  sod.insert(sod.end(), signature, signature + signatureSize);
  return sod;
}

SodBuilder::SodBuilder(const Signer& signer, const SodOptions& options)
    : signer_(&signer), options_(options) {}
SodBuilder::SodBuilder(SodBuilder&&) noexcept = default;
SodBuilder& SodBuilder::operator=(SodBuilder&&) noexcept = default;
SodBuilder::~SodBuilder() = default;

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
  /* ECDSA with a key in a provider: the direct encoder. */
  if (options.scheme == SignatureScheme::Ecdsa && options.encoder == SodEncoder::Auto &&
      EVP_PKEY_get0_provider(key) != nullptr) {
    auto direct = DirectEncoder::create(signer, builder.md_.get());
    if (!direct) return std::move(direct).error();
    builder.direct_ = std::move(direct).value();
  }
  return builder;
}

Result<Bytes> SodBuilder::build(const lds::LdsSecurityObject& object) {
  auto content = lds::encodeSecurityObject(object);
  if (!content) return std::move(content).error();
  if (direct_) return direct_->build(*content);
  return signOnce(*content);
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
  anchors.chains = std::make_shared<VerifiedChains>(anchors.certificates);
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

  /* When the SOD carries exactly a document-signer certificate whose chain
     is remembered (byte for byte, inside its validity window), parse the
     SOD without it and use the remembered parsed certificate: decoding a
     certificate's public key is most of the cost of parsing a SOD. */
  CmsPtr cms;
  X509Ptr remembered;
  if (anchors.chains) {
    auto split = splitCertificates(der);
    if (split) remembered = anchors.chains->find(split->certificates);
    if (remembered) {
      cms = parseContentInfo(split->rest);
      if (!cms) remembered.reset();
    }
  }
  if (!remembered) {
    cms = parseContentInfo(der);
    if (!cms) {
      return sslError(ErrorCode::InvalidArgument, "EF.SOD does not hold a DER CMS ContentInfo");
    }
  }
  if (OBJ_obj2nid(CMS_get0_type(cms.get())) != NID_pkcs7_signed) {
    return Error{ErrorCode::InvalidArgument, "SOD: the ContentInfo is not SignedData"};
  }
  const ASN1_OBJECT* eContentType = CMS_get0_eContentType(cms.get());
  char oid[64];
  OBJ_obj2txt(oid, sizeof oid, eContentType, 1);
  if (std::string(oid) != kLdsSecurityObjectOid) {
    return Error{ErrorCode::InvalidArgument,
                 std::string("SOD: the eContentType is ") + oid + ", not the LDS security object"};
  }
  STACK_OF(CMS_SignerInfo)* signers = CMS_get0_SignerInfos(cms.get());
  if (signers == nullptr || sk_CMS_SignerInfo_num(signers) != 1) {
    return Error{ErrorCode::InvalidArgument, "SOD: SignedData must have exactly one signer"};
  }
  CMS_SignerInfo* si = sk_CMS_SignerInfo_value(signers, 0);
  ASN1_OCTET_STRING** econtentField = CMS_get0_content(cms.get());
  if (econtentField == nullptr || *econtentField == nullptr) {
    return Error{ErrorCode::InvalidArgument, "SOD: SignedData carries no eContent"};
  }
  const ByteView econtent(ASN1_STRING_get0_data(*econtentField),
                          static_cast<std::size_t>(ASN1_STRING_length(*econtentField)));

  /* Signed attributes (ICAO 9303 requires them): contentType equal to the
     eContentType, and messageDigest equal to the digest of the eContent. */
  if (CMS_signed_get_attr_count(si) <= 0) {
    return Error{ErrorCode::InvalidArgument, "SOD: the SignerInfo has no signed attributes"};
  }
  const auto* contentType = static_cast<const ASN1_OBJECT*>(
      CMS_signed_get0_data_by_OBJ(si, OBJ_nid2obj(NID_pkcs9_contentType), -3, V_ASN1_OBJECT));
  if (contentType == nullptr || OBJ_cmp(contentType, eContentType) != 0) {
    return Error{ErrorCode::IntegrityCheckFailed,
                 "SOD: the signed contentType attribute is missing or differs from the "
                 "eContentType"};
  }
  const auto* messageDigest = static_cast<const ASN1_OCTET_STRING*>(CMS_signed_get0_data_by_OBJ(
      si, OBJ_nid2obj(NID_pkcs9_messageDigest), -3, V_ASN1_OCTET_STRING));
  if (messageDigest == nullptr) {
    return Error{ErrorCode::InvalidArgument, "SOD: the signed messageDigest attribute is missing"};
  }
  X509_ALGOR* digestAlg = nullptr;
  CMS_SignerInfo_get0_algs(si, nullptr, nullptr, &digestAlg, nullptr);
  const ASN1_OBJECT* digestOid = nullptr;
  if (digestAlg != nullptr) X509_ALGOR_get0(&digestOid, nullptr, nullptr, digestAlg);
  const EVP_MD* md = digestOid != nullptr ? EVP_get_digestbyobj(digestOid) : nullptr;
  if (md == nullptr) {
    return Error{ErrorCode::InvalidArgument, "SOD: the SignerInfo's digest algorithm is unknown"};
  }
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int digestSize = 0;
  if (EVP_Digest(econtent.data(), econtent.size(), digest, &digestSize, md, nullptr) != 1) {
    return sslError(ErrorCode::Internal, "hashing the eContent failed");
  }
  if (static_cast<unsigned int>(ASN1_STRING_length(messageDigest)) != digestSize ||
      CRYPTO_memcmp(ASN1_STRING_get0_data(messageDigest), digest, digestSize) != 0) {
    return Error{ErrorCode::IntegrityCheckFailed,
                 "SOD: the messageDigest does not match the security object (the content was "
                 "changed after signing)"};
  }

  /* The document-signer certificate the SignerInfo names (the remembered
     one, or found among the SOD's certificates); the signature over the
     signed attributes with its key. */
  X509* ds = remembered.get();
  if (ds != nullptr) {
    if (CMS_SignerInfo_cert_cmp(si, ds) != 0) {
      return Error{ErrorCode::InvalidArgument,
                   "SOD: the SignerInfo does not name the included document-signer certificate"};
    }
    CMS_SignerInfo_set1_signer_cert(si, ds);
  } else {
    if (CMS_set1_signers_certs(cms.get(), nullptr, 0) <= 0) {
      return sslError(ErrorCode::InvalidArgument,
                      "the document-signer certificate is not included in EF.SOD");
    }
    CMS_SignerInfo_get0_algs(si, nullptr, &ds, nullptr, nullptr);
    if (ds == nullptr) {
      return Error{ErrorCode::InvalidArgument,
                   "SOD: the document-signer certificate is not included in EF.SOD"};
    }
  }
  if (CMS_SignerInfo_verify(si) != 1) {
    return sslError(ErrorCode::IntegrityCheckFailed,
                    "the signature over the signed attributes does not verify");
  }

  /* The chain to the CSCA: remembered (above), or built now. */
  if (!remembered) {
    std::unique_ptr<STACK_OF(X509), OpenSslDeleter> included(CMS_get1_certs(cms.get()));
    if (anchors.chains) {
      auto st = anchors.chains->check(ds, included.get());
      if (!st) return std::move(st).error();
    } else {
      StorePtr store = storeOf(anchors.certificates);
      if (!store) return sslError(ErrorCode::Internal, "cannot hold the CSCA certificates");
      auto window = buildChain(store.get(), ds, included.get());
      if (!window) return std::move(window).error();
    }
  }

  auto object = lds::decodeSecurityObject(econtent);
  if (!object) return std::move(object).error();
  return VerifiedSod{std::move(object).value(), subjectOf(ds)};
}

}  // namespace cardd::applets::signing
