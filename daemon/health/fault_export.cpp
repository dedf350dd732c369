#include "health/fault_export.hpp"

#include <array>
#include <charconv>
#include <cstddef>

#include <boost/json.hpp>

#include "core/clock.hpp"
#include "health/json_fields.hpp"

namespace cardd::health {

namespace json = boost::json;

namespace {

constexpr std::array<std::string_view, 11> kColumns{
    "id",     "raised_at", "cleared_at", "duration_ms", "device",    "device_kind",
    "reason", "severity",  "raw",        "job_id",      "attempt_id"};

Error invalid(std::string message) {
  return Error{ErrorCode::InvalidArgument, std::move(message)};
}

// ---- Timestamps ------------------------------------------------------------

// Days from 1970-01-01 to a proleptic Gregorian date (the civil-from-days
// inverse: years counted from March so the leap day ends the year).
std::int64_t daysFromCivil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2 ? 1 : 0;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

bool leapYear(int y) {
  return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

int daysInMonth(int y, int m) {
  static constexpr std::array<int, 12> kDays{31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && leapYear(y) ? 29 : kDays[static_cast<std::size_t>(m - 1)];
}

// Reads exactly `n` digits at `pos`.
bool digits(std::string_view s, std::size_t& pos, std::size_t n, int& out) {
  if (pos + n > s.size()) return false;
  out = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const char c = s[pos + i];
    if (c < '0' || c > '9') return false;
    out = out * 10 + (c - '0');
  }
  pos += n;
  return true;
}

bool expect(std::string_view s, std::size_t& pos, char c) {
  if (pos >= s.size() || s[pos] != c) return false;
  ++pos;
  return true;
}

// ---- Cells -----------------------------------------------------------------

Result<std::int64_t> parseInt(std::string_view text) {
  std::int64_t v = 0;
  const auto* end = text.data() + text.size();
  auto [p, ec] = std::from_chars(text.data(), end, v);
  if (text.empty() || ec != std::errc{} || p != end) return invalid("not an integer");
  return v;
}

std::string csvCell(std::string_view text) {
  if (text.find_first_of(",\"\r\n") == std::string_view::npos) return std::string(text);
  std::string out = "\"";
  for (char c : text) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
  return out;
}

std::string optionalInt(const std::optional<std::int64_t>& v) {
  return v ? std::to_string(*v) : std::string();
}

bool knownSeverity(std::string_view s) {
  return s == "report" || s == "warning" || s == "error";
}
bool knownKind(std::string_view s) {
  return s == "printer" || s == "encoder";
}

// Builds a record from its eleven cells as text (an absent optional is
// nullopt); `where` names the row for messages ("line 3", "fault 2").
struct Cells {
  std::array<std::optional<std::string>, kColumns.size()> v;
};

Result<FaultRecord> recordFromCells(const Cells& cells, const std::string& where) {
  auto err = [&](std::size_t col, std::string_view what) {
    return invalid(where + ", column " + std::string(kColumns[col]) + ": " + std::string(what) +
                   ".");
  };
  FaultRecord f;
  auto required = [&](std::size_t col) -> const std::string* {
    return cells.v[col] && !cells.v[col]->empty() ? &*cells.v[col] : nullptr;
  };
  auto optInt = [&](std::size_t col, std::optional<std::int64_t>& out) -> std::optional<Error> {
    if (!required(col)) return std::nullopt;
    auto v = parseInt(*cells.v[col]);
    if (!v) return err(col, "is not an integer");
    out = *v;
    return std::nullopt;
  };

  if (!required(0)) return err(0, "is missing");
  auto id = parseInt(*cells.v[0]);
  if (!id) return err(0, "is not an integer");
  f.id = *id;

  if (!required(1)) return err(1, "is missing");
  auto raised = parseTimestamp(*cells.v[1]);
  if (!raised) return err(1, "is not an RFC 3339 timestamp");
  f.raised_at_ms = *raised;

  if (required(2)) {
    auto cleared = parseTimestamp(*cells.v[2]);
    if (!cleared) return err(2, "is not an RFC 3339 timestamp");
    if (*cleared < f.raised_at_ms) return err(2, "is before raised_at");
    f.cleared_at_ms = *cleared;
  }
  std::optional<std::int64_t> duration;
  if (auto e = optInt(3, duration)) return std::move(*e);
  if (duration != f.durationMs()) return err(3, "does not match cleared_at - raised_at");

  if (!required(4)) return err(4, "is missing");
  f.device = *cells.v[4];
  if (!required(5) || !knownKind(*cells.v[5])) return err(5, "must be printer or encoder");
  f.device_kind = *cells.v[5];
  if (!required(6)) return err(6, "is missing");
  f.reason = *cells.v[6];
  if (!required(7) || !knownSeverity(*cells.v[7])) {
    return err(7, "must be report, warning or error");
  }
  f.severity = *cells.v[7];
  f.raw = cells.v[8].value_or("");
  if (auto e = optInt(9, f.job_id)) return std::move(*e);
  if (auto e = optInt(10, f.attempt_id)) return std::move(*e);
  return f;
}

}  // namespace

Result<std::int64_t> parseTimestamp(std::string_view text) {
  // YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)
  std::size_t pos = 0;
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  const auto bad = [&] {
    return invalid("'" + std::string(text.substr(0, 40)) +
                   "' is not an RFC 3339 timestamp (e.g. 2026-11-29T11:20:50.123Z).");
  };
  if (!digits(text, pos, 4, year) || !expect(text, pos, '-') || !digits(text, pos, 2, month) ||
      !expect(text, pos, '-') || !digits(text, pos, 2, day)) {
    return bad();
  }
  if (pos >= text.size() || (text[pos] != 'T' && text[pos] != 't')) return bad();
  ++pos;
  if (!digits(text, pos, 2, hour) || !expect(text, pos, ':') || !digits(text, pos, 2, minute) ||
      !expect(text, pos, ':') || !digits(text, pos, 2, second)) {
    return bad();
  }
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month) || hour > 23 ||
      minute > 59 || second > 59) {
    return bad();
  }
  // Fraction: milliseconds from the first three digits, the rest truncated.
  std::int64_t millis = 0;
  if (pos < text.size() && text[pos] == '.') {
    ++pos;
    std::size_t n = 0;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
      if (n < 3) millis = millis * 10 + (text[pos] - '0');
      ++n;
      ++pos;
    }
    if (n == 0) return bad();
    for (std::size_t i = n; i < 3; ++i) millis *= 10;
  }
  std::int64_t offset_min = 0;
  if (pos < text.size() && (text[pos] == 'Z' || text[pos] == 'z')) {
    ++pos;
  } else if (pos < text.size() && (text[pos] == '+' || text[pos] == '-')) {
    const int sign = text[pos] == '-' ? -1 : 1;
    ++pos;
    int oh = 0, om = 0;
    if (!digits(text, pos, 2, oh) || !expect(text, pos, ':') || !digits(text, pos, 2, om) ||
        oh > 23 || om > 59) {
      return bad();
    }
    offset_min = sign * (oh * 60 + om);
  } else {
    return bad();
  }
  if (pos != text.size()) return bad();
  const std::int64_t days =
      daysFromCivil(year, static_cast<unsigned>(month), static_cast<unsigned>(day));
  const std::int64_t secs = days * 86400 + hour * 3600 + minute * 60 + second - offset_min * 60;
  return secs * 1000 + millis;
}

// ---- CSV -------------------------------------------------------------------

std::string faultsToCsv(const std::vector<FaultRecord>& faults) {
  std::string out;
  for (std::size_t i = 0; i < kColumns.size(); ++i) {
    if (i > 0) out += ',';
    out += kColumns[i];
  }
  out += "\r\n";
  for (const auto& f : faults) {
    out += std::to_string(f.id);
    out += ',' + formatTimestamp(f.raised_at_ms);
    out += ',' + (f.cleared_at_ms ? formatTimestamp(*f.cleared_at_ms) : std::string());
    out += ',' + optionalInt(f.durationMs());
    out += ',' + csvCell(f.device);
    out += ',' + csvCell(f.device_kind);
    out += ',' + csvCell(f.reason);
    out += ',' + csvCell(f.severity);
    out += ',' + csvCell(f.raw);
    out += ',' + optionalInt(f.job_id);
    out += ',' + optionalInt(f.attempt_id);
    out += "\r\n";
  }
  return out;
}

Result<std::vector<FaultRecord>> faultsFromCsv(std::string_view csv) {
  // Split into records of cells (RFC 4180: quoted cells may hold commas,
  // quotes doubled, CR and LF; lines end in CRLF, a bare LF is accepted).
  // Each record remembers the line it starts on, for messages.
  struct Row {
    std::size_t line;
    std::vector<std::string> cells;
  };
  std::vector<Row> rows;
  std::size_t line = 1;
  std::size_t pos = 0;
  if (csv.substr(0, 3) == "\xEF\xBB\xBF") pos = 3;  // a UTF-8 BOM from spreadsheets
  while (pos < csv.size()) {
    Row row{line, {}};
    std::string cell;
    bool end_of_record = false;
    while (!end_of_record) {
      cell.clear();
      if (pos < csv.size() && csv[pos] == '"') {
        const std::size_t start_line = line;
        ++pos;
        bool closed = false;
        while (pos < csv.size()) {
          const char c = csv[pos++];
          if (c == '"') {
            if (pos < csv.size() && csv[pos] == '"') {
              cell += '"';
              ++pos;
            } else {
              closed = true;
              break;
            }
          } else {
            if (c == '\n') ++line;
            cell += c;
          }
        }
        if (!closed) {
          return invalid("Line " + std::to_string(start_line) +
                         ": a quoted cell is not closed; the file is cut short or malformed.");
        }
        if (pos < csv.size() && csv[pos] != ',' && csv[pos] != '\r' && csv[pos] != '\n') {
          return invalid("Line " + std::to_string(line) +
                         ": text after a closing quote; quotes inside a cell must be doubled.");
        }
      } else {
        while (pos < csv.size() && csv[pos] != ',' && csv[pos] != '\r' && csv[pos] != '\n') {
          if (csv[pos] == '"') {
            return invalid("Line " + std::to_string(line) +
                           ": a quote inside an unquoted cell; quote the cell and double the "
                           "quote.");
          }
          cell += csv[pos++];
        }
      }
      row.cells.push_back(cell);
      if (pos >= csv.size()) {
        end_of_record = true;
      } else if (csv[pos] == ',') {
        ++pos;
      } else {
        if (csv[pos] == '\r') ++pos;
        if (pos < csv.size() && csv[pos] == '\n') ++pos;
        ++line;
        end_of_record = true;
      }
    }
    rows.push_back(std::move(row));
  }

  if (rows.empty()) return invalid("The CSV is empty; it needs at least the header row.");
  const auto& header = rows.front();
  bool header_ok = header.cells.size() == kColumns.size();
  for (std::size_t i = 0; header_ok && i < kColumns.size(); ++i) {
    header_ok = header.cells[i] == kColumns[i];
  }
  if (!header_ok) {
    return invalid(
        "Line 1: the header row must be id,raised_at,cleared_at,duration_ms,device,device_kind,"
        "reason,severity,raw,job_id,attempt_id.");
  }

  std::vector<FaultRecord> faults;
  for (std::size_t r = 1; r < rows.size(); ++r) {
    const auto& row = rows[r];
    if (row.cells.size() == 1 && row.cells[0].empty()) continue;  // a blank line
    const std::string where = "Line " + std::to_string(row.line);
    if (row.cells.size() != kColumns.size()) {
      return invalid(where + ": " + std::to_string(row.cells.size()) + " cells, expected " +
                     std::to_string(kColumns.size()) + ".");
    }
    Cells cells;
    for (std::size_t i = 0; i < kColumns.size(); ++i) cells.v[i] = row.cells[i];
    auto f = recordFromCells(cells, where);
    if (!f) return std::move(f).error();
    faults.push_back(std::move(*f));
  }
  return faults;
}

// ---- JSON ------------------------------------------------------------------

json::value faultToJson(const FaultRecord& f) {
  using json_fields::optionalCount;
  json::object o;
  o["id"] = f.id;
  o["raised_at"] = formatTimestamp(f.raised_at_ms);
  o["cleared_at"] = json_fields::optionalTime(f.cleared_at_ms);
  o["duration_ms"] = optionalCount(f.durationMs());
  o["device"] = f.device;
  o["device_kind"] = f.device_kind;
  o["reason"] = f.reason;
  o["severity"] = f.severity;
  o["raw"] = f.raw;
  o["job_id"] = optionalCount(f.job_id);
  o["attempt_id"] = optionalCount(f.attempt_id);
  return o;
}

std::string faultsToJson(const std::vector<FaultRecord>& faults) {
  json::array a;
  a.reserve(faults.size());
  for (const auto& f : faults) a.push_back(faultToJson(f));
  return json::serialize(a);
}

Result<std::vector<FaultRecord>> faultsFromJson(std::string_view text) {
  boost::system::error_code ec;
  json::value doc = json::parse(text, ec);
  if (ec) return invalid("The fault log is not well-formed JSON: " + ec.message() + ".");
  if (!doc.is_array()) return invalid("The fault log must be a JSON array of faults.");

  // Each object goes through the same cell checks as a CSV row: numbers and
  // strings become their text, null an empty cell.
  std::vector<FaultRecord> faults;
  const auto& array = doc.get_array();
  for (std::size_t i = 0; i < array.size(); ++i) {
    const std::string where = "Fault " + std::to_string(i);
    if (!array[i].is_object()) return invalid(where + ": not a JSON object.");
    const auto& o = array[i].get_object();
    Cells cells;
    for (std::size_t c = 0; c < kColumns.size(); ++c) {
      const auto* v = o.if_contains(kColumns[c]);
      if (v == nullptr || v->is_null()) continue;
      const bool numeric = c == 0 || c == 3 || c == 9 || c == 10;
      if (numeric) {
        if (!v->is_int64() && !v->is_uint64()) {
          return invalid(where + ", field " + std::string(kColumns[c]) +
                         ": must be an integer or null.");
        }
        cells.v[c] =
            v->is_int64() ? std::to_string(v->get_int64()) : std::to_string(v->get_uint64());
      } else {
        if (!v->is_string()) {
          return invalid(where + ", field " + std::string(kColumns[c]) + ": must be a string.");
        }
        cells.v[c] = std::string(v->get_string());
      }
    }
    auto f = recordFromCells(cells, where);
    if (!f) return std::move(f).error();
    faults.push_back(std::move(*f));
  }
  return faults;
}

}  // namespace cardd::health
