#pragma once
// Personaliser: runs a chip profile over an ApduChannel for one CardSubject.
//
//   1. build      data groups, EF.COM, the LDSSecurityObject; sign EF.SOD
//                 (with the SigningContext's kept SodBuilder)
//   2. select     the applet (SELECT by AID)
//   3. serial     GET DATA 5A (cardd-eid): the chip serial, KDD = 00 00 ‖ serial
//   4. channel    SCP03 with per-card keys (cardd-eid), or none (jmrtd)
//   5. write      CREATE FILE, SELECT, UPDATE BINARY in chunks as large as
//                 the channel allows (fewest APDUs), every file, EF.SOD last
//   6. verify     read every file back and compare it byte for byte with
//                 what was written (the same verdict as comparing hashes);
//                 verify the EF.SOD read back with signing::verifySod (its
//                 signature over the signed attributes with the DS key, the
//                 messageDigest against the eContent, the DS certificate's
//                 chain to the CSCA: built once per DS certificate and then
//                 remembered by the TrustAnchors while the chain is valid),
//                 and that its data-group hashes match the data groups read
//                 back
//   7. lock       only after 6: access key (PUT DATA), lifecycle to
//                 personalised and locked (cardd-eid) or PUT DATA DEAD (jmrtd)
//
// Any failure is an Error whose message starts with the step ("verify: DG2
// read back differs from what was written"), so the station spoils the card;
// a card that fails before step 7 is never locked. Messages and the report
// never hold personal data: they name files, fields, status words and sizes.
//
// Threading: run() uses the channel and the signers for its duration; one
// card at a time per Personaliser (it holds no state between runs, only its
// options).

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "apdu/apdu_channel.hpp"
#include "content.hpp"
#include "core/card_subject.hpp"
#include "core/result.hpp"
#include "master_key.hpp"
#include "profile.hpp"
#include "signer.hpp"
#include "sod.hpp"

namespace cardd::applets::personalisation {

// EF.SOD builders kept from card to card: one per document-signer key,
// certificate and SOD options, made on first use (SodBuilder::create encodes
// the certificate, fetches the digest and sets up the signing context; a
// station signs thousands of SODs with the same key). Only builders that
// no longer need the Signer object are kept (SodBuilder::direct(): they
// hold their own references to the key); the others (PKCS#11 engine keys,
// RSA) are made per SOD. Entries are keyed by the key and certificate
// objects, which each entry holds a reference to, so a freed signer's
// address cannot alias a new one.
//
// Threading: thread-safe; one SOD at a time per entry (see signer.hpp),
// different keys in parallel.
class SodBuilderCache {
 public:
  SodBuilderCache() = default;
  SodBuilderCache(const SodBuilderCache&) = delete;
  SodBuilderCache& operator=(const SodBuilderCache&) = delete;

  // EF.SOD for `object`. Errors: those of SodBuilder::create() and build().
  Result<Bytes> build(const signing::Signer& signer, const signing::SodOptions& options,
                      const lds::LdsSecurityObject& object);

 private:
  struct Entry;
  std::mutex mutex_;
  std::vector<std::shared_ptr<Entry>> entries_;
};

// The keys the station holds, by the ids profiles use. Borrowed pointers:
// the caller keeps the objects alive during run(). Copies share `sodBuilders`.
struct SigningContext {
  std::map<std::string, const signing::Signer*> signers;
  std::map<std::string, const signing::MasterKeySource*> keySets;
  const signing::TrustAnchors* trustAnchors = nullptr;  // CSCA certificates
  std::shared_ptr<SodBuilderCache> sodBuilders = std::make_shared<SodBuilderCache>();
};

struct StepTiming {
  std::string step;  // "build", "select", "serial", "channel", "write", "verify", "lock"
  std::chrono::microseconds duration{0};
};

struct WrittenFile {
  std::string name;
  std::uint16_t fid = 0;
  std::size_t contentSize = 0;
  std::size_t fileSize = 0;
};

struct PersonalisationReport {
  std::string chipSerial;        // hex; empty when the applet has none (jmrtd)
  std::size_t apduCount = 0;     // APDUs sent on the given channel (wrapped count once)
  std::size_t bytesWritten = 0;  // file content bytes written
  std::vector<WrittenFile> files;
  std::vector<StepTiming> steps;
  std::string signer;  // the document signer's certificate subject
  bool locked = false;
};

// Knobs for tests and benchmarks; the defaults are what production uses.
struct PersonaliserOptions {
  // SCP03 host challenge source (Scp03Params::hostChallenge); empty: random.
  // A fixed challenge makes the APDU stream of a run replayable on an
  // identical blank chip (bench/personalise).
  std::function<Bytes()> hostChallenge;
};

// Step 1 done ahead: the content of every file (EF.SOD signed, last), the
// LDSSecurityObject it signs, and the signer's subject. It does not depend
// on the chip, so a station can make it while the card is still being fed
// and pass it to run(channel, profile, card, signing) once the chip
// answers. Its FileSpec pointers point into the Profile it was made with,
// which must be the one given to run() and outlive both. Holds personal data:
// never log it.
struct PreparedCard {
  std::vector<BuiltFile> files;
  lds::LdsSecurityObject object;
  std::string signer;
  std::chrono::microseconds buildTime{0};  // reported as the "build" step
};

class Personaliser {
 public:
  Personaliser() = default;
  explicit Personaliser(PersonaliserOptions options) : options_(std::move(options)) {}

  // Step 1 alone (no card). Errors start with "build: ".
  Result<PreparedCard> prepare(const Profile& profile, const CardSubject& subject,
                               const SigningContext& signing) const;

  // Steps 1-7.
  Result<PersonalisationReport> run(apdu::ApduChannel& channel, const Profile& profile,
                                    const CardSubject& subject, const SigningContext& signing);
  // Steps 2-7 with content from prepare(); the report's "build" step is the
  // time prepare() took.
  Result<PersonalisationReport> run(apdu::ApduChannel& channel, const Profile& profile,
                                    const PreparedCard& card, const SigningContext& signing);

 private:
  PersonaliserOptions options_;
};

}  // namespace cardd::applets::personalisation
