#pragma once
// PrivatePcscd: a private pcscd with vpcd readers for tests and manual runs,
// so that real pcsc-lite (and cardd's PC/SC encoder) talks to virtual chips
// without touching the system's /run/pcscd.
//
//   auto pcscd = cardd::test::PrivatePcscd::start({.readers = 2});
//   if (!pcscd) GTEST_SKIP() << pcscd.error().message;   // pcscd/vpcd missing
//   VpcdConnection card(applet, (*pcscd)->endpoint(0));   // "insert" a card
//   card.connect();
//   ... PcscContext / SCardEstablishContext see (*pcscd)->readerName(0) ...
//   (*pcscd)->restart();   // pcscd stops (clients get SCARD_E_NO_SERVICE), starts again
//
// How: the fixture binds the listening unix socket itself and hands it to
// `pcscd -f -c <dir>/conf` the way systemd does (LISTEN_FDS=1 on fd 3), with
// one reader.conf entry per pair of vpcd slots on free loopback ports (vpcd's
// channel C serves slot "<name> 00 00" on port C and "<name> 00 01" on
// C + 1). Each entry loads its OWN copy of libifdvpcd.so (<dir>/vpcd-<k>.so):
// vpcd keeps its slots in a static table indexed by slot number, so two
// entries naming the same .so would share (steal) slots; a copy is another
// inode, which glibc loads again with a table of its own (a symlink would
// not do). pcscd does not number entries sharing a FRIENDLYNAME (it would
// list two "<name> 00 00"), so pair k > 0 is named "<name> <k+1>":
// "Station Reader 2 00 00", "Station Reader 2 00 01", "Station Reader 3 00 00".
// Ports are picked below the kernel's ephemeral range (so no outgoing
// connection can hold one); when pcscd still cannot open one (another
// process took it first) its readers never list, and start() tries again on
// fresh ports (3 attempts).
// pcscd runs in its own process group with PR_SET_PDEATHSIG, its output goes
// to <dir>/pcscd.log (see log()).
//
// PCSCLITE_CSOCK_NAME: pcsc-lite's client library reads it ONCE per process
// (pthread_once) and caches it. So the socket path is per process, not per
// instance: start() sets PCSCLITE_CSOCK_NAME to <process dir>/pcscd.comm
// (overwriting any earlier value) and every instance in the process reuses
// that path. Consequences: (1) create the fixture before the process makes
// any SCard* call; (2) at most one PrivatePcscd may be alive per process at
// a time (a second start() fails with InvalidArgument); sequential instances
// (one per test) are fine.
//
// Readers: 1 to 8 slots are reported (readerName(i), vpcdPort(i)); reader
// i is slot i % 2 of pair i / 2. vpcd always creates both slots of a pair, so
// with an odd count pcscd also lists the last pair's "... 00 01", which is
// simply not reported.
//
// Errors: Unavailable when /usr/sbin/pcscd or the vpcd driver is not
// installed (tests GTEST_SKIP on it); Internal when pcscd does not start (the
// message carries the tail of its log). Threading: not thread-safe; use from
// one test thread. The destructor stops pcscd and removes the temp dir.

#include <sys/types.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/result.hpp"
#include "virtual_chip/vpcd_connection.hpp"

namespace cardd::test {

struct PrivatePcscdOptions {
  std::size_t readers = 1;                        // vpcd slots to report, 1 to 8
  std::string friendlyName = "Station Reader";    // see "Readers" above
  bool debug = false;                             // pcscd -d -a (APDUs in log())
  std::chrono::milliseconds readyTimeout{10000};  // start(): wait for the readers
};

struct VirtualReader {
  std::string name;        // PC/SC reader name, e.g. "Station Reader 00 00"
  std::uint16_t port = 0;  // vpcd TCP port on 127.0.0.1 for this slot
};

class PrivatePcscd {
 public:
  // Whether pcscd and the vpcd driver are installed; `why` (optional) gets
  // the reason when not.
  static bool available(std::string* why = nullptr);

  // Creates the temp dir and config, starts pcscd and waits until every
  // reported reader is listed (through pcsc-lite's client API).
  static Result<std::unique_ptr<PrivatePcscd>> start(PrivatePcscdOptions options = {});

  ~PrivatePcscd();
  PrivatePcscd(const PrivatePcscd&) = delete;
  PrivatePcscd& operator=(const PrivatePcscd&) = delete;

  const std::vector<VirtualReader>& readers() const { return readers_; }
  const std::string& readerName(std::size_t index) const { return readers_.at(index).name; }
  std::uint16_t vpcdPort(std::size_t index) const { return readers_.at(index).port; }
  // A VpcdEndpoint for reader `index` (127.0.0.1, short backoffs for tests).
  applets::virtual_chip::VpcdEndpoint endpoint(std::size_t index) const;

  const std::string& socketPath() const { return socketPath_; }
  const std::string& directory() const { return dir_; }
  // pcscd's stdout + stderr so far (for failure messages).
  std::string log() const;
  bool running() const { return pid_ > 0; }

  // Stops pcscd (SIGTERM, then SIGKILL after 3 s) and closes the listening
  // socket: clients get SCARD_E_NO_SERVICE until start() again. Idempotent.
  void stop();
  // Starts pcscd again with the same readers and ports (after stop()) and
  // waits for the readers.
  Status startAgain();
  // stop() + startAgain(): "pcscd restarted mid-job".
  Status restart();
  // Restarts pcscd with the first `count` readers configured (rounded up to
  // whole pairs): 0 removes every vpcd entry, so all readers disappear as
  // when the encoder is unplugged; the original count restores them.
  // readers() still lists the original readers.
  Status restartWithReaders(std::size_t count);

 private:
  PrivatePcscd() = default;
  Status writeConfig(std::size_t pairs);
  std::string pairName(std::size_t pair) const;    // FRIENDLYNAME of pair `pair`
  std::string driverCopy(std::size_t pair) const;  // <dir>/vpcd-<pair>.so
  Status launch();
  Status waitForReaders(std::size_t count);

  PrivatePcscdOptions options_;
  std::string dir_;
  std::string socketPath_;
  std::vector<VirtualReader> readers_;
  std::vector<std::uint16_t> channels_;  // one vpcd channel (port pair) per pair of slots
  int listenFd_ = -1;
  pid_t pid_ = -1;
};

}  // namespace cardd::test
