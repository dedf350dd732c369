#include "config/config_loader.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace cardd {
namespace {

using ::testing::HasSubstr;

const std::string kConfigDir = std::string(CARDD_SOURCE_DIR) + "/config";

ConfigLoadResult load(const std::string& yaml) {
  return loadConfigText(yaml, "test.yaml", kConfigDir);
}

std::vector<std::string> described(const ConfigLoadResult& r) {
  std::vector<std::string> out;
  for (const auto& p : r.problems) out.push_back(p.describe());
  return out;
}

TEST(Config, ShippedConfigIsValid) {
  auto r = loadConfigFile(kConfigDir + "/cardd.yaml");
  ASSERT_TRUE(r.ok()) << ::testing::PrintToString(described(r));
  EXPECT_EQ(r.config.api.socket_path, "/run/cardd/api.sock");
  EXPECT_EQ(r.config.api.socket_mode, 0660u);
  ASSERT_NE(r.config.jobs.person_schema, nullptr);
  EXPECT_EQ(r.config.jobs.person_schema->name, "ektp");
  EXPECT_EQ(r.config.access.grants.at(Role::Supervisor).groups,
            std::vector<std::string>{"cardd-supervisor"});
}

TEST(Config, EmptyFileGivesDefaults) {
  auto r = load("");
  ASSERT_TRUE(r.ok()) << ::testing::PrintToString(described(r));
  EXPECT_EQ(r.config.state_dir, "/var/lib/cardd");
  EXPECT_EQ(r.config.api.limits.max_connections, 64u);
}

TEST(Config, TemplatesDirResolvesLikeThePersonSchema) {
  EXPECT_EQ(load("").config.jobs.templates_dir, kConfigDir + "/templates");
  EXPECT_EQ(load("jobs:\n  templates_dir: cards/../designs\n").config.jobs.templates_dir,
            kConfigDir + "/designs");
  EXPECT_EQ(load("jobs:\n  templates_dir: /srv/cardd/templates\n").config.jobs.templates_dir,
            "/srv/cardd/templates");
  EXPECT_THAT(described(load("jobs:\n  templates_dir: \"\"\n")),
              ::testing::ElementsAre("test.yaml:2: jobs.templates_dir: must not be empty"));
}

TEST(Config, MissingOrEmptySectionsAreFine) {
  auto r = load("api:\nstation:\naccess:\n  admin:\n    users: [alice]\n");
  EXPECT_TRUE(r.ok()) << ::testing::PrintToString(described(r));
  EXPECT_EQ(r.config.access.grants.at(Role::Admin).users, std::vector<std::string>{"alice"});
}

TEST(Config, UnknownKeysAreErrorsWithPathAndLine) {
  auto r =
      load("station:\n  name: x\napi:\n  socket: /tmp/s\n  sokcet_mode: \"0600\"\nfrobnicate: 1\n");
  EXPECT_THAT(described(r),
              ::testing::UnorderedElementsAre("test.yaml:5: api.sokcet_mode: unknown key",
                                              "test.yaml:6: frobnicate: unknown key"));
}

TEST(Config, EveryProblemIsReportedNotJustTheFirst) {
  auto r = load(
      "api:\n"
      "  max_body_bytes: lots\n"
      "  request_timeout: 5 parsecs\n"
      "  socket_mode: \"0999\"\n"
      "  max_connections: 0\n"
      "log_level: loud\n"
      "jobs:\n"
      "  default_priority: 101\n"
      "  templates: ektp\n");
  const auto d = described(r);
  ASSERT_EQ(d.size(), 7u) << ::testing::PrintToString(d);
  EXPECT_THAT(d,
              ::testing::Contains(
                  "test.yaml:2: api.max_body_bytes: must be an integer from 1024 to 1073741824"));
  EXPECT_THAT(
      d, ::testing::Contains(HasSubstr("test.yaml:3: api.request_timeout: must be a duration")));
  EXPECT_THAT(d, ::testing::Contains(
                     "test.yaml:4: api.socket_mode: must be an octal file mode such as \"0660\""));
  EXPECT_THAT(d, ::testing::Contains(
                     "test.yaml:5: api.max_connections: must be an integer from 1 to 100000"));
  EXPECT_THAT(d, ::testing::Contains(
                     "test.yaml:6: log_level: must be one of debug, info, notice, warning, error"));
  EXPECT_THAT(d, ::testing::Contains(
                     "test.yaml:8: jobs.default_priority: must be an integer from 1 to 100"));
  EXPECT_THAT(d, ::testing::Contains("test.yaml:9: jobs.templates: must be a list of strings"));
}

TEST(Config, DurationsAcceptUnits) {
  auto r = load("api:\n  request_timeout: 250ms\n  idle_timeout: 2m\n");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.config.api.limits.request_timeout.count(), 250);
  EXPECT_EQ(r.config.api.limits.idle_timeout.count(), 120000);
}

TEST(Config, YamlSyntaxErrorNamesTheLine) {
  auto r = load("api:\n  socket: [unclosed\n");
  ASSERT_EQ(r.problems.size(), 1u);
  EXPECT_THAT(r.problems[0].describe(), HasSubstr("YAML syntax error"));
  EXPECT_GT(r.problems[0].line, 0);
}

TEST(Config, SectionOfWrongShape) {
  auto r = load("api: 7\n");
  EXPECT_THAT(described(r), ::testing::ElementsAre("test.yaml:1: api: must be a mapping"));
}

TEST(Config, MissingPersonSchemaFileIsNamed) {
  auto r = load("jobs:\n  person_schema: schemas/nope.yaml\n");
  ASSERT_EQ(r.problems.size(), 1u);
  EXPECT_THAT(r.problems[0].describe(),
              HasSubstr("test.yaml:2: jobs.person_schema: cannot read person schema file"));
  EXPECT_THAT(r.problems[0].describe(), HasSubstr("nope.yaml"));
}

TEST(Config, BrokenPersonSchemaProblemsNameTheSchemaFile) {
  const auto dir = std::filesystem::temp_directory_path() / "cardd-config-test";
  std::filesystem::create_directories(dir);
  const auto path = (dir / "bad-schema.yaml").string();
  std::ofstream(path)
      << "name: bad\nfields:\n  nik:\n    type: strnig\n  sex:\n    type: enum\n"
         "  code:\n    pattern: \"[0-9\"\n  addr:\n    type: object\n  x:\n    colour: red\n";
  auto r = load("jobs:\n  person_schema: " + path + "\n");
  const auto d = described(r);
  EXPECT_THAT(d, ::testing::Contains(
                     path + ":4: fields.nik.type: must be one of string, date, enum, object"));
  EXPECT_THAT(d,
              ::testing::Contains(HasSubstr(path + ":6: fields.sex.values: an enum field needs")));
  EXPECT_THAT(d, ::testing::Contains(HasSubstr(
                     path + ":8: fields.code.pattern: is not a valid regular expression")));
  EXPECT_THAT(d,
              ::testing::Contains(HasSubstr("fields.addr.fields: an object field needs fields")));
  EXPECT_THAT(d, ::testing::Contains(path + ":12: fields.x.colour: unknown key"));
  std::filesystem::remove_all(dir);
}

TEST(Config, AccessAcceptsNumericIdsAndRejectsUnknownRoles) {
  auto r =
      load("access:\n  operator:\n    users: [\"#1000\", clerk]\n  janitor:\n    users: [bob]\n");
  EXPECT_THAT(described(r), ::testing::ElementsAre("test.yaml:4: access.janitor: unknown key"));
  EXPECT_EQ(r.config.access.grants.at(Role::Operator).users,
            (std::vector<std::string>{"#1000", "clerk"}));
}

}  // namespace
}  // namespace cardd
