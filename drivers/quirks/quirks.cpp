#include "quirks/quirks.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace cardd::drivers {

namespace {

namespace fs = std::filesystem;

char lower(char c) {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(),
                                            [](char x, char y) { return lower(x) == lower(y); });
}

int lineOf(const YAML::Node& n) {
  return n && n.Mark().line >= 0 ? n.Mark().line + 1 : 0;
}

// Reads one entry's mapping; onlyKeys() reports unknown keys. Problems go to
// the table; bad() marks an entry that must be left out.
class EntryReader {
 public:
  EntryReader(const YAML::Node& node, std::string path, std::string file,
              std::vector<QuirksProblem>& out)
      : node_(node), path_(std::move(path)), file_(std::move(file)), out_(out) {}

  bool bad() const { return bad_; }

  void problem(const YAML::Node& at, const std::string& key, const std::string& msg) {
    const int line = lineOf(at) ? lineOf(at) : lineOf(node_);
    out_.push_back({file_, line, key, msg});
    bad_ = true;
  }

  std::string keyPath(const std::string& key) const { return path_ + "." + key; }

  void getString(const std::string& key, std::string& out, bool required) {
    const auto n = node_[key];
    if (!n) {
      if (required) problem(node_, keyPath(key), "is required");
      return;
    }
    if (!n.IsScalar() || n.Scalar().empty()) {
      return problem(n, keyPath(key), "must be a non-empty string");
    }
    out = n.Scalar();
  }

  void getBool(const YAML::Node& map, const std::string& key, const std::string& path,
               std::optional<bool>& out) {
    const auto n = map[key];
    if (!n) return;
    if (n.IsScalar() && (n.Scalar() == "true" || n.Scalar() == "false")) {
      out = n.Scalar() == "true";
      return;
    }
    problem(n, path, "must be true or false");
  }

  template <typename Int>
  void getInt(const YAML::Node& map, const std::string& key, const std::string& path,
              std::optional<Int>& out, unsigned long long lo, unsigned long long hi) {
    const auto n = map[key];
    if (!n) return;
    unsigned long long v = 0;
    const std::string s = n.IsScalar() ? n.Scalar() : "";
    const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (s.empty() || ec != std::errc() || p != s.data() + s.size() || v < lo || v > hi) {
      return problem(n, path,
                     "must be an integer from " + std::to_string(lo) + " to " + std::to_string(hi));
    }
    out = static_cast<Int>(v);
  }

  // Reports keys of `map` outside `known`.
  void onlyKeys(const YAML::Node& map, const std::string& path,
                std::initializer_list<std::string_view> known) {
    for (auto it = map.begin(); it != map.end(); ++it) {
      const std::string key = it->first.Scalar();
      if (std::find(known.begin(), known.end(), key) == known.end()) {
        problem(it->first, path + "." + key, "unknown key");
      }
    }
  }

  // A child mapping, or an undefined node (and a problem) when not a mapping.
  YAML::Node child(const std::string& key) {
    const auto n = node_[key];
    if (n && !n.IsMap()) {
      problem(n, keyPath(key), "must be a mapping");
      return YAML::Node(YAML::NodeType::Undefined);
    }
    return n;
  }

 private:
  const YAML::Node& node_;
  std::string path_;
  std::string file_;
  std::vector<QuirksProblem>& out_;
  bool bad_ = false;
};

void readEntry(const std::string& key, const YAML::Node& keyNode, const YAML::Node& node,
               const std::string& file, QuirksTable& table) {
  const auto usb = UsbId::parse(key);
  if (!usb) {
    table.problems.push_back({file, lineOf(keyNode), key,
                              "is not a USB id: write \"vvvv:pppp\" in hex, e.g. \"0f49:3007\""});
    return;
  }
  if (!node.IsMap()) {
    table.problems.push_back({file, lineOf(node), key, "must be a mapping of quirks"});
    return;
  }

  PrinterQuirks q;
  q.usb = *usb;
  q.origin = fs::path(file).filename().string() + ":" + std::to_string(lineOf(keyNode));
  const std::string path = usb->key();
  EntryReader r(node, path, file, table.problems);
  r.onlyKeys(node, path,
             {"model", "family", "stations", "dbc", "colour_levels", "spurious_ok_retries",
              "extended_status", "thresholds_mv", "ribbon_low"});
  r.getString("model", q.model, true);
  r.getString("family", q.family, true);

  if (const auto stations = node["stations"]) {
    if (!stations.IsSequence()) {
      r.problem(stations, path + ".stations", "must be a list of contact, contactless");
    } else {
      q.contact = false;
      q.contactless = false;
      for (std::size_t i = 0; i < stations.size(); ++i) {
        const std::string s = stations[i].IsScalar() ? stations[i].Scalar() : "";
        if (s == "contact") {
          q.contact = true;
        } else if (s == "contactless") {
          q.contactless = true;
        } else {
          r.problem(stations[i], path + ".stations[" + std::to_string(i) + "]",
                    "must be contact or contactless");
        }
      }
    }
  }
  r.getBool(node, "dbc", path + ".dbc", q.dbc);
  if (const auto levels = node["colour_levels"]) {
    std::optional<unsigned> v;
    r.getInt(node, "colour_levels", path + ".colour_levels", v, 0, 1u << 20);
    if (v && *v != 32 && *v != 64 && *v != 128) {
      r.problem(levels, path + ".colour_levels", "must be one of 32, 64, 128");
    } else {
      q.colour_levels = v;
    }
  }
  r.getInt(node, "spurious_ok_retries", path + ".spurious_ok_retries", q.spurious_ok_retries, 0,
           20);
  r.getBool(node, "extended_status", path + ".extended_status", q.extended_status);

  if (const auto t = r.child("thresholds_mv")) {
    const std::string tp = path + ".thresholds_mv";
    r.onlyKeys(t, tp, {"cover_closed_min", "feeder_loaded_min", "near_empty_below"});
    r.getInt(t, "cover_closed_min", tp + ".cover_closed_min", q.cover_closed_min_mv, 0, 30'000);
    r.getInt(t, "feeder_loaded_min", tp + ".feeder_loaded_min", q.feeder_loaded_min_mv, 0, 30'000);
    r.getInt(t, "near_empty_below", tp + ".near_empty_below", q.near_empty_below_mv, 0, 30'000);
  }
  if (const auto rl = r.child("ribbon_low")) {
    const std::string rp = path + ".ribbon_low";
    r.onlyKeys(rl, rp, {"prints", "percent"});
    r.getInt(rl, "prints", rp + ".prints", q.ribbon_low_prints, 0, 100'000);
    r.getInt(rl, "percent", rp + ".percent", q.ribbon_low_percent, 0, 100);
  }

  if (r.bad()) return;
  if (table.find(q.usb)) {
    table.problems.push_back(
        {file, lineOf(keyNode), key,
         "is defined twice (first in " + table.find(q.usb)->origin + "); keep one entry"});
    return;
  }
  table.entries.push_back(std::move(q));
}

void loadInto(const std::string& text, const std::string& origin, QuirksTable& table) {
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    table.problems.push_back(
        {origin, e.mark.line >= 0 ? e.mark.line + 1 : 0, "", "is not valid YAML: " + e.msg});
    return;
  }
  if (!root || root.IsNull()) return;  // An empty file has no quirks.
  if (!root.IsMap()) {
    table.problems.push_back(
        {origin, lineOf(root), "", "must be a mapping keyed by USB id (\"0f49:3007\")"});
    return;
  }
  try {
    for (auto it = root.begin(); it != root.end(); ++it) {
      readEntry(it->first.Scalar(), it->first, it->second, origin, table);
    }
  } catch (const YAML::Exception& e) {
    table.problems.push_back({origin, e.mark.line >= 0 ? e.mark.line + 1 : 0, "", e.msg});
  }
}

}  // namespace

std::string UsbId::key() const {
  char buf[10];
  std::snprintf(buf, sizeof buf, "%04x:%04x", static_cast<unsigned>(vendor),
                static_cast<unsigned>(product));
  return buf;
}

std::optional<UsbId> UsbId::parse(std::string_view text) {
  if (text.size() != 9 || text[4] != ':') return std::nullopt;
  const auto hex16 = [](std::string_view s, std::uint16_t& out) {
    unsigned v = 0;
    for (const char c : s) {
      const char l = lower(c);
      if (l >= '0' && l <= '9') {
        v = v * 16 + static_cast<unsigned>(l - '0');
      } else if (l >= 'a' && l <= 'f') {
        v = v * 16 + static_cast<unsigned>(l - 'a' + 10);
      } else {
        return false;
      }
    }
    out = static_cast<std::uint16_t>(v);
    return true;
  };
  UsbId id;
  if (!hex16(text.substr(0, 4), id.vendor) || !hex16(text.substr(5, 4), id.product)) {
    return std::nullopt;
  }
  return id;
}

std::string QuirksProblem::describe() const {
  std::string out = file;
  if (line > 0) out += ":" + std::to_string(line);
  out += ": ";
  if (!key.empty()) out += key + ": ";
  return out + message;
}

const PrinterQuirks* QuirksTable::find(UsbId id) const {
  const auto it = std::find_if(entries.begin(), entries.end(),
                               [&](const PrinterQuirks& q) { return q.usb == id; });
  return it == entries.end() ? nullptr : &*it;
}

const PrinterQuirks* QuirksTable::findByModel(std::string_view model) const {
  const auto it = std::find_if(entries.begin(), entries.end(),
                               [&](const PrinterQuirks& q) { return iequals(q.model, model); });
  return it == entries.end() ? nullptr : &*it;
}

QuirksTable loadQuirksText(const std::string& text, const std::string& origin) {
  QuirksTable table;
  loadInto(text, origin, table);
  return table;
}

QuirksTable loadQuirksFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) {
    QuirksTable table;
    table.problems.push_back({path, 0, "", "cannot be read; check that it exists and is readable"});
    return table;
  }
  std::stringstream ss;
  ss << in.rdbuf();
  return loadQuirksText(ss.str(), path);
}

QuirksTable loadQuirksDir(const std::string& dir) {
  QuirksTable table;
  std::error_code ec;
  std::vector<fs::path> files;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    if (it->path().extension() == ".yaml") files.push_back(it->path());
  }
  if (ec) {
    table.problems.push_back({dir, 0, "", "cannot be listed: " + ec.message()});
    return table;
  }
  std::sort(files.begin(), files.end());
  for (const auto& f : files) {
    std::ifstream in(f);
    if (!in) {
      table.problems.push_back({f.string(), 0, "", "cannot be read"});
      continue;
    }
    std::stringstream ss;
    ss << in.rdbuf();
    loadInto(ss.str(), f.string(), table);
  }
  return table;
}

}  // namespace cardd::drivers
