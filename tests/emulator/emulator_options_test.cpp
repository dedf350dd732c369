// parseOptions(): flags, "--name=value", a JSON config file overridden by
// later flags, and sentences naming the bad flag.
#include "emulator/emulator_options.hpp"

#include <gtest/gtest.h>

#include <fstream>

#include "emulator_process.hpp"

namespace cardd::emulator {
namespace {

TEST(EmulatorOptions, FlagsSetModelAndServer) {
  auto o = parseOptions({"--port", "0", "--control-port=0", "--feeder", "7", "--serial-prefix",
                         "EMU1-", "--time-scale", "0.01", "--ribbon", "ko", "--error-mode", "0",
                         "--reply-terminator", "cr", "--ribbon-capacity", "250"});
  ASSERT_TRUE(o.ok()) << o.error().message;
  EXPECT_EQ(o->server.port, 0);
  EXPECT_EQ(o->server.control_port, 0);
  EXPECT_DOUBLE_EQ(o->server.time_scale, 0.01);
  EXPECT_EQ(o->server.reply_terminator, "\r");
  EXPECT_EQ(o->model.feeder_count, 7u);
  EXPECT_EQ(o->model.serial_prefix, "EMU1-");
  EXPECT_EQ(o->model.ribbon, Ribbon::Ko);
  EXPECT_FALSE(o->model.host_error_mode);
  EXPECT_EQ(o->model.ribbon_capacity, 250u);
  EXPECT_EQ(o->model.ribbon_remaining, 250u);
}

TEST(EmulatorOptions, ConfigFileThenFlagsOverride) {
  testing::TempDir dir;
  const auto path = dir.path() / "emu.json";
  std::ofstream(path) << R"({"feeder": 40, "serial-prefix": "CFG-", "hopper-capacity": 5})";
  auto o = parseOptions({"--config", path.string(), "--feeder", "3"});
  ASSERT_TRUE(o.ok()) << o.error().message;
  EXPECT_EQ(o->model.feeder_count, 3u);
  EXPECT_EQ(o->model.serial_prefix, "CFG-");
  EXPECT_EQ(o->model.hopper_capacity, 5u);

  std::ofstream(path) << R"({"feeder": [1]})";
  EXPECT_FALSE(parseOptions({"--config", path.string()}).ok());
  EXPECT_FALSE(parseOptions({"--config", (dir.path() / "missing.json").string()}).ok());
}

TEST(EmulatorOptions, BadValuesNameTheFlag) {
  auto unknown = parseOptions({"--colour", "red"});
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.error().message.find("--colour"), std::string::npos);
  auto bad = parseOptions({"--feeder", "many"});
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("--feeder"), std::string::npos);
  EXPECT_FALSE(parseOptions({"--time-scale", "0"}).ok());
  EXPECT_FALSE(parseOptions({"--port"}).ok());
  EXPECT_FALSE(parseOptions({"--error-mode", "1"}).ok());
  EXPECT_FALSE(parseOptions({"--resume-below-c", "90"}).ok());  // Above the pause mark.
  EXPECT_TRUE(parseOptions({"--help"})->help);
}

}  // namespace
}  // namespace cardd::emulator
