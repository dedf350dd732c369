#include "apdu/tracing_channel.hpp"

#include <openssl/evp.h>
#include <openssl/rand.h>

#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <ostream>

namespace cardd::applets::apdu {

namespace {

std::string formatMs(std::chrono::steady_clock::duration d) {
  char text[32];
  std::snprintf(text, sizeof text, "%.3fms", std::chrono::duration<double, std::milli>(d).count());
  return text;
}

bool isIdentifierCommand(std::uint8_t ins) {
  switch (ins) {
    case 0xA4:  // SELECT
    case 0xE0:  // CREATE FILE
    case 0xE4:  // DELETE FILE
    case 0xCA:  // GET DATA
    case 0xCB:
    case 0x50:  // INITIALIZE UPDATE
    case 0x70:  // MANAGE CHANNEL
    case 0xF2:  // GET STATUS
      return true;
    default:
      return false;
  }
}

bool isIdentifierResponse(std::uint8_t ins) {
  switch (ins) {
    case 0xA4:
    case 0xCA:
    case 0xCB:
    case 0x50:
    case 0xF2:
      return true;
    default:
      return false;
  }
}

}  // namespace

bool isSecureMessagingCla(std::uint8_t cla) {
  if ((cla & 0xC0) == 0x40) return (cla & 0x20) != 0;
  if (cla == 0xFF) return false;
  return (cla & 0x0C) != 0;
}

bool commandDataVisible(const CommandApdu& command) {
  return !isSecureMessagingCla(command.cla) && isIdentifierCommand(command.ins);
}

bool responseDataVisible(const CommandApdu& command) {
  return !isSecureMessagingCla(command.cla) && isIdentifierResponse(command.ins);
}

TracingChannel::TracingChannel(std::unique_ptr<ApduChannel> inner, ApduTraceSink sink)
    : TracingChannel(std::move(inner), std::move(sink), Options{}) {}

TracingChannel::TracingChannel(std::unique_ptr<ApduChannel> inner, ApduTraceSink sink,
                               Options options)
    : TracingChannel(*inner, std::move(sink), std::move(options)) {
  owned_ = std::move(inner);
}

TracingChannel::TracingChannel(ApduChannel& inner, ApduTraceSink sink, Options options)
    : inner_(&inner), sink_(std::move(sink)), options_(std::move(options)) {
  if (!sink_) std::abort();
  if (options_.salt.empty()) {
    options_.salt.resize(16);
    if (RAND_bytes(options_.salt.data(), static_cast<int>(options_.salt.size())) != 1) {
      std::abort();
    }
  }
  start_ = now();
}

ApduTraceSink TracingChannel::streamSink(std::ostream& out) {
  return [&out](std::string_view line) { out << line << '\n'; };
}

std::chrono::steady_clock::time_point TracingChannel::now() const {
  return options_.clock ? options_.clock() : std::chrono::steady_clock::now();
}

std::string TracingChannel::mask(ByteView data) const {
  std::string text = "<" + std::to_string(data.size()) + " bytes";
  if (options_.hashTags) {
    /* SHA-256 over salt ‖ data; 4 bytes are plenty to tell chunks apart. */
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    Bytes input = options_.salt;
    append(input, data);
    if (EVP_Digest(input.data(), input.size(), digest, &length, EVP_sha256(), nullptr) == 1) {
      std::string hex = toHex(ByteView(digest, 4));
      for (char& c : hex) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      text += " #" + hex;
    }
  }
  return text + ">";
}

Result<ResponseApdu> TracingChannel::transmit(const CommandApdu& command) {
  const auto started = now();
  auto response = inner_->transmit(command);
  const auto ended = now();

  /* Command side: header, Lc and data (or its mask), Le. */
  std::string line;
  if (options_.timing) line += "+" + formatMs(started - start_) + " ";
  line += inner_->describe() + " ";
  const std::uint8_t header[4] = {command.cla, command.ins, command.p1, command.p2};
  line += toHex(ByteView(header, 4));
  if (!command.data.empty()) {
    line += " Lc=" + std::to_string(command.data.size()) + " ";
    line += commandDataVisible(command) ? toHex(command.data) : mask(command.data);
  }
  if (command.ne > 0) line += " Le=" + std::to_string(command.ne);

  /* Response side: SW, Nr and data (or its mask); or the error. */
  line += " => ";
  if (response) {
    char sw[8];
    std::snprintf(sw, sizeof sw, "%04X", static_cast<unsigned>(response->sw));
    line += sw;
    if (!response->data.empty()) {
      line += " Nr=" + std::to_string(response->data.size()) + " ";
      line += responseDataVisible(command) ? toHex(response->data) : mask(response->data);
    }
  } else {
    line += "error: " + response.error().message;
  }
  if (options_.timing) line += " " + formatMs(ended - started);
  sink_(line);
  return response;
}

}  // namespace cardd::applets::apdu
