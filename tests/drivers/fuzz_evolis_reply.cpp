// Fuzzes Evolis reply parsing: parseReply() and every expect*() interpreter
// on any bytes. Invariants: no crash, and a parsed reply's text is non-empty
// printable ASCII without padding.
#include "fuzz_target.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>

#include "printer/evolis/evolis_reply.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace cardd::drivers::evolis;
  auto reply = parseReply(std::span<const std::uint8_t>(data, size));
  if (!reply) return 0;
  const std::string& text = reply->text;
  if (text.empty() || text.size() > kMaxReplyBytes) std::abort();
  if (text.front() == ' ' || text.back() == ' ') std::abort();
  for (const char c : text) {
    if (c < 0x20 || c > 0x7E) std::abort();
  }
  (void)expectOk(*reply);
  (void)expectText(*reply);
  (void)expectCount(*reply);
  if (auto mv = expectMillivolts(*reply); mv && *mv > 999'999'999u) std::abort();
  (void)expectCardPosition(*reply);
  (void)expectHopperFull(*reply);
  (void)expectCleaningDue(*reply);
  (void)deviceFault(*reply);
  (void)expectStatusWords(*reply);
  auto ribbon = expectRibbonRemaining(*reply);
  if (reply->kind == ReplyKind::Ok && !(ribbon && std::holds_alternative<SpuriousOk>(*ribbon))) {
    std::abort();
  }
  return 0;
}
