#pragma once
// Small helpers for the OpenSSL C API inside cardd_signing: owning pointers
// and the text of OpenSSL's error queue for Error messages. Internal to the
// library's sources and tests.

#include <openssl/bio.h>
#include <openssl/cms.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include <memory>
#include <string>

namespace cardd::applets::signing {

struct OpenSslDeleter {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
  void operator()(X509* p) const { X509_free(p); }
  void operator()(BIO* p) const { BIO_free(p); }
  void operator()(CMS_ContentInfo* p) const { CMS_ContentInfo_free(p); }
  void operator()(X509_STORE* p) const { X509_STORE_free(p); }
  void operator()(ASN1_OBJECT* p) const { ASN1_OBJECT_free(p); }
  void operator()(STACK_OF(X509) * p) const { sk_X509_pop_free(p, X509_free); }
  void operator()(EVP_MD_CTX* p) const { EVP_MD_CTX_free(p); }
};

using PKeyPtr = std::unique_ptr<EVP_PKEY, OpenSslDeleter>;
using X509Ptr = std::unique_ptr<X509, OpenSslDeleter>;
using BioPtr = std::unique_ptr<BIO, OpenSslDeleter>;
using CmsPtr = std::unique_ptr<CMS_ContentInfo, OpenSslDeleter>;
using StorePtr = std::unique_ptr<X509_STORE, OpenSslDeleter>;

// The oldest entry of OpenSSL's (thread-local) error queue as text, or
// "no detail" when empty; clears the queue.
std::string takeOpenSslError();

}  // namespace cardd::applets::signing
