#pragma once
// The LDSSecurityObject of ICAO Doc 9303 part 10 §4.6.2: the eContent of
// EF.SOD, a DER SEQUENCE of the hashes of the data groups.
//
//   LDSSecurityObject ::= SEQUENCE {
//     version             INTEGER (0; 1 with LDS version info, not built),
//     hashAlgorithm       AlgorithmIdentifier (OID, parameters absent),
//     dataGroupHashValues SEQUENCE OF SEQUENCE {
//                           dataGroupNumber INTEGER (1..16),
//                           dataGroupHashValue OCTET STRING } }
//
// Encoding is DER; decoding accepts DER (and a NULL algorithm parameter) and
// refuses anything else. Pure; thread-safe.

#include <string>
#include <vector>

#include "common/bytes.hpp"
#include "core/result.hpp"

namespace cardd::applets::lds {

enum class HashAlgorithm { Sha256, Sha384, Sha512 };

// "sha256", ... (also the profile spelling).
std::string_view hashAlgorithmName(HashAlgorithm alg);
// Digest size in bytes.
std::size_t hashSize(HashAlgorithm alg);
// DER of the OID's content bytes (without tag and length).
Bytes hashAlgorithmOid(HashAlgorithm alg);

struct DataGroupHash {
  int number = 0;  // 1..16
  Bytes hash;
  friend bool operator==(const DataGroupHash&, const DataGroupHash&) = default;
};

struct LdsSecurityObject {
  int version = 0;
  HashAlgorithm algorithm = HashAlgorithm::Sha256;
  std::vector<DataGroupHash> hashes;  // ascending data-group numbers

  // The hash of data group `number`, or nullptr.
  const DataGroupHash* find(int number) const;

  friend bool operator==(const LdsSecurityObject&, const LdsSecurityObject&) = default;
};

// Errors (InvalidArgument): fewer than one hash, a number outside 1..16 or
// repeated, a hash of the wrong size for the algorithm.
Result<Bytes> encodeSecurityObject(const LdsSecurityObject& object);
Result<LdsSecurityObject> decodeSecurityObject(ByteView der);

}  // namespace cardd::applets::lds
