#include "key_files.hpp"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <sys/stat.h>

#include <cstdio>
#include <fstream>
#include <iterator>
#include <utility>

namespace cardd::applets::signing {

std::string takeOpenSslError() {
  const unsigned long code = ERR_get_error();
  ERR_clear_error();
  if (code == 0) return "no detail";
  char buf[256];
  ERR_error_string_n(code, buf, sizeof buf);
  return buf;
}

Status checkSecretFilePermissions(const std::string& path, const std::string& what) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    return Error{ErrorCode::NotFound, "cannot open the " + what + " file '" + path + "'"};
  }
  if (!S_ISREG(st.st_mode)) {
    return Error{ErrorCode::InvalidArgument,
                 "the " + what + " file '" + path + "' is not a regular file"};
  }
  if ((st.st_mode & 077) != 0) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
    return Error{ErrorCode::Forbidden, "the " + what + " file '" + path +
                                           "' is readable by group or others (mode " + mode +
                                           "); restrict it with: chmod 600 '" + path + "'"};
  }
  return Ok{};
}

Result<Bytes> readFileBytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error{ErrorCode::NotFound, "cannot open the file '" + path + "'"};
  Bytes data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) return Error{ErrorCode::NotFound, "cannot read the file '" + path + "'"};
  return data;
}

Result<std::vector<X509Ptr>> loadCertificates(const std::string& path) {
  auto bytes = readFileBytes(path);
  if (!bytes) return Error{ErrorCode::NotFound, "cannot open the certificate file '" + path + "'"};
  BioPtr bio(BIO_new_mem_buf(bytes->data(), static_cast<int>(bytes->size())));
  std::vector<X509Ptr> certs;
  while (X509* cert = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)) {
    certs.emplace_back(cert);
  }
  ERR_clear_error();  // the read that ended the loop
  if (certs.empty()) {
    return Error{ErrorCode::InvalidArgument,
                 "the file '" + path + "' holds no PEM certificate (BEGIN CERTIFICATE)"};
  }
  return certs;
}

}  // namespace cardd::applets::signing
