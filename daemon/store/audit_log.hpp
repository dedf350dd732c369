#pragma once
// The append-only audit trail: who (uid, user, roles) did what to which
// target. Rows are hash-chained: each row stores the SHA-256 of the previous
// row's hash together with its own content, so editing, deleting or
// reordering any row breaks the chain at that row. verify() names the first
// row where it breaks. Details never hold personal data.
//
// Threading: bound to one Database, used by its thread.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "core/result.hpp"
#include "store/database.hpp"

namespace cardd {

struct AuditEntry {
  std::int64_t id = 0;
  std::int64_t at_ms = 0;
  std::int64_t uid = -1;
  std::string user;
  std::string roles;   // space-separated role names
  std::string action;  // e.g. "job.submit", "job.cancel"
  std::string target;  // e.g. "job/7"
  std::string detail;  // compact JSON, no personal data
  std::string prev_hash;
  std::string hash;
};

struct AuditVerdict {
  bool ok = true;
  std::int64_t entries = 0;
  std::optional<std::int64_t> first_bad_id;
  std::string problem;
};

inline constexpr const char* kAuditGenesisHash =
    "0000000000000000000000000000000000000000000000000000000000000000";

class AuditLog {
 public:
  AuditLog(Database& db, const Clock& clock) : db_(db), clock_(clock) {}

  // Appends a row chained to the last one. Fills id, at_ms and the hashes.
  Result<AuditEntry> append(AuditEntry entry);
  Result<std::vector<AuditEntry>> list(std::int64_t after_id, int limit);
  Result<AuditVerdict> verify();

  // The chain hash of an entry given its prev_hash (hex SHA-256).
  static std::string chainHash(const AuditEntry& entry);

 private:
  Database& db_;
  const Clock& clock_;
};

}  // namespace cardd
