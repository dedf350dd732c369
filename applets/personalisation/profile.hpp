#pragma once
// Chip profiles: what the personaliser does to one kind of chip, as data.
// A profile (YAML, applets/profiles/*.yaml; format in
// docs/applets/personalisation.md) names the applet to select, the secure
// channel and master key set, the files to create (FID, size), how each data
// group is built from a CardSubject, how EF.SOD is signed and how the chip is
// locked.
//
// loadProfileFile() validates everything it can before a card is touched and
// reports every problem (not only the first) as file:line: key: message, the
// style of cardd.yaml's loader: unknown keys, unknown person field names
// (checked against the list the caller gives, plus the station's
// "document.*" fields), FID and name collisions, a missing EF.SOD, an unknown
// applet type, values out of range.
//
// Pure values; loading reads one file. Thread-safe.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/bytes.hpp"
#include "lds/data_groups.hpp"
#include "lds/security_object.hpp"
#include "sod.hpp"
#include "tlv/header.hpp"

namespace cardd::applets::personalisation {

// The command dialect of the applet on the chip.
enum class AppletType {
  CarddEid,       // "cardd-eid": cardd's e-ID applet (docs/applets/eid-apdu.md)
  JmrtdPassport,  // "jmrtd-passport": the JMRTD passport applet, in the clear
};

enum class ChannelType { None, Scp03 };

enum class ContentKind {
  Com,           // "com": EF.COM listing the profile's data groups
  MrzTd1,        // "mrz-td1": DG1 with a TD1 MRZ
  Face,          // "face": DG2 from the subject's photo
  Fingerprints,  // "fingerprints": DG3 from the subject's templates
  Fields,        // "fields": UTF-8 items under profile-chosen tags (DG11, DG13)
  Sod,           // "sod": EF.SOD
};

// Where one value comes from: a subject field (optionally translated with
// `map`), several fields joined with `separator`, or a literal.
struct ValueSource {
  std::vector<std::string> fields;  // one or more dotted field names; empty for a literal
  std::string literal;
  std::string separator;
  std::map<std::string, std::string> map;  // value → value; unmapped values pass unchanged
  bool dateCompact = false;                // "YYYY-MM-DD" → "YYYYMMDD"
  bool present() const { return !fields.empty() || !literal.empty(); }
};

struct MrzSpec {
  ValueSource documentCode, issuer, documentNumber, optionalData1, birthDate, sex, expiryDate,
      nationality, optionalData2, primaryIdentifier, secondaryIdentifier;
};

struct FieldItemSpec {
  tlv::Tag tag = 0;
  ValueSource source;
  bool optional = false;  // skipped when the subject lacks the field
};

struct FileSpec {
  std::string name;   // "EF.COM", "EF.SOD", "DG1".."DG16"
  int dataGroup = 0;  // 1..16, 0 for EF.COM / EF.SOD
  std::uint16_t fid = 0;
  ContentKind content = ContentKind::Fields;
  std::optional<std::size_t> size;  // fixed size; unset: content + size_margin
  bool optional = false;            // face / fingerprints: skip the file when the subject has none
  MrzSpec mrz;
  bool tagList = false;  // fields: 5C tag list first
  std::vector<FieldItemSpec> items;
  lds::BiometricFormat biometricFormat;
  int line = 0;
};

enum class AccessKeySource {
  None,     // no access key is written
  Derived,  // KDF3 from a master key set with key_type (cardd-eid: PUT DATA 00 81)
  MrzSeed,  // JMRTD: PUT DATA 00 62 with document number, birth and expiry from DG1
};

struct Profile {
  std::string id;
  std::string origin;  // the file it came from
  AppletType applet = AppletType::CarddEid;
  Bytes aid;
  ChannelType channel = ChannelType::Scp03;
  std::uint8_t securityLevel = 0x33;
  std::uint8_t keyVersion = 0x30;
  std::string keySet;           // master key source id (SigningContext::keySets)
  std::vector<FileSpec> files;  // in writing order
  std::size_t sizeMargin = 0;
  std::size_t maxChunk = 0;  // largest data per APDU; 0 = what the channel allows
  struct {
    std::string signer;  // SigningContext::signers id
    signing::SodOptions options;
  } sod;
  struct {
    AccessKeySource source = AccessKeySource::None;
    std::string keySet;
    std::uint8_t keyType = 0x81;
  } accessKey;

  const FileSpec* findFile(std::string_view name) const;
};

struct ProfileProblem {
  std::string file;
  int line = 0;     // 1-based; 0 when unknown
  std::string key;  // dotted path, "files[2].fid"
  std::string message;
  // "eid.yaml:12: files[2].fid: ..."
  std::string describe() const;
};

struct ProfileLoadResult {
  Profile profile;
  std::vector<ProfileProblem> problems;
  bool ok() const { return problems.empty(); }
};

// The fields the station adds to every subject (card_subject.hpp).
const std::vector<std::string>& documentFieldNames();

// `personFields`: the person schema's dotted field names ("nik",
// "address.city", ...); a profile naming any other field is refused.
ProfileLoadResult loadProfileFile(const std::string& path,
                                  const std::vector<std::string>& personFields);
ProfileLoadResult loadProfileText(const std::string& text, const std::string& origin,
                                  const std::vector<std::string>& personFields);

}  // namespace cardd::applets::personalisation
