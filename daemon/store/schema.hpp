#pragma once
// The store is a versioned file format. `PRAGMA application_id` marks a
// cardd database, `PRAGMA user_version` holds the schema version, and
// numbered migrations (schema.cpp) bring an older file up to date at start-up,
// all in one transaction. A newer schema, a foreign or a corrupt file is
// refused with a message that says what to do.

#include <memory>
#include <string>
#include <vector>

#include "core/result.hpp"
#include "store/database.hpp"

namespace cardd {

inline constexpr int kSchemaVersion = 5;
inline constexpr std::int64_t kApplicationId = 0x43415244;  // "CARD"

struct Migration {
  int version;  // the user_version after this step
  const char* description;
  const char* sql;
};

// All migrations, in order; migrations()[i].version == i + 1.
const std::vector<Migration>& migrations();

// Opens the writer connection: WAL, synchronous=FULL, foreign keys; checks
// identity and integrity; migrates. Errors: StoreCorrupt, StoreTooNew, StoreIo.
Result<std::unique_ptr<Database>> openStore(const std::string& path);

// A second connection for reads on the event loop (query_only). Call after
// openStore() has prepared the file.
Result<std::unique_ptr<Database>> openStoreReader(const std::string& path);

// Runs migrations up to `target` (used by tests to build old-schema files).
Status migrateTo(Database& db, int target);

}  // namespace cardd
