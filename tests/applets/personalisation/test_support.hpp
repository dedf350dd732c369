#pragma once
// Shared fixtures of the personalisation tests: a temp directory, a test PKI
// made in-process (CSCA + document signer, EC P-256 or RSA), an in-process
// ApduChannel around a virtual chip that goes through the real APDU codec,
// and a sample e-KTP subject. Key material exists only for the test's life.

#include <gtest/gtest.h>
#include <openssl/ec.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>

#include "apdu/apdu_channel.hpp"
#include "apdu/command_apdu.hpp"
#include "apdu/response_apdu.hpp"
#include "core/card_subject.hpp"
#include "openssl_util.hpp"
#include "virtual_chip/card_applet.hpp"

namespace cardd::applets::testing {

namespace fs = std::filesystem;

class TempDir {
 public:
  TempDir() {
    std::string tmpl = (fs::temp_directory_path() / "cardd-perso-XXXXXX").string();
    if (::mkdtemp(tmpl.data()) == nullptr) ADD_FAILURE() << "mkdtemp failed";
    path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const fs::path& path() const { return path_; }
  std::string file(const std::string& name) const { return (path_ / name).string(); }

 private:
  fs::path path_;
};

inline void writeText(const std::string& path, const std::string& text, mode_t mode = 0600) {
  std::ofstream(path, std::ios::binary) << text;
  ::chmod(path.c_str(), mode);
}

inline signing::PKeyPtr generateKey(bool rsa) {
  return signing::PKeyPtr(rsa ? EVP_RSA_gen(2048) : EVP_EC_gen("P-256"));
}

inline void addExtension(X509* cert, X509* issuer, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
  ASSERT_NE(ext, nullptr);
  X509_add_ext(cert, ext, -1);
  X509_EXTENSION_free(ext);
}

inline signing::X509Ptr makeCertificate(EVP_PKEY* subjectKey, const char* cn, X509* issuer,
                                        EVP_PKEY* issuerKey, bool ca, long serial) {
  signing::X509Ptr cert(X509_new());
  X509_set_version(cert.get(), 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), serial);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 3600L * 24 * 365);
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "C", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("ID"),
                             -1, -1, 0);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(cn),
                             -1, -1, 0);
  X509_set_issuer_name(cert.get(), issuer ? X509_get_subject_name(issuer) : name);
  X509_set_pubkey(cert.get(), subjectKey);
  X509* issuerCert = issuer ? issuer : cert.get();
  addExtension(cert.get(), issuerCert, NID_basic_constraints, ca ? "critical,CA:TRUE" : "CA:FALSE");
  addExtension(cert.get(), issuerCert, NID_key_usage,
               ca ? "critical,keyCertSign,cRLSign" : "critical,digitalSignature");
  X509_sign(cert.get(), issuerKey, EVP_sha256());
  return cert;
}

inline std::string pemOf(X509* cert) {
  signing::BioPtr bio(BIO_new(BIO_s_mem()));
  PEM_write_bio_X509(bio.get(), cert);
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(n));
}

inline std::string pemOf(EVP_PKEY* key) {
  signing::BioPtr bio(BIO_new(BIO_s_mem()));
  PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr);
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(n));
}

// A CSCA and a document signer it issued, written as PEM files in `dir`:
// csca.pem, ds.pem, ds.key (mode 0600).
struct TestPki {
  signing::PKeyPtr cscaKey, dsKey;
  signing::X509Ptr csca, ds;
  std::string cscaPath, dsCertPath, dsKeyPath;

  static TestPki create(const TempDir& dir, bool rsa = false, const std::string& prefix = "") {
    TestPki pki;
    pki.cscaKey = generateKey(rsa);
    pki.dsKey = generateKey(rsa);
    pki.csca = makeCertificate(pki.cscaKey.get(), "Test CSCA", nullptr, pki.cscaKey.get(), true, 1);
    pki.ds = makeCertificate(pki.dsKey.get(), "Test Document Signer", pki.csca.get(),
                             pki.cscaKey.get(), false, 2);
    pki.cscaPath = dir.file(prefix + "csca.pem");
    pki.dsCertPath = dir.file(prefix + "ds.pem");
    pki.dsKeyPath = dir.file(prefix + "ds.key");
    writeText(pki.cscaPath, pemOf(pki.csca.get()), 0644);
    writeText(pki.dsCertPath, pemOf(pki.ds.get()), 0644);
    writeText(pki.dsKeyPath, pemOf(pki.dsKey.get()), 0600);
    return pki;
  }
};

// An ApduChannel to an in-process card: every command is encoded and parsed
// again (as a reader would carry it), every response too. `tamper` may edit
// a response before the host sees it.
class AppletChannel final : public apdu::ApduChannel {
 public:
  explicit AppletChannel(virtual_chip::CardApplet& applet, std::size_t maxData = 65535,
                         std::size_t maxResponse = 65536)
      : applet_(applet), maxData_(maxData), maxResponse_(maxResponse) {}

  Result<apdu::ResponseApdu> transmit(const apdu::CommandApdu& command) override {
    auto wire = apdu::encodeCommandApdu(command);
    if (!wire) return std::move(wire).error();
    auto parsed = apdu::parseCommandApdu(*wire);
    if (!parsed) return std::move(parsed).error();
    if (parsed->data.size() > maxData_ || parsed->ne > maxResponse_) {
      ADD_FAILURE() << "host sent more than the channel carries";
    }
    ++commands_;
    auto response = applet_.process(*parsed);
    if (tamper) tamper(*parsed, response);
    return apdu::parseResponseApdu(response.encode());
  }
  std::size_t maxCommandData() const override { return maxData_; }
  std::size_t maxResponseData() const override { return maxResponse_; }
  std::string describe() const override { return "in-process"; }

  int commands() const { return commands_; }
  std::function<void(const apdu::CommandApdu&, apdu::ResponseApdu&)> tamper;

 private:
  virtual_chip::CardApplet& applet_;
  std::size_t maxData_;
  std::size_t maxResponse_;
  int commands_ = 0;
};

// A few bytes that parse as a JPEG frame header (SOI, APP0-less SOF0 with
// 480 x 640), padded to `size` with an entropy-coded-looking body.
inline Bytes fakeJpeg(std::size_t size) {
  Bytes j = {0xFF, 0xD8, 0xFF, 0xC0, 0x00, 0x11, 0x08, 0x02, 0x80, 0x01, 0xE0,
             0x03, 0x01, 0x22, 0x00, 0x02, 0x11, 0x01, 0x03, 0x11, 0x01};
  for (std::size_t i = j.size(); i + 2 < size; ++i) j.push_back(static_cast<std::uint8_t>(i * 31));
  j.push_back(0xFF);
  j.push_back(0xD9);
  return j;
}

// The person schema's field names (config/schemas/ektp.yaml).
inline std::vector<std::string> ektpFields() {
  return {"nik",
          "name",
          "birth_place",
          "birth_date",
          "sex",
          "blood_type",
          "address.street",
          "address.rt_rw",
          "address.village",
          "address.district",
          "address.city",
          "address.province",
          "religion",
          "marital_status",
          "occupation",
          "citizenship",
          "valid_until"};
}

inline CardSubject sampleSubject(std::size_t photoSize = 12000, int fingers = 2) {
  CardSubject s;
  s.fields = {{"nik", "3174012345670001"},
              {"name", "SITI AMINAH"},
              {"birth_place", "JAKARTA"},
              {"birth_date", "1990-05-17"},
              {"sex", "PEREMPUAN"},
              {"blood_type", "O"},
              {"address.street", "JL. MERDEKA NO. 10"},
              {"address.rt_rw", "003/012"},
              {"address.village", "GAMBIR"},
              {"address.district", "GAMBIR"},
              {"address.city", "JAKARTA PUSAT"},
              {"address.province", "DKI JAKARTA"},
              {"religion", "ISLAM"},
              {"marital_status", "KAWIN"},
              {"occupation", "GURU"},
              {"citizenship", "WNI"},
              {"valid_until", "SEUMUR HIDUP"},
              {"document.number", "A1234567"},
              {"document.issuer", "IDN"},
              {"document.issued", "2026-11-29"},
              {"document.expiry", "2036-11-28"}};
  s.photo_jpeg = fakeJpeg(photoSize);
  for (int f = 0; f < fingers; ++f)
    s.fingerprints.push_back(Bytes(600, static_cast<std::uint8_t>(0x40 + f)));
  return s;
}

inline std::string profilePath(const std::string& name) {
  return std::string(CARDD_PROFILES_DIR) + "/" + name;
}

}  // namespace cardd::applets::testing
