#pragma once
// Helpers for the health tests (tests/health, and tests/unit through
// "../health/health_test_util.hpp"): records with the fields every one of
// them has, and an alert store that applies an AlertTracker's transitions
// the way the health monitor does (raise, update in place keeping the
// acknowledged state, clear), in memory.

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "health/alert_tracker.hpp"
#include "health/health_types.hpp"

namespace cardd::health::test_support {

// A fault as it is opened; the test sets the optional fields.
inline FaultRecord makeFault(std::int64_t raised_at_ms, std::string device, std::string device_kind,
                             std::string reason, std::string severity) {
  FaultRecord f;
  f.raised_at_ms = raised_at_ms;
  f.device = std::move(device);
  f.device_kind = std::move(device_kind);
  f.reason = std::move(reason);
  f.severity = std::move(severity);
  return f;
}

// An alert as it is raised (state Raised); the test sets the rest.
inline AlertRecord makeAlert(std::string rule, std::string subject, AlertSeverity severity,
                             std::string message, std::int64_t raised_at_ms) {
  AlertRecord a;
  a.rule = std::move(rule);
  a.subject = std::move(subject);
  a.severity = severity;
  a.message = std::move(message);
  a.raised_at_ms = raised_at_ms;
  return a;
}

struct AlertBook {
  std::vector<AlertRecord> all;
  std::int64_t next_id = 1;
  // How many transitions of each kind were applied.
  int raised = 0;
  int updated = 0;
  int cleared = 0;

  std::vector<AlertRecord> open() const {
    std::vector<AlertRecord> out;
    for (const auto& a : all) {
      if (a.state != AlertState::Cleared) out.push_back(a);
    }
    return out;
  }
  AlertRecord* byId(std::int64_t id) {
    for (auto& a : all) {
      if (a.id == id) return &a;
    }
    return nullptr;
  }
  // The first alert of `rule`, open or not.
  AlertRecord* find(std::string_view rule) {
    for (auto& a : all) {
      if (a.rule == rule) return &a;
    }
    return nullptr;
  }
  int count(std::string_view rule) const {
    int n = 0;
    for (const auto& a : all) n += a.rule == rule ? 1 : 0;
    return n;
  }

  // Applies `t` at `now`; every id it names must be in the book.
  void apply(std::int64_t now, const AlertTransitions& t) {
    for (const auto& o : t.raise) {
      AlertRecord a;
      a.id = next_id++;
      a.rule = o.rule;
      a.subject = o.subject;
      a.severity = o.severity;
      a.message = o.message;
      a.value = o.value;
      a.threshold = o.threshold;
      a.raised_at_ms = a.updated_at_ms = now;
      all.push_back(std::move(a));
      ++raised;
    }
    for (const auto& [id, o] : t.update) {
      auto* a = byId(id);
      ASSERT_NE(a, nullptr) << "update of unknown alert " << id;
      a->severity = o.severity;
      a->message = o.message;
      a->value = o.value;
      a->threshold = o.threshold;
      a->updated_at_ms = now;
      ++updated;
    }
    for (auto id : t.clear) {
      auto* a = byId(id);
      ASSERT_NE(a, nullptr) << "clear of unknown alert " << id;
      a->state = AlertState::Cleared;
      a->cleared_at_ms = now;
      ++cleared;
    }
  }
  // One tracker step over the open alerts, applied.
  void step(AlertTracker& tracker, std::int64_t now, const std::vector<Observation>& obs) {
    apply(now, tracker.step(now, open(), obs));
  }
};

}  // namespace cardd::health::test_support
