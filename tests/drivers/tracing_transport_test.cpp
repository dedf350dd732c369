// TracingTransport: a small Evolis exchange traced in the diffable form and
// compared with a golden text, with the Db raster payload redacted; the
// redaction rules one by one; the pluggable redactor; optional timestamps.
#include "transport/tracing_transport.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "printer/evolis/evolis_codec.hpp"
#include "printer/evolis/evolis_raster.hpp"
#include "transport/scripted_transport.hpp"

namespace cardd::drivers {
namespace {

using std::chrono::milliseconds;
constexpr milliseconds kT{100};

Bytes wire(const evolis::Command& c) {
  auto bytes = evolis::encode(c);
  EXPECT_TRUE(bytes.ok());
  return bytes.ok() ? *bytes : Bytes{};
}

struct Traced {
  std::vector<std::string> lines;
  ScriptedTransport* fake = nullptr;
  std::unique_ptr<TracingTransport> transport;

  explicit Traced(std::vector<ScriptStep> script, TracingTransport::Options options = {}) {
    auto inner = std::make_unique<ScriptedTransport>(std::move(script), "evolis");
    fake = inner.get();
    transport = std::make_unique<TracingTransport>(
        std::move(inner), [this](std::string_view line) { lines.emplace_back(line); },
        std::move(options));
  }
  std::string text() const {
    std::string out;
    for (const auto& l : lines) out += l + "\n";
    return out;
  }
};

TEST(TracingTransport, EvolisExchangeMatchesGoldenAndHidesTheRaster) {
  // A portrait-like panel of printable bytes: only rule 2 can hide it.
  auto size = evolis::panelBytes(2);
  ASSERT_TRUE(size.ok());
  auto db = evolis::downloadBitmap(evolis::PanelCode::Black, 2, Bytes(*size, 'A'));
  ASSERT_TRUE(db.ok());
  const Bytes db_wire = wire(*db);

  Traced t({ScriptStep::expect(wire(evolis::readModel())),
            ScriptStep::reply(bytesOf("Evolis Primacy 2\r")),
            ScriptStep::expect(wire(evolis::setErrorMode(evolis::ErrorMode::Host))),
            ScriptStep::reply(bytesOf("OK\r")), ScriptStep::expect(db_wire),
            ScriptStep::reply(bytesOf("OK\r")), ScriptStep::timeout()});
  Transport& tr = *t.transport;
  EXPECT_EQ(*tr.write(wire(evolis::readModel()), kT), LinkState::Ok);
  EXPECT_EQ(tr.read(64, kT)->state, LinkState::Ok);
  EXPECT_EQ(*tr.write(wire(evolis::setErrorMode(evolis::ErrorMode::Host)), kT), LinkState::Ok);
  EXPECT_EQ(tr.read(64, kT)->state, LinkState::Ok);
  EXPECT_EQ(*tr.write(db_wire, kT), LinkState::Ok);
  EXPECT_EQ(tr.read(64, kT)->state, LinkState::Ok);
  EXPECT_EQ(tr.read(64, kT)->state, LinkState::Timeout);
  EXPECT_FALSE(tr.write(bytesOf("\x1bRsn\r"), kT).ok());  // Not in the script.
  tr.close();

  EXPECT_EQ(t.text(),
            "> 5 <ESC>Rtp<CR>\n"
            "< 17 Evolis Primacy 2<CR>\n"
            "> 7 <ESC>Pem;2<CR>\n"
            "< 3 OK<CR>\n"
            "> 82305 <ESC>Db;k;2;<82296 bytes redacted><CR>\n"
            "< 3 OK<CR>\n"
            "< [timeout]\n"
            "> 5 <ESC>Rsn<CR> [error: scripted: write does not match step 7 (script exhausted)]\n"
            "- close\n");
  EXPECT_EQ(t.text().find("AAAA"), std::string::npos);
  EXPECT_EQ(tr.describe(), "scripted:evolis");
}

TEST(TracingTransport, DbcPayloadSplitAcrossWritesStaysHidden) {
  auto compressed = evolis::compressMono(Bytes(evolis::kMonoPanelBytes, 0x41));
  ASSERT_TRUE(compressed.ok());
  auto dbc = evolis::downloadCompressed(evolis::PanelCode::Overlay, *compressed);
  ASSERT_TRUE(dbc.ok());
  const Bytes all = wire(*dbc);
  const std::size_t cut = 40;  // Header plus a few payload bytes, then the rest.
  const Bytes first(all.begin(), all.begin() + cut);
  const Bytes rest(all.begin() + cut, all.end());

  Traced t({ScriptStep::expect(all), ScriptStep::expect(wire(evolis::endSequence()))});
  EXPECT_EQ(*t.transport->write(first, kT), LinkState::Ok);
  EXPECT_EQ(*t.transport->write(rest, kT), LinkState::Ok);
  EXPECT_EQ(*t.transport->write(wire(evolis::endSequence()), kT), LinkState::Ok);
  ASSERT_EQ(t.lines.size(), 3u);

  // "Dbc;o;2;" is shown; the length and payload after the 3rd ';' are not.
  const std::string header = "<ESC>Dbc;o;2;";
  const std::size_t hidden_first = cut - 9;  // 1 ESC + 8 header characters.
  EXPECT_EQ(t.lines[0], "> 40 " + header + "<" + std::to_string(hidden_first) + " bytes redacted>");
  EXPECT_EQ(t.lines[1], "> " + std::to_string(rest.size()) + " <" +
                            std::to_string(rest.size() - 1) + " bytes redacted><CR>");
  EXPECT_EQ(t.lines[2], "> 4 <ESC>Se<CR>");  // Hiding ended with the frame.
}

TEST(TracingTransport, LongBinaryRunsAreHiddenShortOnesShown) {
  Bytes reply = bytesOf("ID:");
  reply.insert(reply.end(), 32, 0x00);
  reply.push_back('\r');
  Bytes short_run = bytesOf("S");
  short_run.insert(short_run.end(), 31, 0x00);
  Traced t({ScriptStep::reply(reply), ScriptStep::reply(short_run)});
  EXPECT_EQ(t.transport->read(64, kT)->bytes.size(), 36u);
  EXPECT_EQ(t.transport->read(64, kT)->bytes.size(), 32u);
  EXPECT_EQ(t.lines[0], "< 36 ID:<33 bytes redacted>");  // CR is non-printable: part of the run.
  std::string expected = "< 32 S";
  for (int i = 0; i < 31; ++i) expected += "<00>";
  EXPECT_EQ(t.lines[1], expected);
}

TEST(TracingTransport, RenderingEscapesUnambiguously) {
  const Bytes b = {0x1B, 'a', '<', 0x0D, 0x0A, 0x7F, 0xFF, 'z'};
  EXPECT_EQ(renderBytes(b, {}), "<ESC>a<3C><CR><LF><7F><FF>z");
  const std::vector<ByteRange> hidden = {{1, 2}, {2, 1}, {7, 50}};
  EXPECT_EQ(renderBytes(b, hidden), "<ESC><2 bytes redacted><CR><LF><7F><FF><1 bytes redacted>");
}

TEST(TracingTransport, RedactorIsPluggable) {
  TracingTransport::Options options;
  options.redactor = [](TraceDirection d, std::span<const std::uint8_t> bytes) {
    return d == TraceDirection::Read ? std::vector<ByteRange>{{0, bytes.size()}}
                                     : std::vector<ByteRange>{};
  };
  Traced t({ScriptStep::expect(bytesOf("secret?")), ScriptStep::reply(bytesOf("answer"))},
           std::move(options));
  EXPECT_EQ(*t.transport->write(bytesOf("secret?"), kT), LinkState::Ok);
  EXPECT_EQ(t.transport->read(64, kT)->bytes, bytesOf("answer"));
  EXPECT_EQ(t.text(), "> 7 secret?\n< 6 <6 bytes redacted>\n");

  Traced plain({ScriptStep::reply(Bytes(40, 0x00))},
               TracingTransport::Options{noRedaction(), false, {}});
  EXPECT_EQ(plain.transport->read(64, kT)->bytes.size(), 40u);
  EXPECT_EQ(plain.lines[0].find("redacted"), std::string::npos);
}

TEST(TracingTransport, OptionalRelativeTimestamps) {
  auto now = std::chrono::steady_clock::time_point{};
  TracingTransport::Options options;
  options.timestamps = true;
  options.clock = [&now] { return now; };
  Traced t({ScriptStep::timeout(), ScriptStep::disconnect()}, std::move(options));
  now += std::chrono::microseconds(12345);
  EXPECT_EQ(t.transport->read(8, kT)->state, LinkState::Timeout);
  now += std::chrono::seconds(2);
  EXPECT_EQ(t.transport->read(8, kT)->state, LinkState::Disconnected);
  EXPECT_EQ(t.text(), "+12.345ms < [timeout]\n+2012.345ms < [disconnected]\n");
}

}  // namespace
}  // namespace cardd::drivers
