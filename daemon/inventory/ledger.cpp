#include "inventory/ledger.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>

namespace cardd {
namespace {

constexpr std::array<std::string_view, 7> kKindNames = {
    "receipt", "load", "unload", "issued", "spoiled", "destroyed", "adjustment"};
constexpr std::array<std::string_view, 3> kLocationNames = {"stock", "feeder", "spoiled"};

std::vector<const LedgerEntry*> inSeqOrder(const std::vector<LedgerEntry>& entries) {
  std::vector<const LedgerEntry*> ordered;
  ordered.reserve(entries.size());
  for (const auto& e : entries) ordered.push_back(&e);
  std::stable_sort(ordered.begin(), ordered.end(),
                   [](const LedgerEntry* a, const LedgerEntry* b) { return a->seq < b->seq; });
  return ordered;
}

}  // namespace

std::string_view ledgerKindName(LedgerKind kind) {
  return kKindNames[static_cast<std::size_t>(kind)];
}

std::optional<LedgerKind> parseLedgerKind(std::string_view name) {
  for (std::size_t i = 0; i < kKindNames.size(); ++i) {
    if (kKindNames[i] == name) return static_cast<LedgerKind>(i);
  }
  return std::nullopt;
}

std::string_view stockLocationName(StockLocation location) {
  return kLocationNames[static_cast<std::size_t>(location)];
}

std::optional<StockLocation> parseStockLocation(std::string_view name) {
  for (std::size_t i = 0; i < kLocationNames.size(); ++i) {
    if (kLocationNames[i] == name) return static_cast<StockLocation>(i);
  }
  return std::nullopt;
}

bool LotBalance::balanced() const {
  return received + adjustments == in_stock + in_feeders + issued + spoiled + destroyed &&
         in_stock >= 0 && in_feeders >= 0 && spoiled >= 0;
}

InventorySummary summarise(const std::vector<LedgerEntry>& entries) {
  std::map<std::string, LotBalance> lots;
  std::map<std::pair<std::string, std::string>, std::int64_t> feeders;  // (printer, lot)

  // Each entry moves cards between locations; the identity holds entry by
  // entry, so an imbalance can only come from a location going negative
  // (cards consumed that the book never saw arrive) or a damaged store.
  for (const LedgerEntry* e : inSeqOrder(entries)) {
    LotBalance& lot = lots[e->lot];
    lot.lot = e->lot;
    const std::string printer = e->printer.value_or("");
    switch (e->kind) {
      case LedgerKind::Receipt:
        lot.received += e->quantity;
        lot.in_stock += e->quantity;
        break;
      case LedgerKind::Load:
        lot.in_stock -= e->quantity;
        lot.in_feeders += e->quantity;
        feeders[{printer, e->lot}] += e->quantity;
        break;
      case LedgerKind::Unload:
        lot.in_feeders -= e->quantity;
        lot.in_stock += e->quantity;
        feeders[{printer, e->lot}] -= e->quantity;
        break;
      case LedgerKind::Issued:
        lot.in_feeders -= e->quantity;
        lot.issued += e->quantity;
        feeders[{printer, e->lot}] -= e->quantity;
        break;
      case LedgerKind::Spoiled:
        lot.in_feeders -= e->quantity;
        lot.spoiled += e->quantity;
        feeders[{printer, e->lot}] -= e->quantity;
        break;
      case LedgerKind::Destroyed:
        lot.spoiled -= e->quantity;
        lot.destroyed += e->quantity;
        break;
      case LedgerKind::Adjustment:
        lot.adjustments += e->quantity;
        switch (e->location.value_or(StockLocation::Stock)) {
          case StockLocation::Stock:
            lot.in_stock += e->quantity;
            break;
          case StockLocation::Feeder:
            lot.in_feeders += e->quantity;
            feeders[{printer, e->lot}] += e->quantity;
            break;
          case StockLocation::Spoiled:
            lot.spoiled += e->quantity;
            break;
        }
        break;
    }
  }

  InventorySummary summary;
  summary.total.lot = "*";
  for (auto& [name, lot] : lots) {
    if (!lot.balanced()) {
      if (lot.in_stock < 0)
        summary.imbalances.push_back("lot " + name + ": stock holds " +
                                     std::to_string(lot.in_stock) + " cards");
      if (lot.spoiled < 0)
        summary.imbalances.push_back("lot " + name + ": more cards destroyed than spoiled (" +
                                     std::to_string(lot.spoiled) + ")");
      if (lot.received + lot.adjustments !=
          lot.in_stock + lot.in_feeders + lot.issued + lot.spoiled + lot.destroyed)
        summary.imbalances.push_back("lot " + name + ": received and adjusted (" +
                                     std::to_string(lot.received + lot.adjustments) +
                                     ") differ from the cards accounted for");
    }
    summary.total.received += lot.received;
    summary.total.adjustments += lot.adjustments;
    summary.total.in_stock += lot.in_stock;
    summary.total.in_feeders += lot.in_feeders;
    summary.total.issued += lot.issued;
    summary.total.spoiled += lot.spoiled;
    summary.total.destroyed += lot.destroyed;
    summary.lots.push_back(lot);
  }
  for (const auto& [key, cards] : feeders) {
    if (cards < 0) {
      summary.imbalances.push_back("lot " + key.second + ": the feeder of " + key.first +
                                   " holds " + std::to_string(cards) + " cards");
    }
    if (cards != 0) summary.feeders.push_back({key.first, key.second, cards});
  }
  return summary;
}

std::vector<FeederBalance> feederContents(const std::vector<LedgerEntry>& entries,
                                          std::string_view printer) {
  // Lots in the order they were first loaded into this printer, each with
  // its net count.
  std::vector<FeederBalance> contents;
  for (const LedgerEntry* e : inSeqOrder(entries)) {
    if (!e->printer || *e->printer != printer) continue;
    std::int64_t delta = 0;
    switch (e->kind) {
      case LedgerKind::Load:
        delta = e->quantity;
        break;
      case LedgerKind::Unload:
      case LedgerKind::Issued:
      case LedgerKind::Spoiled:
        delta = -e->quantity;
        break;
      case LedgerKind::Adjustment:
        if (e->location == StockLocation::Feeder) delta = e->quantity;
        break;
      default:
        break;
    }
    if (delta == 0) continue;
    auto it = std::find_if(contents.begin(), contents.end(),
                           [&](const FeederBalance& f) { return f.lot == e->lot; });
    if (it == contents.end()) {
      contents.push_back({std::string(printer), e->lot, delta});
    } else {
      it->cards += delta;
    }
  }
  std::erase_if(contents, [](const FeederBalance& f) { return f.cards == 0; });
  return contents;
}

std::optional<std::int64_t> serialRangeSize(std::string_view first, std::string_view last) {
  if (first.size() != last.size() || first.empty()) return std::nullopt;
  std::size_t digits = 0;
  while (digits < first.size() &&
         std::isdigit(static_cast<unsigned char>(first[first.size() - 1 - digits])) != 0 &&
         std::isdigit(static_cast<unsigned char>(last[last.size() - 1 - digits])) != 0) {
    ++digits;
  }
  if (digits == 0 || digits > 18) return std::nullopt;
  const std::size_t prefix = first.size() - digits;
  if (first.substr(0, prefix) != last.substr(0, prefix)) return std::nullopt;
  std::int64_t a = 0, b = 0;
  std::from_chars(first.data() + prefix, first.data() + first.size(), a);
  std::from_chars(last.data() + prefix, last.data() + last.size(), b);
  if (b < a) return std::nullopt;
  return b - a + 1;
}

}  // namespace cardd
