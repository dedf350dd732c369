#include "printer/evolis/evolis_driver.hpp"

#include <algorithm>
#include <array>
#include <thread>
#include <utility>
#include <vector>

#include "driver_error.hpp"
#include "printer/evolis/evolis_raster.hpp"

namespace cardd::drivers::evolis {

namespace {

// The printer cannot be reached or stopped answering. core/error.hpp has no
// device codes yet; Unavailable is what driver_error.hpp uses for "not now".
Error unreachable(std::string message) {
  return Error(ErrorCode::Unavailable, std::move(message));
}

std::string ms(std::chrono::milliseconds d) {
  return std::to_string(d.count()) + " ms";
}

// What a technician should do about each movement failure.
std::string faultAdvice(DeviceFault fault) {
  switch (fault) {
    case DeviceFault::Mechanical:
      return "a card is jammed; open the printer, remove the card, then reset the printer";
    case DeviceFault::RibbonEnded:
      return "the ribbon has ended; replace the ribbon";
    case DeviceFault::CoverOpen:
      return "the cover is open; close it";
    case DeviceFault::FeederEmpty:
      return "the feeder is empty; load blank cards";
    case DeviceFault::HopperFull:
      return "the output hopper is full; empty it";
    case DeviceFault::RejectBoxFull:
      return "the reject box is full; empty it";
    case DeviceFault::HeadTemp:
      return "the printhead is too hot; let the printer cool down";
    case DeviceFault::NeedCleaning:
      return "cleaning is mandatory before the next card; run a cleaning cycle";
  }
  return "the printer reported a fault";
}

// "the printer reports ..." for each position.
std::string_view positionReport(CardPosition p) {
  switch (p) {
    case CardPosition::None:
      return "no card inside";
    case CardPosition::Inside:
      return "the card inside, not at a station";
    case CardPosition::ContactStation:
      return "the card at the contact station";
    case CardPosition::ContactlessStation:
      return "the card at the contactless station";
  }
  return "an unknown position";
}

std::string_view stationName(CardPosition p) {
  return p == CardPosition::ContactlessStation ? "contactless station" : "contact station";
}

bool isTerminator(std::uint8_t b) {
  return b == kCr || b == '\n' || b == '\0';
}
bool isPadding(std::uint8_t b) {
  return isTerminator(b) || b == ' ' || b == '\t';
}

// ---- Print planning: panels -> ribbon and Db/Dbc commands ------------------

constexpr std::array<PanelKind, 5> kRibbonOrder = {
    PanelKind::Yellow, PanelKind::Magenta, PanelKind::Cyan, PanelKind::Black, PanelKind::Overlay};

unsigned kindBit(PanelKind k) {
  return 1u << static_cast<unsigned>(k);
}
constexpr unsigned kY = 1u << 0, kM = 1u << 1, kC = 1u << 2, kK = 1u << 3, kO = 1u << 4;

PanelCode panelCode(PanelKind k) {
  switch (k) {
    case PanelKind::Yellow:
      return PanelCode::Yellow;
    case PanelKind::Magenta:
      return PanelCode::Magenta;
    case PanelKind::Cyan:
      return PanelCode::Cyan;
    case PanelKind::Black:
      return PanelCode::Black;
    case PanelKind::Overlay:
      return PanelCode::Overlay;
  }
  return PanelCode::Black;
}

std::string kindsText(unsigned mask) {
  std::string out;
  const char letters[] = {'Y', 'M', 'C', 'K', 'O'};
  for (unsigned i = 0; i < 5; ++i) {
    if (mask & (1u << i)) out += letters[i];
  }
  return out.empty() ? "nothing" : out;
}

Result<unsigned> kindMask(const PanelSet& side, std::string_view name) {
  unsigned mask = 0;
  for (const Panel& p : side.panels) {
    if (mask & kindBit(p.kind)) {
      return badArgument("evolis: the " + std::string(name) + " has two " +
                         kindsText(kindBit(p.kind)) + " panels");
    }
    mask |= kindBit(p.kind);
  }
  return mask;
}

// The ribbon that prints these sides (table in evolis_driver.hpp): front
// YMCKO [+ back K], K on one or both sides, KO on the front only.
Result<Ribbon> chooseRibbon(unsigned front, unsigned back) {
  const unsigned ymcko = kY | kM | kC | kK | kO;
  if (front == ymcko && back == 0) return Ribbon::Ymcko;
  if (front == ymcko && back == kK) return Ribbon::Ymckok;
  if (front == kK && (back == 0 || back == kK)) return Ribbon::K;
  if (front == (kK | kO) && back == 0) return Ribbon::Ko;
  return badArgument("evolis: no ribbon prints front " + kindsText(front) + " and back " +
                     kindsText(back) +
                     "; supported: front YMCKO, front YMCKO + back K, K on one or both sides, "
                     "front KO");
}

// The Db (or Dbc) commands of one side, in ribbon order.
Status appendSide(const PanelSet& side, const EvolisDriverOptions& o, std::vector<Command>& out) {
  for (const PanelKind kind : kRibbonOrder) {
    const auto it = std::find_if(side.panels.begin(), side.panels.end(),
                                 [&](const Panel& p) { return p.kind == kind; });
    if (it == side.panels.end()) continue;
    if (it->pixels_per_line != kPixelsPerLine || it->lines != kScanLines) {
      return badArgument("evolis: a panel must be " + std::to_string(kScanLines) + " lines of " +
                         std::to_string(kPixelsPerLine) + " px, got " + std::to_string(it->lines) +
                         " lines of " + std::to_string(it->pixels_per_line) + " px");
    }
    const bool mono = kind == PanelKind::Black || kind == PanelKind::Overlay;
    const unsigned levels = mono ? 2 : o.colour_levels;
    auto packed = packPanel(it->density, levels);
    if (!packed) return packed.error();
    Result<Command> cmd = [&]() -> Result<Command> {
      if (mono && o.use_dbc) {
        auto compressed = compressMono(*packed);
        if (!compressed) return compressed.error();
        return downloadCompressed(panelCode(kind), std::move(*compressed));
      }
      return downloadBitmap(panelCode(kind), levels, std::move(*packed));
    }();
    if (!cmd) return cmd.error();
    out.push_back(std::move(*cmd));
  }
  return Ok{};
}

}  // namespace

EvolisDriverOptions evolisOptionsFromQuirks(const PrinterQuirks& q, EvolisDriverOptions o) {
  o.usb_vendor_id = q.usb.vendor;
  o.usb_product_id = q.usb.product;
  if (q.contact) o.supports_contact = *q.contact;
  if (q.contactless) o.supports_contactless = *q.contactless;
  if (q.dbc) o.use_dbc = *q.dbc;
  if (q.colour_levels) o.colour_levels = *q.colour_levels;
  if (q.spurious_ok_retries) o.spurious_ok_retries = *q.spurious_ok_retries;
  if (q.extended_status) o.extended_status = *q.extended_status;
  if (q.cover_closed_min_mv) o.normaliser.cover_closed_min_mv = *q.cover_closed_min_mv;
  if (q.feeder_loaded_min_mv) o.normaliser.feeder_loaded_min_mv = *q.feeder_loaded_min_mv;
  if (q.near_empty_below_mv) o.normaliser.near_empty_below_mv = *q.near_empty_below_mv;
  if (q.ribbon_low_prints) o.normaliser.ribbon_low_prints = *q.ribbon_low_prints;
  if (q.ribbon_low_percent) o.normaliser.ribbon_low_percent = *q.ribbon_low_percent;
  return o;
}

EvolisDriver::EvolisDriver(TransportConnector connect, EvolisDriverOptions options)
    : connect_(std::move(connect)), options_(std::move(options)) {
  if (!options_.sleep) {
    options_.sleep = [](std::chrono::milliseconds d) { std::this_thread::sleep_for(d); };
  }
}

EvolisDriver::~EvolisDriver() {
  if (transport_) transport_->close();
}

// ---- Link --------------------------------------------------------------------

void EvolisDriver::dropTransport() {
  if (transport_) transport_->close();
  transport_.reset();
  link_lost_ = true;
}

Status EvolisDriver::ensureConnected() {
  if (transport_) return Ok{};
  auto opened = connect_();
  if (!opened) {
    link_lost_ = true;
    return unreachable("evolis: cannot reach the printer: " + opened.error().message);
  }
  if (!*opened) {
    link_lost_ = true;
    return unreachable("evolis: the transport connector returned no transport");
  }
  transport_ = std::move(*opened);

  // A fresh link: the host manages errors (movement failures come back as
  // "ERR <CONDITION>" instead of the printer waiting on its own).
  auto reply = exchange(setErrorMode(ErrorMode::Host), options_.reply_timeout);
  if (!reply) return reply.error();
  if (auto ok = expectOk(*reply); !ok) {
    dropTransport();
    link_lost_ = false;  // The printer answered: it is reachable, but refused.
    return ok.error();
  }
  return Ok{};
}

Result<Reply> EvolisDriver::exchange(const Command& command, std::chrono::milliseconds timeout) {
  if (!transport_) return unreachable("evolis: the printer link was lost");
  auto bytes = encode(command);
  if (!bytes) return bytes.error();
  const std::string name = command.name;

  auto written = transport_->write(*bytes, options_.write_timeout);
  if (!written || *written != LinkState::Ok) {
    const std::string where = transport_->describe();
    const std::string why = !written ? written.error().message
                            : *written == LinkState::Timeout
                                ? "timed out after " + ms(options_.write_timeout)
                                : "the link was disconnected";
    dropTransport();
    return unreachable("evolis: sending " + name + " to " + where + " failed: " + why);
  }
  return readReply(name, timeout);
}

Result<Reply> EvolisDriver::readReply(const std::string& command_name,
                                      std::chrono::milliseconds timeout) {
  // Read until a terminator follows some content, or until reply_gap passes
  // in silence after content (an unterminated reply).
  Bytes reply;
  bool content = false;
  for (;;) {
    const auto wait = content ? options_.reply_gap : timeout;
    auto got = transport_->read(kMaxReplyBytes + 1, wait);
    if (!got || got->state != LinkState::Ok) {
      if (got && got->state == LinkState::Timeout && content) break;
      const std::string where = transport_->describe();
      const std::string why = !got                               ? got.error().message
                              : got->state == LinkState::Timeout ? "no reply within " + ms(timeout)
                                                                 : "the link was disconnected";
      dropTransport();
      return unreachable("evolis: the printer at " + where + " did not answer " + command_name +
                         ": " + why);
    }
    bool ended = false;
    for (const std::uint8_t b : got->bytes) {
      if (content && isTerminator(b)) {
        ended = true;
        break;  // Anything after the terminator belongs to no command.
      }
      if (!content && isPadding(b)) continue;
      content = true;
      reply.push_back(b);
    }
    if (ended) break;
    if (reply.size() > kMaxReplyBytes) {
      dropTransport();
      link_lost_ = false;
      return protocolError("evolis: the reply to " + command_name + " is too long");
    }
  }
  return parseReply(reply);
}

Result<Reply> EvolisDriver::transact(const Command& command, std::chrono::milliseconds timeout) {
  link_lost_ = false;
  if (auto connected = ensureConnected(); !connected) return connected.error();
  return exchange(command, timeout);
}

// ---- Movements -----------------------------------------------------------------

Status EvolisDriver::checkMovementReply(const Command& command, const Reply& reply,
                                        bool clears_fault) {
  if (reply.kind == ReplyKind::Ok) {
    if (clears_fault) sticky_fault_.reset();
    return Ok{};
  }
  if (auto fault = deviceFault(reply)) {
    sticky_fault_ = *fault;
    return unreachable("evolis: " + command.name + " failed (ERR " +
                       std::string(deviceFaultText(*fault)) + "): " + faultAdvice(*fault));
  }
  auto ok = expectOk(reply);
  if (!ok) return Error(ok.error().code, ok.error().message + " (to " + command.name + ")");
  return Ok{};
}

Status EvolisDriver::movement(const Command& command, std::chrono::milliseconds timeout) {
  auto reply = transact(command, timeout);
  if (!reply) return reply.error();
  return checkMovementReply(command, *reply, /*clears_fault=*/true);
}

Status EvolisDriver::waitForStation(CardPosition wanted) {
  const auto interval = std::max(options_.station_poll_interval, std::chrono::milliseconds(1));
  const auto polls = static_cast<std::size_t>(options_.station_max_wait / interval) + 1;
  CardPosition last = CardPosition::None;
  for (std::size_t i = 0; i < polls; ++i) {
    if (i > 0) options_.sleep(interval);
    auto reply = transact(readCardPosition(), options_.reply_timeout);
    if (!reply) return reply.error();
    auto position = expectCardPosition(*reply);
    if (!position) return position.error();
    if (*position == wanted) return Ok{};
    last = *position;
  }
  return unreachable("evolis: the card did not reach the " + std::string(stationName(wanted)) +
                     " within " + ms(options_.station_max_wait) + "; the printer reports " +
                     std::string(positionReport(last)));
}

Status EvolisDriver::feedToContactStation() {
  if (!options_.supports_contact) {
    return notSupported("evolis: this model has no smart-card contact station (quirks)");
  }
  if (auto moved = movement(toContactStation(), options_.movement_timeout); !moved) return moved;
  return waitForStation(CardPosition::ContactStation);
}

Status EvolisDriver::feedToContactlessStation() {
  if (!options_.supports_contactless) {
    return notSupported("evolis: this model has no contactless station (quirks)");
  }
  if (auto moved = movement(toContactlessStation(), options_.movement_timeout); !moved) {
    return moved;
  }
  return waitForStation(CardPosition::ContactlessStation);
}

Status EvolisDriver::eject() {
  return movement(ejectCard(), options_.movement_timeout);
}

Status EvolisDriver::reject() {
  return movement(rejectCard(), options_.movement_timeout);
}

Status EvolisDriver::clean() {
  return movement(cleanPrinter(), options_.print_timeout);
}

Status EvolisDriver::reset() {
  if (auto done = movement(softReset(), options_.movement_timeout); !done) return done;
  // The reset may restore the printer's own error handling: claim it again.
  auto reply = transact(setErrorMode(ErrorMode::Host), options_.reply_timeout);
  if (!reply) return reply.error();
  return expectOk(*reply);
}

Status EvolisDriver::printAndEject(const PreparedCard& card) {
  // Plan everything before touching the printer: a card that cannot be
  // printed must not start a sequence.
  auto front = kindMask(card.front, "front");
  if (!front) return front.error();
  auto back = kindMask(card.back, "back");
  if (!back) return back.error();
  auto ribbon = chooseRibbon(*front, *back);
  if (!ribbon) return ribbon.error();

  std::vector<Command> sequence{setRibbon(*ribbon), startSequence(), frontSide()};
  if (auto s = appendSide(card.front, options_, sequence); !s) return s;
  if (!card.back.empty()) {
    sequence.push_back(backSide());
    if (auto s = appendSide(card.back, options_, sequence); !s) return s;
  }
  sequence.push_back(endSequence());

  // One command, one reply. Se prints and ejects: only its OK clears a
  // sticky fault, and it gets the long print timeout.
  for (std::size_t i = 0; i < sequence.size(); ++i) {
    const bool last = i + 1 == sequence.size();
    auto reply = transact(sequence[i], last ? options_.print_timeout : options_.movement_timeout);
    if (!reply) return reply.error();
    if (auto ok = checkMovementReply(sequence[i], *reply, last); !ok) return ok;
  }
  return Ok{};
}

// ---- Reads -----------------------------------------------------------------------

Result<PrinterIdentity> EvolisDriver::identify() {
  PrinterIdentity id;
  id.family = "evolis";
  id.usb_vendor_id = options_.usb_vendor_id;
  id.usb_product_id = options_.usb_product_id;
  struct Field {
    Command command;
    std::string* out;
    bool required;
  };
  const Field fields[] = {{readModel(), &id.model, true},
                          {readSerial(), &id.serial, true},
                          {readFirmware(), &id.firmware, true},
                          {readPrintheadKit(), &id.printhead_kit, false}};
  for (const Field& f : fields) {
    auto reply = transact(f.command, options_.reply_timeout);
    if (!reply) return reply.error();
    auto text = expectText(*reply);
    if (text) {
      *f.out = std::move(*text);
    } else if (f.required) {
      return Error(text.error().code, text.error().message + " (to " + f.command.name + ")");
    }
  }
  return id;
}

Result<CardPosition> EvolisDriver::cardPosition() {
  auto reply = transact(readCardPosition(), options_.reply_timeout);
  if (!reply) return reply.error();
  return expectCardPosition(*reply);
}

Result<PrinterStatus> EvolisDriver::status() {
  EvolisReadings r;
  r.cards_at_last_cleaning = options_.cards_at_last_cleaning;
  const auto offline = [&] {
    EvolisReadings gone;
    gone.reachable = false;
    return normalise(gone, options_.normaliser);
  };

  link_lost_ = false;
  if (auto connected = ensureConnected(); !connected) {
    if (link_lost_) return offline();
    return connected.error();
  }

  // Each read fills its field or leaves it empty (a refused or garbled
  // reply). A lost link stops the poll: exchange() fails at once once the
  // transport is dropped, and the status is offline.
  const auto read = [&](const Command& c) -> std::optional<Reply> {
    if (!transport_) return std::nullopt;
    auto reply = exchange(c, options_.reply_timeout);
    if (!reply) return std::nullopt;
    return std::move(*reply);
  };
  const auto take = [](auto result, auto& field) {
    if (result) field = std::move(*result);
  };

  if (auto x = read(readSensor(Sensor::Cover))) take(expectMillivolts(*x), r.cover_mv);
  if (auto x = read(readSensor(Sensor::Feeder))) take(expectMillivolts(*x), r.feeder_mv);
  if (auto x = read(readSensor(Sensor::FeederNearEmpty))) {
    take(expectMillivolts(*x), r.feeder_near_empty_mv);
  }
  if (auto x = read(readHopper())) take(expectHopperFull(*x), r.hopper_full);
  if (auto x = read(readCleaning())) take(expectCleaningDue(*x), r.cleaning_due);
  if (auto x = read(readCardPosition())) take(expectCardPosition(*x), r.card_position);
  if (auto x = read(readCounter(Counter::Panels))) take(expectCount(*x), r.panels);
  if (auto x = read(readCounter(Counter::Cards))) take(expectCount(*x), r.cards);
  if (auto x = read(readCounter(Counter::AvgBetweenCleanings))) {
    take(expectCount(*x), r.avg_between_cleanings);
  }
  if (auto x = read(readCounter(Counter::MaxBetweenCleanings))) {
    take(expectCount(*x), r.max_between_cleanings);
  }
  if (auto x = read(readCounter(Counter::Cleanings))) take(expectCount(*x), r.cleanings);
  if (auto x = read(readCounter(Counter::RibbonCardsLeft)))
    take(expectCount(*x), r.ribbon_cards_left);
  if (auto x = read(readRibbonCapacity())) take(expectCount(*x), r.ribbon_capacity);

  // Rrt;count may answer a spurious "OK": ask again, a bounded number of times.
  for (unsigned attempt = 0; attempt <= options_.spurious_ok_retries; ++attempt) {
    auto x = read(readRibbonRemaining());
    if (!x) break;
    auto remaining = expectRibbonRemaining(*x);
    if (!remaining) break;
    if (const auto* count = std::get_if<std::uint64_t>(&*remaining)) {
      r.ribbon_remaining = *count;
      break;
    }
  }

  if (options_.extended_status) {
    if (auto x = read(readExtendedStatus())) take(expectStatusWords(*x), r.status_words);
  }

  if (link_lost_) return offline();
  r.fault = sticky_fault_;
  return normalise(r, options_.normaliser);
}

}  // namespace cardd::drivers::evolis
