#include "config/config_loader.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

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

// A station with everything: two printers, PEM and PKCS#11 keys.
const char* kFullStation = R"(jobs:
  profiles: [cardd-eid]
issuance:
  max_attempts: 5
  encode_ahead: false
  profiles:
    cardd-eid: ../applets/profiles/eid.yaml
  signers:
    document-signer: { certificate: keys/ds.pem, key: keys/ds.key }
    hsm-signer:
      certificate: /etc/cardd/keys/ds2.pem
      pkcs11: { module: /usr/lib/softhsm/libsofthsm2.so, token: cardd, key_label: ds, pin_file: keys/pin }
  key_sets:
    station-master: { file: keys/master.hex }
    hsm-master: { pkcs11: { module: /usr/lib/softhsm/libsofthsm2.so, token: cardd, key_label: km, pin_file: keys/pin } }
  csca: keys/csca.pem
printers:
  - id: P1
    uri: tcp://127.0.0.1:9101
    family: evolis
    reader: "Station Reader 00 00"
    ribbon: ymckok
    card_stock: pvc-plain
    status_interval: 500ms
    card_wait: 20s
    enabled: false
  - id: back-room_2.b
    uri: usb://0F49:ffff/ABC123
)";

TEST(ConfigStation, FullExampleIsParsed) {
  auto r = load(kFullStation);
  ASSERT_TRUE(r.ok()) << ::testing::PrintToString(described(r));
  const auto& is = r.config.issuance;
  EXPECT_EQ(is.max_attempts, 5);
  EXPECT_FALSE(is.encode_ahead);
  EXPECT_EQ(is.profiles.at("cardd-eid"),
            std::string(CARDD_SOURCE_DIR) + "/applets/profiles/eid.yaml");
  EXPECT_EQ(is.signers.at("document-signer").certificate, kConfigDir + "/keys/ds.pem");
  EXPECT_EQ(is.signers.at("document-signer").key, kConfigDir + "/keys/ds.key");
  EXPECT_TRUE(is.signers.at("document-signer").pkcs11_module.empty());
  const auto& hsm = is.signers.at("hsm-signer");
  EXPECT_EQ(hsm.certificate, "/etc/cardd/keys/ds2.pem");
  EXPECT_TRUE(hsm.key.empty());
  EXPECT_EQ(hsm.pkcs11_module, "/usr/lib/softhsm/libsofthsm2.so");
  EXPECT_EQ(hsm.pkcs11_token, "cardd");
  EXPECT_EQ(hsm.pkcs11_key_label, "ds");
  EXPECT_EQ(hsm.pkcs11_pin_file, kConfigDir + "/keys/pin");
  EXPECT_EQ(is.key_sets.at("station-master").file, kConfigDir + "/keys/master.hex");
  EXPECT_EQ(is.key_sets.at("hsm-master").pkcs11_key_label, "km");
  EXPECT_EQ(is.csca, kConfigDir + "/keys/csca.pem");

  ASSERT_EQ(r.config.printers.size(), 2u);
  const auto& p1 = r.config.printers[0];
  EXPECT_EQ(p1.id, "P1");
  EXPECT_EQ(p1.uri, "tcp://127.0.0.1:9101");
  EXPECT_EQ(p1.family, "evolis");
  EXPECT_EQ(p1.reader, "Station Reader 00 00");
  EXPECT_EQ(p1.ribbon, "ymckok");
  EXPECT_EQ(p1.card_stock, "pvc-plain");
  EXPECT_EQ(p1.status_interval.count(), 500);
  EXPECT_EQ(p1.card_wait.count(), 20'000);
  EXPECT_FALSE(p1.enabled);
  const auto& p2 = r.config.printers[1];
  EXPECT_EQ(p2.id, "back-room_2.b");
  EXPECT_EQ(p2.uri, "usb://0F49:ffff/ABC123");
  EXPECT_TRUE(p2.family.empty());
  EXPECT_TRUE(p2.reader.empty());
  EXPECT_EQ(p2.ribbon, "ymcko");
  EXPECT_EQ(p2.card_stock, "pvc-chip");
  EXPECT_EQ(p2.status_interval.count(), 2000);
  EXPECT_EQ(p2.card_wait.count(), 10'000);
  EXPECT_TRUE(p2.enabled);
}

TEST(ConfigStation, NoPrintersNeedsNoIssuance) {
  auto r = load("printers: []\n");
  ASSERT_TRUE(r.ok()) << ::testing::PrintToString(described(r));
  EXPECT_TRUE(r.config.printers.empty());
  EXPECT_EQ(r.config.issuance.max_attempts, 3);
  EXPECT_TRUE(r.config.issuance.encode_ahead);
  EXPECT_TRUE(r.config.issuance.profiles.empty());
}

TEST(ConfigStation, PrinterRulesNameFileLineAndKey) {
  auto r = load(
      "issuance:\n"
      "  profiles: { cardd-eid: ../applets/profiles/eid.yaml }\n"
      "printers:\n"
      "  - id: P1\n"  // 4
      "    uri: tcp://127.0.0.1:9101\n"
      "    reader: R0\n"                              // 6
      "  - id: P1\n"                                  // 7
      "    uri: lpd://printer\n"                      // 8
      "    reader: R0\n"                              // 9
      "  - id: \"has space\"\n"                       // 10
      "    uri: usb://0f49:fff\n"                     // 11
      "    ribbon: rainbow\n"                         // 12
      "    status_interval: 1 fortnight\n"            // 13
      "    card_wait: 10ms\n"                         // 14
      "    enabled: maybe\n"                          // 15
      "    colour: red\n"                             // 16
      "    family: Evolis\n"                          // 17
      "  - family: evolis\n"                          // 18
      "  - id: ThisIdIsFarTooLongForAPrinterName1\n"  // 19
      "    uri: tcp://:9100\n");                      // 20
  const auto d = described(r);
  EXPECT_THAT(
      d,
      ::testing::UnorderedElementsAre(
          "test.yaml:7: printers[1].id: printer 'P1' is already defined on line 4",
          "test.yaml:8: printers[1].uri: must be tcp://HOST:PORT or usb://VVVV:PPPP[/SERIAL] "
          "(hex USB ids)",
          "test.yaml:9: printers[1].reader: reader 'R0' is already the encoder of the printer "
          "on line 6; each printer needs its own reader",
          "test.yaml:10: printers[2].id: must be 1 to 32 letters, digits, '.', '_' or '-'",
          "test.yaml:11: printers[2].uri: must be tcp://HOST:PORT or usb://VVVV:PPPP[/SERIAL] "
          "(hex USB ids)",
          "test.yaml:12: printers[2].ribbon: must be one of ymcko, ymckok, ko, k",
          HasSubstr("test.yaml:13: printers[2].status_interval: must be a duration"),
          "test.yaml:14: printers[2].card_wait: must be a duration such as \"30s\" or "
          "\"500ms\", from 500ms to 600000ms",
          "test.yaml:15: printers[2].enabled: must be true or false",
          "test.yaml:16: printers[2].colour: unknown key",
          "test.yaml:17: printers[2].family: must be a driver family name such as \"evolis\"",
          "test.yaml:18: printers[3].id: is required", "test.yaml:18: printers[3].uri: is required",
          "test.yaml:19: printers[4].id: must be 1 to 32 letters, digits, '.', '_' or '-'",
          "test.yaml:20: printers[4].uri: must be tcp://HOST:PORT or usb://VVVV:PPPP[/SERIAL] "
          "(hex USB ids)"));
}

TEST(ConfigStation, UriForms) {
  for (const char* good : {"tcp://10.0.0.5:9100", "tcp://printer.local:1", "tcp://[::1]:65535",
                           "usb://0f49:ffff", "usb://0F49:FFFF/SER-1"}) {
    auto r = load(std::string("printers:\n  - { id: P, uri: \"") + good + "\" }\n" +
                  "issuance: { profiles: { cardd-eid: ../applets/profiles/eid.yaml } }\n");
    EXPECT_TRUE(r.ok()) << good << ": " << ::testing::PrintToString(described(r));
  }
  for (const char* bad :
       {"tcp://host", "tcp://host:0", "tcp://host:65536", "tcp://host:x", "usb://0f49ffff",
        "usb://0f4g:ffff", "usb://0f49:ffff/", "http://x:1", "tcp://a/b:1"}) {
    auto r = load(std::string("printers:\n  - { id: P, uri: \"") + bad + "\" }\n" +
                  "issuance: { profiles: { cardd-eid: ../applets/profiles/eid.yaml } }\n");
    EXPECT_THAT(described(r), ::testing::ElementsAre(HasSubstr("printers[0].uri: must be tcp://")))
        << bad;
  }
}

TEST(ConfigStation, PrintersMustBeAList) {
  EXPECT_THAT(described(load("printers: { id: P1 }\n")),
              ::testing::ElementsAre("test.yaml:1: printers: must be a list of printers"));
  EXPECT_THAT(described(load("printers:\n  - P1\n")),
              ::testing::ElementsAre("test.yaml:2: printers[0]: must be a mapping"));
}

TEST(ConfigStation, SignerAndKeySetRules) {
  auto r = load(
      "issuance:\n"
      "  max_attempts: 11\n"   // 2
      "  encode_ahead: yes\n"  // 3
      "  signers:\n"
      "    both: { certificate: c.pem, key: k.pem, pkcs11: { module: m.so, token: t, key_label: "
      "l, pin_file: p } }\n"                                                      // 5
      "    neither: { certificate: c.pem }\n"                                     // 6
      "    nocert: { key: k.pem }\n"                                              // 7
      "    halfhsm: { certificate: c.pem, pkcs11: { module: m.so, slot: 2 } }\n"  // 8
      "  key_sets:\n"
      "    both: { file: k.hex, pkcs11: { module: m.so, token: t, key_label: l, pin_file: p } }\n"
      "    neither: {}\n"                        // 11
      "    odd: { file: k.hex, colour: red }\n"  // 12
      "  csca: \"\"\n"                           // 13
      "  secret: 1\n");                          // 14
  EXPECT_THAT(
      described(r),
      ::testing::UnorderedElementsAre(
          "test.yaml:2: issuance.max_attempts: must be an integer from 1 to 10",
          "test.yaml:3: issuance.encode_ahead: must be true or false",
          "test.yaml:5: issuance.signers.both: give either key (a PEM file) or pkcs11, not both",
          "test.yaml:6: issuance.signers.neither: needs key (a PEM file) or pkcs11 (a token key)",
          "test.yaml:7: issuance.signers.nocert.certificate: is required",
          "test.yaml:8: issuance.signers.halfhsm.pkcs11.token: is required",
          "test.yaml:8: issuance.signers.halfhsm.pkcs11.key_label: is required",
          "test.yaml:8: issuance.signers.halfhsm.pkcs11.pin_file: is required",
          "test.yaml:8: issuance.signers.halfhsm.pkcs11.slot: unknown key",
          "test.yaml:10: issuance.key_sets.both: give either file (hex keys) or pkcs11, not both",
          "test.yaml:11: issuance.key_sets.neither: needs file (hex keys) or pkcs11 (a token key)",
          "test.yaml:12: issuance.key_sets.odd.colour: unknown key",
          "test.yaml:13: issuance.csca: must be a file path",
          "test.yaml:14: issuance.secret: unknown key"));
}

TEST(ConfigStation, PrintersNeedAChipProfileForEveryJobProfile) {
  auto r = load(
      "jobs:\n  profiles: [cardd-eid, cardd-jmrtd]\n"
      "issuance:\n"
      "  profiles:\n"  // 4
      "    cardd-eid: ../applets/profiles/eid.yaml\n"
      "printers:\n  - { id: P1, uri: \"tcp://127.0.0.1:9100\" }\n");
  EXPECT_THAT(described(r),
              ::testing::ElementsAre(
                  "test.yaml:4: issuance.profiles: job profile 'cardd-jmrtd' has no chip profile; "
                  "a station with printers needs one for every entry of jobs.profiles"));
  // Without printers the same config is fine: cardd only queues.
  auto queue_only = load(
      "jobs:\n  profiles: [cardd-eid, cardd-jmrtd]\n"
      "issuance:\n  profiles:\n    cardd-eid: ../applets/profiles/eid.yaml\n");
  EXPECT_TRUE(queue_only.ok()) << ::testing::PrintToString(described(queue_only));
  // No issuance section at all: named where the printers are.
  EXPECT_THAT(described(load("printers:\n  - { id: P1, uri: \"tcp://127.0.0.1:9100\" }\n")),
              ::testing::ElementsAre(HasSubstr(
                  "test.yaml:1: issuance.profiles: job profile 'cardd-eid' has no chip profile")));
}

TEST(ConfigStation, ChipProfilesMustExistAndNameJobProfiles) {
  auto r = load(
      "issuance:\n"
      "  profiles:\n"
      "    cardd-eid: profiles/missing.yaml\n"             // 3
      "    cardd-other: ../applets/profiles/jmrtd.yaml\n"  // 4
      "    \"\": x.yaml\n");                               // 5
  EXPECT_THAT(described(r),
              ::testing::UnorderedElementsAre(
                  "test.yaml:3: issuance.profiles.cardd-eid: cannot read the chip profile file " +
                      kConfigDir + "/profiles/missing.yaml",
                  "test.yaml:4: issuance.profiles.cardd-other: 'cardd-other' is not a job profile; "
                  "list it in jobs.profiles first",
                  "test.yaml:5: issuance.profiles: ids must not be empty"));
}

// --- device health ---------------------------------------------------------

const std::string kOnePrinter =
    "issuance:\n  profiles:\n    cardd-eid: ../applets/profiles/eid.yaml\n"
    "printers:\n";  // lines 1-4; the printer starts on line 5

TEST(ConfigHealth, DefaultsWithoutAHealthSection) {
  auto r = load(kOnePrinter + "  - { id: P1, uri: \"tcp://127.0.0.1:9100\" }\n");
  ASSERT_TRUE(r.ok()) << ::testing::PrintToString(described(r));
  const auto& p = r.config.printers.at(0);
  EXPECT_EQ(p.cleaning_interval_cards, 700);
  EXPECT_EQ(p.printhead_rated_passes, 0);
  EXPECT_EQ(p.duty_cards_per_hour, 0);
  EXPECT_EQ(p.duty_burst, 3);
  EXPECT_EQ(p.duty_run.count(), 0);
  EXPECT_EQ(p.duty_rest.count(), 0);
  const auto& h = r.config.health;
  EXPECT_EQ(h.lead_time_days, 21);
  EXPECT_EQ(h.forecast_window_days, 28);
  EXPECT_EQ(h.evaluate_interval, std::chrono::seconds(30));
  EXPECT_EQ(h.clear_after, std::chrono::minutes(5));
  EXPECT_EQ(h.rules.blank_stock_warning, 200);
  EXPECT_EQ(h.rules.printer_faulted, std::chrono::minutes(15));
  EXPECT_TRUE(h.hooks.empty());
}

TEST(ConfigHealth, FullExampleIsParsed) {
  auto r = load(kOnePrinter +
                "  - id: P1\n"
                "    uri: tcp://127.0.0.1:9100\n"
                "    cleaning_interval: 1000\n"
                "    printhead_rated_passes: 600000\n"
                "    duty: {cards_per_hour: 120, burst: 5, run: 60m, rest: 10m}\n"
                "health:\n"
                "  lead_time_days: 14\n"
                "  forecast_window_days: 35\n"
                "  evaluate_interval: 10s\n"
                "  clear_after: 2m\n"
                "  alerts:\n"
                "    blank_stock_warning: 300\n"
                "    blank_stock_critical: 80\n"
                "    blank_forecast: false\n"
                "    feeder_low: 5\n"
                "    ribbon_low: 30\n"
                "    cleaning_due_margin: 40\n"
                "    printhead_end_of_life: 0.85\n"
                "    reader_failure_rate: 0.2\n"
                "    reader_min_cards: 25\n"
                "    printer_faulted: 1h\n"
                "    ledger_imbalance: false\n"
                "    outbox_backlog: 500\n"
                "  hooks:\n"
                "    - command: [/usr/local/bin/page-technician, --station, X]\n"
                "      min_severity: critical\n"
                "      timeout: 3s\n"
                "    - {command: [/usr/bin/logger]}\n");
  ASSERT_TRUE(r.ok()) << ::testing::PrintToString(described(r));
  const auto& p = r.config.printers.at(0);
  EXPECT_EQ(p.cleaning_interval_cards, 1000);
  EXPECT_EQ(p.printhead_rated_passes, 600'000);
  EXPECT_EQ(p.duty_cards_per_hour, 120);
  EXPECT_EQ(p.duty_burst, 5);
  EXPECT_EQ(p.duty_run, std::chrono::minutes(60));
  EXPECT_EQ(p.duty_rest, std::chrono::minutes(10));
  const auto& h = r.config.health;
  EXPECT_EQ(h.lead_time_days, 14);
  EXPECT_EQ(h.forecast_window_days, 35);
  EXPECT_EQ(h.evaluate_interval, std::chrono::seconds(10));
  EXPECT_EQ(h.clear_after, std::chrono::minutes(2));
  const auto& a = h.rules;
  EXPECT_EQ(a.blank_stock_warning, 300);
  EXPECT_EQ(a.blank_stock_critical, 80);
  EXPECT_FALSE(a.blank_forecast);
  EXPECT_EQ(a.feeder_low, 5);
  EXPECT_EQ(a.ribbon_low, 30);
  EXPECT_EQ(a.cleaning_due_margin, 40);
  EXPECT_DOUBLE_EQ(a.printhead_end_of_life, 0.85);
  EXPECT_DOUBLE_EQ(a.reader_failure_rate, 0.2);
  EXPECT_EQ(a.reader_min_cards, 25);
  EXPECT_EQ(a.printer_faulted, std::chrono::minutes(60));
  EXPECT_FALSE(a.ledger_imbalance);
  EXPECT_EQ(a.outbox_backlog, 500);
  ASSERT_EQ(h.hooks.size(), 2u);
  EXPECT_EQ(h.hooks[0].command,
            (std::vector<std::string>{"/usr/local/bin/page-technician", "--station", "X"}));
  EXPECT_EQ(h.hooks[0].min_severity, "critical");
  EXPECT_EQ(h.hooks[0].timeout, std::chrono::seconds(3));
  EXPECT_EQ(h.hooks[1].command, std::vector<std::string>{"/usr/bin/logger"});
  EXPECT_EQ(h.hooks[1].min_severity, "warning");
  EXPECT_EQ(h.hooks[1].timeout, std::chrono::seconds(10));
}

TEST(ConfigHealth, PrinterWearAndDutyRulesNameFileLineAndKey) {
  auto r = load(kOnePrinter +
                "  - id: P1\n"                                           // 5
                "    uri: tcp://127.0.0.1:9100\n"                        // 6
                "    cleaning_interval: -1\n"                            // 7
                "    printhead_rated_passes: many\n"                     // 8
                "    duty: {cards_per_hour: 120, burst: 0, run: 60m}\n"  // 9
                "  - id: P2\n"                                           // 10
                "    uri: tcp://127.0.0.1:9101\n"                        // 11
                "    duty:\n"                                            // 12
                "      rest: 90s\n"                                      // 13
                "      pace: fast\n"                                     // 14
                "  - id: P3\n"                                           // 15
                "    uri: tcp://127.0.0.1:9102\n"                        // 16
                "    duty: [120]\n");                                    // 17
  EXPECT_THAT(
      described(r),
      ::testing::UnorderedElementsAre(
          "test.yaml:7: printers[0].cleaning_interval: must be an integer from 0 to 1000000",
          "test.yaml:8: printers[0].printhead_rated_passes: must be an integer from 0 to "
          "10000000000",
          "test.yaml:9: printers[0].duty.burst: must be an integer from 1 to 1000",
          "test.yaml:9: printers[0].duty: run and rest go together: give both (e.g. run: 60m, "
          "rest: 10m) or neither",
          "test.yaml:13: printers[1].duty.rest: must be whole minutes such as \"15m\" or "
          "\"1h\", from 0 to 1440m",
          "test.yaml:14: printers[1].duty.pace: unknown key",
          "test.yaml:17: printers[2].duty: must be a mapping"));
}

TEST(ConfigHealth, HealthRulesNameFileLineAndKey) {
  auto r = load(
      "health:\n"                         // 1
      "  lead_time_days: 0\n"             // 2
      "  forecast_window_days: 3\n"       // 3
      "  evaluate_interval: 10ms\n"       // 4
      "  alerts:\n"                       // 5
      "    blank_stock_warning: 40\n"     // 6
      "    blank_stock_critical: 60\n"    // 7
      "    printhead_end_of_life: 1.5\n"  // 8
      "    reader_failure_rate: 10%\n"    // 9
      "    reader_min_cards: 51\n"        // 10
      "    printer_faulted: 90s\n"        // 11
      "    blank_forecast: maybe\n"       // 12
      "    feeder_empty: 0\n"             // 13
      "  alarms: {}\n");                  // 14
  EXPECT_THAT(
      described(r),
      ::testing::UnorderedElementsAre(
          "test.yaml:2: health.lead_time_days: must be an integer from 1 to 365",
          "test.yaml:3: health.forecast_window_days: must be an integer from 7 to 365",
          "test.yaml:4: health.evaluate_interval: must be a duration such as \"30s\" or "
          "\"500ms\", from 1000ms to 3600000ms",
          "test.yaml:7: health.alerts.blank_stock_critical: must not be above "
          "blank_stock_warning (40): critical is the lower stock level",
          "test.yaml:8: health.alerts.printhead_end_of_life: must be a fraction of the rated "
          "life from 0 to 1, such as 0.9 (0 turns the rule off)",
          "test.yaml:9: health.alerts.reader_failure_rate: must be a fraction of cards from 0 "
          "to 1, such as 0.1 (0 turns the rule off)",
          "test.yaml:10: health.alerts.reader_min_cards: must be an integer from 0 to 50",
          "test.yaml:11: health.alerts.printer_faulted: must be whole minutes such as \"15m\" "
          "or \"1h\", from 0 to 1440m",
          "test.yaml:12: health.alerts.blank_forecast: must be true or false",
          "test.yaml:13: health.alerts.feeder_empty: unknown key",
          "test.yaml:14: health.alarms: unknown key"));
  // 0 turns a rule off, also the stock warning (then critical may be anything).
  auto off = load(
      "health:\n  alerts: {blank_stock_warning: 0, blank_stock_critical: 60, "
      "printhead_end_of_life: 0, reader_failure_rate: 0, printer_faulted: 0}\n");
  EXPECT_TRUE(off.ok()) << ::testing::PrintToString(described(off));
  EXPECT_EQ(off.config.health.rules.printer_faulted.count(), 0);
  EXPECT_DOUBLE_EQ(off.config.health.rules.printhead_end_of_life, 0.0);
}

TEST(ConfigHealth, HookRules) {
  auto r = load(
      "health:\n"                                        // 1
      "  hooks:\n"                                       // 2
      "    - command: [page-technician]\n"               // 3
      "    - command: []\n"                              // 4
      "    - min_severity: warning\n"                    // 5
      "    - command: [/bin/true]\n"                     // 6
      "      min_severity: urgent\n"                     // 7
      "      timeout: 1h\n"                              // 8
      "      shell: true\n"                              // 9
      "    - command: /usr/local/bin/page-technician\n"  // 10
      "    - ~\n");                                      // 11
  EXPECT_THAT(
      described(r),
      ::testing::UnorderedElementsAre(
          "test.yaml:3: health.hooks[0].command[0]: must be an absolute path (hooks run "
          "without a shell or PATH lookup)",
          "test.yaml:4: health.hooks[1].command: must name a program: "
          "[\"/usr/local/bin/hook\", \"arg\", ...]",
          "test.yaml:5: health.hooks[2].command: is required",
          "test.yaml:7: health.hooks[3].min_severity: must be one of info, warning, critical",
          "test.yaml:8: health.hooks[3].timeout: must be a duration such as \"30s\" or "
          "\"500ms\", from 100ms to 600000ms",
          "test.yaml:9: health.hooks[3].shell: unknown key",
          "test.yaml:10: health.hooks[4].command: must be a list of strings",
          "test.yaml:11: health.hooks[5]: must be a mapping with at least command"));
  EXPECT_THAT(described(load("health:\n  hooks: {command: [/bin/true]}\n")),
              ::testing::ElementsAre("test.yaml:2: health.hooks: must be a list of hooks"));
}

// The commented health example in the shipped cardd.yaml, uncommented,
// loads and shows the built-in defaults.
TEST(ConfigHealth, ShippedExampleShowsTheDefaults) {
  std::ifstream in(kConfigDir + "/cardd.yaml");
  std::stringstream buf;
  buf << in.rdbuf();
  const std::string text = buf.str();
  const auto at = text.find("#health:\n");
  ASSERT_NE(at, std::string::npos);
  std::istringstream lines(text.substr(at));
  std::string yaml;
  for (std::string line; std::getline(lines, line);) {
    ASSERT_TRUE(line.starts_with("#")) << line;
    yaml += line.substr(1) + "\n";
  }
  auto r = load(yaml);
  ASSERT_TRUE(r.ok()) << ::testing::PrintToString(described(r));
  const HealthConfig defaults;
  const auto& h = r.config.health;
  EXPECT_EQ(h.lead_time_days, defaults.lead_time_days);
  EXPECT_EQ(h.forecast_window_days, defaults.forecast_window_days);
  EXPECT_EQ(h.evaluate_interval, defaults.evaluate_interval);
  EXPECT_EQ(h.clear_after, defaults.clear_after);
  const auto& a = h.rules;
  const auto& d = defaults.rules;
  EXPECT_EQ(a.blank_stock_warning, d.blank_stock_warning);
  EXPECT_EQ(a.blank_stock_critical, d.blank_stock_critical);
  EXPECT_EQ(a.blank_forecast, d.blank_forecast);
  EXPECT_EQ(a.feeder_low, d.feeder_low);
  EXPECT_EQ(a.ribbon_low, d.ribbon_low);
  EXPECT_EQ(a.cleaning_due_margin, d.cleaning_due_margin);
  EXPECT_DOUBLE_EQ(a.printhead_end_of_life, d.printhead_end_of_life);
  EXPECT_DOUBLE_EQ(a.reader_failure_rate, d.reader_failure_rate);
  EXPECT_EQ(a.reader_min_cards, d.reader_min_cards);
  EXPECT_EQ(a.printer_faulted, d.printer_faulted);
  EXPECT_EQ(a.ledger_imbalance, d.ledger_imbalance);
  EXPECT_EQ(a.outbox_backlog, d.outbox_backlog);
  ASSERT_EQ(h.hooks.size(), 1u);
  EXPECT_EQ(h.hooks[0].min_severity, AlertHookConfig{}.min_severity);
  EXPECT_EQ(h.hooks[0].timeout, AlertHookConfig{}.timeout);
}

}  // namespace
}  // namespace cardd
