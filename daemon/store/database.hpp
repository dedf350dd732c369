#pragma once
// A thin RAII layer over one sqlite3 connection. Not thread-safe: each
// Database is used by one thread at a time. SQLite failures become
// Error{StoreIo} (or StoreCorrupt for SQLITE_CORRUPT / SQLITE_NOTADB) values
// that carry SQLite's own message.

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/result.hpp"

namespace cardd {

class Statement {
 public:
  Statement() = default;
  Statement(sqlite3* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}

  // Binding is 1-based, as in SQLite.
  Statement& bind(int index, std::int64_t value);
  Statement& bind(int index, std::string_view value);
  Statement& bind(int index, const std::string& value) {
    return bind(index, std::string_view(value));
  }
  Statement& bind(int index, const char* value) { return bind(index, std::string_view(value)); }
  Statement& bindOptional(int index, const std::optional<std::string>& value);
  Statement& bindNull(int index);

  // True while a row is available; false when done. Errors as values.
  Result<bool> step();
  // Runs to completion (for statements that return no rows).
  Status run();
  // Steps through every row, turning each into a T with `read(*this)`.
  template <typename T, typename ReadRow>
  Result<std::vector<T>> collect(ReadRow read) {
    std::vector<T> out;
    for (;;) {
      auto row = step();
      if (!row) return std::move(row).error();
      if (!*row) break;
      out.push_back(read(*this));
    }
    reset();
    return out;
  }
  void reset();

  std::int64_t columnInt(int i) const;
  std::string columnText(int i) const;
  bool columnIsNull(int i) const;

 private:
  sqlite3* db_ = nullptr;
  sqlite3_stmt* stmt_ = nullptr;  // owned by Database's cache
};

class Database {
 public:
  enum class Mode { ReadWrite, ReadOnly };

  // Opens (creating in ReadWrite mode) the file. No schema work happens here:
  // see store/schema.hpp for migrations and checks.
  static Result<std::unique_ptr<Database>> open(const std::string& path, Mode mode);

  ~Database();
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  // Executes one or more statements that return no rows.
  Status exec(std::string_view sql);
  // A cached prepared statement, reset and with its bindings cleared.
  Result<Statement> prepare(const std::string& sql);
  // Convenience: first column of the first row as an integer.
  Result<std::int64_t> queryInt(const std::string& sql);

  std::int64_t lastInsertId() const;
  const std::string& path() const { return path_; }
  sqlite3* handle() { return db_; }

  // An Error from the connection's current error state.
  Error lastError(std::string_view what) const;

 private:
  Database(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}
  sqlite3* db_;
  std::string path_;
  std::unordered_map<std::string, sqlite3_stmt*> cache_;
};

// Error value for an SQLite result code on `db`.
Error sqliteError(sqlite3* db, int rc, std::string_view what);

}  // namespace cardd
