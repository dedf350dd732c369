#pragma once
// Plain-text tables in the style of lpstat/ps: a header row, columns separated
// by two spaces, padded to the widest cell (by UTF-8 code points), no trailing
// spaces. Empty cells print as "-". Control characters in cells (a hostile
// user name with an escape sequence) print as "?". Pure.

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace cardd::cli {

enum class Align { Left, Right };

class Table {
 public:
  explicit Table(std::vector<std::string> headers);

  // Aligns column `column` (0-based); columns are left-aligned by default.
  void align(std::size_t column, Align how);
  // Missing trailing cells are empty; cells beyond the header count are dropped.
  void addRow(std::vector<std::string> cells);

  std::size_t rowCount() const { return rows_.size(); }
  // Header plus rows, each line ending in '\n'.
  std::string render() const;

 private:
  std::vector<std::string> headers_;
  std::vector<Align> aligns_;
  std::vector<std::vector<std::string>> rows_;
};

// Number of code points in UTF-8 text (a fair display width for names and the
// arrows cardctl prints; East Asian wide characters count as one).
std::size_t displayWidth(std::string_view utf8);

// `text` with ASCII control characters (and DEL) replaced by '?'.
std::string sanitize(std::string_view text);

}  // namespace cardd::cli
