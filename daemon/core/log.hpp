#pragma once
// Structured logging. Under systemd (JOURNAL_STREAM names our stderr) records
// go to journald with one journal field per key (CARDD_JOB=7); otherwise to
// stderr as "LEVEL message key=value ...".
//
// Contract: callers never pass personal data (names, NIKs, photos,
// fingerprints) as a message or a field. Job ids, states, uids and error slugs
// are fine. Thread-safe.

#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>

namespace cardd::log {

enum class Level { Debug = 7, Info = 6, Notice = 5, Warning = 4, Error = 3 };

using Field = std::pair<std::string_view, std::string>;

// Select the sink once, at start-up. `force_stderr` disables journald.
void init(Level min_level, bool force_stderr = false);
void setLevel(Level min_level);
bool parseLevel(std::string_view text, Level& out);

void write(Level level, std::string_view message, std::initializer_list<Field> fields = {});

inline void debug(std::string_view m, std::initializer_list<Field> f = {}) {
  write(Level::Debug, m, f);
}
inline void info(std::string_view m, std::initializer_list<Field> f = {}) {
  write(Level::Info, m, f);
}
inline void notice(std::string_view m, std::initializer_list<Field> f = {}) {
  write(Level::Notice, m, f);
}
inline void warning(std::string_view m, std::initializer_list<Field> f = {}) {
  write(Level::Warning, m, f);
}
inline void error(std::string_view m, std::initializer_list<Field> f = {}) {
  write(Level::Error, m, f);
}

}  // namespace cardd::log
