#pragma once
// The fault log for a remote repair centre: CSV (RFC 4180, header row,
// UTF-8, CRLF) and JSON (an array of objects), and back. Exporting then
// importing gives the same records (round trip). Timestamps are RFC 3339 UTC
// with milliseconds in both formats; empty optional fields are empty cells /
// null.
//
// Columns, in order: id, raised_at, cleared_at, duration_ms, device,
// device_kind, reason, severity, raw, job_id, attempt_id.

#include <string>
#include <string_view>
#include <vector>

#include <boost/json/value.hpp>

#include "core/result.hpp"
#include "health/health_types.hpp"

namespace cardd::health {

std::string faultsToCsv(const std::vector<FaultRecord>& faults);
boost::json::value faultToJson(const FaultRecord& fault);
std::string faultsToJson(const std::vector<FaultRecord>& faults);

// InvalidArgument naming the line/index and column for anything malformed.
// Import checks what export guarantees: the header row (CSV), integers,
// timestamps, device_kind printer|encoder, severity report|warning|error,
// non-empty device and reason, cleared_at not before raised_at, and
// duration_ms (derived; may be empty/absent) equal to cleared_at - raised_at.
// CSV lines may end in CRLF or LF; a UTF-8 BOM is skipped.
Result<std::vector<FaultRecord>> faultsFromCsv(std::string_view csv);
Result<std::vector<FaultRecord>> faultsFromJson(std::string_view json);

// RFC 3339 UTC with milliseconds back to ms since the epoch. Also accepts
// no fraction or any number of fraction digits (truncated to ms) and a
// numeric offset (+01:00); not a space for 'T' nor a missing zone.
Result<std::int64_t> parseTimestamp(std::string_view text);

}  // namespace cardd::health
