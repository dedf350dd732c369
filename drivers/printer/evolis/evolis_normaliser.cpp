#include "printer/evolis/evolis_normaliser.hpp"

#include <cstdio>

namespace cardd::drivers::evolis {

namespace {

void add(std::vector<StateReason>& out, Condition condition, Severity severity,
         std::string vendor = {}) {
  out.push_back(StateReason{condition, severity, std::move(vendor)});
}

void addFromStatusWords(std::vector<StateReason>& out, const StatusWords& w) {
  using namespace status_bits;
  if (w.information & kInfoRibbonLow) add(out, Condition::MarkerSupplyLow, Severity::Warning);
  if (w.information & kInfoCleaning) add(out, Condition::CleanerLifeAlmostOver, Severity::Warning);
  if (w.information & kInfoCleaningMandatory) {
    add(out, Condition::CleanerLifeAlmostOver, Severity::Error);
  }
  if (w.warning & kWarnFeederEmpty) add(out, Condition::MediaEmpty, Severity::Error);
  if (w.warning & kWarnCoverOpen) add(out, Condition::CoverOpen, Severity::Error);
  if (w.warning & kWarnHopperFull) add(out, Condition::OutputAreaFull, Severity::Error);
  if (w.warning & kWarnCooling) {
    add(out, Condition::Other, Severity::Warning, std::string(kHeadCoolingKeyword));
  }
  if (w.error & kErrMechanical) add(out, Condition::MediaJam, Severity::Error);
  if (w.error & kErrRibbonEnded) add(out, Condition::MarkerSupplyEmpty, Severity::Error);
  if (w.error & kErrHeadTemp) {
    add(out, Condition::Other, Severity::Error, std::string(kHeadCoolingKeyword));
  }
  if (w.error & kErrRejectBoxFull) add(out, Condition::OutputAreaFull, Severity::Error);
}

void addFromFault(std::vector<StateReason>& out, DeviceFault fault) {
  switch (fault) {
    case DeviceFault::Mechanical:
      return add(out, Condition::MediaJam, Severity::Error);
    case DeviceFault::RibbonEnded:
      return add(out, Condition::MarkerSupplyEmpty, Severity::Error);
    case DeviceFault::CoverOpen:
      return add(out, Condition::CoverOpen, Severity::Error);
    case DeviceFault::FeederEmpty:
      return add(out, Condition::MediaEmpty, Severity::Error);
    case DeviceFault::HopperFull:
    case DeviceFault::RejectBoxFull:
      return add(out, Condition::OutputAreaFull, Severity::Error);
    case DeviceFault::HeadTemp:
      return add(out, Condition::Other, Severity::Error, std::string(kHeadCoolingKeyword));
    case DeviceFault::NeedCleaning:
      return add(out, Condition::CleanerLifeAlmostOver, Severity::Error);
  }
}

// `percent`% of `value`, rounded down, without overflow.
std::uint64_t percentOf(std::uint64_t value, std::uint32_t percent) {
  return value / 100 * percent + value % 100 * percent / 100;
}

}  // namespace

Counters normaliseCounters(const EvolisReadings& r) {
  Counters c;
  c.cards = r.cards;
  c.panels = r.panels;
  c.cleanings = r.cleanings;
  c.avg_cards_between_cleanings = r.avg_between_cleanings;
  c.max_cards_between_cleanings = r.max_between_cleanings;
  c.ribbon_capacity = r.ribbon_capacity;
  c.ribbon_remaining = r.ribbon_remaining ? r.ribbon_remaining : r.ribbon_cards_left;
  if (r.cards && r.cards_at_last_cleaning && *r.cards >= *r.cards_at_last_cleaning) {
    c.cards_since_cleaning = *r.cards - *r.cards_at_last_cleaning;
  }
  return c;
}

std::vector<StateReason> normaliseReasons(const EvolisReadings& r, const NormaliserSettings& s) {
  std::vector<StateReason> out;
  if (!r.reachable) {
    add(out, Condition::Offline, Severity::Error);
    return out;
  }

  // Sensors and Rlr replies.
  if (r.cover_mv && *r.cover_mv < s.cover_closed_min_mv) {
    add(out, Condition::CoverOpen, Severity::Error);
  }
  const bool feeder_empty = r.feeder_mv && *r.feeder_mv < s.feeder_loaded_min_mv;
  if (feeder_empty) add(out, Condition::MediaEmpty, Severity::Error);
  if (!feeder_empty && r.feeder_near_empty_mv && *r.feeder_near_empty_mv < s.near_empty_below_mv) {
    add(out, Condition::MediaLow, Severity::Warning);
  }
  if (r.hopper_full && *r.hopper_full) add(out, Condition::OutputAreaFull, Severity::Error);
  if (r.cleaning_due && *r.cleaning_due) {
    add(out, Condition::CleanerLifeAlmostOver, Severity::Warning);
  }

  // Ribbon from the counters: empty at zero, low under either threshold.
  const auto remaining = r.ribbon_remaining ? r.ribbon_remaining : r.ribbon_cards_left;
  if (remaining) {
    const bool low_by_percent =
        r.ribbon_capacity && *remaining <= percentOf(*r.ribbon_capacity, s.ribbon_low_percent);
    if (*remaining == 0) {
      add(out, Condition::MarkerSupplyEmpty, Severity::Error);
    } else if (*remaining <= s.ribbon_low_prints || low_by_percent) {
      add(out, Condition::MarkerSupplyLow, Severity::Warning);
    }
  }

  if (r.status_words) addFromStatusWords(out, *r.status_words);
  if (r.fault) addFromFault(out, *r.fault);
  canonicaliseReasons(out);
  return out;
}

std::string rawStatus(const EvolisReadings& r) {
  if (!r.reachable) return {};
  std::string out;
  const auto add = [&out](std::string_view key, const std::string& value) {
    if (!out.empty()) out += ' ';
    out.append(key).append("=").append(value);
  };
  if (r.cover_mv) add("cover", std::to_string(*r.cover_mv) + "mV");
  if (r.feeder_mv) add("feeder", std::to_string(*r.feeder_mv) + "mV");
  if (r.feeder_near_empty_mv) add("near_empty", std::to_string(*r.feeder_near_empty_mv) + "mV");
  if (r.hopper_full) add("hopper", *r.hopper_full ? "1" : "0");
  if (r.cleaning_due) add("cleaning", *r.cleaning_due ? "1" : "0");
  if (r.card_position) {
    static constexpr std::string_view kPositions[] = {"none", "inside", "contact", "contactless"};
    add("position", std::string(kPositions[static_cast<std::size_t>(*r.card_position)]));
  }
  if (r.status_words) {
    char words[40];
    std::snprintf(words, sizeof words, "%08X/%08X/%08X/%08X", r.status_words->config,
                  r.status_words->information, r.status_words->warning, r.status_words->error);
    add("sw", words);
  }
  if (r.fault) {
    static constexpr std::string_view kFaults[] = {
        "MECHANICAL",  "RIBBON_ENDED",    "COVER_OPEN", "FEEDER_EMPTY",
        "HOPPER_FULL", "REJECT_BOX_FULL", "HEAD_TEMP",  "NEED_CLEANING"};
    add("fault", std::string(kFaults[static_cast<std::size_t>(*r.fault)]));
  }
  return out;
}

PrinterStatus normalise(const EvolisReadings& r, const NormaliserSettings& s) {
  PrinterStatus status;
  status.raw = rawStatus(r);
  status.reasons = normaliseReasons(r, s);
  status.counters = normaliseCounters(r);
  const bool busy = r.reachable && r.card_position && *r.card_position != CardPosition::None;
  status.state = stateFromReasons(status.reasons, busy);
  return status;
}

}  // namespace cardd::drivers::evolis
