// The cardd command line: --check-config reports every problem with its
// file, line and key path and exits non-zero; a good config passes; a store
// that cannot be used stops start-up with a clear message.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <fstream>

#include "daemon_process.hpp"
#include "test_helpers.hpp"

namespace cardd::test {
namespace {

struct Run {
  int exit_code = -1;
  std::string output;  // stdout and stderr
};

Run runCardd(const std::string& args) {
  Run r;
  const std::string cmd = daemonBinary() + " " + args + " 2>&1";
  FILE* p = ::popen(cmd.c_str(), "r");
  if (p == nullptr) return r;
  std::array<char, 4096> buf{};
  while (auto n = std::fread(buf.data(), 1, buf.size(), p)) r.output.append(buf.data(), n);
  const int status = ::pclose(p);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

TEST(CarddCli, CheckConfigAcceptsTheShippedConfigs) {
  for (const char* name : {"cardd.yaml", "demo.yaml"}) {
    const auto r = runCardd("--check-config --config " + sourceDir() + "/config/" + name);
    EXPECT_EQ(r.exit_code, 0) << r.output;
    EXPECT_NE(r.output.find("configuration is valid"), std::string::npos) << r.output;
  }
}

TEST(CarddCli, CheckConfigPrintsEveryProblemWithLineAndKey) {
  DaemonProcess d;  // only for its temp dir
  const std::string path = d.dir() + "/bad.yaml";
  std::ofstream(path) << "api:\n  max_connections: -3\n  colour: blue\njobs:\n  person_schema: "
                      << sourceDir() << "/config/schemas/ektp.yaml\n  default_priority: 0\n";
  const auto r = runCardd("--check-config --config " + path);
  EXPECT_EQ(r.exit_code, 78) << r.output;  // EX_CONFIG
  EXPECT_NE(r.output.find(path + ":2: api.max_connections: must be an integer from 1 to 100000"),
            std::string::npos)
      << r.output;
  EXPECT_NE(r.output.find(path + ":3: api.colour: unknown key"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find(path + ":6: jobs.default_priority: must be an integer from 1 to 100"),
            std::string::npos)
      << r.output;
}

TEST(CarddCli, UnreadableConfigAndUnknownOptionsAreRefused) {
  auto r = runCardd("--check-config --config /nonexistent/cardd.yaml");
  EXPECT_EQ(r.exit_code, 78);
  EXPECT_NE(r.output.find("cannot read the configuration file"), std::string::npos) << r.output;
  r = runCardd("--frobnicate");
  EXPECT_EQ(r.exit_code, 64) << r.output;  // EX_USAGE
  EXPECT_NE(r.output.find("unknown option --frobnicate"), std::string::npos) << r.output;
}

TEST(CarddCli, ACorruptStoreStopsStartUpWithAClearMessage) {
  DaemonProcess d;
  ASSERT_TRUE(d.start());
  ASSERT_TRUE(d.stop());
  std::ofstream(d.dbPath(), std::ios::trunc | std::ios::binary) << std::string(4096, '\x42');
  const auto r = runCardd("--config " + d.configPath() + " --state-dir " + d.stateDir() +
                          " --socket " + d.socketPath() + " --log-stderr");
  EXPECT_EQ(r.exit_code, 74) << r.output;  // EX_IOERR
  EXPECT_NE(r.output.find("not an SQLite database"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("restore a backup"), std::string::npos) << r.output;
}

}  // namespace
}  // namespace cardd::test
