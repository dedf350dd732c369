#pragma once
// PemFileSigner: a document signer whose private key is a PEM file on the
// station (PKCS#8 or traditional, unencrypted) and whose certificate is a
// PEM file. The key file must be mode 0600 or stricter (key_files.hpp); a
// looser one is refused with the chmod command that fixes it.

#include <string>

#include "core/result.hpp"
#include "openssl_util.hpp"
#include "signer.hpp"

namespace cardd::applets::signing {

class PemFileSigner final : public Signer {
 public:
  // Errors: Forbidden (key file permissions), NotFound (a file cannot be
  // read), InvalidArgument (not a PEM key / certificate, or the key does not
  // belong to the certificate).
  static Result<PemFileSigner> load(const std::string& keyPath, const std::string& certPath);

  EVP_PKEY* privateKey() const override { return key_.get(); }
  X509* certificate() const override { return cert_.get(); }
  std::string describe() const override { return "pem:" + keyPath_; }

 private:
  PemFileSigner() = default;
  PKeyPtr key_;
  X509Ptr cert_;
  std::string keyPath_;
};

}  // namespace cardd::applets::signing
