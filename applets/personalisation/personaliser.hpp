#pragma once
// Personaliser: runs a chip profile over an ApduChannel for one CardSubject.
//
//   1. build      data groups, EF.COM, the LDSSecurityObject; sign EF.SOD
//   2. select     the applet (SELECT by AID)
//   3. serial     GET DATA 5A (cardd-eid): the chip serial, KDD = 00 00 ‖ serial
//   4. channel    SCP03 with per-card keys (cardd-eid), or none (jmrtd)
//   5. write      CREATE FILE, SELECT, UPDATE BINARY in chunks as large as
//                 the channel allows (fewest APDUs), every file, EF.SOD last
//   6. verify     read every file back and compare its SHA-256 with what was
//                 written; parse the EF.SOD read back, verify its signature
//                 and chain to the CSCA, and that its data-group hashes match
//                 the data groups read back
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
#include <string>
#include <utility>
#include <vector>

#include "apdu/apdu_channel.hpp"
#include "core/card_subject.hpp"
#include "core/result.hpp"
#include "master_key.hpp"
#include "profile.hpp"
#include "signer.hpp"
#include "sod.hpp"

namespace cardd::applets::personalisation {

// The keys the station holds, by the ids profiles use. Borrowed pointers:
// the caller keeps the objects alive during run().
struct SigningContext {
  std::map<std::string, const signing::Signer*> signers;
  std::map<std::string, const signing::MasterKeySource*> keySets;
  const signing::TrustAnchors* trustAnchors = nullptr;  // CSCA certificates
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

class Personaliser {
 public:
  Personaliser() = default;
  explicit Personaliser(PersonaliserOptions options) : options_(std::move(options)) {}

  Result<PersonalisationReport> run(apdu::ApduChannel& channel, const Profile& profile,
                                    const CardSubject& subject, const SigningContext& signing);

 private:
  PersonaliserOptions options_;
};

}  // namespace cardd::applets::personalisation
