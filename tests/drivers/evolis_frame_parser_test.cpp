// The printer-side stream splitter: incremental feeding, binary payloads,
// padding, and resynchronisation after malformed frames.
#include "printer/evolis/evolis_frame_parser.hpp"

#include <gtest/gtest.h>

#include "evolis_test_util.hpp"

namespace cardd::drivers::evolis {
namespace {

using testing::bytesOf;
using namespace std::string_view_literals;

// Feeds `stream` in chunks of `chunk` bytes; collects commands and errors.
struct Split {
  std::vector<Command> commands;
  std::vector<std::string> errors;
  std::size_t left_over = 0;
};

Split split(const Bytes& stream, std::size_t chunk) {
  Split out;
  FrameParser parser;
  for (std::size_t off = 0; off < stream.size(); off += chunk) {
    const auto n = std::min(chunk, stream.size() - off);
    parser.feed(std::span<const std::uint8_t>(stream.data() + off, n));
    for (;;) {
      auto frame = parser.next();
      if (!frame.ok()) {
        out.errors.push_back(frame.error().message);
        continue;
      }
      if (!*frame) break;
      out.commands.push_back(std::move(**frame));
    }
  }
  out.left_over = parser.buffered();
  return out;
}

Bytes sampleStream() {
  const std::vector<Command> commands = {
      setErrorMode(ErrorMode::Host),
      setRibbon(Ribbon::Ko),
      startSequence(),
      frontSide(),
      *downloadBitmap(PanelCode::Black, 2, testing::patternedMonoPanel()),
      *downloadCompressed(PanelCode::Overlay, *compressMono(testing::patternedMonoPanel())),
      endSequence(),
      readCardPosition(),
  };
  return *encodeAll(commands);
}

TEST(EvolisFrameParser, SplitsSimpleCommands) {
  auto frames = parseFrames(bytesOf("\x1bPem;2\r\x1bRco;c\r\x1bSs\r"));
  ASSERT_TRUE(frames.ok());
  ASSERT_EQ(frames->size(), 3u);
  EXPECT_EQ((*frames)[0], setErrorMode(ErrorMode::Host));
  EXPECT_EQ((*frames)[1], readCounter(Counter::Cards));
  EXPECT_EQ((*frames)[2], startSequence());
}

TEST(EvolisFrameParser, SameCommandsWhateverTheChunking) {
  const Bytes stream = sampleStream();
  const auto whole = split(stream, stream.size());
  ASSERT_TRUE(whole.errors.empty()) << whole.errors.front();
  ASSERT_EQ(whole.commands.size(), 8u);
  EXPECT_EQ(whole.left_over, 0u);
  EXPECT_EQ(whole.commands[4].payload, testing::patternedMonoPanel());
  EXPECT_EQ(*decompressMono(whole.commands[5].payload), testing::patternedMonoPanel());
  for (const std::size_t chunk : {1u, 2u, 7u, 81u, 4096u}) {
    const auto s = split(stream, chunk);
    EXPECT_TRUE(s.errors.empty()) << chunk;
    EXPECT_EQ(s.commands, whole.commands) << chunk;
  }
}

TEST(EvolisFrameParser, WaitsForTheWholePayload) {
  FrameParser parser;
  const Bytes stream = *encode(*downloadBitmap(PanelCode::Black, 2, Bytes(kMonoPanelBytes, 0x0D)));
  parser.feed(std::span<const std::uint8_t>(stream.data(), stream.size() - 1));
  auto frame = parser.next();
  ASSERT_TRUE(frame.ok());
  EXPECT_FALSE(frame->has_value());  // payload full of CR bytes, closing CR still missing
  parser.feed(std::span<const std::uint8_t>(stream.data() + stream.size() - 1, 1));
  frame = parser.next();
  ASSERT_TRUE(frame.ok());
  ASSERT_TRUE(frame->has_value());
  EXPECT_EQ((*frame)->payload.size(), kMonoPanelBytes);
}

TEST(EvolisFrameParser, SkipsNulPaddingBetweenFrames) {
  Bytes stream = bytesOf("\x1bSe\r");
  stream.insert(stream.end(), 64, 0x00);
  const Bytes more = bytesOf("\x1bRlr;p\r");
  stream.insert(stream.end(), more.begin(), more.end());
  auto frames = parseFrames(stream);
  ASSERT_TRUE(frames.ok());
  EXPECT_EQ(frames->size(), 2u);
}

TEST(EvolisFrameParser, ResynchronisesAfterGarbage) {
  const auto s = split(bytesOf("junk\x1bSs\r\x1b;x\r\x1bSr\r"), 1000);
  EXPECT_EQ(s.errors.size(), 2u);
  ASSERT_EQ(s.commands.size(), 2u);
  EXPECT_EQ(s.commands[0], startSequence());
  EXPECT_EQ(s.commands[1], frontSide());
}

TEST(EvolisFrameParser, RefusesMalformedDownloads) {
  EXPECT_FALSE(parseFrames(bytesOf("\x1b"
                                   "Db;k;3;\x00\r"sv))
                   .ok());  // bad levels
  EXPECT_FALSE(parseFrames(bytesOf("\x1b"
                                   "Db;k;2\r"))
                   .ok());  // no payload
  EXPECT_FALSE(parseFrames(bytesOf("\x1b"
                                   "Dbc;k;2;x;\r"))
                   .ok());  // length not a number
  EXPECT_FALSE(parseFrames(bytesOf("\x1b"
                                   "Dbc;k;2;99999999;"))
                   .ok());  // too long
  EXPECT_FALSE(parseFrames(bytesOf("\x1b"
                                   "Dbc;k;2;2;\x00\x00X"sv))
                   .ok());  // no CR after payload
  auto ok =
      parseFrames(bytesOf("\x1b"
                          "Dbc;k;2;2;\x00\xFF\r"sv));
  ASSERT_TRUE(ok.ok()) << ok.error().message;
  EXPECT_EQ((*ok)[0].payload, (Bytes{0x00, 0xFF}));
}

TEST(EvolisFrameParser, BoundsTheHeader) {
  EXPECT_FALSE(parseFrames(bytesOf("\x1bPr;" + std::string(kMaxHeaderBytes, 'a') + "\r")).ok());
  EXPECT_FALSE(parseFrames(bytesOf("\x1b" + std::string(kMaxHeaderBytes + 1, 'a'))).ok());
  EXPECT_FALSE(parseFrames(bytesOf("\x1bPr;k\x01\r")).ok());
  // An unterminated header is incomplete, not an error, until the stream ends.
  FrameParser parser;
  const Bytes partial = bytesOf("\x1bPr;ymc");
  parser.feed(partial);
  auto frame = parser.next();
  ASSERT_TRUE(frame.ok());
  EXPECT_FALSE(frame->has_value());
  EXPECT_EQ(parser.buffered(), partial.size());
  EXPECT_FALSE(parseFrames(partial).ok());
}

TEST(EvolisFrameParser, KeepsEmptyParameters) {
  auto frames = parseFrames(bytesOf("\x1bPc;k;=;10\r\x1bX;;\r"));
  ASSERT_TRUE(frames.ok());
  EXPECT_EQ((*frames)[0].params, (std::vector<std::string>{"k", "=", "10"}));
  EXPECT_EQ((*frames)[1].params, (std::vector<std::string>{"", ""}));
}

}  // namespace
}  // namespace cardd::drivers::evolis
