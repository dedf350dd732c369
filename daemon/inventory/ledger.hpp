#pragma once
// The blank-card ledger: blank cards are controlled security documents, so
// every card is somewhere on the books at all times. The ledger is an
// append-only list of entries (the store's `ledger` table); balances are
// always derived from it, never stored.
//
// Where a card can be, per lot:
//   in stock        received and not loaded (the safe)
//   in a feeder     loaded into a printer and not yet consumed
//   issued          left a printer as a finished card
//   spoiled (held)  rejected and waiting for witnessed destruction
//   destroyed       destroyed in front of a witness
// and the identity that must always hold, per lot and in total:
//   received + adjustments = in stock + in feeders + issued + spoiled + destroyed
// Adjustments are signed corrections posted by stock-takes (a counted figure
// that differs from the book) or by a printer that reports its feeder empty
// while the book still has cards in it.
//
// Pure values and functions; thread-safe.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "jobs/job.hpp"

namespace cardd {

enum class LedgerKind { Receipt, Load, Unload, Issued, Spoiled, Destroyed, Adjustment };
std::string_view ledgerKindName(LedgerKind kind);  // "receipt", "load", ...
std::optional<LedgerKind> parseLedgerKind(std::string_view name);

// Where an adjustment applies.
enum class StockLocation { Stock, Feeder, Spoiled };
std::string_view stockLocationName(StockLocation location);  // "stock", "feeder", "spoiled"
std::optional<StockLocation> parseStockLocation(std::string_view name);

struct LedgerEntry {
  std::int64_t seq = 0;
  std::int64_t at_ms = 0;
  LedgerKind kind = LedgerKind::Receipt;
  std::string lot;
  std::optional<std::string> printer;  // load, unload, issued, spoiled, feeder adjustments
  // Cards moved. Positive for every kind but Adjustment, which is signed
  // (never zero).
  std::int64_t quantity = 0;
  std::optional<StockLocation> location;  // Adjustment only
  std::optional<std::string> serial_first;
  std::optional<std::string> serial_last;
  std::optional<JobId> job_id;
  std::optional<int> attempt;
  std::string reason;  // spoiled: why; adjustment: why; others may be empty
  Actor actor;
  std::optional<Actor> witness;  // Destroyed (a second user), stock-take
  std::string note;
};

struct LotBalance {
  std::string lot;
  std::int64_t received = 0;
  std::int64_t adjustments = 0;  // net, signed
  std::int64_t in_stock = 0;
  std::int64_t in_feeders = 0;
  std::int64_t issued = 0;
  std::int64_t spoiled = 0;  // held, awaiting destruction
  std::int64_t destroyed = 0;

  // received + adjustments == in_stock + in_feeders + issued + spoiled + destroyed,
  // and no location is negative.
  bool balanced() const;
};

struct FeederBalance {
  std::string printer;
  std::string lot;
  std::int64_t cards = 0;
  friend bool operator==(const FeederBalance&, const FeederBalance&) = default;
};

struct InventorySummary {
  std::vector<LotBalance> lots;        // by lot name
  std::vector<FeederBalance> feeders;  // by printer, then lot; non-zero only
  LotBalance total;                    // lot = "*"
  // One sentence per broken rule ("lot L-1: feeder of P1 holds -2 cards").
  std::vector<std::string> imbalances;
  bool balanced() const { return imbalances.empty(); }
};

// Derives every balance from the entries (any order; seq decides ties).
InventorySummary summarise(const std::vector<LedgerEntry>& entries);

// Cards in `printer`'s feeder per lot, oldest load first (FIFO): the lot the
// next consumed card is taken from is the first with cards left.
std::vector<FeederBalance> feederContents(const std::vector<LedgerEntry>& entries,
                                          std::string_view printer);

// Number of cards in a serial range "ABC000100".."ABC000199" (same prefix,
// numeric suffix of equal width): 100. Empty when the two do not form a range.
std::optional<std::int64_t> serialRangeSize(std::string_view first, std::string_view last);

}  // namespace cardd
