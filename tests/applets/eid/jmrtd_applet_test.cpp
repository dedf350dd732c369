// The JMRTD passport applet model: the personalisation sequence JMRTD's
// PassportPersoService sends (CREATE, SELECT, UPDATE in chunks, PUT DATA,
// lock with DE AD), and the status words PassportApplet.java answers.

#include <gtest/gtest.h>

#include "eid/jmrtd_applet.hpp"
#include "eid_test_support.hpp"

namespace cardd::applets::eid {
namespace {

using testing::command;
using testing::hex;
using testing::kSerial;
using testing::pattern;
using testing::Station;

std::unique_ptr<JmrtdApplet> makeChip(JmrtdAppletOptions options = {}) {
  auto chip = JmrtdApplet::create(kSerial, options);
  EXPECT_TRUE(chip.ok());
  return std::move(chip).value();
}

Bytes createData(std::uint16_t fid, std::size_t size) {
  return {0x63,
          0x04,
          static_cast<std::uint8_t>(size >> 8),
          static_cast<std::uint8_t>(size),
          static_cast<std::uint8_t>(fid >> 8),
          static_cast<std::uint8_t>(fid)};
}

TEST(JmrtdApplet, PersonaliseReadBackAndLock) {
  auto chip = makeChip();
  Station s(*chip);
  EXPECT_EQ(chip->atr(), hex("3B 8B 80 01 80 55 6A 6D 72 74 64 73 90 01 40 18"));
  EXPECT_EQ(s.sw("00 E0 00 00 06 63 04 0010 0101"), 0x6985);  // not selected
  ASSERT_EQ(s.sw("00 A4 04 0C 07 A0 00 00 02 47 10 01"), 0x9000);

  const Bytes dg2 = pattern(1000, 0x33);
  ASSERT_EQ(s.raw(command(0x00, 0xE0, 0x00, 0x00, createData(0x0102, dg2.size()))).sw, 0x9000);
  ASSERT_EQ(s.raw(command(0x00, 0xE0, 0x00, 0x00, createData(0x011E, 8))).sw, 0x9000);
  EXPECT_EQ(s.sw("00 D6 00 00 01 AA"), 0x6985);  // CREATE does not select
  ASSERT_EQ(s.sw("00 A4 02 0C 02 01 02"), 0x9000);
  for (std::size_t offset = 0; offset < dg2.size(); offset += 223) {
    const std::size_t n = std::min<std::size_t>(223, dg2.size() - offset);
    Bytes part(dg2.begin() + static_cast<std::ptrdiff_t>(offset),
               dg2.begin() + static_cast<std::ptrdiff_t>(offset + n));
    ASSERT_EQ(s.raw(command(0x00, 0xD6, static_cast<std::uint8_t>(offset >> 8),
                            static_cast<std::uint8_t>(offset), part))
                  .sw,
              0x9000);
  }
  EXPECT_EQ(s.sw("00 D6 03 E8 01 AA"), 0x6A84);  // past the end
  Bytes back;
  for (std::size_t offset = 0; offset < dg2.size(); offset += 256) {
    auto answer = s.raw(command(0x00, 0xB0, static_cast<std::uint8_t>(offset >> 8),
                                static_cast<std::uint8_t>(offset), {}, 256));
    ASSERT_EQ(answer.sw, 0x9000);
    append(back, answer.data);
  }
  EXPECT_EQ(back, dg2);

  EXPECT_EQ(s.sw("00 DA 00 62 05 6203010203"), 0x9000);
  EXPECT_EQ(chip->keyMaterial(0x0062), hex("6203010203"));
  EXPECT_EQ(s.sw("00 DA 01 64 02 7F21"), 0x9000);
  EXPECT_EQ(s.sw("00 DA 02 64 02 7F21"), 0x6985);  // certificate only once
  EXPECT_EQ(s.sw("00 DA 00 65 01 00"), 0x6A86);    // SW_INCORRECT_P1P2
  EXPECT_EQ(s.sw("00 DA 00 60"), 0x6700);

  ASSERT_EQ(s.sw("00 DA DE AD"), 0x9000);
  EXPECT_TRUE(chip->locked());
  EXPECT_EQ(s.raw(command(0x00, 0xE0, 0x00, 0x00, createData(0x0101, 4))).sw, 0x6985);
  EXPECT_EQ(s.sw("00 D6 00 00 01 AA"), 0x6985);
  EXPECT_EQ(s.sw("00 DA 00 61 01 00"), 0x6985);
  EXPECT_EQ(s.sw("00 DA DE AD"), 0x6985);
  EXPECT_EQ(s.sw("00 A4 02 0C 02 01 02"), 0x6982);  // BAC needed once locked
  EXPECT_EQ(s.sw("00 B0 00 00 10"), 0x6982);

  /* The lock and the files are persistent. */
  chip->powerOff();
  chip->powerOn();
  ASSERT_EQ(s.sw("00 A4 04 0C 07 A0 00 00 02 47 10 01"), 0x9000);
  EXPECT_EQ(s.sw("00 D6 00 00 01 AA"), 0x6985);
  auto copy = makeChip();
  ASSERT_TRUE(copy->importState(chip->exportState()).ok());
  EXPECT_TRUE(copy->locked());
  EXPECT_EQ(copy->keyMaterial(0x0164), hex("7F21"));
}

TEST(JmrtdApplet, CreateFileRulesFollowPassportApplet) {
  auto chip = makeChip(JmrtdAppletOptions{2000});
  Station s(*chip);
  ASSERT_EQ(s.sw("00 A4 04 00 07 A0 00 00 02 47 10 01"), 0x9000);
  EXPECT_EQ(s.sw("00 E0 00 00 05 63 04 0010 01"), 0x6700);
  EXPECT_EQ(s.sw("00 E0 00 00 06 63 03 0010 0101"), 0x6700);
  EXPECT_EQ(s.sw("00 E0 00 00 06 62 04 0010 0101"), 0x6984);
  EXPECT_EQ(s.sw("00 E0 00 00 06 63 04 0010 0201"), 0x6F00);  // FID PassportApplet lacks
  EXPECT_EQ(s.sw("00 E0 00 00 06 63 04 8000 0101"), 0x6F00);  // negative short
  EXPECT_EQ(s.sw("00 E0 00 00 06 63 04 0100 0101"), 0x9000);
  EXPECT_EQ(s.sw("00 E0 00 00 06 63 04 0080 0101"), 0x9000);  // shrink
  EXPECT_EQ(s.sw("00 E0 00 00 06 63 04 0100 0101"), 0x9000);  // back to the allocation
  EXPECT_EQ(s.sw("00 E0 00 00 06 63 04 0101 0101"), 0x6A84);  // beyond it
  EXPECT_EQ(s.sw("00 E0 00 00 06 63 04 0700 0102"), 0x6A84);  // beyond the model capacity
  EXPECT_EQ(s.sw("00 A4 02 0C 01 01"), 0x6700);
  EXPECT_EQ(s.sw("00 A4 02 0C 02 01 0B"), 0x6A82);
  EXPECT_EQ(s.sw("0C A4 02 0C 02 01 01"), 0x6882);  // SM needs BAC
  EXPECT_EQ(s.sw("00 84 00 00 08"), 0x6D00);        // BAC not modelled
  EXPECT_EQ(s.sw("00 A4 04 0C 07 F0 63 61 72 64 64 01"), 0x6A82);
}

}  // namespace
}  // namespace cardd::applets::eid
