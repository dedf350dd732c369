#pragma once
// StatusWatcher: turns a printer's status snapshots into a stream of changes.
// The daemon's device worker calls poll() on an interval; each poll returns
// the current PrinterStatus and the printer-state-reasons raised and cleared
// since the previous successful poll, which the health module turns into
// alerts (raised -> acknowledged -> cleared) and fault records.
//
// Identity of a reason: its full keyword with severity ("media-low-warning").
// A condition that worsens (media-low-warning -> media-empty-error) is
// therefore one reason cleared and another raised. The first poll raises
// every reason present.
//
// Threading: no threads and no timers inside; the watcher belongs to the
// device worker that owns the driver and calls it. Errors: a failed
// driver.status() is returned as is and leaves the previous snapshot in
// place (an unreachable printer is not an error: it is offline-error).

#include <optional>
#include <vector>

#include "core/result.hpp"
#include "printer/printer.hpp"
#include "printer/printer_status.hpp"

namespace cardd::drivers {

struct StatusChange {
  PrinterStatus status;              // The current snapshot.
  std::vector<StateReason> raised;   // In `status`, not in the previous one.
  std::vector<StateReason> cleared;  // In the previous one, not in `status`.
  bool state_changed = false;        // printer-state differs (always true on the first poll).

  bool empty() const { return raised.empty() && cleared.empty() && !state_changed; }
};

// The pure diff. `previous` empty: the first poll.
StatusChange diffStatus(const std::optional<PrinterStatus>& previous, PrinterStatus current);

class StatusWatcher {
 public:
  // `driver` must outlive the watcher.
  explicit StatusWatcher(PrinterDriver& driver) : driver_(driver) {}

  // Asks the driver for its status and diffs it against the previous one.
  [[nodiscard]] Result<StatusChange> poll();

  // The last successful snapshot; empty before the first.
  const std::optional<PrinterStatus>& last() const { return last_; }

 private:
  PrinterDriver& driver_;
  std::optional<PrinterStatus> last_;
};

}  // namespace cardd::drivers
