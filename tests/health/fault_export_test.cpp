// Fault log export: CSV (RFC 4180) and JSON round trips, including quotes,
// commas and newlines in the raw text and empty optional fields, and the
// errors for malformed input.
#include "health/fault_export.hpp"

#include <gtest/gtest.h>

#include "core/clock.hpp"
#include "health_test_util.hpp"

namespace cardd::health {
namespace {

using test_support::makeFault;

constexpr std::int64_t kT = 1'796'037'650'123;  // 2026-11-30T...

std::vector<FaultRecord> sample() {
  FaultRecord jam = makeFault(kT, "P1", "printer", "media-jam", "error");
  jam.id = 1;
  jam.cleared_at_ms = kT + 95'250;
  jam.raw = "ERR MECHANICAL, \"card stuck\"\r\nsecond line\nthird";
  jam.job_id = 42;
  jam.attempt_id = 7;

  // Active, no raw, no job.
  FaultRecord chip = makeFault(kT + 1, "P1", "encoder", "chip-not-detected", "error");
  chip.id = 2;

  FaultRecord low = makeFault(0, "P2,west", "printer", "media-low", "report");  // the epoch
  low.id = 3;
  low.cleared_at_ms = 0;
  low.raw = ",";
  low.attempt_id = 9;
  return {jam, chip, low};
}

TEST(FaultExport, CsvRoundTrip) {
  const auto faults = sample();
  const std::string csv = faultsToCsv(faults);
  EXPECT_EQ(csv.substr(0, csv.find("\r\n")),
            "id,raised_at,cleared_at,duration_ms,device,device_kind,reason,severity,raw,job_id,"
            "attempt_id");
  EXPECT_NE(csv.find("1," + formatTimestamp(kT) + "," + formatTimestamp(kT + 95'250) +
                     ",95250,P1,printer,media-jam,error,\"ERR MECHANICAL, \"\"card stuck\"\""),
            std::string::npos);
  EXPECT_NE(
      csv.find("\r\n2," + formatTimestamp(kT + 1) + ",,,P1,encoder,chip-not-detected,error,,,\r\n"),
      std::string::npos);
  auto back = faultsFromCsv(csv);
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(*back, faults);

  // A bare-LF file (edited on Linux) reads the same.
  std::string lf;
  bool quoted = false;
  for (std::size_t i = 0; i < csv.size(); ++i) {
    if (csv[i] == '"') quoted = !quoted;
    if (!quoted && csv[i] == '\r') continue;
    lf += csv[i];
  }
  auto back_lf = faultsFromCsv(lf);
  ASSERT_TRUE(back_lf.ok()) << back_lf.error().message;
  EXPECT_EQ(*back_lf, faults);

  auto empty = faultsFromCsv(faultsToCsv({}));
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->empty());
}

TEST(FaultExport, JsonRoundTrip) {
  const auto faults = sample();
  const std::string json = faultsToJson(faults);
  auto back = faultsFromJson(json);
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(*back, faults);

  auto one = faultToJson(faults[1]).as_object();
  EXPECT_TRUE(one.at("cleared_at").is_null());
  EXPECT_TRUE(one.at("duration_ms").is_null());
  EXPECT_TRUE(one.at("job_id").is_null());
  EXPECT_EQ(one.at("raw").as_string(), "");
  EXPECT_EQ(one.at("raised_at").as_string(), formatTimestamp(kT + 1));
  EXPECT_EQ(faultToJson(faults[0]).as_object().at("duration_ms").as_int64(), 95'250);
}

TEST(FaultExport, ParseTimestamp) {
  EXPECT_EQ(*parseTimestamp("1970-01-01T00:00:00.000Z"), 0);
  EXPECT_EQ(*parseTimestamp(formatTimestamp(kT)), kT);
  EXPECT_EQ(*parseTimestamp("2024-02-29T23:59:59.999Z"), 1'709'251'199'999);
  EXPECT_EQ(*parseTimestamp("2024-02-29T23:59:59Z"), 1'709'251'199'000);
  EXPECT_EQ(*parseTimestamp("2024-03-01T01:00:00.5+01:00"), 1'709'251'200'500);
  EXPECT_EQ(*parseTimestamp("1969-12-31T23:59:59.000Z"), -1000);
  for (const char* bad :
       {"", "2024-02-30T00:00:00Z", "2023-02-29T00:00:00Z", "2024-01-01 00:00:00Z",
        "2024-01-01T24:00:00Z", "2024-01-01T00:00:00", "2024-01-01T00:00:00.Z",
        "2024-1-01T00:00:00Z", "2024-01-01T00:00:00Zx", "yesterday"}) {
    EXPECT_FALSE(parseTimestamp(bad).ok()) << bad;
  }
}

TEST(FaultExport, MalformedCsvNamesLineAndColumn) {
  const std::string header =
      "id,raised_at,cleared_at,duration_ms,device,device_kind,reason,severity,raw,job_id,"
      "attempt_id\r\n";
  const std::string good = "1,2026-11-29T11:20:50.123Z,,,P1,printer,media-jam,error,,,\r\n";
  ASSERT_TRUE(faultsFromCsv(header + good).ok());

  auto expectError = [](const std::string& csv, const std::string& fragment) {
    auto r = faultsFromCsv(csv);
    ASSERT_FALSE(r.ok()) << csv;
    EXPECT_EQ(r.error().code, ErrorCode::InvalidArgument);
    EXPECT_NE(r.error().message.find(fragment), std::string::npos) << r.error().message;
  };
  expectError("", "empty");
  expectError("id,raised_at\r\n", "header");
  expectError(header + good + "2,2026-11-29T11:20:50.123Z,,,P1,printer,media-jam\r\n", "Line 3");
  expectError(header + "x,2026-11-29T11:20:50.123Z,,,P1,printer,media-jam,error,,,\r\n",
              "Line 2, column id");
  expectError(header + "1,29/11/2026,,,P1,printer,media-jam,error,,,\r\n",
              "Line 2, column raised_at");
  expectError(
      header + "1,2026-11-29T11:20:50.123Z,2026-11-29T11:20:50.000Z,,P1,printer,a,error,,,\r\n",
      "column cleared_at");
  expectError(
      header + "1,2026-11-29T11:20:50.123Z,2026-11-29T11:20:51.123Z,5,P1,printer,a,error,,,\r\n",
      "column duration_ms");
  expectError(header + "1,2026-11-29T11:20:50.123Z,,,P1,scanner,a,error,,,\r\n",
              "column device_kind");
  expectError(header + "1,2026-11-29T11:20:50.123Z,,,P1,printer,a,fatal,,,\r\n", "column severity");
  expectError(header + "1,2026-11-29T11:20:50.123Z,,,P1,printer,a,error,,4x,\r\n", "column job_id");
  expectError(header + "1,2026-11-29T11:20:50.123Z,,,P1,printer,,error,,,\r\n", "column reason");
  expectError(header + "1,2026-11-29T11:20:50.123Z,,,P1,printer,a,error,\"open,,\r\n",
              "not closed");
  expectError(header + "1,2026-11-29T11:20:50.123Z,,,P1,printer,a,error,\"x\"y,,\r\n",
              "closing quote");
  expectError(header + "1,2026-11-29T11:20:50.123Z,,,P1,printer,a,error,x\"y,,\r\n", "quote");
}

TEST(FaultExport, MalformedJson) {
  auto expectError = [](const std::string& json, const std::string& fragment) {
    auto r = faultsFromJson(json);
    ASSERT_FALSE(r.ok()) << json;
    EXPECT_EQ(r.error().code, ErrorCode::InvalidArgument);
    EXPECT_NE(r.error().message.find(fragment), std::string::npos) << r.error().message;
  };
  expectError("[{", "not well-formed");
  expectError("{}", "array");
  expectError("[1]", "Fault 0");
  const std::string ok =
      R"({"id":1,"raised_at":"2026-11-29T11:20:50.123Z","device":"P1","device_kind":"printer","reason":"a","severity":"error"})";
  auto r = faultsFromJson("[" + ok + "]");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->at(0).raw, "");
  EXPECT_FALSE(r->at(0).job_id);
  expectError("[" + ok + R"(,{"id":"2","raised_at":"2026-11-29T11:20:50.123Z"}])",
              "Fault 1, field id");
  expectError(R"([{"id":1,"raised_at":12345}])", "field raised_at");
  expectError(R"([{"id":1,"raised_at":"2026-11-29T11:20:50.123Z","device":"P1"}])",
              "column device_kind");
}

}  // namespace
}  // namespace cardd::health
