#pragma once
// Builders for the LDS1 elementary files (ICAO Doc 9303 part 10): EF.COM,
// DG1 (MRZ), DG2 (face), DG3 (fingerprints) and "field" data groups such as
// DG11 / DG13 whose content is a list of UTF-8 data objects under tags the
// profile chooses. Each returns the whole file content: the data group's
// application tag, its length, and its value.
//
//   EF.COM  60 { 5F01 "0107", 5F36 "040000", 5C dg-tags }
//   DG1     61 { 5F1F mrz }
//   DG2     75 { 7F61 { 02 n, 7F60 { A1 {BHT}, 5F2E record }... } }
//   DG3     63 { 7F61 { 02 n, 7F60 { A1 {BHT}, 5F2E template }... } }
//   fields  tag { [5C tags], t1 v1, t2 v2, ... }
//
// The DG2 record is an ISO/IEC 19794-5 facial record (header "FAC\0",
// version "010\0", one face, image data type JPEG) around the JPEG, which
// is what LDS1 readers (JMRTD, the ICAO test tools) expect. DG3 templates
// are stored as given (opaque); their BHT names the format the profile says.
//
// Pure functions; thread-safe. Errors (InvalidArgument) never quote the
// personal data they were given.

#include <cstdint>
#include <string>
#include <vector>

#include "common/bytes.hpp"
#include "core/result.hpp"
#include "tlv/header.hpp"

namespace cardd::applets::lds {

namespace tag {
inline constexpr tlv::Tag kCom = 0x60;
inline constexpr tlv::Tag kDg1 = 0x61;
inline constexpr tlv::Tag kDg2 = 0x75;
inline constexpr tlv::Tag kDg3 = 0x63;
inline constexpr tlv::Tag kDg11 = 0x6B;
inline constexpr tlv::Tag kDg13 = 0x6D;
inline constexpr tlv::Tag kSod = 0x77;
inline constexpr tlv::Tag kMrz = 0x5F1F;
inline constexpr tlv::Tag kLdsVersion = 0x5F01;
inline constexpr tlv::Tag kUnicodeVersion = 0x5F36;
inline constexpr tlv::Tag kTagList = 0x5C;
inline constexpr tlv::Tag kBiometricGroup = 0x7F61;
inline constexpr tlv::Tag kBiometricTemplate = 0x7F60;
inline constexpr tlv::Tag kBiometricHeader = 0xA1;
inline constexpr tlv::Tag kBiometricData = 0x5F2E;
inline constexpr tlv::Tag kInstanceCount = 0x02;
}  // namespace tag

// Whether `tag` can be written in an LDS file: 1 to 3 bytes, well formed
// as BER, first byte not 00 or FF. Unlike tlv::isValidTag() this accepts the
// two-byte tags with low numbers ICAO 9303 uses (5F01, 5F0E, 5F10, ...),
// which strict BER would write in one byte.
bool isLdsTag(tlv::Tag tag);

// The LDS application tag of data group `number` (1..16), 0 for others.
tlv::Tag dataGroupTag(int number);

// EF.COM for the given data-group tags (in the order given).
Result<Bytes> buildEfCom(const std::vector<tlv::Tag>& dataGroupTags);

// DG1 from the 90 (TD1), 72 (TD2) or 88 (TD3) MRZ characters.
Result<Bytes> buildDg1(const std::string& mrz);

// Width and height from a baseline or progressive JPEG's SOF segment.
struct JpegSize {
  std::uint16_t width = 0;
  std::uint16_t height = 0;
};
Result<JpegSize> jpegSize(ByteView jpeg);

// DG2 with one face. Error: `jpeg` is not a JPEG with a frame header.
Result<Bytes> buildDg2(ByteView jpeg);

// Biometric format (CBEFF format owner / type) of the DG3 templates. The
// default is ISO/IEC JTC1 SC37 (0101) finger minutiae record (0007 is the
// finger image; 0002 is ISO 19794-2 minutiae).
struct BiometricFormat {
  std::uint16_t owner = 0x0101;
  std::uint16_t type = 0x0002;
};

// DG3 with one template per finger. Error: no template, or an empty one.
Result<Bytes> buildDg3(const std::vector<Bytes>& templates, BiometricFormat format = {});

// One data object of a field data group: a primitive tag and its UTF-8 text.
struct FieldItem {
  tlv::Tag tag = 0;
  std::string text;
};

// A data group of UTF-8 items under `groupTag`; with `withTagList` a 5C list
// of the item tags comes first (as DG11 / DG12 require).
Result<Bytes> buildFieldDataGroup(tlv::Tag groupTag, const std::vector<FieldItem>& items,
                                  bool withTagList);

}  // namespace cardd::applets::lds
