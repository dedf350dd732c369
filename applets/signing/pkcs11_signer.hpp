#pragma once
// Pkcs11Signer: a document signer whose private key stays in a PKCS#11 token
// (an HSM; SoftHSM in tests), used through libp11's OpenSSL engine
// (Debian: libengine-pkcs11-openssl). Signing runs inside the token; cardd
// only ever holds a handle.
//
// The PKCS#11 module is always configured explicitly (modulePath), never
// through p11-kit's proxy: with OpenSC installed, the proxy would sweep every
// smart-card reader of the station (hundreds of APDUs) and could disturb the
// encoder in the middle of a card.
//
// The engine is loaded once per process (libp11 cannot be loaded twice) and
// shared by every Pkcs11Signer; each holds its own reference, and the token
// session ends when the last one is released. One PKCS#11 module per
// process: the module path of the first open() wins while any signer lives.
//
// Threading: see signer.hpp; open() is safe to call from several threads.

#include <memory>
#include <string>

#include "core/result.hpp"
#include "openssl_util.hpp"
#include "signer.hpp"

namespace cardd::applets::signing {

struct Pkcs11Config {
  // libp11's engine (the file, not an id looked up in openssl.cnf).
  std::string enginePath = "/usr/lib/x86_64-linux-gnu/engines-3/pkcs11.so";
  // The token's PKCS#11 module, e.g. /usr/lib/softhsm/libsofthsm2.so.
  std::string modulePath;
  // RFC 7512 URI of the key: "pkcs11:token=DS;object=dskey;type=private".
  std::string keyUri;
  // The user PIN. Callers read it from a permission-checked file.
  std::string pin;
  // The document-signer certificate (PEM file).
  std::string certificatePath;
};

class Pkcs11Signer final : public Signer {
 public:
  // Errors: InvalidArgument (missing configuration, key does not match the
  // certificate), NotFound (engine / module / certificate file missing),
  // Unavailable (the engine cannot start, the token refuses the PIN, or the
  // key is not on the token) — each message says which.
  static Result<Pkcs11Signer> open(const Pkcs11Config& config);

  EVP_PKEY* privateKey() const override { return key_.get(); }
  X509* certificate() const override { return cert_.get(); }
  std::string describe() const override { return uri_; }

 private:
  struct EngineDeleter {
    void operator()(void* engine) const;
  };

  Pkcs11Signer() = default;
  std::unique_ptr<void, EngineDeleter> engine_;  // released after key_
  PKeyPtr key_;
  X509Ptr cert_;
  std::string uri_;
};

}  // namespace cardd::applets::signing
