#include "printer/evolis/evolis_reply.hpp"

#include <algorithm>
#include <limits>

#include "driver_error.hpp"

namespace cardd::drivers::evolis {

namespace {

char lower(char c) {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(),
                                            [](char x, char y) { return lower(x) == lower(y); });
}

bool istartsWith(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && iequals(s.substr(0, prefix.size()), prefix);
}

bool isPadding(char c) {
  return c == '\0' || c == '\r' || c == '\n' || c == ' ' || c == '\t';
}

bool isDigit(char c) {
  return c >= '0' && c <= '9';
}

Error refused(const Reply& reply) {
  return deviceRefused("evolis: printer answered " + reply.text);
}

// The error for a reply that is not the expected value: the printer's refusal
// when it refused, else a protocol error naming what was expected.
Error unexpected(const Reply& reply, std::string_view expected) {
  if (reply.kind == ReplyKind::UnknownCommand || reply.kind == ReplyKind::BadParameters ||
      reply.kind == ReplyKind::DeviceError) {
    return refused(reply);
  }
  return protocolError("evolis: expected " + std::string(expected) + ", printer answered '" +
                       reply.text + "'");
}

}  // namespace

Result<Reply> parseReply(std::string_view bytes) {
  if (bytes.size() > kMaxReplyBytes) return protocolError("evolis: reply too long");
  while (!bytes.empty() && isPadding(bytes.front())) bytes.remove_prefix(1);
  while (!bytes.empty() && isPadding(bytes.back())) bytes.remove_suffix(1);
  if (bytes.empty()) return protocolError("evolis: empty reply");
  if (!std::all_of(bytes.begin(), bytes.end(), [](char c) { return c >= 0x20 && c <= 0x7E; })) {
    return protocolError("evolis: reply has non-printable bytes");
  }

  Reply reply{ReplyKind::Value, std::string(bytes)};
  if (iequals(bytes, "OK")) {
    reply.kind = ReplyKind::Ok;
  } else if (iequals(bytes, "ERROR CDE")) {
    reply.kind = ReplyKind::UnknownCommand;
  } else if (iequals(bytes, "ERROR PARAMETERS")) {
    reply.kind = ReplyKind::BadParameters;
  } else if (istartsWith(bytes, "ERR")) {
    reply.kind = ReplyKind::DeviceError;
  }
  return reply;
}

Result<Reply> parseReply(std::span<const std::uint8_t> bytes) {
  return parseReply(std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
}

Status expectOk(const Reply& reply) {
  if (reply.kind == ReplyKind::Ok) return Ok{};
  return unexpected(reply, "OK");
}

Result<std::string> expectText(const Reply& reply) {
  if (reply.kind == ReplyKind::Value) return reply.text;
  return unexpected(reply, "a value");
}

Result<std::uint64_t> expectCount(const Reply& reply) {
  if (reply.kind != ReplyKind::Value) return unexpected(reply, "a count");
  const std::string_view s = reply.text;
  if (!std::all_of(s.begin(), s.end(), isDigit)) return unexpected(reply, "a count");
  std::uint64_t value = 0;
  for (const char c : s) {
    const auto digit = static_cast<std::uint64_t>(c - '0');
    if (value > (std::numeric_limits<std::uint64_t>::max() - digit) / 10) {
      return protocolError("evolis: count out of range");
    }
    value = value * 10 + digit;
  }
  return value;
}

Result<std::uint32_t> expectMillivolts(const Reply& reply) {
  if (reply.kind != ReplyKind::Value) return unexpected(reply, "a voltage");
  std::string_view s = reply.text;

  // Drop the unit, then split "5,00" into whole volts and a fraction.
  for (const std::string_view unit : {"volts", "volt", "v"}) {
    if (s.size() >= unit.size() && iequals(s.substr(s.size() - unit.size()), unit)) {
      s.remove_suffix(unit.size());
      break;
    }
  }
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  const auto sep = s.find_first_of(",.");
  const std::string_view whole = s.substr(0, sep);
  const std::string_view frac = sep == std::string_view::npos ? "" : s.substr(sep + 1);
  const auto digits = [](std::string_view d) { return std::all_of(d.begin(), d.end(), isDigit); };
  if (whole.empty() || whole.size() > 6 || !digits(whole) || !digits(frac)) {
    return unexpected(reply, "a voltage");
  }

  std::uint32_t mv = 0;
  for (const char c : whole) mv = mv * 10 + static_cast<std::uint32_t>(c - '0');
  mv *= 1000;
  std::uint32_t scale = 100;
  for (std::size_t i = 0; i < frac.size() && scale > 0; ++i, scale /= 10) {
    mv += static_cast<std::uint32_t>(frac[i] - '0') * scale;
  }
  return mv;
}

Result<CardPosition> expectCardPosition(const Reply& reply) {
  if (reply.kind == ReplyKind::Ok) return CardPosition::None;
  if (reply.kind == ReplyKind::Value) {
    if (iequals(reply.text, "CARD")) return CardPosition::Inside;
    if (iequals(reply.text, "SMART CARD")) return CardPosition::ContactStation;
    if (iequals(reply.text, "CONTACTLESS CARD")) return CardPosition::ContactlessStation;
  }
  return unexpected(reply, "a card position");
}

Result<bool> expectHopperFull(const Reply& reply) {
  if (reply.kind == ReplyKind::Value) {
    if (iequals(reply.text, "CARD")) return true;
    if (iequals(reply.text, "NO CARD")) return false;
  }
  return unexpected(reply, "CARD or NO CARD");
}

Result<bool> expectCleaningDue(const Reply& reply) {
  if (reply.kind == ReplyKind::Ok) return false;
  if (reply.kind == ReplyKind::DeviceError && iequals(reply.text, "ERR NEED CLEANING")) return true;
  return unexpected(reply, "OK or ERR NEED CLEANING");
}

Result<CountOrRetry> expectRibbonRemaining(const Reply& reply) {
  if (reply.kind == ReplyKind::Ok) return CountOrRetry{SpuriousOk{}};
  auto count = expectCount(reply);
  if (!count) return count.error();
  return CountOrRetry{*count};
}

namespace {

constexpr DeviceFault kAllFaults[] = {
    DeviceFault::Mechanical,  DeviceFault::RibbonEnded,  DeviceFault::CoverOpen,
    DeviceFault::FeederEmpty, DeviceFault::HopperFull,   DeviceFault::RejectBoxFull,
    DeviceFault::HeadTemp,    DeviceFault::NeedCleaning,
};

bool parseHex32(std::string_view s, std::uint32_t& out) {
  if (s.size() != 8) return false;
  out = 0;
  for (const char c : s) {
    const char l = lower(c);
    std::uint32_t digit = 0;
    if (isDigit(l)) {
      digit = static_cast<std::uint32_t>(l - '0');
    } else if (l >= 'a' && l <= 'f') {
      digit = static_cast<std::uint32_t>(l - 'a' + 10);
    } else {
      return false;
    }
    out = out << 4 | digit;
  }
  return true;
}

}  // namespace

std::string_view deviceFaultText(DeviceFault fault) {
  switch (fault) {
    case DeviceFault::Mechanical:
      return "MECHANICAL";
    case DeviceFault::RibbonEnded:
      return "RIBBON ENDED";
    case DeviceFault::CoverOpen:
      return "COVER OPEN";
    case DeviceFault::FeederEmpty:
      return "FEEDER EMPTY";
    case DeviceFault::HopperFull:
      return "HOPPER FULL";
    case DeviceFault::RejectBoxFull:
      return "REJECT BOX FULL";
    case DeviceFault::HeadTemp:
      return "HEAD TEMP";
    case DeviceFault::NeedCleaning:
      return "NEED CLEANING";
  }
  return "MECHANICAL";
}

std::optional<DeviceFault> deviceFault(const Reply& reply) {
  if (reply.kind != ReplyKind::DeviceError) return std::nullopt;
  std::string_view s = reply.text;
  if (!istartsWith(s, "ERR ")) return std::nullopt;
  s.remove_prefix(4);
  for (const DeviceFault f : kAllFaults) {
    if (iequals(s, deviceFaultText(f))) return f;
  }
  return std::nullopt;
}

Result<StatusWords> expectStatusWords(const Reply& reply) {
  if (reply.kind != ReplyKind::Value) return unexpected(reply, "four status words");
  const std::string_view s = reply.text;
  std::uint32_t w[4] = {};
  if (s.size() != 35) return unexpected(reply, "four status words");
  for (std::size_t i = 0; i < 4; ++i) {
    if (i > 0 && s[i * 9 - 1] != ' ') return unexpected(reply, "four status words");
    if (!parseHex32(s.substr(i * 9, 8), w[i])) return unexpected(reply, "four status words");
  }
  return StatusWords{w[0], w[1], w[2], w[3]};
}

}  // namespace cardd::drivers::evolis
