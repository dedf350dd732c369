#pragma once
// Reading key and certificate files. Secret files (private keys, master
// keys) must not be readable by group or others: a key another account can
// read is a key that can be copied, so loading refuses it and says how to
// fix it. Thread-safe (no shared state).

#include <string>
#include <vector>

#include "common/bytes.hpp"
#include "core/result.hpp"
#include "openssl_util.hpp"

namespace cardd::applets::signing {

// Ok when `path` is a regular file with no group or other permission bits.
// Errors: NotFound (missing / unreadable), Forbidden ("… is readable by group
// or others (mode 0640); run: chmod 600 '<path>'"). `what` names the key in
// the message ("document-signer key").
Status checkSecretFilePermissions(const std::string& path, const std::string& what);

// The whole file. Error: NotFound when it cannot be read.
Result<Bytes> readFileBytes(const std::string& path);

// Every certificate in a PEM file, in file order. Errors: NotFound (cannot
// read), InvalidArgument (no certificate in it).
Result<std::vector<X509Ptr>> loadCertificates(const std::string& path);

}  // namespace cardd::applets::signing
