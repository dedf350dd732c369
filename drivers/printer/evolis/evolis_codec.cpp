#include "printer/evolis/evolis_codec.hpp"

#include <algorithm>

#include "driver_error.hpp"

namespace cardd::drivers::evolis {

namespace {

bool isLetter(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

bool isParamChar(char c) {
  return c >= 0x20 && c <= 0x7E && c != ';';
}

Command simple(std::string name, std::vector<std::string> params = {}) {
  return Command{std::move(name), std::move(params), false, {}};
}

}  // namespace

Result<Bytes> encode(const Command& command) {
  if (command.name.empty() || !std::all_of(command.name.begin(), command.name.end(), isLetter)) {
    return badArgument("evolis: command name must be letters");
  }
  for (const auto& p : command.params) {
    if (!std::all_of(p.begin(), p.end(), isParamChar)) {
      return badArgument("evolis: parameter of " + command.name + " has a forbidden byte");
    }
  }
  Bytes out;
  out.reserve(command.name.size() + 16 + command.payload.size());
  out.push_back(kEsc);
  out.insert(out.end(), command.name.begin(), command.name.end());
  for (const auto& p : command.params) {
    out.push_back(';');
    out.insert(out.end(), p.begin(), p.end());
  }
  if (command.has_payload) {
    out.push_back(';');
    out.insert(out.end(), command.payload.begin(), command.payload.end());
  }
  out.push_back(kCr);
  return out;
}

Result<Bytes> encodeAll(std::span<const Command> commands) {
  Bytes out;
  for (const auto& c : commands) {
    auto bytes = encode(c);
    if (!bytes) return bytes.error();
    out.insert(out.end(), bytes->begin(), bytes->end());
  }
  return out;
}

std::string describe(const Command& command) {
  std::string out = command.name;
  for (const auto& p : command.params) out += ';' + p;
  if (command.has_payload) out += ";<" + std::to_string(command.payload.size()) + " bytes>";
  return out;
}

Command setErrorMode(ErrorMode mode) {
  return simple("Pem", {std::to_string(static_cast<int>(mode))});
}

std::string_view ribbonCode(Ribbon ribbon) {
  switch (ribbon) {
    case Ribbon::Ymcko:
      return "ymcko";
    case Ribbon::Ymckok:
      return "ymckok";
    case Ribbon::Ko:
      return "ko";
    case Ribbon::K:
      return "k";
  }
  return "k";
}

Command setRibbon(Ribbon ribbon) {
  return simple("Pr", {std::string(ribbonCode(ribbon))});
}

Command startSequence() {
  return simple("Ss");
}
Command frontSide() {
  return simple("Sr");
}
Command backSide() {
  return simple("Sv");
}
Command endSequence() {
  return simple("Se");
}

char panelLetter(PanelCode panel) {
  switch (panel) {
    case PanelCode::Yellow:
      return 'y';
    case PanelCode::Magenta:
      return 'm';
    case PanelCode::Cyan:
      return 'c';
    case PanelCode::Black:
      return 'k';
    case PanelCode::Overlay:
      return 'o';
  }
  return 'k';
}

Result<Command> downloadBitmap(PanelCode panel, unsigned levels, Bytes bitmap) {
  auto size = panelBytes(levels);
  if (!size) return size.error();
  const bool mono_panel = panel == PanelCode::Black || panel == PanelCode::Overlay;
  if (mono_panel && levels != 2) return badArgument("evolis: k and o panels take 2 levels");
  if (bitmap.size() != *size) {
    return badArgument("evolis: Db bitmap is " + std::to_string(bitmap.size()) + " bytes, " +
                       std::to_string(*size) + " expected");
  }
  return Command{
      "Db", {std::string(1, panelLetter(panel)), std::to_string(levels)}, true, std::move(bitmap)};
}

Result<Command> downloadCompressed(PanelCode panel, Bytes compressed, unsigned line) {
  if (panel != PanelCode::Black && panel != PanelCode::Overlay) {
    return badArgument("evolis: Dbc is for the k and o panels only");
  }
  if (compressed.size() > kMaxDbcBytes) return badArgument("evolis: Dbc payload too large");
  if (auto decoded = decompressMono(compressed); !decoded) {
    return badArgument("evolis: Dbc payload does not decode: " + decoded.error().message);
  }
  const auto length = std::to_string(compressed.size());
  return Command{"Dbc",
                 {std::string(1, panelLetter(panel)), std::to_string(line), length},
                 true,
                 std::move(compressed)};
}

Command insertCard() {
  return simple("Si");
}
Command toContactStation() {
  return simple("Sis");
}
Command toContactlessStation() {
  return simple("Sic");
}
Command ejectCard() {
  return simple("Se");
}
Command rejectCard() {
  return simple("Ser");
}
Command softReset() {
  return simple("Srs");
}
Command cleanPrinter() {
  return simple("Scp");
}

Command readModel() {
  return simple("Rtp");
}
Command readSerial() {
  return simple("Rsn");
}
Command readPrintheadKit() {
  return simple("Rkn");
}
Command readFirmware() {
  return simple("Rfv");
}

Command readCounter(Counter counter) {
  switch (counter) {
    case Counter::Panels:
      return simple("Rco", {"p"});
    case Counter::Cards:
      return simple("Rco", {"c"});
    case Counter::AvgBetweenCleanings:
      return simple("Rco", {"a"});
    case Counter::MaxBetweenCleanings:
      return simple("Rco", {"m"});
    case Counter::Cleanings:
      return simple("Rco", {"n"});
    case Counter::RibbonCardsLeft:
      return simple("Rco", {"l"});
  }
  return simple("Rco", {"c"});
}

Command readSensor(Sensor sensor) {
  switch (sensor) {
    case Sensor::Cover:
      return simple("Rse", {"o"});
    case Sensor::Feeder:
      return simple("Rse", {"f"});
    case Sensor::FeederNearEmpty:
      return simple("Rse", {"n"});
  }
  return simple("Rse", {"o"});
}

Command readCardPosition() {
  return simple("Rlr", {"p"});
}
Command readHopper() {
  return simple("Rlr", {"h"});
}
Command readCleaning() {
  return simple("Rlr", {"c"});
}

Command readRibbonCapacity() {
  return simple("Rrt", {"qty"});
}
Command readRibbonRemaining() {
  return simple("Rrt", {"count"});
}
Command readExtendedStatus() {
  return simple("Rxs");
}

}  // namespace cardd::drivers::evolis
