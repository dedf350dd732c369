#include "health/duty_governor.hpp"

#include <algorithm>
#include <cmath>

namespace cardd::health {

namespace {
constexpr double kHourMs = 3'600'000.0;
}

DutyGovernor::DutyGovernor(DutyCycle duty) : duty_(duty) {
  duty_.burst = std::max(1, duty_.burst);
  tokens_ = static_cast<double>(duty_.burst);
}

DutyGovernor::Wait DutyGovernor::beforeCard(std::int64_t now_ms) const {
  Wait wait;

  // Pace: the bucket refilled up to now; short of a whole token, wait for it.
  if (duty_.cards_per_hour > 0) {
    const double per_ms = duty_.cards_per_hour / kHourMs;
    const double elapsed = static_cast<double>(std::max<std::int64_t>(now_ms - tokens_at_ms_, 0));
    const double tokens = std::min(static_cast<double>(duty_.burst), tokens_ + elapsed * per_ms);
    if (tokens < 1.0) {
      const auto delay = static_cast<std::int64_t>(std::ceil((1.0 - tokens) / per_ms));
      wait = {std::chrono::milliseconds(delay), Why::Pace};
    }
  }

  // Run / rest: a run that has lasted `run` ends with a rest of `rest`,
  // counted from the last card's start (a gap of `rest` between starts is
  // what starts a new run).
  const auto run_ms = std::chrono::milliseconds(duty_.run).count();
  const auto rest_ms = std::chrono::milliseconds(duty_.rest).count();
  if (run_ms > 0 && rest_ms > 0 && run_start_ms_ && last_start_ms_) {
    const bool continuous = now_ms - *last_start_ms_ < rest_ms;
    if (continuous && now_ms - *run_start_ms_ >= run_ms) {
      const std::int64_t delay = *last_start_ms_ + rest_ms - now_ms;
      if (delay >= wait.delay.count()) wait = {std::chrono::milliseconds(delay), Why::Rest};
    }
  }
  return wait;
}

void DutyGovernor::cardStarted(std::int64_t now_ms) {
  if (duty_.cards_per_hour > 0) {
    const double per_ms = duty_.cards_per_hour / kHourMs;
    const double elapsed = static_cast<double>(std::max<std::int64_t>(now_ms - tokens_at_ms_, 0));
    tokens_ = std::min(static_cast<double>(duty_.burst), tokens_ + elapsed * per_ms);
    // A caller that ignores the governor does not run up a debt.
    tokens_ = std::max(0.0, tokens_ - 1.0);
    tokens_at_ms_ = now_ms;
  }
  const auto rest_ms = std::chrono::milliseconds(duty_.rest).count();
  if (!last_start_ms_ || !run_start_ms_ || now_ms - *last_start_ms_ >= rest_ms) {
    run_start_ms_ = now_ms;
  }
  last_start_ms_ = now_ms;
}

}  // namespace cardd::health
