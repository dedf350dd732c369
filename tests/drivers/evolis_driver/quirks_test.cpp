// The quirks loader: the shipped files validate, every field reaches
// EvolisDriverOptions, and each kind of mistake is reported with file:line.

#include "quirks/quirks.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include <stdlib.h>

#include "printer/evolis/evolis_driver.hpp"

namespace cardd::drivers {
namespace {

using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;

std::string describeAll(const QuirksTable& t) {
  std::string out;
  for (const auto& p : t.problems) out += p.describe() + "\n";
  return out;
}

TEST(UsbIdTest, ParsesAndPrintsLowerCaseHex) {
  const auto id = UsbId::parse("0F49:3a07");
  ASSERT_TRUE(id.has_value());
  EXPECT_EQ(id->vendor, 0x0F49);
  EXPECT_EQ(id->product, 0x3A07);
  EXPECT_EQ(id->key(), "0f49:3a07");
  for (const char* bad :
       {"", "0f49", "0f49:", "0f49-3007", "0f49:30071", "0g49:3007", "f49:3007", " 0f49:3007"}) {
    EXPECT_FALSE(UsbId::parse(bad).has_value()) << bad;
  }
}

TEST(QuirksTest, TheShippedEvolisFileIsValidAndHasTheEmulator) {
  const auto t = loadQuirksDir(CARDD_QUIRKS_DIR);
  ASSERT_TRUE(t.ok()) << describeAll(t);
  const PrinterQuirks* emulator = t.find(UsbId{0x0F49, 0xFFFF});
  ASSERT_NE(emulator, nullptr);
  EXPECT_EQ(emulator->model, "cardd emulator");
  EXPECT_EQ(emulator->family, "evolis");
  EXPECT_EQ(emulator->extended_status, true);
  EXPECT_EQ(t.findByModel("CARDD EMULATOR"), emulator);
  for (const auto& q : t.entries) EXPECT_EQ(q.usb.vendor, 0x0F49) << q.origin;
}

TEST(QuirksTest, EveryFieldReachesTheEvolisDriverOptions) {
  const auto t = loadQuirksText(R"(
"0f49:1234":
  model: Test Printer
  family: evolis
  stations: [contactless]
  dbc: true
  colour_levels: 64
  spurious_ok_retries: 5
  extended_status: true
  thresholds_mv: { cover_closed_min: 3000, feeder_loaded_min: 1500, near_empty_below: 800 }
  ribbon_low: { prints: 7, percent: 4 }
)",
                                "test.yaml");
  ASSERT_TRUE(t.ok()) << describeAll(t);
  ASSERT_THAT(t.entries, SizeIs(1));
  const auto& q = t.entries[0];
  EXPECT_EQ(q.origin, "test.yaml:2");

  const auto o = evolis::evolisOptionsFromQuirks(q);
  EXPECT_FALSE(o.supports_contact);
  EXPECT_TRUE(o.supports_contactless);
  EXPECT_TRUE(o.use_dbc);
  EXPECT_EQ(o.colour_levels, 64u);
  EXPECT_EQ(o.spurious_ok_retries, 5u);
  EXPECT_TRUE(o.extended_status);
  EXPECT_EQ(o.normaliser.cover_closed_min_mv, 3000u);
  EXPECT_EQ(o.normaliser.feeder_loaded_min_mv, 1500u);
  EXPECT_EQ(o.normaliser.near_empty_below_mv, 800u);
  EXPECT_EQ(o.normaliser.ribbon_low_prints, 7u);
  EXPECT_EQ(o.normaliser.ribbon_low_percent, 4u);
  EXPECT_EQ(o.usb_vendor_id, 0x0F49);
  EXPECT_EQ(o.usb_product_id, 0x1234);
}

TEST(QuirksTest, OmittedFieldsKeepTheDefaults) {
  const auto t = loadQuirksText("\"0f49:0001\": { model: Minimal, family: evolis }\n", "m.yaml");
  ASSERT_TRUE(t.ok()) << describeAll(t);
  evolis::EvolisDriverOptions base;
  base.colour_levels = 32;
  const auto o = evolis::evolisOptionsFromQuirks(t.entries.at(0), base);
  EXPECT_EQ(o.colour_levels, 32u);
  EXPECT_TRUE(o.supports_contact);
  EXPECT_TRUE(o.supports_contactless);
  EXPECT_FALSE(o.extended_status);
  EXPECT_EQ(o.normaliser.cover_closed_min_mv, evolis::NormaliserSettings{}.cover_closed_min_mv);
}

struct BadCase {
  const char* name;
  const char* yaml;
  const char* expected;  // Substring of the one problem's describe().
  std::size_t kept = 0;  // Valid entries left (the bad one is always left out).
};

class QuirksErrorTest : public ::testing::TestWithParam<BadCase> {};

TEST_P(QuirksErrorTest, IsReportedWithFileLineAndKey) {
  const auto t = loadQuirksText(GetParam().yaml, "evolis.yaml");
  ASSERT_THAT(t.problems, SizeIs(1)) << describeAll(t);
  EXPECT_THAT(t.problems[0].describe(), HasSubstr(GetParam().expected));
  EXPECT_THAT(t.entries, SizeIs(GetParam().kept));
}

INSTANTIATE_TEST_SUITE_P(
    Mistakes, QuirksErrorTest,
    ::testing::Values(
        BadCase{"UnknownKey", "\"0f49:3007\":\n  model: P\n  family: evolis\n  colour: 128\n",
                "evolis.yaml:4: 0f49:3007.colour: unknown key"},
        BadCase{
            "UnknownNestedKey",
            "\"0f49:3007\":\n  model: P\n  family: evolis\n  ribbon_low: { prints: 3, pct: 1 }\n",
            "evolis.yaml:4: 0f49:3007.ribbon_low.pct: unknown key"},
        BadCase{"BadHexId", "\"0f49:30g7\":\n  model: P\n  family: evolis\n",
                "evolis.yaml:1: 0f49:30g7: is not a USB id"},
        BadCase{"ShortId", "\"f49:3007\":\n  model: P\n  family: evolis\n",
                "evolis.yaml:1: f49:3007: is not a USB id"},
        BadCase{"WrongTypeBool", "\"0f49:3007\":\n  model: P\n  family: evolis\n  dbc: maybe\n",
                "evolis.yaml:4: 0f49:3007.dbc: must be true or false"},
        BadCase{"WrongTypeInt",
                "\"0f49:3007\":\n  model: P\n  family: evolis\n  spurious_ok_retries: [1]\n",
                "evolis.yaml:4: 0f49:3007.spurious_ok_retries: must be an integer from 0 to 20"},
        BadCase{"OutOfRange",
                "\"0f49:3007\":\n  model: P\n  family: evolis\n  ribbon_low: { percent: 150 }\n",
                "evolis.yaml:4: 0f49:3007.ribbon_low.percent: must be an integer from 0 to 100"},
        BadCase{"BadLevels", "\"0f49:3007\":\n  model: P\n  family: evolis\n  colour_levels: 100\n",
                "evolis.yaml:4: 0f49:3007.colour_levels: must be one of 32, 64, 128"},
        BadCase{"BadStation",
                "\"0f49:3007\":\n  model: P\n  family: evolis\n  stations: [contact, magstripe]\n",
                "evolis.yaml:4: 0f49:3007.stations[1]: must be contact or contactless"},
        BadCase{"MissingFamily", "\"0f49:3007\":\n  model: P\n",
                "evolis.yaml:2: 0f49:3007.family: is required"},
        BadCase{"NotAMapping", "\"0f49:3007\": Primacy\n",
                "evolis.yaml:1: 0f49:3007: must be a mapping"},
        BadCase{"ThresholdsNotAMapping",
                "\"0f49:3007\":\n  model: P\n  family: evolis\n  thresholds_mv: 2500\n",
                "evolis.yaml:4: 0f49:3007.thresholds_mv: must be a mapping"},
        BadCase{"Duplicate",
                "\"0f49:3007\": { model: A, family: evolis }\n\"0F49:3007\": { model: B, family: "
                "evolis }\n",
                "evolis.yaml:2: 0F49:3007: is defined twice (first in evolis.yaml:1)", 1},
        BadCase{"TopLevelList", "- 0f49:3007\n", "must be a mapping keyed by USB id"},
        BadCase{"InvalidYaml", "\"0f49:3007\": { model: [\n", "evolis.yaml:2: is not valid YAML"}),
    [](const ::testing::TestParamInfo<BadCase>& p) { return std::string(p.param.name); });

TEST(QuirksTest, GoodEntriesSurviveABadOne) {
  const auto t = loadQuirksText(
      "\"0f49:0001\": { model: A, family: evolis }\n\"0f49:0002\": { model: B, famly: evolis }\n",
      "x.yaml");
  EXPECT_THAT(t.problems, SizeIs(2));  // Unknown "famly", missing "family".
  ASSERT_THAT(t.entries, SizeIs(1));
  EXPECT_EQ(t.entries[0].model, "A");
}

TEST(QuirksTest, MissingFileAndDirectoryAreProblems) {
  EXPECT_FALSE(loadQuirksFile("/nonexistent/cardd/evolis.yaml").ok());
  EXPECT_FALSE(loadQuirksDir("/nonexistent/cardd/quirks").ok());
}

TEST(QuirksTest, DirectoryLoadsEveryYamlFileInNameOrder) {
  std::string pattern = (std::filesystem::temp_directory_path() / "cardd-quirks-XXXXXX").string();
  ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
  const std::filesystem::path dir = pattern;
  std::ofstream(dir / "b.yaml") << "\"0f49:0002\": { model: B, family: evolis }\n"
                                   "\"0f49:0001\": { model: B1, family: evolis }\n";
  std::ofstream(dir / "a.yaml") << "\"0f49:0001\": { model: A, family: evolis }\n";
  std::ofstream(dir / "notes.txt") << "not: [yaml\n";
  const auto t = loadQuirksDir(dir.string());
  std::filesystem::remove_all(dir);
  ASSERT_THAT(t.problems, SizeIs(1));  // b.yaml redefines 0f49:0001.
  EXPECT_THAT(t.problems[0].describe(), HasSubstr("b.yaml:2: 0f49:0001: is defined twice"));
  ASSERT_THAT(t.entries, SizeIs(2));
  EXPECT_EQ(t.find(UsbId{0x0F49, 0x0001})->model, "A");
}

}  // namespace
}  // namespace cardd::drivers
