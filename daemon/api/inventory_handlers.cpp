// The blank-card inventory routes: balances, the ledger, receipts, feeder
// loads and unloads, two-person destruction and stock-takes. Every change is
// written with its audit entry in one transaction by the store committer.

#include <boost/json.hpp>

#include <set>

#include "api/handlers.hpp"
#include "api/router.hpp"
#include "core/log.hpp"
#include "store/audit_log.hpp"

namespace cardd::api {
namespace {

namespace json = boost::json;

// Reads a JSON object body field by field, collecting every problem so that
// the client learns them all at once.
class BodyReader {
 public:
  BodyReader(const json::object& o, std::initializer_list<std::string_view> known) : o_(o) {
    for (const auto& kv : o) {
      if (std::find(known.begin(), known.end(), kv.key()) == known.end())
        errors.push_back({"/" + std::string(kv.key()), "is not a known field"});
    }
  }

  std::optional<std::string> text(std::string_view key, bool required, std::size_t max = 200) {
    const auto* v = o_.if_contains(key);
    if (v == nullptr || v->is_null()) {
      if (required) errors.push_back({"/" + std::string(key), "is required"});
      return std::nullopt;
    }
    if (!v->is_string() || v->get_string().size() > max) {
      errors.push_back({"/" + std::string(key),
                        "must be a string of at most " + std::to_string(max) + " characters"});
      return std::nullopt;
    }
    return std::string(v->get_string());
  }

  std::optional<std::int64_t> integer(std::string_view key, bool required) {
    const auto* v = o_.if_contains(key);
    if (v == nullptr || v->is_null()) {
      if (required) errors.push_back({"/" + std::string(key), "is required"});
      return std::nullopt;
    }
    if (v->is_int64()) return v->get_int64();
    if (v->is_uint64() && v->get_uint64() < (1ULL << 62))
      return static_cast<std::int64_t>(v->get_uint64());
    errors.push_back({"/" + std::string(key), "must be a whole number"});
    return std::nullopt;
  }

  const json::value* raw(std::string_view key) const { return o_.if_contains(key); }

  std::vector<FieldError> errors;

 private:
  const json::object& o_;
};

json::object lotToJson(const LotBalance& b) {
  return json::object{
      {"lot", b.lot},           {"received", b.received},     {"adjustments", b.adjustments},
      {"in_stock", b.in_stock}, {"in_feeders", b.in_feeders}, {"issued", b.issued},
      {"spoiled", b.spoiled},   {"destroyed", b.destroyed},   {"balanced", b.balanced()}};
}

json::value optionalText(const std::optional<std::string>& s) {
  return s ? json::value(*s) : json::value(nullptr);
}

json::object entryToJson(const LedgerEntry& e) {
  json::object o{{"seq", e.seq},
                 {"at_ms", e.at_ms},
                 {"kind", ledgerKindName(e.kind)},
                 {"lot", e.lot},
                 {"printer", optionalText(e.printer)},
                 {"quantity", e.quantity},
                 {"serial_first", optionalText(e.serial_first)},
                 {"serial_last", optionalText(e.serial_last)},
                 {"reason", e.reason},
                 {"user", e.actor.user},
                 {"note", e.note}};
  o["location"] = e.location ? json::value(stockLocationName(*e.location)) : json::value(nullptr);
  o["job_id"] = e.job_id ? json::value(*e.job_id) : json::value(nullptr);
  o["attempt"] = e.attempt ? json::value(*e.attempt) : json::value(nullptr);
  o["witness"] = e.witness ? json::value(e.witness->user) : json::value(nullptr);
  return o;
}

json::object destructionToJson(const DestructionRecord& d) {
  json::object o{{"id", d.id},
                 {"lot", d.lot},
                 {"quantity", d.quantity},
                 {"note", d.note},
                 {"state", d.state},
                 {"requested_at_ms", d.requested_at_ms},
                 {"requested_by", d.requested_by.user}};
  o["witnessed_at_ms"] = d.witnessed_at_ms ? json::value(*d.witnessed_at_ms) : json::value(nullptr);
  o["witness"] = d.witness ? json::value(d.witness->user) : json::value(nullptr);
  return o;
}

json::object summaryToJson(const InventorySummary& s) {
  json::array lots;
  for (const auto& b : s.lots) lots.push_back(lotToJson(b));
  // Per printer: total and per lot.
  json::array printers;
  std::map<std::string, std::pair<std::int64_t, json::array>> by_printer;
  for (const auto& f : s.feeders) {
    auto& [total, per_lot] = by_printer[f.printer];
    total += f.cards;
    per_lot.push_back(json::object{{"lot", f.lot}, {"cards", f.cards}});
  }
  for (auto& [printer, data] : by_printer) {
    printers.push_back(json::object{
        {"printer", printer}, {"cards", data.first}, {"lots", std::move(data.second)}});
  }
  json::array imbalances;
  for (const auto& i : s.imbalances) imbalances.emplace_back(i);
  auto total = lotToJson(s.total);
  total.erase("lot");
  return json::object{{"balanced", s.balanced()},
                      {"total", std::move(total)},
                      {"lots", std::move(lots)},
                      {"printers", std::move(printers)},
                      {"imbalances", std::move(imbalances)}};
}

}  // namespace

void Handlers::inventory(const Peer& peer, RouteId route, JobId id,
                         const std::vector<std::pair<std::string, std::string>>& query,
                         const HttpRequestView& req, const std::string& instance, Respond respond) {
  auto answerError = [&](const Error& e) {
    respond(problemResponse(problemFromError(e), instance));
  };
  auto badRequest = [&](std::string detail) {
    respond(problemResponse(makeProblem(400, "bad-request", std::move(detail)), instance));
  };

  // ---- Reads ----
  if (route == RouteId::GetInventory || route == RouteId::ListLedger ||
      route == RouteId::ListDestructions) {
    if (!peer.hasAny(rolesFor(Permission::ReadInventory)))
      return respond(problemResponse(forbidden(Permission::ReadInventory), instance));
    if (route == RouteId::GetInventory) {
      if (!query.empty()) return badRequest("this resource takes no query parameters");
      auto s = ctx_.reader_ledger.summary();
      if (!s) return answerError(s.error());
      return respond(jsonResponse(200, summaryToJson(*s)));
    }
    if (route == RouteId::ListDestructions) {
      bool awaiting = false;
      for (const auto& [k, v] : query) {
        if (k != "state" || (v != "awaiting-witness" && v != "all"))
          return badRequest("only state=awaiting-witness or state=all is understood here");
        awaiting = v == "awaiting-witness";
      }
      auto rows = ctx_.reader_ledger.destructions(awaiting);
      if (!rows) return answerError(rows.error());
      json::array arr;
      for (const auto& d : *rows) arr.push_back(destructionToJson(d));
      return respond(jsonResponse(200, json::object{{"destructions", std::move(arr)}}));
    }
    std::int64_t after = 0;
    int limit = 100;
    for (const auto& [k, v] : query) {
      auto n = v == "0" ? std::optional<JobId>(0) : parseJobId(v);
      if ((k != "after" && k != "limit") || !n || (k == "limit" && (*n < 1 || *n > 1000)))
        return badRequest("use after=<seq> and limit=1..1000");
      if (k == "after")
        after = *n;
      else
        limit = static_cast<int>(*n);
    }
    auto rows = ctx_.reader_ledger.entries(after, limit + 1);
    if (!rows) return answerError(rows.error());
    const bool more = rows->size() > static_cast<std::size_t>(limit);
    if (more) rows->pop_back();
    json::array arr;
    for (const auto& e : *rows) arr.push_back(entryToJson(e));
    json::object body{{"entries", std::move(arr)}};
    body["next_after"] = more ? json::value(rows->back().seq) : json::value(nullptr);
    return respond(jsonResponse(200, body));
  }

  // ---- Changes ----
  Permission needed = Permission::ReceiveBlanks;
  std::string action;
  switch (route) {
    case RouteId::ReceiveLot:
      needed = Permission::ReceiveBlanks;
      action = "inventory.receive";
      break;
    case RouteId::LoadFeeder:
      needed = Permission::LoadFeeder;
      action = "inventory.load";
      break;
    case RouteId::UnloadFeeder:
      needed = Permission::LoadFeeder;
      action = "inventory.unload";
      break;
    case RouteId::RequestDestruction:
      needed = Permission::DestroyCards;
      action = "inventory.destroy";
      break;
    case RouteId::WitnessDestruction:
      needed = Permission::WitnessDestruction;
      action = "inventory.witness";
      break;
    default:
      needed = Permission::ReceiveBlanks;
      action = "inventory.stock-take";
      break;
  }
  if (!peer.hasAny(rolesFor(needed)))
    return refuse(peer, needed, action, "inventory", instance, std::move(respond));
  if (!query.empty()) return badRequest("this request takes no query parameters");

  json::object empty;
  json::value parsed;
  if (!req.body.empty() || route != RouteId::WitnessDestruction) {
    if (!isJsonContentType(req.content_type)) {
      return respond(problemResponse(
          makeProblem(415, "unsupported-media-type", "send the body as application/json"),
          instance));
    }
    boost::system::error_code ec;
    parsed = json::parse(req.body, ec);
    if (ec) {
      return respond(problemResponse(
          makeProblem(400, "invalid-json", "the body is not valid JSON: " + ec.message()),
          instance));
    }
    if (!parsed.is_object()) {
      return respond(problemResponse(
          makeProblem(422, "validation-failed", "the body must be a JSON object"), instance));
    }
  }
  const json::object& body = parsed.is_object() ? parsed.get_object() : empty;

  // Each route turns the body into one store operation that returns the JSON
  // to answer and the audit detail to record.
  struct Outcome {
    json::value response;
    json::object detail;
  };
  std::function<Result<Outcome>(StoreTx&)> work;

  auto validationFailed = [&](std::vector<FieldError> errors) {
    answerError(
        Error(ErrorCode::ValidationFailed, "the request has invalid fields", std::move(errors)));
  };

  if (route == RouteId::ReceiveLot) {
    BodyReader r(body, {"lot", "supplier", "quantity", "serial_first", "serial_last", "note"});
    LotReceipt receipt;
    receipt.lot = r.text("lot", true, 64).value_or("");
    receipt.supplier = r.text("supplier", true, 120).value_or("");
    receipt.quantity = r.integer("quantity", true).value_or(0);
    receipt.serial_first = r.text("serial_first", false, 64);
    receipt.serial_last = r.text("serial_last", false, 64);
    receipt.note = r.text("note", false, 500).value_or("");
    if (!r.errors.empty()) return validationFailed(std::move(r.errors));
    work = [receipt, actor = peer.actor](StoreTx& tx) -> Result<Outcome> {
      auto e = tx.ledger.receive(receipt, actor);
      if (!e) return std::move(e).error();
      return Outcome{entryToJson(*e),
                     json::object{{"lot", receipt.lot}, {"quantity", receipt.quantity}}};
    };
  } else if (route == RouteId::LoadFeeder || route == RouteId::UnloadFeeder) {
    BodyReader r(body, {"printer", "lot", "quantity", "serial_first", "serial_last"});
    FeederLoad load;
    load.printer = r.text("printer", true, 64).value_or("");
    load.lot = r.text("lot", false, 64);
    const auto quantity = r.integer("quantity", route == RouteId::LoadFeeder);
    load.quantity = quantity.value_or(0);
    load.serial_first = r.text("serial_first", false, 64);
    load.serial_last = r.text("serial_last", false, 64);
    if (route == RouteId::UnloadFeeder && (load.lot || load.serial_first || load.serial_last))
      r.errors.push_back({"/lot", "an unload takes only printer and quantity"});
    if (!r.errors.empty()) return validationFailed(std::move(r.errors));
    const bool unload = route == RouteId::UnloadFeeder;
    work = [load, quantity, unload, actor = peer.actor](StoreTx& tx) -> Result<Outcome> {
      auto entries =
          unload ? tx.ledger.unload(load.printer, quantity, actor) : tx.ledger.load(load, actor);
      if (!entries) return std::move(entries).error();
      json::array arr;
      std::int64_t moved = 0;
      for (const auto& e : *entries) {
        arr.push_back(entryToJson(e));
        moved += e.quantity;
      }
      auto feeder = tx.ledger.feeder(load.printer);
      if (!feeder) return std::move(feeder).error();
      std::int64_t now_in_feeder = 0;
      for (const auto& f : *feeder) now_in_feeder += f.cards;
      return Outcome{json::object{{"entries", std::move(arr)}, {"feeder_cards", now_in_feeder}},
                     json::object{{"printer", load.printer}, {"quantity", moved}}};
    };
  } else if (route == RouteId::RequestDestruction) {
    BodyReader r(body, {"lot", "quantity", "note"});
    const auto lot = r.text("lot", true, 64).value_or("");
    const auto quantity = r.integer("quantity", true).value_or(0);
    const auto note = r.text("note", false, 500).value_or("");
    if (!r.errors.empty()) return validationFailed(std::move(r.errors));
    work = [lot, quantity, note, actor = peer.actor](StoreTx& tx) -> Result<Outcome> {
      auto d = tx.ledger.requestDestruction(lot, quantity, note, actor);
      if (!d) return std::move(d).error();
      return Outcome{destructionToJson(*d),
                     json::object{{"destruction", d->id}, {"lot", lot}, {"quantity", quantity}}};
    };
  } else if (route == RouteId::WitnessDestruction) {
    BodyReader r(body, {});
    if (!r.errors.empty()) return validationFailed(std::move(r.errors));
    work = [id, actor = peer.actor](StoreTx& tx) -> Result<Outcome> {
      auto d = tx.ledger.witnessDestruction(id, actor);
      if (!d) return std::move(d).error();
      return Outcome{destructionToJson(*d), json::object{{"destruction", id},
                                                         {"requested_by", d->requested_by.user},
                                                         {"quantity", d->quantity}}};
    };
  } else {
    BodyReader r(body, {"reason", "counts"});
    const auto reason = r.text("reason", true, 200).value_or("");
    std::vector<StockCount> counts;
    const json::value* raw = r.raw("counts");
    if (raw == nullptr || !raw->is_array() || raw->get_array().empty()) {
      r.errors.push_back({"/counts", "must be a non-empty array of counted figures"});
    } else {
      const auto& arr = raw->get_array();
      for (std::size_t i = 0; i < arr.size(); ++i) {
        const std::string at = "/counts/" + std::to_string(i);
        if (!arr[i].is_object()) {
          r.errors.push_back({at, "must be an object with lot, location and counted"});
          continue;
        }
        BodyReader c(arr[i].get_object(), {"lot", "location", "printer", "counted"});
        StockCount count;
        count.lot = c.text("lot", true, 64).value_or("");
        const auto location = c.text("location", true, 16).value_or("");
        auto parsed_location = parseStockLocation(location);
        if (!location.empty() && !parsed_location)
          c.errors.push_back({"/location", "must be stock, feeder or spoiled"});
        count.location = parsed_location.value_or(StockLocation::Stock);
        count.printer = c.text("printer", false, 64);
        count.counted = c.integer("counted", true).value_or(0);
        for (auto& e : c.errors) r.errors.push_back({at + e.pointer, e.message});
        counts.push_back(std::move(count));
      }
    }
    if (!r.errors.empty()) return validationFailed(std::move(r.errors));
    work = [counts, reason, actor = peer.actor](StoreTx& tx) -> Result<Outcome> {
      auto entries = tx.ledger.stockTake(counts, reason, actor, std::nullopt);
      if (!entries) return std::move(entries).error();
      json::array arr;
      for (const auto& e : *entries) arr.push_back(entryToJson(e));
      const auto posted = static_cast<std::int64_t>(entries->size());
      return Outcome{json::object{{"adjustments", std::move(arr)}},
                     json::object{{"counts", static_cast<std::int64_t>(counts.size())},
                                  {"adjustments", posted}}};
    };
  }

  auto roles = joinRoleNames(peer.roles);
  const unsigned status = route == RouteId::WitnessDestruction ? 200 : 201;
  ctx_.committer.submit<json::value>(
      [work = std::move(work), peer, roles, action](StoreTx& tx) -> Result<json::value> {
        auto outcome = work(tx);
        if (!outcome) return std::move(outcome).error();
        AuditEntry e;
        e.uid = peer.actor.uid;
        e.user = peer.actor.user;
        e.roles = roles;
        e.action = action;
        e.target = "inventory";
        e.detail = json::serialize(outcome->detail);
        if (auto a = tx.audit.append(std::move(e)); !a) return std::move(a).error();
        return std::move(outcome->response);
      },
      ctx_.ioc.get_executor(),
      [respond = std::move(respond), instance, status, action](Result<json::value> r) {
        if (!r) return respond(problemResponse(problemFromError(r.error()), instance));
        log::info("inventory changed", {{"action", action}});
        respond(jsonResponse(status, *r));
      });
}

}  // namespace cardd::api
