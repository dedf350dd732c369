#pragma once
// IssuanceKeys: what the station needs to personalise chips, loaded once at
// start-up from the `issuance:` section of cardd.yaml: the chip profiles (by
// the job profile ids frontends use), the document signers, the master key
// sets and the CSCA trust anchors of the verify step.
//
// Loading opens every key (PEM files are permission-checked; PKCS#11 tokens
// are logged into), so a missing or unreadable key stops cardd at start-up
// with a sentence naming the key, instead of spoiling the first card.
//
// Threading: immutable after load(). The signers and master keys are used by
// one station worker at a time per object (OpenSSL keys are safe to share
// for signing; PKCS#11 sessions are serialised by libp11).

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "core/result.hpp"
#include "master_key.hpp"
#include "personaliser.hpp"
#include "profile.hpp"
#include "signer.hpp"
#include "sod.hpp"

namespace cardd::station {

class IssuanceKeys {
 public:
  // ConfigInvalid naming the profile / key / file when one cannot be used.
  // `person_fields` are the dotted person fields profiles may name.
  static Result<std::unique_ptr<IssuanceKeys>> load(const IssuanceConfig& config,
                                                    const std::vector<std::string>& person_fields);

  // The profile for a job's profile id; nullptr when the station has none.
  const applets::personalisation::Profile* profile(const std::string& job_profile) const;
  const applets::personalisation::SigningContext& signing() const { return signing_; }
  // "document-signer: pem:/etc/cardd/ds.key", one per key, for the start-up log.
  std::vector<std::string> describe() const;

 private:
  IssuanceKeys() = default;
  std::map<std::string, applets::personalisation::Profile> profiles_;
  std::vector<std::unique_ptr<applets::signing::Signer>> signers_;
  std::vector<std::unique_ptr<applets::signing::MasterKeySource>> key_sets_;
  std::unique_ptr<applets::signing::TrustAnchors> anchors_;
  applets::personalisation::SigningContext signing_;
};

}  // namespace cardd::station
