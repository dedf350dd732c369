// cardd_signing checked by independent tools (label integration: starts the
// openssl CLI and softhsm2-util):
//   - certificates made by the openssl CLI, our SOD verified by
//     `openssl cms -verify -inform DER -CAfile csca.pem -purpose any`;
//   - the document-signer key imported into a SoftHSM token (private config
//     in a temp dir) and used through libp11's engine by Pkcs11Signer.
#include <dlfcn.h>
#include <gtest/gtest.h>
#include <p11-kit/pkcs11.h>
#include <sys/wait.h>

#include <cstdlib>
#include <fstream>

#include "key_files.hpp"
#include "master_key.hpp"
#include "pem_signer.hpp"
#include "pkcs11_master_key.hpp"
#include "pkcs11_signer.hpp"
#include "sod.hpp"
#include "test_support.hpp"
#include "tlv/header.hpp"

namespace cardd::applets::signing {
namespace {

using testing::TempDir;

constexpr const char* kSoftHsmModule = "/usr/lib/softhsm/libsofthsm2.so";

/* Runs a shell command; its output goes to `log` in the temp dir. */
int run(const TempDir& dir, const std::string& command) {
  const std::string line = command + " >>'" + dir.file("tools.log") + "' 2>&1";
  const int status = std::system(line.c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

std::string q(const std::string& path) {
  return "'" + path + "'";
}

/* CSCA (self-signed) and DS (issued by it), EC P-256, made by the CLI. */
void makePki(const TempDir& dir, const std::string& prefix = "") {
  const auto f = [&](const std::string& n) { return q(dir.file(prefix + n)); };
  ASSERT_EQ(run(dir, "openssl ecparam -name prime256v1 -genkey -noout -out " + f("csca.key")), 0);
  ASSERT_EQ(run(dir, "openssl req -new -x509 -days 30 -key " + f("csca.key") +
                         " -subj '/C=ID/CN=CLI CSCA' -addext basicConstraints=critical,CA:TRUE"
                         " -addext keyUsage=critical,keyCertSign -out " +
                         f("csca.pem")),
            0);
  ASSERT_EQ(run(dir, "openssl ecparam -name prime256v1 -genkey -noout -out " + f("ds.key")), 0);
  ASSERT_EQ(run(dir, "openssl req -new -key " + f("ds.key") + " -subj '/C=ID/CN=CLI DS' -out " +
                         f("ds.csr")),
            0);
  testing::writeText(dir.file(prefix + "ds.ext"), "keyUsage=critical,digitalSignature\n", 0644);
  ASSERT_EQ(run(dir, "openssl x509 -req -days 30 -in " + f("ds.csr") + " -CA " + f("csca.pem") +
                         " -CAkey " + f("csca.key") + " -set_serial 2 -extfile " + f("ds.ext") +
                         " -out " + f("ds.pem")),
            0);
  ASSERT_EQ(::chmod(dir.file(prefix + "ds.key").c_str(), 0600), 0);
}

lds::LdsSecurityObject sampleObject() {
  lds::LdsSecurityObject o;
  o.hashes = {{1, Bytes(32, 0x01)}, {2, Bytes(32, 0x02)}};
  return o;
}

/* Writes the ContentInfo (without 77 L) for the CLI. */
void writeP7(const std::string& path, const Bytes& sod) {
  auto header = tlv::decodeHeader(sod);
  ASSERT_TRUE(header.ok());
  std::ofstream(path, std::ios::binary)
      .write(reinterpret_cast<const char*>(sod.data() + header->headerSize),
             static_cast<std::streamsize>(header->length));
}

TEST(SignWithTools, OpensslCmsVerifiesOurSod) {
  TempDir dir;
  makePki(dir);
  auto signer = PemFileSigner::load(dir.file("ds.key"), dir.file("ds.pem"));
  ASSERT_TRUE(signer.ok()) << signer.error().message;
  auto sod = buildSod(sampleObject(), *signer, {});
  ASSERT_TRUE(sod.ok()) << sod.error().message;
  writeP7(dir.file("sod.p7"), *sod);

  ASSERT_EQ(run(dir, "openssl cms -verify -inform DER -binary -in " + q(dir.file("sod.p7")) +
                         " -CAfile " + q(dir.file("csca.pem")) + " -purpose any -out " +
                         q(dir.file("content.der"))),
            0)
      << "see " << dir.file("tools.log");
  auto content = readFileBytes(dir.file("content.der"));
  ASSERT_TRUE(content.ok());
  EXPECT_EQ(*content, *lds::encodeSecurityObject(sampleObject()));

  // The CLI sees the LDS eContentType.
  ASSERT_EQ(run(dir, "openssl cms -cmsout -print -inform DER -in " + q(dir.file("sod.p7")) +
                         " -out " + q(dir.file("print.txt"))),
            0);
  std::ifstream print(dir.file("print.txt"));
  std::string text((std::istreambuf_iterator<char>(print)), std::istreambuf_iterator<char>());
  EXPECT_NE(text.find("eContentType: undefined (2.23.136.1.1.1)"), std::string::npos) << text;

  // And refuses it against another CSCA.
  makePki(dir, "other-");
  EXPECT_NE(
      run(dir, "openssl cms -verify -inform DER -binary -in " + q(dir.file("sod.p7")) +
                   " -CAfile " + q(dir.file("other-csca.pem")) + " -purpose any -out /dev/null"),
      0);
}

/* One SoftHSM token for the whole suite: SoftHSM reads its configuration
   once per process, so every test of the process must share it. */
class SoftHsm : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (::access(kSoftHsmModule, R_OK) != 0) return;
    dir_ = new TempDir();
    const TempDir& dir = *dir_;
    if (run(dir, "command -v softhsm2-util") != 0) return;
    makePki(dir);
    std::filesystem::create_directory(dir.path() / "tokens");
    testing::writeText(dir.file("softhsm2.conf"),
                       "directories.tokendir = " + dir.file("tokens") +
                           "\nobjectstore.backend = file\nlog.level = ERROR\n",
                       0600);
    ::setenv("SOFTHSM2_CONF", dir.file("softhsm2.conf").c_str(), 1);
    const std::string env = "SOFTHSM2_CONF=" + q(dir.file("softhsm2.conf")) + " ";
    ready_ = run(dir, env +
                          "softhsm2-util --init-token --free --label DS --so-pin 12345678"
                          " --pin 246810") == 0 &&
             run(dir, "openssl pkcs8 -topk8 -nocrypt -in " + q(dir.file("ds.key")) + " -out " +
                          q(dir.file("ds.pk8"))) == 0 &&
             run(dir, env + "softhsm2-util --import " + q(dir.file("ds.pk8")) +
                          " --token DS --label dskey --id 01 --pin 246810") == 0;
  }
  static void TearDownTestSuite() {
    delete dir_;
    dir_ = nullptr;
  }
  void SetUp() override {
    if (dir_ == nullptr) GTEST_SKIP() << "SoftHSM is not installed";
    ASSERT_TRUE(ready_) << "token set-up failed; see " << dir_->file("tools.log");
  }

  Pkcs11Config config(const std::string& pin = "246810") const {
    Pkcs11Config c;
    c.modulePath = kSoftHsmModule;
    c.keyUri = "pkcs11:token=DS;object=dskey;type=private";
    c.pin = pin;
    c.certificatePath = dir_->file("ds.pem");
    return c;
  }

  static inline TempDir* dir_ = nullptr;
  static inline bool ready_ = false;
};

// Wrong PIN first, then the right one: the engine logs in afresh each time.
TEST_F(SoftHsm, SignsInTheTokenAndReportsPinAndModuleErrors) {
  auto wrongPin = Pkcs11Signer::open(config("000000"));
  ASSERT_FALSE(wrongPin.ok());
  EXPECT_EQ(wrongPin.error().code, ErrorCode::Unavailable);
  EXPECT_NE(wrongPin.error().message.find("PIN"), std::string::npos) << wrongPin.error().message;

  auto c = config();
  c.modulePath = dir_->file("no-such-module.so");
  auto missing = Pkcs11Signer::open(c);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, ErrorCode::NotFound);

  auto signer = Pkcs11Signer::open(config());
  ASSERT_TRUE(signer.ok()) << signer.error().message;
  EXPECT_EQ(signer->describe(), "pkcs11:token=DS;object=dskey;type=private");
  auto sod = buildSod(sampleObject(), *signer, {});
  ASSERT_TRUE(sod.ok()) << sod.error().message;
  auto anchors = TrustAnchors::load(dir_->file("csca.pem"));
  ASSERT_TRUE(anchors.ok());
  auto verified = verifySod(*sod, *anchors);
  ASSERT_TRUE(verified.ok()) << verified.error().message;
  EXPECT_EQ(verified->object, sampleObject());
  writeP7(dir_->file("sod.p7"), *sod);
  EXPECT_EQ(
      run(*dir_, "openssl cms -verify -inform DER -binary -in " + q(dir_->file("sod.p7")) +
                     " -CAfile " + q(dir_->file("csca.pem")) + " -purpose any -out /dev/null"),
      0);
}

/* Puts an AES key into the token through the PKCS#11 API (softhsm2-util
   imports only private keys). */
void createAesKey(const std::string& label, const Bytes& value) {
  void* handle = dlopen(kSoftHsmModule, RTLD_NOW | RTLD_LOCAL);
  ASSERT_NE(handle, nullptr);
  auto getList = reinterpret_cast<CK_C_GetFunctionList>(dlsym(handle, "C_GetFunctionList"));
  CK_FUNCTION_LIST_PTR f = nullptr;
  ASSERT_EQ(getList(&f), CKR_OK);
  CK_RV rv = f->C_Initialize(nullptr);
  ASSERT_TRUE(rv == CKR_OK || rv == CKR_CRYPTOKI_ALREADY_INITIALIZED);
  CK_SLOT_ID slots[8];
  CK_ULONG count = 8;
  ASSERT_EQ(f->C_GetSlotList(CK_TRUE, slots, &count), CKR_OK);
  ASSERT_GE(count, 1u);
  CK_SESSION_HANDLE session = 0;
  ASSERT_EQ(
      f->C_OpenSession(slots[0], CKF_SERIAL_SESSION | CKF_RW_SESSION, nullptr, nullptr, &session),
      CKR_OK);
  std::string pin = "246810";
  rv = f->C_Login(session, CKU_USER, reinterpret_cast<CK_UTF8CHAR_PTR>(pin.data()), pin.size());
  ASSERT_TRUE(rv == CKR_OK || rv == CKR_USER_ALREADY_LOGGED_IN);
  CK_OBJECT_CLASS cls = CKO_SECRET_KEY;
  CK_KEY_TYPE type = CKK_AES;
  CK_BBOOL yes = CK_TRUE;
  std::string name = label;
  Bytes v = value;
  CK_ATTRIBUTE attrs[] = {{CKA_CLASS, &cls, sizeof cls},         {CKA_KEY_TYPE, &type, sizeof type},
                          {CKA_TOKEN, &yes, sizeof yes},         {CKA_SIGN, &yes, sizeof yes},
                          {CKA_LABEL, name.data(), name.size()}, {CKA_VALUE, v.data(), v.size()}};
  CK_OBJECT_HANDLE object = 0;
  EXPECT_EQ(f->C_CreateObject(session, attrs, 6, &object), CKR_OK);
  f->C_CloseSession(session);
}

TEST_F(SoftHsm, MasterKeyDiversifiesInTheToken) {
  for (const Bytes& value : {Bytes(16, 0x5A), Bytes(32, 0xA5)}) {
    const std::string label = "master" + std::to_string(value.size());
    createAesKey(label, value);
    auto token = Pkcs11MasterKey::open({kSoftHsmModule, "DS", label, "246810"});
    ASSERT_TRUE(token.ok()) << token.error().message;
    auto file = FileMasterKey::fromBytes(value, "test");
    ASSERT_TRUE(file.ok());
    const Bytes kdd = {0x00, 0x00, 1, 2, 3, 4, 5, 6, 7, 8};
    for (std::uint8_t type : {0x01, 0x02, 0x03, 0x81}) {
      auto inToken = (*token)->diversify(type, kdd);
      ASSERT_TRUE(inToken.ok()) << inToken.error().message;
      EXPECT_EQ(*inToken, *file->diversify(type, kdd)) << "key type " << int(type);
    }
    EXPECT_EQ((*token)->describe(), "pkcs11:token=DS;object=" + label);
  }
  auto missing = Pkcs11MasterKey::open({kSoftHsmModule, "DS", "no-such-key", "246810"});
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, ErrorCode::NotFound);
  auto noToken = Pkcs11MasterKey::open({kSoftHsmModule, "NOPE", "master16", "246810"});
  ASSERT_FALSE(noToken.ok());
  EXPECT_NE(noToken.error().message.find("no token labelled 'NOPE'"), std::string::npos);
}

}  // namespace
}  // namespace cardd::applets::signing
