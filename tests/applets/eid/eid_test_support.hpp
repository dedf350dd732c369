#pragma once
// Drives an EidApplet in-process the way the station does: every command is
// encoded to bytes and parsed back (as the vpcd transport does), and an SCP03
// channel is opened with the host side of applets/scp03 (HostSession) using
// keys diversified from a master key, exactly like the personaliser.

#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <optional>
#include <string_view>

#include "apdu/command_apdu.hpp"
#include "apdu/response_apdu.hpp"
#include "eid/eid_applet.hpp"
#include "scp03/host_session.hpp"
#include "scp03/initialize_update.hpp"
#include "test_hex.hpp"
#include "tlv/tlv_node.hpp"

namespace cardd::applets::eid::testing {

using applets::testing::hex;

inline const Bytes kMaster = hex("404142434445464748494A4B4C4D4E4F");
inline const Bytes kSerial = hex("0011223344556677");

inline apdu::CommandApdu command(std::uint8_t cla, std::uint8_t ins, std::uint8_t p1,
                                 std::uint8_t p2, Bytes data = {}, std::size_t ne = 0) {
  apdu::CommandApdu c;
  c.cla = cla;
  c.ins = ins;
  c.p1 = p1;
  c.p2 = p2;
  c.data = std::move(data);
  c.ne = ne;
  return c;
}

// FCP for CREATE FILE: 62 {80 02 size, 82 01 01, 83 02 fid}.
inline Bytes fcp(std::uint16_t fid, std::size_t size) {
  return {0x62,
          0x0B,
          0x80,
          0x02,
          static_cast<std::uint8_t>(size >> 8),
          static_cast<std::uint8_t>(size),
          0x82,
          0x01,
          0x01,
          0x83,
          0x02,
          static_cast<std::uint8_t>(fid >> 8),
          static_cast<std::uint8_t>(fid)};
}

inline Bytes pattern(std::size_t n, std::uint8_t seed) {
  Bytes out(n);
  for (std::size_t i = 0; i < n; ++i) out[i] = static_cast<std::uint8_t>(seed + i * 31 + (i >> 8));
  return out;
}

class Station {
 public:
  explicit Station(VirtualChip& chip) : chip_(chip) {}

  // Through the wire encoding both ways.
  apdu::ResponseApdu raw(const apdu::CommandApdu& c) {
    auto wire = apdu::encodeCommandApdu(c);
    EXPECT_TRUE(wire.ok());
    if (!wire) return {{}, 0x0000};
    auto parsed = apdu::parseCommandApdu(*wire);
    EXPECT_TRUE(parsed.ok());
    if (!parsed) return {{}, 0x0000};
    auto answer = apdu::parseResponseApdu(chip_.process(*parsed).encode());
    EXPECT_TRUE(answer.ok());
    return answer ? *answer : apdu::ResponseApdu{{}, 0x0000};
  }
  apdu::ResponseApdu raw(std::string_view text) {
    auto parsed = apdu::parseCommandApdu(hex(text));
    EXPECT_TRUE(parsed.ok()) << text;
    return parsed ? raw(*parsed) : apdu::ResponseApdu{{}, 0x0000};
  }
  std::uint16_t sw(std::string_view text) { return raw(text).sw; }

  std::uint16_t selectApplet() { return sw("00 A4 04 0C 07 F0 63 61 72 64 64 01"); }

  // SELECT, INITIALIZE UPDATE, host checks, EXTERNAL AUTHENTICATE. Returns the
  // EXTERNAL AUTHENTICATE status word (0 when the host refused earlier).
  std::uint16_t open(scp03::SecurityLevel level, const scp03::StaticKeys* keys = nullptr) {
    host_.reset();
    EXPECT_EQ(selectApplet(), 0x9000);
    const Bytes challenge = hex("0102030405060708");
    auto iu = scp03::initializeUpdateCommand(0x30, challenge);
    EXPECT_TRUE(iu.ok());
    auto answer = raw(*iu);
    EXPECT_EQ(answer.sw, 0x9000);
    auto parsed = scp03::parseInitializeUpdateResponse(answer.data);
    EXPECT_TRUE(parsed.ok());
    if (!parsed) return 0;
    lastInitializeUpdate_ = *parsed;
    scp03::StaticKeys derived;
    if (keys == nullptr) {
      auto k = eidChipKeys(kMaster, parsed->kdd.size() == 10 ? ByteView(parsed->kdd).subspan(2)
                                                             : ByteView(parsed->kdd));
      EXPECT_TRUE(k.ok());
      derived = *k;
      keys = &derived;
    }
    auto session = scp03::HostSession::open(*keys, challenge, *parsed, level);
    if (!session) {
      hostError_ = session.error().code;
      return 0;
    }
    auto ea = session->externalAuthenticate();
    EXPECT_TRUE(ea.ok());
    const auto eaAnswer = raw(*ea);
    if (eaAnswer.sw == 0x9000) {
      EXPECT_TRUE(session->confirmExternalAuthenticate(eaAnswer).ok());
      host_.emplace(std::move(session).value());
    }
    return eaAnswer.sw;
  }

  // Wraps, sends, unwraps. A response the host cannot verify fails the test.
  apdu::ResponseApdu send(const apdu::CommandApdu& plain) {
    EXPECT_TRUE(host_.has_value());
    if (!host_) return {{}, 0x0000};
    auto wrapped = host_->wrap(plain);
    EXPECT_TRUE(wrapped.ok()) << (wrapped ? "" : wrapped.error().message);
    if (!wrapped) return {{}, 0x0000};
    auto answer = raw(*wrapped);
    auto plainAnswer = host_->unwrap(answer);
    EXPECT_TRUE(plainAnswer.ok()) << (plainAnswer ? "" : plainAnswer.error().message);
    return plainAnswer ? *plainAnswer : apdu::ResponseApdu{{}, 0x0000};
  }
  std::uint16_t sendSw(const apdu::CommandApdu& plain) { return send(plain).sw; }

  // Secure-channel helpers (plain CLA 80; the host adds the SM bit).
  std::uint16_t create(std::uint16_t fid, std::size_t size) {
    return sendSw(command(0x80, 0xE0, 0x00, 0x00, fcp(fid, size)));
  }
  std::uint16_t selectFile(std::uint16_t fid) {
    return sendSw(command(0x80, 0xA4, 0x02, 0x0C,
                          {static_cast<std::uint8_t>(fid >> 8), static_cast<std::uint8_t>(fid)}));
  }
  // Writes `data` at 0 in chunks of `chunk`, D6 below 32768 and D7 above.
  std::uint16_t writeAll(const Bytes& data, std::size_t chunk) {
    for (std::size_t offset = 0; offset < data.size(); offset += chunk) {
      const std::size_t n = std::min(chunk, data.size() - offset);
      Bytes part(data.begin() + static_cast<std::ptrdiff_t>(offset),
                 data.begin() + static_cast<std::ptrdiff_t>(offset + n));
      std::uint16_t result = 0;
      if (offset <= 0x7FFF) {
        result = sendSw(command(0x80, 0xD6, static_cast<std::uint8_t>(offset >> 8),
                                static_cast<std::uint8_t>(offset), std::move(part)));
      } else {
        result = sendSw(command(0x80, 0xD7, 0x00, 0x00, oddWriteData(offset, part)));
      }
      if (result != 0x9000) return result;
    }
    return 0x9000;
  }
  // Reads `size` bytes in chunks of `chunk` through the channel (or in the
  // clear when `clear`), B0 below 32768 and B1 above.
  Bytes readAll(std::size_t size, std::size_t chunk, bool clear = false) {
    Bytes out;
    while (out.size() < size) {
      const std::size_t offset = out.size();
      const std::size_t n = std::min(chunk, size - offset);
      apdu::ResponseApdu answer;
      const std::uint8_t cla = clear ? 0x00 : 0x80;
      if (offset <= 0x7FFF) {
        auto c = command(cla, 0xB0, static_cast<std::uint8_t>(offset >> 8),
                         static_cast<std::uint8_t>(offset), {}, n);
        answer = clear ? raw(c) : send(c);
        if (answer.sw != 0x9000 && answer.sw != 0x6282) break;
        append(out, answer.data);
      } else {
        auto c = command(cla, 0xB1, 0x00, 0x00, offsetDo(offset), n + 4);
        answer = clear ? raw(c) : send(c);
        if (answer.sw != 0x9000 && answer.sw != 0x6282) break;
        auto body = tlv::decodeNode(answer.data);
        EXPECT_TRUE(body.ok());
        if (!body || body->tag != 0x53) break;
        append(out, body->value);
      }
      if (answer.data.empty()) break;
    }
    return out;
  }

  static Bytes offsetDo(std::size_t offset) {
    return {0x54, 0x03, static_cast<std::uint8_t>(offset >> 16),
            static_cast<std::uint8_t>(offset >> 8), static_cast<std::uint8_t>(offset)};
  }
  static Bytes oddWriteData(std::size_t offset, ByteView data) {
    Bytes out = offsetDo(offset);
    auto dataDo = tlv::encodeTlv(0x53, data);
    EXPECT_TRUE(dataDo.ok());
    if (dataDo) append(out, *dataDo);
    return out;
  }

  scp03::HostSession* host() { return host_ ? &*host_ : nullptr; }
  const scp03::InitializeUpdateResponse& lastInitializeUpdate() const {
    return lastInitializeUpdate_;
  }
  std::optional<ErrorCode> hostError() const { return hostError_; }

 private:
  VirtualChip& chip_;
  std::optional<scp03::HostSession> host_;
  scp03::InitializeUpdateResponse lastInitializeUpdate_;
  std::optional<ErrorCode> hostError_;
};

}  // namespace cardd::applets::eid::testing
