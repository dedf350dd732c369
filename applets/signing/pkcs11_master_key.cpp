#include "pkcs11_master_key.hpp"

#include <dlfcn.h>
#include <p11-kit/pkcs11.h>
#include <sys/stat.h>

#include <cstring>
#include <utility>
#include <vector>

namespace cardd::applets::signing {

struct Pkcs11MasterKey::Module {
  void* handle = nullptr;
  CK_FUNCTION_LIST_PTR f = nullptr;
  bool initialisedHere = false;

  ~Module() {
    if (f != nullptr && initialisedHere) f->C_Finalize(nullptr);
    if (handle != nullptr) dlclose(handle);
  }
};

namespace {

std::string rvText(CK_RV rv) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "CKR 0x%lX", static_cast<unsigned long>(rv));
  return buf;
}

Error p11Error(ErrorCode code, const std::string& what, CK_RV rv) {
  return Error{code, "PKCS#11 master key: " + what + " (" + rvText(rv) + ")"};
}

/* Token labels are 32 bytes padded with spaces. */
std::string trimmedLabel(const CK_UTF8CHAR* label, std::size_t size) {
  std::string s(reinterpret_cast<const char*>(label), size);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\0')) s.pop_back();
  return s;
}

}  // namespace

Result<std::unique_ptr<Pkcs11MasterKey>> Pkcs11MasterKey::open(
    const Pkcs11MasterKeyConfig& config) {
  struct stat st {};
  if (config.modulePath.empty() || ::stat(config.modulePath.c_str(), &st) != 0) {
    return Error{ErrorCode::NotFound,
                 "PKCS#11 master key: the token module '" + config.modulePath + "' is missing"};
  }
  std::unique_ptr<Pkcs11MasterKey> key(new Pkcs11MasterKey());
  key->module_ = std::make_unique<Module>();
  Module& m = *key->module_;

  /* The module and its function list; initialise unless already done. */
  m.handle = dlopen(config.modulePath.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (m.handle == nullptr) {
    return Error{ErrorCode::Unavailable,
                 "PKCS#11 master key: cannot load '" + config.modulePath + "': " + dlerror()};
  }
  auto getList = reinterpret_cast<CK_C_GetFunctionList>(dlsym(m.handle, "C_GetFunctionList"));
  if (getList == nullptr || getList(&m.f) != CKR_OK || m.f == nullptr) {
    return Error{ErrorCode::Unavailable,
                 "PKCS#11 master key: '" + config.modulePath + "' is not a PKCS#11 module"};
  }
  CK_C_INITIALIZE_ARGS args{};
  args.flags = CKF_OS_LOCKING_OK;
  CK_RV rv = m.f->C_Initialize(&args);
  if (rv == CKR_OK) {
    m.initialisedHere = true;
  } else if (rv != CKR_CRYPTOKI_ALREADY_INITIALIZED) {
    return p11Error(ErrorCode::Unavailable, "the module does not initialise", rv);
  }

  /* The slot whose token has the label. */
  CK_ULONG count = 0;
  rv = m.f->C_GetSlotList(CK_TRUE, nullptr, &count);
  if (rv != CKR_OK) return p11Error(ErrorCode::Unavailable, "cannot list slots", rv);
  std::vector<CK_SLOT_ID> slots(count);
  rv = m.f->C_GetSlotList(CK_TRUE, slots.data(), &count);
  if (rv != CKR_OK) return p11Error(ErrorCode::Unavailable, "cannot list slots", rv);
  bool found = false;
  CK_SLOT_ID slot = 0;
  for (CK_ULONG i = 0; i < count && !found; ++i) {
    CK_TOKEN_INFO info{};
    if (m.f->C_GetTokenInfo(slots[i], &info) != CKR_OK) continue;
    if (trimmedLabel(info.label, sizeof info.label) == config.tokenLabel) {
      slot = slots[i];
      found = true;
    }
  }
  if (!found) {
    return Error{ErrorCode::NotFound,
                 "PKCS#11 master key: no token labelled '" + config.tokenLabel + "'"};
  }

  CK_SESSION_HANDLE session = 0;
  rv = m.f->C_OpenSession(slot, CKF_SERIAL_SESSION, nullptr, nullptr, &session);
  if (rv != CKR_OK) return p11Error(ErrorCode::Unavailable, "cannot open a session", rv);
  key->session_ = session;
  std::string pin = config.pin;
  rv = m.f->C_Login(session, CKU_USER, reinterpret_cast<CK_UTF8CHAR_PTR>(pin.data()), pin.size());
  if (rv != CKR_OK && rv != CKR_USER_ALREADY_LOGGED_IN) {
    return p11Error(ErrorCode::Unavailable,
                    rv == CKR_PIN_INCORRECT ? "the token refused the PIN" : "login failed", rv);
  }

  /* The AES secret key with the label. */
  CK_OBJECT_CLASS cls = CKO_SECRET_KEY;
  std::string label = config.keyLabel;
  CK_ATTRIBUTE query[] = {{CKA_CLASS, &cls, sizeof cls}, {CKA_LABEL, label.data(), label.size()}};
  CK_OBJECT_HANDLE object = 0;
  CK_ULONG hits = 0;
  rv = m.f->C_FindObjectsInit(session, query, 2);
  if (rv == CKR_OK) rv = m.f->C_FindObjects(session, &object, 1, &hits);
  m.f->C_FindObjectsFinal(session);
  if (rv != CKR_OK) return p11Error(ErrorCode::Unavailable, "cannot search the token", rv);
  if (hits == 0) {
    return Error{ErrorCode::NotFound, "PKCS#11 master key: no secret key labelled '" +
                                          config.keyLabel + "' on token '" + config.tokenLabel +
                                          "'"};
  }
  CK_KEY_TYPE type = 0;
  CK_ULONG length = 0;
  CK_ATTRIBUTE attrs[] = {{CKA_KEY_TYPE, &type, sizeof type},
                          {CKA_VALUE_LEN, &length, sizeof length}};
  rv = m.f->C_GetAttributeValue(session, object, attrs, 2);
  if (rv != CKR_OK || type != CKK_AES || (length != 16 && length != 24 && length != 32)) {
    return Error{ErrorCode::InvalidArgument,
                 "PKCS#11 master key: '" + config.keyLabel + "' is not an AES-128/192/256 key"};
  }
  key->key_ = object;
  key->keySize_ = length;
  key->description_ = "pkcs11:token=" + config.tokenLabel + ";object=" + config.keyLabel;
  return key;
}

Pkcs11MasterKey::~Pkcs11MasterKey() {
  if (module_ && module_->f != nullptr && session_ != 0) module_->f->C_CloseSession(session_);
}

Result<Bytes> Pkcs11MasterKey::diversify(std::uint8_t keyType, ByteView kdd) const {
  if (kdd.empty()) return Error{ErrorCode::InvalidArgument, "empty key diversification data"};
  std::lock_guard lock(mutex_);
  /* KDF3: block i = CMAC(master, i ‖ 00 00 00 ‖ keyType ‖ 00 ‖ KDD). */
  Bytes out;
  for (std::uint8_t i = 1; out.size() < keySize_; ++i) {
    Bytes input = {i, 0x00, 0x00, 0x00, keyType, 0x00};
    append(input, kdd);
    CK_MECHANISM mechanism{CKM_AES_CMAC, nullptr, 0};
    CK_RV rv = module_->f->C_SignInit(session_, &mechanism, key_);
    if (rv != CKR_OK) return p11Error(ErrorCode::Unavailable, "the token refused AES-CMAC", rv);
    Bytes block(16);
    CK_ULONG size = block.size();
    rv = module_->f->C_Sign(session_, input.data(), input.size(), block.data(), &size);
    if (rv != CKR_OK || size != 16) {
      return p11Error(ErrorCode::Unavailable, "AES-CMAC failed in the token", rv);
    }
    append(out, block);
  }
  out.resize(keySize_);
  return out;
}

}  // namespace cardd::applets::signing
