// Fuzzes EF.SOD verification (read back from a chip, so untrusted) against
// a fixed CSCA (the corpus's ef_sod_valid is signed by a document signer it
// issued, valid until 2126; made with the openssl CLI). Invariants: no
// crash; TrustAnchors that remember verified chains (the second call takes
// the path that parses the SOD without its remembered certificate) give the
// same verdict and the same security object as anchors that build the
// chain every time.
#include "fuzz_target.hpp"

#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "sod.hpp"

namespace {

constexpr const char* kCscaPem =
    "-----BEGIN CERTIFICATE-----\n"
    "MIIBqTCCAU+gAwIBAgIUFFTaAciC2H7Ugx1DBI7v3FRGlwIwCgYIKoZIzj0EAwIw\n"
    "ITELMAkGA1UEBhMCWloxEjAQBgNVBAMMCUZ1enogQ1NDQTAgFw0yNjExMjkyMDI1\n"
    "MTVaGA8yMTI2MTEwNTIwMjUxNVowITELMAkGA1UEBhMCWloxEjAQBgNVBAMMCUZ1\n"
    "enogQ1NDQTBZMBMGByqGSM49AgEGCCqGSM49AwEHA0IABPOAc4o4VHl7sWYfCJ4Z\n"
    "i79A6TzuiKjJYks5r/Ek/Ru/xsB/OSYmYpG0zDZpiSvkNka/BPGfyHQjYW64hbRj\n"
    "e2ijYzBhMB0GA1UdDgQWBBT/OTPhhtqDvNeNJp6q+1vL4Vk5ZjAfBgNVHSMEGDAW\n"
    "gBT/OTPhhtqDvNeNJp6q+1vL4Vk5ZjAPBgNVHRMBAf8EBTADAQH/MA4GA1UdDwEB\n"
    "/wQEAwICBDAKBggqhkjOPQQDAgNIADBFAiAusCoKg5fF3s1gF/YZuKJnnYGhf1TV\n"
    "BE0NikssnQuxGgIhAMLLy9k9K9+4qe7alR/HHFUloiDJl1NjJZ1y9Zp7ShOj\n"
    "-----END CERTIFICATE-----\n";

cardd::applets::signing::TrustAnchors loadAnchors() {
  char path[] = "/tmp/cardd-fuzz-csca-XXXXXX";
  const int fd = mkstemp(path);
  if (fd < 0) std::abort();
  const std::string pem(kCscaPem);
  if (write(fd, pem.data(), pem.size()) != static_cast<ssize_t>(pem.size())) std::abort();
  close(fd);
  auto anchors = cardd::applets::signing::TrustAnchors::load(path);
  std::remove(path);
  if (!anchors || !anchors->chains) std::abort();
  return std::move(anchors).value();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace cardd::applets;
  static const signing::TrustAnchors remembering = loadAnchors();
  static const signing::TrustAnchors building = [] {
    signing::TrustAnchors plain;
    for (const auto& cert : remembering.certificates) {
      plain.certificates.push_back(signing::X509Ptr(X509_dup(cert.get())));
    }
    return plain;
  }();
  const ByteView input(data, size);
  auto first = signing::verifySod(input, remembering);
  auto again = signing::verifySod(input, remembering);
  auto built = signing::verifySod(input, building);
  if (first.ok() != built.ok() || again.ok() != built.ok()) std::abort();
  if (built.ok() && (!(first->object == built->object) || !(again->object == built->object))) {
    std::abort();
  }
  return 0;
}
