#pragma once
// EmulatedStation: a whole emulated issuance station for gtest integration
// tests, the C++ twin of scripts/station-up.sh. It brings up
//   - a private pcscd with one vpcd reader per printer (PrivatePcscd, in this
//     process: it sets PCSCLITE_CSOCK_NAME, which cardd inherits),
//   - N cardd-printer-emulator children (--port 0 --control-port 0, --vpcd at
//     their reader's port, eid chips keyed by the station's master key,
//     blank serials "P<i>-000001"..., printer serial (Rsn) "EMU0000<i>"),
//   - a PKI made with the openssl CLI (CSCA + EC P-256 document signer, keys
//     0600) and a random 16-byte master key (keys/master.hex, 0600),
//   - <dir>/cardd.yaml: printers P1..PN (tcp uri, reader), issuance (profile
//     cardd-eid = applets/profiles/eid.yaml, the PKI, the master key), jobs
//     as config/demo.yaml (absolute paths), api socket <dir>/api.sock,
//     state_dir <dir>/state, then `extraYaml`,
// and starts, kills and restarts cardd (`cardd --config <dir>/cardd.yaml
// --log-stderr`, stderr to <dir>/cardd.log).
//
//   auto station = cardd::test::EmulatedStation::start({.printers = 3});
//   if (!station && station.error().code == cardd::ErrorCode::Unavailable)
//     GTEST_SKIP() << station.error().message;           // no pcscd / vpcd
//   ASSERT_TRUE(station.ok()) << station.error().message;
//   auto& s = **station;
//   ASSERT_TRUE(s.startCardd().ok());
//   auto printers = s.get("/v1/printers");                // HTTP on the unix socket
//   s.emulatorControl(1, R"({"cmd":"inject","fault":"jam"})");   // printer P2
//   s.killCardd(SIGKILL); s.startCardd();                 // crash and recover
//
// Indexes: printer `i` is 0-based: id printerId(i) = "P<i+1>", reader
// readerName(i) (PrivatePcscd's reader i), emulator i.
//
// Errors: Unavailable when pcscd / vpcd is not installed (tests skip);
// Internal with a sentence (and the tail of the relevant log) otherwise.
// Threading: not thread-safe; use it from the test's main thread (children
// get PR_SET_PDEATHSIG tied to the thread that forked). Only one may be alive
// per process (PrivatePcscd's rule). The destructor kills cardd and the
// emulators (SIGTERM, then SIGKILL), reaps them, stops pcscd and removes the
// directory (kept, with a note on stderr, when CARDD_TEST_KEEP_DIRS is set).

#include <sys/types.h>

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "client/response.hpp"
#include "core/result.hpp"
#include "private_pcscd.hpp"

namespace cardd::test {

struct EmulatedStationOptions {
  std::size_t printers = 1;  // 1..8 (one vpcd reader each)
  double timeScale = 0.01;   // emulator --time-scale (0.01 = 100x faster)
  int feeder = 100;          // blanks per emulator
  // false: cardd.yaml has no issuance/printers sections (cardd runs the
  // queue only); the emulators and readers are there all the same.
  bool configurePrinters = true;
  // Extra lines inside the issuance section, indented two spaces (e.g.
  // "  max_attempts: 2\n"), and inside every printer entry, indented four
  // (e.g. "    card_wait: 5s\n").
  std::string issuanceYaml;
  std::string printerYaml;
  // Appended verbatim to cardd.yaml: extra top-level sections only (YAML
  // allows no second key of a section written above).
  std::string extraYaml;
  // Extra command-line flags for emulator i (index i; a missing entry adds
  // none), after the rig's own (a later flag wins), e.g.
  // {{}, {"--chip-applet", "none"}} gives printer P2 chips without an applet.
  std::vector<std::vector<std::string>> emulatorArgs;
};

class EmulatedStation {
 public:
  struct Emulator {
    pid_t pid = -1;
    std::uint16_t port = 0;         // printer port (Evolis protocol)
    std::uint16_t controlPort = 0;  // JSON-lines control port
  };

  // Brings everything up except cardd (call startCardd()).
  static Result<std::unique_ptr<EmulatedStation>> start(EmulatedStationOptions options = {});

  ~EmulatedStation();
  EmulatedStation(const EmulatedStation&) = delete;
  EmulatedStation& operator=(const EmulatedStation&) = delete;

  // ---- Layout -----------------------------------------------------------------------
  const std::string& dir() const { return dir_; }
  std::string configPath() const { return dir_ + "/cardd.yaml"; }
  std::string socketPath() const { return dir_ + "/api.sock"; }
  std::string stateDir() const { return dir_ + "/state"; }
  std::string masterKeyPath() const { return dir_ + "/keys/master.hex"; }
  std::string pkiDir() const { return dir_ + "/pki"; }  // csca.pem ds.pem ds.key
  // Where emulator i writes PNGs and events.jsonl.
  std::string cardsDir(std::size_t i) const;
  std::size_t printers() const { return emulators_.size(); }
  std::string printerId(std::size_t i) const { return "P" + std::to_string(i + 1); }
  const std::string& readerName(std::size_t i) const { return pcscd_->readerName(i); }
  const Emulator& emulator(std::size_t i) const { return emulators_.at(i); }
  PrivatePcscd& pcscd() { return *pcscd_; }
  // The 16-byte master key (the emulators' chips are keyed from it).
  const std::vector<std::uint8_t>& masterKey() const { return masterKey_; }

  // ---- Emulators --------------------------------------------------------------------
  // Sends one control line (JSON object) to emulator i and returns its reply
  // line (e.g. {"ok":true}); an emulator that does not answer within 10 s
  // is an error.
  Result<std::string> emulatorControl(std::size_t i, std::string_view json);
  // The "state" command's "state" object (position, feeder, chips, ...).
  Result<boost::json::object> emulatorState(std::size_t i);
  // emulator i's stderr so far.
  std::string emulatorLog(std::size_t i) const;

  // ---- cardd ------------------------------------------------------------------------
  // Starts cardd and waits (up to `timeout`) until GET /v1/_ping answers
  // 200; an exit during start-up is an error carrying the log's tail.
  Status startCardd(std::chrono::milliseconds timeout = std::chrono::seconds(20));
  // Sends `signal` to cardd and waits (up to `timeout`) for it to end;
  // returns its wait status (WIFEXITED / WTERMSIG). Not running: an error.
  Result<int> killCardd(int signal, std::chrono::milliseconds timeout = std::chrono::seconds(30));
  // killCardd(SIGTERM) when running, then startCardd().
  Status restartCardd();
  bool carddRunning();  // reaps a cardd that exited on its own
  pid_t carddPid() const { return carddPid_; }
  std::string carddLog() const;
  // `cardd --config <dir>/cardd.yaml --check-config`: Ok, or its output.
  Status checkConfig() const;

  // HTTP/1.1 on cardd's unix socket (one connection per call, 10 s bound).
  Result<client::Response> get(std::string_view target);
  Result<client::Response> post(std::string_view target, std::string_view jsonBody = "{}");
  // The response body parsed as JSON (null when it is not JSON).
  static boost::json::value json(const client::Response& response);

  // Polls `predicate` every `interval` until it holds or `timeout` passes.
  static bool waitUntil(const std::function<bool()>& predicate, std::chrono::milliseconds timeout,
                        std::chrono::milliseconds interval = std::chrono::milliseconds(50));

 private:
  EmulatedStation() = default;
  Status makePki();
  Status writeMasterKey();
  Status startEmulator(std::size_t i);
  Status writeConfig();
  Result<client::Response> request(std::string_view method, std::string_view target,
                                   std::string_view body);

  EmulatedStationOptions options_;
  std::string dir_;
  std::unique_ptr<PrivatePcscd> pcscd_;
  std::vector<Emulator> emulators_;
  std::vector<std::uint8_t> masterKey_;
  pid_t carddPid_ = -1;
};

}  // namespace cardd::test
