#include "core/log.hpp"

#include <sys/stat.h>
#include <syslog.h>
#include <systemd/sd-journal.h>
#include <unistd.h>

#include <atomic>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <string>
#include <vector>

namespace cardd::log {
namespace {

std::atomic<int> g_min_level{static_cast<int>(Level::Info)};
std::atomic<bool> g_journal{false};
std::mutex g_stderr_mutex;

// JOURNAL_STREAM is "dev:inode" of the stream systemd connected to stderr.
bool stderrIsJournal() {
  const char* js = std::getenv("JOURNAL_STREAM");
  if (js == nullptr) return false;
  struct stat st {};
  if (fstat(STDERR_FILENO, &st) != 0) return false;
  unsigned long dev = 0;
  unsigned long ino = 0;
  if (std::sscanf(js, "%lu:%lu", &dev, &ino) != 2) return false;
  return st.st_dev == dev && st.st_ino == ino;
}

const char* levelName(Level l) {
  switch (l) {
    case Level::Debug:
      return "DEBUG";
    case Level::Info:
      return "INFO";
    case Level::Notice:
      return "NOTICE";
    case Level::Warning:
      return "WARN";
    case Level::Error:
      return "ERROR";
  }
  return "INFO";
}

std::string journalKey(std::string_view key) {
  std::string out = "CARDD_";
  for (char c : key)
    out += std::isalnum(static_cast<unsigned char>(c))
               ? static_cast<char>(std::toupper(static_cast<unsigned char>(c)))
               : '_';
  return out;
}

}  // namespace

void init(Level min_level, bool force_stderr) {
  setLevel(min_level);
  g_journal = !force_stderr && stderrIsJournal();
}

void setLevel(Level min_level) {
  g_min_level = static_cast<int>(min_level);
}

bool parseLevel(std::string_view text, Level& out) {
  if (text == "debug")
    out = Level::Debug;
  else if (text == "info")
    out = Level::Info;
  else if (text == "notice")
    out = Level::Notice;
  else if (text == "warning")
    out = Level::Warning;
  else if (text == "error")
    out = Level::Error;
  else
    return false;
  return true;
}

void write(Level level, std::string_view message, std::initializer_list<Field> fields) {
  if (static_cast<int>(level) > g_min_level.load(std::memory_order_relaxed)) return;

  if (g_journal) {
    // One iovec per field; sd_journal_sendv copies them.
    std::vector<std::string> items;
    items.reserve(fields.size() + 3);
    items.push_back("MESSAGE=" + std::string(message));
    items.push_back("PRIORITY=" + std::to_string(static_cast<int>(level)));
    items.emplace_back("SYSLOG_IDENTIFIER=cardd");
    for (const auto& [k, v] : fields) items.push_back(journalKey(k) + "=" + v);
    std::vector<iovec> iov(items.size());
    for (size_t i = 0; i < items.size(); ++i) iov[i] = {items[i].data(), items[i].size()};
    sd_journal_sendv(iov.data(), static_cast<int>(iov.size()));
    return;
  }

  std::string line = levelName(level);
  line += ' ';
  line += message;
  for (const auto& [k, v] : fields) {
    line += ' ';
    line += k;
    line += '=';
    bool quote = v.find_first_of(" \t\"") != std::string::npos || v.empty();
    if (quote) line += '"';
    line += v;
    if (quote) line += '"';
  }
  line += '\n';
  std::lock_guard lock(g_stderr_mutex);
  std::fwrite(line.data(), 1, line.size(), stderr);
}

}  // namespace cardd::log
