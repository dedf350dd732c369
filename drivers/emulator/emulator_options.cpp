#include "emulator/emulator_options.hpp"

#include <boost/json.hpp>
#include <charconv>
#include <fstream>
#include <sstream>

namespace cardd::emulator {

namespace {

Error bad(const std::string& name, const std::string& why) {
  return Error(ErrorCode::InvalidArgument, "emulator: --" + name + " " + why);
}

template <typename T>
bool parseNumber(const std::string& s, T& out) {
  const char* end = s.data() + s.size();
  auto [p, ec] = std::from_chars(s.data(), end, out);
  return ec == std::errc() && p == end;
}

// Applies one option. Every flag takes one value.
Status apply(EmulatorOptions& o, const std::string& name, const std::string& value) {
  ModelConfig& m = o.model;
  const auto u64 = [&](std::uint64_t& out) -> Status {
    if (!parseNumber(value, out)) return bad(name, "needs a whole number");
    return Ok{};
  };
  const auto ms = [&](std::int64_t& out) -> Status {
    if (!parseNumber(value, out) || out < 0) return bad(name, "needs milliseconds (>= 0)");
    return Ok{};
  };
  const auto real = [&](double& out) -> Status {
    if (!parseNumber(value, out)) return bad(name, "needs a number");
    return Ok{};
  };
  const auto port = [&](std::uint16_t& out) -> Status {
    if (!parseNumber(value, out)) return bad(name, "needs a port number 0..65535");
    return Ok{};
  };

  if (name == "host") {
    o.server.host = value;
  } else if (name == "port") {
    return port(o.server.port);
  } else if (name == "control-port") {
    return port(o.server.control_port);
  } else if (name == "time-scale") {
    if (auto st = real(o.server.time_scale); !st) return st;
    if (!(o.server.time_scale > 0.0)) return bad(name, "must be above 0");
  } else if (name == "reply-terminator") {
    if (value == "nul") {
      o.server.reply_terminator = std::string(1, '\0');
    } else if (value == "cr") {
      o.server.reply_terminator = "\r";
    } else if (value == "none") {
      o.server.reply_terminator.clear();
    } else {
      return bad(name, "must be nul, cr or none");
    }
  } else if (name == "output-dir") {
    o.output_dir = value;
  } else if (name == "model") {
    m.model = value;
  } else if (name == "serial") {
    m.serial = value;
  } else if (name == "firmware") {
    m.firmware = value;
  } else if (name == "printhead-kit") {
    m.printhead_kit = value;
  } else if (name == "feeder") {
    return u64(m.feeder_count);
  } else if (name == "serial-prefix") {
    m.serial_prefix = value;
  } else if (name == "serial-start") {
    return u64(m.serial_start);
  } else if (name == "feeder-near-empty") {
    return u64(m.feeder_near_empty);
  } else if (name == "ribbon") {
    bool found = false;
    for (Ribbon r : {Ribbon::Ymcko, Ribbon::Ymckok, Ribbon::Ko, Ribbon::K}) {
      if (drivers::evolis::ribbonCode(r) == value) {
        m.ribbon = r;
        found = true;
      }
    }
    if (!found) return bad(name, "must be one of ymcko, ymckok, ko, k");
  } else if (name == "ribbon-capacity") {
    if (auto st = u64(m.ribbon_capacity); !st) return st;
    m.ribbon_remaining = m.ribbon_capacity;
  } else if (name == "ribbon-remaining") {
    return u64(m.ribbon_remaining);
  } else if (name == "ribbon-low") {
    return u64(m.ribbon_low);
  } else if (name == "cleaning-warning") {
    return u64(m.cleaning_warning_cards);
  } else if (name == "cleaning-mandatory") {
    return u64(m.cleaning_mandatory_cards);
  } else if (name == "hopper-capacity") {
    return u64(m.hopper_capacity);
  } else if (name == "reject-capacity") {
    return u64(m.reject_capacity);
  } else if (name == "feed-ms") {
    return ms(m.feed_ms);
  } else if (name == "move-ms") {
    return ms(m.move_ms);
  } else if (name == "print-side-ms") {
    return ms(m.print_side_ms);
  } else if (name == "eject-ms") {
    return ms(m.eject_ms);
  } else if (name == "clean-ms") {
    return ms(m.clean_ms);
  } else if (name == "reset-ms") {
    return ms(m.reset_ms);
  } else if (name == "ambient-c") {
    return real(m.ambient_c);
  } else if (name == "heat-per-panel-c") {
    return real(m.heat_per_panel_c);
  } else if (name == "cooling-tau-ms") {
    if (auto st = real(m.cooling_tau_ms); !st) return st;
    if (!(m.cooling_tau_ms > 0.0)) return bad(name, "must be above 0");
  } else if (name == "pause-above-c") {
    return real(m.pause_above_c);
  } else if (name == "resume-below-c") {
    return real(m.resume_below_c);
  } else if (name == "fault-above-c") {
    return real(m.fault_above_c);
  } else if (name == "error-mode") {
    if (value != "0" && value != "2") return bad(name, "must be 0 (printer) or 2 (host)");
    m.host_error_mode = value == "2";
  } else if (name == "spurious-ok-rate") {
    if (auto st = real(m.spurious_ok_rate); !st) return st;
    if (m.spurious_ok_rate < 0.0 || m.spurious_ok_rate > 1.0) return bad(name, "must be 0..1");
  } else if (name == "vpcd") {
    const auto colon = value.rfind(':');
    std::uint16_t vpcd_port = 0;
    if (colon == std::string::npos || colon == 0 ||
        !parseNumber(value.substr(colon + 1), vpcd_port) || vpcd_port == 0) {
      return bad(name, "needs HOST:PORT, the vpcd port of the printer's reader (1..65535)");
    }
    o.chips.vpcd_host = value.substr(0, colon);
    o.chips.vpcd_port = vpcd_port;
  } else if (name == "chip-master-key") {
    if (value.empty()) return bad(name, "needs a file name");
    o.chips.master_key_file = value;
  } else if (name == "chip-applet") {
    if (value != "eid" && value != "jmrtd" && value != "none") {
      return bad(name, "must be eid, jmrtd or none");
    }
    o.chips.applet = value;
  } else if (name == "chip-swap-gap-ms") {
    std::int64_t gap = 0;
    if (auto st = ms(gap); !st) return st;
    o.chips.min_absent = std::chrono::milliseconds(gap);
  } else if (name == "seed") {
    if (!parseNumber(value, m.seed)) return bad(name, "needs a whole number");
  } else {
    return Error(ErrorCode::InvalidArgument,
                 "emulator: unknown option --" + name + " (see --help)");
  }
  return Ok{};
}

Status applyConfigFile(EmulatorOptions& o, const std::string& path) {
  std::ifstream in(path);
  if (!in) return Error(ErrorCode::InvalidArgument, "emulator: cannot read config " + path);
  std::stringstream text;
  text << in.rdbuf();
  boost::system::error_code ec;
  const boost::json::value v = boost::json::parse(text.str(), ec);
  if (ec || !v.is_object()) {
    return Error(ErrorCode::InvalidArgument,
                 "emulator: config " + path + " must hold one JSON object of option: value");
  }
  for (const auto& [key, value] : v.as_object()) {
    std::string s;
    if (value.is_string()) {
      s = std::string(value.as_string());
    } else if (value.is_number() || value.is_bool()) {
      s = boost::json::serialize(value);
    } else {
      return Error(ErrorCode::InvalidArgument,
                   "emulator: config option '" + std::string(key) + "' must be a string or number");
    }
    if (auto st = apply(o, std::string(key), s); !st) return st;
  }
  return Ok{};
}

}  // namespace

std::string usage() {
  return R"(cardd-printer-emulator: an emulated Evolis-style card printer on loopback TCP.

Usage: cardd-printer-emulator [--option value]...

  --config FILE            JSON object {"option": value}; later flags override it
  --host ADDR              IPv4 address to listen on (127.0.0.1)
  --port N                 printer port (9100; 0 = any free port)
  --control-port N         control port, JSON lines (0 = any free port)
  --time-scale F           real seconds per printer second (1; 0.01 = 100x faster)
  --reply-terminator T     nul | cr | none: byte after each reply (nul)
  --output-dir DIR         write printed sides as PNG and events.jsonl there
  --model S --serial S --firmware S --printhead-kit S   identity (Rtp Rsn Rfv Rkn)
  --feeder N               blanks in the feeder (100)
  --serial-prefix S        blank serial prefix (EMU-)   --serial-start N (1)
  --feeder-near-empty N    Rse;n reads low at or below N blanks (10)
  --ribbon T               ymcko | ymckok | ko | k (ymcko)
  --ribbon-capacity N      prints per ribbon (300)  --ribbon-remaining N  --ribbon-low N (20)
  --cleaning-warning N     cards since cleaning for the warning (700)
  --cleaning-mandatory N   cards since cleaning that stop printing (1000)
  --hopper-capacity N (100)   --reject-capacity N (30)
  --feed-ms --move-ms --print-side-ms --eject-ms --clean-ms --reset-ms   times (ms)
  --ambient-c --heat-per-panel-c --cooling-tau-ms --pause-above-c --resume-below-c
  --fault-above-c          printhead heat model
  --error-mode 0|2         initial Pem mode (2: host handles errors)
  --spurious-ok-rate F     probability that Rrt;count answers OK (0)
  --seed N                 random seed (1)
  --vpcd HOST:PORT         give every blank a virtual chip, present in this vpcd
                           reader while the card is at the contact station
  --chip-master-key FILE   station SCP03 master key, hex, mode 0600 (e-ID chips)
  --chip-applet A          eid | jmrtd | none (eid)
  --chip-swap-gap-ms N     real ms the reader stays empty between two cards (1000)

On start one JSON line goes to stdout:
  {"event":"ready","port":9100,"control_port":40123}
)";
}

Result<EmulatorOptions> parseOptions(const std::vector<std::string>& args) {
  EmulatorOptions o;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--help" || a == "-h") {
      o.help = true;
      continue;
    }
    if (a.rfind("--", 0) != 0) {
      return Error(ErrorCode::InvalidArgument, "emulator: unexpected argument '" + a + "'");
    }
    std::string name = a.substr(2);
    std::string value;
    if (const auto eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name.resize(eq);
    } else {
      if (i + 1 >= args.size()) return bad(name, "needs a value");
      value = args[++i];
    }
    Status st = name == "config" ? applyConfigFile(o, value) : apply(o, name, value);
    if (!st) return st.error();
  }
  if (o.chips.vpcd_host.empty() && !o.chips.master_key_file.empty()) {
    return Error(ErrorCode::InvalidArgument,
                 "emulator: --chip-master-key needs --vpcd HOST:PORT (the reader the chips join)");
  }
  if (o.model.resume_below_c <= o.model.ambient_c ||
      o.model.pause_above_c < o.model.resume_below_c) {
    return Error(ErrorCode::InvalidArgument,
                 "emulator: heat thresholds must satisfy ambient < resume-below <= pause-above");
  }
  return o;
}

}  // namespace cardd::emulator
