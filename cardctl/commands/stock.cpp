// cardctl stock: the blank-card inventory (GET/POST /v1/inventory...).

#include <boost/json.hpp>
#include <ostream>

#include "cli/exit_codes.hpp"
#include "cli/table.hpp"
#include "commands/commands.hpp"

namespace cardd::cli {
namespace {

namespace json = boost::json;

std::string num(const json::value& v) {
  return v.is_int64() ? std::to_string(v.get_int64()) : json::serialize(v);
}

std::string text(const json::value& v) {
  return v.is_string() ? sanitize(v.get_string()) : (v.is_null() ? "-" : json::serialize(v));
}

void printSummary(std::ostream& out, const json::object& inv) {
  Table lots({"LOT", "RECEIVED", "STOCK", "FEEDERS", "ISSUED", "SPOILED", "DESTROYED", "ADJUSTED",
              "BALANCED"});
  for (std::size_t c = 1; c < 8; ++c) lots.align(c, Align::Right);
  auto row = [&](const std::string& name, const json::value& l) {
    lots.addRow({name, num(l.at("received")), num(l.at("in_stock")), num(l.at("in_feeders")),
                 num(l.at("issued")), num(l.at("spoiled")), num(l.at("destroyed")),
                 num(l.at("adjustments")), l.at("balanced").as_bool() ? "yes" : "NO"});
  };
  for (const auto& l : inv.at("lots").as_array()) row(text(l.at("lot")), l);
  row("total", inv.at("total"));
  out << lots.render();
  const auto& printers = inv.at("printers").as_array();
  if (!printers.empty()) {
    Table feeders({"PRINTER", "CARDS", "LOTS"});
    feeders.align(1, Align::Right);
    for (const auto& p : printers) {
      std::string per_lot;
      for (const auto& l : p.at("lots").as_array()) {
        if (!per_lot.empty()) per_lot += ", ";
        per_lot += text(l.at("lot")) + " " + num(l.at("cards"));
      }
      feeders.addRow({text(p.at("printer")), num(p.at("cards")), per_lot});
    }
    out << '\n' << feeders.render();
  }
  const auto& imbalances = inv.at("imbalances").as_array();
  if (imbalances.empty()) {
    out << "\nThe books balance: received + adjustments = stock + feeders + issued + spoiled + "
           "destroyed.\n";
  } else {
    out << "\nTHE BOOKS DO NOT BALANCE:\n";
    for (const auto& i : imbalances) out << "  " << text(i) << '\n';
    out << "Count the cards (cardctl stock count) and tell a supervisor.\n";
  }
}

void printEntries(std::ostream& out, const json::array& entries) {
  Table t({"SEQ", "KIND", "LOT", "PRINTER", "QTY", "USER", "REASON"});
  t.align(0, Align::Right);
  t.align(4, Align::Right);
  for (const auto& e : entries) {
    t.addRow({num(e.at("seq")), text(e.at("kind")), text(e.at("lot")), text(e.at("printer")),
              num(e.at("quantity")), text(e.at("user")), text(e.at("reason"))});
  }
  out << t.render();
}

void printDestruction(std::ostream& out, const json::value& d) {
  out << "destruction " << num(d.at("id")) << ": " << num(d.at("quantity")) << " cards of lot "
      << text(d.at("lot")) << ", " << text(d.at("state"));
  if (d.at("state") == "awaiting-witness")
    out << " (asked by " << text(d.at("requested_by")) << "; another person runs: cardctl stock "
        << "witness " << num(d.at("id")) << ")";
  else
    out << " (asked by " << text(d.at("requested_by")) << ", witnessed by " << text(d.at("witness"))
        << ")";
  out << '\n';
}

// "L-1:feeder:P1=12" -> {lot, location, printer, counted}
std::optional<json::object> parseCount(const std::string& word) {
  const auto eq = word.rfind('=');
  if (eq == std::string::npos || eq + 1 >= word.size()) return std::nullopt;
  std::int64_t counted = 0;
  for (char c : word.substr(eq + 1)) {
    if (c < '0' || c > '9') return std::nullopt;
    counted = counted * 10 + (c - '0');
  }
  std::vector<std::string> parts;
  std::string head = word.substr(0, eq);
  std::size_t start = 0;
  for (;;) {
    const auto colon = head.find(':', start);
    parts.push_back(
        head.substr(start, colon == std::string::npos ? std::string::npos : colon - start));
    if (colon == std::string::npos) break;
    start = colon + 1;
  }
  if (parts.size() < 2 || parts.size() > 3 || parts[0].empty()) return std::nullopt;
  json::object o{{"lot", parts[0]}, {"location", parts[1]}, {"counted", counted}};
  if (parts.size() == 3) o["printer"] = parts[2];
  return o;
}

}  // namespace

int runStock(Session& session) {
  const Invocation& inv = session.invocation();
  const std::string& action = inv.stock_action;
  const ProblemContext context{Command::Stock, 0};
  auto usage = [&](const std::string& message) {
    session.io().err << "cardctl: " << message << '\n';
    return toInt(ExitCode::Usage);
  };

  std::string method = "POST";
  std::string target;
  json::object body;
  auto addSerials = [&]() -> bool {
    if (!inv.serials) return true;
    const auto dots = inv.serials->find("..");
    body["serial_first"] = inv.serials->substr(0, dots);
    body["serial_last"] = inv.serials->substr(dots + 2);
    return true;
  };

  if (action == "show" || action == "ledger" || action == "pending") {
    method = "GET";
    target = action == "show"     ? "/v1/inventory"
             : action == "ledger" ? "/v1/inventory/ledger?limit=1000"
                                  : "/v1/inventory/destructions?state=awaiting-witness";
  } else if (action == "receive") {
    if (!inv.supplier || !inv.quantity)
      return usage("stock receive needs --supplier and --quantity");
    target = "/v1/inventory/receipts";
    body = {{"lot", inv.stock_args[0]}, {"supplier", *inv.supplier}, {"quantity", *inv.quantity}};
    addSerials();
    if (inv.note) body["note"] = *inv.note;
  } else if (action == "load") {
    if (!inv.quantity) return usage("stock load needs --quantity");
    target = "/v1/inventory/loads";
    body = {{"printer", inv.stock_args[0]}, {"quantity", *inv.quantity}};
    if (inv.lot) body["lot"] = *inv.lot;
    addSerials();
  } else if (action == "unload") {
    target = "/v1/inventory/unloads";
    body = {{"printer", inv.stock_args[0]}};
    if (inv.quantity) body["quantity"] = *inv.quantity;
  } else if (action == "destroy") {
    if (!inv.quantity) return usage("stock destroy needs --quantity");
    target = "/v1/inventory/destructions";
    body = {{"lot", inv.stock_args[0]}, {"quantity", *inv.quantity}};
    if (inv.note) body["note"] = *inv.note;
  } else if (action == "witness") {
    const std::string& id = inv.stock_args[0];
    if (id.empty() || id.find_first_not_of("0123456789") != std::string::npos || id[0] == '0')
      return usage("invalid destruction ID '" + id + "' (a positive number)");
    target = "/v1/inventory/destructions/" + id + "/witness";
  } else {  // count
    if (!inv.reason) return usage("stock count needs --reason (why the stock was counted)");
    json::array counts;
    for (const auto& word : inv.stock_args) {
      auto count = parseCount(word);
      if (!count)
        return usage("cannot read '" + word +
                     "': write LOT:LOCATION[:PRINTER]=N, e.g. L-1:stock=480");
      counts.push_back(std::move(*count));
    }
    target = "/v1/inventory/stock-takes";
    body = {{"reason", *inv.reason}, {"counts", std::move(counts)}};
  }

  auto response = method == "GET"
                      ? session.call("GET", target)
                      : session.call("POST", target,
                                     action == "witness" ? std::string() : json::serialize(body));
  if (!response) return session.fail(response.error());
  if (response->status != 200 && response->status != 201)
    return session.failResponse(*response, context);
  if (inv.json) {
    session.printJson(response->body);
    return toInt(ExitCode::Ok);
  }
  auto result = session.objectBody(*response);
  if (!result) return toInt(ExitCode::Error);
  std::ostream& out = session.io().out;

  if (action == "show") {
    printSummary(out, *result);
    return toInt(result->at("balanced").as_bool() ? ExitCode::Ok : ExitCode::Error);
  }
  if (action == "ledger") {
    printEntries(out, result->at("entries").as_array());
  } else if (action == "pending") {
    const auto& list = result->at("destructions").as_array();
    if (list.empty()) out << "no destruction is waiting for a witness\n";
    for (const auto& d : list) printDestruction(out, d);
  } else if (action == "receive") {
    out << "received lot " << text(result->at("lot")) << ": " << num(result->at("quantity"))
        << " blank cards\n";
  } else if (action == "load" || action == "unload") {
    std::int64_t moved = 0;
    for (const auto& e : result->at("entries").as_array()) moved += e.at("quantity").as_int64();
    out << (action == "load" ? "loaded " : "unloaded ") << moved << " cards "
        << (action == "load" ? "into " : "from ") << sanitize(inv.stock_args[0])
        << "; its feeder now holds " << num(result->at("feeder_cards")) << " in the book\n";
  } else if (action == "destroy" || action == "witness") {
    printDestruction(out, *result);
  } else {
    const auto& adjustments = result->at("adjustments").as_array();
    if (adjustments.empty()) out << "every count matches the book; nothing posted\n";
    for (const auto& a : adjustments) {
      out << "adjusted lot " << text(a.at("lot")) << " " << text(a.at("location")) << " by "
          << (a.at("quantity").as_int64() > 0 ? "+" : "") << num(a.at("quantity")) << " ("
          << text(a.at("note")) << ")\n";
    }
  }
  return toInt(ExitCode::Ok);
}

}  // namespace cardd::cli
