#pragma once
// FileSink: the emulator's output directory. Each printed card side becomes a
// PNG (1016 x 648, landscape, composited from the received panels: YMC
// subtractive over white, K black on top, overlay ignored) named
// "<blank serial>-<front|back>.png", and every model event is appended to
// "events.jsonl" as one JSON object per line:
//   {"ts":"2026-11-29T11:20:50.123Z","event":"printed","serial":"EMU-000001","detail":"front:ymcko"}
// No card data goes into the log: only serials, positions, panel letters.
//
// Errors: a file that cannot be written is reported once on stderr and the
// emulator carries on (the output is a by-product, not the protocol).
// Threading: called under the server's model mutex; no locking of its own.

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "core/result.hpp"
#include "emulator/printer_model.hpp"

namespace cardd::emulator {

// Composites one side into 1016 x 648 RGB pixels (row-major, 3 bytes per
// pixel). Image x = scan line, y = pixel within the line.
inline constexpr int kImageWidth = 1016;
inline constexpr int kImageHeight = 648;
std::vector<std::uint8_t> compositeSide(const PrintedSide& side);

// Writes RGB pixels from compositeSide() as a PNG through cairo.
Status writePng(const std::filesystem::path& path, const std::vector<std::uint8_t>& rgb);

// Reads a PNG written by writePng() back into RGB (tests, tools).
Result<std::vector<std::uint8_t>> readPng(const std::filesystem::path& path);

class FileSink final : public EmulatorSink {
 public:
  // Creates `dir` when missing. Fails (InvalidArgument) when it cannot.
  static Result<std::unique_ptr<FileSink>> open(const std::filesystem::path& dir);

  void event(const EmulatorEvent& event) override;
  void printed(const PrintedSide& side) override;

 private:
  explicit FileSink(std::filesystem::path dir);

  std::filesystem::path dir_;
  std::ofstream log_;
  bool warned_ = false;
};

}  // namespace cardd::emulator
