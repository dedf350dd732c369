// TracingChannel: the line format and, above all, masking: personal data
// sent or received never appears in a trace.

#include "apdu/tracing_channel.hpp"

#include <gtest/gtest.h>

#include <sstream>
#include <vector>

#include "test_hex.hpp"

namespace cardd::applets::apdu {
namespace {

using applets::testing::hex;

// Answers every command from a fixed function; counts calls.
class FakeChannel final : public ApduChannel {
 public:
  std::function<Result<ResponseApdu>(const CommandApdu&)> answer;
  Result<ResponseApdu> transmit(const CommandApdu& c) override { return answer(c); }
  std::size_t maxCommandData() const override { return 255; }
  std::size_t maxResponseData() const override { return 256; }
  std::string describe() const override { return "fake:reader"; }
};

const std::string kName = "SITI NURHALIZA BINTI TARUDDIN";
const std::string kNik = "3171234567890001";

Bytes bytesOf(const std::string& s) {
  return Bytes(s.begin(), s.end());
}

std::string hexOf(const std::string& s) {
  return toHex(bytesOf(s));
}

struct Tracer {
  FakeChannel fake;
  std::vector<std::string> lines;
  std::unique_ptr<TracingChannel> channel;
  std::chrono::steady_clock::time_point t{};

  explicit Tracer(bool timing = false) {
    TracingChannel::Options options;
    options.timing = timing;
    options.salt = hex("00112233445566778899AABBCCDDEEFF");
    options.clock = [this] {
      t += std::chrono::microseconds(250);
      return t;
    };
    channel = std::make_unique<TracingChannel>(
        fake, [this](std::string_view l) { lines.emplace_back(l); }, options);
  }
  std::string all() const {
    std::string s;
    for (const auto& l : lines) s += l + "\n";
    return s;
  }
};

CommandApdu command(std::uint8_t cla, std::uint8_t ins, const Bytes& data, std::size_t ne = 0) {
  CommandApdu c;
  c.cla = cla;
  c.ins = ins;
  c.data = data;
  c.ne = ne;
  return c;
}

// Personal data must not appear in any spelling: raw text, upper or lower hex.
void expectAbsent(const std::string& trace, const std::string& secret) {
  EXPECT_EQ(trace.find(secret), std::string::npos) << trace;
  std::string upper = hexOf(secret);
  EXPECT_EQ(trace.find(upper), std::string::npos) << trace;
  std::string lower = upper;
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  EXPECT_EQ(trace.find(lower), std::string::npos) << trace;
  // A distinctive 8-byte slice too (a chunk boundary may cut the rest).
  EXPECT_EQ(trace.find(upper.substr(4, 16)), std::string::npos) << trace;
}

TEST(TracingChannel, SelectIsShownInTheClear) {
  Tracer tr;
  tr.fake.answer = [](const CommandApdu&) { return ResponseApdu{hex("6F07840500112233"), 0x9000}; };
  auto r = tr.channel->transmit(command(0x00, 0xA4, hex("A0000002471001"), 256));
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(tr.lines.size(), 1u);
  EXPECT_EQ(tr.lines[0],
            "fake:reader 00A40000 Lc=7 A0000002471001 Le=256 => 9000 Nr=8 6F07840500112233");
}

TEST(TracingChannel, UpdateBinaryPutDataVerifyAreMasked) {
  Tracer tr;
  tr.fake.answer = [](const CommandApdu&) { return ResponseApdu{{}, 0x9000}; };
  ASSERT_TRUE(tr.channel->transmit(command(0x00, 0xD6, bytesOf(kName))).ok());
  ASSERT_TRUE(tr.channel->transmit(command(0x00, 0xDA, bytesOf(kNik))).ok());
  ASSERT_TRUE(tr.channel->transmit(command(0x00, 0x20, bytesOf("123456"))).ok());
  ASSERT_TRUE(tr.channel->transmit(command(0x80, 0xE2, bytesOf(kNik))).ok());  // STORE DATA
  const std::string trace = tr.all();
  expectAbsent(trace, kName);
  expectAbsent(trace, kNik);
  EXPECT_EQ(trace.find(hexOf("123456")), std::string::npos) << trace;
  ASSERT_EQ(tr.lines.size(), 4u);
  // Header and length still show; the same data gets the same tag.
  EXPECT_EQ(tr.lines[0].rfind("fake:reader 00D60000 Lc=29 <29 bytes #", 0), 0u) << tr.lines[0];
  const auto tag = [](const std::string& line) { return line.substr(line.find('#'), 9); };
  EXPECT_EQ(tag(tr.lines[1]), tag(tr.lines[3]));
  EXPECT_NE(tag(tr.lines[0]), tag(tr.lines[1]));
}

TEST(TracingChannel, ReadBinaryResponseIsMasked) {
  Tracer tr;
  tr.fake.answer = [](const CommandApdu&) { return ResponseApdu{bytesOf(kName), 0x9000}; };
  auto r = tr.channel->transmit(command(0x00, 0xB0, {}, 256));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->data, bytesOf(kName));  // the caller still gets the data
  expectAbsent(tr.all(), kName);
  EXPECT_NE(tr.lines[0].find("=> 9000 Nr=29 <29 bytes #"), std::string::npos) << tr.lines[0];
}

TEST(TracingChannel, SecureMessagingPayloadsAreMaskedEvenForSelect) {
  Tracer tr;
  tr.fake.answer = [](const CommandApdu&) { return ResponseApdu{bytesOf(kNik), 0x9000}; };
  // SM class (84 = GP with SM; 0C = interindustry SM): even SELECT / GET DATA.
  ASSERT_TRUE(tr.channel->transmit(command(0x84, 0xCA, bytesOf(kNik), 256)).ok());
  ASSERT_TRUE(tr.channel->transmit(command(0x0C, 0xA4, bytesOf(kName))).ok());
  expectAbsent(tr.all(), kNik);
  expectAbsent(tr.all(), kName);
  EXPECT_TRUE(isSecureMessagingCla(0x84));
  EXPECT_TRUE(isSecureMessagingCla(0x0C));
  EXPECT_TRUE(isSecureMessagingCla(0x60));
  EXPECT_FALSE(isSecureMessagingCla(0x80));
  EXPECT_FALSE(isSecureMessagingCla(0x00));
  EXPECT_FALSE(isSecureMessagingCla(0x41));
}

TEST(TracingChannel, GetDataSerialShows) {
  Tracer tr;
  tr.fake.answer = [](const CommandApdu&) { return ResponseApdu{hex("9F7F0412345678"), 0x9000}; };
  ASSERT_TRUE(tr.channel->transmit(command(0x80, 0xCA, {}, 256)).ok());
  EXPECT_NE(tr.lines[0].find("Nr=7 9F7F0412345678"), std::string::npos) << tr.lines[0];
}

TEST(TracingChannel, TagsDependOnTheSaltAndCanBeOff) {
  FakeChannel fake;
  TracingChannel::Options a;
  a.salt = hex("01");
  a.timing = false;
  TracingChannel::Options b = a;
  b.salt = hex("02");
  TracingChannel::Options off = a;
  off.hashTags = false;
  std::vector<std::string> sink;
  TracingChannel ta(
      fake, [&](std::string_view l) { sink.emplace_back(l); }, a);
  TracingChannel tb(
      fake, [&](std::string_view l) { sink.emplace_back(l); }, b);
  TracingChannel toff(
      fake, [&](std::string_view l) { sink.emplace_back(l); }, off);
  EXPECT_NE(ta.mask(bytesOf(kNik)), tb.mask(bytesOf(kNik)));
  EXPECT_EQ(ta.mask(bytesOf(kNik)), ta.mask(bytesOf(kNik)));
  EXPECT_EQ(toff.mask(bytesOf(kNik)), "<16 bytes>");
}

TEST(TracingChannel, ErrorsAndTiming) {
  Tracer tr(true);
  tr.fake.answer = [](const CommandApdu&) -> Result<ResponseApdu> {
    return Error{ErrorCode::Unavailable, "card removed from reader 'R' during transmit"};
  };
  auto r = tr.channel->transmit(command(0x00, 0xB0, {}, 16));
  ASSERT_FALSE(r.ok());
  ASSERT_EQ(tr.lines.size(), 1u);
  // Clock: construction at 250us, start 500us, end 750us.
  EXPECT_EQ(tr.lines[0],
            "+0.250ms fake:reader 00B00000 Le=16 => error: card removed from reader 'R' during "
            "transmit 0.250ms");
}

TEST(TracingChannel, StreamSink) {
  FakeChannel fake;
  fake.answer = [](const CommandApdu&) { return ResponseApdu{{}, 0x6A82}; };
  std::ostringstream out;
  TracingChannel::Options o;
  o.timing = false;
  TracingChannel t(fake, TracingChannel::streamSink(out), o);
  ASSERT_TRUE(t.transmit(command(0x00, 0xA4, hex("3F00"))).ok());
  EXPECT_EQ(out.str(), "fake:reader 00A40000 Lc=2 3F00 => 6A82\n");
}

}  // namespace
}  // namespace cardd::applets::apdu
