#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

#include "cli/format.hpp"

namespace cardd::cli {
namespace {

boost::json::object obj(std::string_view text) {
  return boost::json::parse(text).as_object();
}
boost::json::array arr(std::string_view text) {
  return boost::json::parse(text).as_array();
}

const char* const kJob = R"({"id":7,"state":"pending","state_reasons":["job-queued"],"priority":50,
  "template":"ektp-specimen","profile":"cardd-eid","idempotency_key":"k1",
  "owner":{"uid":1000,"user":"clerk"},"created_at":"2026-11-29T11:00:00.123Z",
  "updated_at":"2026-11-29T11:00:01.456Z","photo_bytes":1234,"fingerprint_count":2})";

TEST(Format, JobsTable) {
  auto jobs =
      arr(std::string("[") + kJob +
          R"(,{"id":12,"state":"pending-held","state_reasons":["job-hold-until-specified","x"],
                      "priority":100,"template":"t","owner":{"uid":0},"created_at":"2026-11-30T01:02:03Z"}])");
  EXPECT_EQ(formatJobsTable(jobs),
            "ID  STATE         PRIORITY  TEMPLATE       OWNER  CREATED               REASONS\n"
            " 7  pending             50  ektp-specimen  clerk  2026-11-29T11:00:00Z  job-queued\n"
            "12  pending-held       100  t              uid 0  2026-11-30T01:02:03Z  "
            "job-hold-until-specified,x\n");
  EXPECT_EQ(formatJobsTable(arr("[]")), "no jobs\n");
}

TEST(Format, JobDetailsWithHistory) {
  auto job = obj(std::string(kJob).substr(0, std::string(kJob).size() - 1) +
                 R"(,"chip_serial":"04A1","lane":"B","events":[
      {"seq":11,"at":"2026-11-29T11:00:00.123Z","kind":"job-created","job_id":7,"from":null,
       "to":"pending","reasons":["job-queued"],"actor":{"uid":1000,"user":"clerk"}},
      {"seq":12,"at":"2026-11-29T11:00:05.000Z","kind":"job-state-changed","job_id":7,
       "from":"pending","to":"pending-held","reasons":["job-hold-until-specified"],
       "actor":{"uid":0,"user":"root"}}]})");
  EXPECT_EQ(
      formatJobDetails(job),
      "job 7: pending (job-queued)\n"
      "  template:        ektp-specimen\n"
      "  profile:         cardd-eid\n"
      "  priority:        50\n"
      "  owner:           clerk (uid 1000)\n"
      "  idempotency key: k1\n"
      "  created:         2026-11-29T11:00:00.123Z\n"
      "  updated:         2026-11-29T11:00:01.456Z\n"
      "  photo:           1234 bytes\n"
      "  fingerprints:    2\n"
      "  chip serial:     04A1\n"
      "  lane:            B\n"
      "\n"
      "history:\n"
      "SEQ  TIME                      FROM     TO            REASONS                   BY\n"
      " 11  2026-11-29T11:00:00.123Z  -        pending       job-queued                clerk\n"
      " 12  2026-11-29T11:00:05.000Z  pending  pending-held  job-hold-until-specified  root\n");
}

TEST(Format, JobDetailsWithoutHistoryOrOptionalFields) {
  auto text = formatJobDetails(obj(R"({"id":3,"state":"completed","idempotency_key":null})"));
  EXPECT_NE(text.find("job 3: completed\n"), std::string::npos);
  EXPECT_NE(text.find("  idempotency key: -\n"), std::string::npos);
  EXPECT_NE(text.find("\nhistory: none\n"), std::string::npos);
}

TEST(Format, EventLines) {
  EXPECT_EQ(formatEventLine(obj(
                R"({"seq":12,"at":"2026-11-29T11:00:05.000Z","kind":"job-state-changed","job_id":7,
                    "from":"pending","to":"pending-held","reasons":["job-hold-until-specified"],
                    "actor":{"uid":0,"user":"root"}})")),
            "#12 2026-11-29T11:00:05.000Z job 7 pending \u2192 pending-held "
            "(job-hold-until-specified) by root");
  EXPECT_EQ(formatEventLine(obj(
                R"({"seq":11,"at":"T","kind":"job-created","job_id":7,"from":null,"to":"pending",
                    "reasons":[],"actor":{"uid":1000}})")),
            "#11 T job 7 (new) \u2192 pending by uid 1000");
  EXPECT_EQ(formatEventLine(obj(R"({"seq":3,"at":"T","kind":"alert-raised","job_id":null})")),
            "#3 T alert-raised");
}

TEST(Format, SubmitActionPingAudit) {
  EXPECT_EQ(formatSubmitted(201, obj(kJob)), "job 7 queued (pending)");
  EXPECT_EQ(formatSubmitted(200, obj(kJob)),
            "job 7 already submitted (idempotency key k1), state pending");
  EXPECT_EQ(formatJobAction(
                Command::Cancel,
                obj(R"({"id":7,"state":"canceled","state_reasons":["job-canceled-by-user"]})")),
            "job 7 canceled: now canceled (job-canceled-by-user)");
  EXPECT_EQ(formatJobAction(Command::Release, obj(R"({"id":7,"state":"pending"})")),
            "job 7 released: now pending");
  EXPECT_EQ(
      formatPing(obj(R"({"service":"cardd","version":"0.1.0","api":"v1","station":"lab-1"})")),
      "cardd 0.1.0 (api v1, station lab-1)");
  EXPECT_EQ(formatPing(obj(R"({"version":"0.2.0"})")), "cardd 0.2.0");

  auto ok = formatAuditVerify(obj(R"({"ok":true,"entries":42})"));
  EXPECT_TRUE(ok.intact);
  EXPECT_EQ(ok.text, "audit chain intact: 42 entries");
  auto bad = formatAuditVerify(
      obj(R"({"ok":false,"entries":42,"first_bad_id":17,"problem":"hash mismatch at entry 17"})"));
  EXPECT_FALSE(bad.intact);
  EXPECT_EQ(bad.text, "audit chain BROKEN at entry 17: hash mismatch at entry 17");
  EXPECT_FALSE(formatAuditVerify(obj("{}")).intact);
}

TEST(Format, Helpers) {
  EXPECT_EQ(joinRoles({"admin"}), "admin");
  EXPECT_EQ(joinRoles({"supervisor", "admin"}), "supervisor or admin");
  EXPECT_EQ(joinRoles({"operator", "supervisor", "admin"}), "operator, supervisor or admin");
  EXPECT_EQ(shortTime("2026-11-29T11:00:00.123Z"), "2026-11-29T11:00:00Z");
  EXPECT_EQ(shortTime("2026-11-29T11:00:00Z"), "2026-11-29T11:00:00Z");
  EXPECT_EQ(shortTime("2026-11-29T11:00:00.5+07:00"), "2026-11-29T11:00:00+07:00");
  auto o = obj(R"({"s":"a","i":-3,"u":18446744073709551615,"b":true,"n":null,"d":1.5})");
  EXPECT_EQ(fieldText(o, "s"), "a");
  EXPECT_EQ(fieldText(o, "i"), "-3");
  EXPECT_EQ(fieldText(o, "u"), "18446744073709551615");
  EXPECT_EQ(fieldText(o, "b"), "true");
  EXPECT_EQ(fieldText(o, "n"), "");
  EXPECT_EQ(fieldText(o, "missing"), "");
}

client::Problem problem(std::string slug, int status, std::string detail) {
  client::Problem p;
  p.slug = std::move(slug);
  p.status = status;
  p.title = "Title";
  p.detail = std::move(detail);
  return p;
}

TEST(Format, DescribeProblem) {
  auto forbidden = problem("forbidden", 403, "nope");
  forbidden.required_roles = {"supervisor", "admin"};
  EXPECT_EQ(describeProblem(forbidden, {Command::Cancel, 7}),
            "cardctl: refused: this needs the supervisor or admin role\n");
  forbidden.required_roles.clear();
  EXPECT_EQ(describeProblem(forbidden, {Command::Cancel, 7}), "cardctl: refused: nope\n");

  EXPECT_EQ(describeProblem(problem("not-found", 404, "no job 99"), {Command::Job, 99}),
            "cardctl: job 99 not found\n");
  EXPECT_EQ(describeProblem(problem("", 404, ""), {Command::Ping, 0}),
            "cardctl: not found: Title\n");
  EXPECT_EQ(describeProblem(problem("illegal-transition", 409, "job 7 is completed"),
                            {Command::Cancel, 7}),
            "cardctl: cannot cancel job 7: job 7 is completed\n");

  auto invalid = problem("validation-failed", 422, "the job request is invalid");
  invalid.errors = {{"/person/nik", "must be 16 digits"}, {"", "body: too many members"}};
  EXPECT_EQ(describeProblem(invalid, {Command::Submit, 0}),
            "cardctl: job request rejected: the job request is invalid\n"
            "  /person/nik: must be 16 digits\n"
            "  body: too many members\n");

  EXPECT_EQ(describeProblem(problem("too-many-connections", 503, "try later"), {Command::Ping, 0}),
            "cardctl: cardd is unavailable: try later\n");
  EXPECT_EQ(describeProblem(problem("store-io", 507, "disk full"), {Command::Submit, 0}),
            "cardctl: Title: disk full\n");
  EXPECT_EQ(describeProblem(client::Problem{}, {Command::Ping, 0}),
            "cardctl: cardd answered HTTP 0\n");
}

}  // namespace
}  // namespace cardd::cli
