// The explicit printer registry: family lookup by USB id (quirks pin
// products), creation with quirks, and clear errors for unknown families.

#include "printer/printer_registry.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "printer/evolis/evolis_driver.hpp"
#include "transcript.hpp"

namespace cardd::drivers {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

TransportConnector neverConnects() {
  return []() -> Result<std::unique_ptr<Transport>> {
    return Error(ErrorCode::Unavailable, "no device in this test");
  };
}

// A stand-in family that records the quirks its factory saw.
DriverFactory recordingFactory(const PrinterQuirks** seen) {
  return [seen](TransportConnector c,
                const PrinterQuirks* q) -> Result<std::unique_ptr<PrinterDriver>> {
    *seen = q;
    return std::unique_ptr<PrinterDriver>(std::make_unique<evolis::EvolisDriver>(std::move(c)));
  };
}

TEST(PrinterRegistryTest, BuiltinsRegisterEvolisForItsVendorId) {
  PrinterRegistry registry;
  registerBuiltinFamilies(registry);
  EXPECT_THAT(registry.families(), ElementsAre("evolis"));
  auto family = registry.familyForUsb(0x0F49, 0x1234);
  ASSERT_TRUE(family.ok()) << family.error().message;
  EXPECT_EQ(*family, "evolis");
}

TEST(PrinterRegistryTest, UnknownVendorNamesTheDeviceAndTheKnownFamilies) {
  PrinterRegistry registry;
  registerBuiltinFamilies(registry);
  auto family = registry.familyForUsb(0x0C1F, 0x0001);
  ASSERT_FALSE(family.ok());
  EXPECT_EQ(family.error().code, ErrorCode::NotFound);
  EXPECT_THAT(family.error().message, HasSubstr("0c1f:0001"));
  EXPECT_THAT(family.error().message, HasSubstr("known families: evolis"));
}

TEST(PrinterRegistryTest, AQuirksEntryPinsAProductToAnotherFamily) {
  PrinterRegistry registry;
  registerBuiltinFamilies(registry);
  const PrinterQuirks* seen = nullptr;
  ASSERT_TRUE(registry.registerFamily("evolis-legacy", {}, recordingFactory(&seen)).ok());
  const auto quirks = loadQuirksText(
      "\"0f49:0042\": { model: Old Pebble, family: evolis-legacy }\n"
      "\"0f49:0043\": { model: Ghost, family: magicard }\n",
      "q.yaml");
  ASSERT_TRUE(quirks.ok());

  EXPECT_EQ(registry.familyForUsb(0x0F49, 0x0042, &quirks).value(), "evolis-legacy");
  EXPECT_EQ(registry.familyForUsb(0x0F49, 0x0041, &quirks).value(), "evolis");
  auto ghost = registry.familyForUsb(0x0F49, 0x0043, &quirks);
  ASSERT_FALSE(ghost.ok());
  EXPECT_THAT(ghost.error().message, HasSubstr("names family magicard, which is not registered"));

  const PrinterQuirks* entry = quirks.find(UsbId{0x0F49, 0x0042});
  auto driver = registry.create("evolis-legacy", neverConnects(), entry);
  ASSERT_TRUE(driver.ok()) << driver.error().message;
  EXPECT_EQ(seen, entry);
}

TEST(PrinterRegistryTest, CreateRefusesUnknownFamiliesAndMismatchedQuirks) {
  PrinterRegistry registry;
  registerBuiltinFamilies(registry);
  auto unknown = registry.create("zebra", neverConnects());
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error().code, ErrorCode::NotFound);
  EXPECT_THAT(unknown.error().message,
              HasSubstr("unknown printer family \"zebra\"; known families: evolis"));

  const auto quirks = loadQuirksText("\"0f49:0042\": { model: X, family: other }\n", "q.yaml");
  auto mismatched = registry.create("evolis", neverConnects(), &quirks.entries.at(0));
  ASSERT_FALSE(mismatched.ok());
  EXPECT_THAT(mismatched.error().message, HasSubstr("is for family other, not evolis"));

  EXPECT_FALSE(registry.create("evolis", TransportConnector{}).ok());
}

TEST(PrinterRegistryTest, RegistrationRefusesDuplicatesAndEmptyEntries) {
  PrinterRegistry registry;
  registerBuiltinFamilies(registry);
  const PrinterQuirks* seen = nullptr;
  EXPECT_FALSE(registry.registerFamily("evolis", {0x0F49}, recordingFactory(&seen)).ok());
  EXPECT_FALSE(registry.registerFamily("", {}, recordingFactory(&seen)).ok());
  EXPECT_FALSE(registry.registerFamily("x", {}, DriverFactory{}).ok());
  PrinterRegistry empty;
  auto none = empty.create("evolis", neverConnects());
  ASSERT_FALSE(none.ok());
  EXPECT_THAT(none.error().message, HasSubstr("none are registered"));
}

TEST(PrinterRegistryTest, CreatedEvolisDriverUsesTheQuirksOptions) {
  // The emulator's entry turns on Rxs: the status poll must send it.
  PrinterRegistry registry;
  registerBuiltinFamilies(registry);
  const auto quirks = loadQuirksDir(CARDD_QUIRKS_DIR);
  const PrinterQuirks* emulator = quirks.find(UsbId{0x0F49, 0xFFFF});
  ASSERT_NE(emulator, nullptr);

  auto transcript =
      testing::Transcript::load(std::string(CARDD_TRANSCRIPT_DIR) + "/status_extended.trace");
  auto driver = registry.create("evolis", transcript->connector(), emulator);
  ASSERT_TRUE(driver.ok()) << driver.error().message;
  auto status = (*driver)->status();
  ASSERT_TRUE(status.ok());
  EXPECT_FALSE(status->reasons.empty());  // The status words were read.
  EXPECT_THAT(transcript->mismatches(), ::testing::IsEmpty());
}

}  // namespace
}  // namespace cardd::drivers
