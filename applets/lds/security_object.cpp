#include "lds/security_object.hpp"

#include <set>
#include <utility>

#include "tlv/tlv_node.hpp"

namespace cardd::applets::lds {
namespace {

using tlv::TlvNode;

constexpr tlv::Tag kSequence = 0x30;
constexpr tlv::Tag kInteger = 0x02;
constexpr tlv::Tag kOctetString = 0x04;
constexpr tlv::Tag kOid = 0x06;
constexpr tlv::Tag kNull = 0x05;

Error malformed(const std::string& what) {
  return Error{ErrorCode::InvalidArgument, "LDS security object: " + what};
}

/* A small non-negative INTEGER (DER: minimal, with a leading 00 when the
   high bit is set). */
Bytes encodeSmallInteger(int v) {
  if (v < 0x80) return {static_cast<std::uint8_t>(v)};
  return {0x00, static_cast<std::uint8_t>(v)};
}

Result<int> decodeSmallInteger(const TlvNode& node) {
  if (node.tag != kInteger || node.value.empty() || node.value.size() > 2) {
    return malformed("expected a small INTEGER");
  }
  if (node.value.size() == 2 && (node.value[0] != 0 || node.value[1] < 0x80)) {
    return malformed("INTEGER is not in DER form");
  }
  if (node.value.size() == 1 && node.value[0] >= 0x80) return malformed("negative INTEGER");
  return static_cast<int>(node.value.back());
}

Status checkHashes(const LdsSecurityObject& object) {
  if (object.hashes.empty()) return malformed("has no data-group hash");
  std::set<int> seen;
  for (const auto& h : object.hashes) {
    if (h.number < 1 || h.number > 16) return malformed("data-group number outside 1..16");
    if (!seen.insert(h.number).second) return malformed("a data group is hashed twice");
    if (h.hash.size() != hashSize(object.algorithm)) {
      return malformed("a hash has the wrong size for " +
                       std::string(hashAlgorithmName(object.algorithm)));
    }
  }
  return Ok{};
}

}  // namespace

std::string_view hashAlgorithmName(HashAlgorithm alg) {
  switch (alg) {
    case HashAlgorithm::Sha256:
      return "sha256";
    case HashAlgorithm::Sha384:
      return "sha384";
    case HashAlgorithm::Sha512:
      return "sha512";
  }
  return "sha256";
}

std::size_t hashSize(HashAlgorithm alg) {
  switch (alg) {
    case HashAlgorithm::Sha256:
      return 32;
    case HashAlgorithm::Sha384:
      return 48;
    case HashAlgorithm::Sha512:
      return 64;
  }
  return 32;
}

Bytes hashAlgorithmOid(HashAlgorithm alg) {
  /* 2.16.840.1.101.3.4.2.{1,2,3} */
  Bytes oid = {0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02};
  oid.push_back(alg == HashAlgorithm::Sha256 ? 0x01 : alg == HashAlgorithm::Sha384 ? 0x02 : 0x03);
  return oid;
}

const DataGroupHash* LdsSecurityObject::find(int number) const {
  for (const auto& h : hashes) {
    if (h.number == number) return &h;
  }
  return nullptr;
}

Result<Bytes> encodeSecurityObject(const LdsSecurityObject& object) {
  auto st = checkHashes(object);
  if (!st) return std::move(st).error();
  std::vector<TlvNode> hashNodes;
  for (const auto& h : object.hashes) {
    hashNodes.push_back(
        TlvNode::constructed(kSequence, {TlvNode::primitive(kInteger, encodeSmallInteger(h.number)),
                                         TlvNode::primitive(kOctetString, h.hash)}));
  }
  return TlvNode::constructed(
             kSequence,
             {TlvNode::primitive(kInteger, encodeSmallInteger(object.version)),
              TlvNode::constructed(kSequence,
                                   {TlvNode::primitive(kOid, hashAlgorithmOid(object.algorithm))}),
              TlvNode::constructed(kSequence, std::move(hashNodes))})
      .encode();
}

Result<LdsSecurityObject> decodeSecurityObject(ByteView der) {
  auto root = tlv::decodeNode(der);
  if (!root) return malformed("is not valid DER (" + root.error().message + ")");
  if (root->tag != kSequence || root->children.size() != 3) {
    return malformed("is not a SEQUENCE of version, algorithm and hashes");
  }
  LdsSecurityObject object;
  auto version = decodeSmallInteger(root->children[0]);
  if (!version) return std::move(version).error();
  if (*version != 0 && *version != 1) return malformed("has an unknown version");
  object.version = *version;

  /* AlgorithmIdentifier: the OID, parameters absent or NULL. */
  const auto& alg = root->children[1];
  if (alg.tag != kSequence || alg.children.empty() || alg.children[0].tag != kOid ||
      alg.children.size() > 2 ||
      (alg.children.size() == 2 &&
       (alg.children[1].tag != kNull || !alg.children[1].value.empty()))) {
    return malformed("has a malformed hash AlgorithmIdentifier");
  }
  bool known = false;
  for (auto candidate : {HashAlgorithm::Sha256, HashAlgorithm::Sha384, HashAlgorithm::Sha512}) {
    if (alg.children[0].value == hashAlgorithmOid(candidate)) {
      object.algorithm = candidate;
      known = true;
    }
  }
  if (!known) return malformed("uses a hash algorithm cardd does not support");

  const auto& list = root->children[2];
  if (list.tag != kSequence) return malformed("data-group hashes are not a SEQUENCE");
  for (const auto& entry : list.children) {
    if (entry.tag != kSequence || entry.children.size() != 2 ||
        entry.children[1].tag != kOctetString) {
      return malformed("has a malformed data-group hash");
    }
    auto number = decodeSmallInteger(entry.children[0]);
    if (!number) return std::move(number).error();
    object.hashes.push_back({*number, entry.children[1].value});
  }
  auto st = checkHashes(object);
  if (!st) return std::move(st).error();
  return object;
}

}  // namespace cardd::applets::lds
