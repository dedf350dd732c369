#pragma once
// DutyGovernor: paces one printer to its rated duty cycle, so that a printer
// in a hot room rests before its printhead overheats (field-notes.md:
// printers failed after overtime runs). Pure: time is given by the caller.
//
// Two limits, each off when 0:
//   - cards_per_hour: a token bucket of `burst` cards refilled at
//     cards_per_hour; a card may start when a token is available.
//   - run / rest: after `run` of continuous printing (cards starting less
//     than `rest` apart), the printer rests for `rest` before the next card
//     (counted from the last card's start, so that the rest is exactly the
//     gap that starts a new run).
//     A pause of `rest` or longer between cards (idle, waiting for work)
//     starts a new run.
//
// Threading: none (the printer's worker thread owns its governor).

#include <chrono>
#include <cstdint>
#include <optional>

namespace cardd::health {

struct DutyCycle {
  int cards_per_hour = 0;       // 0: no rate limit
  int burst = 3;                // cards that may start back to back after a rest (>= 1)
  std::chrono::minutes run{0};  // 0: no forced rests
  std::chrono::minutes rest{0};
  bool enabled() const { return cards_per_hour > 0 || (run.count() > 0 && rest.count() > 0); }
};

class DutyGovernor {
 public:
  enum class Why { None, Pace, Rest };
  struct Wait {
    std::chrono::milliseconds delay{0};  // 0: start now
    Why why = Why::None;
  };

  explicit DutyGovernor(DutyCycle duty);

  // How long to wait before the next card may start at `now_ms`.
  Wait beforeCard(std::int64_t now_ms) const;
  // A card starts now (the caller waited as told, or ignores the governor).
  void cardStarted(std::int64_t now_ms);

  const DutyCycle& duty() const { return duty_; }

 private:
  DutyCycle duty_;
  double tokens_;
  std::int64_t tokens_at_ms_ = 0;
  std::optional<std::int64_t> run_start_ms_;
  std::optional<std::int64_t> last_start_ms_;
};

}  // namespace cardd::health
