// The cardd e-ID applet driven in-process by the station's own SCP03 host
// code: personalisation at levels 13 and 33 with extended APDUs and offsets
// above 32767, the access rules before and after locking, the lifecycle,
// secure-channel failures, persistence across power cycles and through
// exported state. Every expectation is a status word or a byte string from
// docs/applets/eid-apdu.md.

#include <gtest/gtest.h>

#include <memory>
#include <random>

#include "eid/eid_applet.hpp"
#include "eid_test_support.hpp"
#include "scp03/diversification.hpp"

namespace cardd::applets::eid {
namespace {

using testing::command;
using testing::fcp;
using testing::hex;
using testing::kMaster;
using testing::kSerial;
using testing::pattern;
using testing::Station;

std::unique_ptr<EidApplet> makeChip(EidAppletOptions options = {}) {
  auto keys = eidChipKeys(kMaster, kSerial);
  EXPECT_TRUE(keys.ok());
  auto chip = EidApplet::create(kSerial, *keys, options);
  EXPECT_TRUE(chip.ok());
  return std::move(chip).value();
}

TEST(EidApplet, AtrIsT1WithCarddHistoricalBytesAndValidTck) {
  const Bytes atr = eidAtr();
  EXPECT_EQ(atr, hex("3B 8B 80 01 80 55 63 61 72 64 64 73 90 01 40 0D"));
  std::uint8_t x = 0;
  for (std::size_t i = 1; i < atr.size(); ++i) x ^= atr[i];
  EXPECT_EQ(x, 0);  // TCK makes the XOR of T0..TCK zero
  EXPECT_EQ(atr.size(), 4u + (atr[1] & 0x0F) + 1u);
}

TEST(EidApplet, GetDataAnswersSerialLifecycleAndMemoryAnyTime) {
  auto chip = makeChip();
  Station s(*chip);
  auto serial = s.raw("00 CA 00 5A 00");  // before SELECT
  EXPECT_EQ(serial.sw, 0x9000);
  EXPECT_EQ(serial.data, kSerial);
  EXPECT_EQ(s.raw("80 CA DF 70 00").data, hex("00"));
  EXPECT_EQ(s.raw("00 CA DF 71 00").data, hex("00010000 00010000"));
  EXPECT_EQ(s.sw("00 CA 00 66 00"), 0x6A88);
}

TEST(EidApplet, SelectAnswersFciAndRefusesOtherAids) {
  auto chip = makeChip();
  Station s(*chip);
  EXPECT_EQ(s.sw("00 B0 00 00 10"), 0x6985);  // not selected
  auto fci = s.raw("00 A4 04 00 07 F0 63 61 72 64 64 01 00");
  EXPECT_EQ(fci.sw, 0x9000);
  EXPECT_EQ(fci.data, hex("6F 09 84 07 F0 63 61 72 64 64 01"));
  EXPECT_EQ(s.sw("00 A4 04 0C 07 A0 00 00 02 47 10 01"), 0x6A82);
  EXPECT_EQ(s.sw("00 A4 02 0C 02 01 01"), 0x6985);  // deselected by the failed SELECT
  EXPECT_EQ(s.selectApplet(), 0x9000);
  EXPECT_EQ(s.sw("00 A4 02 0C 02 01 01"), 0x6A82);
  EXPECT_EQ(s.sw("00 A4 02 0C 03 01 01 01"), 0x6700);
  EXPECT_EQ(s.sw("00 A4 08 0C 02 01 01"), 0x6A86);
  EXPECT_EQ(s.sw("00 EE 00 00"), 0x6D00);
  EXPECT_EQ(s.sw("A0 A4 04 0C 07 F0 63 61 72 64 64 01"), 0x6E00);
  EXPECT_EQ(s.sw("10 A4 04 0C 07 F0 63 61 72 64 64 01"), 0x6E00);  // chaining
}

TEST(EidApplet, InitializeUpdateReportsKddKvnAndSequenceCounter) {
  auto chip = makeChip();
  Station s(*chip);
  ASSERT_EQ(s.open(0x33), 0x9000);
  const auto& first = s.lastInitializeUpdate();
  EXPECT_EQ(first.kdd, hex("0000 0011223344556677"));
  EXPECT_EQ(first.keyVersion, 0x30);
  EXPECT_EQ(first.iParameter, 0x70);
  const Bytes counter = first.sequenceCounter;
  const Bytes challenge = first.cardChallenge;
  ASSERT_EQ(s.open(0x33), 0x9000);
  EXPECT_NE(s.lastInitializeUpdate().sequenceCounter, counter);
  EXPECT_NE(s.lastInitializeUpdate().cardChallenge, challenge);
  EXPECT_EQ(s.sw("80 50 31 00 08 0102030405060708 00"), 0x6A88);
  EXPECT_EQ(s.sw("80 50 30 00 07 01020304050607 00"), 0x6700);
}

class EidPersonalisation : public ::testing::TestWithParam<scp03::SecurityLevel> {};

TEST_P(EidPersonalisation, ExtendedAndOddInsWritesReadBackAndLock) {
  auto chip = makeChip();
  Station s(*chip);
  ASSERT_EQ(s.open(GetParam()), 0x9000);

  const Bytes dg1 = pattern(93, 0x61);
  const Bytes dg2 = pattern(40000, 0x75);  // beyond the 15-bit offset
  ASSERT_EQ(s.create(0x0101, dg1.size()), 0x9000);
  ASSERT_EQ(s.writeAll(dg1, 255), 0x9000);
  ASSERT_EQ(s.create(0x0102, dg2.size()), 0x9000);
  /* One extended D6 for the first 32768 bytes, then odd D7 with DO 54. */
  ASSERT_EQ(s.writeAll(dg2, 32768), 0x9000);
  EXPECT_EQ(chip->freeBytes(), 65536u - 93u - 40000u);

  ASSERT_EQ(s.selectFile(0x0101), 0x9000);
  EXPECT_EQ(s.readAll(dg1.size(), 256), dg1);
  ASSERT_EQ(s.selectFile(0x0102), 0x9000);
  EXPECT_EQ(s.readAll(dg2.size(), 16384), dg2);  // extended Le, B0 then B1

  /* A read past the end gives what there is and 6282. */
  auto whole = s.send(command(0x80, 0xB0, 0x00, 0x00, {}, 65536));
  EXPECT_EQ(whole.sw, 0x6282);
  EXPECT_EQ(whole.data, dg2);
  auto eof = s.send(command(0x80, 0xB1, 0x00, 0x00, Station::offsetDo(39990), 100));
  EXPECT_EQ(eof.sw, 0x6282);
  Bytes expected = hex("53 0A");
  append(expected, ByteView(dg2).subspan(39990));
  EXPECT_EQ(eof.data, expected);
  /* Ne exactly what is left: 9000. */
  auto exact = s.send(command(0x80, 0xB1, 0x00, 0x00, Station::offsetDo(39990), 12));
  EXPECT_EQ(exact.sw, 0x9000);
  EXPECT_EQ(exact.data, expected);

  EXPECT_EQ(s.sendSw(command(0x80, 0xDA, 0x00, 0x81, hex("A1A2A3A4A5A6A7A8A9AAABACADAEAFB0"))),
            0x9000);
  EXPECT_EQ(s.sendSw(command(0x80, 0xF0, 0x00, 0x01)), 0x9000);
  EXPECT_EQ(chip->lifecycle(), EidLifecycle::Personalised);
  EXPECT_EQ(s.sendSw(command(0x80, 0xF0, 0x00, 0x02)), 0x9000);
  EXPECT_EQ(chip->lifecycle(), EidLifecycle::Locked);

  /* Locked: every write answers 6985, even in the channel; reads still work. */
  EXPECT_EQ(s.create(0x0103, 10), 0x6985);
  EXPECT_EQ(s.sendSw(command(0x80, 0xD6, 0x00, 0x00, hex("00"))), 0x6985);
  EXPECT_EQ(s.sendSw(command(0x80, 0xD7, 0x00, 0x00, Station::oddWriteData(40000, hex("01")))),
            0x6985);
  EXPECT_EQ(s.sendSw(command(0x80, 0xDA, 0x00, 0x81, Bytes(16, 0x01))), 0x6985);
  EXPECT_EQ(s.sendSw(command(0x80, 0xF0, 0x00, 0x02)), 0x6985);
  ASSERT_EQ(s.selectFile(0x0101), 0x9000);
  EXPECT_EQ(s.readAll(dg1.size(), 256), dg1);
}

INSTANTIATE_TEST_SUITE_P(Levels, EidPersonalisation,
                         ::testing::Values(scp03::SecurityLevel{0x13}, scp03::SecurityLevel{0x33}),
                         [](const ::testing::TestParamInfo<scp03::SecurityLevel>& p) {
                           return p.param == 0x13 ? std::string("L13") : std::string("L33");
                         });

TEST(EidApplet, WritesWithoutChannelOrBelowLevel13AreRefused) {
  auto chip = makeChip();
  Station s(*chip);
  ASSERT_EQ(s.selectApplet(), 0x9000);
  auto create = command(0x00, 0xE0, 0x00, 0x00, fcp(0x0101, 16));
  EXPECT_EQ(s.raw(create).sw, 0x6982);
  EXPECT_EQ(s.sw("80 F0 00 02"), 0x6982);
  EXPECT_EQ(s.sw("00 DA 00 81 08 0102030405060708"), 0x6982);
  EXPECT_EQ(s.sw("84 E0 00 00 0D 620B8002001082010183020101"), 0x6982);  // SM, no session

  for (scp03::SecurityLevel level : {0x01, 0x03, 0x11}) {
    ASSERT_EQ(s.open(level), 0x9000) << int(level);
    EXPECT_EQ(s.create(0x0101, 16), 0x6982) << int(level);
    EXPECT_EQ(s.sendSw(command(0x80, 0xF0, 0x00, 0x01)), 0x6982) << int(level);
  }
  EXPECT_EQ(chip->freeBytes(), 65536u);
  EXPECT_EQ(chip->lifecycle(), EidLifecycle::Blank);

  /* Reads before locking need the channel (any level). */
  ASSERT_EQ(s.open(0x13), 0x9000);
  ASSERT_EQ(s.create(0x0101, 4), 0x9000);
  ASSERT_EQ(s.open(0x01), 0x9000);
  ASSERT_EQ(s.selectFile(0x0101), 0x9000);
  EXPECT_EQ(s.send(command(0x80, 0xB0, 0x00, 0x00, {}, 4)).data, hex("00000000"));
  ASSERT_EQ(s.selectApplet(), 0x9000);
  EXPECT_EQ(s.sw("00 A4 02 0C 02 01 01"), 0x9000);
  EXPECT_EQ(s.sw("00 B0 00 00 04"), 0x6982);
  EXPECT_EQ(s.sw("00 20 00 81 08 0102030405060708"), 0x6985);  // VERIFY before lock
}

TEST(EidApplet, ExternalAuthenticateRefusals) {
  auto chip = makeChip();
  Station s(*chip);
  ASSERT_EQ(s.selectApplet(), 0x9000);
  EXPECT_EQ(s.sw("84 82 33 00 10 00000000000000000000000000000000"), 0x6985);  // no IU

  /* Wrong keys: the host refuses the card cryptogram. */
  scp03::StaticKeys master{0x30, kMaster, kMaster, kMaster};
  EXPECT_EQ(s.open(0x33, &master), 0);
  EXPECT_EQ(s.hostError(), ErrorCode::IntegrityCheckFailed);

  /* A bad host cryptogram: 6300, and no channel. */
  auto keys = eidChipKeys(kMaster, kSerial);
  ASSERT_TRUE(keys.ok());
  const Bytes challenge = hex("1122334455667788");
  auto iu = s.raw(*scp03::initializeUpdateCommand(0x30, challenge));
  ASSERT_EQ(iu.sw, 0x9000);
  auto parsed = scp03::parseInitializeUpdateResponse(iu.data);
  ASSERT_TRUE(parsed.ok());
  auto host = scp03::HostSession::open(*keys, challenge, *parsed, 0x33);
  ASSERT_TRUE(host.ok());
  auto ea = host->externalAuthenticate();
  ASSERT_TRUE(ea.ok());
  apdu::CommandApdu forged = *ea;
  forged.data[0] ^= 0x01;
  EXPECT_EQ(s.raw(forged).sw, 0x6300);
  EXPECT_FALSE(chip->channelOpen());
  EXPECT_EQ(s.raw(*ea).sw, 0x6985);  // the session is gone

  /* Level 00 is not offered. */
  ASSERT_EQ(s.raw(*scp03::initializeUpdateCommand(0x30, challenge)).sw, 0x9000);
  EXPECT_EQ(s.sw("84 82 00 00 10 00000000000000000000000000000000"), 0x6A86);
}

TEST(EidApplet, BadCmacAnswers6988AndClosesTheChannel) {
  auto chip = makeChip();
  Station s(*chip);
  ASSERT_EQ(s.open(0x33), 0x9000);
  auto wrapped = s.host()->wrap(command(0x80, 0xE0, 0x00, 0x00, fcp(0x0101, 16)));
  ASSERT_TRUE(wrapped.ok());
  apdu::CommandApdu tampered = *wrapped;
  tampered.data.back() ^= 0x80;
  EXPECT_EQ(s.raw(tampered).sw, 0x6988);
  EXPECT_FALSE(chip->channelOpen());
  EXPECT_EQ(s.raw(*wrapped).sw, 0x6982);  // no channel any more
  EXPECT_EQ(chip->freeBytes(), 65536u);

  /* A fresh channel works again. */
  ASSERT_EQ(s.open(0x33), 0x9000);
  EXPECT_EQ(s.create(0x0101, 16), 0x9000);
}

TEST(EidApplet, PlainCommandEndsTheSession) {
  auto chip = makeChip();
  Station s(*chip);
  ASSERT_EQ(s.open(0x33), 0x9000);
  EXPECT_EQ(s.raw("00 CA 00 5A 00").data, kSerial);
  EXPECT_FALSE(chip->channelOpen());
}

TEST(EidApplet, LockedReadsNeedVerifyOrChannel) {
  auto chip = makeChip(EidAppletOptions{65536, 3});
  Station s(*chip);
  ASSERT_EQ(s.open(0x33), 0x9000);
  const Bytes dg1 = pattern(300, 0x11);
  const Bytes key = hex("0F0E0D0C0B0A09080706050403020100");
  ASSERT_EQ(s.create(0x0101, dg1.size()), 0x9000);
  ASSERT_EQ(s.writeAll(dg1, 200), 0x9000);
  ASSERT_EQ(s.sendSw(command(0x80, 0xDA, 0x00, 0x81, hex("0102030405"))), 0x6700);  // too short
  ASSERT_EQ(s.sendSw(command(0x80, 0xDA, 0x00, 0x81, key)), 0x9000);
  ASSERT_EQ(s.sendSw(command(0x80, 0xF0, 0x00, 0x02)), 0x9000);  // skip 01: forward is fine

  /* In the clear: no read until VERIFY. */
  ASSERT_EQ(s.selectApplet(), 0x9000);
  ASSERT_EQ(s.sw("00 A4 02 0C 02 01 01"), 0x9000);
  EXPECT_EQ(s.sw("00 B0 00 00 00"), 0x6982);
  EXPECT_EQ(s.raw(command(0x00, 0x20, 0x00, 0x81, Bytes(16, 0x00))).sw, 0x63C2);
  EXPECT_EQ(s.sw("00 20 00 81"), 0x63C2);
  EXPECT_EQ(s.raw(command(0x00, 0x20, 0x00, 0x81, key)).sw, 0x9000);
  EXPECT_EQ(s.sw("00 20 00 81"), 0x9000);
  EXPECT_EQ(s.readAll(dg1.size(), 256, /*clear=*/true), dg1);

  /* A new card session forgets VERIFY; the counter is back at 3. */
  chip->powerOff();
  chip->powerOn();
  ASSERT_EQ(s.selectApplet(), 0x9000);
  ASSERT_EQ(s.sw("00 A4 02 0C 02 01 01"), 0x9000);
  EXPECT_EQ(s.sw("00 B0 00 00 00"), 0x6982);
  EXPECT_EQ(s.sw("00 20 00 81"), 0x63C3);

  /* Three wrong keys block VERIFY, even for the right key; the channel still reads. */
  EXPECT_EQ(s.raw(command(0x00, 0x20, 0x00, 0x81, Bytes(16, 0x01))).sw, 0x63C2);
  EXPECT_EQ(s.raw(command(0x00, 0x20, 0x00, 0x81, Bytes(16, 0x01))).sw, 0x63C1);
  EXPECT_EQ(s.raw(command(0x00, 0x20, 0x00, 0x81, Bytes(16, 0x01))).sw, 0x63C0);
  EXPECT_EQ(s.raw(command(0x00, 0x20, 0x00, 0x81, key)).sw, 0x6983);
  EXPECT_EQ(s.sw("00 B0 00 00 00"), 0x6982);
  ASSERT_EQ(s.open(0x13), 0x9000);
  ASSERT_EQ(s.selectFile(0x0101), 0x9000);
  EXPECT_EQ(s.readAll(dg1.size(), 1000), dg1);
}

TEST(EidApplet, LifecycleOnlyMovesForward) {
  auto chip = makeChip();
  Station s(*chip);
  ASSERT_EQ(s.open(0x33), 0x9000);
  EXPECT_EQ(s.sendSw(command(0x80, 0xF0, 0x00, 0x00)), 0x6A86);
  EXPECT_EQ(s.sendSw(command(0x80, 0xF0, 0x00, 0x03)), 0x6A86);
  EXPECT_EQ(s.sendSw(command(0x80, 0xF0, 0x00, 0x01)), 0x9000);
  EXPECT_EQ(s.sendSw(command(0x80, 0xF0, 0x00, 0x01)), 0x6985);
  EXPECT_EQ(s.create(0x0101, 8), 0x9000);  // still writable once personalised
  EXPECT_EQ(s.sendSw(command(0x80, 0xF0, 0x00, 0x02)), 0x9000);
  EXPECT_EQ(s.sendSw(command(0x80, 0xF0, 0x00, 0x01)), 0x6985);
  EXPECT_EQ(chip->lifecycle(), EidLifecycle::Locked);
  EXPECT_EQ(s.raw("00 CA DF 70 00").data, hex("02"));
}

TEST(EidApplet, UpdateNeedsACurrentEf) {
  auto chip = makeChip();
  Station s(*chip);
  ASSERT_EQ(s.open(0x33), 0x9000);
  EXPECT_EQ(s.sendSw(command(0x80, 0xD6, 0x00, 0x00, hex("01"))), 0x6986);
  EXPECT_EQ(s.sendSw(command(0x80, 0xD7, 0x00, 0x00, Station::oddWriteData(0, hex("01")))), 0x6986);
  EXPECT_EQ(s.sendSw(command(0x80, 0xB0, 0x00, 0x00, {}, 1)), 0x6986);
  ASSERT_EQ(s.create(0x0101, 4), 0x9000);
  EXPECT_EQ(s.sendSw(command(0x80, 0xA4, 0x02, 0x0C, hex("0102"))), 0x6A82);
  EXPECT_EQ(s.sendSw(command(0x80, 0xD6, 0x00, 0x00, hex("01"))), 0x6986);  // failed SELECT
  /* Odd INS may name the EF in P1P2, which makes it current. */
  EXPECT_EQ(s.sendSw(command(0x80, 0xD7, 0x01, 0x01, Station::oddWriteData(1, hex("0203")))),
            0x9000);
  EXPECT_EQ(s.send(command(0x80, 0xB0, 0x00, 0x00, {}, 4)).data, hex("00020300"));
}

TEST(EidApplet, MalformedCreateAndOutOfRangeAccess) {
  auto chip = makeChip();
  Station s(*chip);
  ASSERT_EQ(s.open(0x33), 0x9000);
  auto create = [&](std::string_view data) {
    return s.sendSw(command(0x80, 0xE0, 0x00, 0x00, hex(data)));
  };
  EXPECT_EQ(create("62 08 80 02 0010 83 02 0101"), 0x6A80);                    // no 82
  EXPECT_EQ(create("62 09 80 02 0010 82 01 02 83 02"), 0x6A80);                // truncated
  EXPECT_EQ(create("62 0B 80 02 0010 82 01 02 83 02 0101"), 0x6A80);           // not transparent
  EXPECT_EQ(create("62 0B 80 02 0010 82 01 01 83 02 3F00"), 0x6A80);           // reserved FID
  EXPECT_EQ(create("62 0B 80 02 0000 82 01 01 83 02 0101"), 0x6A80);           // size 0
  EXPECT_EQ(create("62 0E 80 02 0010 82 01 01 83 02 0101 99 01 00"), 0x6A80);  // unknown DO
  EXPECT_EQ(create("6F 0B 80 02 0010 82 01 01 83 02 0101"), 0x6A80);
  EXPECT_EQ(create("62 0E 80 02 0010 82 01 01 83 02 0101 88 01 08"), 0x9000);  // SFI tolerated
  EXPECT_EQ(s.sendSw(command(0x80, 0xE0, 0x01, 0x00, fcp(0x0102, 4))), 0x6A86);

  /* The created EF is current: offsets are checked against its 16 bytes. */
  EXPECT_EQ(s.sendSw(command(0x80, 0xD6, 0x00, 0x0F, hex("AA"))), 0x9000);
  EXPECT_EQ(s.sendSw(command(0x80, 0xD6, 0x00, 0x0F, hex("AABB"))), 0x6A84);
  EXPECT_EQ(s.sendSw(command(0x80, 0xD6, 0x00, 0x11, hex("AA"))), 0x6B00);
  EXPECT_EQ(s.sendSw(command(0x80, 0xD6, 0x80, 0x00, hex("AA"))), 0x6A86);
  EXPECT_EQ(s.sendSw(command(0x80, 0xD7, 0x00, 0x00, hex("53 01 AA"))), 0x6A80);  // no 54
  EXPECT_EQ(s.sendSw(command(0x80, 0xD7, 0x01, 0x02, Station::oddWriteData(0, hex("AA")))), 0x6A82);
  auto read = s.send(command(0x80, 0xB0, 0x00, 0x0E, {}, 256));
  EXPECT_EQ(read.sw, 0x6282);
  EXPECT_EQ(read.data, hex("00 AA"));
  EXPECT_EQ(s.sendSw(command(0x80, 0xB0, 0x00, 0x10, {}, 1)), 0x6B00);
  EXPECT_EQ(s.sendSw(command(0x80, 0xB0, 0x00, 0x00)), 0x6700);  // no Le
  auto exact = s.send(command(0x80, 0xB0, 0x00, 0x00, {}, 16));
  EXPECT_EQ(exact.sw, 0x9000);
  EXPECT_EQ(exact.data.size(), 16u);
  auto fcpAnswer = s.send(command(0x80, 0xA4, 0x02, 0x00, hex("0101"), 256));
  EXPECT_EQ(fcpAnswer.sw, 0x9000);
  EXPECT_EQ(fcpAnswer.data, hex("62 0B 80 02 0010 82 01 01 83 02 0101"));
}

TEST(EidApplet, CapacityIsEnforced) {
  auto chip = makeChip(EidAppletOptions{1000, 10});
  Station s(*chip);
  ASSERT_EQ(s.open(0x33), 0x9000);
  EXPECT_EQ(s.create(0x0101, 600), 0x9000);
  EXPECT_EQ(s.create(0x0101, 10), 0x6A89);
  EXPECT_EQ(s.create(0x0102, 401), 0x6A84);
  EXPECT_EQ(s.create(0x0102, 400), 0x9000);
  EXPECT_EQ(s.raw("00 CA DF 71 00").data, hex("000003E8 00000000"));
}

TEST(EidApplet, StateSurvivesPowerCycleButTheChannelDoesNot) {
  auto chip = makeChip();
  Station s(*chip);
  ASSERT_EQ(s.open(0x33), 0x9000);
  const Bytes data = pattern(5000, 0x42);
  ASSERT_EQ(s.create(0x011E, data.size()), 0x9000);
  ASSERT_EQ(s.writeAll(data, 4096), 0x9000);
  ASSERT_EQ(s.sendSw(command(0x80, 0xF0, 0x00, 0x01)), 0x9000);

  chip->powerOff();  // card removed
  chip->powerOn();   // and inserted again
  EXPECT_FALSE(chip->channelOpen());
  auto stale = s.host()->wrap(command(0x80, 0xA4, 0x02, 0x0C, hex("011E")));
  ASSERT_TRUE(stale.ok());
  EXPECT_EQ(s.raw(*stale).sw, 0x6982);  // no channel any more
  ASSERT_EQ(s.open(0x33), 0x9000);
  ASSERT_EQ(s.selectFile(0x011E), 0x9000);
  EXPECT_EQ(s.readAll(data.size(), 4096), data);
  EXPECT_EQ(chip->lifecycle(), EidLifecycle::Personalised);
}

TEST(EidApplet, ExportedStateRestoresTheChip) {
  auto chip = makeChip();
  Station s(*chip);
  ASSERT_EQ(s.open(0x33), 0x9000);
  const Bytes data = pattern(700, 0x09);
  const Bytes key = hex("00112233445566778899AABB");
  ASSERT_EQ(s.create(0x011D, data.size()), 0x9000);
  ASSERT_EQ(s.writeAll(data, 255), 0x9000);
  ASSERT_EQ(s.sendSw(command(0x80, 0xDA, 0x00, 0x81, key)), 0x9000);
  ASSERT_EQ(s.sendSw(command(0x80, 0xF0, 0x00, 0x02)), 0x9000);
  const auto generation = chip->stateGeneration();
  const std::string state = chip->exportState();
  EXPECT_EQ(state.rfind("cardd-chip-state 1\nkind eid\nserial 0011223344556677\n", 0), 0u);

  auto copy = makeChip();
  ASSERT_TRUE(copy->importState(state).ok());
  EXPECT_GT(copy->stateGeneration(), 0u);
  EXPECT_EQ(copy->lifecycle(), EidLifecycle::Locked);
  Station t(*copy);
  ASSERT_EQ(t.selectApplet(), 0x9000);
  ASSERT_EQ(t.raw(command(0x00, 0x20, 0x00, 0x81, key)).sw, 0x9000);
  ASSERT_EQ(t.sw("00 A4 02 0C 02 01 1D"), 0x9000);
  EXPECT_EQ(t.readAll(data.size(), 256, true), data);
  /* The sequence counter came along: the next challenge is new. */
  ASSERT_EQ(t.open(0x33), 0x9000);
  ASSERT_EQ(s.open(0x33), 0x9000);
  EXPECT_EQ(t.lastInitializeUpdate().sequenceCounter, s.lastInitializeUpdate().sequenceCounter);
  EXPECT_GT(chip->stateGeneration(), generation);

  /* Another serial, another master key, or garbage: refused, chip unchanged. */
  auto otherKeys = eidChipKeys(hex("000102030405060708090A0B0C0D0E0F"), kSerial);
  ASSERT_TRUE(otherKeys.ok());
  auto otherMaster = EidApplet::create(kSerial, *otherKeys);
  ASSERT_TRUE(otherMaster.ok());
  EXPECT_FALSE((*otherMaster)->importState(state).ok());
  EXPECT_EQ((*otherMaster)->lifecycle(), EidLifecycle::Blank);
  auto keys = eidChipKeys(kMaster, hex("0011223344556678"));
  auto otherSerial = EidApplet::create(hex("0011223344556678"), *keys);
  ASSERT_TRUE(otherSerial.ok());
  EXPECT_FALSE((*otherSerial)->importState(state).ok());
  std::string broken = state;
  broken += "file 0102 5 00\n";  // size above its allocation
  EXPECT_FALSE(copy->importState(broken).ok());
  EXPECT_FALSE(copy->importState("hello\n").ok());
  EXPECT_EQ(copy->lifecycle(), EidLifecycle::Locked);
}

TEST(EidApplet, CreateRejectsBadOptionsAndSerials) {
  auto keys = eidChipKeys(kMaster, kSerial);
  ASSERT_TRUE(keys.ok());
  EXPECT_FALSE(EidApplet::create(hex("0011"), *keys).ok());
  EXPECT_FALSE(EidApplet::create(kSerial, *keys, EidAppletOptions{0, 10}).ok());
  EXPECT_FALSE(EidApplet::create(kSerial, *keys, EidAppletOptions{100, 16}).ok());
  EXPECT_FALSE(eidChipKeys(hex("0102"), kSerial).ok());
  EXPECT_FALSE(eidChipKeys(kMaster, hex("01")).ok());
  /* The keys are KDF3 with KDD 0000 ‖ serial. */
  auto direct = scp03::diversifyKeySetKdf3(kMaster, hex("0000 0011223344556677"), 0x30);
  ASSERT_TRUE(direct.ok());
  EXPECT_EQ(keys->enc, direct->enc);
  EXPECT_EQ(keys->mac, direct->mac);
  EXPECT_EQ(keys->dek, direct->dek);
  EXPECT_EQ(keys->version, 0x30);
}

bool documentedStatusWord(std::uint16_t sw) {
  if ((sw & 0xFFF0) == 0x63C0) return true;
  for (std::uint16_t known :
       {0x9000, 0x6282, 0x6300, 0x6700, 0x6982, 0x6983, 0x6985, 0x6986, 0x6988, 0x6A80, 0x6A82,
        0x6A84, 0x6A86, 0x6A88, 0x6A89, 0x6B00, 0x6D00, 0x6E00}) {
    if (sw == known) return true;
  }
  return false;
}

TEST(EidApplet, RandomCommandsOnlyGetDocumentedStatusWords) {
  /* Random commands in the clear and inside a level-33 channel: the applet
     answers every one with a status word from docs/applets/eid-apdu.md and
     its free memory never exceeds its capacity. */
  auto chip = makeChip(EidAppletOptions{4096, 10});
  Station s(*chip);
  std::mt19937 random(20261129);
  const std::uint8_t instructions[] = {0x20, 0x50, 0x82, 0xA4, 0xB0, 0xB1, 0xCA,
                                       0xD6, 0xD7, 0xDA, 0xE0, 0xF0, 0x00, 0xFF};
  auto byte = [&] { return static_cast<std::uint8_t>(random() & 0xFF); };
  for (int round = 0; round < 3000; ++round) {
    if (round % 100 == 0 || (round % 10 == 0 && !chip->channelOpen())) {
      ASSERT_EQ(s.open(0x33), 0x9000);
    }
    apdu::CommandApdu c;
    c.cla = (random() % 4 == 0) ? 0x00 : 0x80;
    c.ins = instructions[random() % sizeof instructions];
    c.p1 = (random() % 2 == 0) ? 0x00 : byte();
    c.p2 = (random() % 2 == 0) ? byte() : static_cast<std::uint8_t>(random() % 4);
    if (c.ins == 0xE0 && random() % 2 == 0) {
      c.data = fcp(static_cast<std::uint16_t>(0x0100 + random() % 8), 1 + random() % 2000);
    } else {
      c.data.resize(random() % 40);
      for (auto& b : c.data) b = byte();
      if (c.ins == 0xD7 || c.ins == 0xB1) c.data = Station::offsetDo(random() % 3000);
      if (c.ins == 0xD7) append(c.data, hex("53 02 AA BB"));
    }
    c.ne = (random() % 2 == 0) ? 0 : 1 + random() % 300;
    std::uint16_t word = 0;
    if (s.host() != nullptr && s.host()->isOpen() && c.cla == 0x80 && c.ins != 0x50 &&
        c.ins != 0x82) {
      auto wrapped = s.host()->wrap(c);
      ASSERT_TRUE(wrapped.ok());
      auto answer = s.raw(*wrapped);
      word = answer.sw;
      if (!s.host()->unwrap(answer).ok()) {
        ASSERT_EQ(s.open(0x33), 0x9000);
      }
    } else {
      word = s.raw(c).sw;
    }
    ASSERT_TRUE(documentedStatusWord(word)) << std::hex << word << " for INS " << int(c.ins);
    ASSERT_LE(chip->freeBytes(), 4096u);
  }
}

}  // namespace
}  // namespace cardd::applets::eid
