#pragma once
// Time goes through Clock so that tests can move it by hand. Wall time is in
// milliseconds since the Unix epoch (what the store keeps).

#include <chrono>
#include <cstdint>
#include <string>

namespace cardd {

class Clock {
 public:
  virtual ~Clock() = default;
  // Milliseconds since the Unix epoch.
  virtual std::int64_t nowMs() const = 0;
};

class SystemClock final : public Clock {
 public:
  std::int64_t nowMs() const override;
};

// A clock that only moves when told to. Not thread-safe.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(std::int64_t start_ms) : now_ms_(start_ms) {}
  std::int64_t nowMs() const override { return now_ms_; }
  void advance(std::chrono::milliseconds d) { now_ms_ += d.count(); }

 private:
  std::int64_t now_ms_;
};

// RFC 3339 UTC with milliseconds: "2026-11-29T11:20:50.123Z".
std::string formatTimestamp(std::int64_t ms_since_epoch);

}  // namespace cardd
