// The PC/SC encoder against real pcsc-lite: a private pcscd (PrivatePcscd)
// with vpcd readers and ChainApplet cards in-process (VpcdConnection).
// Covers reader listing, bounded waits, T=1 connect, GET RESPONSE chains,
// 6Cxx, extended APDUs, card removal, pcscd restart, reader removal and six
// independent readers in one pcscd.
// Skips when pcscd or the vpcd driver is not installed.

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "apdu/tracing_channel.hpp"
#include "chain_applet.hpp"
#include "pcsc/pcsc_context.hpp"
#include "private_pcscd.hpp"
#include "test_hex.hpp"
#include "virtual_chip/vpcd_connection.hpp"

namespace cardd::drivers::pcsc {
namespace {

using namespace std::chrono_literals;
using applets::testing::ChainApplet;
using applets::testing::chainPattern;
using applets::testing::hex;
using applets::testing::kChainAid;
namespace apdu = applets::apdu;
namespace vc = applets::virtual_chip;

apdu::CommandApdu selectChain() {
  apdu::CommandApdu c;
  c.ins = 0xA4;
  c.p1 = 0x04;
  c.data = kChainAid;
  return c;
}

class PcscEncoderTest : public ::testing::Test {
 protected:
  void startPcscd(std::size_t readers) {
    std::string why;
    if (!test::PrivatePcscd::available(&why)) GTEST_SKIP() << why;
    test::PrivatePcscdOptions options;
    options.readers = readers;
    auto started = test::PrivatePcscd::start(options);
    ASSERT_TRUE(started.ok()) << started.error().message;
    pcscd_ = std::move(started).value();
    auto context = PcscContext::establish();
    ASSERT_TRUE(context.ok()) << context.error().message;
    context_ = std::move(context).value();
  }

  void SetUp() override { startPcscd(2); }

  void TearDown() override {
    channel_.reset();
    context_.reset();
    if (card_) card_->disconnect();
    card_.reset();
    if (HasFailure() && pcscd_) std::printf("pcscd log:\n%s\n", pcscd_->log().c_str());
    pcscd_.reset();
  }

  // Inserts the ChainApplet into reader `index` and waits until pcscd sees it.
  void insert(std::size_t index = 0) {
    card_ = std::make_unique<vc::VpcdConnection>(applet_, pcscd_->endpoint(index));
    ASSERT_TRUE(card_->connect().ok());
    auto outcome = context_->waitForCard(pcscd_->readerName(index), 10s);
    ASSERT_TRUE(outcome.ok()) << outcome.error().message;
    ASSERT_EQ(*outcome, WaitOutcome::CardPresent);
  }

  void connect(std::size_t index = 0, ConnectOptions options = {}) {
    auto channel = context_->connect(pcscd_->readerName(index), options);
    ASSERT_TRUE(channel.ok()) << channel.error().message;
    channel_ = std::move(channel).value();
  }

  std::unique_ptr<test::PrivatePcscd> pcscd_;
  std::unique_ptr<PcscContext> context_;
  ChainApplet applet_;
  std::unique_ptr<vc::VpcdConnection> card_;
  std::unique_ptr<PcscCardChannel> channel_;
};

TEST_F(PcscEncoderTest, ListsReadersWaitTimesOutThenSeesTheInsertedCard) {
  auto readers = context_->listReaders();
  ASSERT_TRUE(readers.ok()) << readers.error().message;
  EXPECT_NE(std::find(readers->begin(), readers->end(), pcscd_->readerName(0)), readers->end());
  EXPECT_NE(std::find(readers->begin(), readers->end(), pcscd_->readerName(1)), readers->end());

  auto empty = context_->waitForCard(pcscd_->readerName(0), 300ms);
  ASSERT_TRUE(empty.ok()) << empty.error().message;
  EXPECT_EQ(*empty, WaitOutcome::Timeout);

  insert(0);
  if (HasFatalFailure()) return;
  auto again = context_->waitForCard(pcscd_->readerName(0), 0ms);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, WaitOutcome::CardPresent);

  card_->disconnect();
  auto gone = context_->waitForRemoval(pcscd_->readerName(0), 10s);
  ASSERT_TRUE(gone.ok()) << gone.error().message;
  EXPECT_EQ(*gone, WaitOutcome::CardAbsent);
}

TEST_F(PcscEncoderTest, CancelEndsAWait) {
  std::thread canceller([this] {
    std::this_thread::sleep_for(200ms);
    context_->cancel();
  });
  auto outcome = context_->waitForCard(pcscd_->readerName(1), 20s);
  canceller.join();
  ASSERT_TRUE(outcome.ok()) << outcome.error().message;
  EXPECT_EQ(*outcome, WaitOutcome::Cancelled);
}

TEST_F(PcscEncoderTest, ConnectsT1AndResolvesGetResponseAnd6C) {
  insert();
  if (HasFatalFailure()) return;
  connect();
  if (HasFatalFailure()) return;
  EXPECT_EQ(channel_->protocol(), Protocol::T1);
  EXPECT_EQ(channel_->atr(), applets::testing::kChainAtr);
  EXPECT_EQ(channel_->describe(), "pcsc:" + pcscd_->readerName(0));

  auto selected = channel_->transmit(selectChain());
  ASSERT_TRUE(selected.ok()) << selected.error().message;
  EXPECT_EQ(selected->sw, apdu::sw::kOk);

  // 1000 bytes through a 61xx chain: 61 00, then 256 + 256 + 256 + 232.
  apdu::CommandApdu longData;
  longData.ins = 0xCA;
  longData.p1 = 0x03;
  longData.p2 = 0xE8;
  longData.ne = 256;
  auto chained = channel_->transmit(longData);
  ASSERT_TRUE(chained.ok()) << chained.error().message;
  EXPECT_EQ(chained->sw, apdu::sw::kOk);
  EXPECT_EQ(chained->data, chainPattern(1000));
  EXPECT_EQ(applet_.getResponses(), 4);

  // Wrong Le: 6C 20, re-sent with Le = 32.
  apdu::CommandApdu exact;
  exact.ins = 0xB0;
  exact.p2 = 0x20;
  exact.ne = 256;
  auto fixed = channel_->transmit(exact);
  ASSERT_TRUE(fixed.ok()) << fixed.error().message;
  EXPECT_EQ(fixed->sw, apdu::sw::kOk);
  EXPECT_EQ(fixed->data, chainPattern(32));
  EXPECT_EQ(applet_.wrongLe(), 1);
  EXPECT_EQ(channel_->lastFailure(), PcscFailure::None);
  EXPECT_TRUE(channel_->disconnect(Disposition::Reset).ok());
}

TEST_F(PcscEncoderTest, ExtendedApduOf4KB) {
  insert();
  if (HasFatalFailure()) return;
  connect();
  if (HasFatalFailure()) return;
  EXPECT_EQ(channel_->maxCommandData(), apdu::kExtendedMaxData) << channel_->lengthSource();
  EXPECT_EQ(channel_->maxResponseData(), apdu::kExtendedMaxExpected);
  apdu::CommandApdu echo;
  echo.ins = 0xEE;
  echo.data = chainPattern(4096);
  echo.ne = 4096;
  auto r = channel_->transmit(echo);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->sw, apdu::sw::kOk);
  EXPECT_EQ(r->data, chainPattern(4096));
}

TEST_F(PcscEncoderTest, ShortOnlyPolicyAsksCallersToChunk) {
  insert();
  if (HasFatalFailure()) return;
  ConnectOptions options;
  options.length = LengthPolicy::ShortOnly;
  connect(0, options);
  if (HasFatalFailure()) return;
  EXPECT_EQ(channel_->maxCommandData(), apdu::kShortMaxData);
  apdu::CommandApdu echo;
  echo.ins = 0xEE;
  echo.data = chainPattern(300);
  auto refused = channel_->transmit(echo);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, ErrorCode::InvalidArgument);
  EXPECT_NE(refused.error().message.find("chunks"), std::string::npos);
  echo.data = chainPattern(255);
  auto fits = channel_->transmit(echo);
  ASSERT_TRUE(fits.ok()) << fits.error().message;
  EXPECT_EQ(fits->data, chainPattern(255));

  ConnectOptions capped;
  capped.maxCommandDataOverride = 1000;
  channel_.reset();
  connect(0, capped);
  if (HasFatalFailure()) return;
  EXPECT_EQ(channel_->maxCommandData(), 1000u);
  EXPECT_EQ(channel_->lengthSource(), "override");
}

TEST_F(PcscEncoderTest, CardRemovedMidJobIsAClearError) {
  insert();
  if (HasFatalFailure()) return;
  connect();
  if (HasFatalFailure()) return;
  ASSERT_TRUE(channel_->transmit(selectChain()).ok());
  card_->disconnect();  // the card leaves the contact station
  auto r = channel_->transmit(selectChain());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(channel_->lastFailure(), PcscFailure::CardRemoved) << r.error().message;
  EXPECT_NE(r.error().message.find("card removed from reader '" + pcscd_->readerName(0) + "'"),
            std::string::npos)
      << r.error().message;
  EXPECT_EQ(r.error().code, ErrorCode::Unavailable);
}

TEST_F(PcscEncoderTest, PcscdRestartedMidJobThenRecovers) {
  insert();
  if (HasFatalFailure()) return;
  connect();
  if (HasFatalFailure()) return;
  ASSERT_TRUE(channel_->transmit(selectChain()).ok());

  pcscd_->stop();
  auto r = channel_->transmit(selectChain());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(channel_->lastFailure(), PcscFailure::ServiceStopped) << r.error().message;
  EXPECT_NE(r.error().message.find("pcscd"), std::string::npos) << r.error().message;

  // While pcscd is down, the context says so.
  auto down = context_->listReaders();
  ASSERT_FALSE(down.ok());
  EXPECT_EQ(context_->lastFailure(), PcscFailure::ServiceStopped) << down.error().message;

  ASSERT_TRUE(pcscd_->startAgain().ok());
  auto readers = context_->listReaders();  // re-establishes by itself
  ASSERT_TRUE(readers.ok()) << readers.error().message;
  EXPECT_GE(context_->generation(), 1u);
  auto outcome = context_->waitForCard(pcscd_->readerName(0), 10s);  // vpcd card reconnects
  ASSERT_TRUE(outcome.ok()) << outcome.error().message;
  ASSERT_EQ(*outcome, WaitOutcome::CardPresent);
  channel_.reset();
  connect();
  if (HasFatalFailure()) return;
  auto again = channel_->transmit(selectChain());
  ASSERT_TRUE(again.ok()) << again.error().message;
  EXPECT_EQ(again->sw, apdu::sw::kOk);
}

TEST_F(PcscEncoderTest, UnknownReaderIsReaderRemoved) {
  auto outcome = context_->waitForCard("No Such Reader 00 00", 1s);
  ASSERT_FALSE(outcome.ok());
  EXPECT_EQ(context_->lastFailure(), PcscFailure::ReaderRemoved) << outcome.error().message;
  EXPECT_NE(outcome.error().message.find("'No Such Reader 00 00' is not available"),
            std::string::npos)
      << outcome.error().message;
  auto channel = context_->connect("No Such Reader 00 00");
  ASSERT_FALSE(channel.ok());
  EXPECT_EQ(context_->lastFailure(), PcscFailure::ReaderRemoved) << channel.error().message;
}

TEST_F(PcscEncoderTest, SharingViolationAndTransactions) {
  insert();
  if (HasFatalFailure()) return;
  connect();  // exclusive
  if (HasFatalFailure()) return;
  auto other = PcscContext::establish();
  ASSERT_TRUE(other.ok());
  auto second = (*other)->connect(pcscd_->readerName(0));
  ASSERT_FALSE(second.ok());
  EXPECT_EQ((*other)->lastFailure(), PcscFailure::SharingViolation) << second.error().message;
  EXPECT_NE(second.error().message.find("another program holds the card"), std::string::npos);

  channel_.reset();
  ConnectOptions shared;
  shared.share = ShareMode::Shared;
  connect(0, shared);
  if (HasFatalFailure()) return;
  ASSERT_TRUE(channel_->beginTransaction().ok());
  EXPECT_TRUE(channel_->transmit(selectChain()).ok());
  EXPECT_TRUE(channel_->endTransaction().ok());
  EXPECT_TRUE(channel_->reconnect(Disposition::Reset).ok());
  EXPECT_TRUE(channel_->transmit(selectChain()).ok());
}

TEST_F(PcscEncoderTest, TraceOfARealExchange) {
  insert();
  if (HasFatalFailure()) return;
  connect();
  if (HasFatalFailure()) return;
  std::vector<std::string> lines;
  apdu::TracingChannel::Options options;
  options.timing = false;
  apdu::TracingChannel traced(
      *channel_, [&](std::string_view l) { lines.emplace_back(l); }, options);
  ASSERT_TRUE(traced.transmit(selectChain()).ok());
  apdu::CommandApdu echo;
  echo.ins = 0xEE;
  echo.data = hex("4E494B3A33313731");  // "NIK:3171"
  ASSERT_TRUE(traced.transmit(echo).ok());
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0], "pcsc:" + pcscd_->readerName(0) + " 00A40400 Lc=7 F0636172646402 => 9000");
  EXPECT_EQ(lines[1].find("4E494B"), std::string::npos) << lines[1];
  EXPECT_NE(lines[1].find("Lc=8 <8 bytes #"), std::string::npos) << lines[1];
}

TEST_F(PcscEncoderTest, ReaderUnpluggedMidJob) {
  insert(1);
  if (HasFatalFailure()) return;
  connect(1);
  if (HasFatalFailure()) return;
  ASSERT_TRUE(channel_->transmit(selectChain()).ok());

  // The encoder disappears (pcscd comes back without the vpcd entry).
  auto removed = pcscd_->restartWithReaders(0);
  ASSERT_TRUE(removed.ok()) << removed.error().message;
  auto r = channel_->transmit(selectChain());
  ASSERT_FALSE(r.ok());
  auto channel = context_->connect(pcscd_->readerName(1));
  ASSERT_FALSE(channel.ok());
  EXPECT_EQ(context_->lastFailure(), PcscFailure::ReaderRemoved) << channel.error().message;
  EXPECT_NE(channel.error().message.find("reader '" + pcscd_->readerName(1) + "' is not available"),
            std::string::npos)
      << channel.error().message;
  auto wait = context_->waitForCard(pcscd_->readerName(1), 1s);
  ASSERT_FALSE(wait.ok());
  EXPECT_EQ(context_->lastFailure(), PcscFailure::ReaderRemoved) << wait.error().message;
  auto readers = context_->listReaders();
  ASSERT_TRUE(readers.ok()) << readers.error().message;
  EXPECT_TRUE(readers->empty());

  // Plugged back in: the reader and the card come back.
  auto restored = pcscd_->restartWithReaders(2);
  ASSERT_TRUE(restored.ok()) << restored.error().message;
  auto back = context_->waitForCard(pcscd_->readerName(1), 10s);
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(*back, WaitOutcome::CardPresent);
}

// Six readers in one pcscd (three vpcd entries, each on its own driver copy):
// cards in readers 0, 3 and 5 answer through their own reader, the others
// stay empty.
class SixReaderTest : public PcscEncoderTest {
 protected:
  void SetUp() override { startPcscd(6); }
};

TEST_F(SixReaderTest, CardsInReaders0And3And5AnswerTheOthersStayEmpty) {
  ASSERT_EQ(pcscd_->readers().size(), 6u);
  auto readers = context_->listReaders();
  ASSERT_TRUE(readers.ok()) << readers.error().message;
  for (std::size_t i = 0; i < 6; ++i) {
    EXPECT_EQ(std::count(readers->begin(), readers->end(), pcscd_->readerName(i)), 1)
        << pcscd_->readerName(i);
  }

  const std::vector<std::size_t> withCard = {0, 3, 5};
  std::vector<std::unique_ptr<ChainApplet>> applets;
  std::vector<std::unique_ptr<vc::VpcdConnection>> links;
  for (std::size_t index : withCard) {
    applets.push_back(std::make_unique<ChainApplet>());
    links.push_back(std::make_unique<vc::VpcdConnection>(*applets.back(), pcscd_->endpoint(index)));
    ASSERT_TRUE(links.back()->connect().ok());
  }
  for (std::size_t n = 0; n < withCard.size(); ++n) {
    const std::string& reader = pcscd_->readerName(withCard[n]);
    auto present = context_->waitForCard(reader, 10s);
    ASSERT_TRUE(present.ok()) << present.error().message;
    ASSERT_EQ(*present, WaitOutcome::CardPresent) << reader;
    auto channel = context_->connect(reader);
    ASSERT_TRUE(channel.ok()) << channel.error().message;
    const int before = applets[n]->commands();
    auto selected = (*channel)->transmit(selectChain());
    ASSERT_TRUE(selected.ok()) << selected.error().message;
    EXPECT_EQ(selected->sw, apdu::sw::kOk) << reader;
    // The SELECT reached this reader's card and no other.
    for (std::size_t m = 0; m < applets.size(); ++m) {
      EXPECT_EQ(applets[m]->commands(), m == n ? before + 1 : (m < n ? 1 : 0)) << reader;
    }
  }
  for (std::size_t index : std::vector<std::size_t>{1, 2, 4}) {
    auto empty = context_->waitForCard(pcscd_->readerName(index), 500ms);
    ASSERT_TRUE(empty.ok()) << empty.error().message;
    EXPECT_EQ(*empty, WaitOutcome::Timeout) << pcscd_->readerName(index);
  }
  for (auto& link : links) link->disconnect();
}

}  // namespace
}  // namespace cardd::drivers::pcsc
