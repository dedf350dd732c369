#pragma once
// Pkcs11MasterKey: the station's SCP03 master key kept in a PKCS#11 token
// (an AES secret key with CKA_SIGN). Per-card keys are computed inside the
// token with CKM_AES_CMAC (the KDF3 blocks of scp03/diversification.hpp), so
// the master key never leaves it; only diversified card keys do.
//
// The module is dlopen()ed by its explicit path (never p11-kit's proxy, see
// pkcs11_signer.hpp). If the module is already initialised in this process
// (by libp11 for the document signer), that initialisation is shared and
// left in place on release.
//
// Threading: diversify() may be called from any thread; calls are serialised
// on the one token session.

#include <memory>
#include <mutex>
#include <string>

#include "core/result.hpp"
#include "master_key.hpp"

namespace cardd::applets::signing {

struct Pkcs11MasterKeyConfig {
  std::string modulePath;  // e.g. /usr/lib/softhsm/libsofthsm2.so
  std::string tokenLabel;
  std::string keyLabel;
  std::string pin;  // the user PIN; callers read it from a permission-checked file
};

class Pkcs11MasterKey final : public MasterKeySource {
 public:
  // Errors: NotFound (module file, token or key label not found),
  // Unavailable (the module fails, the PIN is refused), InvalidArgument (the
  // object is not an AES key).
  static Result<std::unique_ptr<Pkcs11MasterKey>> open(const Pkcs11MasterKeyConfig& config);
  ~Pkcs11MasterKey() override;

  Pkcs11MasterKey(const Pkcs11MasterKey&) = delete;
  Pkcs11MasterKey& operator=(const Pkcs11MasterKey&) = delete;

  Result<Bytes> diversify(std::uint8_t keyType, ByteView kdd) const override;
  std::string describe() const override { return description_; }

  struct Module;  // the dlopen()ed module and its function list (pkcs11_master_key.cpp)

 private:
  Pkcs11MasterKey() = default;

  std::unique_ptr<Module> module_;
  unsigned long session_ = 0;
  unsigned long key_ = 0;
  std::size_t keySize_ = 0;
  std::string description_;
  mutable std::mutex mutex_;
};

}  // namespace cardd::applets::signing
