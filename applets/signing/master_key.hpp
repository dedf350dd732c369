#pragma once
// MasterKeySource: where the station's SCP03 master key lives. The
// personaliser never sees master key bytes: it asks the source for a
// per-card key diversified with the card's KDD (GlobalPlatformPro "KDF3",
// scp03/diversification.hpp), so a source backed by a token can compute the
// CMAC inside it.
//
// FileMasterKey reads the key from a file (32, 48 or 64 hex digits, spaces
// and newlines allowed), refusing a file readable by group or others.
//
// Threading: diversify() is const and safe to call concurrently.

#include <cstdint>
#include <string>

#include "common/bytes.hpp"
#include "core/result.hpp"

namespace cardd::applets::signing {

class MasterKeySource {
 public:
  virtual ~MasterKeySource() = default;

  // KDF3 key of `keyType` (01 ENC, 02 MAC, 03 DEK, or a profile-defined
  // type for other per-card keys) for the card with `kdd`, as long as the
  // master key. Errors: InvalidArgument (empty KDD), Unavailable (a token).
  virtual Result<Bytes> diversify(std::uint8_t keyType, ByteView kdd) const = 0;
  // For logs: where the key is and its key check value, never the key.
  virtual std::string describe() const = 0;
};

class FileMasterKey final : public MasterKeySource {
 public:
  // Errors: Forbidden (permissions, with the chmod fix), NotFound,
  // InvalidArgument (not 16/24/32 bytes of hex).
  static Result<FileMasterKey> load(const std::string& path);
  // From bytes already in memory (tests, other sources).
  static Result<FileMasterKey> fromBytes(Bytes key, std::string origin);

  FileMasterKey(FileMasterKey&&) = default;
  FileMasterKey& operator=(FileMasterKey&&) = default;
  ~FileMasterKey() override;

  Result<Bytes> diversify(std::uint8_t keyType, ByteView kdd) const override;
  std::string describe() const override { return description_; }

 private:
  FileMasterKey() = default;
  Bytes key_;
  std::string description_;
};

}  // namespace cardd::applets::signing
