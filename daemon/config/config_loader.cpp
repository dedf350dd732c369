#include "config/config_loader.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <functional>
#include <set>
#include <sstream>

namespace cardd {
namespace {

namespace fs = std::filesystem;

// Walks one YAML mapping: each get*() consumes a key; finish() reports every
// key nobody asked for as unknown. Problems go to a shared list.
class MapReader {
 public:
  MapReader(YAML::Node node, std::string path, std::string file, std::vector<ConfigProblem>& out)
      : node_(std::move(node)), path_(std::move(path)), file_(std::move(file)), out_(out) {
    if (node_ && !node_.IsNull() && !node_.IsMap()) {
      problem(node_, path_, "must be a mapping");
      valid_ = false;
    }
  }

  bool valid() const { return valid_ && node_ && node_.IsMap(); }

  YAML::Node take(const std::string& key) {
    seen_.insert(key);
    if (!valid()) return YAML::Node(YAML::NodeType::Undefined);
    return node_[key];
  }

  std::string keyPath(const std::string& key) const {
    return path_.empty() ? key : path_ + "." + key;
  }

  void problem(const YAML::Node& at, const std::string& key, const std::string& msg) {
    int line = 0;
    if (at && at.Mark().line >= 0)
      line = at.Mark().line + 1;
    else if (node_ && node_.Mark().line >= 0)
      line = node_.Mark().line + 1;
    out_.push_back({file_, line, key, msg});
  }

  void getString(const std::string& key, std::string& out, bool allow_empty = false) {
    auto n = take(key);
    if (!n) return;
    if (!n.IsScalar()) return problem(n, keyPath(key), "must be a string");
    auto s = n.Scalar();
    if (s.empty() && !allow_empty) return problem(n, keyPath(key), "must not be empty");
    out = s;
  }

  template <typename Int>
  void getInt(const std::string& key, Int& out, long long lo, long long hi) {
    auto n = take(key);
    if (!n) return;
    long long v = 0;
    if (!n.IsScalar() || !parseInt(n.Scalar(), v) || v < lo || v > hi) {
      return problem(n, keyPath(key),
                     "must be an integer from " + std::to_string(lo) + " to " + std::to_string(hi));
    }
    out = static_cast<Int>(v);
  }

  void getOctalMode(const std::string& key, unsigned& out) {
    auto n = take(key);
    if (!n) return;
    unsigned v = 0;
    const std::string s = n.IsScalar() ? n.Scalar() : "";
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v, 8);
    if (s.empty() || ec != std::errc() || p != s.data() + s.size() || v > 0777) {
      return problem(n, keyPath(key), "must be an octal file mode such as \"0660\"");
    }
    out = v;
  }

  // "250ms", "30s", "2m", "1h", or a bare number of milliseconds.
  void getDuration(const std::string& key, std::chrono::milliseconds& out,
                   std::chrono::milliseconds lo, std::chrono::milliseconds hi) {
    auto n = take(key);
    if (!n) return;
    std::chrono::milliseconds v{};
    if (!n.IsScalar() || !parseDuration(n.Scalar(), v) || v < lo || v > hi) {
      return problem(n, keyPath(key),
                     "must be a duration such as \"30s\" or \"500ms\", from " +
                         std::to_string(lo.count()) + "ms to " + std::to_string(hi.count()) + "ms");
    }
    out = v;
  }

  // A duration in whole minutes ("15m", "1h"); 0 is allowed.
  void getMinutes(const std::string& key, std::chrono::minutes& out, std::chrono::minutes hi) {
    auto n = take(key);
    if (!n) return;
    std::chrono::milliseconds v{};
    if (!n.IsScalar() || !parseDuration(n.Scalar(), v) || v > hi || v.count() % 60'000 != 0) {
      return problem(n, keyPath(key),
                     "must be whole minutes such as \"15m\" or \"1h\", from 0 to " +
                         std::to_string(hi.count()) + "m");
    }
    out = std::chrono::duration_cast<std::chrono::minutes>(v);
  }

  // A plain decimal number (no units, no percent sign).
  void getNumber(const std::string& key, double& out, double lo, double hi,
                 const std::string& what) {
    auto n = take(key);
    if (!n) return;
    double v = 0;
    if (!n.IsScalar() || !parseNumber(n.Scalar(), v) || v < lo || v > hi) {
      return problem(n, keyPath(key), "must be " + what);
    }
    out = v;
  }

  void getBool(const std::string& key, bool& out) {
    auto n = take(key);
    if (!n) return;
    if (!n.IsScalar() || (n.Scalar() != "true" && n.Scalar() != "false"))
      return problem(n, keyPath(key), "must be true or false");
    out = n.Scalar() == "true";
  }

  // A file path; relative ones resolve against `base_dir`.
  void getPath(const std::string& key, std::string& out, const std::string& base_dir) {
    auto n = take(key);
    if (!n) return;
    if (!n.IsScalar() || n.Scalar().empty()) return problem(n, keyPath(key), "must be a file path");
    out = resolvePath(n.Scalar(), base_dir);
  }

  static std::string resolvePath(const std::string& rel, const std::string& base_dir) {
    fs::path p(rel);
    if (p.is_relative()) p = fs::path(base_dir) / p;
    return p.lexically_normal().string();
  }

  void getStringList(const std::string& key, std::vector<std::string>& out) {
    auto n = take(key);
    if (!n) return;
    if (!n.IsSequence()) return problem(n, keyPath(key), "must be a list of strings");
    std::vector<std::string> v;
    for (std::size_t i = 0; i < n.size(); ++i) {
      if (!n[i].IsScalar() || n[i].Scalar().empty()) {
        return problem(n[i], keyPath(key) + "[" + std::to_string(i) + "]",
                       "must be a non-empty string");
      }
      v.push_back(n[i].Scalar());
    }
    out = std::move(v);
  }

  MapReader child(const std::string& key) {
    return MapReader(take(key), keyPath(key), file_, out_);
  }

  void finish() {
    if (!valid()) return;
    for (auto it = node_.begin(); it != node_.end(); ++it) {
      const auto key = it->first.Scalar();
      if (!seen_.contains(key)) problem(it->first, keyPath(key), "unknown key");
    }
  }

  const std::string& file() const { return file_; }
  std::vector<ConfigProblem>& problems() { return out_; }

  static bool parseInt(const std::string& s, long long& v) {
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    return !s.empty() && ec == std::errc() && p == s.data() + s.size();
  }

  static bool parseNumber(const std::string& s, double& v) {
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    return !s.empty() && ec == std::errc() && p == s.data() + s.size() && std::isfinite(v);
  }

  static bool parseDuration(const std::string& s, std::chrono::milliseconds& out) {
    long long v = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (s.empty() || ec != std::errc() || v < 0) return false;
    const std::string unit(p, s.data() + s.size());
    long long mult = 0;
    if (unit.empty() || unit == "ms")
      mult = 1;
    else if (unit == "s")
      mult = 1000;
    else if (unit == "m" || unit == "min")
      mult = 60'000;
    else if (unit == "h")
      mult = 3'600'000;
    else
      return false;
    if (v > (1LL << 40)) return false;
    out = std::chrono::milliseconds(v * mult);
    return true;
  }

 private:
  YAML::Node node_;
  std::string path_;
  std::string file_;
  std::vector<ConfigProblem>& out_;
  std::set<std::string> seen_;
  bool valid_ = true;
};

// --- person schema ---------------------------------------------------------

void readPersonFields(const YAML::Node& node, const std::string& path, const std::string& file,
                      std::vector<ConfigProblem>& out, std::vector<PersonField>& fields);

void readPersonField(const std::string& name, const YAML::Node& node, const std::string& path,
                     const std::string& file, std::vector<ConfigProblem>& out, PersonField& f) {
  f.name = name;
  MapReader r(node, path, file, out);
  if (!r.valid()) return;
  std::string type = "string";
  r.getString("type", type);
  if (type == "string")
    f.type = PersonField::Type::String;
  else if (type == "date")
    f.type = PersonField::Type::Date;
  else if (type == "enum")
    f.type = PersonField::Type::Enum;
  else if (type == "object")
    f.type = PersonField::Type::Object;
  else
    r.problem(node["type"], path + ".type", "must be one of string, date, enum, object");

  auto req = r.take("required");
  if (req) {
    if (!req.IsScalar() || (req.Scalar() != "true" && req.Scalar() != "false")) {
      r.problem(req, path + ".required", "must be true or false");
    } else {
      f.required = req.Scalar() == "true";
    }
  }
  r.getInt("max_length", f.max_length, 1, 10'000);
  r.getString("pattern", f.pattern_text);
  if (!f.pattern_text.empty()) {
    try {
      f.pattern.emplace(f.pattern_text, std::regex::ECMAScript | std::regex::optimize);
    } catch (const std::regex_error& e) {
      r.problem(node["pattern"], path + ".pattern",
                std::string("is not a valid regular expression: ") + e.what());
    }
  }
  r.getStringList("values", f.values);
  if (f.type == PersonField::Type::Enum && f.values.empty()) {
    r.problem(node, path + ".values", "an enum field needs a non-empty list of values");
  }
  auto sub = r.take("fields");
  if (f.type == PersonField::Type::Object) {
    if (!sub)
      r.problem(node, path + ".fields", "an object field needs fields");
    else
      readPersonFields(sub, path + ".fields", file, out, f.fields);
  } else if (sub) {
    r.problem(sub, path + ".fields", "only an object field has fields");
  }
  r.finish();
}

void readPersonFields(const YAML::Node& node, const std::string& path, const std::string& file,
                      std::vector<ConfigProblem>& out, std::vector<PersonField>& fields) {
  if (!node.IsMap()) {
    out.push_back({file, node.Mark().line + 1, path, "must be a mapping of field names"});
    return;
  }
  for (auto it = node.begin(); it != node.end(); ++it) {
    PersonField f;
    const auto name = it->first.Scalar();
    readPersonField(name, it->second, path + "." + name, file, out, f);
    fields.push_back(std::move(f));
  }
}

std::shared_ptr<PersonSchema> readPersonSchema(const std::string& path,
                                               std::vector<ConfigProblem>& out,
                                               const std::string& referenced_from, int ref_line,
                                               const std::string& ref_key) {
  YAML::Node root;
  try {
    root = YAML::LoadFile(path);
  } catch (const YAML::BadFile&) {
    out.push_back({referenced_from, ref_line, ref_key, "cannot read person schema file " + path});
    return nullptr;
  } catch (const YAML::Exception& e) {
    out.push_back({path, e.mark.line + 1, "", "YAML syntax error: " + e.msg});
    return nullptr;
  }
  auto schema = std::make_shared<PersonSchema>();
  MapReader r(root, "", path, out);
  r.getString("name", schema->name);
  auto fields = r.take("fields");
  if (!fields)
    r.problem(root, "fields", "is required");
  else
    readPersonFields(fields, "fields", path, out, schema->fields);
  r.finish();
  return schema;
}

// --- issuance and printers -------------------------------------------------

// The PKCS#11 key of a signer or key set: { module, token, key_label, pin_file }.
void readPkcs11(MapReader& parent, const std::string& base_dir, std::string& module,
                std::string& token, std::string& key_label, std::string& pin_file) {
  auto n = parent.take("pkcs11");
  if (!n) return;
  MapReader r(n, parent.keyPath("pkcs11"), parent.file(), parent.problems());
  if (!r.valid()) return;
  for (const char* required : {"module", "token", "key_label", "pin_file"}) {
    if (!n[required]) r.problem(n, r.keyPath(required), "is required");
  }
  r.getPath("module", module, base_dir);
  r.getString("token", token);
  r.getString("key_label", key_label);
  r.getPath("pin_file", pin_file, base_dir);
  r.finish();
}

// Calls `each(id, node, path)` for every entry of a mapping keyed by ids.
void forEachEntry(
    MapReader& parent, const std::string& key,
    const std::function<void(const std::string&, const YAML::Node&, const std::string&)>& each) {
  auto n = parent.take(key);
  if (!n || n.IsNull()) return;
  const auto path = parent.keyPath(key);
  if (!n.IsMap()) return parent.problem(n, path, "must be a mapping");
  for (auto it = n.begin(); it != n.end(); ++it) {
    const auto id = it->first.Scalar();
    if (id.empty()) {
      parent.problem(it->first, path, "ids must not be empty");
      continue;
    }
    each(id, it->second, path + "." + id);
  }
}

void readIssuance(MapReader& root, const std::string& base_dir, IssuanceConfig& is) {
  auto r = root.child("issuance");
  r.getInt("max_attempts", is.max_attempts, 1, 10);
  r.getBool("encode_ahead", is.encode_ahead);
  forEachEntry(r, "profiles",
               [&](const std::string& id, const YAML::Node& n, const std::string& path) {
                 if (!n.IsScalar() || n.Scalar().empty())
                   return r.problem(n, path, "must be the path of a chip profile file");
                 is.profiles[id] = MapReader::resolvePath(n.Scalar(), base_dir);
               });
  forEachEntry(r, "signers",
               [&](const std::string& id, const YAML::Node& n, const std::string& path) {
                 MapReader s(n, path, r.file(), r.problems());
                 if (!s.valid()) return;
                 SignerConfig signer;
                 if (!n["certificate"]) s.problem(n, path + ".certificate", "is required");
                 s.getPath("certificate", signer.certificate, base_dir);
                 s.getPath("key", signer.key, base_dir);
                 const bool has_key = static_cast<bool>(n["key"]);
                 const bool has_pkcs11 = static_cast<bool>(n["pkcs11"]);
                 readPkcs11(s, base_dir, signer.pkcs11_module, signer.pkcs11_token,
                            signer.pkcs11_key_label, signer.pkcs11_pin_file);
                 if (has_key == has_pkcs11) {
                   s.problem(n, path,
                             has_key ? "give either key (a PEM file) or pkcs11, not both"
                                     : "needs key (a PEM file) or pkcs11 (a token key)");
                 }
                 s.finish();
                 is.signers[id] = std::move(signer);
               });
  forEachEntry(r, "key_sets",
               [&](const std::string& id, const YAML::Node& n, const std::string& path) {
                 MapReader k(n, path, r.file(), r.problems());
                 if (!k.valid()) return;
                 KeySetConfig set;
                 k.getPath("file", set.file, base_dir);
                 const bool has_file = static_cast<bool>(n["file"]);
                 const bool has_pkcs11 = static_cast<bool>(n["pkcs11"]);
                 readPkcs11(k, base_dir, set.pkcs11_module, set.pkcs11_token, set.pkcs11_key_label,
                            set.pkcs11_pin_file);
                 if (has_file == has_pkcs11) {
                   k.problem(n, path,
                             has_file ? "give either file (hex keys) or pkcs11, not both"
                                      : "needs file (hex keys) or pkcs11 (a token key)");
                 }
                 k.finish();
                 is.key_sets[id] = std::move(set);
               });
  r.getPath("csca", is.csca, base_dir);
  r.finish();
}

bool validPrinterId(const std::string& id) {
  if (id.empty() || id.size() > 32) return false;
  return std::all_of(id.begin(), id.end(), [](char ch) {
    return std::isalnum(static_cast<unsigned char>(ch)) != 0 || ch == '.' || ch == '_' || ch == '-';
  });
}

bool isHex4(std::string_view s) {
  return s.size() == 4 && std::all_of(s.begin(), s.end(), [](char ch) {
           return std::isxdigit(static_cast<unsigned char>(ch)) != 0;
         });
}

// tcp://HOST:PORT or usb://VVVV:PPPP[/SERIAL].
bool validPrinterUri(std::string_view uri) {
  if (uri.starts_with("tcp://")) {
    const auto rest = uri.substr(6);
    const auto colon = rest.rfind(':');
    if (colon == std::string_view::npos || colon == 0) return false;
    const auto host = rest.substr(0, colon);
    if (host.find_first_of("/ ") != std::string_view::npos) return false;
    long long port = 0;
    return MapReader::parseInt(std::string(rest.substr(colon + 1)), port) && port >= 1 &&
           port <= 65535;
  }
  if (uri.starts_with("usb://")) {
    auto rest = uri.substr(6);
    std::string_view serial;
    if (const auto slash = rest.find('/'); slash != std::string_view::npos) {
      serial = rest.substr(slash + 1);
      rest = rest.substr(0, slash);
      if (serial.empty() || serial.find_first_of("/ ") != std::string_view::npos) return false;
    }
    return rest.size() == 9 && rest[4] == ':' && isHex4(rest.substr(0, 4)) &&
           isHex4(rest.substr(5));
  }
  return false;
}

// duty: { cards_per_hour, burst, run, rest } (health/duty_governor.hpp).
// Forced rests need both run and rest; either alone would never rest or
// never print.
void readDuty(MapReader& printer, const YAML::Node& node, PrinterConfig& p) {
  auto d = printer.child("duty");
  d.getInt("cards_per_hour", p.duty_cards_per_hour, 0, 10'000);
  d.getInt("burst", p.duty_burst, 1, 1'000);
  d.getMinutes("run", p.duty_run, std::chrono::hours(24));
  d.getMinutes("rest", p.duty_rest, std::chrono::hours(24));
  if ((p.duty_run.count() == 0) != (p.duty_rest.count() == 0)) {
    d.problem(node, printer.keyPath("duty"),
              "run and rest go together: give both (e.g. run: 60m, rest: 10m) or neither");
  }
  d.finish();
}

void readPrinters(MapReader& root, std::vector<PrinterConfig>& printers) {
  auto n = root.take("printers");
  if (!n || n.IsNull()) return;
  if (!n.IsSequence()) return root.problem(n, "printers", "must be a list of printers");
  std::map<std::string, int> ids;      // id -> line of its first use
  std::map<std::string, int> readers;  // reader -> line of its first use
  for (std::size_t i = 0; i < n.size(); ++i) {
    const auto path = "printers[" + std::to_string(i) + "]";
    MapReader r(n[i], path, root.file(), root.problems());
    if (!r.valid() || n[i].IsNull()) {
      if (n[i].IsNull()) r.problem(n[i], path, "must be a mapping with at least id and uri");
      continue;
    }
    PrinterConfig p;
    for (const char* required : {"id", "uri"}) {
      if (!n[i][required]) r.problem(n[i], r.keyPath(required), "is required");
    }
    r.getString("id", p.id);
    if (!p.id.empty()) {
      const int line = n[i]["id"].Mark().line + 1;
      if (!validPrinterId(p.id)) {
        r.problem(n[i]["id"], r.keyPath("id"), "must be 1 to 32 letters, digits, '.', '_' or '-'");
      } else if (auto [it, fresh] = ids.emplace(p.id, line); !fresh) {
        r.problem(
            n[i]["id"], r.keyPath("id"),
            "printer '" + p.id + "' is already defined on line " + std::to_string(it->second));
      }
    }
    r.getString("uri", p.uri);
    if (!p.uri.empty() && !validPrinterUri(p.uri)) {
      r.problem(n[i]["uri"], r.keyPath("uri"),
                "must be tcp://HOST:PORT or usb://VVVV:PPPP[/SERIAL] (hex USB ids)");
    }
    r.getString("family", p.family);
    if (!p.family.empty() &&
        (p.family.size() > 32 || !std::all_of(p.family.begin(), p.family.end(), [](char ch) {
           return (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '-';
         }))) {
      r.problem(n[i]["family"], r.keyPath("family"),
                "must be a driver family name such as \"evolis\"");
    }
    r.getString("reader", p.reader);
    if (!p.reader.empty()) {
      const int line = n[i]["reader"].Mark().line + 1;
      if (auto [it, fresh] = readers.emplace(p.reader, line); !fresh) {
        r.problem(n[i]["reader"], r.keyPath("reader"),
                  "reader '" + p.reader + "' is already the encoder of the printer on line " +
                      std::to_string(it->second) + "; each printer needs its own reader");
      }
    }
    r.getString("ribbon", p.ribbon);
    if (p.ribbon != "ymcko" && p.ribbon != "ymckok" && p.ribbon != "ko" && p.ribbon != "k") {
      r.problem(n[i]["ribbon"], r.keyPath("ribbon"), "must be one of ymcko, ymckok, ko, k");
    }
    r.getString("card_stock", p.card_stock);
    r.getDuration("status_interval", p.status_interval, std::chrono::milliseconds(100),
                  std::chrono::minutes(10));
    r.getDuration("card_wait", p.card_wait, std::chrono::milliseconds(500),
                  std::chrono::minutes(10));
    r.getBool("enabled", p.enabled);
    r.getInt("cleaning_interval", p.cleaning_interval_cards, 0, 1'000'000);
    r.getInt("printhead_rated_passes", p.printhead_rated_passes, 0, 10'000'000'000LL);
    readDuty(r, n[i]["duty"], p);
    r.finish();
    printers.push_back(std::move(p));
  }
}

// --- health ----------------------------------------------------------------

// health.alerts: the alert rule thresholds; 0 (or false) turns a rule off.
void readAlertRules(MapReader& health, AlertRulesConfig& a) {
  auto r = health.child("alerts");
  const YAML::Node node = r.valid() ? r.take("blank_stock_critical") : YAML::Node();
  r.getInt("blank_stock_warning", a.blank_stock_warning, 0, 10'000'000);
  r.getInt("blank_stock_critical", a.blank_stock_critical, 0, 10'000'000);
  if (a.blank_stock_warning > 0 && a.blank_stock_critical > a.blank_stock_warning) {
    r.problem(node, r.keyPath("blank_stock_critical"),
              "must not be above blank_stock_warning (" + std::to_string(a.blank_stock_warning) +
                  "): critical is the lower stock level");
  }
  r.getBool("blank_forecast", a.blank_forecast);
  r.getInt("feeder_low", a.feeder_low, 0, 100'000);
  r.getInt("ribbon_low", a.ribbon_low, 0, 1'000'000);
  r.getInt("cleaning_due_margin", a.cleaning_due_margin, 0, 1'000'000);
  r.getNumber("printhead_end_of_life", a.printhead_end_of_life, 0, 1,
              "a fraction of the rated life from 0 to 1, such as 0.9 (0 turns the rule off)");
  r.getNumber("reader_failure_rate", a.reader_failure_rate, 0, 1,
              "a fraction of cards from 0 to 1, such as 0.1 (0 turns the rule off)");
  // The rate is rolled over the reader's last 50 cards (health::kReaderWindow).
  r.getInt("reader_min_cards", a.reader_min_cards, 0, 50);
  r.getMinutes("printer_faulted", a.printer_faulted, std::chrono::hours(24));
  r.getBool("ledger_imbalance", a.ledger_imbalance);
  r.getInt("outbox_backlog", a.outbox_backlog, 0, 100'000'000);
  r.finish();
}

// health.hooks: [{ command: [absolute path, args...], min_severity, timeout }].
// Hooks run without a shell or PATH lookup, so the program must be absolute.
void readHooks(MapReader& health, std::vector<AlertHookConfig>& hooks) {
  auto n = health.take("hooks");
  if (!n || n.IsNull()) return;
  const auto list_path = health.keyPath("hooks");
  if (!n.IsSequence()) return health.problem(n, list_path, "must be a list of hooks");
  for (std::size_t i = 0; i < n.size(); ++i) {
    const auto path = list_path + "[" + std::to_string(i) + "]";
    MapReader r(n[i], path, health.file(), health.problems());
    if (!r.valid()) {
      if (n[i].IsNull()) r.problem(n[i], path, "must be a mapping with at least command");
      continue;
    }
    AlertHookConfig hook;
    const YAML::Node command = n[i]["command"];
    if (!command) r.problem(n[i], r.keyPath("command"), "is required");
    r.getStringList("command", hook.command);
    if (command && command.IsSequence() && command.size() == 0) {
      r.problem(command, r.keyPath("command"),
                "must name a program: [\"/usr/local/bin/hook\", \"arg\", ...]");
    }
    if (!hook.command.empty() && !fs::path(hook.command.front()).is_absolute()) {
      r.problem(command[0], r.keyPath("command") + "[0]",
                "must be an absolute path (hooks run without a shell or PATH lookup)");
    }
    r.getString("min_severity", hook.min_severity);
    if (hook.min_severity != "info" && hook.min_severity != "warning" &&
        hook.min_severity != "critical") {
      r.problem(n[i]["min_severity"], r.keyPath("min_severity"),
                "must be one of info, warning, critical");
    }
    r.getDuration("timeout", hook.timeout, std::chrono::milliseconds(100),
                  std::chrono::minutes(10));
    r.finish();
    hooks.push_back(std::move(hook));
  }
}

void readHealth(MapReader& root, HealthConfig& h) {
  auto r = root.child("health");
  r.getInt("lead_time_days", h.lead_time_days, 1, 365);
  r.getInt("forecast_window_days", h.forecast_window_days, 7, 365);
  r.getDuration("evaluate_interval", h.evaluate_interval, std::chrono::seconds(1),
                std::chrono::hours(1));
  r.getDuration("clear_after", h.clear_after, std::chrono::milliseconds(0), std::chrono::hours(24));
  readAlertRules(r, h.rules);
  readHooks(r, h.hooks);
  r.finish();
}

// The 1-based line of `key` in the mapping `map`; 0 when it is not there.
int keyLine(const YAML::Node& map, const std::string& key) {
  if (!map || !map.IsMap()) return 0;
  for (auto it = map.begin(); it != map.end(); ++it) {
    if (it->first.IsScalar() && it->first.Scalar() == key && it->first.Mark().line >= 0)
      return it->first.Mark().line + 1;
  }
  return 0;
}

// Rules across sections: issuance profiles name job profiles, and a station
// with printers needs a readable chip profile for every job profile.
void checkIssuance(const YAML::Node& root, const std::string& file, Config& c,
                   std::vector<ConfigProblem>& out) {
  const YAML::Node issuance = keyLine(root, "issuance") > 0 ? root["issuance"] : YAML::Node();
  const YAML::Node profiles =
      keyLine(issuance, "profiles") > 0 ? issuance["profiles"] : YAML::Node();
  const auto& job_profiles = c.jobs.profiles;
  for (const auto& [id, path] : c.issuance.profiles) {
    const int line = keyLine(profiles, id);
    if (std::find(job_profiles.begin(), job_profiles.end(), id) == job_profiles.end()) {
      out.push_back({file, line, "issuance.profiles." + id,
                     "'" + id + "' is not a job profile; list it in jobs.profiles first"});
    }
    std::error_code ec;
    if (!fs::is_regular_file(path, ec)) {
      out.push_back(
          {file, line, "issuance.profiles." + id, "cannot read the chip profile file " + path});
    }
  }
  if (c.printers.empty()) return;
  int line = keyLine(issuance, "profiles");
  if (line == 0) line = keyLine(root, "issuance");
  if (line == 0) line = keyLine(root, "printers");
  for (const auto& id : job_profiles) {
    if (!c.issuance.profiles.contains(id)) {
      out.push_back({file, line, "issuance.profiles",
                     "job profile '" + id +
                         "' has no chip profile; a station with printers needs one for every "
                         "entry of jobs.profiles"});
    }
  }
}

// --- cardd.yaml ------------------------------------------------------------

Role roleFromName(const std::string& s, bool& ok) {
  ok = true;
  if (s == "operator") return Role::Operator;
  if (s == "supervisor") return Role::Supervisor;
  if (s == "technician") return Role::Technician;
  if (s == "admin") return Role::Admin;
  ok = false;
  return Role::Operator;
}

void readConfig(const YAML::Node& root, const std::string& file, const std::string& base_dir,
                ConfigLoadResult& res) {
  auto& out = res.problems;
  Config& c = res.config;
  c.source_path = file;
  MapReader r(root, "", file, out);

  {
    auto st = r.child("station");
    st.getString("name", c.station_name);
    st.finish();
  }
  r.getString("state_dir", c.state_dir);
  {
    auto n = r.take("log_level");
    if (n && (!n.IsScalar() || !log::parseLevel(n.Scalar(), c.log_level))) {
      r.problem(n, "log_level", "must be one of debug, info, notice, warning, error");
    }
  }
  {
    auto api = r.child("api");
    api.getString("socket", c.api.socket_path);
    api.getOctalMode("socket_mode", c.api.socket_mode);
    api.getString("socket_group", c.api.socket_group, true);
    auto& l = c.api.limits;
    api.getInt("max_body_bytes", l.max_body_bytes, 1024, 1LL << 30);
    api.getInt("max_header_bytes", l.max_header_bytes, 1024, 1LL << 20);
    api.getDuration("request_timeout", l.request_timeout, std::chrono::milliseconds(100),
                    std::chrono::hours(1));
    api.getDuration("idle_timeout", l.idle_timeout, std::chrono::milliseconds(100),
                    std::chrono::hours(24));
    api.getInt("max_connections", l.max_connections, 1, 100'000);
    api.getInt("max_pipeline", l.max_pipeline, 1, 1024);
    api.finish();
  }
  {
    auto acc = r.child("access");
    if (acc.valid()) {
      for (const char* name : {"operator", "supervisor", "technician", "admin"}) {
        auto g = acc.child(name);
        bool ok = false;
        Role role = roleFromName(name, ok);
        RoleGrant grant;
        g.getStringList("users", grant.users);
        g.getStringList("groups", grant.groups);
        g.finish();
        c.access.grants[role] = std::move(grant);
      }
    }
    acc.finish();
  }
  {
    auto jobs = r.child("jobs");
    std::string schema_rel = "schemas/ektp.yaml";
    auto schema_node = jobs.take("person_schema");
    int schema_line = root.Mark().line + 1;
    if (schema_node) {
      schema_line = schema_node.Mark().line + 1;
      if (!schema_node.IsScalar() || schema_node.Scalar().empty()) {
        jobs.problem(schema_node, "jobs.person_schema", "must be a file path");
      } else {
        schema_rel = schema_node.Scalar();
      }
    }
    fs::path p(schema_rel);
    if (p.is_relative()) p = fs::path(base_dir) / p;
    c.jobs.person_schema_path = p.lexically_normal().string();
    std::string templates_rel = "templates";
    jobs.getString("templates_dir", templates_rel);
    fs::path t(templates_rel);
    if (t.is_relative()) t = fs::path(base_dir) / t;
    c.jobs.templates_dir = t.lexically_normal().string();
    jobs.getStringList("templates", c.jobs.templates);
    jobs.getStringList("profiles", c.jobs.profiles);
    jobs.getInt("max_photo_bytes", c.jobs.max_photo_bytes, 1024, 16LL << 20);
    jobs.getInt("max_fingerprint_bytes", c.jobs.max_fingerprint_bytes, 64, 1LL << 20);
    jobs.getInt("max_fingerprints", c.jobs.max_fingerprints, 0, 10);
    jobs.getInt("default_priority", c.jobs.default_priority, 1, 100);
    jobs.finish();
    c.jobs.person_schema =
        readPersonSchema(c.jobs.person_schema_path, out, file, schema_line, "jobs.person_schema");
  }
  readIssuance(r, base_dir, c.issuance);
  readPrinters(r, c.printers);
  readHealth(r, c.health);
  r.finish();
  if (root.IsMap()) checkIssuance(root, file, c, out);
}

}  // namespace

const char* roleName(Role role) {
  switch (role) {
    case Role::Operator:
      return "operator";
    case Role::Supervisor:
      return "supervisor";
    case Role::Technician:
      return "technician";
    case Role::Admin:
      return "admin";
  }
  return "operator";
}

std::string ConfigProblem::describe() const {
  std::ostringstream s;
  s << file;
  if (line > 0) s << ':' << line;
  s << ": ";
  if (!key.empty()) s << key << ": ";
  s << message;
  return s.str();
}

ConfigLoadResult loadConfigText(const std::string& text, const std::string& origin,
                                const std::string& base_dir) {
  ConfigLoadResult res;
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    res.problems.push_back({origin, e.mark.line + 1, "", "YAML syntax error: " + e.msg});
    return res;
  }
  if (root.IsNull()) root = YAML::Node(YAML::NodeType::Map);
  readConfig(root, origin, base_dir, res);
  return res;
}

ConfigLoadResult loadConfigFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    ConfigLoadResult res;
    res.problems.push_back({path, 0, "", "cannot read the configuration file"});
    return res;
  }
  std::stringstream buf;
  buf << in.rdbuf();
  auto base = fs::path(path).parent_path().string();
  if (base.empty()) base = ".";
  return loadConfigText(buf.str(), path, base);
}

ConfigLoadResult loadPersonSchemaInto(Config config, const std::string& path) {
  ConfigLoadResult res;
  res.config = std::move(config);
  res.config.jobs.person_schema_path = path;
  res.config.jobs.person_schema = readPersonSchema(path, res.problems, path, 0, "");
  return res;
}

}  // namespace cardd
