#include "station/issuance_keys.hpp"

#include <set>

#include "key_files.hpp"
#include "pem_signer.hpp"
#include "pkcs11_master_key.hpp"
#include "pkcs11_signer.hpp"

namespace cardd::station {
namespace {

namespace signing = applets::signing;
namespace personalisation = applets::personalisation;

Error configError(const std::string& what, const Error& cause) {
  return Error(ErrorCode::ConfigInvalid, what + ": " + cause.message);
}

/* A PIN file: permission-checked like a key, trailing newline dropped. */
Result<std::string> readPin(const std::string& path, const std::string& what) {
  if (auto st = signing::checkSecretFilePermissions(path, what); !st) return st.error();
  auto bytes = signing::readFileBytes(path);
  if (!bytes) return bytes.error();
  std::string pin(bytes->begin(), bytes->end());
  while (!pin.empty() && (pin.back() == '\n' || pin.back() == '\r')) pin.pop_back();
  return pin;
}

Result<std::unique_ptr<signing::Signer>> openSigner(const std::string& id,
                                                    const SignerConfig& config) {
  const std::string what = "issuance.signers." + id;
  if (!config.pkcs11_module.empty()) {
    auto pin = readPin(config.pkcs11_pin_file, "PKCS#11 PIN of signer " + id);
    if (!pin) return configError(what, pin.error());
    signing::Pkcs11Config p11;
    p11.modulePath = config.pkcs11_module;
    p11.keyUri = "pkcs11:token=" + config.pkcs11_token + ";object=" + config.pkcs11_key_label +
                 ";type=private";
    p11.pin = *pin;
    p11.certificatePath = config.certificate;
    auto signer = signing::Pkcs11Signer::open(p11);
    if (!signer) return configError(what, signer.error());
    return std::unique_ptr<signing::Signer>(
        std::make_unique<signing::Pkcs11Signer>(std::move(signer).value()));
  }
  auto signer = signing::PemFileSigner::load(config.key, config.certificate);
  if (!signer) return configError(what, signer.error());
  return std::unique_ptr<signing::Signer>(
      std::make_unique<signing::PemFileSigner>(std::move(signer).value()));
}

Result<std::unique_ptr<signing::MasterKeySource>> openKeySet(const std::string& id,
                                                             const KeySetConfig& config) {
  const std::string what = "issuance.key_sets." + id;
  if (!config.pkcs11_module.empty()) {
    auto pin = readPin(config.pkcs11_pin_file, "PKCS#11 PIN of key set " + id);
    if (!pin) return configError(what, pin.error());
    signing::Pkcs11MasterKeyConfig p11{config.pkcs11_module, config.pkcs11_token,
                                       config.pkcs11_key_label, *pin};
    auto key = signing::Pkcs11MasterKey::open(p11);
    if (!key) return configError(what, key.error());
    return std::unique_ptr<signing::MasterKeySource>(std::move(key).value());
  }
  auto key = signing::FileMasterKey::load(config.file);
  if (!key) return configError(what, key.error());
  return std::unique_ptr<signing::MasterKeySource>(
      std::make_unique<signing::FileMasterKey>(std::move(key).value()));
}

}  // namespace

Result<std::unique_ptr<IssuanceKeys>> IssuanceKeys::load(
    const IssuanceConfig& config, const std::vector<std::string>& person_fields) {
  std::unique_ptr<IssuanceKeys> keys(new IssuanceKeys());

  /* Profiles first: they say which signers and key sets are needed. */
  std::set<std::string> needed_signers;
  std::set<std::string> needed_key_sets;
  for (const auto& [job_profile, path] : config.profiles) {
    auto loaded = personalisation::loadProfileFile(path, person_fields);
    if (!loaded.ok()) {
      const auto& p = loaded.problems.front();
      return Error(ErrorCode::ConfigInvalid,
                   "issuance.profiles." + job_profile + ": " + p.file + ":" +
                       std::to_string(p.line) + ": " + p.key + ": " + p.message +
                       (loaded.problems.size() > 1
                            ? " (and " + std::to_string(loaded.problems.size() - 1) + " more)"
                            : ""));
    }
    needed_signers.insert(loaded.profile.sod.signer);
    if (!loaded.profile.keySet.empty()) needed_key_sets.insert(loaded.profile.keySet);
    if (!loaded.profile.accessKey.keySet.empty())
      needed_key_sets.insert(loaded.profile.accessKey.keySet);
    keys->profiles_.emplace(job_profile, std::move(loaded.profile));
  }

  for (const auto& id : needed_signers) {
    auto it = config.signers.find(id);
    if (it == config.signers.end())
      return Error(ErrorCode::ConfigInvalid,
                   "issuance.signers: a profile signs with '" + id + "', which is not configured");
  }
  for (const auto& id : needed_key_sets) {
    auto it = config.key_sets.find(id);
    if (it == config.key_sets.end())
      return Error(ErrorCode::ConfigInvalid, "issuance.key_sets: a profile uses the key set '" +
                                                 id + "', which is not configured");
  }

  for (const auto& [id, signer_config] : config.signers) {
    auto signer = openSigner(id, signer_config);
    if (!signer) return signer.error();
    keys->signing_.signers[id] = signer->get();
    keys->signers_.push_back(std::move(signer).value());
  }
  for (const auto& [id, key_config] : config.key_sets) {
    auto key = openKeySet(id, key_config);
    if (!key) return key.error();
    keys->signing_.keySets[id] = key->get();
    keys->key_sets_.push_back(std::move(key).value());
  }
  if (!config.csca.empty()) {
    auto anchors = signing::TrustAnchors::load(config.csca);
    if (!anchors) return configError("issuance.csca", anchors.error());
    keys->anchors_ = std::make_unique<signing::TrustAnchors>(std::move(anchors).value());
    keys->signing_.trustAnchors = keys->anchors_.get();
  } else if (!keys->profiles_.empty()) {
    return Error(ErrorCode::ConfigInvalid,
                 "issuance.csca: the verify step needs the CSCA certificate(s); set issuance.csca");
  }
  return keys;
}

const applets::personalisation::Profile* IssuanceKeys::profile(
    const std::string& job_profile) const {
  auto it = profiles_.find(job_profile);
  return it == profiles_.end() ? nullptr : &it->second;
}

std::vector<std::string> IssuanceKeys::describe() const {
  std::vector<std::string> lines;
  for (const auto& [id, signer] : signing_.signers) lines.push_back(id + ": " + signer->describe());
  for (const auto& [id, key] : signing_.keySets) lines.push_back(id + ": " + key->describe());
  return lines;
}

}  // namespace cardd::station
