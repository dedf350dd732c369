#include "pcsc/apdu_exchange.hpp"

#include "apdu/status_word.hpp"

namespace cardd::drivers::pcsc {

namespace apdu = applets::apdu;

namespace {

Result<apdu::ResponseApdu> exchangeOnce(const RawExchange& raw, const apdu::CommandApdu& command) {
  auto encoded = apdu::encodeCommandApdu(command);
  if (!encoded) return std::move(encoded).error();
  auto answer = raw(*encoded);
  if (!answer) return std::move(answer).error();
  if (answer->size() < 2) {
    return Error{ErrorCode::Internal, "the card answered without a status word"};
  }
  return apdu::parseResponseApdu(*answer);
}

/* One command with the 6Cxx rule: a single re-send with the exact Le. */
Result<apdu::ResponseApdu> exchangeWithLeFix(const RawExchange& raw,
                                             const apdu::CommandApdu& command) {
  auto response = exchangeOnce(raw, command);
  if (!response) return response;
  if (response->sw1() != apdu::sw::kWrongLeSw1) return response;
  apdu::CommandApdu again = command;
  again.ne = apdu::correctLe(response->sw);
  return exchangeOnce(raw, again);
}

}  // namespace

apdu::CommandApdu getResponseCommand(std::uint8_t cla, std::size_t ne) {
  apdu::CommandApdu c;
  /* Keep only the logical channel number: b7 set means a further
     interindustry class (channels 4..19 in b1-b4). */
  c.cla = (cla & 0x40) != 0 ? static_cast<std::uint8_t>(0x40 | (cla & 0x0F))
                            : static_cast<std::uint8_t>(cla & 0x03);
  c.ins = 0xC0;
  c.ne = ne;
  c.form = apdu::LengthForm::Short;
  return c;
}

Result<apdu::ResponseApdu> exchangeResolvingStatus(const RawExchange& raw,
                                                   const apdu::CommandApdu& command) {
  auto first = exchangeWithLeFix(raw, command);
  if (!first) return first;
  apdu::ResponseApdu result = std::move(first).value();

  /* 61xx chain: accumulate the data of each GET RESPONSE. */
  std::size_t rounds = 0;
  while (result.sw1() == apdu::sw::kBytesRemainingSw1) {
    if (++rounds > kMaxGetResponses) {
      return Error{ErrorCode::Internal,
                   "the card kept answering 61xx (more than 300 GET RESPONSEs)"};
    }
    auto next =
        exchangeWithLeFix(raw, getResponseCommand(command.cla, apdu::bytesAvailable(result.sw)));
    if (!next) return next;
    if (result.data.size() + next->data.size() > apdu::kExtendedMaxExpected) {
      return Error{ErrorCode::Internal, "the card's GET RESPONSE chain exceeds 65536 bytes"};
    }
    applets::append(result.data, next->data);
    result.sw = next->sw;
  }
  return result;
}

}  // namespace cardd::drivers::pcsc
