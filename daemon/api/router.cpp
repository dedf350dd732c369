#include "api/router.hpp"

#include <charconv>

namespace cardd::api {
namespace {

std::vector<std::string_view> splitPath(std::string_view path) {
  std::vector<std::string_view> out;
  std::size_t i = 0;
  while (i < path.size()) {
    if (path[i] == '/') {
      ++i;
      continue;
    }
    const std::size_t j = path.find('/', i);
    out.push_back(path.substr(i, j == std::string_view::npos ? std::string_view::npos : j - i));
    if (j == std::string_view::npos) break;
    i = j;
  }
  return out;
}

int hexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::optional<std::string> percentDecode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%') {
      if (i + 2 >= s.size()) return std::nullopt;
      const int hi = hexValue(s[i + 1]);
      const int lo = hexValue(s[i + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      out += static_cast<char>(hi * 16 + lo);
      i += 2;
    } else if (s[i] == '+') {
      out += ' ';
    } else {
      out += s[i];
    }
  }
  return out;
}

}  // namespace

const std::vector<RouteSpec>& routeTable() {
  static const std::vector<RouteSpec> kRoutes = {
      {"GET", "/v1/_ping", RouteId::Ping},
      {"GET", "/v1/whoami", RouteId::Whoami},
      {"POST", "/v1/jobs", RouteId::SubmitJob},
      {"GET", "/v1/jobs", RouteId::ListJobs},
      {"GET", "/v1/jobs/{id}", RouteId::GetJob},
      {"GET", "/v1/jobs/{id}/preview.png", RouteId::PreviewJob},
      {"POST", "/v1/previews", RouteId::PreviewRequest},
      {"POST", "/v1/jobs/{id}/cancel", RouteId::CancelJob},
      {"POST", "/v1/jobs/{id}/hold", RouteId::HoldJob},
      {"POST", "/v1/jobs/{id}/release", RouteId::ReleaseJob},
      {"POST", "/v1/jobs/{id}/confirm-issued", RouteId::ConfirmIssue},
      {"GET", "/v1/events", RouteId::Events},
      {"GET", "/v1/audit", RouteId::ListAudit},
      {"GET", "/v1/audit/verify", RouteId::VerifyAudit},
      {"GET", "/v1/inventory", RouteId::GetInventory},
      {"GET", "/v1/inventory/ledger", RouteId::ListLedger},
      {"POST", "/v1/inventory/receipts", RouteId::ReceiveLot},
      {"POST", "/v1/inventory/loads", RouteId::LoadFeeder},
      {"POST", "/v1/inventory/unloads", RouteId::UnloadFeeder},
      {"GET", "/v1/inventory/destructions", RouteId::ListDestructions},
      {"POST", "/v1/inventory/destructions", RouteId::RequestDestruction},
      {"POST", "/v1/inventory/destructions/{id}/witness", RouteId::WitnessDestruction},
      {"POST", "/v1/inventory/stock-takes", RouteId::StockTake},
      {"GET", "/v1/printers", RouteId::ListPrinters},
      {"GET", "/v1/printers/{printer}", RouteId::GetPrinter},
      {"POST", "/v1/printers/{printer}/pause", RouteId::PausePrinter},
      {"POST", "/v1/printers/{printer}/resume", RouteId::ResumePrinter},
      {"GET", "/v1/faults", RouteId::ListFaults},
      {"GET", "/v1/faults/summary", RouteId::FaultSummary},
      {"GET", "/v1/health", RouteId::GetHealth},
      {"GET", "/v1/health/printers/{printer}", RouteId::GetPrinterHealth},
      {"GET", "/v1/health/supply", RouteId::GetSupply},
      {"POST", "/v1/printers/{printer}/maintenance", RouteId::RecordMaintenance},
      {"GET", "/v1/maintenance", RouteId::ListMaintenance},
      {"GET", "/v1/alerts", RouteId::ListAlerts},
      {"POST", "/v1/alerts/{id}/acknowledge", RouteId::AcknowledgeAlert},
  };
  return kRoutes;
}

std::optional<JobId> parseJobId(std::string_view text) {
  if (text.empty() || text.size() > 18 || text[0] < '1' || text[0] > '9') return std::nullopt;
  JobId v = 0;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || p != text.data() + text.size()) return std::nullopt;
  return v;
}

bool isPrinterId(std::string_view text) {
  if (text.empty() || text.size() > 32) return false;
  for (const char c : text) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

RouteMatch matchRoute(std::string_view method, std::string_view path) {
  const auto segs = splitPath(path);
  RouteMatch result;
  bool path_known = false;
  bool bad_id = false;
  for (const auto& r : routeTable()) {
    const auto pat = splitPath(r.pattern);
    if (pat.size() != segs.size()) continue;
    bool match = true;
    JobId id = 0;
    std::string_view printer;
    bool id_bad_here = false;
    for (std::size_t i = 0; i < pat.size() && match; ++i) {
      if (pat[i] == "{printer}") {
        if (isPrinterId(segs[i]))
          printer = segs[i];
        else
          match = false;
      } else if (pat[i] == "{id}") {
        auto parsed = parseJobId(segs[i]);
        if (parsed)
          id = *parsed;
        else
          id_bad_here = true;
      } else if (pat[i] != segs[i]) {
        match = false;
      }
    }
    if (!match) continue;
    if (id_bad_here) {
      bad_id = true;
      continue;
    }
    path_known = true;
    if (r.method == method) {
      result.kind = RouteMatch::Kind::Found;
      result.id = r.id;
      result.job_id = id;
      result.printer = std::string(printer);
      return result;
    }
    if (!result.allow.empty()) result.allow += ", ";
    result.allow += r.method;
  }
  if (path_known)
    result.kind = RouteMatch::Kind::MethodNotAllowed;
  else if (bad_id)
    result.kind = RouteMatch::Kind::BadId;
  return result;
}

std::optional<std::vector<std::pair<std::string, std::string>>> parseQuery(std::string_view query) {
  std::vector<std::pair<std::string, std::string>> out;
  std::size_t i = 0;
  while (i <= query.size() && !query.empty()) {
    const std::size_t amp = query.find('&', i);
    const std::string_view part =
        query.substr(i, amp == std::string_view::npos ? std::string_view::npos : amp - i);
    if (!part.empty()) {
      const std::size_t eq = part.find('=');
      auto key = percentDecode(part.substr(0, eq));
      auto value =
          percentDecode(eq == std::string_view::npos ? std::string_view() : part.substr(eq + 1));
      if (!key || !value) return std::nullopt;
      out.emplace_back(std::move(*key), std::move(*value));
    }
    if (amp == std::string_view::npos) break;
    i = amp + 1;
  }
  return out;
}

}  // namespace cardd::api
