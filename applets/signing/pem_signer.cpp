#include "pem_signer.hpp"

#include <openssl/pem.h>

#include <utility>

#include "key_files.hpp"

namespace cardd::applets::signing {

Result<PemFileSigner> PemFileSigner::load(const std::string& keyPath, const std::string& certPath) {
  /* Permissions first: a key that others can read is refused before it is
     even parsed. */
  auto perms = checkSecretFilePermissions(keyPath, "document-signer key");
  if (!perms) return std::move(perms).error();
  auto keyBytes = readFileBytes(keyPath);
  if (!keyBytes) return std::move(keyBytes).error();
  BioPtr bio(BIO_new_mem_buf(keyBytes->data(), static_cast<int>(keyBytes->size())));
  PemFileSigner signer;
  signer.key_.reset(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
  OPENSSL_cleanse(keyBytes->data(), keyBytes->size());
  if (!signer.key_) {
    return Error{ErrorCode::InvalidArgument, "the document-signer key file '" + keyPath +
                                                 "' is not an unencrypted PEM private key (" +
                                                 takeOpenSslError() + ")"};
  }

  auto certs = loadCertificates(certPath);
  if (!certs) return std::move(certs).error();
  signer.cert_ = std::move(certs->front());
  if (X509_check_private_key(signer.cert_.get(), signer.key_.get()) != 1) {
    takeOpenSslError();
    return Error{ErrorCode::InvalidArgument, "the document-signer key '" + keyPath +
                                                 "' does not belong to the certificate '" +
                                                 certPath + "'"};
  }
  signer.keyPath_ = keyPath;
  return signer;
}

}  // namespace cardd::applets::signing
