#include "store/ledger_store.hpp"

#include <algorithm>

namespace cardd {
namespace {

constexpr const char* kColumns =
    "seq, at, kind, lot, printer, quantity, location, serial_first, serial_last, job_id, attempt, "
    "reason, actor_uid, actor_name, witness_uid, witness_name, note";

std::optional<std::string> optText(const Statement& st, int i) {
  if (st.columnIsNull(i)) return std::nullopt;
  return st.columnText(i);
}

LedgerEntry readEntry(const Statement& st) {
  LedgerEntry e;
  e.seq = st.columnInt(0);
  e.at_ms = st.columnInt(1);
  e.kind = parseLedgerKind(st.columnText(2)).value_or(LedgerKind::Adjustment);
  e.lot = st.columnText(3);
  e.printer = optText(st, 4);
  e.quantity = st.columnInt(5);
  if (auto loc = optText(st, 6)) e.location = parseStockLocation(*loc);
  e.serial_first = optText(st, 7);
  e.serial_last = optText(st, 8);
  if (!st.columnIsNull(9)) e.job_id = st.columnInt(9);
  if (!st.columnIsNull(10)) e.attempt = static_cast<int>(st.columnInt(10));
  e.reason = st.columnText(11);
  e.actor.uid = st.columnInt(12);
  e.actor.user = st.columnText(13);
  if (!st.columnIsNull(14)) e.witness = Actor{st.columnInt(14), st.columnText(15)};
  e.note = st.columnText(16);
  return e;
}

Error invalid(std::string pointer, std::string message) {
  std::string summary = message;
  return Error(ErrorCode::ValidationFailed, summary, {{std::move(pointer), std::move(message)}});
}

bool validName(const std::string& s) {
  return !s.empty() && s.size() <= 64 &&
         std::all_of(s.begin(), s.end(), [](char c) { return c > 0x20 && c < 0x7F; });
}

}  // namespace

Result<LedgerEntry> LedgerStore::append(LedgerEntry e) {
  e.at_ms = clock_.nowMs();
  auto st = db_.prepare(
      "INSERT INTO ledger (at, kind, lot, printer, quantity, location, serial_first, serial_last, "
      "job_id, attempt, reason, actor_uid, actor_name, witness_uid, witness_name, note) "
      "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)");
  if (!st) return std::move(st).error();
  st->bind(1, e.at_ms).bind(2, ledgerKindName(e.kind)).bind(3, e.lot).bindOptional(4, e.printer);
  st->bind(5, e.quantity);
  if (e.location)
    st->bind(6, stockLocationName(*e.location));
  else
    st->bindNull(6);
  st->bindOptional(7, e.serial_first).bindOptional(8, e.serial_last);
  if (e.job_id)
    st->bind(9, *e.job_id);
  else
    st->bindNull(9);
  if (e.attempt)
    st->bind(10, static_cast<std::int64_t>(*e.attempt));
  else
    st->bindNull(10);
  st->bind(11, e.reason).bind(12, e.actor.uid).bind(13, e.actor.user);
  if (e.witness) {
    st->bind(14, e.witness->uid).bind(15, e.witness->user);
  } else {
    st->bindNull(14).bindNull(15);
  }
  st->bind(16, e.note);
  if (auto run = st->run(); !run) return std::move(run).error();
  e.seq = db_.lastInsertId();
  return e;
}

Result<bool> LedgerStore::lotExists(const std::string& lot) {
  auto st = db_.prepare("SELECT count(*) FROM blank_lots WHERE lot = ?");
  if (!st) return std::move(st).error();
  st->bind(1, lot);
  auto row = st->step();
  if (!row) return std::move(row).error();
  const bool exists = *row && st->columnInt(0) > 0;
  st->reset();
  return exists;
}

Result<std::vector<LedgerEntry>> LedgerStore::aggregated() {
  auto st = db_.prepare(
      "SELECT MIN(seq), 0, kind, lot, printer, SUM(quantity), location, NULL, NULL, NULL, NULL, "
      "'', 0, '', NULL, NULL, '' FROM ledger GROUP BY kind, lot, printer, location ORDER BY 1");
  if (!st) return std::move(st).error();
  return st->collect<LedgerEntry>(readEntry);
}

Result<InventorySummary> LedgerStore::summary() {
  auto rows = aggregated();
  if (!rows) return std::move(rows).error();
  return summarise(*rows);
}

Result<std::vector<FeederBalance>> LedgerStore::feeder(const std::string& printer) {
  auto rows = aggregated();
  if (!rows) return std::move(rows).error();
  return feederContents(*rows, printer);
}

Result<std::vector<LedgerEntry>> LedgerStore::entries(std::int64_t after_seq, int limit) {
  auto st = db_.prepare(std::string("SELECT ") + kColumns +
                        " FROM ledger WHERE seq > ? ORDER BY seq LIMIT ?");
  if (!st) return std::move(st).error();
  st->bind(1, after_seq).bind(2, static_cast<std::int64_t>(limit));
  return st->collect<LedgerEntry>(readEntry);
}

Result<LedgerEntry> LedgerStore::receive(const LotReceipt& r, const Actor& actor) {
  if (!validName(r.lot)) return invalid("/lot", "must be 1 to 64 printable characters");
  if (r.supplier.empty() || r.supplier.size() > 120)
    return invalid("/supplier", "must be 1 to 120 characters");
  if (r.quantity <= 0 || r.quantity > 1'000'000)
    return invalid("/quantity", "must be between 1 and 1000000");
  if (r.serial_first.has_value() != r.serial_last.has_value())
    return invalid("/serial_last", "give both the first and the last serial, or neither");
  if (r.serial_first) {
    auto span = serialRangeSize(*r.serial_first, *r.serial_last);
    if (!span)
      return invalid(
          "/serial_last",
          "the first and last serials must share a prefix and end in digits, first <= last");
    if (*span != r.quantity)
      return invalid("/quantity", "the serial range holds " + std::to_string(*span) +
                                      " cards, not " + std::to_string(r.quantity));
  }
  auto exists = lotExists(r.lot);
  if (!exists) return std::move(exists).error();
  if (*exists) return invalid("/lot", "lot " + r.lot + " was already received");

  auto st = db_.prepare(
      "INSERT INTO blank_lots (lot, supplier, quantity, serial_first, serial_last, received_at, "
      "received_uid, received_by) VALUES (?,?,?,?,?,?,?,?)");
  if (!st) return std::move(st).error();
  st->bind(1, r.lot).bind(2, r.supplier).bind(3, r.quantity).bindOptional(4, r.serial_first);
  st->bindOptional(5, r.serial_last).bind(6, clock_.nowMs()).bind(7, actor.uid).bind(8, actor.user);
  if (auto run = st->run(); !run) return std::move(run).error();

  LedgerEntry e;
  e.kind = LedgerKind::Receipt;
  e.lot = r.lot;
  e.quantity = r.quantity;
  e.serial_first = r.serial_first;
  e.serial_last = r.serial_last;
  e.actor = actor;
  e.note = r.note;
  return append(std::move(e));
}

Result<std::vector<LedgerEntry>> LedgerStore::load(const FeederLoad& l, const Actor& actor) {
  if (!validName(l.printer)) return invalid("/printer", "must name a printer");
  if (l.quantity <= 0 || l.quantity > 100'000)
    return invalid("/quantity", "must be between 1 and 100000");
  if (l.serial_first.has_value() != l.serial_last.has_value())
    return invalid("/serial_last", "give both the first and the last serial, or neither");
  if (l.serial_first) {
    auto span = serialRangeSize(*l.serial_first, *l.serial_last);
    if (!span || *span != l.quantity)
      return invalid("/serial_last", "the serial range must hold exactly the quantity loaded");
  }
  auto summary_now = summary();
  if (!summary_now) return std::move(summary_now).error();

  // Which lots the cards come from: the named one, or the oldest with stock.
  std::vector<std::pair<std::string, std::int64_t>> takes;
  if (l.lot) {
    auto it = std::find_if(summary_now->lots.begin(), summary_now->lots.end(),
                           [&](const LotBalance& b) { return b.lot == *l.lot; });
    if (it == summary_now->lots.end())
      return Error(ErrorCode::NotFound, "lot " + *l.lot + " was never received");
    if (it->in_stock < l.quantity)
      return invalid("/quantity", "lot " + *l.lot + " has only " + std::to_string(it->in_stock) +
                                      " cards in stock");
    takes.emplace_back(*l.lot, l.quantity);
  } else {
    if (l.serial_first) return invalid("/lot", "name the lot when giving serials");
    auto lots = db_.prepare("SELECT lot FROM blank_lots ORDER BY received_at, lot");
    if (!lots) return std::move(lots).error();
    auto names = lots->collect<std::string>([](const Statement& s) { return s.columnText(0); });
    if (!names) return std::move(names).error();
    std::int64_t left = l.quantity;
    for (const auto& name : *names) {
      auto it = std::find_if(summary_now->lots.begin(), summary_now->lots.end(),
                             [&](const LotBalance& b) { return b.lot == name; });
      if (it == summary_now->lots.end() || it->in_stock <= 0) continue;
      const std::int64_t take = std::min(left, it->in_stock);
      takes.emplace_back(name, take);
      left -= take;
      if (left == 0) break;
    }
    if (left > 0)
      return invalid("/quantity", "only " + std::to_string(summary_now->total.in_stock) +
                                      " blank cards are in stock");
  }

  std::vector<LedgerEntry> out;
  for (const auto& [lot, quantity] : takes) {
    LedgerEntry e;
    e.kind = LedgerKind::Load;
    e.lot = lot;
    e.printer = l.printer;
    e.quantity = quantity;
    e.serial_first = l.serial_first;
    e.serial_last = l.serial_last;
    e.actor = actor;
    auto appended = append(std::move(e));
    if (!appended) return std::move(appended).error();
    out.push_back(std::move(*appended));
  }
  return out;
}

Result<std::vector<LedgerEntry>> LedgerStore::unload(const std::string& printer,
                                                     std::optional<std::int64_t> quantity,
                                                     const Actor& actor) {
  auto contents = feeder(printer);
  if (!contents) return std::move(contents).error();
  std::int64_t held = 0;
  for (const auto& f : *contents) held += std::max<std::int64_t>(f.cards, 0);
  std::int64_t left = quantity.value_or(held);
  if (left <= 0) return invalid("/quantity", "must be at least 1");
  if (left > held)
    return invalid("/quantity", "the feeder of " + printer + " holds only " + std::to_string(held) +
                                    " cards in the book");
  // Cards come back newest lot first (the last loaded are on top).
  std::vector<LedgerEntry> out;
  for (auto it = contents->rbegin(); it != contents->rend() && left > 0; ++it) {
    if (it->cards <= 0) continue;
    const std::int64_t take = std::min(left, it->cards);
    LedgerEntry e;
    e.kind = LedgerKind::Unload;
    e.lot = it->lot;
    e.printer = printer;
    e.quantity = take;
    e.actor = actor;
    auto appended = append(std::move(e));
    if (!appended) return std::move(appended).error();
    out.push_back(std::move(*appended));
    left -= take;
  }
  return out;
}

Result<LedgerEntry> LedgerStore::consume(const CardConsumption& c, const Actor& actor) {
  auto contents = feeder(c.printer);
  if (!contents) return std::move(contents).error();
  // FIFO: the oldest lot with cards. With none left in the book, the most
  // recent lot this printer saw (the balance goes negative: an imbalance).
  std::string lot = "unknown";
  auto with_cards = std::find_if(contents->begin(), contents->end(),
                                 [](const FeederBalance& f) { return f.cards > 0; });
  if (with_cards != contents->end()) {
    lot = with_cards->lot;
  } else {
    auto last = db_.prepare("SELECT lot FROM ledger WHERE printer = ? ORDER BY seq DESC LIMIT 1");
    if (!last) return std::move(last).error();
    last->bind(1, c.printer);
    auto row = last->step();
    if (!row) return std::move(row).error();
    if (*row) lot = last->columnText(0);
    last->reset();
  }
  LedgerEntry e;
  e.kind = c.issued ? LedgerKind::Issued : LedgerKind::Spoiled;
  e.lot = lot;
  e.printer = c.printer;
  e.quantity = 1;
  e.serial_first = c.serial;
  e.job_id = c.job_id;
  e.attempt = c.attempt;
  e.reason = c.reason;
  e.actor = actor;
  return append(std::move(e));
}

Result<LedgerEntry> LedgerStore::destroy(const Destruction& d, const Actor& actor) {
  if (d.witness.uid < 0 || d.witness.user.empty())
    return invalid("/witness", "a second person must witness the destruction");
  if (d.witness.uid == actor.uid || d.witness.user == actor.user)
    return invalid("/witness",
                   "the witness must be a different person from who destroys the cards");
  if (d.quantity <= 0) return invalid("/quantity", "must be at least 1");
  auto s = summary();
  if (!s) return std::move(s).error();
  auto it = std::find_if(s->lots.begin(), s->lots.end(),
                         [&](const LotBalance& b) { return b.lot == d.lot; });
  if (it == s->lots.end())
    return Error(ErrorCode::NotFound, "lot " + d.lot + " was never received");
  if (it->spoiled < d.quantity)
    return invalid("/quantity", "lot " + d.lot + " has only " + std::to_string(it->spoiled) +
                                    " spoiled cards awaiting destruction");
  LedgerEntry e;
  e.kind = LedgerKind::Destroyed;
  e.lot = d.lot;
  e.quantity = d.quantity;
  e.actor = actor;
  e.witness = d.witness;
  e.note = d.note;
  return append(std::move(e));
}

Result<std::vector<LedgerEntry>> LedgerStore::stockTake(const std::vector<StockCount>& counts,
                                                        const std::string& reason,
                                                        const Actor& actor,
                                                        const std::optional<Actor>& witness) {
  if (counts.empty()) return invalid("/counts", "count at least one place");
  if (reason.empty()) return invalid("/reason", "say why the stock was counted");
  auto s = summary();
  if (!s) return std::move(s).error();
  std::vector<LedgerEntry> out;
  for (std::size_t i = 0; i < counts.size(); ++i) {
    const StockCount& c = counts[i];
    const std::string at = "/counts/" + std::to_string(i);
    if (c.counted < 0) return invalid(at + "/counted", "must be 0 or more");
    auto lot = std::find_if(s->lots.begin(), s->lots.end(),
                            [&](const LotBalance& b) { return b.lot == c.lot; });
    if (lot == s->lots.end())
      return Error(ErrorCode::NotFound, "lot " + c.lot + " was never received");
    std::int64_t book = 0;
    switch (c.location) {
      case StockLocation::Stock:
        book = lot->in_stock;
        break;
      case StockLocation::Spoiled:
        book = lot->spoiled;
        break;
      case StockLocation::Feeder: {
        if (!c.printer) return invalid(at + "/printer", "a feeder count names its printer");
        for (const auto& f : s->feeders)
          if (f.printer == *c.printer && f.lot == c.lot) book = f.cards;
        break;
      }
    }
    if (c.counted == book) continue;
    LedgerEntry e;
    e.kind = LedgerKind::Adjustment;
    e.lot = c.lot;
    e.location = c.location;
    if (c.location == StockLocation::Feeder) e.printer = c.printer;
    e.quantity = c.counted - book;
    e.reason = reason;
    e.actor = actor;
    e.witness = witness;
    e.note = "counted " + std::to_string(c.counted) + ", book " + std::to_string(book);
    auto appended = append(std::move(e));
    if (!appended) return std::move(appended).error();
    out.push_back(std::move(*appended));
  }
  return out;
}

Result<std::vector<LedgerEntry>> LedgerStore::correctFeederEmpty(const std::string& printer,
                                                                 const Actor& actor) {
  auto contents = feeder(printer);
  if (!contents) return std::move(contents).error();
  std::vector<LedgerEntry> out;
  for (const auto& f : *contents) {
    if (f.cards <= 0) continue;
    LedgerEntry e;
    e.kind = LedgerKind::Adjustment;
    e.lot = f.lot;
    e.location = StockLocation::Feeder;
    e.printer = printer;
    e.quantity = -f.cards;
    e.reason = "printer-reported-empty";
    e.actor = actor;
    e.note = "the printer reported its feeder empty while the book held " +
             std::to_string(f.cards) + " cards";
    auto appended = append(std::move(e));
    if (!appended) return std::move(appended).error();
    out.push_back(std::move(*appended));
  }
  return out;
}

namespace {

constexpr const char* kDestructionColumns =
    "id, lot, quantity, note, state, requested_at, requested_uid, requested_by, witnessed_at, "
    "witness_uid, witness_name";

DestructionRecord readDestruction(const Statement& st) {
  DestructionRecord d;
  d.id = st.columnInt(0);
  d.lot = st.columnText(1);
  d.quantity = st.columnInt(2);
  d.note = st.columnText(3);
  d.state = st.columnText(4);
  d.requested_at_ms = st.columnInt(5);
  d.requested_by = Actor{st.columnInt(6), st.columnText(7)};
  if (!st.columnIsNull(8)) d.witnessed_at_ms = st.columnInt(8);
  if (!st.columnIsNull(9)) d.witness = Actor{st.columnInt(9), st.columnText(10)};
  return d;
}

}  // namespace

Result<std::vector<DestructionRecord>> LedgerStore::destructions(bool awaiting_only) {
  auto st =
      db_.prepare(std::string("SELECT ") + kDestructionColumns + " FROM destructions" +
                  (awaiting_only ? " WHERE state = 'awaiting-witness'" : "") + " ORDER BY id");
  if (!st) return std::move(st).error();
  return st->collect<DestructionRecord>(readDestruction);
}

Result<DestructionRecord> LedgerStore::requestDestruction(const std::string& lot,
                                                          std::int64_t quantity,
                                                          const std::string& note,
                                                          const Actor& actor) {
  if (quantity <= 0) return invalid("/quantity", "must be at least 1");
  auto s = summary();
  if (!s) return std::move(s).error();
  auto it = std::find_if(s->lots.begin(), s->lots.end(),
                         [&](const LotBalance& b) { return b.lot == lot; });
  if (it == s->lots.end()) return Error(ErrorCode::NotFound, "lot " + lot + " was never received");
  auto pending = destructions(true);
  if (!pending) return std::move(pending).error();
  std::int64_t set_aside = 0;
  for (const auto& d : *pending)
    if (d.lot == lot) set_aside += d.quantity;
  if (it->spoiled - set_aside < quantity) {
    return invalid("/quantity", "lot " + lot + " has only " +
                                    std::to_string(it->spoiled - set_aside) +
                                    " spoiled cards awaiting destruction");
  }
  auto st = db_.prepare(
      "INSERT INTO destructions (lot, quantity, note, state, requested_at, requested_uid, "
      "requested_by) VALUES (?,?,?,'awaiting-witness',?,?,?)");
  if (!st) return std::move(st).error();
  st->bind(1, lot).bind(2, quantity).bind(3, note).bind(4, clock_.nowMs());
  st->bind(5, actor.uid).bind(6, actor.user);
  if (auto run = st->run(); !run) return std::move(run).error();
  DestructionRecord d;
  d.id = db_.lastInsertId();
  d.lot = lot;
  d.quantity = quantity;
  d.note = note;
  d.state = "awaiting-witness";
  d.requested_at_ms = clock_.nowMs();
  d.requested_by = actor;
  return d;
}

Result<DestructionRecord> LedgerStore::witnessDestruction(std::int64_t id, const Actor& witness) {
  auto all = destructions(false);
  if (!all) return std::move(all).error();
  auto it = std::find_if(all->begin(), all->end(),
                         [&](const DestructionRecord& d) { return d.id == id; });
  if (it == all->end())
    return Error(ErrorCode::NotFound, "destruction " + std::to_string(id) + " does not exist");
  if (it->state != "awaiting-witness") {
    return Error(ErrorCode::IllegalTransition,
                 "destruction " + std::to_string(id) + " was already witnessed");
  }
  Destruction d{it->lot, it->quantity, witness, it->note};
  auto entry = destroy(d, it->requested_by);
  if (!entry) return std::move(entry).error();
  auto st = db_.prepare(
      "UPDATE destructions SET state = 'destroyed', witnessed_at = ?, witness_uid = ?, "
      "witness_name = ?, ledger_seq = ? WHERE id = ?");
  if (!st) return std::move(st).error();
  st->bind(1, entry->at_ms).bind(2, witness.uid).bind(3, witness.user).bind(4, entry->seq);
  st->bind(5, id);
  if (auto run = st->run(); !run) return std::move(run).error();
  DestructionRecord done = *it;
  done.state = "destroyed";
  done.witnessed_at_ms = entry->at_ms;
  done.witness = witness;
  return done;
}

}  // namespace cardd
