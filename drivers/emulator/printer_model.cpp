#include "emulator/printer_model.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "printer/evolis/evolis_raster.hpp"

namespace cardd::emulator {

namespace evolis = drivers::evolis;

namespace {

constexpr std::size_t kFaultCount = std::size(kAllFaults);

std::size_t index(Fault fault) {
  return static_cast<std::size_t>(fault);
}

bool parseRibbon(std::string_view code, Ribbon& out) {
  for (Ribbon r : {Ribbon::Ymcko, Ribbon::Ymckok, Ribbon::Ko, Ribbon::K}) {
    if (evolis::ribbonCode(r) == code) {
      out = r;
      return true;
    }
  }
  return false;
}

// Whether the ribbon type has the panel `letter`.
bool ribbonHasPanel(Ribbon ribbon, char letter) {
  switch (ribbon) {
    case Ribbon::Ymcko:
    case Ribbon::Ymckok:
      return true;
    case Ribbon::Ko:
      return letter == 'k' || letter == 'o';
    case Ribbon::K:
      return letter == 'k';
  }
  return false;
}

bool isColour(char letter) {
  return letter == 'y' || letter == 'm' || letter == 'c';
}

std::optional<unsigned> parseUnsigned(const std::string& s) {
  if (s.empty() || s.size() > 9) return std::nullopt;
  unsigned v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + static_cast<unsigned>(c - '0');
  }
  return v;
}

// Unpacks an MSB-first packed raster of `bpp` bits per pixel into one
// density byte per pixel.
std::vector<std::uint8_t> unpack(const evolis::Bytes& packed, unsigned bpp) {
  const std::size_t pixels = evolis::kScanLines * evolis::kPixelsPerLine;
  const unsigned max_level = (1u << bpp) - 1u;
  std::vector<std::uint8_t> density(pixels, 0);
  if (bpp == 1) {  // The common k/o case, byte by byte.
    for (std::size_t byte = 0; byte < packed.size() && byte * 8 < pixels; ++byte) {
      const std::uint8_t b = packed[byte];
      if (b == 0) continue;
      for (unsigned i = 0; i < 8 && byte * 8 + i < pixels; ++i) {
        if (b & (0x80u >> i)) density[byte * 8 + i] = 255;
      }
    }
    return density;
  }
  std::size_t bit = 0;
  for (std::size_t i = 0; i < pixels; ++i) {
    unsigned level = 0;
    for (unsigned b = 0; b < bpp; ++b, ++bit) {
      const std::size_t byte = bit / 8;
      if (byte >= packed.size()) break;
      level = (level << 1) | ((packed[byte] >> (7 - bit % 8)) & 1u);
    }
    density[i] = static_cast<std::uint8_t>(level * 255u / max_level);
  }
  return density;
}

std::string volts(bool high) {
  return high ? "5,00 Volts" : "0,00 Volts";
}

}  // namespace

std::string faultName(Fault fault) {
  switch (fault) {
    case Fault::Jam:
      return "jam";
    case Fault::RibbonOut:
      return "ribbon_out";
    case Fault::CoverOpen:
      return "cover_open";
    case Fault::FeederEmpty:
      return "feeder_empty";
    case Fault::HopperFull:
      return "hopper_full";
    case Fault::RejectBoxFull:
      return "reject_box_full";
    case Fault::Overheat:
      return "overheat";
  }
  return "unknown";
}

std::optional<Fault> faultFromName(std::string_view name) {
  for (Fault f : kAllFaults) {
    if (faultName(f) == name) return f;
  }
  return std::nullopt;
}

std::string positionName(Position position) {
  switch (position) {
    case Position::None:
      return "none";
    case Position::PrintPosition:
      return "print";
    case Position::ContactStation:
      return "contact";
    case Position::ContactlessStation:
      return "contactless";
  }
  return "none";
}

PrinterModel::PrinterModel(ModelConfig config, const Clock& clock, ChipSlot& chip,
                           EmulatorSink& sink)
    : config_(std::move(config)),
      clock_(clock),
      chip_(chip),
      sink_(sink),
      rng_(config_.seed),
      host_error_mode_(config_.host_error_mode),
      ribbon_(config_.ribbon),
      ribbon_capacity_(config_.ribbon_capacity),
      ribbon_remaining_(std::min(config_.ribbon_remaining, config_.ribbon_capacity)),
      temp_c_(config_.ambient_c) {
  static_assert(std::size(decltype(injected_){}) == kFaultCount);
  temp_ms_ = clock_.nowMs();
  settle_ms_ = temp_ms_;
  loadFeeder(config_.feeder_count, config_.serial_prefix, config_.serial_start, true);
}

// ---- Helpers ---------------------------------------------------------------------

Response PrinterModel::now(std::string text) const {
  return Response{std::move(text), clock_.nowMs(), false};
}

std::int64_t PrinterModel::start() const {
  return std::max(clock_.nowMs(), settle_ms_);
}

Response PrinterModel::failure(const std::string& condition, std::int64_t at) const {
  if (!host_error_mode_) return Response{"", at, true};
  return Response{"ERR " + condition, at, false};
}

bool PrinterModel::feederEmpty() const {
  return feeder_.empty() || injected_[index(Fault::FeederEmpty)];
}

std::string PrinterModel::movementBlocker() const {
  if (injected_[index(Fault::CoverOpen)]) return "COVER OPEN";
  if (injected_[index(Fault::Jam)]) return "MECHANICAL";
  return {};
}

std::string PrinterModel::feedBlocker() const {
  if (auto b = movementBlocker(); !b.empty()) return b;
  if (feederEmpty()) return "FEEDER EMPTY";
  return {};
}

std::string PrinterModel::makeSerial(const std::string& prefix, std::uint64_t n) const {
  char digits[32];
  std::snprintf(digits, sizeof digits, "%06llu", static_cast<unsigned long long>(n));
  return prefix + digits;
}

void PrinterModel::emit(std::int64_t at, std::string kind, std::string serial, std::string detail) {
  sink_.event(EmulatorEvent{at, std::move(kind), std::move(serial), std::move(detail)});
}

double PrinterModel::temperatureAt(std::int64_t at) const {
  if (at <= temp_ms_) return temp_c_;
  const double dt = static_cast<double>(at - temp_ms_);
  return config_.ambient_c + (temp_c_ - config_.ambient_c) * std::exp(-dt / config_.cooling_tau_ms);
}

void PrinterModel::heat(std::int64_t at, double degrees) {
  temp_c_ = temperatureAt(at) + degrees;
  temp_ms_ = std::max(at, temp_ms_);
  if (temp_c_ > config_.pause_above_c) cooling_ = true;
  if (temp_c_ > config_.fault_above_c && !head_overheated_) {
    head_overheated_ = true;
    emit(at, "fault-raised", card_ ? card_->serial : "", "head_temp");
  }
}

double PrinterModel::headTemperature() const {
  return temperatureAt(clock_.nowMs());
}

bool PrinterModel::cooling() const {
  const double t = headTemperature();
  return t > config_.pause_above_c || (cooling_ && t > config_.resume_below_c);
}

// ---- Card path --------------------------------------------------------------------

void PrinterModel::settleArrivals() {
  if (arrival_notified_ || !card_ || clock_.nowMs() < settle_ms_) return;
  arrival_notified_ = true;
  if (position_ == Position::ContactStation) chip_.cardArrivedAtContactStation(*card_);
  if (position_ == Position::ContactlessStation) chip_.cardArrivedAtContactlessStation(*card_);
}

void PrinterModel::tick() {
  settleArrivals();
  if (cooling_ && headTemperature() < config_.resume_below_c) cooling_ = false;
}

// Called before the card moves away from where it is.
void PrinterModel::leaveStation(std::int64_t at) {
  (void)at;
  if (!card_) return;
  // A card that never "arrived" (its move was still under way) never met the chip.
  const bool arrived = arrival_notified_;
  arrival_notified_ = true;
  if (!arrived) return;
  if (position_ == Position::ContactStation) chip_.cardLeftContactStation(*card_);
  if (position_ == Position::ContactlessStation) chip_.cardLeftContactlessStation(*card_);
}

void PrinterModel::feedBlank(std::int64_t& t) {
  card_ = feeder_.front();
  feeder_.pop_front();
  ++cards_;
  t += config_.feed_ms;
  position_ = Position::PrintPosition;
  arrival_notified_ = true;
  emit(t, "fed", card_->serial);
}

void PrinterModel::moveTo(Position target, std::int64_t& t) {
  if (position_ == target) return;
  leaveStation(t);
  t += config_.move_ms;
  position_ = target;
  arrival_notified_ = false;
  emit(t, "moved", card_->serial, positionName(target));
}

void PrinterModel::finishCard(bool to_reject, std::int64_t& t) {
  leaveStation(t);
  t += config_.eject_ms;
  if (to_reject) {
    ++reject_count_;
  } else {
    ++hopper_count_;
  }
  emit(t, to_reject ? "rejected" : "ejected", card_->serial);
  chip_.cardLeftPrinter(*card_, to_reject);
  card_.reset();
  position_ = Position::None;
  arrival_notified_ = true;
}

// ---- Commands ---------------------------------------------------------------------

Response PrinterModel::handle(const Command& command) {
  tick();
  const std::string& n = command.name;
  const auto& p = command.params;

  if (n.size() >= 2 && n[0] == 'R') return handleRead(command);

  if (n == "Pem") {
    if (p.size() != 1 || (p[0] != "0" && p[0] != "2")) return now("ERROR PARAMETERS");
    host_error_mode_ = p[0] == "2";
    return now("OK");
  }
  if (n == "Pr") {
    Ribbon r;
    if (p.size() != 1 || !parseRibbon(p[0], r)) return now("ERROR PARAMETERS");
    ribbon_ = r;
    return now("OK");
  }
  if (n == "Ss") {
    if (!p.empty()) return now("ERROR PARAMETERS");
    in_sequence_ = true;
    back_side_ = false;
    front_ = {};
    back_ = {};
    return now("OK");
  }
  if (n == "Sr" || n == "Sv") {
    if (!p.empty()) return now("ERROR PARAMETERS");
    back_side_ = n == "Sv";
    return now("OK");
  }
  if (n == "Db" || n == "Dbc") return handleDownload(command);
  if (n == "Se" || n == "Ser") {
    if (!p.empty()) return now("ERROR PARAMETERS");
    if (in_sequence_) return handlePrint(n == "Ser");
    return handleMove(command);
  }
  if (n == "Si" || n == "Sis" || n == "Sic") {
    if (!p.empty()) return now("ERROR PARAMETERS");
    return handleMove(command);
  }
  if (n == "Srs") {
    if (!p.empty()) return now("ERROR PARAMETERS");
    in_sequence_ = false;
    front_ = {};
    back_ = {};
    const std::int64_t t = start() + config_.reset_ms;
    if (head_overheated_ && temperatureAt(t) < config_.resume_below_c) {
      head_overheated_ = false;
      emit(t, "fault-cleared", "", "head_temp");
    }
    settle_ms_ = t;
    emit(t, "reset", card_ ? card_->serial : "");
    return ok(t);
  }
  if (n == "Scp") {  // Cleaning cycle (cleaning card loaded by the operator).
    if (!p.empty()) return now("ERROR PARAMETERS");
    if (auto b = movementBlocker(); !b.empty()) return failure(b, clock_.nowMs());
    const std::int64_t t = start() + config_.clean_ms;
    settle_ms_ = t;
    clean();
    return ok(t);
  }
  return now("ERROR CDE");
}

Response PrinterModel::handleRead(const Command& command) {
  const std::string& n = command.name;
  const auto& p = command.params;
  const auto one = [&](std::string_view v) { return p.size() == 1 && p[0] == v; };
  const auto number = [&](std::uint64_t v) { return now(std::to_string(v)); };

  if (n == "Rtp" || n == "Rsn" || n == "Rkn" || n == "Rfv" || n == "Rxs") {
    if (!p.empty()) return now("ERROR PARAMETERS");
    if (n == "Rtp") return now(config_.model);
    if (n == "Rsn") return now(config_.serial);
    if (n == "Rkn") return now(config_.printhead_kit);
    if (n == "Rfv") return now(config_.firmware);
    const StatusWords w = statusWords();
    char buf[64];
    std::snprintf(buf, sizeof buf, "%08X %08X %08X %08X", w.config, w.information, w.warning,
                  w.error);
    return now(buf);
  }
  if (n == "Rco") {
    if (one("p")) return number(panels_);
    if (one("c")) return number(cards_);
    if (one("a")) return number(cleanings_ == 0 ? 0 : cards_at_cleaning_ / cleanings_);
    if (one("m")) return number(max_between_cleanings_);
    if (one("n")) return number(cleanings_);
    if (one("l")) return number(injected_[index(Fault::RibbonOut)] ? 0 : ribbon_remaining_);
    return now("ERROR PARAMETERS");
  }
  if (n == "Rse") {
    if (one("o")) return now(volts(!injected_[index(Fault::CoverOpen)]));
    if (one("f")) return now(volts(!feederEmpty()));
    if (one("n")) {
      if (feederEmpty()) return now("0,00 Volts");
      return now(feeder_.size() <= config_.feeder_near_empty ? "0,50 Volts" : "5,00 Volts");
    }
    return now("ERROR PARAMETERS");
  }
  if (n == "Rlr") {
    if (one("p")) {
      if (!card_ && clock_.nowMs() >= settle_ms_) return now("OK");
      if (!card_ || clock_.nowMs() < settle_ms_) return now("CARD");  // Inside, moving.
      if (position_ == Position::ContactStation) return now("SMART CARD");
      if (position_ == Position::ContactlessStation) return now("CONTACTLESS CARD");
      return now("CARD");
    }
    if (one("h")) {
      const bool full =
          injected_[index(Fault::HopperFull)] || hopper_count_ >= config_.hopper_capacity;
      return now(full ? "CARD" : "NO CARD");
    }
    if (one("c")) {
      return now(cardsSinceCleaning() >= config_.cleaning_warning_cards ? "ERR NEED CLEANING"
                                                                        : "OK");
    }
    return now("ERROR PARAMETERS");
  }
  if (n == "Rrt") {
    if (one("qty")) return number(ribbon_capacity_);
    if (one("count")) {
      if (config_.spurious_ok_rate > 0.0 &&
          std::uniform_real_distribution<double>(0.0, 1.0)(rng_) < config_.spurious_ok_rate) {
        return now("OK");
      }
      return number(injected_[index(Fault::RibbonOut)] ? 0 : ribbon_remaining_);
    }
    return now("ERROR PARAMETERS");
  }
  return now("ERROR CDE");
}

// Si, Sis, Sic, and Se / Ser outside a print sequence.
Response PrinterModel::handleMove(const Command& command) {
  const std::string& n = command.name;
  const std::int64_t now_ms = clock_.nowMs();

  if (n == "Se" || n == "Ser") {
    // Ser without a card is a no-op (an idempotent "make sure it is gone");
    // Se without a card cannot issue anything and says so.
    if (!card_) return n == "Ser" ? ok(start()) : Response{"ERR NO CARD", now_ms, false};
    if (auto b = movementBlocker(); !b.empty()) return failure(b, now_ms);
    if (n == "Se" &&
        (injected_[index(Fault::HopperFull)] || hopper_count_ >= config_.hopper_capacity)) {
      return failure("HOPPER FULL", now_ms);
    }
    if (n == "Ser" &&
        (injected_[index(Fault::RejectBoxFull)] || reject_count_ >= config_.reject_capacity)) {
      return failure("REJECT BOX FULL", now_ms);
    }
    std::int64_t t = start();
    finishCard(n == "Ser", t);
    settle_ms_ = t;
    return ok(t);
  }

  const Position target = n == "Si"    ? Position::PrintPosition
                          : n == "Sis" ? Position::ContactStation
                                       : Position::ContactlessStation;
  if (auto b = card_ ? movementBlocker() : feedBlocker(); !b.empty()) return failure(b, now_ms);
  std::int64_t t = start();
  if (!card_) feedBlank(t);
  moveTo(target, t);
  settle_ms_ = t;
  // Si answers when the card is at the print position; Sis and Sic answer
  // when accepted, and Rlr;p tells when the card has arrived.
  return ok(n == "Si" ? t : now_ms);
}

Response PrinterModel::handleDownload(const Command& command) {
  const auto& p = command.params;
  if (!in_sequence_ || p.size() < 2 || p[0].size() != 1) return now("ERROR PARAMETERS");
  const char letter = p[0][0];
  if (std::string_view("ymcko").find(letter) == std::string_view::npos ||
      !ribbonHasPanel(ribbon_, letter)) {
    return now("ERROR PARAMETERS");
  }
  PrintedPanel panel{letter, {}};
  if (command.name == "Db") {
    const auto levels = parseUnsigned(p[1]);
    if (!levels) return now("ERROR PARAMETERS");
    const bool colour_ok = *levels == 32 || *levels == 64 || *levels == 128;
    if (isColour(letter) ? !colour_ok : *levels != 2) return now("ERROR PARAMETERS");
    const auto bpp = evolis::bitsPerPixel(*levels);
    const auto size = evolis::panelBytes(*levels);
    if (!bpp || !size || command.payload.size() != *size) return now("ERROR PARAMETERS");
    panel.density = unpack(command.payload, *bpp);
  } else {
    if (isColour(letter)) return now("ERROR PARAMETERS");
    auto mono = evolis::decompressMono(command.payload);
    if (!mono) return now("ERROR PARAMETERS");
    mono->resize(evolis::kMonoPanelBytes, 0);  // Missing trailing lines are white.
    panel.density = unpack(*mono, 1);
  }
  SideData& side = back_side_ ? back_ : front_;
  // A second download of the same panel replaces the first.
  std::erase_if(side.panels, [&](const PrintedPanel& x) { return x.letter == letter; });
  side.panels.push_back(std::move(panel));
  return now("OK");
}

std::uint64_t PrinterModel::ribbonUnitsFor(const SideData& front, const SideData& back) const {
  const bool has_front = !front.panels.empty();
  const bool has_back = !back.panels.empty();
  const bool back_mono = std::all_of(back.panels.begin(), back.panels.end(),
                                     [](const PrintedPanel& x) { return x.letter == 'k'; });
  // YMCKOK carries a second K panel for the back of the same card.
  if (ribbon_ == Ribbon::Ymckok && has_front && has_back && back_mono) return 1;
  return (has_front ? 1u : 0u) + (has_back ? 1u : 0u);
}

// Se / Ser closing an Ss sequence: print on the card inside (or a fresh
// blank), then eject to the hopper or the reject box.
Response PrinterModel::handlePrint(bool to_reject) {
  const std::int64_t now_ms = clock_.nowMs();
  const std::uint64_t units = ribbonUnitsFor(front_, back_);

  // Every condition is checked before anything moves: a refused print
  // leaves the card (and the downloaded panels) where they were.
  if (auto b = card_ ? movementBlocker() : feedBlocker(); !b.empty()) return failure(b, now_ms);
  if (units > 0) {
    if (injected_[index(Fault::RibbonOut)] || ribbon_remaining_ < units) {
      return failure("RIBBON ENDED", now_ms);
    }
    if (injected_[index(Fault::Overheat)] || head_overheated_) return failure("HEAD TEMP", now_ms);
    if (cardsSinceCleaning() >= config_.cleaning_mandatory_cards) {
      return failure("NEED CLEANING", now_ms);
    }
  }
  if (!to_reject &&
      (injected_[index(Fault::HopperFull)] || hopper_count_ >= config_.hopper_capacity)) {
    return failure("HOPPER FULL", now_ms);
  }
  if (to_reject &&
      (injected_[index(Fault::RejectBoxFull)] || reject_count_ >= config_.reject_capacity)) {
    return failure("REJECT BOX FULL", now_ms);
  }

  std::int64_t t = start();
  if (!card_) feedBlank(t);
  moveTo(Position::PrintPosition, t);
  const std::string serial = card_->serial;

  for (SideData* side : {&front_, &back_}) {
    if (side->panels.empty()) continue;
    // The printhead rests while hot: wait until it is under the resume mark.
    const double temp = temperatureAt(t);
    if (temp > config_.pause_above_c || (cooling_ && temp > config_.resume_below_c)) {
      const double wait =
          config_.cooling_tau_ms *
          std::log((temp - config_.ambient_c) / (config_.resume_below_c - config_.ambient_c));
      const auto wait_ms = static_cast<std::int64_t>(std::ceil(std::max(0.0, wait)));
      emit(t, "cooling", serial, std::to_string(wait_ms) + " ms");
      t += wait_ms;
      cooling_ = false;
    }
    t += config_.print_side_ms;
    const std::string side_name = side == &front_ ? "front" : "back";
    heat(t, config_.heat_per_panel_c * static_cast<double>(side->panels.size()));
    panels_ += side->panels.size();
    std::string letters;
    for (const auto& panel : side->panels) letters += panel.letter;
    emit(t, "printed", serial, side_name + ":" + letters);
    sink_.printed(PrintedSide{serial, side_name, std::move(side->panels)});
  }
  ribbon_remaining_ -= std::min(ribbon_remaining_, units);
  finishCard(to_reject, t);

  in_sequence_ = false;
  front_ = {};
  back_ = {};
  settle_ms_ = t;
  return ok(t);
}

// ---- Status --------------------------------------------------------------------

StatusWords PrinterModel::statusWords() const {
  namespace bits = evolis::status_bits;
  StatusWords w;
  const bool ribbon_out = injected_[index(Fault::RibbonOut)] || ribbon_remaining_ == 0;
  if (!ribbon_out && ribbon_remaining_ <= config_.ribbon_low) w.information |= bits::kInfoRibbonLow;
  if (cardsSinceCleaning() >= config_.cleaning_warning_cards) w.information |= bits::kInfoCleaning;
  if (cardsSinceCleaning() >= config_.cleaning_mandatory_cards) {
    w.information |= bits::kInfoCleaningMandatory;
  }
  if (injected_[index(Fault::CoverOpen)]) w.warning |= bits::kWarnCoverOpen;
  if (injected_[index(Fault::HopperFull)] || hopper_count_ >= config_.hopper_capacity) {
    w.warning |= bits::kWarnHopperFull;
  }
  if (cooling()) w.warning |= bits::kWarnCooling;
  if (feederEmpty()) w.warning |= bits::kWarnFeederEmpty;
  if (injected_[index(Fault::Jam)]) w.error |= bits::kErrMechanical;
  if (ribbon_out) w.error |= bits::kErrRibbonEnded;
  if (injected_[index(Fault::Overheat)] || head_overheated_) w.error |= bits::kErrHeadTemp;
  if (injected_[index(Fault::RejectBoxFull)] || reject_count_ >= config_.reject_capacity) {
    w.error |= bits::kErrRejectBoxFull;
  }
  return w;
}

Position PrinterModel::position() const {
  return position_;
}

bool PrinterModel::settling() const {
  return clock_.nowMs() < settle_ms_;
}

std::optional<std::string> PrinterModel::currentSerial() const {
  if (!card_) return std::nullopt;
  return card_->serial;
}

// ---- Control ----------------------------------------------------------------------

void PrinterModel::injectFault(Fault fault) {
  if (injected_[index(fault)]) return;
  injected_[index(fault)] = true;
  if (fault == Fault::Overheat) {
    temp_c_ = std::max(temperatureAt(clock_.nowMs()), config_.fault_above_c);
    temp_ms_ = std::max(temp_ms_, clock_.nowMs());
    cooling_ = true;
  }
  emit(clock_.nowMs(), "fault-raised", card_ ? card_->serial : "", faultName(fault));
}

void PrinterModel::clearFault(Fault fault) {
  if (fault == Fault::Overheat) head_overheated_ = false;
  if (!injected_[index(fault)]) return;
  injected_[index(fault)] = false;
  emit(clock_.nowMs(), "fault-cleared", card_ ? card_->serial : "", faultName(fault));
}

bool PrinterModel::faultActive(Fault fault) const {
  return injected_[index(fault)];
}

void PrinterModel::loadFeeder(std::uint64_t count, const std::string& prefix, std::uint64_t start,
                              bool replace) {
  if (replace) feeder_.clear();
  for (std::uint64_t i = 0; i < count; ++i) feeder_.push_back(Blank{makeSerial(prefix, start + i)});
  emit(clock_.nowMs(), "feeder-loaded", "", std::to_string(count) + " blanks");
}

void PrinterModel::loadRibbon(std::optional<Ribbon> ribbon, std::uint64_t capacity) {
  if (ribbon) ribbon_ = *ribbon;
  ribbon_capacity_ = capacity;
  ribbon_remaining_ = capacity;
  emit(clock_.nowMs(), "ribbon-loaded", "", std::string(evolis::ribbonCode(ribbon_)));
}

void PrinterModel::clean() {
  max_between_cleanings_ = std::max(max_between_cleanings_, cardsSinceCleaning());
  cards_at_cleaning_ = cards_;
  ++cleanings_;
  emit(clock_.nowMs(), "cleaned", "");
}

void PrinterModel::emptyHopper() {
  hopper_count_ = 0;
  emit(clock_.nowMs(), "hopper-emptied", "");
}

void PrinterModel::logEvent(std::string kind, std::string detail) {
  emit(clock_.nowMs(), std::move(kind), "", std::move(detail));
}

void PrinterModel::emptyRejectBox() {
  reject_count_ = 0;
  emit(clock_.nowMs(), "reject-box-emptied", "");
}

}  // namespace cardd::emulator
