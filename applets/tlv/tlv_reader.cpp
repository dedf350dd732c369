#include "tlv/tlv_reader.hpp"

namespace cardd::applets::tlv {

TlvReader TlvView::children(const DecodeOptions& options) const {
  return TlvReader(value, options);
}

TlvReader::TlvReader(ByteView bytes, DecodeOptions options) : rest_(bytes), options_(options) {
  skipPadding();
}

void TlvReader::skipPadding() {
  if (!options_.skipPadding) return;
  std::size_t n = 0;
  while (n < rest_.size() && (rest_[n] == 0x00 || rest_[n] == 0xFF)) ++n;
  rest_ = rest_.subspan(n);
}

bool TlvReader::atEnd() const {
  return rest_.empty();
}

Result<TlvView> TlvReader::next() {
  if (rest_.empty()) return Error{ErrorCode::InvalidArgument, "TLV: read past the end"};
  auto header = decodeHeader(rest_, options_.allowNonMinimalLength);
  if (!header) {
    rest_ = {};
    return std::move(header).error();
  }
  const std::size_t available = rest_.size() - header->headerSize;
  if (header->length > available) {
    rest_ = {};
    return Error{ErrorCode::InvalidArgument, "TLV: value runs past the end of the data"};
  }
  TlvView view;
  view.tag = header->tag;
  view.value = rest_.subspan(header->headerSize, header->length);
  view.encoded = rest_.first(header->headerSize + header->length);
  rest_ = rest_.subspan(view.encoded.size());
  skipPadding();
  return view;
}

Result<TlvView> decodeSingle(ByteView bytes, const DecodeOptions& options) {
  TlvReader reader(bytes, options);
  if (reader.atEnd()) return Error{ErrorCode::InvalidArgument, "TLV: no data object"};
  auto view = reader.next();
  if (!view) return view;
  if (!reader.atEnd()) return Error{ErrorCode::InvalidArgument, "TLV: trailing bytes"};
  return view;
}

Result<TlvView> findFirst(ByteView sequence, Tag tag, const DecodeOptions& options) {
  TlvReader reader(sequence, options);
  while (!reader.atEnd()) {
    auto view = reader.next();
    if (!view || view->tag == tag) return view;
  }
  return Error{ErrorCode::NotFound, "TLV: tag not present"};
}

}  // namespace cardd::applets::tlv
