#pragma once
// The SCP03 secure messaging transforms (Amd D §6.2.4-6.2.7) as pure
// functions over explicit state (session keys, MAC chaining value,
// encryption counter). HostSession and CardSession sequence them; keeping
// them here means the host and the virtual chip run the same code.
//
//   C-MAC   chain' = CMAC(S-MAC, chain ‖ CLA|04 INS P1 P2 Lc' ‖ data'),
//           Lc' = |data'| + 8, C-MAC = chain'[0..8), appended to data'.
//           Lc' is written as the command will travel: one byte, or 00 hi lo
//           in extended form.
//   C-DEC   data' = AES-CBC(S-ENC, ICV, pad80(data)),
//           ICV = AES-ECB(S-ENC, counter as a 16-byte big-endian block).
//           Commands without data are not encrypted.
//   R-ENC   like C-DEC with ICV = AES-ECB(S-ENC, counter with byte 0 = 80).
//   R-MAC   CMAC(S-RMAC, chain ‖ response data' ‖ SW1 SW2)[0..8), with the
//           chaining value of the command being answered.
//
// The encryption counter starts at 0 and is incremented before every command
// of the session (Amd D §6.2.6: also commands without data), so the first
// command after EXTERNAL AUTHENTICATE uses 1; the response uses the same
// value. Errors: InvalidArgument for bad sizes and bad padding. Pure;
// thread-safe.

#include <cstdint>

#include "apdu/command_apdu.hpp"
#include "common/bytes.hpp"
#include "core/result.hpp"

namespace cardd::applets::scp03 {

inline constexpr std::size_t kMacSize = 8;

// 16 zero bytes: the chaining value at the start of a session.
Bytes initialMacChain();

// The CLA of a protected command: CLA with the secure messaging bit (04).
// Error: a further-interindustry class (b7 set), which codes SM differently.
Result<std::uint8_t> protectedCla(std::uint8_t cla);

// The MAC chaining value after `command`, whose data field does not yet hold
// the C-MAC (`command.data` = data'); Lc' and the length form are taken from
// `command` as if the 8 MAC bytes were appended. `command.cla` must already
// carry the SM bit.
Result<Bytes> nextCommandChain(ByteView sessionMac, ByteView chain,
                               const apdu::CommandApdu& command);

// The counter block for commands (ICV input) and responses (byte 0 = 80).
Bytes counterBlock(std::uint32_t counter, bool response);

// C-DEC and R-ENC: pad and encrypt, or decrypt and unpad (empty in, empty
// out).
Result<Bytes> encryptCommandData(ByteView sessionEnc, std::uint32_t counter, ByteView plain);
Result<Bytes> decryptCommandData(ByteView sessionEnc, std::uint32_t counter, ByteView cipher);
Result<Bytes> encryptResponseData(ByteView sessionEnc, std::uint32_t counter, ByteView plain);
Result<Bytes> decryptResponseData(ByteView sessionEnc, std::uint32_t counter, ByteView cipher);

// The 8-byte R-MAC.
Result<Bytes> responseMac(ByteView sessionRmac, ByteView chain, ByteView data, std::uint16_t sw);

// Whether a response with this status word carries secure messaging: 9000
// and the warnings 62xx / 63xx. Other (error) responses are returned as the
// bare status word, without R-MAC or R-ENC (Amd D §6.2.5).
bool responseIsProtected(std::uint16_t sw);

}  // namespace cardd::applets::scp03
