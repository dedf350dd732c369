// cardd-printer-emulator: runs an EmulatorServer until SIGINT or SIGTERM.
// Prints one JSON "ready" line with the bound ports on stdout, errors as
// sentences on stderr. Exit status 0 on a signal, 2 on bad options, 1 when a
// port cannot be bound.

#include <signal.h>

#include <boost/json.hpp>
#include <iostream>
#include <memory>

#include "emulator/emulator_options.hpp"
#include "emulator/emulator_server.hpp"
#include "emulator/output_sink.hpp"

int main(int argc, char** argv) {
  using namespace cardd::emulator;
  std::vector<std::string> args(argv + 1, argv + argc);
  auto options = parseOptions(args);
  if (!options) {
    std::cerr << options.error().message << '\n';
    return 2;
  }
  if (options->help) {
    std::cout << usage();
    return 0;
  }

  // Threads started below inherit this mask; only sigwait() sees the signals.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  ::signal(SIGPIPE, SIG_IGN);

  EmulatorSink discard;
  std::unique_ptr<FileSink> files;
  if (options->output_dir) {
    auto sink = FileSink::open(*options->output_dir);
    if (!sink) {
      std::cerr << sink.error().message << '\n';
      return 2;
    }
    files = std::move(*sink);
  }
  auto chips = makeVpcdChipSlot(options->chips);
  if (!chips) {
    std::cerr << chips.error().message << '\n';
    return 2;
  }
  ChipSlot no_chip;
  ChipSlot& chip = *chips ? static_cast<ChipSlot&>(**chips) : no_chip;
  EmulatorSink& sink = files ? static_cast<EmulatorSink&>(*files) : discard;
  EmulatorServer server(options->model, options->server, sink, chip);
  if (auto st = server.start(); !st) {
    std::cerr << st.error().message << '\n';
    return 1;
  }

  boost::json::object ready{
      {"event", "ready"}, {"port", server.port()}, {"control_port", server.controlPort()}};
  std::cout << boost::json::serialize(ready) << std::endl;

  int sig = 0;
  sigwait(&signals, &sig);
  server.stop();
  return 0;
}
