#include <gtest/gtest.h>

#include "test_hex.hpp"
#include "tlv/header.hpp"
#include "tlv/tlv_node.hpp"
#include "tlv/tlv_reader.hpp"

namespace cardd::applets::tlv {
namespace {

using testing::hex;

TEST(TlvTag, Validity) {
  for (const Tag t : {0x01u, 0x4Fu, 0x5Au, 0x61u, 0x77u, 0x80u, 0x5F1Fu, 0x7F61u, 0x5F2Eu, 0xBF3Eu,
                      0x9F8101u, 0x1F81FF7Fu}) {
    EXPECT_TRUE(isValidTag(t)) << std::hex << t;
  }
  for (const Tag t : {0x00u, 0xFFu, 0x1Fu, 0x5F1Eu /* number < 31 */, 0x5F80u /* not last */,
                      0x5F807Fu /* leading 80 */, 0x5F0101u /* 01 not last */, 0x4F1Fu, 0xFF10u}) {
    EXPECT_FALSE(isValidTag(t)) << std::hex << t;
  }
  EXPECT_TRUE(isConstructed(0x61));
  EXPECT_TRUE(isConstructed(0x7F61));
  EXPECT_FALSE(isConstructed(0x5F1F));
  EXPECT_EQ(tagSize(0x9F8101), 3u);
}

TEST(TlvLength, EncodesMinimalForms) {
  const std::pair<std::size_t, const char*> cases[] = {{0, "00"},
                                                       {0x7F, "7F"},
                                                       {0x80, "8180"},
                                                       {0xFF, "81FF"},
                                                       {0x100, "820100"},
                                                       {0xFFFF, "82FFFF"},
                                                       {0x10000, "83010000"},
                                                       {0x1000000, "8401000000"},
                                                       {0xFFFFFFFF, "84FFFFFFFF"}};
  for (const auto& [len, expect] : cases) {
    Bytes out;
    ASSERT_TRUE(appendLength(out, len).ok());
    EXPECT_EQ(out, hex(expect)) << len;
  }
}

TEST(TlvHeader, DecodesAndRejects) {
  auto h = decodeHeader(hex("5F1F820100"));
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(h->tag, 0x5F1Fu);
  EXPECT_EQ(h->length, 0x100u);
  EXPECT_EQ(h->headerSize, 5u);

  const char* bad[] = {
      "",                   // nothing
      "5F",                 // truncated tag
      "5F81",               // truncated multi-byte tag
      "5F818181817F01",     // tag longer than 4 bytes
      "00 01",              // padding byte as tag
      "5F1F",               // no length
      "5F1F80",             // indefinite
      "5F1F85 0000000001",  // 5 length bytes
      "5F1F82 01",          // truncated length
      "5F1F8105",           // non-minimal
      "5F1F820080",         // non-minimal
  };
  for (const char* b : bad) EXPECT_FALSE(decodeHeader(hex(b)).ok()) << b;
  EXPECT_TRUE(decodeHeader(hex("5F1F8105"), true).ok());
}

TEST(TlvReader, IteratesAndViews) {
  const Bytes data = hex("4F 07 A0000002471001  5F1F 02 AABB  61 05 5A 03 010203");
  TlvReader reader(data);
  std::vector<Tag> tags;
  while (!reader.atEnd()) {
    auto v = reader.next();
    ASSERT_TRUE(v.ok()) << v.error().message;
    tags.push_back(v->tag);
    if (v->tag == 0x61) {
      EXPECT_TRUE(v->constructed());
      auto inner = v->children();
      auto child = inner.next();
      ASSERT_TRUE(child.ok());
      EXPECT_EQ(child->tag, 0x5Au);
      EXPECT_EQ(Bytes(child->value.begin(), child->value.end()), hex("010203"));
      EXPECT_TRUE(inner.atEnd());
    }
  }
  EXPECT_EQ(tags, (std::vector<Tag>{0x4F, 0x5F1F, 0x61}));
  EXPECT_FALSE(reader.next().ok());  // past the end
}

TEST(TlvReader, StopsAfterAnError) {
  const Bytes data = hex("5A 05 0102");  // value runs past the end
  TlvReader reader(data);
  ASSERT_FALSE(reader.atEnd());
  EXPECT_FALSE(reader.next().ok());
  EXPECT_TRUE(reader.atEnd());
}

TEST(TlvReader, PaddingOnlyWhenAllowed) {
  const Bytes data = hex("00 FF 5A 01 01 00 00 5A 01 02 FF");
  EXPECT_FALSE(decodeSequence(data).ok());
  DecodeOptions options;
  options.skipPadding = true;
  auto nodes = decodeSequence(data, options);
  ASSERT_TRUE(nodes.ok());
  EXPECT_EQ(nodes->size(), 2u);
}

TEST(TlvSingle, TrailingBytesAreAnError) {
  EXPECT_TRUE(decodeSingle(hex("5A 01 01")).ok());
  auto trailing = decodeSingle(hex("5A 01 01 00"));
  ASSERT_FALSE(trailing.ok());
  EXPECT_NE(trailing.error().message.find("trailing"), std::string::npos);
  EXPECT_FALSE(decodeSingle(Bytes{}).ok());
  EXPECT_FALSE(decodeNode(hex("5A 01 01 5A 01 02")).ok());
}

TEST(TlvFind, FirstMatchOrNotFound) {
  const Bytes data = hex("5A 01 01  5F20 01 41  5A 01 02");
  auto v = findFirst(data, 0x5A);
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->value[0], 0x01);
  auto missing = findFirst(data, 0x5F2E);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, ErrorCode::NotFound);
}

TEST(TlvNode, BuildsNestedStructuresAndRoundTrips) {
  /* An ICAO-style DG2 skeleton: 75 { 7F61 { 02 01, 7F60 { A1 {..}, 5F2E face } } }. */
  const Bytes face(300, 0xEE);
  const TlvNode dg2 = TlvNode::constructed(
      0x75,
      {TlvNode::constructed(
          0x7F61, {TlvNode::primitive(0x02, {0x01}),
                   TlvNode::constructed(
                       0x7F60, {TlvNode::constructed(0xA1, {TlvNode::primitive(0x81, {0x02})}),
                                TlvNode::primitive(0x5F2E, face)})})});
  auto bytes = dg2.encode();
  ASSERT_TRUE(bytes.ok()) << bytes.error().message;
  EXPECT_EQ(Bytes(bytes->begin(), bytes->begin() + 2), hex("7582"));

  auto decoded = decodeNode(*bytes);
  ASSERT_TRUE(decoded.ok()) << decoded.error().message;
  EXPECT_EQ(*decoded, dg2);
  const TlvNode* image = decoded->findPath({0x7F61, 0x7F60, 0x5F2E});
  ASSERT_NE(image, nullptr);
  EXPECT_EQ(image->value, face);
  EXPECT_EQ(decoded->findPath({0x7F61, 0x99}), nullptr);
  EXPECT_EQ(decoded->findPath({}), &*decoded);
}

TEST(TlvNode, ReencodesStrictInputByteForByte) {
  const Bytes input = hex("6F 10 84 08 A000000151000000 A5 04 9F6501FF");
  auto node = decodeNode(input);
  ASSERT_TRUE(node.ok()) << node.error().message;
  auto again = node->encode();
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, input);
}

TEST(TlvNode, EncodeErrorsAreValues) {
  EXPECT_FALSE(TlvNode::primitive(0x1F, {1}).encode().ok());
  TlvNode primitiveWithChildren = TlvNode::primitive(0x5A, {});
  primitiveWithChildren.children.push_back(TlvNode::primitive(0x5A, {}));
  EXPECT_FALSE(primitiveWithChildren.encode().ok());
  TlvNode constructedWithValue = TlvNode::constructed(0x61, {});
  constructedWithValue.value = {1};
  EXPECT_FALSE(constructedWithValue.encode().ok());
  EXPECT_FALSE(encodeTlv(0x00, Bytes{}).ok());
  auto simple = encodeTlv(0x5F1F, hex("AABB"));
  ASSERT_TRUE(simple.ok());
  EXPECT_EQ(*simple, hex("5F1F02AABB"));
}

TEST(TlvNode, StrictDecodingErrors) {
  const char* bad[] = {
      "61 03 5A 05 01",     // child runs past its parent
      "61 02 5A",           // child header truncated
      "5A 02 01",           // truncated value
      "61 81 03 5A0101",    // non-minimal length
      "61 03 5A 01 01 00",  // trailing byte after the one object (decodeNode)
  };
  for (const char* b : bad) EXPECT_FALSE(decodeNode(hex(b)).ok()) << b;
}

TEST(TlvNode, NestingDepthIsBounded) {
  Bytes deep = hex("5A 00");
  for (int i = 0; i < 40; ++i) {
    Bytes outer{0x61};
    ASSERT_TRUE(appendLength(outer, deep.size()).ok());
    append(outer, deep);
    deep = std::move(outer);
  }
  auto r = decodeNode(deep);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("nesting"), std::string::npos);
  DecodeOptions generous;
  generous.maxDepth = 64;
  EXPECT_TRUE(decodeNode(deep, generous).ok());
}

TEST(TlvSequence, EmptyAndMultiple) {
  auto none = decodeSequence(Bytes{});
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
  auto two = decodeSequence(hex("5A0101 5A0102"));
  ASSERT_TRUE(two.ok());
  ASSERT_EQ(two->size(), 2u);
  auto re = encodeSequence(*two);
  ASSERT_TRUE(re.ok());
  EXPECT_EQ(*re, hex("5A0101 5A0102"));
}

}  // namespace
}  // namespace cardd::applets::tlv
