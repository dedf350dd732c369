// ScriptedTransport: expectations (split and joined writes), replies played
// back in pieces, scripted timeouts and disconnects, and mismatch reporting.
#include "transport/scripted_transport.hpp"

#include <gtest/gtest.h>

namespace cardd::drivers {
namespace {

using std::chrono::milliseconds;
constexpr milliseconds kT{100};

TEST(ScriptedTransport, FollowsTheScript) {
  ScriptedTransport t(
      {ScriptStep::expect(bytesOf("\x1bRtp\r")), ScriptStep::reply(bytesOf("Evolis Primacy 2\r"))});
  EXPECT_EQ(*t.write(bytesOf("\x1bRtp\r"), kT), LinkState::Ok);
  auto r = t.read(64, kT);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->state, LinkState::Ok);
  EXPECT_EQ(r->bytes, bytesOf("Evolis Primacy 2\r"));
  EXPECT_TRUE(t.done());
  EXPECT_TRUE(t.mismatches().empty());
  EXPECT_EQ(t.written(), bytesOf("\x1bRtp\r"));
  EXPECT_EQ(t.describe(), "scripted:scripted");
}

TEST(ScriptedTransport, WritesMaySplitOrJoinExpectations) {
  ScriptedTransport t({ScriptStep::expect(bytesOf("abc")), ScriptStep::expect(bytesOf("de")),
                       ScriptStep::expect(bytesOf("f"))});
  EXPECT_EQ(*t.write(bytesOf("a"), kT), LinkState::Ok);
  EXPECT_EQ(*t.write(bytesOf("bcd"), kT), LinkState::Ok);
  EXPECT_EQ(t.position(), 1u);
  EXPECT_EQ(*t.write(bytesOf("ef"), kT), LinkState::Ok);
  EXPECT_TRUE(t.done());
  EXPECT_TRUE(t.mismatches().empty());
}

TEST(ScriptedTransport, ReplyIsServedInPiecesOfAtMostMaxBytes) {
  ScriptedTransport t({ScriptStep::reply(bytesOf("OK\r"))});
  EXPECT_EQ(t.read(2, kT)->bytes, bytesOf("OK"));
  EXPECT_FALSE(t.done());
  EXPECT_EQ(t.read(2, kT)->bytes, bytesOf("\r"));
  EXPECT_TRUE(t.done());
}

TEST(ScriptedTransport, WrongBytesAreAMismatchAndConsumeNothing) {
  ScriptedTransport t({ScriptStep::expect(bytesOf("\x1bRtp\r")), ScriptStep::reply(bytesOf("X"))});
  auto w = t.write(bytesOf("\x1bRsn\r"), kT);
  ASSERT_FALSE(w.ok());
  EXPECT_EQ(w.error().code, ErrorCode::Internal);
  ASSERT_EQ(t.mismatches().size(), 1u);
  const ScriptMismatch& m = t.mismatches()[0];
  EXPECT_EQ(m.step, 0u);
  EXPECT_EQ(m.expected, bytesOf("\x1bRtp\r"));
  EXPECT_EQ(m.actual, bytesOf("\x1bRsn\r"));
  EXPECT_NE(m.message.find("step 0"), std::string::npos);
  EXPECT_TRUE(t.written().empty());

  // The script is where it was: the right bytes still pass.
  EXPECT_EQ(*t.write(bytesOf("\x1bRtp\r"), kT), LinkState::Ok);
  EXPECT_EQ(t.read(8, kT)->bytes, bytesOf("X"));
  EXPECT_TRUE(t.done());
}

TEST(ScriptedTransport, WriteLongerThanExpectedIsAMismatch) {
  ScriptedTransport t({ScriptStep::expect(bytesOf("ab")), ScriptStep::reply(bytesOf("X"))});
  EXPECT_FALSE(t.write(bytesOf("abc"), kT).ok());
  ASSERT_EQ(t.mismatches().size(), 1u);
  EXPECT_NE(t.mismatches()[0].message.find("longer"), std::string::npos);
  EXPECT_EQ(t.position(), 0u);
}

TEST(ScriptedTransport, WriteWhileReplyPendingOrAfterTheEndIsAMismatch) {
  ScriptedTransport t({ScriptStep::reply(bytesOf("X"))});
  EXPECT_FALSE(t.write(bytesOf("a"), kT).ok());
  EXPECT_EQ(t.read(8, kT)->bytes, bytesOf("X"));
  EXPECT_FALSE(t.write(bytesOf("b"), kT).ok());
  ASSERT_EQ(t.mismatches().size(), 2u);
  EXPECT_NE(t.mismatches()[0].message.find("reply is pending"), std::string::npos);
  EXPECT_EQ(t.mismatches()[1].step, 1u);
  EXPECT_NE(t.mismatches()[1].message.find("exhausted"), std::string::npos);
}

TEST(ScriptedTransport, ReadWithNothingToSayTimesOut) {
  ScriptedTransport t({ScriptStep::expect(bytesOf("a"))});
  EXPECT_EQ(t.read(8, kT)->state, LinkState::Timeout);
  EXPECT_TRUE(t.mismatches().empty());
  EXPECT_EQ(*t.write(bytesOf("a"), kT), LinkState::Ok);
  EXPECT_EQ(t.read(8, kT)->state, LinkState::Timeout);  // Exhausted.
}

TEST(ScriptedTransport, ScriptedTimeoutAndDisconnect) {
  ScriptedTransport t({ScriptStep::timeout(), ScriptStep::timeout(), ScriptStep::disconnect()});
  EXPECT_EQ(t.read(8, kT)->state, LinkState::Timeout);
  EXPECT_EQ(*t.write(bytesOf("a"), kT), LinkState::Timeout);
  EXPECT_EQ(t.read(8, kT)->state, LinkState::Disconnected);
  EXPECT_TRUE(t.done());
  // Sticky until reset().
  EXPECT_EQ(*t.write(bytesOf("a"), kT), LinkState::Disconnected);
  EXPECT_EQ(t.read(8, kT)->state, LinkState::Disconnected);
  t.reset();
  t.append(ScriptStep::reply(bytesOf("back")));
  EXPECT_EQ(t.read(8, kT)->bytes, bytesOf("back"));
}

TEST(ScriptedTransport, UseAfterCloseIsAnError) {
  ScriptedTransport t({ScriptStep::reply(bytesOf("X"))});
  t.close();
  t.close();
  EXPECT_FALSE(t.write(bytesOf("a"), kT).ok());
  EXPECT_FALSE(t.read(8, kT).ok());
  EXPECT_TRUE(t.mismatches().empty());
}

}  // namespace
}  // namespace cardd::drivers
