#pragma once
// Shared pieces of the end-to-end chip tests: a station PKI made by the
// openssl CLI (CSCA + document signer, EC P-256), the station's keys and the
// e-ID profile, a blank e-ID chip "inserted" into a private pcscd's vpcd
// reader (in-process EidApplet + VpcdConnection), and a channel decorator
// that lets a test act before an APDU goes out (corrupt it, pull the card,
// restart pcscd).
//
// Everything lives in a TempDir for the test's life. Not thread-safe: one
// test thread (the VpcdConnection serves the card on its own worker).

#include <gtest/gtest.h>
#include <sys/wait.h>

#include <chrono>
#include <cstdlib>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "apdu/apdu_channel.hpp"
#include "eid/eid_applet.hpp"
#include "master_key.hpp"
#include "pcsc/pcsc_context.hpp"
#include "pem_signer.hpp"
#include "personaliser.hpp"
#include "private_pcscd.hpp"
#include "scp03/diversification.hpp"
#include "sod.hpp"
#include "test_support.hpp"
#include "virtual_chip/vpcd_connection.hpp"

namespace cardd::test::chip_e2e {

using applets::Bytes;
using applets::ByteView;
using applets::toHex;
namespace personalisation = applets::personalisation;
namespace signing = applets::signing;
namespace eid = applets::eid;
using applets::testing::TempDir;

inline std::string quoted(const std::string& path) {
  return "'" + path + "'";
}

// Runs a shell command, appending its output to <dir>/tools.log. Exit code
// (-1 when it did not exit normally).
inline int runTool(const TempDir& dir, const std::string& command) {
  const std::string line = command + " >>" + quoted(dir.file("tools.log")) + " 2>&1";
  const int status = std::system(line.c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// CSCA (self-signed) and a document signer it issued, EC P-256, made by the
// openssl CLI: <prefix>csca.pem, <prefix>ds.pem, <prefix>ds.key (0600).
// Returns false (see tools.log) when a command failed.
inline bool makeCliPki(const TempDir& dir, const std::string& prefix = "") {
  const auto f = [&](const std::string& name) { return quoted(dir.file(prefix + name)); };
  applets::testing::writeText(dir.file(prefix + "ds.ext"), "keyUsage=critical,digitalSignature\n",
                              0644);
  return runTool(dir, "openssl ecparam -name prime256v1 -genkey -noout -out " + f("csca.key")) ==
             0 &&
         runTool(dir, "openssl req -new -x509 -days 30 -key " + f("csca.key") +
                          " -subj '/C=ID/CN=E2E CSCA' -addext basicConstraints=critical,CA:TRUE"
                          " -addext keyUsage=critical,keyCertSign -out " +
                          f("csca.pem")) == 0 &&
         runTool(dir, "openssl ecparam -name prime256v1 -genkey -noout -out " + f("ds.key")) == 0 &&
         runTool(dir, "openssl req -new -key " + f("ds.key") +
                          " -subj '/C=ID/CN=E2E Document Signer' -out " + f("ds.csr")) == 0 &&
         runTool(dir, "openssl x509 -req -days 30 -in " + f("ds.csr") + " -CA " + f("csca.pem") +
                          " -CAkey " + f("csca.key") + " -set_serial 2 -extfile " + f("ds.ext") +
                          " -out " + f("ds.pem")) == 0 &&
         runTool(dir, "chmod 600 " + f("ds.key") + " " + f("csca.key")) == 0;
}

// The station: PKI, master key, profile and the SigningContext pointing at
// them. `signer` may be replaced (SoftHSM) before run().
struct Station {
  TempDir dir;
  bool pkiOk = false;
  std::optional<signing::PemFileSigner> pemSigner;
  std::optional<signing::TrustAnchors> anchors;
  std::optional<signing::FileMasterKey> master;
  Bytes masterKey;
  personalisation::SigningContext context;
  personalisation::Profile profile;

  explicit Station(Bytes masterKeyBytes) : masterKey(std::move(masterKeyBytes)) {
    pkiOk = makeCliPki(dir);
    if (!pkiOk) return;
    auto s = signing::PemFileSigner::load(dir.file("ds.key"), dir.file("ds.pem"));
    EXPECT_TRUE(s.ok()) << (s.ok() ? "" : s.error().message);
    if (s) pemSigner.emplace(std::move(s).value());
    auto a = signing::TrustAnchors::load(dir.file("csca.pem"));
    EXPECT_TRUE(a.ok());
    if (a) anchors.emplace(std::move(a).value());
    auto m = signing::FileMasterKey::fromBytes(masterKey, "e2e test key");
    EXPECT_TRUE(m.ok());
    if (m) master.emplace(std::move(m).value());
    if (pemSigner) context.signers["document-signer"] = &*pemSigner;
    if (master) context.keySets["station-master"] = &*master;
    if (anchors) context.trustAnchors = &*anchors;
    auto loaded = personalisation::loadProfileFile(applets::testing::profilePath("eid.yaml"),
                                                   applets::testing::ektpFields());
    EXPECT_TRUE(loaded.ok()) << (loaded.ok() ? "" : loaded.problems[0].describe());
    profile = std::move(loaded.profile);
  }

  // The read-access key the personaliser writes for the chip `serial`.
  Bytes accessKey(ByteView serial) const {
    auto key = applets::scp03::diversifyKdf3(
        masterKey, static_cast<applets::scp03::KeyType>(profile.accessKey.keyType),
        eid::eidKeyDiversificationData(serial));
    EXPECT_TRUE(key.ok());
    return key ? *key : Bytes{};
  }
};

// A blank e-ID chip whose SCP03 keys come from `masterKey`, inserted into
// the vpcd slot `endpoint` (the link comes up asynchronously; wait for it
// with PcscContext::waitForCard).
struct InsertedChip {
  std::unique_ptr<eid::EidApplet> applet;
  std::unique_ptr<applets::virtual_chip::VpcdConnection> link;

  static InsertedChip blank(ByteView serial, ByteView masterKey,
                            const applets::virtual_chip::VpcdEndpoint& endpoint) {
    InsertedChip chip;
    auto keys = eid::eidChipKeys(masterKey, serial);
    EXPECT_TRUE(keys.ok());
    if (!keys) return chip;
    auto applet = eid::EidApplet::create(serial, *keys);
    EXPECT_TRUE(applet.ok());
    if (!applet) return chip;
    chip.applet = std::move(applet).value();
    chip.link = std::make_unique<applets::virtual_chip::VpcdConnection>(*chip.applet, endpoint);
    EXPECT_TRUE(chip.link->connect().ok());
    return chip;
  }

  // "Removes" the card (idempotent).
  void remove() {
    if (link) link->disconnect();
  }
};

// Calls `before(n, command)` before the n-th APDU (1-based) goes to the
// inner channel; the hook may change the command or act on the world.
class HookChannel final : public applets::apdu::ApduChannel {
 public:
  using Hook = std::function<void(std::size_t, applets::apdu::CommandApdu&)>;
  HookChannel(applets::apdu::ApduChannel& inner, Hook before)
      : inner_(inner), before_(std::move(before)) {}

  Result<applets::apdu::ResponseApdu> transmit(const applets::apdu::CommandApdu& command) override {
    applets::apdu::CommandApdu copy = command;
    ++count_;
    if (before_) before_(count_, copy);
    return inner_.transmit(copy);
  }
  std::size_t maxCommandData() const override { return inner_.maxCommandData(); }
  std::size_t maxResponseData() const override { return inner_.maxResponseData(); }
  std::string describe() const override { return inner_.describe(); }
  std::size_t count() const { return count_; }

 private:
  applets::apdu::ApduChannel& inner_;
  Hook before_;
  std::size_t count_ = 0;
};

}  // namespace cardd::test::chip_e2e
