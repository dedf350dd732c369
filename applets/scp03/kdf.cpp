#include "scp03/kdf.hpp"

#include "scp03/aes.hpp"

namespace cardd::applets::scp03 {

namespace {

inline constexpr std::size_t kChallengeSize = 8;

Status checkChallenges(ByteView hostChallenge, ByteView cardChallenge) {
  if (hostChallenge.size() != kChallengeSize || cardChallenge.size() != kChallengeSize) {
    return Error{ErrorCode::InvalidArgument, "SCP03 challenges must be 8 bytes (S8 mode)"};
  }
  return Ok{};
}

Bytes challengeContext(ByteView hostChallenge, ByteView cardChallenge) {
  Bytes context(hostChallenge.begin(), hostChallenge.end());
  append(context, cardChallenge);
  return context;
}

}  // namespace

Result<Bytes> counterModeKdf(ByteView key, ByteView prefix, ByteView suffix,
                             std::size_t outputBytes) {
  if (outputBytes == 0 || outputBytes > 255 * kBlockSize) {
    return Error{ErrorCode::InvalidArgument, "KDF output length out of range"};
  }
  Bytes out;
  out.reserve(outputBytes + kBlockSize);
  Bytes input(prefix.begin(), prefix.end());
  const std::size_t counterAt = input.size();
  input.push_back(0x00);
  append(input, suffix);
  for (std::size_t i = 1; out.size() < outputBytes; ++i) {
    input[counterAt] = static_cast<std::uint8_t>(i);
    auto block = aesCmac(key, input);
    if (!block) return block;
    append(out, *block);
  }
  out.resize(outputBytes);
  return out;
}

Result<Bytes> deriveScp03(ByteView key, std::uint8_t constant, std::uint16_t lengthBits,
                          ByteView context) {
  if (lengthBits == 0 || lengthBits % 8 != 0) {
    return Error{ErrorCode::InvalidArgument, "KDF length must be a whole number of bytes"};
  }
  Bytes prefix(11, 0x00);
  prefix.push_back(constant);
  prefix.push_back(0x00);
  prefix.push_back(static_cast<std::uint8_t>(lengthBits >> 8));
  prefix.push_back(static_cast<std::uint8_t>(lengthBits & 0xFF));
  return counterModeKdf(key, prefix, context, lengthBits / 8);
}

Result<SessionKeys> deriveSessionKeys(const StaticKeys& keys, ByteView hostChallenge,
                                      ByteView cardChallenge) {
  if (auto s = validateStaticKeys(keys); !s) return std::move(s).error();
  if (auto s = checkChallenges(hostChallenge, cardChallenge); !s) return std::move(s).error();
  const Bytes context = challengeContext(hostChallenge, cardChallenge);
  const auto bits = static_cast<std::uint16_t>(keys.enc.size() * 8);

  auto enc = deriveScp03(keys.enc, kdf::kSessionEnc, bits, context);
  if (!enc) return std::move(enc).error();
  auto mac = deriveScp03(keys.mac, kdf::kSessionMac, bits, context);
  if (!mac) return std::move(mac).error();
  auto rmac = deriveScp03(keys.mac, kdf::kSessionRmac, bits, context);
  if (!rmac) return std::move(rmac).error();
  return SessionKeys{std::move(enc).value(), std::move(mac).value(), std::move(rmac).value()};
}

Result<Bytes> cardCryptogram(ByteView sessionMac, ByteView hostChallenge, ByteView cardChallenge) {
  if (auto s = checkChallenges(hostChallenge, cardChallenge); !s) return std::move(s).error();
  return deriveScp03(sessionMac, kdf::kCardCryptogram, 64,
                     challengeContext(hostChallenge, cardChallenge));
}

Result<Bytes> hostCryptogram(ByteView sessionMac, ByteView hostChallenge, ByteView cardChallenge) {
  if (auto s = checkChallenges(hostChallenge, cardChallenge); !s) return std::move(s).error();
  return deriveScp03(sessionMac, kdf::kHostCryptogram, 64,
                     challengeContext(hostChallenge, cardChallenge));
}

Result<Bytes> pseudoRandomCardChallenge(ByteView staticEnc, ByteView sequenceCounter,
                                        ByteView aid) {
  if (sequenceCounter.size() != 3) {
    return Error{ErrorCode::InvalidArgument, "SCP03 sequence counter must be 3 bytes"};
  }
  if (aid.size() < 5 || aid.size() > 16) {
    return Error{ErrorCode::InvalidArgument, "AID must be 5 to 16 bytes"};
  }
  Bytes context(sequenceCounter.begin(), sequenceCounter.end());
  append(context, aid);
  return deriveScp03(staticEnc, kdf::kCardChallenge, 64, context);
}

}  // namespace cardd::applets::scp03
