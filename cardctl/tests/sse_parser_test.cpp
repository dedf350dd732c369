#include <gtest/gtest.h>

#include "client/sse.hpp"

namespace cardd::client {
namespace {

std::vector<SseEvent> drain(SseParser& p) {
  std::vector<SseEvent> out;
  while (auto ev = p.next()) out.push_back(*ev);
  return out;
}

TEST(SseParser, ParsesCarddEvents) {
  SseParser p;
  p.feed("id: 12\nevent: job-state-changed\ndata: {\"seq\":12}\n\n");
  auto events = drain(p);
  ASSERT_EQ(events.size(), 1U);
  EXPECT_EQ(events[0].id, 12U);
  EXPECT_EQ(events[0].event, "job-state-changed");
  EXPECT_EQ(events[0].data, "{\"seq\":12}");
  EXPECT_EQ(p.lastId(), 12U);
}

TEST(SseParser, SkipsHeartbeatsAndEventsWithoutData) {
  SseParser p;
  p.feed(": keepalive\n\n: keepalive\n\nid: 3\nevent: x\n\n");
  EXPECT_TRUE(drain(p).empty());
}

TEST(SseParser, HandlesEverySplitAndLineEnding) {
  const std::string stream =
      "id: 1\r\nevent: a\r\ndata: one\r\n\r\n: hb\r\rid: 2\rdata: two\r\rid: 3\ndata: x\ndata: "
      "y\n\n";
  for (std::size_t split = 0; split <= stream.size(); ++split) {
    SseParser p;
    p.feed(stream.substr(0, split));
    p.feed(stream.substr(split));
    auto events = drain(p);
    ASSERT_EQ(events.size(), 3U) << "split at " << split;
    EXPECT_EQ(events[0].data, "one");
    EXPECT_EQ(events[0].event, "a");
    EXPECT_EQ(events[1].id, 2U);
    EXPECT_EQ(events[1].data, "two");
    EXPECT_EQ(events[1].event, "message");
    EXPECT_EQ(events[2].data, "x\ny");
  }
}

TEST(SseParser, ByteByByte) {
  const std::string stream = "id: 7\ndata: {\"a\": 1}\n\n";
  SseParser p;
  for (char c : stream) {
    EXPECT_FALSE(p.next().has_value());
    p.feed(std::string_view(&c, 1));
  }
  auto ev = p.next();
  ASSERT_TRUE(ev.has_value());
  EXPECT_EQ(ev->data, "{\"a\": 1}");
}

TEST(SseParser, IdPersistsAndBadIdsAreIgnored) {
  SseParser p;
  p.feed("id: 5\ndata: a\n\ndata: b\n\nid: nope\ndata: c\n\nid:6\ndata:d\n\n");
  auto events = drain(p);
  ASSERT_EQ(events.size(), 4U);
  EXPECT_EQ(events[0].id, 5U);
  EXPECT_EQ(events[1].id, 5U);
  EXPECT_EQ(events[2].id, 5U);
  EXPECT_EQ(events[3].id, 6U);
  EXPECT_EQ(events[3].data, "d");
}

TEST(SseParser, IncompleteEventWaits) {
  SseParser p;
  p.feed("id: 1\ndata: a\n");
  EXPECT_FALSE(p.next().has_value());
  EXPECT_EQ(p.lastId(), 0U);
  p.feed("\n");
  EXPECT_TRUE(p.next().has_value());
}

}  // namespace
}  // namespace cardd::client
