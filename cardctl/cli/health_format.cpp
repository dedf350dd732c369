#include "cli/health_format.hpp"

#include <boost/json.hpp>
#include <cmath>
#include <cstdio>
#include <vector>

#include "cli/format.hpp"
#include "cli/table.hpp"

namespace cardd::cli {

namespace json = boost::json;

namespace {

std::string orDash(const std::string& s) {
  return s.empty() ? "-" : s;
}

// obj[key] as a number (integers too); nullopt when missing, null or not a number.
std::optional<double> numberOf(const json::object& obj, std::string_view key) {
  const json::value* v = obj.if_contains(key);
  if (v == nullptr) return std::nullopt;
  if (v->is_double()) return v->get_double();
  if (v->is_int64()) return static_cast<double>(v->get_int64());
  if (v->is_uint64()) return static_cast<double>(v->get_uint64());
  return std::nullopt;
}

// "12", "3.5": at most `decimals` places, trailing zeros dropped.
std::string decimal(double v, int decimals = 1) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  std::string out(buf);
  if (out.find('.') != std::string::npos) {
    while (!out.empty() && out.back() == '0') out.pop_back();
    if (!out.empty() && out.back() == '.') out.pop_back();
  }
  if (out == "-0") out = "0";
  return out;
}

std::string numberText(const json::object& obj, std::string_view key, int decimals = 1) {
  auto v = numberOf(obj, key);
  return v ? decimal(*v, decimals) : std::string();
}

const json::object* objectOf(const json::object& obj, std::string_view key) {
  const json::value* v = obj.if_contains(key);
  return v != nullptr && v->is_object() ? &v->get_object() : nullptr;
}

const json::array* arrayOf(const json::object& obj, std::string_view key) {
  const json::value* v = obj.if_contains(key);
  return v != nullptr && v->is_array() ? &v->get_array() : nullptr;
}

std::string days(double d) {
  return "~" + decimal(d, d < 10 ? 1 : 0) + (decimal(d, d < 10 ? 1 : 0) == "1" ? " day" : " days");
}

std::string percent(double fraction) {
  return decimal(fraction * 100, 0) + "%";
}

std::string labelled(const std::string& title,
                     const std::vector<std::pair<std::string, std::string>>& lines) {
  std::string out = title;
  std::size_t width = 0;
  for (const auto& [label, value] : lines) width = std::max(width, displayWidth(label));
  for (const auto& [label, value] : lines) {
    out += "  " + label + ":" + std::string(width - displayWidth(label) + 1, ' ') +
           orDash(sanitize(value)) + '\n';
  }
  return out;
}

}  // namespace

std::string formatDurationMs(std::int64_t ms) {
  if (ms < 0) ms = 0;
  const std::int64_t s = ms / 1000;
  char buf[64];
  if (s < 60) {
    std::snprintf(buf, sizeof buf, "%llds", static_cast<long long>(s));
  } else if (s < 3600) {
    std::snprintf(buf, sizeof buf, "%lldm %02llds", static_cast<long long>(s / 60),
                  static_cast<long long>(s % 60));
  } else if (s < 86400) {
    std::snprintf(buf, sizeof buf, "%lldh %02lldm", static_cast<long long>(s / 3600),
                  static_cast<long long>(s % 3600 / 60));
  } else {
    std::snprintf(buf, sizeof buf, "%lldd %lldh", static_cast<long long>(s / 86400),
                  static_cast<long long>(s % 86400 / 3600));
  }
  return buf;
}

std::string formatFaultsTable(const json::array& faults) {
  if (faults.empty()) return "no faults\n";
  Table table({"RAISED", "DEVICE", "REASON", "SEVERITY", "DURATION", "JOB"});
  table.align(4, Align::Right);
  table.align(5, Align::Right);
  for (const auto& item : faults) {
    if (!item.is_object()) continue;
    const json::object& f = item.get_object();
    std::string device = fieldText(f, "device");
    if (fieldText(f, "device_kind") == "encoder") device += " encoder";
    std::string duration;
    const json::value* cleared = f.if_contains("cleared_at");
    if (cleared == nullptr || cleared->is_null()) {
      duration = "active";
    } else if (auto ms = numberOf(f, "duration_ms"); ms && *ms > 0) {
      duration = formatDurationMs(static_cast<std::int64_t>(*ms));
    }
    table.addRow({shortTime(fieldText(f, "raised_at")), device, fieldText(f, "reason"),
                  fieldText(f, "severity"), duration, fieldText(f, "job_id")});
  }
  return table.render();
}

std::string formatFaultSummary(const json::object& summary) {
  std::string out = "faults per device, last " + orDash(fieldText(summary, "days")) + " days:\n";
  const json::array* devices = arrayOf(summary, "devices");
  if (devices == nullptr || devices->empty()) return out + "  no faults\n";
  Table table({"DEVICE", "KIND", "FAULTS", "ERRORS", "ACTIVE", "MTBF", "DOWNTIME", "TOP REASONS"});
  for (std::size_t c = 2; c <= 6; ++c) table.align(c, Align::Right);
  for (const auto& item : *devices) {
    if (!item.is_object()) continue;
    const json::object& d = item.get_object();
    std::string mtbf = numberText(d, "mtbf_hours");
    if (!mtbf.empty()) mtbf += " h";
    std::string downtime;
    if (auto ms = numberOf(d, "downtime_ms"))
      downtime = formatDurationMs(static_cast<std::int64_t>(*ms));
    std::string reasons;
    if (const json::array* top = arrayOf(d, "top_reasons")) {
      for (const auto& r : *top) {
        if (!r.is_object()) continue;
        if (!reasons.empty()) reasons += ", ";
        reasons += fieldText(r.get_object(), "reason") + " (" +
                   orDash(fieldText(r.get_object(), "count")) + ")";
      }
    }
    table.addRow({fieldText(d, "device"), fieldText(d, "device_kind"), fieldText(d, "faults"),
                  fieldText(d, "error_faults"), fieldText(d, "active"), mtbf, downtime, reasons});
  }
  return out + table.render();
}

std::string formatForecastLine(const json::object& device) {
  std::vector<std::string> parts;
  const json::object empty;
  const json::object* forecast = objectOf(device, "forecast");
  const json::object& f = forecast != nullptr ? *forecast : empty;

  if (auto left = numberOf(f, "ribbon_cards_left")) {
    std::string part = "ribbon: " + decimal(*left, 0) + " cards left";
    if (auto d = numberOf(f, "ribbon_days_left")) part += " (" + days(*d) + ")";
    parts.push_back(part);
  }
  if (auto due = numberOf(f, "cleaning_due_in_cards")) {
    std::string part;
    if (*due < 0) {
      part = "cleaning overdue by " + decimal(-*due, 0) + " cards";
    } else {
      part = "cleaning due in " + decimal(*due, 0) + " cards";
      if (auto d = numberOf(f, "cleaning_due_in_days")) part += " (" + days(*d) + ")";
    }
    parts.push_back(part);
  }
  if (auto used = numberOf(f, "head_life_used")) {
    std::string part = "printhead: " + percent(*used) + " of rated life used";
    if (auto d = numberOf(f, "head_days_left")) part += " (" + days(*d) + " left)";
    parts.push_back(part);
  }
  if (const json::object* reader = objectOf(device, "reader")) {
    if (auto rate = numberOf(*reader, "recent_failure_rate")) {
      const std::size_t window = fieldText(*reader, "recent").size();
      std::string part = "reader: " + percent(*rate) + " chip failures";
      if (window > 0) part += " over the last " + std::to_string(window) + " cards";
      parts.push_back(part);
    }
  }
  std::string out;
  for (const auto& p : parts) out += (out.empty() ? "" : "; ") + p;
  return out.empty() ? "no forecast yet" : out;
}

std::string formatSupply(const json::object& supply) {
  const json::object empty;
  const json::object* station = objectOf(supply, "station");
  const json::object& s = station != nullptr ? *station : empty;
  std::string out = "blanks: " + orDash(fieldText(s, "on_hand")) + " on hand";
  if (std::string rate = numberText(s, "cards_per_day"); !rate.empty())
    out += ", " + rate + " cards a day";
  if (auto d = numberOf(s, "days_of_supply")) {
    out += ": " + decimal(*d, *d < 10 ? 1 : 0) + " days of supply";
    auto lo = numberOf(s, "days_low");
    auto hi = numberOf(s, "days_high");
    if (lo && hi) out += " (" + decimal(*lo, 0) + " to " + decimal(*hi, 0) + ")";
  } else {
    out += ": no consumption in the window, no forecast";
  }
  if (std::string confidence = fieldText(s, "confidence"); !confidence.empty())
    out += ", confidence " + confidence;
  if (std::string runs_out = fieldText(s, "runs_out_at"); runs_out.size() >= 10)
    out += ", runs out around " + runs_out.substr(0, 10);
  out += '\n';
  if (std::string lead = fieldText(supply, "lead_time_days"); !lead.empty() && lead != "0")
    out += "reorder lead time: " + lead + " days\n";
  const json::array* lots = arrayOf(supply, "lots");
  if (lots == nullptr || lots->empty()) return out;
  Table table({"LOT", "ON-HAND", "FIRST-USE", "EMPTY"});
  table.align(1, Align::Right);
  table.align(2, Align::Right);
  table.align(3, Align::Right);
  for (const auto& item : *lots) {
    if (!item.is_object()) continue;
    const json::object& l = item.get_object();
    auto inDays = [&](std::string_view key) {
      auto d = numberOf(l, key);
      if (!d) return std::string();
      return *d <= 0 ? std::string("now") : "in " + decimal(*d, 0) + " d";
    };
    table.addRow({fieldText(l, "lot"), fieldText(l, "on_hand"), inDays("days_until_first_use"),
                  inDays("days_until_empty")});
  }
  return out + table.render();
}

std::string formatHealth(const json::object& health) {
  std::string out;
  const json::array* printers = arrayOf(health, "printers");
  if (printers == nullptr || printers->empty()) {
    out += "no printers configured\n";
  } else {
    Table table({"PRINTER", "CARDS", "SINCE-CLEANING", "CLEANINGS", "HEAD-PASSES", "RIBBON-CARDS",
                 "READER-FAILURES", "DUTY"});
    for (std::size_t c = 1; c <= 6; ++c) table.align(c, Align::Right);
    for (const auto& item : *printers) {
      if (!item.is_object()) continue;
      const json::object& d = item.get_object();
      const json::object empty;
      const json::object* wear = objectOf(d, "wear");
      const json::object& w = wear != nullptr ? *wear : empty;
      std::string reader;
      if (const json::object* r = objectOf(d, "reader")) {
        reader = orDash(fieldText(*r, "chip_failures")) + "/" + orDash(fieldText(*r, "insertions"));
      }
      std::string duty;
      if (auto limit = numberOf(d, "duty_cards_per_hour"); limit && *limit > 0) {
        duty = orDash(fieldText(d, "cards_last_hour")) + "/" + decimal(*limit, 0) + " an hour";
        if (fieldText(d, "resting") == "true") duty += " (resting)";
      }
      table.addRow({fieldText(d, "printer"), fieldText(w, "cards"),
                    fieldText(w, "cards_since_cleaning"), fieldText(w, "cleanings"),
                    fieldText(w, "head_passes"), fieldText(w, "cards_since_ribbon"), reader, duty});
    }
    out += table.render();
    out += "\nforecasts:\n";
    for (const auto& item : *printers) {
      if (!item.is_object()) continue;
      out += "  " + orDash(fieldText(item.get_object(), "printer")) + ": " +
             formatForecastLine(item.get_object()) + '\n';
    }
  }
  if (const json::object* supply = objectOf(health, "supply")) out += "\n" + formatSupply(*supply);
  return out;
}

std::string formatDeviceHealth(const json::object& d) {
  const json::object empty;
  const json::object* wear = objectOf(d, "wear");
  const json::object& w = wear != nullptr ? *wear : empty;
  const json::object* limits_obj = objectOf(d, "limits");
  const json::object& limits = limits_obj != nullptr ? *limits_obj : empty;
  std::vector<std::pair<std::string, std::string>> lines;
  lines.emplace_back("cards printed", fieldText(w, "cards"));
  std::string cleaning = fieldText(w, "cards_since_cleaning");
  if (auto interval = numberOf(limits, "cleaning_interval_cards"); interval && *interval > 0)
    cleaning += " of " + decimal(*interval, 0);
  lines.emplace_back("cards since cleaning", cleaning);
  std::string cleanings = fieldText(w, "cleanings");
  if (std::string last = fieldText(w, "last_cleaning_at"); !last.empty())
    cleanings += " (last " + shortTime(last) + ")";
  lines.emplace_back("cleanings", cleanings);
  std::string head = fieldText(w, "head_passes");
  if (auto rated = numberOf(limits, "printhead_rated_passes"); rated && *rated > 0)
    head += " of " + decimal(*rated, 0) + " rated";
  if (std::string since = fieldText(w, "head_installed_at"); !since.empty())
    head += " (since " + shortTime(since) + ")";
  lines.emplace_back("printhead passes", head);
  std::string ribbon = fieldText(w, "cards_since_ribbon");
  if (std::string remaining = fieldText(d, "ribbon_remaining"); !remaining.empty()) {
    ribbon += ", printer reports " + remaining;
    if (std::string capacity = fieldText(d, "ribbon_capacity"); !capacity.empty())
      ribbon += " of " + capacity;
    ribbon += " left";
  }
  lines.emplace_back("cards since ribbon", ribbon);
  if (std::string pc = fieldText(d, "printer_cards"); !pc.empty())
    lines.emplace_back("printer's own count", pc + " cards");
  if (const json::object* r = objectOf(d, "reader")) {
    std::string reader = fieldText(*r, "reader") + ": " + orDash(fieldText(*r, "chip_failures")) +
                         " chip failures in " + orDash(fieldText(*r, "insertions")) + " cards";
    lines.emplace_back("encoder", reader);
  } else {
    lines.emplace_back("encoder", "none");
  }
  lines.emplace_back("cards a day", numberText(d, "cards_per_day"));
  if (auto limit = numberOf(d, "duty_cards_per_hour"); limit && *limit > 0) {
    std::string duty = orDash(fieldText(d, "cards_last_hour")) + " of " + decimal(*limit, 0) +
                       " cards in the last hour";
    if (fieldText(d, "resting") == "true") duty += " (resting)";
    lines.emplace_back("duty cycle", duty);
  }
  lines.emplace_back("hot time",
                     numberOf(w, "hot_ms")
                         ? formatDurationMs(static_cast<std::int64_t>(*numberOf(w, "hot_ms")))
                         : "");
  lines.emplace_back("forced rests", fieldText(w, "forced_pauses"));
  lines.emplace_back("forecast", formatForecastLine(d));
  return labelled("printer " + orDash(fieldText(d, "printer")) + ":\n", lines);
}

std::string formatMaintenanceRecorded(const json::object& record) {
  std::string out = "printer " + orDash(fieldText(record, "printer")) + ": " +
                    orDash(fieldText(record, "action")) + " recorded";
  if (std::string id = fieldText(record, "id"); !id.empty()) out += " (#" + id + ")";
  if (std::string actor = fieldText(record, "actor"); !actor.empty()) out += " by " + actor;
  if (std::string note = fieldText(record, "note"); !note.empty()) out += ": " + note;
  return out;
}

std::string formatMaintenanceTable(const json::array& records) {
  if (records.empty()) return "no maintenance recorded\n";
  Table table({"ID", "AT", "PRINTER", "ACTION", "BY", "NOTE"});
  table.align(0, Align::Right);
  for (const auto& item : records) {
    if (!item.is_object()) continue;
    const json::object& m = item.get_object();
    table.addRow({fieldText(m, "id"), shortTime(fieldText(m, "at")), fieldText(m, "printer"),
                  fieldText(m, "action"), fieldText(m, "actor"), fieldText(m, "note")});
  }
  return table.render();
}

std::string formatAlertsTable(const json::array& alerts, bool all) {
  if (alerts.empty()) return all ? "no alerts\n" : "no open alerts\n";
  Table table({"ID", "SEVERITY", "STATE", "RULE", "SUBJECT", "RAISED", "MESSAGE"});
  table.align(0, Align::Right);
  for (const auto& item : alerts) {
    if (!item.is_object()) continue;
    const json::object& a = item.get_object();
    std::string state = fieldText(a, "state");
    if (std::string by = fieldText(a, "acknowledged_by"); state == "acknowledged" && !by.empty())
      state += " by " + by;
    table.addRow({fieldText(a, "id"), fieldText(a, "severity"), state, fieldText(a, "rule"),
                  fieldText(a, "subject"), shortTime(fieldText(a, "raised_at")),
                  fieldText(a, "message")});
  }
  return table.render();
}

std::string formatAcknowledged(const json::object& alert) {
  std::string out = "alert " + orDash(fieldText(alert, "id")) + " acknowledged";
  if (std::string by = fieldText(alert, "acknowledged_by"); !by.empty()) out += " by " + by;
  if (std::string message = fieldText(alert, "message"); !message.empty()) out += ": " + message;
  return out;
}

std::string queryEscape(std::string_view value) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (const char c : value) {
    const auto u = static_cast<unsigned char>(c);
    const bool keep = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                      c == '-' || c == '.' || c == '_' || c == '~' || c == ':';
    if (keep) {
      out += c;
    } else {
      out += '%';
      out += kHex[u >> 4U];
      out += kHex[u & 0x0FU];
    }
  }
  return out;
}

}  // namespace cardd::cli
