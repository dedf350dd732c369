// Fuzzes the cardd.yaml loader: any text must give a config or problems, never a crash.
#include "fuzz_target.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "config/config_loader.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  auto r = cardd::loadConfigText(text, "fuzz.yaml", std::string(CARDD_SOURCE_DIR) + "/config");
  for (const auto& p : r.problems) {
    if (p.message.empty()) std::abort();
  }
  return 0;
}
