#include "eid/jmrtd_applet.hpp"

#include <algorithm>
#include <array>
#include <cstdio>
#include <utility>

#include "apdu/status_word.hpp"

namespace cardd::applets::eid {
namespace {

using apdu::CommandApdu;
using apdu::ResponseApdu;
namespace sw = apdu::sw;

constexpr std::uint16_t kSwSmNotSupported = 0x6882;
constexpr std::uint16_t kSwDataInvalid = 0x6984;
constexpr std::uint16_t kSwIncorrectP1P2 = 0x6A86;  // Java Card ISO7816.SW_INCORRECT_P1P2
constexpr std::uint16_t kSwNoPreciseDiagnosis = 0x6F00;

constexpr std::uint8_t kInsSelect = 0xA4;
constexpr std::uint8_t kInsReadBinary = 0xB0;
constexpr std::uint8_t kInsUpdateBinary = 0xD6;
constexpr std::uint8_t kInsCreateFile = 0xE0;
constexpr std::uint8_t kInsPutData = 0xDA;

// The FIDs PassportApplet's FileSystem has a slot for.
constexpr std::array<std::uint16_t, 19> kKnownFids = {
    0x0101, 0x0102, 0x0103, 0x0104, 0x0105, 0x0106, 0x0107, 0x0108, 0x0109, 0x010A,
    0x010B, 0x010C, 0x010D, 0x010E, 0x010F, 0x011D, 0x011E, 0x011C, 0xDEAD};

// PUT DATA P2 values for key material (P1 00), and the CVCA certificate (P1
// any).
constexpr std::uint8_t kTagRsaModulus = 0x60;
constexpr std::uint8_t kTagRsaExponent = 0x61;
constexpr std::uint8_t kTagMrzSeed = 0x62;
constexpr std::uint8_t kTagEcKey = 0x63;
constexpr std::uint8_t kTagCvCertificate = 0x64;

ResponseApdu status(std::uint16_t word) {
  return ResponseApdu{{}, word};
}

std::uint16_t p1p2(const CommandApdu& c) {
  return static_cast<std::uint16_t>((c.p1 << 8) | c.p2);
}

bool knownFid(std::uint16_t fid) {
  return std::find(kKnownFids.begin(), kKnownFids.end(), fid) != kKnownFids.end();
}

}  // namespace

Bytes jmrtdAtr() {
  Bytes atr = {0x3B, 0x8B, 0x80, 0x01, 0x80, 0x55, 'j', 'm', 'r', 't', 'd', 0x73, 0x90, 0x01, 0x40};
  std::uint8_t tck = 0;
  for (std::size_t i = 1; i < atr.size(); ++i) tck ^= atr[i];
  atr.push_back(tck);
  return atr;
}

JmrtdApplet::JmrtdApplet(Bytes serial, JmrtdAppletOptions options)
    : serial_(std::move(serial)), options_(options) {}

Result<std::unique_ptr<JmrtdApplet>> JmrtdApplet::create(ByteView serial,
                                                         JmrtdAppletOptions options) {
  if (serial.size() != kSerialSize) {
    return Error{ErrorCode::InvalidArgument, "a chip serial is 8 bytes (16 hex digits)"};
  }
  if (options.capacity == 0) {
    return Error{ErrorCode::InvalidArgument, "JMRTD applet capacity must be positive"};
  }
  return std::unique_ptr<JmrtdApplet>(
      new JmrtdApplet(Bytes(serial.begin(), serial.end()), options));
}

Bytes JmrtdApplet::atr() const {
  return jmrtdAtr();
}

void JmrtdApplet::endCardSession() {
  selected_ = false;
  selectedFile_.reset();
}

void JmrtdApplet::powerOn() {
  std::lock_guard lock(mutex_);
  endCardSession();
}

void JmrtdApplet::powerOff() {
  std::lock_guard lock(mutex_);
  endCardSession();
}

void JmrtdApplet::reset() {
  std::lock_guard lock(mutex_);
  endCardSession();
}

bool JmrtdApplet::locked() const {
  std::lock_guard lock(mutex_);
  return locked_;
}

Bytes JmrtdApplet::keyMaterial(std::uint16_t p1p2) const {
  std::lock_guard lock(mutex_);
  const auto it = keyMaterial_.find(p1p2);
  return it == keyMaterial_.end() ? Bytes{} : it->second;
}

std::uint64_t JmrtdApplet::stateGeneration() const {
  std::lock_guard lock(mutex_);
  return generation_;
}

ResponseApdu JmrtdApplet::process(const CommandApdu& command) {
  std::lock_guard lock(mutex_);
  /* Secure messaging exists only after BAC, which is not modelled. */
  if ((command.cla & 0x0C) == 0x0C) return status(kSwSmNotSupported);
  if (command.cla != 0x00) return status(sw::kClaNotSupported);

  if (command.ins == kInsSelect && command.p1 == 0x04) {
    endCardSession();
    if (command.data != kIcaoLdsAid) return status(sw::kFileNotFound);
    selected_ = true;
    return status(sw::kOk);
  }
  if (!selected_) return status(sw::kConditionsNotSatisfied);
  switch (command.ins) {
    case kInsSelect:
      return selectFile(command);
    case kInsCreateFile:
      return createFile(command);
    case kInsUpdateBinary:
      return updateBinary(command);
    case kInsReadBinary:
      return readBinary(command);
    case kInsPutData:
      return putData(command);
    default:
      return status(sw::kInsNotSupported);
  }
}

ResponseApdu JmrtdApplet::selectFile(const CommandApdu& command) {
  /* PassportApplet ignores P1 and P2 here. */
  if (locked_) return status(sw::kSecurityNotSatisfied);
  if (command.data.size() != 2) return status(sw::kWrongLength);
  const auto fid = static_cast<std::uint16_t>((command.data[0] << 8) | command.data[1]);
  if (files_.count(fid) == 0) {
    selectedFile_.reset();
    return status(sw::kFileNotFound);
  }
  selectedFile_ = fid;
  return status(sw::kOk);
}

ResponseApdu JmrtdApplet::createFile(const CommandApdu& command) {
  if (locked_) return status(sw::kConditionsNotSatisfied);
  const Bytes& d = command.data;
  if (d.size() < 6 || d[1] < 4) return status(sw::kWrongLength);
  if (d[0] != 0x63) return status(kSwDataInvalid);
  const auto size = static_cast<std::size_t>((d[2] << 8) | d[3]);
  const auto fid = static_cast<std::uint16_t>((d[4] << 8) | d[5]);
  /* Unknown FIDs and negative (Java short) sizes throw uncaught in the
     applet, which the runtime answers 6F00. */
  if (!knownFid(fid) || size > 0x7FFF) return status(kSwNoPreciseDiagnosis);

  /* The first CREATE allocates; a later one may only shrink or regrow up to
     that allocation. */
  auto it = files_.find(fid);
  if (it == files_.end()) {
    if (size > options_.capacity - allocatedBytes(files_)) return status(sw::kNotEnoughMemory);
    files_[fid] = ElementaryFile{Bytes(size, 0x00), size};
  } else {
    if (it->second.data.size() < size) return status(sw::kNotEnoughMemory);
    it->second.size = size;
  }
  ++generation_;
  return status(sw::kOk);
}

ResponseApdu JmrtdApplet::updateBinary(const CommandApdu& command) {
  if (!selectedFile_ || locked_) return status(sw::kConditionsNotSatisfied);
  if ((command.p1 & 0x80) != 0) return status(sw::kWrongP1P2);
  ElementaryFile& file = files_.at(*selectedFile_);
  const std::size_t offset = p1p2(command);
  if (offset + command.data.size() > file.size) return status(sw::kNotEnoughMemory);
  std::copy(command.data.begin(), command.data.end(),
            file.data.begin() + static_cast<std::ptrdiff_t>(offset));
  ++generation_;
  return status(sw::kOk);
}

ResponseApdu JmrtdApplet::readBinary(const CommandApdu& command) {
  /* The real applet reads only after BAC; the model reads in the clear
     until locked. */
  if (locked_) return status(sw::kSecurityNotSatisfied);
  if (!selectedFile_) return status(sw::kConditionsNotSatisfied);
  if ((command.p1 & 0x80) != 0) return status(sw::kWrongP1P2);
  const ElementaryFile& file = files_.at(*selectedFile_);
  const std::size_t offset = p1p2(command);
  if (offset > file.size) return status(sw::kWrongP1P2);
  const std::size_t n = std::min(command.ne, file.size - offset);
  const auto first = file.data.begin() + static_cast<std::ptrdiff_t>(offset);
  return ResponseApdu{Bytes(first, first + static_cast<std::ptrdiff_t>(n)), sw::kOk};
}

ResponseApdu JmrtdApplet::putData(const CommandApdu& command) {
  if (locked_) return status(sw::kConditionsNotSatisfied);
  if (command.p1 == 0xDE && command.p2 == 0xAD) {
    locked_ = true;
    selectedFile_.reset();
    ++generation_;
    return status(sw::kOk);
  }
  const bool keyTag =
      command.p1 == 0x00 && (command.p2 == kTagRsaModulus || command.p2 == kTagRsaExponent ||
                             command.p2 == kTagMrzSeed || command.p2 == kTagEcKey);
  const bool certificate = command.p2 == kTagCvCertificate;
  if (!keyTag && !certificate) return status(kSwIncorrectP1P2);
  if (command.data.empty()) return status(sw::kWrongLength);
  if (certificate) {
    for (const auto& [key, value] : keyMaterial_) {
      if ((key & 0xFF) == kTagCvCertificate) return status(sw::kConditionsNotSatisfied);
    }
  }
  keyMaterial_[p1p2(command)] = command.data;
  ++generation_;
  return status(sw::kOk);
}

std::string JmrtdApplet::exportState() const {
  std::lock_guard lock(mutex_);
  StateWriter writer(AppletKind::Jmrtd, serial_);
  writer.add("locked", {locked_ ? "1" : "0"});
  for (const auto& [key, value] : keyMaterial_) {
    char id[8];
    std::snprintf(id, sizeof id, "%04X", key);
    writer.add("put-data", {id, hexOrDash(value)});
  }
  writer.addFiles(files_);
  return writer.text();
}

Status JmrtdApplet::importState(std::string_view text) {
  auto parsed = parseStateText(text);
  if (!parsed) return std::move(parsed).error();
  if (parsed->kind != AppletKind::Jmrtd) {
    return Error{ErrorCode::InvalidArgument, "the chip state is not of a JMRTD chip"};
  }
  if (parsed->serial != serial_) {
    return Error{ErrorCode::InvalidArgument, "the chip state belongs to another chip serial"};
  }
  bool locked = false;
  FileMap files;
  std::map<std::uint16_t, Bytes> keys;
  for (const auto& line : parsed->lines) {
    if (line.key == "locked") {
      auto v = parseNumber(line, 0, 1);
      if (!v) return std::move(v).error();
      locked = *v == 1;
    } else if (line.key == "put-data") {
      auto id = parseHexValue(line, 0);
      auto value = parseHexValue(line, 1);
      if (!id || id->size() != 2 || !value || value->empty()) {
        return stateError(line, "bad put-data line");
      }
      keys[static_cast<std::uint16_t>(((*id)[0] << 8) | (*id)[1])] = std::move(value).value();
    } else if (line.key == "file") {
      if (auto file = parseFileLine(line, files); !file) return std::move(file).error();
    } else {
      return stateError(line, "unknown item for a JMRTD chip");
    }
  }
  for (const auto& [fid, file] : files) {
    if (!knownFid(fid)) {
      return Error{ErrorCode::InvalidArgument, "the chip state holds a file JMRTD does not know"};
    }
  }
  if (allocatedBytes(files) > options_.capacity) {
    return Error{ErrorCode::InvalidArgument,
                 "the chip state holds more data than the chip's capacity"};
  }
  std::lock_guard lock(mutex_);
  locked_ = locked;
  files_ = std::move(files);
  keyMaterial_ = std::move(keys);
  endCardSession();
  ++generation_;
  return Ok{};
}

}  // namespace cardd::applets::eid
