#include "apdu/command_apdu.hpp"

namespace cardd::applets::apdu {

int CommandApdu::caseNumber() const {
  if (data.empty()) return ne == 0 ? 1 : 2;
  return ne == 0 ? 3 : 4;
}

bool CommandApdu::usesExtendedForm() const {
  return apdu::usesExtendedForm(form, data.size(), ne);
}

bool usesExtendedForm(LengthForm form, std::size_t nc, std::size_t ne) {
  switch (form) {
    case LengthForm::Short:
      return false;
    case LengthForm::Extended:
      return nc != 0 || ne != 0;
    case LengthForm::Auto:
      break;
  }
  return nc > kShortMaxData || ne > kShortMaxExpected;
}

Result<Bytes> encodeCommandApdu(const CommandApdu& command) {
  const std::size_t nc = command.data.size();
  const std::size_t ne = command.ne;
  if (nc > kExtendedMaxData) {
    return Error{ErrorCode::InvalidArgument, "C-APDU data longer than 65535 bytes"};
  }
  if (ne > kExtendedMaxExpected) {
    return Error{ErrorCode::InvalidArgument, "C-APDU Ne larger than 65536"};
  }
  const bool extended = command.usesExtendedForm();
  if (!extended && (nc > kShortMaxData || ne > kShortMaxExpected)) {
    return Error{ErrorCode::InvalidArgument, "C-APDU does not fit the short form"};
  }

  Bytes out{command.cla, command.ins, command.p1, command.p2};
  out.reserve(4 + 3 + nc + 3);

  /* Lc and data. In extended form the first length field carries the 00
     marker; a following Le then has no marker of its own (case 4E). */
  if (nc > 0) {
    if (extended) {
      out.push_back(0x00);
      out.push_back(static_cast<std::uint8_t>(nc >> 8));
    }
    out.push_back(static_cast<std::uint8_t>(nc & 0xFF));
    append(out, command.data);
  }

  /* Le: 256 / 65536 encode as all-zero bytes. */
  if (ne > 0) {
    const std::size_t le =
        extended ? (ne == kExtendedMaxExpected ? 0 : ne) : (ne == kShortMaxExpected ? 0 : ne);
    if (extended) {
      if (nc == 0) out.push_back(0x00);
      out.push_back(static_cast<std::uint8_t>(le >> 8));
    }
    out.push_back(static_cast<std::uint8_t>(le & 0xFF));
  }
  return out;
}

Result<CommandApdu> parseCommandApdu(ByteView bytes) {
  if (bytes.size() < 4) return Error{ErrorCode::InvalidArgument, "C-APDU shorter than 4 bytes"};
  CommandApdu c;
  c.cla = bytes[0];
  c.ins = bytes[1];
  c.p1 = bytes[2];
  c.p2 = bytes[3];
  c.form = LengthForm::Short;
  const ByteView body = bytes.subspan(4);
  const std::size_t n = body.size();
  if (n == 0) return c;  // case 1

  /* Short form: B1 != 00, or a lone 00 (case 2S with Ne = 256). */
  if (n == 1) {
    c.ne = body[0] == 0 ? kShortMaxExpected : body[0];
    return c;
  }
  if (body[0] != 0) {
    const std::size_t lc = body[0];
    if (n == 1 + lc) {
      c.data.assign(body.begin() + 1, body.end());
      return c;
    }
    if (n == 2 + lc) {
      c.data.assign(body.begin() + 1, body.end() - 1);
      c.ne = body[n - 1] == 0 ? kShortMaxExpected : body[n - 1];
      return c;
    }
    return Error{ErrorCode::InvalidArgument, "C-APDU length does not match Lc"};
  }

  /* Extended form: B1 = 00 followed by two length bytes. */
  c.form = LengthForm::Extended;
  if (n < 3) return Error{ErrorCode::InvalidArgument, "C-APDU extended length truncated"};
  const std::size_t l = (std::size_t{body[1]} << 8) | body[2];
  if (n == 3) {
    c.ne = l == 0 ? kExtendedMaxExpected : l;
    return c;
  }
  if (l == 0) return Error{ErrorCode::InvalidArgument, "C-APDU extended Lc is zero"};
  if (n == 3 + l) {
    c.data.assign(body.begin() + 3, body.end());
    return c;
  }
  if (n == 5 + l) {
    c.data.assign(body.begin() + 3, body.end() - 2);
    const std::size_t le = (std::size_t{body[n - 2]} << 8) | body[n - 1];
    c.ne = le == 0 ? kExtendedMaxExpected : le;
    return c;
  }
  return Error{ErrorCode::InvalidArgument, "C-APDU length does not match extended Lc"};
}

}  // namespace cardd::applets::apdu
