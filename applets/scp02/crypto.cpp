#include "scp02/crypto.hpp"

#include "scp02/des.hpp"

namespace cardd::applets::scp02 {

namespace {

Error sizeError(const char* what) {
  return Error{ErrorCode::InvalidArgument, std::string("SCP02: ") + what};
}

const Bytes& zeroIcv() {
  static const Bytes zeros(kDesBlockSize, 0x00);
  return zeros;
}

Result<Bytes> cryptogram(ByteView sessionEnc, ByteView first, ByteView second, ByteView third) {
  Bytes input;
  append(input, first);
  append(input, second);
  append(input, third);
  return fullTripleDesMac(sessionEnc, zeroIcv(), input);
}

Status checkChallenges(ByteView hostChallenge, ByteView sequenceCounter, ByteView cardChallenge) {
  if (hostChallenge.size() != kHostChallengeSize)
    return sizeError("host challenge must be 8 bytes");
  if (sequenceCounter.size() != kSequenceCounterSize) {
    return sizeError("sequence counter must be 2 bytes");
  }
  if (cardChallenge.size() != kCardChallengeSize)
    return sizeError("card challenge must be 6 bytes");
  return Ok{};
}

}  // namespace

Result<Bytes> deriveSessionKey(ByteView staticKey, std::uint16_t constant,
                               ByteView sequenceCounter) {
  if (sequenceCounter.size() != kSequenceCounterSize) {
    return sizeError("sequence counter must be 2 bytes");
  }
  Bytes data(16, 0x00);
  data[0] = static_cast<std::uint8_t>(constant >> 8);
  data[1] = static_cast<std::uint8_t>(constant & 0xFF);
  data[2] = sequenceCounter[0];
  data[3] = sequenceCounter[1];
  return tdesCbcEncrypt(staticKey, zeroIcv(), data);
}

Result<SessionKeys> deriveSessionKeys(const StaticKeys& keys, ByteView sequenceCounter,
                                      bool singleBaseKey) {
  const ByteView base = keys.enc;
  SessionKeys s;
  auto enc = deriveSessionKey(keys.enc, derivation::kEnc, sequenceCounter);
  if (!enc) return std::move(enc).error();
  auto cmac = deriveSessionKey(singleBaseKey ? base : ByteView(keys.mac), derivation::kCMac,
                               sequenceCounter);
  if (!cmac) return std::move(cmac).error();
  auto rmac = deriveSessionKey(singleBaseKey ? base : ByteView(keys.mac), derivation::kRMac,
                               sequenceCounter);
  if (!rmac) return std::move(rmac).error();
  auto dek = deriveSessionKey(singleBaseKey ? base : ByteView(keys.dek), derivation::kDek,
                              sequenceCounter);
  if (!dek) return std::move(dek).error();
  s.enc = std::move(enc).value();
  s.cmac = std::move(cmac).value();
  s.rmac = std::move(rmac).value();
  s.dek = std::move(dek).value();
  return s;
}

Result<Bytes> fullTripleDesMac(ByteView key, ByteView icv, ByteView data) {
  auto cipher = tdesCbcEncrypt(key, icv, pad80(data));
  if (!cipher) return cipher;
  return Bytes(cipher->end() - kMacSize, cipher->end());
}

Result<Bytes> retailMac(ByteView key, ByteView icv, ByteView data) {
  if (key.size() != kKeySize) return sizeError("MAC key must be 16 bytes");
  if (icv.size() != kDesBlockSize) return sizeError("ICV must be 8 bytes");
  /* Single DES-CBC with K1 up to the last block, then 3DES on the last. */
  const Bytes padded = pad80(data);
  const std::size_t head = padded.size() - kDesBlockSize;
  Bytes chain(icv.begin(), icv.end());
  if (head > 0) {
    auto cbc = desCbcEncrypt(key, icv, ByteView(padded).first(head));
    if (!cbc) return cbc;
    chain.assign(cbc->end() - kDesBlockSize, cbc->end());
  }
  for (std::size_t i = 0; i < kDesBlockSize; ++i) chain[i] ^= padded[head + i];
  return tdesEcbEncrypt(key, chain);
}

Result<Bytes> cardCryptogram(ByteView sessionEnc, ByteView hostChallenge, ByteView sequenceCounter,
                             ByteView cardChallenge) {
  if (auto ok = checkChallenges(hostChallenge, sequenceCounter, cardChallenge); !ok) {
    return std::move(ok).error();
  }
  return cryptogram(sessionEnc, hostChallenge, sequenceCounter, cardChallenge);
}

Result<Bytes> hostCryptogram(ByteView sessionEnc, ByteView hostChallenge, ByteView sequenceCounter,
                             ByteView cardChallenge) {
  if (auto ok = checkChallenges(hostChallenge, sequenceCounter, cardChallenge); !ok) {
    return std::move(ok).error();
  }
  return cryptogram(sessionEnc, sequenceCounter, cardChallenge, hostChallenge);
}

Result<Bytes> encryptIcv(ByteView sessionCMac, ByteView mac) {
  return desEncryptBlock(sessionCMac, mac);
}

}  // namespace cardd::applets::scp02
