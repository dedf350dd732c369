#include "eid/eid_applet.hpp"

#include <algorithm>
#include <utility>

#include "apdu/status_word.hpp"
#include "scp03/aes.hpp"
#include "scp03/diversification.hpp"
#include "scp03/initialize_update.hpp"
#include "scp03/kdf.hpp"
#include "scp03/security_level.hpp"
#include "tlv/tlv_node.hpp"
#include "tlv/tlv_reader.hpp"

namespace cardd::applets::eid {
namespace {

using apdu::CommandApdu;
using apdu::ResponseApdu;
namespace sw = apdu::sw;

// Status words the shared list does not name.
constexpr std::uint16_t kSwAuthenticationFailed = 0x6300;
constexpr std::uint16_t kSwVerifyBlocked = 0x6983;
constexpr std::uint16_t kSwNoCurrentEf = 0x6986;
constexpr std::uint16_t kSwWrongP1P2 = 0x6A86;
constexpr std::uint16_t kSwDataNotFound = 0x6A88;
constexpr std::uint16_t kSwInternal = 0x6F00;

constexpr std::uint8_t kIParameter = scp03::iparam::kPseudoRandomChallenge |
                                     scp03::iparam::kRMacSupported | scp03::iparam::kREncSupported;
constexpr std::uint32_t kMaxSequenceCounter = 0xFFFFFF;
constexpr std::size_t kMaxFileSize = 0xFFFF;

ResponseApdu status(std::uint16_t word) {
  return ResponseApdu{{}, word};
}

std::uint16_t p1p2(const CommandApdu& c) {
  return static_cast<std::uint16_t>((c.p1 << 8) | c.p2);
}

Bytes u16(std::size_t v) {
  return {static_cast<std::uint8_t>(v >> 8), static_cast<std::uint8_t>(v)};
}

Bytes u32(std::size_t v) {
  return {static_cast<std::uint8_t>(v >> 24), static_cast<std::uint8_t>(v >> 16),
          static_cast<std::uint8_t>(v >> 8), static_cast<std::uint8_t>(v)};
}

// Big-endian unsigned of 1..3 bytes (offset DO 54, size DO 80).
std::optional<std::size_t> bigEndian(ByteView bytes, std::size_t maxBytes) {
  if (bytes.empty() || bytes.size() > maxBytes) return std::nullopt;
  std::size_t value = 0;
  for (auto b : bytes) value = (value << 8) | b;
  return value;
}

bool reservedFid(std::uint16_t fid) {
  return fid == 0x0000 || fid == 0x3F00 || fid == 0x3FFF || fid == 0xFFFF;
}

// Size of the header of a 53 DO holding n bytes.
std::size_t dataObjectHeader(std::size_t n) {
  return n < 0x80 ? 2 : (n < 0x100 ? 3 : 4);
}

}  // namespace

Bytes eidAtr() {
  Bytes atr = {0x3B, 0x8B, 0x80, 0x01, 0x80, 0x55, 'c', 'a', 'r', 'd', 'd', 0x73, 0x90, 0x01, 0x40};
  std::uint8_t tck = 0;
  for (std::size_t i = 1; i < atr.size(); ++i) tck ^= atr[i];
  atr.push_back(tck);
  return atr;
}

Bytes eidKeyDiversificationData(ByteView serial) {
  Bytes kdd = {0x00, 0x00};
  append(kdd, serial);
  return kdd;
}

Result<scp03::StaticKeys> eidChipKeys(ByteView masterKey, ByteView serial) {
  if (serial.size() != kSerialSize) {
    return Error{ErrorCode::InvalidArgument, "a chip serial is 8 bytes (16 hex digits)"};
  }
  return scp03::diversifyKeySetKdf3(masterKey, eidKeyDiversificationData(serial), kEidKeyVersion);
}

EidApplet::EidApplet(Bytes serial, scp03::StaticKeys keys, EidAppletOptions options)
    : serial_(std::move(serial)), keys_(std::move(keys)), options_(options) {
  verifyTriesLeft_ = options_.verifyTries;
}

Result<std::unique_ptr<EidApplet>> EidApplet::create(ByteView serial, scp03::StaticKeys keys,
                                                     EidAppletOptions options) {
  if (serial.size() != kSerialSize) {
    return Error{ErrorCode::InvalidArgument, "a chip serial is 8 bytes (16 hex digits)"};
  }
  if (auto valid = scp03::validateStaticKeys(keys); !valid) return std::move(valid).error();
  if (options.capacity == 0 || options.verifyTries == 0 || options.verifyTries > 15) {
    return Error{ErrorCode::InvalidArgument,
                 "e-ID applet options: capacity must be positive and verifyTries 1..15"};
  }
  return std::unique_ptr<EidApplet>(
      new EidApplet(Bytes(serial.begin(), serial.end()), std::move(keys), options));
}

Bytes EidApplet::atr() const {
  return eidAtr();
}

void EidApplet::endCardSession() {
  selected_ = false;
  currentEf_.reset();
  session_.reset();
  verified_ = false;
}

void EidApplet::powerOn() {
  std::lock_guard lock(mutex_);
  endCardSession();
}

void EidApplet::powerOff() {
  std::lock_guard lock(mutex_);
  endCardSession();
}

void EidApplet::reset() {
  std::lock_guard lock(mutex_);
  endCardSession();
}

EidLifecycle EidApplet::lifecycle() const {
  std::lock_guard lock(mutex_);
  return lifecycle_;
}

std::size_t EidApplet::freeBytes() const {
  std::lock_guard lock(mutex_);
  return options_.capacity - allocatedBytes(files_);
}

bool EidApplet::channelOpen() const {
  std::lock_guard lock(mutex_);
  return session_ && session_->isOpen();
}

std::uint64_t EidApplet::stateGeneration() const {
  std::lock_guard lock(mutex_);
  return generation_;
}

ResponseApdu EidApplet::process(const CommandApdu& command) {
  std::lock_guard lock(mutex_);
  const std::uint8_t cla = command.cla;
  if (cla != 0x00 && cla != 0x04 && cla != 0x80 && cla != 0x84) {
    return status(sw::kClaNotSupported);
  }
  const bool secureMessaging = (cla & 0x04) != 0;

  /* EXTERNAL AUTHENTICATE carries the SM bit but opens the channel. */
  if (secureMessaging && command.ins == eid_ins::kExternalAuthenticate) {
    return externalAuthenticate(command);
  }

  /* In the clear: a plain command ends an open session (GP), then runs
     without channel rights. */
  if (!secureMessaging) {
    if (session_ && command.ins != eid_ins::kInitializeUpdate) session_.reset();
    return dispatch(command, Access{});
  }

  /* Protected: verify and strip C-MAC / C-DEC, run, protect the answer. */
  if (!session_ || !session_->isOpen()) return status(sw::kSecurityNotSatisfied);
  auto plain = session_->unwrapCommand(command);
  if (!plain) {
    session_.reset();
    return status(sw::kIncorrectSmDataObjects);
  }
  const Access access{true, session_->securityLevel()};
  ResponseApdu answer = dispatch(*plain, access);
  if (!session_ || !session_->isOpen()) return answer;  // the command ended the session
  auto wrapped = session_->wrapResponse(answer);
  if (!wrapped) {
    session_.reset();
    return status(kSwInternal);
  }
  return std::move(wrapped).value();
}

ResponseApdu EidApplet::dispatch(const CommandApdu& command, const Access& access) {
  switch (command.ins) {
    case eid_ins::kSelect:
      return select(command);
    case eid_ins::kGetData:
      return getData(command);
    default:
      break;
  }
  if (!selected_) return status(sw::kConditionsNotSatisfied);
  switch (command.ins) {
    case eid_ins::kInitializeUpdate:
      return initializeUpdate(command, access);
    case eid_ins::kCreateFile:
      return createFile(command, access);
    case eid_ins::kUpdateBinary:
    case eid_ins::kUpdateBinaryOdd:
      return updateBinary(command, access);
    case eid_ins::kReadBinary:
    case eid_ins::kReadBinaryOdd:
      return readBinary(command, access);
    case eid_ins::kPutData:
      return putData(command, access);
    case eid_ins::kSetStatus:
      return setStatus(command, access);
    case eid_ins::kVerify:
      return verify(command);
    default:
      return status(sw::kInsNotSupported);
  }
}

std::uint16_t EidApplet::writeAllowed(const Access& access) const {
  if (lifecycle_ == EidLifecycle::Locked) return sw::kConditionsNotSatisfied;
  if (!access.channel || !scp03::hasCDecryption(access.level) || !scp03::hasRMac(access.level)) {
    return sw::kSecurityNotSatisfied;
  }
  return sw::kOk;
}

std::uint16_t EidApplet::readAllowed(const Access& access) const {
  if (access.channel) return sw::kOk;
  if (lifecycle_ == EidLifecycle::Locked && verified_) return sw::kOk;
  return sw::kSecurityNotSatisfied;
}

ResponseApdu EidApplet::select(const CommandApdu& command) {
  if (command.p1 == 0x04) {
    if (command.p2 != 0x00 && command.p2 != 0x0C) return status(kSwWrongP1P2);
    /* Any SELECT by name ends the card session's transient state. */
    endCardSession();
    if (command.data != kEidAid) return status(sw::kFileNotFound);
    selected_ = true;
    if (command.p2 == 0x0C) return status(sw::kOk);
    Bytes fci = {0x6F, static_cast<std::uint8_t>(kEidAid.size() + 2), 0x84,
                 static_cast<std::uint8_t>(kEidAid.size())};
    append(fci, kEidAid);
    return ResponseApdu{std::move(fci), sw::kOk};
  }
  if (command.p1 != 0x00 && command.p1 != 0x02) return status(kSwWrongP1P2);
  if (!selected_) return status(sw::kConditionsNotSatisfied);
  if (command.p2 != 0x00 && command.p2 != 0x0C) return status(kSwWrongP1P2);
  if (command.data.size() != 2) return status(sw::kWrongLength);
  const auto fid = static_cast<std::uint16_t>((command.data[0] << 8) | command.data[1]);
  const auto file = files_.find(fid);
  if (file == files_.end()) {
    currentEf_.reset();
    return status(sw::kFileNotFound);
  }
  currentEf_ = fid;
  if (command.p2 == 0x0C) return status(sw::kOk);
  Bytes fcp = {0x62, 0x0B, 0x80, 0x02};
  append(fcp, u16(file->second.size));
  append(fcp, Bytes{0x82, 0x01, 0x01, 0x83, 0x02});
  append(fcp, command.data);
  return ResponseApdu{std::move(fcp), sw::kOk};
}

ResponseApdu EidApplet::getData(const CommandApdu& command) const {
  switch (p1p2(command)) {
    case 0x005A:
      return ResponseApdu{serial_, sw::kOk};
    case 0xDF70:
      return ResponseApdu{{static_cast<std::uint8_t>(lifecycle_)}, sw::kOk};
    case 0xDF71: {
      Bytes data = u32(options_.capacity);
      append(data, u32(options_.capacity - allocatedBytes(files_)));
      return ResponseApdu{std::move(data), sw::kOk};
    }
    default:
      return status(kSwDataNotFound);
  }
}

ResponseApdu EidApplet::initializeUpdate(const CommandApdu& command, const Access& access) {
  if (access.channel) return status(sw::kConditionsNotSatisfied);
  if (command.cla != 0x80) return status(sw::kClaNotSupported);
  if (command.p2 != 0x00) return status(kSwWrongP1P2);
  if (command.data.size() != scp03::kChallengeSize) return status(sw::kWrongLength);
  if (command.p1 != 0x00 && command.p1 != keys_.version) return status(kSwDataNotFound);
  session_.reset();
  if (sequenceCounter_ >= kMaxSequenceCounter) return status(sw::kConditionsNotSatisfied);

  /* Pseudo-random card challenge (i-parameter b5) from the persistent
     sequence counter, which moves on with every INITIALIZE UPDATE. */
  const Bytes counter = {static_cast<std::uint8_t>(sequenceCounter_ >> 16),
                         static_cast<std::uint8_t>(sequenceCounter_ >> 8),
                         static_cast<std::uint8_t>(sequenceCounter_)};
  ++sequenceCounter_;
  changed();
  auto challenge = scp03::pseudoRandomCardChallenge(keys_.enc, counter, kEidAid);
  if (!challenge) return status(kSwInternal);
  scp03::CardIdentity identity;
  identity.kdd = eidKeyDiversificationData(serial_);
  identity.iParameter = kIParameter;
  identity.sequenceCounter = counter;
  auto session = scp03::CardSession::begin(keys_, identity, command.data, *challenge);
  if (!session) return status(kSwInternal);
  auto response = session->initializeUpdateResponse().encode();
  if (!response) return status(kSwInternal);
  session_.emplace(std::move(session).value());
  return ResponseApdu{std::move(response).value(), sw::kOk};
}

ResponseApdu EidApplet::externalAuthenticate(const CommandApdu& command) {
  if (!selected_ || !session_ || session_->isOpen()) {
    session_.reset();
    return status(sw::kConditionsNotSatisfied);
  }
  const scp03::SecurityLevel level = command.p1;
  const bool supported =
      level == 0x01 || level == 0x03 || level == 0x11 || level == 0x13 || level == 0x33;
  if (command.cla != 0x84 || command.p2 != 0x00 || !supported) {
    session_.reset();
    return status(command.cla != 0x84 ? sw::kClaNotSupported : kSwWrongP1P2);
  }
  if (command.data.size() != scp03::kChallengeSize + 8) {
    session_.reset();
    return status(sw::kWrongLength);
  }
  if (auto verified = session_->verifyExternalAuthenticate(command); !verified) {
    session_.reset();
    return status(kSwAuthenticationFailed);
  }
  return status(sw::kOk);
}

ResponseApdu EidApplet::createFile(const CommandApdu& command, const Access& access) {
  if (auto allowed = writeAllowed(access); allowed != sw::kOk) return status(allowed);
  if (p1p2(command) != 0x0000) return status(kSwWrongP1P2);
  auto fcp = tlv::decodeNode(command.data);
  if (!fcp || fcp->tag != 0x62) return status(sw::kWrongData);

  /* 80 size and 83 fid required, 82 01 01 required, 88 tolerated; nothing
     else, nothing twice. */
  std::optional<std::size_t> size;
  std::optional<std::uint16_t> fid;
  bool transparent = false;
  bool sfi = false;
  for (const auto& child : fcp->children) {
    switch (child.tag) {
      case 0x80:
        if (size) return status(sw::kWrongData);
        size = bigEndian(child.value, 2);
        if (!size) return status(sw::kWrongData);
        break;
      case 0x82:
        if (transparent || child.value != Bytes{0x01}) return status(sw::kWrongData);
        transparent = true;
        break;
      case 0x83:
        if (fid || child.value.size() != 2) return status(sw::kWrongData);
        fid = static_cast<std::uint16_t>((child.value[0] << 8) | child.value[1]);
        break;
      case 0x88:
        if (sfi || child.value.size() != 1) return status(sw::kWrongData);
        sfi = true;
        break;
      default:
        return status(sw::kWrongData);
    }
  }
  if (!size || !fid || !transparent || *size == 0 || *size > kMaxFileSize || reservedFid(*fid)) {
    return status(sw::kWrongData);
  }
  if (files_.count(*fid) != 0) return status(sw::kFileExists);
  if (*size > options_.capacity - allocatedBytes(files_)) return status(sw::kNotEnoughMemory);
  files_[*fid] = ElementaryFile{Bytes(*size, 0x00), *size};
  currentEf_ = *fid;
  changed();
  return status(sw::kOk);
}

std::uint16_t EidApplet::resolveOddTarget(const CommandApdu& command, std::uint16_t& fid) {
  const std::uint16_t target = p1p2(command);
  if (target == 0x0000) {
    if (!currentEf_) return kSwNoCurrentEf;
    fid = *currentEf_;
    return sw::kOk;
  }
  if (files_.count(target) == 0) return sw::kFileNotFound;
  currentEf_ = target;
  fid = target;
  return sw::kOk;
}

std::uint16_t EidApplet::write(std::uint16_t fid, std::size_t offset, ByteView data) {
  if (data.empty()) return sw::kWrongLength;
  ElementaryFile& file = files_.at(fid);
  if (offset > file.size) return sw::kWrongP1P2;
  if (data.size() > file.size - offset) return sw::kNotEnoughMemory;
  std::copy(data.begin(), data.end(), file.data.begin() + static_cast<std::ptrdiff_t>(offset));
  changed();
  return sw::kOk;
}

ResponseApdu EidApplet::updateBinary(const CommandApdu& command, const Access& access) {
  if (auto allowed = writeAllowed(access); allowed != sw::kOk) return status(allowed);
  if (command.ins == eid_ins::kUpdateBinary) {
    if ((command.p1 & 0x80) != 0) return status(kSwWrongP1P2);
    if (!currentEf_) return status(kSwNoCurrentEf);
    return status(write(*currentEf_, p1p2(command), command.data));
  }

  /* Odd INS: offset DO 54, then discretionary data DO 53. */
  std::uint16_t fid = 0;
  if (auto target = resolveOddTarget(command, fid); target != sw::kOk) return status(target);
  tlv::TlvReader reader(command.data);
  auto offsetDo = reader.next();
  if (!offsetDo || offsetDo->tag != 0x54) return status(sw::kWrongData);
  const auto offset = bigEndian(offsetDo->value, 3);
  if (!offset) return status(sw::kWrongData);
  auto dataDo = reader.next();
  if (!dataDo || dataDo->tag != 0x53 || !reader.atEnd()) return status(sw::kWrongData);
  return status(write(fid, *offset, dataDo->value));
}

ResponseApdu EidApplet::readBinary(const CommandApdu& command, const Access& access) {
  if (auto allowed = readAllowed(access); allowed != sw::kOk) return status(allowed);
  std::uint16_t fid = 0;
  std::size_t offset = 0;
  if (command.ins == eid_ins::kReadBinary) {
    if ((command.p1 & 0x80) != 0) return status(kSwWrongP1P2);
    if (!currentEf_) return status(kSwNoCurrentEf);
    fid = *currentEf_;
    offset = p1p2(command);
  } else {
    if (auto target = resolveOddTarget(command, fid); target != sw::kOk) return status(target);
    auto offsetDo = tlv::decodeSingle(command.data);
    if (!offsetDo || offsetDo->tag != 0x54) return status(sw::kWrongData);
    const auto parsed = bigEndian(offsetDo->value, 3);
    if (!parsed) return status(sw::kWrongData);
    offset = *parsed;
  }
  if (command.ne == 0) return status(sw::kWrongLength);
  const ElementaryFile& file = files_.at(fid);
  if (offset >= file.size) return status(sw::kWrongP1P2);

  const std::size_t remaining = file.size - offset;
  const std::size_t budget = std::min(command.ne, kEidMaxReadChunk);
  const auto first = file.data.begin() + static_cast<std::ptrdiff_t>(offset);
  if (command.ins == eid_ins::kReadBinary) {
    const std::size_t n = std::min(remaining, budget);
    const bool endOfFile = n == remaining && n < command.ne;
    return ResponseApdu{Bytes(first, first + static_cast<std::ptrdiff_t>(n)),
                        endOfFile ? sw::kEndOfFile : sw::kOk};
  }

  /* Odd INS: the bytes travel in a 53 DO that must fit Ne as a whole. */
  if (budget < 3) return status(sw::kWrongLength);
  std::size_t n = std::min(remaining, budget);
  while (n > 0 && n + dataObjectHeader(n) > budget) --n;
  auto encoded = tlv::encodeTlv(0x53, ByteView(&*first, n));
  if (!encoded) return status(kSwInternal);
  const bool endOfFile = n == remaining && encoded->size() < command.ne;
  return ResponseApdu{std::move(encoded).value(), endOfFile ? sw::kEndOfFile : sw::kOk};
}

ResponseApdu EidApplet::putData(const CommandApdu& command, const Access& access) {
  if (auto allowed = writeAllowed(access); allowed != sw::kOk) return status(allowed);
  if (p1p2(command) != 0x0081) return status(kSwWrongP1P2);
  if (command.data.size() < kEidMinAccessKey || command.data.size() > kEidMaxAccessKey) {
    return status(sw::kWrongLength);
  }
  accessKey_ = command.data;
  verifyTriesLeft_ = options_.verifyTries;
  changed();
  return status(sw::kOk);
}

ResponseApdu EidApplet::setStatus(const CommandApdu& command, const Access& access) {
  if (auto allowed = writeAllowed(access); allowed != sw::kOk) return status(allowed);
  if (command.p1 != 0x00 || (command.p2 != 0x01 && command.p2 != 0x02)) {
    return status(kSwWrongP1P2);
  }
  if (!command.data.empty()) return status(sw::kWrongLength);
  if (command.p2 <= static_cast<std::uint8_t>(lifecycle_)) {
    return status(sw::kConditionsNotSatisfied);
  }
  lifecycle_ = static_cast<EidLifecycle>(command.p2);
  changed();
  return status(sw::kOk);
}

ResponseApdu EidApplet::verify(const CommandApdu& command) {
  if (p1p2(command) != 0x0081) return status(kSwWrongP1P2);
  if (lifecycle_ != EidLifecycle::Locked) return status(sw::kConditionsNotSatisfied);
  if (accessKey_.empty()) return status(kSwDataNotFound);
  if (verifyTriesLeft_ == 0) return status(kSwVerifyBlocked);
  const auto triesWord = [this] { return static_cast<std::uint16_t>(0x63C0 | verifyTriesLeft_); };
  if (command.data.empty()) return status(verified_ ? sw::kOk : triesWord());
  if (constantTimeEqual(command.data, accessKey_)) {
    verified_ = true;
    if (verifyTriesLeft_ != options_.verifyTries) {
      verifyTriesLeft_ = options_.verifyTries;
      changed();
    }
    return status(sw::kOk);
  }
  verified_ = false;
  --verifyTriesLeft_;
  changed();
  return status(triesWord());
}

std::string EidApplet::exportState() const {
  std::lock_guard lock(mutex_);
  StateWriter writer(AppletKind::Eid, serial_);
  writer.add("lifecycle", {std::to_string(static_cast<int>(lifecycle_))});
  writer.add("sequence-counter", {std::to_string(sequenceCounter_)});
  writer.add("access-key", {hexOrDash(accessKey_)});
  writer.add("verify-tries", {std::to_string(verifyTriesLeft_)});
  /* Key check values only: a restore with another master key is refused. */
  auto kcvEnc = scp03::keyCheckValue(keys_.enc);
  auto kcvMac = scp03::keyCheckValue(keys_.mac);
  if (kcvEnc && kcvMac) writer.add("key-check", {toHex(*kcvEnc), toHex(*kcvMac)});
  writer.addFiles(files_);
  return writer.text();
}

Status EidApplet::importState(std::string_view text) {
  auto parsed = parseStateText(text);
  if (!parsed) return std::move(parsed).error();
  if (parsed->kind != AppletKind::Eid) {
    return Error{ErrorCode::InvalidArgument, "the chip state is not of an e-ID chip"};
  }
  if (parsed->serial != serial_) {
    return Error{ErrorCode::InvalidArgument, "the chip state belongs to another chip serial"};
  }

  /* Parse everything into temporaries first: errors leave the chip as is. */
  EidLifecycle lifecycle = EidLifecycle::Blank;
  std::uint32_t sequence = 0;
  Bytes accessKey;
  std::uint8_t tries = options_.verifyTries;
  FileMap files;
  for (const auto& line : parsed->lines) {
    if (line.key == "lifecycle") {
      auto v = parseNumber(line, 0, 2);
      if (!v) return std::move(v).error();
      lifecycle = static_cast<EidLifecycle>(*v);
    } else if (line.key == "sequence-counter") {
      auto v = parseNumber(line, 0, kMaxSequenceCounter);
      if (!v) return std::move(v).error();
      sequence = static_cast<std::uint32_t>(*v);
    } else if (line.key == "access-key") {
      auto v = parseHexValue(line, 0);
      if (!v) return std::move(v).error();
      if (!v->empty() && (v->size() < kEidMinAccessKey || v->size() > kEidMaxAccessKey)) {
        return stateError(line, "access key must be 8..32 bytes");
      }
      accessKey = std::move(v).value();
    } else if (line.key == "verify-tries") {
      auto v = parseNumber(line, 0, options_.verifyTries);
      if (!v) return std::move(v).error();
      tries = static_cast<std::uint8_t>(*v);
    } else if (line.key == "key-check") {
      auto enc = parseHexValue(line, 0);
      auto mac = parseHexValue(line, 1);
      auto kcvEnc = scp03::keyCheckValue(keys_.enc);
      auto kcvMac = scp03::keyCheckValue(keys_.mac);
      if (!enc || !mac || !kcvEnc || !kcvMac || *enc != *kcvEnc || *mac != *kcvMac) {
        return stateError(line, "the chip's keys do not match this master key");
      }
    } else if (line.key == "file") {
      if (auto file = parseFileLine(line, files); !file) return std::move(file).error();
    } else {
      return stateError(line, "unknown item for an e-ID chip");
    }
  }
  for (const auto& [fid, file] : files) {
    if (file.size != file.data.size() || file.size == 0 || reservedFid(fid)) {
      return Error{ErrorCode::InvalidArgument, "the chip state holds an invalid e-ID file"};
    }
  }
  if (allocatedBytes(files) > options_.capacity) {
    return Error{ErrorCode::InvalidArgument,
                 "the chip state holds more data than the chip's "
                 "capacity"};
  }

  std::lock_guard lock(mutex_);
  lifecycle_ = lifecycle;
  sequenceCounter_ = sequence;
  accessKey_ = std::move(accessKey);
  verifyTriesLeft_ = tries;
  files_ = std::move(files);
  endCardSession();
  changed();
  return Ok{};
}

}  // namespace cardd::applets::eid
