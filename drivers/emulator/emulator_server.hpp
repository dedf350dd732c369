#pragma once
// EmulatorServer: puts a PrinterModel on two loopback TCP ports.
// - the printer port speaks the Evolis wire protocol (ESC cmd;params CR in,
//   ASCII replies out), one session thread per connection;
// - the control port speaks the JSON-lines control protocol (control.hpp).
// A ticker thread advances the model (chip arrivals, cooling). Replies wait
// until the model's virtual reply time has come on the ScaledClock, so a
// print takes feed + print + eject times multiplied by the time scale.
//
// Threading: the model, the link faults and the sink are guarded by one
// mutex; no thread holds it while sleeping or doing socket I/O.
// Errors: start() fails (Unavailable) when a port cannot be bound. After
// that, socket errors only end the session they happen on.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "core/clock.hpp"
#include "core/result.hpp"
#include "emulator/control.hpp"
#include "emulator/printer_model.hpp"

namespace cardd::emulator {

// Virtual time running 1/scale times as fast as real time: with scale 0.01 a
// 10 s print takes 100 ms. Starts at the wall clock, so log timestamps look
// like dates. Thread-safe (immutable after construction).
class ScaledClock final : public Clock {
 public:
  explicit ScaledClock(double scale);
  std::int64_t nowMs() const override;
  // Real time that `virtual_ms` of virtual time takes.
  std::chrono::microseconds realDuration(std::int64_t virtual_ms) const;

 private:
  double scale_;
  std::int64_t start_ms_;
  std::chrono::steady_clock::time_point start_;
};

struct ServerOptions {
  std::string host = "127.0.0.1";
  std::uint16_t port = 9100;       // 0: any free port.
  std::uint16_t control_port = 0;  // 0: any free port.
  double time_scale = 1.0;
  // Appended to every reply. NUL by default: the open-source Perl driver
  // (dpavlin/Printer-EVOLIS, Printer::EVOLIS::Parallel) reads a reply up to a
  // NUL byte. "\r" or "" (none) for hosts that expect otherwise.
  std::string reply_terminator = std::string(1, '\0');
};

class EmulatorServer {
 public:
  // `sink` and `chip` must outlive the server.
  EmulatorServer(ModelConfig config, ServerOptions options, EmulatorSink& sink, ChipSlot& chip);
  ~EmulatorServer();
  EmulatorServer(const EmulatorServer&) = delete;
  EmulatorServer& operator=(const EmulatorServer&) = delete;

  // Binds both ports and starts the threads.
  [[nodiscard]] Status start();
  // Closes the ports and every session, joins the threads. Idempotent.
  void stop();

  std::uint16_t port() const { return port_; }
  std::uint16_t controlPort() const { return control_port_; }

 private:
  void acceptLoop();
  void tickLoop();
  void printerSession(int fd);
  void controlSession(int fd);
  bool sessionAlive(int fd, std::uint64_t disconnects_at_start);

  ServerOptions options_;
  ScaledClock clock_;
  std::mutex mutex_;
  PrinterModel model_;
  LinkFaults link_;

  int listen_fd_ = -1;
  int control_fd_ = -1;
  std::uint16_t port_ = 0;
  std::uint16_t control_port_ = 0;
  std::atomic<bool> stopping_{false};
  std::thread acceptor_;
  std::thread ticker_;
  struct Session {
    std::thread thread;
    std::shared_ptr<std::atomic<bool>> done;
  };
  // Joins sessions that have ended (called by the acceptor).
  void reapSessions();

  std::mutex sessions_mutex_;
  std::list<Session> sessions_;
};

}  // namespace cardd::emulator
