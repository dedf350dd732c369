#include "tlv/tlv_node.hpp"

#include <utility>

namespace cardd::applets::tlv {

namespace {

Result<std::vector<TlvNode>> decodeLevel(ByteView bytes, const DecodeOptions& options,
                                         std::size_t depth);

Result<TlvNode> nodeFromView(const TlvView& view, const DecodeOptions& options, std::size_t depth) {
  TlvNode node;
  node.tag = view.tag;
  if (!view.constructed()) {
    node.value.assign(view.value.begin(), view.value.end());
    return node;
  }
  if (depth >= options.maxDepth) {
    return Error{ErrorCode::InvalidArgument, "TLV: nesting deeper than allowed"};
  }
  auto children = decodeLevel(view.value, options, depth + 1);
  if (!children) return std::move(children).error();
  node.children = std::move(children).value();
  return node;
}

Result<std::vector<TlvNode>> decodeLevel(ByteView bytes, const DecodeOptions& options,
                                         std::size_t depth) {
  std::vector<TlvNode> nodes;
  TlvReader reader(bytes, options);
  while (!reader.atEnd()) {
    auto view = reader.next();
    if (!view) return std::move(view).error();
    auto node = nodeFromView(*view, options, depth);
    if (!node) return std::move(node).error();
    nodes.push_back(std::move(node).value());
  }
  return nodes;
}

}  // namespace

TlvNode TlvNode::primitive(Tag tag, Bytes value) {
  TlvNode node;
  node.tag = tag;
  node.value = std::move(value);
  return node;
}

TlvNode TlvNode::constructed(Tag tag, std::vector<TlvNode> children) {
  TlvNode node;
  node.tag = tag;
  node.children = std::move(children);
  return node;
}

const TlvNode* TlvNode::find(Tag child) const {
  for (const auto& c : children) {
    if (c.tag == child) return &c;
  }
  return nullptr;
}

const TlvNode* TlvNode::findPath(std::initializer_list<Tag> path) const {
  const TlvNode* at = this;
  for (const Tag t : path) {
    at = at->find(t);
    if (at == nullptr) return nullptr;
  }
  return at;
}

Status TlvNode::encodeTo(Bytes& out) const {
  if (auto s = appendTag(out, tag); !s) return s;
  if (!isConstructed()) {
    if (!children.empty()) {
      return Error{ErrorCode::InvalidArgument, "TLV: primitive tag with children"};
    }
    if (auto s = appendLength(out, value.size()); !s) return s;
    append(out, value);
    return Ok{};
  }
  if (!value.empty()) return Error{ErrorCode::InvalidArgument, "TLV: constructed tag with a value"};

  /* Children are encoded into their own buffer first: the length field comes
     before them and its size depends on theirs. */
  Bytes inner;
  for (const auto& c : children) {
    if (auto s = c.encodeTo(inner); !s) return s;
  }
  if (auto s = appendLength(out, inner.size()); !s) return s;
  append(out, inner);
  return Ok{};
}

Result<Bytes> TlvNode::encode() const {
  Bytes out;
  if (auto s = encodeTo(out); !s) return std::move(s).error();
  return out;
}

Result<Bytes> encodeTlv(Tag tag, ByteView value) {
  Bytes out;
  if (auto s = appendTag(out, tag); !s) return std::move(s).error();
  if (auto s = appendLength(out, value.size()); !s) return std::move(s).error();
  append(out, value);
  return out;
}

Result<Bytes> encodeSequence(const std::vector<TlvNode>& nodes) {
  Bytes out;
  for (const auto& n : nodes) {
    if (auto s = n.encodeTo(out); !s) return std::move(s).error();
  }
  return out;
}

Result<std::vector<TlvNode>> decodeSequence(ByteView bytes, const DecodeOptions& options) {
  return decodeLevel(bytes, options, 0);
}

Result<TlvNode> decodeNode(ByteView bytes, const DecodeOptions& options) {
  auto view = decodeSingle(bytes, options);
  if (!view) return std::move(view).error();
  return nodeFromView(*view, options, 0);
}

}  // namespace cardd::applets::tlv
