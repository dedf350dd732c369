#pragma once
// StationControl: what the API may see and do of the station's printers.
// The scheduler (station/scheduler.hpp) implements it; the API layer
// (api/printer_handlers.cpp) maps its answers to JSON and its errors to
// problems. Knows no HTTP.
//
// Threading: every method is called on the event loop thread; `done`
// callbacks run on the event loop thread too (after the change is committed
// to the store).

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/result.hpp"
#include "jobs/job.hpp"

namespace cardd::station {

// A printer as the API shows it.
struct PrinterView {
  std::string id;
  std::string uri;
  std::string family;
  std::string reader;  // empty: no encoder
  std::string ribbon;
  std::string card_stock;
  // "idle" | "busy" | "faulted" | "paused" | "offline" | "resting" | "starting" | "disabled"
  std::string state;
  std::vector<std::string> reasons;  // IPP printer-state-reasons ("media-jam-error", ...)
  std::string message;               // a sentence for the counter: what is wrong, what to do
  bool paused = false;               // the technician's switch (persisted)
  std::string paused_reason;
  std::optional<JobId> current_job;
  std::string current_step;       // the attempt's step, when busy
  std::optional<JobId> next_job;  // prepared ahead (encode ahead)
  std::string model;              // as identified; empty until the printer answered
  std::string serial;
  std::int64_t cards_issued_today = 0;
  std::int64_t cards_spoiled_today = 0;
  std::optional<std::int64_t> feeder_cards;  // the ledger's count for this feeder
};

class StationControl {
 public:
  virtual ~StationControl() = default;

  virtual std::vector<PrinterView> printers() const = 0;
  // NotFound for an unknown printer.
  virtual Result<PrinterView> printer(const std::string& id) const = 0;

  // Pause: the printer finishes the card it holds, then takes no work.
  // Resume: it takes work again (faults still clear by themselves). Both are
  // persisted by the implementation and audited by the API handler. NotFound for an unknown
  // printer; pausing a paused printer (or resuming a running one) is Ok and
  // changes nothing.
  virtual void pause(const std::string& id, const Actor& actor, const std::string& reason,
                     std::function<void(Result<PrinterView>)> done) = 0;
  virtual void resume(const std::string& id, const Actor& actor,
                      std::function<void(Result<PrinterView>)> done) = 0;
};

}  // namespace cardd::station
