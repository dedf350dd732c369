#pragma once
// EvolisDriver: the PrinterDriver of the Evolis family (Primacy, Zenius,
// KC200 ...). It sequences the pure codec (evolis_codec.hpp, evolis_reply.hpp)
// over a Transport and turns what the printer says into a PrinterStatus with
// the normaliser (evolis_normaliser.hpp). Model differences arrive as
// EvolisDriverOptions, built from quirks data (quirks/quirks.hpp).
//
// Link: the driver opens its Transport through the TransportConnector lazily,
// on the first call. When a read or write times out or the link drops, the
// driver drops the transport; the next call reconnects through the connector.
// After every (re)connect it first sends Pem;2 (the host manages errors).
// Every wait is bounded: replies by reply_timeout (movement_timeout for card
// moves, print_timeout for the print sequence's final Se), station polling
// by station_max_wait.
//
// Exchange: one command, then one reply, strictly in turn; this holds for
// every command of the print sequence too (Pr, Ss, Sr, Sv, Db, Dbc and Se
// each answer "OK"). A reply ends with CR (LF or NUL also end it); a reply
// without a terminator is taken as complete when reply_gap passes with no
// more bytes. Bytes that arrive after a terminator belong to no command and
// are dropped.
//
// What each operation sends (the emulator must answer all of it):
//   identify()        Rtp Rsn Rfv Rkn (Rkn may be refused: kit left empty)
//   status()          Rse;o Rse;f Rse;n Rlr;h Rlr;c Rlr;p Rco;p Rco;c Rco;a
//                     Rco;m Rco;n Rco;l Rrt;qty Rrt;count (again after a
//                     spurious "OK", at most spurious_ok_retries times), then
//                     Rxs when extended_status. A refused or garbled read
//                     leaves its field empty; a lost link makes it offline.
//   cardPosition()    Rlr;p
//   feedTo...()       Sis | Sic, then Rlr;p until SMART CARD | CONTACTLESS CARD
//   printAndEject()   Pr;<ribbon> Ss Sr Db|Dbc... [Sv Db|Dbc...] Se. Ribbon from
//                     the panels: front YMCKO -> ymcko; + back K -> ymckok;
//                     K (front, optionally back) -> k; front KO -> ko; any
//                     other combination is refused before anything is sent.
//                     Panels go in ribbon order Y M C K O; y, m, c at
//                     colour_levels, k and o at 2 levels (Dbc when use_dbc).
//                     The printer prints the card inside (at a station), or
//                     feeds a blank when none is inside.
//   eject() Se, reject() Ser, clean() Scp (ASSUMED name, evolis_codec.hpp),
//   reset() Srs then Pem;2 again.
//
// Failures of card movements (Si, Sis, Sic, Se, Ser, the print sequence,
// Srs, Scp): the printer answers "ERR <CONDITION>", CONDITION one of
// MECHANICAL, RIBBON ENDED, COVER OPEN, FEEDER EMPTY, HOPPER FULL,
// REJECT BOX FULL, HEAD TEMP. ASSUMED: these strings are cardd's contract
// with its emulator; the vendor's programming guide is not public, and a
// real printer may spell them differently (an unknown ERR reply is still a
// failure, reported as the printer's words). The driver keeps the last such
// failure as a sticky condition, reported by status() (media-jam-error,
// marker-supply-empty-error, ...), until the next movement succeeds or
// reset() succeeds.
//
// cardd extension "Rxs" (read extended status): the SDK's four 32-bit status
// words as "XXXXXXXX XXXXXXXX XXXXXXXX XXXXXXXX" (config information warning
// error, evolis_normaliser.hpp status_bits). Real printers do not know it;
// the driver sends it only when options.extended_status is set (the
// emulator's quirks entry).
//
// Errors: a failed operation returns an Error and the scheduler then calls
// status() to learn why. Unreachable printer (connector failed, timeout,
// disconnect): Unavailable, "evolis: printer ... did not answer ...".
// Movement failure: Unavailable with the condition named. A refused command
// (ERROR CDE / ERROR PARAMETERS): deviceRefused(); a garbled reply:
// protocolError() (driver_error.hpp). status() of an unreachable printer is
// not an Error: it is a status with offline-error.
//
// Threading: as PrinterDriver (one device worker thread; no locks, no threads).

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "core/result.hpp"
#include "printer/evolis/evolis_codec.hpp"
#include "printer/evolis/evolis_normaliser.hpp"
#include "printer/evolis/evolis_reply.hpp"
#include "printer/printer.hpp"
#include "quirks/quirks.hpp"
#include "transport/transport.hpp"
#include "transport/transport_connector.hpp"

namespace cardd::drivers::evolis {

struct EvolisDriverOptions {
  // Wait for the reply to a read or setting command.
  std::chrono::milliseconds reply_timeout{5'000};
  // Wait for the reply to a card movement (Si, Sis, Sic, Se, Ser, Srs, Scp).
  std::chrono::milliseconds movement_timeout{30'000};
  // Wait for the reply to the Se that ends a print sequence (printing a card).
  std::chrono::milliseconds print_timeout{120'000};
  // Total time allowed for one write (a Db panel is up to 576 KB).
  std::chrono::milliseconds write_timeout{10'000};
  // Silence after which an unterminated reply is taken as complete.
  std::chrono::milliseconds reply_gap{200};

  // After Sis / Sic: poll Rlr;p every station_poll_interval until the card is
  // reported at the station, at most station_max_wait in total.
  std::chrono::milliseconds station_poll_interval{200};
  std::chrono::milliseconds station_max_wait{15'000};

  // Extra Rrt;count attempts after a spurious "OK".
  unsigned spurious_ok_retries = 3;

  NormaliserSettings normaliser;
  bool extended_status = false;  // Send Rxs in status() (the emulator only).
  // From the station's maintenance record: lifetime card count at the last
  // cleaning; gives Counters::cards_since_cleaning.
  std::optional<std::uint64_t> cards_at_last_cleaning;

  // Model capabilities (quirks).
  bool supports_contact = true;
  bool supports_contactless = true;
  unsigned colour_levels = 128;  // Db levels for y, m, c: 32, 64 or 128.
  bool use_dbc = false;          // Send k and o panels with Dbc compression.

  // Reported by identify() (the quirks key of a USB printer).
  std::optional<std::uint16_t> usb_vendor_id;
  std::optional<std::uint16_t> usb_product_id;

  // How the driver waits between Rlr;p polls. Empty: std::this_thread::sleep_for.
  // Tests pass a no-op (the scripted transport answers at once).
  std::function<void(std::chrono::milliseconds)> sleep;
};

// The options for a model from its quirks entry (config/quirks/evolis.yaml):
// stations, Dbc, colour levels, spurious-OK retries, extended status,
// normaliser thresholds, and the USB id identify() reports. Fields the entry
// leaves out keep their value in `base`.
EvolisDriverOptions evolisOptionsFromQuirks(const PrinterQuirks& quirks,
                                            EvolisDriverOptions base = {});

class EvolisDriver final : public PrinterDriver {
 public:
  // `connect` must be callable; it is first called by the first operation.
  explicit EvolisDriver(TransportConnector connect, EvolisDriverOptions options = {});
  ~EvolisDriver() override;

  EvolisDriver(const EvolisDriver&) = delete;
  EvolisDriver& operator=(const EvolisDriver&) = delete;

  [[nodiscard]] Result<PrinterIdentity> identify() override;
  [[nodiscard]] Result<PrinterStatus> status() override;
  [[nodiscard]] Result<CardPosition> cardPosition() override;
  [[nodiscard]] Status feedToContactStation() override;
  [[nodiscard]] Status feedToContactlessStation() override;
  [[nodiscard]] Status printAndEject(const PreparedCard& card) override;
  [[nodiscard]] Status eject() override;
  [[nodiscard]] Status reject() override;
  [[nodiscard]] Status clean() override;
  [[nodiscard]] Status reset() override;

  // The last movement failure, kept until a movement or reset() succeeds.
  std::optional<DeviceFault> stickyFault() const { return sticky_fault_; }

  // Updates the maintenance record after the station logged a cleaning.
  void setCardsAtLastCleaning(std::optional<std::uint64_t> cards) {
    options_.cards_at_last_cleaning = cards;
  }

  const EvolisDriverOptions& options() const { return options_; }

 private:
  // Opens the transport when there is none and sends Pem;2.
  Status ensureConnected();
  // Closes and forgets the transport; sets link_lost_.
  void dropTransport();
  // ensureConnected(), then exchange().
  Result<Reply> transact(const Command& command, std::chrono::milliseconds timeout);
  // Writes `command` and reads its reply on the current transport. A
  // timeout, disconnect or transport Error drops the transport.
  Result<Reply> exchange(const Command& command, std::chrono::milliseconds timeout);
  Result<Reply> readReply(const std::string& command_name, std::chrono::milliseconds timeout);
  // OK, or a sticky fault from "ERR <CONDITION>", or the refusal.
  Status checkMovementReply(const Command& command, const Reply& reply, bool clears_fault);
  Status movement(const Command& command, std::chrono::milliseconds timeout);
  Status waitForStation(CardPosition wanted);

  TransportConnector connect_;
  EvolisDriverOptions options_;
  std::unique_ptr<Transport> transport_;
  std::optional<DeviceFault> sticky_fault_;
  bool link_lost_ = false;  // Set when the last transact() failed on the link.
};

}  // namespace cardd::drivers::evolis
