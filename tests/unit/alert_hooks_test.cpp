// Alert hooks run real commands: /bin/sh scripts written to a temp folder at
// test time. What arrives on stdin, the environment, min_severity filtering,
// the timeout kill, start failures, exit codes, and a hook that never reads
// its stdin (SIGPIPE must not take the process down).

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <string>
#include <vector>

#include <boost/json.hpp>

#include "health/alert_hooks.hpp"
#include "store_test_util.hpp"

namespace cardd::health {
namespace {

namespace json = boost::json;
using cardd::testing::readFile;
using cardd::testing::TempDir;

class AlertHooksTest : public ::testing::Test {
 protected:
  // Writes an executable /bin/sh script and returns its path.
  std::string script(const std::string& name, const std::string& body) {
    const std::string path = dir_.file(name);
    {
      std::ofstream out(path);
      out << "#!/bin/sh\n" << body << "\n";
    }
    ::chmod(path.c_str(), 0755);
    return path;
  }

  static AlertHookConfig hook(std::vector<std::string> command, std::string min_severity = "info",
                              std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    AlertHookConfig h;
    h.command = std::move(command);
    h.min_severity = std::move(min_severity);
    h.timeout = timeout;
    return h;
  }

  static AlertRecord alert(AlertSeverity severity, std::string rule = std::string(kRuleRibbonLow)) {
    AlertRecord a;
    a.id = 3;
    a.rule = std::move(rule);
    a.subject = "P1";
    a.severity = severity;
    a.message = "The ribbon of P1 has 12 prints left.";
    a.value = 12;
    a.threshold = 20;
    a.raised_at_ms = 1'700'000'000'000;
    a.updated_at_ms = 1'700'000'000'000;
    return a;
  }

  // Runs every queued hook to the end and returns what they did.
  std::vector<HookRun> runAll(std::vector<AlertHookConfig> hooks,
                              const std::vector<std::pair<AlertRecord, std::string>>& events) {
    std::vector<HookRun> runs;
    std::mutex m;
    AlertHookRunner runner(std::move(hooks), "Kantor Dukcapil 3", [&](const HookRun& r) {
      std::lock_guard<std::mutex> lock(m);
      runs.push_back(r);
    });
    for (const auto& [a, event] : events) runner.deliver(a, event);
    runner.stop();
    return runs;
  }

  TempDir dir_;
};

TEST_F(AlertHooksTest, HookGetsTheAlertAsJsonOnStdin) {
  ::setenv("CARDD_HOOK_TEST_SECRET", "must-not-leak", 1);
  const std::string out = dir_.file("stdin.json");
  const std::string env = dir_.file("env.txt");
  const std::string copy = script("copy.sh", "cat > \"$1\"\nenv > \"$2\"");
  const auto runs = runAll({hook({copy, out, env})}, {{alert(AlertSeverity::Warning), "raised"}});
  ::unsetenv("CARDD_HOOK_TEST_SECRET");
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0].command, copy);
  EXPECT_EQ(runs[0].rule, "ribbon-low");
  EXPECT_EQ(runs[0].event, "raised");
  EXPECT_EQ(runs[0].exit_code, 0);
  EXPECT_FALSE(runs[0].timed_out);
  EXPECT_TRUE(runs[0].error.empty());

  const auto doc = json::parse(readFile(out));
  EXPECT_EQ(doc.at("event").as_string(), "raised");
  EXPECT_EQ(doc.at("station").as_string(), "Kantor Dukcapil 3");
  const auto& a = doc.at("alert").as_object();
  EXPECT_EQ(a.at("id").as_int64(), 3);
  EXPECT_EQ(a.at("rule").as_string(), "ribbon-low");
  EXPECT_EQ(a.at("subject").as_string(), "P1");
  EXPECT_EQ(a.at("severity").as_string(), "warning");
  EXPECT_EQ(a.at("state").as_string(), "raised");

  const std::string environment = readFile(env);
  EXPECT_NE(environment.find("PATH=/usr/bin:/bin\n"), std::string::npos);
  EXPECT_EQ(environment.find("CARDD_HOOK_TEST_SECRET"), std::string::npos);
}

TEST_F(AlertHooksTest, EventsRunInOrderAndEachHookFiltersBySeverity) {
  const std::string log = dir_.file("events.log");
  // Appends "<event> <severity>" per run; the second hook only for critical.
  const std::string append =
      script("append.sh",
             "tr -d '\\n' | sed -e 's/.*\"event\":\"\\([a-z]*\\)\".*/\\1/' >> \"$1\"\n"
             "echo \" $2\" >> \"$1\"");
  const auto runs = runAll(
      {hook({append, log, "any"}, "warning"), hook({append, log, "critical-only"}, "critical")},
      {{alert(AlertSeverity::Info), "raised"},
       {alert(AlertSeverity::Warning), "raised"},
       {alert(AlertSeverity::Critical), "escalated"},
       {alert(AlertSeverity::Critical), "cleared"}});
  ASSERT_EQ(runs.size(), 5u);
  EXPECT_EQ(readFile(log),
            "raised any\n"
            "escalated any\n"
            "escalated critical-only\n"
            "cleared any\n"
            "cleared critical-only\n");
  for (const auto& r : runs) EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(runs[1].event, "escalated");
}

TEST_F(AlertHooksTest, SlowHookIsKilledAtItsTimeout) {
  const std::string slow = script("slow.sh", "sleep 30");
  const std::string after = dir_.file("after.json");
  const std::string copy = script("copy.sh", "cat > \"$1\"");
  const auto runs =
      runAll({hook({slow}, "info", std::chrono::milliseconds(200)), hook({copy, after})},
             {{alert(AlertSeverity::Critical), "raised"}});
  ASSERT_EQ(runs.size(), 2u);
  EXPECT_TRUE(runs[0].timed_out);
  EXPECT_EQ(runs[0].exit_code, -1);
  EXPECT_TRUE(runs[0].error.empty());
  // The next hook still runs.
  EXPECT_FALSE(runs[1].timed_out);
  EXPECT_EQ(runs[1].exit_code, 0);
  EXPECT_EQ(json::parse(readFile(after)).at("event").as_string(), "raised");
}

TEST_F(AlertHooksTest, MissingCommandReportsWhyItDidNotStart) {
  const auto runs =
      runAll({hook({dir_.file("no-such-hook")})}, {{alert(AlertSeverity::Critical), "raised"}});
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0].exit_code, -1);
  EXPECT_FALSE(runs[0].timed_out);
  EXPECT_NE(runs[0].error.find("no-such-hook"), std::string::npos) << runs[0].error;
}

TEST_F(AlertHooksTest, ExitCodeIsReported) {
  const std::string fail = script("fail.sh", "exit 3");
  const auto runs = runAll({hook({fail})}, {{alert(AlertSeverity::Warning), "acknowledged"}});
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0].exit_code, 3);
  EXPECT_EQ(runs[0].event, "acknowledged");
  EXPECT_FALSE(runs[0].timed_out);
  EXPECT_TRUE(runs[0].error.empty());
}

// The document is larger than a pipe's buffer, so the hook closing its stdin
// unread turns our write into EPIPE (SIGPIPE would end this test binary).
TEST_F(AlertHooksTest, HookThatNeverReadsStdinDoesNotKillUs) {
  const std::string deaf = script("deaf.sh", "exec 0<&-\nexit 0");
  const std::string out = dir_.file("after.json");
  const std::string copy = script("copy.sh", "cat > \"$1\"");
  auto big = alert(AlertSeverity::Critical);
  big.message = std::string(512 * 1024, 'x');
  const auto runs = runAll({hook({deaf}), hook({copy, out})}, {{big, "raised"}});
  ASSERT_EQ(runs.size(), 2u);
  EXPECT_EQ(runs[0].exit_code, 0);
  EXPECT_FALSE(runs[0].timed_out);
  EXPECT_EQ(runs[1].exit_code, 0);
  const auto doc = json::parse(readFile(out));
  EXPECT_EQ(doc.at("alert").at("message").as_string().size(), 512u * 1024u);
}

TEST_F(AlertHooksTest, NoHooksNoThreadNothingQueued) {
  const auto runs = runAll({}, {{alert(AlertSeverity::Critical), "raised"}});
  EXPECT_TRUE(runs.empty());
}

}  // namespace
}  // namespace cardd::health
