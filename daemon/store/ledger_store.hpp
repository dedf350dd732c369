#pragma once
// LedgerStore: the blank-card ledger's SQL (table `ledger`, migration 3).
// Every method appends entries, never edits them; balances are derived
// (inventory/ledger.hpp). Validation happens here so that the book can never
// be told something impossible (loading more cards than the safe holds,
// destroying cards nobody spoiled, a destruction without a second person).
// Consumption is the exception: a card that left a printer is always
// recorded, even when the book says the feeder is empty — the resulting
// negative balance is an imbalance for a supervisor to look at, not a lost
// record.
//
// Threading: like JobStore, used only on the store committer's thread (or a
// single test thread), inside the caller's transaction.
//
// Errors: ValidationFailed (with field pointers) for input the book refuses,
// NotFound for an unknown lot, Store* for SQLite failures.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "core/result.hpp"
#include "inventory/ledger.hpp"
#include "store/database.hpp"

namespace cardd {

struct LotReceipt {
  std::string lot;
  std::string supplier;
  std::int64_t quantity = 0;
  std::optional<std::string> serial_first;  // Both or neither; must span `quantity` cards.
  std::optional<std::string> serial_last;
  std::string note;
};

struct FeederLoad {
  std::string printer;
  std::optional<std::string> lot;  // Empty: oldest lot with stock first (may span lots).
  std::int64_t quantity = 0;
  std::optional<std::string> serial_first;
  std::optional<std::string> serial_last;
};

struct CardConsumption {
  std::string printer;
  bool issued = false;  // false: spoiled
  std::optional<JobId> job_id;
  std::optional<int> attempt;
  std::optional<std::string> serial;  // The blank's (or chip's) serial when known.
  std::string reason;                 // Spoiled: why ("interrupted", "chip-verify-failed" ...).
};

struct Destruction {
  std::string lot;
  std::int64_t quantity = 0;
  Actor witness;  // Must differ from the actor.
  std::string note;
};

// A destruction is recorded in two steps by two people: one asks (the cards
// are set aside), a second one, on their own connection, witnesses it. Only
// then does the ledger count the cards destroyed.
struct DestructionRecord {
  std::int64_t id = 0;
  std::string lot;
  std::int64_t quantity = 0;
  std::string note;
  std::string state;  // "awaiting-witness" | "destroyed"
  std::int64_t requested_at_ms = 0;
  Actor requested_by;
  std::optional<std::int64_t> witnessed_at_ms;
  std::optional<Actor> witness;
};

// One counted figure of a stock-take.
struct StockCount {
  std::string lot;
  StockLocation location = StockLocation::Stock;
  std::optional<std::string> printer;  // Feeder counts only.
  std::int64_t counted = 0;
};

class LedgerStore {
 public:
  LedgerStore(Database& db, const Clock& clock) : db_(db), clock_(clock) {}

  Result<LedgerEntry> receive(const LotReceipt& receipt, const Actor& actor);
  Result<std::vector<LedgerEntry>> load(const FeederLoad& load, const Actor& actor);
  // Takes cards out of a feeder back to stock (all of them when `quantity` is empty).
  Result<std::vector<LedgerEntry>> unload(const std::string& printer,
                                          std::optional<std::int64_t> quantity, const Actor& actor);
  Result<LedgerEntry> consume(const CardConsumption& consumption, const Actor& actor);
  Result<LedgerEntry> destroy(const Destruction& destruction, const Actor& actor);
  // Two-step destruction (see DestructionRecord). The request checks that
  // enough spoiled cards are held, counting other requests still awaiting
  // their witness; witnessing checks again and posts the ledger entry.
  Result<DestructionRecord> requestDestruction(const std::string& lot, std::int64_t quantity,
                                               const std::string& note, const Actor& actor);
  Result<DestructionRecord> witnessDestruction(std::int64_t id, const Actor& witness);
  Result<std::vector<DestructionRecord>> destructions(bool awaiting_only);
  // Posts one signed adjustment per count that differs from the book, with
  // `reason`; counts equal to the book post nothing.
  Result<std::vector<LedgerEntry>> stockTake(const std::vector<StockCount>& counts,
                                             const std::string& reason, const Actor& actor,
                                             const std::optional<Actor>& witness);
  // The printer reported its feeder empty: zero the book's feeder count.
  Result<std::vector<LedgerEntry>> correctFeederEmpty(const std::string& printer,
                                                      const Actor& actor);

  Result<InventorySummary> summary();
  Result<std::vector<FeederBalance>> feeder(const std::string& printer);
  // Entries after `after_seq`, oldest first, at most `limit`.
  Result<std::vector<LedgerEntry>> entries(std::int64_t after_seq, int limit);

 private:
  Result<LedgerEntry> append(LedgerEntry entry);
  // Entries aggregated per (kind, lot, printer, location): enough for every
  // balance, in first-seq order.
  Result<std::vector<LedgerEntry>> aggregated();
  Result<bool> lotExists(const std::string& lot);

  Database& db_;
  const Clock& clock_;
};

}  // namespace cardd
