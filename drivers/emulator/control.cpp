#include "emulator/control.hpp"

#include <boost/json.hpp>
#include <cstdio>

namespace cardd::emulator {

namespace json = boost::json;
namespace evolis = drivers::evolis;

namespace {

std::string reply(bool ok, std::string_view error = {}) {
  json::object o;
  o["ok"] = ok;
  if (!ok) o["error"] = error;
  return json::serialize(o);
}

// An optional non-negative integer member; false when present but not one.
bool optionalCount(const json::object& o, std::string_view key, std::uint64_t& out) {
  const json::value* v = o.if_contains(key);
  if (!v) return true;
  if (v->is_uint64()) {
    out = v->as_uint64();
    return true;
  }
  if (v->is_int64() && v->as_int64() >= 0) {
    out = static_cast<std::uint64_t>(v->as_int64());
    return true;
  }
  return false;
}

bool optionalString(const json::object& o, std::string_view key, std::string& out) {
  const json::value* v = o.if_contains(key);
  if (!v) return true;
  if (!v->is_string()) return false;
  out = std::string(v->as_string());
  return true;
}

json::object chipsJson(const ChipSlotReport& report) {
  json::array cards;
  for (const auto& c : report.cards) {
    json::array files;
    for (const auto& f : c.files) {
      char fid[8];
      std::snprintf(fid, sizeof fid, "%04X", f.fid);
      files.push_back(json::object{{"fid", fid}, {"size", f.size}, {"sha256", f.sha256}});
    }
    json::object card{{"serial", c.serial},       {"chip_serial", c.chip_serial},
                      {"where", c.where},         {"at_station", c.at_station},
                      {"linked", c.linked},       {"lifecycle", c.lifecycle},
                      {"files", std::move(files)}};
    if (!c.error.empty()) card["error"] = c.error;
    cards.push_back(std::move(card));
  }
  return json::object{
      {"applet", report.applet}, {"vpcd", report.vpcd}, {"cards", std::move(cards)}};
}

}  // namespace

json::object stateJson(const PrinterModel& model, const LinkFaults& link) {
  json::object s;
  s["position"] = positionName(model.position());
  s["settling"] = model.settling();
  if (auto serial = model.currentSerial()) {
    s["card_serial"] = *serial;
  } else {
    s["card_serial"] = nullptr;
  }
  s["feeder"] = model.feederCount();
  s["hopper"] = model.hopperCount();
  s["reject_box"] = model.rejectCount();
  s["ribbon"] = json::object{{"type", std::string(evolis::ribbonCode(model.ribbon()))},
                             {"capacity", model.ribbonCapacity()},
                             {"remaining", model.ribbonRemaining()}};
  s["counters"] = json::object{{"cards", model.cardsLifetime()},
                               {"panels", model.panelsLifetime()},
                               {"since_cleaning", model.cardsSinceCleaning()},
                               {"cleanings", model.cleanings()}};
  s["head_c"] = model.headTemperature();
  s["cooling"] = model.cooling();
  s["error_mode"] = model.hostErrorMode() ? 2 : 0;
  const StatusWords w = model.statusWords();
  char words[64];
  std::snprintf(words, sizeof words, "%08X %08X %08X %08X", w.config, w.information, w.warning,
                w.error);
  s["status_words"] = words;
  json::array faults;
  for (Fault f : kAllFaults) {
    if (model.faultActive(f)) faults.emplace_back(faultName(f));
  }
  if (link.disconnect) faults.emplace_back("disconnect");
  if (link.garbage_replies > 0) faults.emplace_back("garbage");
  if (link.slow_ms > 0) faults.emplace_back("slow");
  s["faults"] = std::move(faults);
  s["garbage_replies"] = link.garbage_replies;
  s["slow_ms"] = link.slow_ms;
  if (auto chips = model.chipSlot().report()) s["chips"] = chipsJson(*chips);
  return s;
}

std::string handleControl(PrinterModel& model, LinkFaults& link, std::string_view line) {
  boost::system::error_code ec;
  json::value v = json::parse(line, ec);
  if (ec || !v.is_object()) return reply(false, "a control line must be one JSON object");
  const json::object& o = v.as_object();
  const json::value* cmd_v = o.if_contains("cmd");
  if (!cmd_v || !cmd_v->is_string()) return reply(false, "the object needs a string \"cmd\"");
  const std::string cmd(cmd_v->as_string());

  if (cmd == "state") {
    json::object r;
    r["ok"] = true;
    r["state"] = stateJson(model, link);
    return json::serialize(r);
  }

  if (cmd == "inject" || cmd == "clear") {
    std::string fault;
    if (!optionalString(o, "fault", fault) || fault.empty()) {
      return reply(false, "inject and clear need a string \"fault\"");
    }
    const bool on = cmd == "inject";
    if (fault == "disconnect" || fault == "garbage" || fault == "slow") {
      model.logEvent(on ? "fault-raised" : "fault-cleared", fault);
    }
    if (fault == "disconnect") {
      if (on && !link.disconnect) ++link.disconnects;
      link.disconnect = on;
      return reply(true);
    }
    if (fault == "garbage") {
      std::uint64_t count = 1;
      if (!optionalCount(o, "count", count)) return reply(false, "\"count\" must be a number");
      link.garbage_replies = on ? static_cast<std::uint32_t>(count) : 0;
      return reply(true);
    }
    if (fault == "slow") {
      std::uint64_t ms = 500;
      if (!optionalCount(o, "ms", ms)) return reply(false, "\"ms\" must be a number");
      link.slow_ms = on ? static_cast<std::uint32_t>(ms) : 0;
      return reply(true);
    }
    const auto f = faultFromName(fault);
    if (!f) return reply(false, "unknown fault '" + fault + "'");
    if (on) {
      model.injectFault(*f);
    } else {
      model.clearFault(*f);
    }
    return reply(true);
  }

  if (cmd == "clear_all") {
    for (Fault f : kAllFaults) model.clearFault(f);
    link = LinkFaults{false, link.disconnects, 0, 0};
    return reply(true);
  }

  if (cmd == "load_feeder") {
    std::uint64_t count = 0;
    std::uint64_t start = 1;
    std::string prefix = model.config().serial_prefix;
    bool replace = false;
    if (!optionalCount(o, "count", count) || !optionalCount(o, "start", start) ||
        !optionalString(o, "prefix", prefix)) {
      return reply(false, "load_feeder takes \"count\", \"start\" (numbers) and \"prefix\"");
    }
    if (const auto* r = o.if_contains("replace"); r && r->is_bool()) replace = r->as_bool();
    model.loadFeeder(count, prefix, start, replace);
    return reply(true);
  }

  if (cmd == "load_ribbon") {
    std::uint64_t capacity = model.config().ribbon_capacity;
    std::string type;
    if (!optionalCount(o, "capacity", capacity) || !optionalString(o, "type", type)) {
      return reply(false, "load_ribbon takes \"capacity\" (a number) and \"type\"");
    }
    std::optional<Ribbon> ribbon;
    if (!type.empty()) {
      for (Ribbon r : {Ribbon::Ymcko, Ribbon::Ymckok, Ribbon::Ko, Ribbon::K}) {
        if (evolis::ribbonCode(r) == type) ribbon = r;
      }
      if (!ribbon) return reply(false, "unknown ribbon type '" + type + "'");
    }
    model.loadRibbon(ribbon, capacity);
    return reply(true);
  }

  if (cmd == "clean") {
    model.clean();
    return reply(true);
  }
  if (cmd == "empty_hopper") {
    model.emptyHopper();
    return reply(true);
  }
  if (cmd == "empty_reject_box") {
    model.emptyRejectBox();
    return reply(true);
  }
  return reply(false, "unknown command '" + cmd + "'");
}

}  // namespace cardd::emulator
