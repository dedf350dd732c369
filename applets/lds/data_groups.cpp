#include "lds/data_groups.hpp"

#include <utility>

#include "tlv/tlv_node.hpp"

namespace cardd::applets::lds {
namespace {

using tlv::TlvNode;

Bytes textBytes(std::string_view text) {
  return Bytes(text.begin(), text.end());
}

void appendU16(Bytes& out, std::uint16_t v) {
  out.push_back(static_cast<std::uint8_t>(v >> 8));
  out.push_back(static_cast<std::uint8_t>(v & 0xFF));
}

void appendU32(Bytes& out, std::uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) {
    out.push_back(static_cast<std::uint8_t>((v >> shift) & 0xFF));
  }
}

/* The encoded tag bytes (tag lists, and ICAO's low-numbered two-byte
   tags that the strict TLV encoder refuses). */
Result<Bytes> tagBytes(tlv::Tag t) {
  if (!isLdsTag(t)) return Error{ErrorCode::InvalidArgument, "not a usable LDS tag"};
  Bytes out;
  for (int shift = 16; shift >= 0; shift -= 8) {
    const auto b = static_cast<std::uint8_t>((t >> shift) & 0xFF);
    if (!out.empty() || b != 0 || shift == 0) out.push_back(b);
  }
  return out;
}

/* tag ‖ length ‖ value with any LDS tag. */
Status appendLdsTlv(Bytes& out, tlv::Tag t, ByteView value) {
  auto tag = tagBytes(t);
  if (!tag) return std::move(tag).error();
  append(out, *tag);
  auto st = tlv::appendLength(out, value.size());
  if (!st) return st;
  append(out, value);
  return Ok{};
}

/* ISO/IEC 19794-5:2005 facial record: general header, one facial record
   header with no feature points and unspecified attributes, image
   information (full frontal, JPEG), then the image. */
Bytes facialRecord(ByteView jpeg, JpegSize size) {
  constexpr std::uint32_t kGeneralHeader = 14;
  constexpr std::uint32_t kFacialHeader = 20;
  constexpr std::uint32_t kImageInfo = 12;
  const auto facialBlock = static_cast<std::uint32_t>(kFacialHeader + kImageInfo + jpeg.size());
  Bytes r;
  r.reserve(kGeneralHeader + facialBlock);
  for (char c : std::string_view("FAC\0"
                                 "010\0",
                                 8))
    r.push_back(static_cast<std::uint8_t>(c));
  appendU32(r, kGeneralHeader + facialBlock);  // record length
  appendU16(r, 1);                             // number of facial images
  appendU32(r, facialBlock);                   // facial record data length
  appendU16(r, 0);                             // feature points
  r.push_back(0);                              // gender unspecified
  r.push_back(0);                              // eye colour unspecified
  r.push_back(0);                              // hair colour unspecified
  r.insert(r.end(), {0, 0, 0});                // feature mask
  appendU16(r, 0);                             // expression unspecified
  r.insert(r.end(), {0, 0, 0});                // pose angle
  r.insert(r.end(), {0, 0, 0});                // pose angle uncertainty
  r.push_back(0x01);                           // face image type: full frontal
  r.push_back(0x00);                           // image data type: JPEG
  appendU16(r, size.width);
  appendU16(r, size.height);
  r.push_back(0x01);  // colour space: 24-bit RGB
  r.push_back(0x02);  // source type: digital still camera
  appendU16(r, 0);    // device type unspecified
  appendU16(r, 0);    // quality unspecified
  r.insert(r.end(), jpeg.begin(), jpeg.end());
  return r;
}

/* 7F61 { 02 n, 7F60 { A1 {bht}, 5F2E data }... } */
TlvNode biometricGroup(const std::vector<std::pair<std::vector<TlvNode>, Bytes>>& instances) {
  std::vector<TlvNode> children;
  children.push_back(
      TlvNode::primitive(tag::kInstanceCount, {static_cast<std::uint8_t>(instances.size())}));
  for (const auto& [header, data] : instances) {
    children.push_back(TlvNode::constructed(tag::kBiometricTemplate,
                                            {TlvNode::constructed(tag::kBiometricHeader, header),
                                             TlvNode::primitive(tag::kBiometricData, data)}));
  }
  return TlvNode::constructed(tag::kBiometricGroup, std::move(children));
}

Bytes u16(std::uint16_t v) {
  Bytes b;
  appendU16(b, v);
  return b;
}

}  // namespace

bool isLdsTag(tlv::Tag tag) {
  const auto b0 = static_cast<std::uint8_t>(tag >> 16);
  const auto b1 = static_cast<std::uint8_t>(tag >> 8);
  const auto b2 = static_cast<std::uint8_t>(tag);
  if (tag <= 0xFF) return b2 != 0x00 && b2 != 0xFF && (b2 & 0x1F) != 0x1F;
  if (tag <= 0xFFFF) return b1 != 0xFF && (b1 & 0x1F) == 0x1F && b2 != 0 && b2 < 0x80;
  if (tag <= 0xFFFFFF) {
    return b0 != 0xFF && (b0 & 0x1F) == 0x1F && b1 >= 0x80 && b1 != 0x80 && b2 < 0x80;
  }
  return false;
}

tlv::Tag dataGroupTag(int number) {
  static constexpr tlv::Tag kTags[] = {0x61, 0x75, 0x63, 0x76, 0x65, 0x66, 0x67, 0x68,
                                       0x69, 0x6A, 0x6B, 0x6C, 0x6D, 0x6E, 0x6F, 0x70};
  if (number < 1 || number > 16) return 0;
  return kTags[number - 1];
}

Result<Bytes> buildEfCom(const std::vector<tlv::Tag>& dataGroupTags) {
  Bytes list;
  for (auto t : dataGroupTags) {
    auto b = tagBytes(t);
    if (!b) return std::move(b).error();
    append(list, *b);
  }
  Bytes body;
  auto st = appendLdsTlv(body, tag::kLdsVersion, textBytes("0107"));
  if (st) st = appendLdsTlv(body, tag::kUnicodeVersion, textBytes("040000"));
  if (st) st = appendLdsTlv(body, tag::kTagList, list);
  Bytes out;
  if (st) st = appendLdsTlv(out, tag::kCom, body);
  if (!st) return std::move(st).error();
  return out;
}

Result<Bytes> buildDg1(const std::string& mrz) {
  if (mrz.size() != 90 && mrz.size() != 72 && mrz.size() != 88) {
    return Error{ErrorCode::InvalidArgument, "DG1: the MRZ must have 90, 72 or 88 characters"};
  }
  return TlvNode::constructed(tag::kDg1, {TlvNode::primitive(tag::kMrz, textBytes(mrz))}).encode();
}

Result<JpegSize> jpegSize(ByteView jpeg) {
  const auto notJpeg = Error{ErrorCode::InvalidArgument,
                             "the face photo is not a JPEG image (no frame header found)"};
  if (jpeg.size() < 4 || jpeg[0] != 0xFF || jpeg[1] != 0xD8) return notJpeg;
  /* Walk the marker segments up to the first SOFn (C0..CF except C4, C8,
     CC), whose payload is precision(1) height(2) width(2). */
  std::size_t i = 2;
  while (i + 4 <= jpeg.size()) {
    if (jpeg[i] != 0xFF) return notJpeg;
    const std::uint8_t marker = jpeg[i + 1];
    if (marker == 0xFF) {
      ++i;
      continue;
    }
    const std::size_t length = (std::size_t{jpeg[i + 2]} << 8) | jpeg[i + 3];
    if (length < 2 || i + 2 + length > jpeg.size()) return notJpeg;
    const bool sof =
        marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC;
    if (sof) {
      if (length < 7) return notJpeg;
      JpegSize s;
      s.height = static_cast<std::uint16_t>((jpeg[i + 5] << 8) | jpeg[i + 6]);
      s.width = static_cast<std::uint16_t>((jpeg[i + 7] << 8) | jpeg[i + 8]);
      return s;
    }
    if (marker == 0xDA) return notJpeg;  // scan data before any frame header
    i += 2 + length;
  }
  return notJpeg;
}

Result<Bytes> buildDg2(ByteView jpeg) {
  auto size = jpegSize(jpeg);
  if (!size) return std::move(size).error();
  std::vector<TlvNode> bht = {
      TlvNode::primitive(0x80, {0x01, 0x01}),  // ICAO header version 1.1
      TlvNode::primitive(0x81, {0x02}),        // biometric type: facial features
      TlvNode::primitive(0x87, u16(0x0101)),   // format owner: ISO/IEC JTC1 SC37
      TlvNode::primitive(0x88, u16(0x0008)),   // format type: face image (19794-5)
  };
  return TlvNode::constructed(tag::kDg2, {biometricGroup({{bht, facialRecord(jpeg, *size)}})})
      .encode();
}

Result<Bytes> buildDg3(const std::vector<Bytes>& templates, BiometricFormat format) {
  if (templates.empty() || templates.size() > 255) {
    return Error{ErrorCode::InvalidArgument, "DG3: needs 1 to 255 fingerprint templates"};
  }
  std::vector<std::pair<std::vector<TlvNode>, Bytes>> instances;
  for (const auto& t : templates) {
    if (t.empty()) {
      return Error{ErrorCode::InvalidArgument, "DG3: a fingerprint template is empty"};
    }
    instances.push_back(
        {{TlvNode::primitive(0x80, {0x01, 0x01}),
          TlvNode::primitive(0x81, {0x08}),  // biometric type: fingerprint
          TlvNode::primitive(0x87, u16(format.owner)), TlvNode::primitive(0x88, u16(format.type))},
         t});
  }
  return TlvNode::constructed(tag::kDg3, {biometricGroup(instances)}).encode();
}

Result<Bytes> buildFieldDataGroup(tlv::Tag groupTag, const std::vector<FieldItem>& items,
                                  bool withTagList) {
  if (!isLdsTag(groupTag) || !tlv::isConstructed(groupTag)) {
    return Error{ErrorCode::InvalidArgument, "a field data group needs a constructed tag"};
  }
  Bytes body;
  if (withTagList) {
    Bytes list;
    for (const auto& item : items) {
      auto b = tagBytes(item.tag);
      if (!b) return std::move(b).error();
      append(list, *b);
    }
    auto st = appendLdsTlv(body, tag::kTagList, list);
    if (!st) return std::move(st).error();
  }
  for (const auto& item : items) {
    if (!isLdsTag(item.tag) || tlv::isConstructed(item.tag)) {
      return Error{ErrorCode::InvalidArgument, "a field data group item needs a primitive tag"};
    }
    auto st = appendLdsTlv(body, item.tag, textBytes(item.text));
    if (!st) return std::move(st).error();
  }
  Bytes out;
  auto st = appendLdsTlv(out, groupTag, body);
  if (!st) return std::move(st).error();
  return out;
}

}  // namespace cardd::applets::lds
