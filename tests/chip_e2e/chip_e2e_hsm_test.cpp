// The end-to-end personalisation of chip_e2e_test.cpp with the document
// signer's private key inside a PKCS#11 token: SoftHSM (its own token
// directory and config in a temp dir), the key made by the openssl CLI and
// imported with softhsm2-util, used through libp11's engine by Pkcs11Signer
// with the module path given explicitly (never p11-kit's proxy). Its own
// executable: libp11 and SoftHSM allow one PKCS#11 module per process, and
// pcsc-lite one private pcscd per process. Skips without pcscd / vpcd or
// SoftHSM.

#include <gtest/gtest.h>

#include "chip_e2e_support.hpp"
#include "pkcs11_signer.hpp"

namespace cardd::test::chip_e2e {
namespace {

using namespace std::chrono_literals;
using drivers::pcsc::PcscContext;
using drivers::pcsc::WaitOutcome;

constexpr const char* kSoftHsmModule = "/usr/lib/softhsm/libsofthsm2.so";
constexpr const char* kPin = "246810";
const Bytes kMaster = {0x50, 0x51, 0x52, 0x53, 0x54, 0x55, 0x56, 0x57,
                       0x58, 0x59, 0x5A, 0x5B, 0x5C, 0x5D, 0x5E, 0x5F};
const Bytes kSerial = {0x48, 0x53, 0x4D, 0x00, 0x00, 0x00, 0x00, 0x01};

TEST(ChipE2eHsm, PersonalisesWithTheDocumentSignerKeyInSoftHsm) {
  std::string why;
  if (!PrivatePcscd::available(&why)) GTEST_SKIP() << why;
  if (::access(kSoftHsmModule, R_OK) != 0) GTEST_SKIP() << "SoftHSM (softhsm2) is not installed";
  auto pcscd = PrivatePcscd::start({.readers = 1});
  ASSERT_TRUE(pcscd.ok()) << pcscd.error().message;

  Station station(kMaster);
  ASSERT_TRUE(station.pkiOk) << station.dir.file("tools.log");
  const TempDir& dir = station.dir;

  // A private token holding the DS key; the PEM key file is then deleted so
  // that only the token can sign.
  std::filesystem::create_directory(dir.path() / "tokens");
  applets::testing::writeText(dir.file("softhsm2.conf"),
                              "directories.tokendir = " + dir.file("tokens") +
                                  "\nobjectstore.backend = file\nlog.level = ERROR\n");
  ASSERT_EQ(::setenv("SOFTHSM2_CONF", dir.file("softhsm2.conf").c_str(), 1), 0);
  const std::string env = "SOFTHSM2_CONF=" + quoted(dir.file("softhsm2.conf")) + " ";
  ASSERT_EQ(runTool(dir, env +
                             "softhsm2-util --init-token --free --label DS --so-pin 12345678"
                             " --pin " +
                             kPin),
            0)
      << dir.file("tools.log");
  ASSERT_EQ(runTool(dir, "openssl pkcs8 -topk8 -nocrypt -in " + quoted(dir.file("ds.key")) +
                             " -out " + quoted(dir.file("ds.pk8"))),
            0);
  ASSERT_EQ(runTool(dir, env + "softhsm2-util --import " + quoted(dir.file("ds.pk8")) +
                             " --token DS --label dskey --id 01 --pin " + kPin),
            0)
      << dir.file("tools.log");
  std::filesystem::remove(dir.file("ds.pk8"));
  std::filesystem::remove(dir.file("ds.key"));

  signing::Pkcs11Config config;
  config.modulePath = kSoftHsmModule;
  config.keyUri = "pkcs11:token=DS;object=dskey;type=private";
  config.pin = kPin;
  config.certificatePath = dir.file("ds.pem");
  auto signer = signing::Pkcs11Signer::open(config);
  ASSERT_TRUE(signer.ok()) << signer.error().message;
  station.context.signers["document-signer"] = &*signer;

  // A blank chip in the private pcscd's reader, personalised and locked.
  auto chip = InsertedChip::blank(kSerial, kMaster, (*pcscd)->endpoint(0));
  ASSERT_NE(chip.applet, nullptr);
  auto context = PcscContext::establish();
  ASSERT_TRUE(context.ok()) << context.error().message;
  auto wait = (*context)->waitForCard((*pcscd)->readerName(0), 10s);
  ASSERT_TRUE(wait.ok() && *wait == WaitOutcome::CardPresent) << (*pcscd)->log();
  auto channel = (*context)->connect((*pcscd)->readerName(0));
  ASSERT_TRUE(channel.ok()) << channel.error().message;

  auto report = personalisation::Personaliser{}.run(
      **channel, station.profile, applets::testing::sampleSubject(), station.context);
  ASSERT_TRUE(report.ok()) << report.error().message;
  EXPECT_TRUE(report->locked);
  EXPECT_EQ(chip.applet->lifecycle(), eid::EidLifecycle::Locked);
  // The personaliser read EF.SOD back and verified it against the CSCA; the
  // signer it names is the certificate of the key in the token.
  EXPECT_NE(report->signer.find("E2E Document Signer"), std::string::npos) << report->signer;
  EXPECT_EQ(signer->describe(), config.keyUri);

  (void)(*channel)->disconnect();
  chip.remove();
}

}  // namespace
}  // namespace cardd::test::chip_e2e
