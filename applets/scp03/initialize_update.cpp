#include "scp03/initialize_update.hpp"

namespace cardd::applets::scp03 {

namespace {

inline constexpr std::uint8_t kInsInitializeUpdate = 0x50;
inline constexpr std::size_t kBaseResponseSize = kKddSize + 3 + 2 * kChallengeSize;  // 29

Error bad(const char* what) {
  return Error{ErrorCode::InvalidArgument, std::string("INITIALIZE UPDATE: ") + what};
}

}  // namespace

Result<Bytes> InitializeUpdateResponse::encode() const {
  if (kdd.size() != kKddSize || cardChallenge.size() != kChallengeSize ||
      cardCryptogram.size() != kChallengeSize ||
      !(sequenceCounter.empty() || sequenceCounter.size() == 3)) {
    return bad("response field of the wrong size");
  }
  Bytes out = kdd;
  out.push_back(keyVersion);
  out.push_back(scpId);
  out.push_back(iParameter);
  append(out, cardChallenge);
  append(out, cardCryptogram);
  append(out, sequenceCounter);
  return out;
}

Result<apdu::CommandApdu> initializeUpdateCommand(std::uint8_t keyVersion, ByteView hostChallenge) {
  if (hostChallenge.size() != kChallengeSize) return bad("host challenge must be 8 bytes");
  apdu::CommandApdu c;
  c.cla = 0x80;
  c.ins = kInsInitializeUpdate;
  c.p1 = keyVersion;
  c.p2 = 0x00;
  c.data.assign(hostChallenge.begin(), hostChallenge.end());
  c.ne = apdu::kShortMaxExpected;
  return c;
}

Result<InitializeUpdateResponse> parseInitializeUpdateResponse(ByteView data) {
  if (data.size() != kBaseResponseSize && data.size() != kBaseResponseSize + 3) {
    return bad("response must be 29 or 32 bytes");
  }
  InitializeUpdateResponse r;
  auto take = [&data](std::size_t n) {
    Bytes out(data.begin(), data.begin() + static_cast<std::ptrdiff_t>(n));
    data = data.subspan(n);
    return out;
  };
  r.kdd = take(kKddSize);
  r.keyVersion = data[0];
  r.scpId = data[1];
  r.iParameter = data[2];
  data = data.subspan(3);
  if (r.scpId != kScp03Id) return bad("card answered for a protocol other than SCP03");
  if ((r.iParameter & iparam::kS16Mode) != 0) return bad("S16 mode is not supported");
  r.cardChallenge = take(kChallengeSize);
  r.cardCryptogram = take(kChallengeSize);
  r.sequenceCounter = take(data.size());
  return r;
}

Result<InitializeUpdateRequest> parseInitializeUpdateCommand(const apdu::CommandApdu& command) {
  if ((command.cla & 0xFC) != 0x80) return bad("class must be 80 (no secure messaging)");
  if (command.ins != kInsInitializeUpdate) return bad("not an INITIALIZE UPDATE");
  if (command.p2 != 0x00) return bad("P2 must be 00");
  if (command.data.size() != kChallengeSize) return bad("host challenge must be 8 bytes");
  return InitializeUpdateRequest{command.p1, command.data};
}

}  // namespace cardd::applets::scp03
