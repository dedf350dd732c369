#include "cli/table.hpp"

#include <algorithm>

namespace cardd::cli {

std::size_t displayWidth(std::string_view utf8) {
  // Count every byte that is not a UTF-8 continuation byte (10xxxxxx).
  return static_cast<std::size_t>(std::count_if(utf8.begin(), utf8.end(), [](char c) {
    return (static_cast<unsigned char>(c) & 0xC0U) != 0x80U;
  }));
}

std::string sanitize(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20U || u == 0x7FU) c = '?';
  }
  return out;
}

Table::Table(std::vector<std::string> headers)
    : headers_(std::move(headers)), aligns_(headers_.size(), Align::Left) {}

void Table::align(std::size_t column, Align how) {
  if (column < aligns_.size()) aligns_[column] = how;
}

void Table::addRow(std::vector<std::string> cells) {
  cells.resize(headers_.size());
  for (auto& cell : cells) cell = cell.empty() ? "-" : sanitize(cell);
  rows_.push_back(std::move(cells));
}

std::string Table::render() const {
  const std::size_t columns = headers_.size();
  std::vector<std::size_t> widths(columns, 0);
  for (std::size_t c = 0; c < columns; ++c) {
    widths[c] = displayWidth(headers_[c]);
    for (const auto& row : rows_) widths[c] = std::max(widths[c], displayWidth(row[c]));
  }

  std::string out;
  auto emit = [&](const std::vector<std::string>& cells) {
    std::string line;
    for (std::size_t c = 0; c < columns; ++c) {
      const std::size_t pad = widths[c] - displayWidth(cells[c]);
      if (c > 0) line += "  ";
      if (aligns_[c] == Align::Right) line.append(pad, ' ');
      line += cells[c];
      if (aligns_[c] == Align::Left) line.append(pad, ' ');
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out += line;
    out += '\n';
  };
  emit(headers_);
  for (const auto& row : rows_) emit(row);
  return out;
}

}  // namespace cardd::cli
