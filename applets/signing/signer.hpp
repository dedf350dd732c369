#pragma once
// Signer: a document signer's private key and certificate, wherever the key
// lives. The SOD builder only needs an EVP_PKEY that OpenSSL can sign with
// (a key in memory, or an engine key whose operations run in a token) and
// the certificate that goes into the SignedData.
//
// Implementations: PemFileSigner (pem_signer.hpp) and Pkcs11Signer
// (pkcs11_signer.hpp).
//
// Ownership: the signer owns the key and certificate; the pointers it hands
// out are borrowed and live as long as the signer. Threading: one signing
// operation at a time per signer (engine keys are not safe to share across
// concurrent operations); the personaliser runs one card at a time.

#include <openssl/evp.h>
#include <openssl/x509.h>

#include <string>

namespace cardd::applets::signing {

class Signer {
 public:
  virtual ~Signer() = default;

  virtual EVP_PKEY* privateKey() const = 0;
  virtual X509* certificate() const = 0;
  // Where the key is, for logs ("pem:/etc/cardd/ds.key", "pkcs11:token=DS;object=dskey").
  virtual std::string describe() const = 0;
};

}  // namespace cardd::applets::signing
