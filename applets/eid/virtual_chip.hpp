#pragma once
// VirtualChip: a CardApplet that is one whole chip of an emulated blank card:
// it knows its serial and which applet it runs, and its persistent state
// (files, keys, lifecycle) can be exported and imported as text, so a chip
// survives a restart of whatever hosts it (the standalone
// `cardd-virtual-chip --state FILE`, the printer emulator).
//
// Contract (in addition to CardApplet's):
//   - exportState() returns the persistent state only (never the secure
//     channel or other per-session state) in the line format of
//     chip_state.hpp. It holds personal data (file contents) and the
//     read-access key: store it like the card itself (mode 0600), never log it.
//   - importState() replaces the persistent state with `text`; the serial and
//     applet kind in the text must match this chip. Errors (InvalidArgument)
//     leave the chip unchanged. Per-session state is dropped as on power-off.
//   - stateGeneration() grows by at least one whenever persistent state
//     changes, so a host can save only when something changed.
//
// Threading: unlike a bare CardApplet, every method of a VirtualChip may be
// called from any thread; implementations serialise on an internal mutex
// (the transport's worker calls process() while a saver thread exports).

#include <cstdint>
#include <string>
#include <string_view>

#include "common/bytes.hpp"
#include "core/result.hpp"
#include "virtual_chip/card_applet.hpp"

namespace cardd::applets::eid {

// Which applet a chip runs.
enum class AppletKind : std::uint8_t {
  Eid,    // cardd e-ID v1 (eid_applet.hpp)
  Jmrtd,  // the JMRTD-compatible passport model (jmrtd_applet.hpp)
};

// "eid" / "jmrtd".
std::string_view appletKindName(AppletKind kind);
// Inverse of appletKindName(). Error (InvalidArgument) for other names.
Result<AppletKind> parseAppletKind(std::string_view name);

// Every chip serial is 8 bytes.
inline constexpr std::size_t kSerialSize = 8;

class VirtualChip : public virtual_chip::CardApplet {
 public:
  virtual AppletKind kind() const = 0;
  virtual Bytes serial() const = 0;
  virtual std::string exportState() const = 0;
  [[nodiscard]] virtual Status importState(std::string_view text) = 0;
  virtual std::uint64_t stateGeneration() const = 0;
};

}  // namespace cardd::applets::eid
