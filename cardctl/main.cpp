// cardctl: command-line client of cardd. All logic lives in cardctl_commands
// (commands/) and cardctl_lib (cli/); see docs/cardctl.md.

#include <unistd.h>

#include <csignal>
#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

#include "commands/commands.hpp"

int main(int argc, char** argv) {
  // A daemon that closes the socket mid-write must not kill us with SIGPIPE.
  std::signal(SIGPIPE, SIG_IGN);  // NOLINT(cert-err33-c)
  std::vector<std::string> args(argv + 1, argv + argc);
  cardd::cli::Io io{std::cin, std::cout, std::cerr};
  cardd::cli::Settings settings;
  settings.out_is_terminal = [] { return ::isatty(STDOUT_FILENO) == 1; };
  const int code = cardd::cli::run(args, std::getenv("CARDD_SOCKET"), io,
                                   std::move(settings));  // NOLINT(concurrency-mt-unsafe)
  std::cout.flush();
  return code;
}
