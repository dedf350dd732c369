#pragma once
// ScriptedTransport: a fake Transport that follows a script of steps, for
// driver tests and `cardd --simulate` (libusb's UsbChat, OpenSC's
// fuzzer_reader). It checks what the driver writes and plays back what the
// device would say; nothing really waits, so timeouts cost no time.
//
// Steps, consumed in order:
//   expect(bytes)  the driver must write exactly these bytes next. They may
//                  come in one write or split across several, and one write
//                  may cover several consecutive expect steps.
//   reply(bytes)   the device sends these bytes; read() returns up to
//                  max_bytes of them and leaves the rest for the next read.
//   timeout()      the next read() or write() returns LinkState::Timeout.
//   disconnect()   the next call returns Disconnected, and so does every
//                  later call (transport.hpp), until reset().
//
// Calls against the script:
//   write()  Ok when the bytes match the pending expect steps. Otherwise the
//            call is a *mismatch*: it is recorded (mismatches()), returns an
//            Error (Internal, "scripted: write does not match step N") and
//            consumes nothing. A write when the next step is a reply, or
//            when the script is exhausted, is a mismatch too. An empty
//            write is Ok and consumes nothing.
//   read()   Ok with reply bytes; when the next step is an expect (the device
//            waits for a command) or the script is exhausted, Timeout, as a
//            silent device would; this is not a mismatch.
//   After close(): every call returns an Error (InvalidArgument).
// Tests finish with EXPECT_TRUE(t.mismatches().empty()) and EXPECT_TRUE(t.done()).
//
// Threading: as Transport. Inspect the accessors only after the worker thread
// has stopped using the transport (or from that same thread).

#include <cstddef>
#include <cstdint>
#include <deque>
#include <string>
#include <vector>

#include "transport/transport.hpp"

namespace cardd::drivers {

struct ScriptStep {
  enum class Kind { Expect, Reply, Timeout, Disconnect };
  Kind kind = Kind::Expect;
  Bytes bytes;  // Expect and Reply only.

  static ScriptStep expect(Bytes b) { return {Kind::Expect, std::move(b)}; }
  static ScriptStep reply(Bytes b) { return {Kind::Reply, std::move(b)}; }
  static ScriptStep timeout() { return {Kind::Timeout, {}}; }
  static ScriptStep disconnect() { return {Kind::Disconnect, {}}; }

  friend bool operator==(const ScriptStep&, const ScriptStep&) = default;
};

// Convenience for scripts: the bytes of a string, without a terminator.
Bytes bytesOf(std::string_view text);

// One write that did not match the script.
struct ScriptMismatch {
  std::size_t step = 0;  // Index of the step that was pending (== size when exhausted).
  Bytes expected;        // The rest of the pending expect step(s); empty if none.
  Bytes actual;          // The whole write.
  std::string message;   // "write does not match step 3 (expect 5 bytes)".
};

class ScriptedTransport final : public Transport {
 public:
  explicit ScriptedTransport(std::vector<ScriptStep> script = {}, std::string name = "scripted");

  // Adds steps at the end (a --simulate device answering as it goes).
  void append(ScriptStep step);

  // Clears the sticky Disconnected and a close(): the owner "replaced" the
  // transport. The script position is kept.
  void reset();

  // Test-visible state.
  const std::vector<ScriptMismatch>& mismatches() const { return mismatches_; }
  bool done() const { return next_ == script_.size(); }  // Every step consumed.
  std::size_t position() const { return next_; }         // Index of the next step.
  const Bytes& written() const { return written_; }      // Every byte accepted by write().

  // Transport
  [[nodiscard]] Result<LinkState> write(std::span<const std::uint8_t> bytes,
                                        std::chrono::milliseconds timeout) override;
  [[nodiscard]] Result<ReadResult> read(std::size_t max_bytes,
                                        std::chrono::milliseconds timeout) override;
  void close() override { closed_ = true; }
  std::string describe() const override { return "scripted:" + name_; }

 private:
  Error mismatch(std::span<const std::uint8_t> actual, std::string why);

  std::vector<ScriptStep> script_;
  std::string name_;
  std::size_t next_ = 0;    // Index of the next step.
  std::size_t offset_ = 0;  // Bytes of script_[next_] already consumed.
  std::vector<ScriptMismatch> mismatches_;
  Bytes written_;
  bool closed_ = false;
  bool disconnected_ = false;
};

}  // namespace cardd::drivers
