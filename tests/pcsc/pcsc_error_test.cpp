// pcscError(): classification and technician-facing messages.

#include "pcsc/pcsc_error.hpp"

#include <PCSC/winscard.h>
#include <gtest/gtest.h>

namespace cardd::drivers::pcsc {
namespace {

TEST(PcscError, Classification) {
  EXPECT_EQ(classifyPcscCode(SCARD_S_SUCCESS), PcscFailure::None);
  EXPECT_EQ(classifyPcscCode(static_cast<LONG>(SCARD_W_REMOVED_CARD)), PcscFailure::CardRemoved);
  EXPECT_EQ(classifyPcscCode(static_cast<LONG>(SCARD_E_NO_SMARTCARD)), PcscFailure::CardRemoved);
  EXPECT_EQ(classifyPcscCode(static_cast<LONG>(SCARD_E_READER_UNAVAILABLE)),
            PcscFailure::ReaderRemoved);
  EXPECT_EQ(classifyPcscCode(static_cast<LONG>(SCARD_E_UNKNOWN_READER)),
            PcscFailure::ReaderRemoved);
  EXPECT_EQ(classifyPcscCode(static_cast<LONG>(SCARD_E_NO_SERVICE)), PcscFailure::ServiceStopped);
  EXPECT_EQ(classifyPcscCode(static_cast<LONG>(SCARD_E_SERVICE_STOPPED)),
            PcscFailure::ServiceStopped);
  EXPECT_EQ(classifyPcscCode(static_cast<LONG>(SCARD_E_INVALID_HANDLE)),
            PcscFailure::ServiceStopped);
  EXPECT_EQ(classifyPcscCode(static_cast<LONG>(SCARD_E_TIMEOUT)), PcscFailure::Timeout);
  EXPECT_EQ(classifyPcscCode(static_cast<LONG>(SCARD_E_SHARING_VIOLATION)),
            PcscFailure::SharingViolation);
  EXPECT_EQ(classifyPcscCode(static_cast<LONG>(SCARD_E_PROTO_MISMATCH)), PcscFailure::Other);
}

TEST(PcscError, MessagesNameReaderOperationAndPcscText) {
  const Error e =
      pcscError(static_cast<LONG>(SCARD_W_REMOVED_CARD), "transmit", "Station Reader 00 00");
  EXPECT_EQ(e.code, ErrorCode::Unavailable);
  EXPECT_NE(e.message.find("card removed"), std::string::npos) << e.message;
  EXPECT_NE(e.message.find("'Station Reader 00 00'"), std::string::npos) << e.message;
  EXPECT_NE(e.message.find("transmit"), std::string::npos) << e.message;
  EXPECT_NE(e.message.find(pcsc_stringify_error(static_cast<LONG>(SCARD_W_REMOVED_CARD))),
            std::string::npos)
      << e.message;
  EXPECT_NE(e.message.find("0x80100069"), std::string::npos) << e.message;

  const Error s = pcscError(static_cast<LONG>(SCARD_E_NO_SERVICE), "establish context", "");
  EXPECT_NE(s.message.find("pcscd"), std::string::npos) << s.message;
  EXPECT_EQ(s.code, ErrorCode::Unavailable);

  const Error n = pcscError(static_cast<LONG>(SCARD_E_NO_SMARTCARD), "connect", "R");
  EXPECT_EQ(n.message.rfind("no card in reader 'R' during connect", 0), 0u) << n.message;

  const Error o = pcscError(static_cast<LONG>(SCARD_E_PROTO_MISMATCH), "connect", "R");
  EXPECT_EQ(o.code, ErrorCode::Internal);
  EXPECT_EQ(failureSlug(classifyPcscCode(static_cast<LONG>(SCARD_E_SHARING_VIOLATION))),
            "sharing-violation");
}

}  // namespace
}  // namespace cardd::drivers::pcsc
