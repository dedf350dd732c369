#include "profile.hpp"

#include <yaml-cpp/yaml.h>

#include <charconv>
#include <fstream>
#include <set>
#include <sstream>
#include <utility>

namespace cardd::applets::personalisation {
namespace {

/* Walks one YAML mapping: every take() marks a key as known; finish()
   reports the keys nobody asked for. Problems go to one shared list. */
class Reader {
 public:
  Reader(YAML::Node node, std::string path, const std::string& file,
         std::vector<ProfileProblem>& out)
      : node_(std::move(node)), path_(std::move(path)), file_(file), out_(out) {
    if (node_ && !node_.IsNull() && !node_.IsMap()) {
      problem(node_, path_, "must be a mapping");
      valid_ = false;
    }
  }

  bool valid() const { return valid_ && node_ && node_.IsMap(); }
  std::string keyPath(const std::string& key) const {
    return path_.empty() ? key : path_ + "." + key;
  }

  YAML::Node take(const std::string& key) {
    seen_.insert(key);
    if (!valid()) return YAML::Node(YAML::NodeType::Undefined);
    return node_[key];
  }

  /* A key that must be there. */
  YAML::Node require(const std::string& key) {
    auto n = take(key);
    if (valid() && !n) problem(node_, keyPath(key), "is required");
    return n;
  }

  void problem(const YAML::Node& at, const std::string& key, const std::string& msg) {
    int line = 0;
    if (at && at.Mark().line >= 0) {
      line = at.Mark().line + 1;
    } else if (node_ && node_.Mark().line >= 0) {
      line = node_.Mark().line + 1;
    }
    out_.push_back({file_, line, key, msg});
  }

  bool string(const std::string& key, std::string& out, bool required) {
    auto n = required ? require(key) : take(key);
    if (!n) return false;
    if (!n.IsScalar() || n.Scalar().empty()) {
      problem(n, keyPath(key), "must be a non-empty string");
      return false;
    }
    out = n.Scalar();
    return true;
  }

  /* Integers in decimal or 0x-hex (FIDs, tags, levels). */
  template <typename Int>
  bool number(const std::string& key, Int& out, unsigned long long lo, unsigned long long hi,
              bool required) {
    auto n = required ? require(key) : take(key);
    if (!n) return false;
    unsigned long long v = 0;
    if (!n.IsScalar() || !parseNumber(n.Scalar(), v) || v < lo || v > hi) {
      std::ostringstream range;
      range << "must be a number from 0x" << std::hex << std::uppercase << lo << " to 0x" << hi;
      problem(n, keyPath(key), range.str());
      return false;
    }
    out = static_cast<Int>(v);
    return true;
  }

  bool boolean(const std::string& key, bool& out) {
    auto n = take(key);
    if (!n) return false;
    if (!n.IsScalar() || (n.Scalar() != "true" && n.Scalar() != "false")) {
      problem(n, keyPath(key), "must be true or false");
      return false;
    }
    out = n.Scalar() == "true";
    return true;
  }

  Reader child(const std::string& key, bool required) {
    auto n = required ? require(key) : take(key);
    return Reader(n, keyPath(key), file_, out_);
  }

  void finish() {
    if (!valid()) return;
    for (auto it = node_.begin(); it != node_.end(); ++it) {
      const auto key = it->first.Scalar();
      if (!seen_.contains(key)) problem(it->first, keyPath(key), "unknown key");
    }
  }

  const YAML::Node& node() const { return node_; }
  const std::string& path() const { return path_; }

  static bool parseNumber(const std::string& s, unsigned long long& v) {
    int base = 10;
    std::string_view digits = s;
    if (digits.size() > 2 && digits[0] == '0' && (digits[1] == 'x' || digits[1] == 'X')) {
      base = 16;
      digits.remove_prefix(2);
    }
    if (digits.empty()) return false;
    auto [p, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), v, base);
    return ec == std::errc() && p == digits.data() + digits.size();
  }

 private:
  YAML::Node node_;
  std::string path_;
  const std::string& file_;
  std::vector<ProfileProblem>& out_;
  std::set<std::string> seen_;
  bool valid_ = true;
};

/* Parses the whole document into a Profile, collecting problems. */
class ProfileParser {
 public:
  ProfileParser(const std::string& origin, const std::vector<std::string>& personFields,
                std::vector<ProfileProblem>& out)
      : origin_(origin), out_(out) {
    known_.insert(personFields.begin(), personFields.end());
    const auto& doc = documentFieldNames();
    known_.insert(doc.begin(), doc.end());
  }

  Profile parse(const YAML::Node& root) {
    Profile p;
    p.origin = origin_;
    Reader top(root, "", origin_, out_);
    if (!root || !root.IsMap()) {
      out_.push_back({origin_, 0, "", "the profile must be a YAML mapping"});
      return p;
    }
    top.string("id", p.id, true);
    parseApplet(top, p);
    parseChannel(top, p);
    parseWrite(top, p);
    parseFiles(top, p);
    parseSod(top, p);
    parseLock(top, p);
    top.finish();
    crossChecks(top, p);
    return p;
  }

 private:
  void parseApplet(Reader& top, Profile& p) {
    auto applet = top.child("applet", true);
    std::string type;
    if (applet.string("type", type, true)) {
      if (type == "cardd-eid") {
        p.applet = AppletType::CarddEid;
      } else if (type == "jmrtd-passport") {
        p.applet = AppletType::JmrtdPassport;
      } else {
        applet.problem(applet.take("type"), applet.keyPath("type"),
                       "unknown applet type; use cardd-eid or jmrtd-passport");
      }
    }
    std::string aid;
    if (applet.string("aid", aid, true)) {
      auto bytes = fromHex(aid);
      if (!bytes || bytes->size() < 5 || bytes->size() > 16) {
        applet.problem(applet.take("aid"), applet.keyPath("aid"),
                       "must be 5 to 16 bytes of hex (\"F0 63 61 72 64 64 01\")");
      } else {
        p.aid = std::move(bytes).value();
      }
    }
    applet.finish();
  }

  void parseChannel(Reader& top, Profile& p) {
    auto channel = top.child("channel", true);
    std::string type;
    if (channel.string("type", type, true)) {
      if (type == "scp03") {
        p.channel = ChannelType::Scp03;
      } else if (type == "none") {
        p.channel = ChannelType::None;
      } else {
        channel.problem(channel.take("type"), channel.keyPath("type"),
                        "unknown channel type; use scp03 or none");
      }
    }
    if (p.channel == ChannelType::Scp03) {
      if (channel.number("level", p.securityLevel, 0, 0xFF, true) && p.securityLevel != 0x13 &&
          p.securityLevel != 0x33) {
        channel.problem(channel.take("level"), channel.keyPath("level"),
                        "must be 0x13 (C-MAC, C-DEC, R-MAC) or 0x33 (also R-ENC): writing "
                        "personal data needs encryption");
      }
      channel.number("key_version", p.keyVersion, 0x01, 0x7F, false);
      channel.string("key_set", p.keySet, true);
    }
    channel.finish();
  }

  void parseWrite(Reader& top, Profile& p) {
    auto write = top.child("write", false);
    write.number("size_margin", p.sizeMargin, 0, 4096, false);
    unsigned long long chunk = 0;
    if (write.number("max_chunk", chunk, 0, 65535, false)) p.maxChunk = chunk;
    write.finish();
  }

  /* One value source: {field|fields|value, map, separator, format}. */
  ValueSource parseSource(Reader& r, bool allowLiteral) {
    ValueSource s;
    auto field = r.take("field");
    auto fields = r.take("fields");
    auto value = r.take("value");
    const int count = (field ? 1 : 0) + (fields ? 1 : 0) + (value ? 1 : 0);
    if (count != 1) {
      r.problem(r.node(), r.path(),
                allowLiteral ? "needs exactly one of field, fields or value"
                             : "needs exactly one of field or fields");
    }
    if (field) {
      if (!field.IsScalar() || field.Scalar().empty()) {
        r.problem(field, r.keyPath("field"), "must be a field name");
      } else {
        checkField(r, field, r.keyPath("field"), field.Scalar());
        s.fields.push_back(field.Scalar());
      }
    }
    if (fields) {
      if (!fields.IsSequence() || fields.size() == 0) {
        r.problem(fields, r.keyPath("fields"), "must be a list of field names");
      } else {
        for (std::size_t i = 0; i < fields.size(); ++i) {
          const auto key = r.keyPath("fields") + "[" + std::to_string(i) + "]";
          if (!fields[i].IsScalar() || fields[i].Scalar().empty()) {
            r.problem(fields[i], key, "must be a field name");
            continue;
          }
          checkField(r, fields[i], key, fields[i].Scalar());
          s.fields.push_back(fields[i].Scalar());
        }
      }
    }
    if (value) {
      if (!allowLiteral) {
        r.problem(value, r.keyPath("value"), "a literal value is not allowed here");
      } else if (!value.IsScalar()) {
        r.problem(value, r.keyPath("value"), "must be a string");
      } else {
        s.literal = value.Scalar();
      }
    }
    s.separator = " ";
    r.string("separator", s.separator, false);
    auto map = r.take("map");
    if (map) {
      if (!map.IsMap()) {
        r.problem(map, r.keyPath("map"), "must map subject values to card values");
      } else {
        for (auto it = map.begin(); it != map.end(); ++it) {
          if (!it->second.IsScalar()) {
            r.problem(it->second, r.keyPath("map") + "." + it->first.Scalar(), "must be a string");
            continue;
          }
          s.map[it->first.Scalar()] = it->second.Scalar();
        }
      }
    }
    std::string format;
    if (r.string("format", format, false)) {
      if (format == "yyyymmdd") {
        s.dateCompact = true;
      } else if (format != "text") {
        r.problem(r.take("format"), r.keyPath("format"), "must be text or yyyymmdd");
      }
    }
    return s;
  }

  void checkField(Reader& r, const YAML::Node& at, const std::string& key,
                  const std::string& name) {
    if (!known_.contains(name)) {
      r.problem(at, key,
                "unknown person field '" + name + "' (not in the person schema nor document.*)");
    }
  }

  void parseMrz(Reader& file, FileSpec& f) {
    auto mrz = file.child("mrz", true);
    struct Entry {
      const char* key;
      ValueSource* target;
      bool required;
    };
    MrzSpec& m = f.mrz;
    const Entry entries[] = {
        {"document_code", &m.documentCode, false},
        {"issuer", &m.issuer, true},
        {"document_number", &m.documentNumber, true},
        {"optional_data_1", &m.optionalData1, false},
        {"birth_date", &m.birthDate, true},
        {"sex", &m.sex, true},
        {"expiry_date", &m.expiryDate, true},
        {"nationality", &m.nationality, true},
        {"optional_data_2", &m.optionalData2, false},
        {"primary_identifier", &m.primaryIdentifier, true},
        {"secondary_identifier", &m.secondaryIdentifier, false},
    };
    for (const auto& e : entries) {
      auto child = mrz.child(e.key, e.required);
      if (child.valid()) {
        *e.target = parseSource(child, true);
        child.finish();
      }
    }
    mrz.finish();
  }

  void parseItems(Reader& file, FileSpec& f) {
    file.boolean("tag_list", f.tagList);
    auto items = file.require("items");
    if (!items) return;
    if (!items.IsSequence() || items.size() == 0) {
      file.problem(items, file.keyPath("items"), "must be a non-empty list of {tag, field}");
      return;
    }
    std::set<tlv::Tag> tags;
    for (std::size_t i = 0; i < items.size(); ++i) {
      Reader item(items[i], file.keyPath("items") + "[" + std::to_string(i) + "]", origin_, out_);
      if (!item.valid()) {
        item.problem(items[i], item.path(), "must be a mapping");
        continue;
      }
      FieldItemSpec spec;
      if (item.number("tag", spec.tag, 0x01, 0xFFFFFF, true)) {
        if (!lds::isLdsTag(spec.tag) || tlv::isConstructed(spec.tag)) {
          item.problem(item.take("tag"), item.keyPath("tag"),
                       "must be a valid primitive BER-TLV tag (e.g. 0x5F10, 0xC1)");
        } else if (spec.tag == lds::tag::kTagList) {
          item.problem(item.take("tag"), item.keyPath("tag"), "0x5C is the tag list itself");
        } else if (!tags.insert(spec.tag).second) {
          item.problem(item.take("tag"), item.keyPath("tag"), "tag used twice in this file");
        }
      }
      item.boolean("optional", spec.optional);
      spec.source = parseSource(item, true);
      item.finish();
      f.items.push_back(std::move(spec));
    }
  }

  void parseFiles(Reader& top, Profile& p) {
    auto files = top.require("files");
    if (!files) return;
    if (!files.IsSequence() || files.size() == 0) {
      top.problem(files, "files", "must be a non-empty list of files");
      return;
    }
    std::map<std::uint16_t, std::string> fids;
    std::set<std::string> names;
    for (std::size_t i = 0; i < files.size(); ++i) {
      Reader r(files[i], "files[" + std::to_string(i) + "]", origin_, out_);
      if (!r.valid()) {
        r.problem(files[i], r.path(), "must be a mapping");
        continue;
      }
      FileSpec f;
      f.line = files[i].Mark().line + 1;
      if (r.string("name", f.name, true)) {
        if (f.name.size() > 2 && f.name.rfind("DG", 0) == 0) {
          unsigned long long n = 0;
          if (Reader::parseNumber(f.name.substr(2), n) && n >= 1 && n <= 16) {
            f.dataGroup = static_cast<int>(n);
          }
        }
        if (f.dataGroup == 0 && f.name != "EF.COM" && f.name != "EF.SOD") {
          r.problem(r.take("name"), r.keyPath("name"), "must be EF.COM, EF.SOD or DG1..DG16");
        }
        if (!names.insert(f.name).second) {
          r.problem(r.take("name"), r.keyPath("name"), f.name + " appears twice");
        }
      }
      if (r.number("fid", f.fid, 0x0001, 0xFFFE, true)) {
        if (f.fid == 0x3F00 || f.fid == 0x3FFF) {
          r.problem(r.take("fid"), r.keyPath("fid"), "3F00 and 3FFF are reserved FIDs");
        }
        auto [it, fresh] = fids.emplace(f.fid, f.name);
        if (!fresh) {
          std::ostringstream msg;
          msg << "FID " << std::hex << std::uppercase << f.fid << " is already used by "
              << it->second;
          r.problem(r.take("fid"), r.keyPath("fid"), msg.str());
        }
      }
      auto size = r.take("size");
      if (size && !(size.IsScalar() && size.Scalar() == "auto")) {
        std::size_t fixed = 0;
        if (r.number("size", fixed, 1, 65535, false)) f.size = fixed;
      }
      r.boolean("optional", f.optional);

      std::string content;
      if (r.string("content", content, true)) {
        static const std::map<std::string, ContentKind> kKinds = {
            {"com", ContentKind::Com},       {"mrz-td1", ContentKind::MrzTd1},
            {"face", ContentKind::Face},     {"fingerprints", ContentKind::Fingerprints},
            {"fields", ContentKind::Fields}, {"sod", ContentKind::Sod}};
        auto kind = kKinds.find(content);
        if (kind == kKinds.end()) {
          r.problem(r.take("content"), r.keyPath("content"),
                    "unknown content; use com, mrz-td1, face, fingerprints, fields or sod");
        } else {
          f.content = kind->second;
          checkContentName(r, f);
          switch (f.content) {
            case ContentKind::MrzTd1:
              parseMrz(r, f);
              break;
            case ContentKind::Fields:
              parseItems(r, f);
              break;
            case ContentKind::Fingerprints: {
              auto format = r.child("format", false);
              format.number("owner", f.biometricFormat.owner, 0, 0xFFFF, false);
              format.number("type", f.biometricFormat.type, 0, 0xFFFF, false);
              format.finish();
              break;
            }
            default:
              break;
          }
        }
      }
      r.finish();
      p.files.push_back(std::move(f));
    }
  }

  void checkContentName(Reader& r, const FileSpec& f) {
    const bool com = f.content == ContentKind::Com;
    const bool sod = f.content == ContentKind::Sod;
    if (com != (f.name == "EF.COM") || sod != (f.name == "EF.SOD")) {
      r.problem(r.take("content"), r.keyPath("content"),
                "EF.COM must have content com and EF.SOD content sod (and only they)");
    }
    if ((f.content == ContentKind::MrzTd1 && f.dataGroup != 1) ||
        (f.content == ContentKind::Face && f.dataGroup != 2) ||
        (f.content == ContentKind::Fingerprints && f.dataGroup != 3)) {
      r.problem(r.take("content"), r.keyPath("content"),
                "mrz-td1 belongs in DG1, face in DG2, fingerprints in DG3");
    }
  }

  void parseSod(Reader& top, Profile& p) {
    auto sod = top.child("sod", true);
    sod.string("signer", p.sod.signer, true);
    std::string digest;
    if (sod.string("digest", digest, false)) {
      if (digest == "sha256") {
        p.sod.options.digest = lds::HashAlgorithm::Sha256;
      } else if (digest == "sha384") {
        p.sod.options.digest = lds::HashAlgorithm::Sha384;
      } else if (digest == "sha512") {
        p.sod.options.digest = lds::HashAlgorithm::Sha512;
      } else {
        sod.problem(sod.take("digest"), sod.keyPath("digest"), "must be sha256, sha384 or sha512");
      }
    }
    std::string signature;
    if (sod.string("signature", signature, false)) {
      if (signature == "ecdsa") {
        p.sod.options.scheme = signing::SignatureScheme::Ecdsa;
      } else if (signature == "rsa-pss") {
        p.sod.options.scheme = signing::SignatureScheme::RsaPss;
      } else if (signature == "rsa-pkcs1") {
        p.sod.options.scheme = signing::SignatureScheme::RsaPkcs1;
      } else {
        sod.problem(sod.take("signature"), sod.keyPath("signature"),
                    "must be ecdsa, rsa-pss or rsa-pkcs1");
      }
    }
    sod.finish();
  }

  void parseLock(Reader& top, Profile& p) {
    auto lock = top.child("lock", true);
    auto key = lock.child("access_key", false);
    std::string source;
    if (key.valid() && key.string("source", source, true)) {
      if (source == "derived") {
        p.accessKey.source = AccessKeySource::Derived;
        key.string("key_set", p.accessKey.keySet, true);
        key.number("key_type", p.accessKey.keyType, 0x04, 0xFF, false);
      } else if (source == "mrz-seed") {
        p.accessKey.source = AccessKeySource::MrzSeed;
      } else if (source != "none") {
        key.problem(key.take("source"), key.keyPath("source"), "must be derived, mrz-seed or none");
      }
    }
    key.finish();
    lock.finish();
  }

  /* Checks across sections, once every section is parsed. */
  void crossChecks(Reader& top, const Profile& p) {
    auto problem = [&](const std::string& key, const std::string& msg) {
      out_.push_back({origin_, 0, key, msg});
    };
    (void)top;
    if (!p.files.empty()) {
      if (p.findFile("EF.SOD") == nullptr) {
        problem("files",
                "no EF.SOD file: a chip without a signed security object cannot be "
                "verified by readers; add {name: EF.SOD, content: sod}");
      } else if (p.files.back().name != "EF.SOD") {
        problem("files", "EF.SOD must be the last file (it is signed over the others)");
      }
      bool anyDg = false;
      for (const auto& f : p.files) anyDg = anyDg || f.dataGroup != 0;
      if (!anyDg) problem("files", "the profile writes no data group");
    }
    if (p.applet == AppletType::CarddEid && p.channel != ChannelType::Scp03) {
      problem("channel.type", "the cardd-eid applet only accepts writes in an SCP03 channel");
    }
    if (p.applet == AppletType::JmrtdPassport && p.channel != ChannelType::None) {
      problem("channel.type", "the jmrtd-passport applet is personalised in the clear (none)");
    }
    if (p.applet == AppletType::CarddEid && p.accessKey.source == AccessKeySource::MrzSeed) {
      problem("lock.access_key.source", "mrz-seed is for jmrtd-passport; cardd-eid uses derived");
    }
    if (p.applet == AppletType::JmrtdPassport && p.accessKey.source == AccessKeySource::Derived) {
      problem("lock.access_key.source", "jmrtd-passport takes its BAC key as mrz-seed");
    }
    const auto* dg1 = p.findFile("DG1");
    if (p.accessKey.source == AccessKeySource::MrzSeed &&
        (dg1 == nullptr || dg1->content != ContentKind::MrzTd1)) {
      problem("lock.access_key.source", "mrz-seed needs a DG1 with content mrz-td1");
    }
  }

  const std::string& origin_;
  std::vector<ProfileProblem>& out_;
  std::set<std::string> known_;
};

}  // namespace

const FileSpec* Profile::findFile(std::string_view name) const {
  for (const auto& f : files) {
    if (f.name == name) return &f;
  }
  return nullptr;
}

std::string ProfileProblem::describe() const {
  std::ostringstream s;
  s << file;
  if (line > 0) s << ':' << line;
  s << ": ";
  if (!key.empty()) s << key << ": ";
  s << message;
  return s.str();
}

const std::vector<std::string>& documentFieldNames() {
  static const std::vector<std::string> kNames = {"document.number", "document.issuer",
                                                  "document.issued", "document.expiry"};
  return kNames;
}

ProfileLoadResult loadProfileText(const std::string& text, const std::string& origin,
                                  const std::vector<std::string>& personFields) {
  ProfileLoadResult result;
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    result.problems.push_back({origin, e.mark.line + 1, "", "YAML syntax error: " + e.msg});
    return result;
  }
  ProfileParser parser(origin, personFields, result.problems);
  result.profile = parser.parse(root);
  return result;
}

ProfileLoadResult loadProfileFile(const std::string& path,
                                  const std::vector<std::string>& personFields) {
  std::ifstream in(path);
  if (!in) {
    ProfileLoadResult result;
    result.problems.push_back({path, 0, "", "cannot read the profile file"});
    return result;
  }
  std::ostringstream text;
  text << in.rdbuf();
  return loadProfileText(text.str(), path, personFields);
}

}  // namespace cardd::applets::personalisation
