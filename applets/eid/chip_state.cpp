#include "eid/chip_state.hpp"

#include <charconv>
#include <cstdio>

namespace cardd::applets::eid {
namespace {

constexpr std::string_view kMagic = "cardd-chip-state";
constexpr std::string_view kVersion = "1";

std::vector<std::string> split(std::string_view line) {
  std::vector<std::string> tokens;
  std::size_t pos = 0;
  while (pos < line.size()) {
    const std::size_t space = line.find(' ', pos);
    const std::size_t end = space == std::string_view::npos ? line.size() : space;
    if (end > pos) tokens.emplace_back(line.substr(pos, end - pos));
    pos = end + 1;
  }
  return tokens;
}

Error headerError(std::string_view what) {
  return Error{ErrorCode::InvalidArgument,
               "the chip state is not a cardd chip state file: " + std::string(what)};
}

}  // namespace

std::string_view appletKindName(AppletKind kind) {
  switch (kind) {
    case AppletKind::Eid:
      return "eid";
    case AppletKind::Jmrtd:
      return "jmrtd";
  }
  return "eid";
}

Result<AppletKind> parseAppletKind(std::string_view name) {
  if (name == "eid") return AppletKind::Eid;
  if (name == "jmrtd") return AppletKind::Jmrtd;
  return Error{ErrorCode::InvalidArgument,
               "unknown applet \"" + std::string(name) + "\" (use eid or jmrtd)"};
}

std::size_t allocatedBytes(const FileMap& files) {
  std::size_t total = 0;
  for (const auto& [fid, file] : files) total += file.data.size();
  return total;
}

StateWriter::StateWriter(AppletKind kind, ByteView serial) {
  text_ = std::string(kMagic) + " " + std::string(kVersion) + "\n";
  text_ += "kind " + std::string(appletKindName(kind)) + "\n";
  text_ += "serial " + toHex(serial) + "\n";
}

void StateWriter::add(std::string_view key, const std::vector<std::string>& values) {
  text_ += key;
  for (const auto& value : values) text_ += " " + value;
  text_ += "\n";
}

void StateWriter::addFiles(const FileMap& files) {
  for (const auto& [fid, file] : files) {
    char id[8];
    std::snprintf(id, sizeof id, "%04X", fid);
    add("file", {id, std::to_string(file.size), hexOrDash(file.data)});
  }
}

Result<ParsedState> parseStateText(std::string_view text) {
  ParsedState parsed;
  std::size_t number = 0;
  std::size_t header = 0;
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view raw = text.substr(pos, end - pos);
    pos = end + 1;
    ++number;
    if (!raw.empty() && raw.back() == '\r') raw.remove_suffix(1);
    auto tokens = split(raw);
    if (tokens.empty()) continue;

    /* The three header lines, in order. */
    if (header == 0) {
      if (tokens.size() != 2 || tokens[0] != kMagic) return headerError("first line");
      if (tokens[1] != kVersion) return headerError("unsupported version");
      ++header;
      continue;
    }
    if (header == 1) {
      if (tokens.size() != 2 || tokens[0] != "kind") return headerError("missing kind line");
      auto kind = parseAppletKind(tokens[1]);
      if (!kind) return std::move(kind).error();
      parsed.kind = *kind;
      ++header;
      continue;
    }
    if (header == 2) {
      if (tokens.size() != 2 || tokens[0] != "serial") return headerError("missing serial line");
      auto serial = fromHex(tokens[1]);
      if (!serial || serial->size() != kSerialSize) return headerError("bad serial");
      parsed.serial = std::move(serial).value();
      ++header;
      continue;
    }
    StateLine line;
    line.number = number;
    line.key = tokens[0];
    line.values.assign(tokens.begin() + 1, tokens.end());
    parsed.lines.push_back(std::move(line));
  }
  if (header < 3) return headerError("truncated header");
  return parsed;
}

Error stateError(const StateLine& line, std::string_view what) {
  return Error{ErrorCode::InvalidArgument,
               "line " + std::to_string(line.number) + " of the chip state: " + std::string(what)};
}

Result<std::uint64_t> parseNumber(const StateLine& line, std::size_t index, std::uint64_t max) {
  if (index >= line.values.size()) return stateError(line, "missing value");
  const std::string& token = line.values[index];
  std::uint64_t value = 0;
  const auto [end, ec] = std::from_chars(token.data(), token.data() + token.size(), value);
  if (ec != std::errc{} || end != token.data() + token.size() || value > max) {
    return stateError(line, "bad number");
  }
  return value;
}

Result<Bytes> parseHexValue(const StateLine& line, std::size_t index) {
  if (index >= line.values.size()) return stateError(line, "missing value");
  if (line.values[index] == "-") return Bytes{};
  auto bytes = fromHex(line.values[index]);
  if (!bytes) return stateError(line, "bad hex");
  return std::move(bytes).value();
}

std::string hexOrDash(ByteView bytes) {
  return bytes.empty() ? std::string("-") : toHex(bytes);
}

Status parseFileLine(const StateLine& line, FileMap& files) {
  if (line.values.size() != 3) return stateError(line, "a file line has FID, size and data");
  auto fid = fromHex(line.values[0]);
  if (!fid || fid->size() != 2) return stateError(line, "bad file identifier");
  auto size = parseNumber(line, 1, 0xFFFFFF);
  if (!size) return std::move(size).error();
  auto data = parseHexValue(line, 2);
  if (!data) return std::move(data).error();
  if (*size > data->size()) return stateError(line, "file size above its allocation");
  const auto id = static_cast<std::uint16_t>(((*fid)[0] << 8) | (*fid)[1]);
  if (files.count(id) != 0) return stateError(line, "duplicate file");
  files[id] = ElementaryFile{std::move(data).value(), static_cast<std::size_t>(*size)};
  return Ok{};
}

}  // namespace cardd::applets::eid
