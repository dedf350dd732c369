#include "report.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <numeric>
#include <ostream>

#include <boost/json/serialize.hpp>

namespace cardd::bench {

namespace {

double ms(std::int64_t ns) {
  return static_cast<double>(ns) / 1e6;
}

// Nearest rank: the smallest value with at least q of the samples at or below it.
std::int64_t percentile(const std::vector<std::int64_t>& sorted, double q) {
  const auto n = static_cast<double>(sorted.size());
  auto rank = static_cast<std::size_t>(std::ceil(q * n));
  rank = std::clamp<std::size_t>(rank, 1, sorted.size());
  return sorted[rank - 1];
}

std::string fixed(double v, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

// Rounded for JSON: enough digits for microseconds and tenths of a job/s.
double round3(double v) {
  return std::round(v * 1000.0) / 1000.0;
}

}  // namespace

Summary summarize(RunResult& result) {
  Summary s;
  if (result.wall_seconds > 0)
    s.jobs_per_second = static_cast<double>(result.succeeded) / result.wall_seconds;
  auto& lat = result.latencies_ns;
  if (lat.empty()) return s;
  std::sort(lat.begin(), lat.end());
  s.p50_ms = ms(percentile(lat, 0.50));
  s.p90_ms = ms(percentile(lat, 0.90));
  s.p99_ms = ms(percentile(lat, 0.99));
  s.max_ms = ms(lat.back());
  const long double total = std::accumulate(lat.begin(), lat.end(), 0.0L);
  s.mean_ms = static_cast<double>(total / static_cast<long double>(lat.size())) / 1e6;
  return s;
}

void printText(std::ostream& out, const RunInfo& info, const RunResult& r, const Summary& s) {
  out << "cardd-loadgen" << (info.label.empty() ? "" : ": " + info.label) << "\n";
  out << "  target    " << info.target << " (" << info.body_bytes << "-byte body), run "
      << info.run_id << "\n";
  out << "  load      " << info.jobs << " jobs, " << info.clients << " client(s) x pipeline "
      << info.pipeline << ", " << r.connects << " connect(s)\n";
  out << "  result    " << r.succeeded << " accepted, " << r.failed << " failed  [status";
  for (const auto& [status, count] : r.status_counts) out << " " << status << ":" << count;
  out << "]\n";
  out << "  wall      " << fixed(r.wall_seconds, 4) << " s   " << fixed(s.jobs_per_second, 1)
      << " jobs/s\n";
  out << "  latency   p50 " << fixed(s.p50_ms, 3) << "  p90 " << fixed(s.p90_ms, 3) << "  p99 "
      << fixed(s.p99_ms, 3) << "  max " << fixed(s.max_ms, 3) << "  mean " << fixed(s.mean_ms, 3)
      << " ms (accepted jobs)\n";
  const double share = r.wall_seconds > 0 ? 100.0 * r.client_cpu_seconds / r.wall_seconds : 0;
  out << "  client    " << fixed(r.client_cpu_seconds, 3) << " s CPU (" << fixed(share, 0)
      << "% of one core)\n";
  if (r.first_failure) {
    out << "  FIRST FAILURE status " << r.first_failure->status << ": " << r.first_failure->detail
        << "\n";
  }
  if (r.connection_errors > 0) out << "  connection errors: " << r.connection_errors << "\n";
  if (!r.aborted.empty()) out << "  ABORTED: " << r.aborted << "\n";
}

boost::json::object toJson(const RunInfo& info, const RunResult& r, const Summary& s) {
  boost::json::object o;
  o["label"] = info.label;
  o["target"] = info.target;
  o["run_id"] = info.run_id;
  o["jobs"] = info.jobs;
  o["clients"] = info.clients;
  o["pipeline"] = info.pipeline;
  o["body_bytes"] = info.body_bytes;
  o["sent"] = r.sent;
  o["accepted"] = r.succeeded;
  o["failed"] = r.failed;
  boost::json::object counts;
  for (const auto& [status, count] : r.status_counts) counts[std::to_string(status)] = count;
  o["status_counts"] = std::move(counts);
  o["wall_s"] = std::round(r.wall_seconds * 1e6) / 1e6;
  o["jobs_per_s"] = std::round(s.jobs_per_second * 10.0) / 10.0;
  o["p50_ms"] = round3(s.p50_ms);
  o["p90_ms"] = round3(s.p90_ms);
  o["p99_ms"] = round3(s.p99_ms);
  o["max_ms"] = round3(s.max_ms);
  o["mean_ms"] = round3(s.mean_ms);
  o["client_cpu_s"] = round3(r.client_cpu_seconds);
  o["connects"] = r.connects;
  o["connection_errors"] = r.connection_errors;
  if (r.first_failure) {
    o["first_failure"] = boost::json::object{{"status", r.first_failure->status},
                                             {"detail", r.first_failure->detail}};
  } else {
    o["first_failure"] = nullptr;
  }
  o["aborted"] = r.aborted.empty() ? boost::json::value(nullptr) : boost::json::value(r.aborted);
  return o;
}

namespace {

void appendJson(std::string& out, const boost::json::value& v) {
  switch (v.kind()) {
    case boost::json::kind::object: {
      out += '{';
      bool first = true;
      for (const auto& [key, item] : v.get_object()) {
        if (!first) out += ',';
        first = false;
        out += boost::json::serialize(boost::json::string(key));
        out += ':';
        appendJson(out, item);
      }
      out += '}';
      return;
    }
    case boost::json::kind::array: {
      out += '[';
      bool first = true;
      for (const auto& item : v.get_array()) {
        if (!first) out += ',';
        first = false;
        appendJson(out, item);
      }
      out += ']';
      return;
    }
    case boost::json::kind::double_: {
      std::string text = fixed(v.get_double(), 6);
      while (text.find('.') != std::string::npos && (text.back() == '0' || text.back() == '.')) {
        const bool dot = text.back() == '.';
        text.pop_back();
        if (dot) break;
      }
      out += text;
      return;
    }
    default:
      out += boost::json::serialize(v);
      return;
  }
}

}  // namespace

std::string toJsonText(const boost::json::value& value) {
  std::string out;
  appendJson(out, value);
  return out;
}

}  // namespace cardd::bench
