#include "scp03/secure_messaging.hpp"

#include "scp03/aes.hpp"
#include "scp03/padding.hpp"

namespace cardd::applets::scp03 {

namespace {

Result<Bytes> icv(ByteView sessionEnc, std::uint32_t counter, bool response) {
  return aesEncryptBlock(sessionEnc, counterBlock(counter, response));
}

Result<Bytes> encrypt(ByteView key, std::uint32_t counter, bool response, ByteView plain) {
  if (plain.empty()) return Bytes{};
  auto iv = icv(key, counter, response);
  if (!iv) return iv;
  return aesCbcEncrypt(key, *iv, pad80(plain));
}

Result<Bytes> decrypt(ByteView key, std::uint32_t counter, bool response, ByteView cipher) {
  if (cipher.empty()) return Bytes{};
  if (cipher.size() % kBlockSize != 0) {
    return Error{ErrorCode::InvalidArgument, "encrypted data is not a whole number of blocks"};
  }
  auto iv = icv(key, counter, response);
  if (!iv) return iv;
  auto padded = aesCbcDecrypt(key, *iv, cipher);
  if (!padded) return padded;
  return unpad80(*padded);
}

}  // namespace

Bytes initialMacChain() {
  return Bytes(kBlockSize, 0x00);
}

Result<std::uint8_t> protectedCla(std::uint8_t cla) {
  if ((cla & 0x40) != 0) {
    return Error{ErrorCode::InvalidArgument, "SCP03 needs a first-interindustry or GP class"};
  }
  return static_cast<std::uint8_t>(cla | 0x04);
}

Result<Bytes> nextCommandChain(ByteView sessionMac, ByteView chain,
                               const apdu::CommandApdu& command) {
  if (chain.size() != kBlockSize) {
    return Error{ErrorCode::InvalidArgument, "MAC chaining value must be 16 bytes"};
  }
  /* The header and Lc' exactly as they will travel, with the MAC counted
     in Lc' (and in the choice of length form); Le is not MACed. */
  const std::size_t lc = command.data.size() + kMacSize;
  const bool extended = apdu::usesExtendedForm(command.form, lc, command.ne);
  if (lc > (extended ? apdu::kExtendedMaxData : apdu::kShortMaxData)) {
    return Error{ErrorCode::InvalidArgument, "command data too long for C-MAC"};
  }
  std::uint8_t header[7] = {command.cla, command.ins, command.p1, command.p2};
  std::size_t headerSize = 4;
  if (extended) {
    header[headerSize++] = 0x00;
    header[headerSize++] = static_cast<std::uint8_t>(lc >> 8);
  }
  header[headerSize++] = static_cast<std::uint8_t>(lc & 0xFF);
  /* MACed in place: the command data is not copied. */
  return aesCmac(sessionMac, {chain, ByteView(header, headerSize), command.data});
}

Bytes counterBlock(std::uint32_t counter, bool response) {
  Bytes block(kBlockSize, 0x00);
  for (std::size_t i = 0; i < 4; ++i) {
    block[kBlockSize - 1 - i] = static_cast<std::uint8_t>(counter >> (8 * i));
  }
  if (response) block[0] = 0x80;
  return block;
}

Result<Bytes> encryptCommandData(ByteView sessionEnc, std::uint32_t counter, ByteView plain) {
  return encrypt(sessionEnc, counter, false, plain);
}

Result<Bytes> decryptCommandData(ByteView sessionEnc, std::uint32_t counter, ByteView cipher) {
  return decrypt(sessionEnc, counter, false, cipher);
}

Result<Bytes> encryptResponseData(ByteView sessionEnc, std::uint32_t counter, ByteView plain) {
  return encrypt(sessionEnc, counter, true, plain);
}

Result<Bytes> decryptResponseData(ByteView sessionEnc, std::uint32_t counter, ByteView cipher) {
  return decrypt(sessionEnc, counter, true, cipher);
}

Result<Bytes> responseMac(ByteView sessionRmac, ByteView chain, ByteView data, std::uint16_t sw) {
  if (chain.size() != kBlockSize) {
    return Error{ErrorCode::InvalidArgument, "MAC chaining value must be 16 bytes"};
  }
  const std::uint8_t status[2] = {static_cast<std::uint8_t>(sw >> 8),
                                  static_cast<std::uint8_t>(sw & 0xFF)};
  auto mac = aesCmac(sessionRmac, {chain, data, ByteView(status, 2)});
  if (!mac) return mac;
  mac->resize(kMacSize);
  return mac;
}

bool responseIsProtected(std::uint16_t sw) {
  const unsigned sw1 = sw >> 8;
  return sw == 0x9000 || sw1 == 0x62 || sw1 == 0x63;
}

}  // namespace cardd::applets::scp03
