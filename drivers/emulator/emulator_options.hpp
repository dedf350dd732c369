#pragma once
// Command-line and config-file options of cardd-printer-emulator. Every flag
// "--name value" can also be given as "name": value in a JSON config file
// (--config FILE); flags given after --config override it. docs/emulator.md
// lists them all. parseOptions() never throws and never exits.

#include <optional>
#include <string>
#include <vector>

#include "core/result.hpp"
#include "emulator/emulator_server.hpp"
#include "emulator/printer_model.hpp"
#include "emulator/vpcd_chip_slot.hpp"

namespace cardd::emulator {

struct EmulatorOptions {
  ModelConfig model;
  ServerOptions server;
  std::optional<std::string> output_dir;
  ChipConfig chips;  // Virtual chips (--vpcd ...); the key file is read by makeVpcdChipSlot().
  bool help = false;
};

// The usage text for --help.
std::string usage();

// Parses argv[1..]. Fails (InvalidArgument) with a sentence naming the flag.
Result<EmulatorOptions> parseOptions(const std::vector<std::string>& args);

}  // namespace cardd::emulator
