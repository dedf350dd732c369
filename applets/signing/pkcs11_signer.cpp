// The ENGINE API is deprecated in OpenSSL 3 but is the only route to libp11
// on Debian 12 (pkcs11-provider is in backports only).
#define OPENSSL_SUPPRESS_DEPRECATED

#include "pkcs11_signer.hpp"

#include <openssl/engine.h>
#include <sys/stat.h>

#include <mutex>
#include <utility>

#include "key_files.hpp"

namespace cardd::applets::signing {
namespace {

bool fileExists(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

Error engineError(ErrorCode code, const std::string& what) {
  return Error{code, "PKCS#11: " + what + " (" + takeOpenSslError() + ")"};
}

/* libp11's engine cannot be loaded twice into one process: the first signer
   loads it from the configured file and adds it to OpenSSL's engine list;
   later signers take a new reference to that instance. */
ENGINE* acquireEngine(const std::string& enginePath) {
  static std::mutex mutex;
  static bool loaded = false;
  std::lock_guard lock(mutex);
  if (loaded) return ENGINE_by_id("pkcs11");
  ENGINE* e = ENGINE_by_id("dynamic");
  if (e == nullptr) return nullptr;
  if (ENGINE_ctrl_cmd_string(e, "SO_PATH", enginePath.c_str(), 0) != 1 ||
      ENGINE_ctrl_cmd_string(e, "ID", "pkcs11", 0) != 1 ||
      ENGINE_ctrl_cmd_string(e, "LIST_ADD", "1", 0) != 1 ||
      ENGINE_ctrl_cmd_string(e, "LOAD", nullptr, 0) != 1) {
    ENGINE_free(e);
    return nullptr;
  }
  loaded = true;
  return e;
}

}  // namespace

void Pkcs11Signer::EngineDeleter::operator()(void* engine) const {
  auto* e = static_cast<ENGINE*>(engine);
  ENGINE_finish(e);
  ENGINE_free(e);
}

Result<Pkcs11Signer> Pkcs11Signer::open(const Pkcs11Config& config) {
  if (config.modulePath.empty() || config.keyUri.empty() || config.certificatePath.empty()) {
    return Error{ErrorCode::InvalidArgument,
                 "PKCS#11: the module path, key URI and certificate must all be configured"};
  }
  if (config.keyUri.rfind("pkcs11:", 0) != 0) {
    return Error{ErrorCode::InvalidArgument,
                 "PKCS#11: the key URI must start with 'pkcs11:' (RFC 7512)"};
  }
  if (!fileExists(config.enginePath)) {
    return Error{ErrorCode::NotFound, "PKCS#11: the libp11 engine '" + config.enginePath +
                                          "' is missing; install libengine-pkcs11-openssl"};
  }
  if (!fileExists(config.modulePath)) {
    return Error{ErrorCode::NotFound,
                 "PKCS#11: the token module '" + config.modulePath + "' is missing"};
  }

  /* Load libp11 through the dynamic engine with explicit paths, so nothing
     depends on openssl.cnf or p11-kit. */
  ENGINE* raw = acquireEngine(config.enginePath);
  if (raw == nullptr) return engineError(ErrorCode::Unavailable, "cannot load the libp11 engine");
  Pkcs11Signer signer;
  if (ENGINE_ctrl_cmd_string(raw, "MODULE_PATH", config.modulePath.c_str(), 0) != 1) {
    ENGINE_free(raw);
    return engineError(ErrorCode::Unavailable, "the engine refused the module path");
  }
  if (ENGINE_init(raw) != 1) {
    ENGINE_free(raw);
    return engineError(ErrorCode::Unavailable, "cannot initialise the token module");
  }
  signer.engine_.reset(raw);
  if (!config.pin.empty() && ENGINE_ctrl_cmd_string(raw, "PIN", config.pin.c_str(), 0) != 1) {
    return engineError(ErrorCode::Unavailable, "the engine refused the PIN");
  }

  signer.key_.reset(ENGINE_load_private_key(raw, config.keyUri.c_str(), nullptr, nullptr));
  if (!signer.key_) {
    return engineError(ErrorCode::Unavailable,
                       "cannot use the key '" + config.keyUri +
                           "': check the token label, the key label and the PIN");
  }

  auto certs = loadCertificates(config.certificatePath);
  if (!certs) return std::move(certs).error();
  signer.cert_ = std::move(certs->front());
  if (X509_check_private_key(signer.cert_.get(), signer.key_.get()) != 1) {
    takeOpenSslError();
    return Error{ErrorCode::InvalidArgument, "PKCS#11: the key '" + config.keyUri +
                                                 "' does not belong to the certificate '" +
                                                 config.certificatePath + "'"};
  }
  signer.uri_ = config.keyUri;
  return signer;
}

}  // namespace cardd::applets::signing
