#pragma once
// Turning a RunResult into figures: throughput, latency percentiles, and the
// two output forms (a short text block for people, one JSON line for scripts).

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <cstdint>
#include <iosfwd>
#include <string>

#include "driver.hpp"

namespace cardd::bench {

struct RunInfo {
  std::string label;
  std::string target;  // Target::describe()
  std::string run_id;
  std::uint64_t jobs = 0;
  unsigned clients = 0;
  unsigned pipeline = 0;
  std::size_t body_bytes = 0;
};

struct Summary {
  double jobs_per_second = 0;  // accepted jobs / wall time
  double p50_ms = 0;
  double p90_ms = 0;
  double p99_ms = 0;
  double max_ms = 0;
  double mean_ms = 0;
};

// Nearest-rank percentiles over the successful requests. Sorts the latencies.
Summary summarize(RunResult& result);

void printText(std::ostream& out, const RunInfo& info, const RunResult& result,
               const Summary& summary);
boost::json::object toJson(const RunInfo& info, const RunResult& result, const Summary& summary);

// Serialises like boost::json::serialize, but writes doubles in plain decimal
// notation (6 decimals at most: "0.021", not "2.1E-2") so shell tools and
// people can read the result line.
std::string toJsonText(const boost::json::value& value);

}  // namespace cardd::bench
