#include <gtest/gtest.h>

#include "cli/args.hpp"

namespace cardd::cli {
namespace {

Result<Invocation> parse(const std::vector<std::string>& args, const char* env = nullptr) {
  return parseArgs(args, env);
}

std::string usageError(std::vector<std::string> args) {
  auto r = parse(std::move(args));
  if (r.ok()) return "(parsed)";
  EXPECT_EQ(r.error().code, ErrorCode::InvalidArgument);
  return r.error().message;
}

TEST(Args, SocketResolution) {
  EXPECT_EQ(parse({"ping"})->socket_path, "/run/cardd/api.sock");
  EXPECT_EQ(parse({"ping"}, "")->socket_path, "/run/cardd/api.sock");
  EXPECT_EQ(parse({"ping"}, "/tmp/env.sock")->socket_path, "/tmp/env.sock");
  EXPECT_EQ(parse({"--socket", "/tmp/a.sock", "ping"}, "/tmp/env.sock")->socket_path,
            "/tmp/a.sock");
  EXPECT_EQ(parse({"ping", "--socket=/tmp/b.sock"})->socket_path, "/tmp/b.sock");
  EXPECT_EQ(usageError({"ping", "--socket"}), "--socket needs a value");
  EXPECT_EQ(usageError({"--socket=", "ping"}), "--socket needs a non-empty path");
}

TEST(Args, GlobalOptionsAnywhere) {
  auto a = parse({"--json", "jobs"});
  auto b = parse({"jobs", "--json"});
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_TRUE(a->json);
  EXPECT_TRUE(b->json);
  EXPECT_EQ(b->command, Command::Jobs);
}

TEST(Args, HelpAndVersionWin) {
  EXPECT_EQ(parse({"--help"})->command, Command::Help);
  EXPECT_EQ(parse({"jobs", "--bogus", "-h"})->command, Command::Help);
  EXPECT_EQ(parse({"help"})->command, Command::Help);
  EXPECT_EQ(parse({"--version"})->command, Command::Version);
  EXPECT_EQ(parse({"cancel", "--version"})->command, Command::Version);
}

TEST(Args, Submit) {
  auto r = parse({"submit", "job.json"});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->command, Command::Submit);
  EXPECT_EQ(r->file, "job.json");
  EXPECT_EQ(parse({"submit", "-"})->file, "-");
  EXPECT_EQ(parse({"submit", "--", "--weird.json"})->file, "--weird.json");
  EXPECT_EQ(usageError({"submit"}), "submit needs a FILE (a job request in JSON, - for stdin)");
  EXPECT_EQ(usageError({"submit", "a", "b"}), "unexpected argument 'b' for submit");
}

TEST(Args, Preview) {
  auto r = parse({"preview", "7"});
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->command, Command::Preview);
  EXPECT_EQ(r->job_id, 7U);
  EXPECT_EQ(r->side, "front");
  EXPECT_FALSE(r->output);
  EXPECT_FALSE(r->force);
  r = parse({"preview", "7", "--side", "back", "-o", "-", "--force"});
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->side, "back");
  EXPECT_EQ(r->output, "-");
  EXPECT_TRUE(r->force);
  r = parse({"preview", "--file=job.json", "--template", "ektp-x", "--output=card.png"});
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->job_id, 0U);
  EXPECT_EQ(r->file, "job.json");
  EXPECT_EQ(r->template_id, "ektp-x");
  EXPECT_EQ(r->output, "card.png");
  EXPECT_EQ(parse({"preview", "--file", "-"})->file, "-");

  EXPECT_EQ(usageError({"preview"}),
            "preview needs a job ID, or --file JOB.json for a job not submitted");
  EXPECT_EQ(usageError({"preview", "7", "--file", "j.json"}),
            "preview takes a job ID or --file, not both");
  EXPECT_EQ(usageError({"preview", "7", "--template", "t"}),
            "--template goes with --file (a submitted job keeps its template)");
  EXPECT_EQ(usageError({"preview", "7", "--side", "left"}), "--side must be front or back");
  EXPECT_EQ(usageError({"preview", "x"}), "invalid job ID 'x' (a positive number)");
  EXPECT_EQ(usageError({"preview", "7", "8"}), "unexpected argument '8' for preview");
  EXPECT_EQ(usageError({"preview", "7", "-o"}), "-o needs a value");
  EXPECT_EQ(usageError({"job", "7", "--force"}), "--force is not an option of 'job'");
}

TEST(Args, JobIds) {
  EXPECT_EQ(parse({"job", "7"})->job_id, 7U);
  EXPECT_EQ(parse({"cancel", "12"})->command, Command::Cancel);
  EXPECT_EQ(parse({"hold", "1"})->command, Command::Hold);
  EXPECT_EQ(parse({"release", "1"})->command, Command::Release);
  EXPECT_EQ(usageError({"job"}), "job needs a job ID");
  EXPECT_EQ(usageError({"job", "0"}), "invalid job ID '0' (a positive number)");
  EXPECT_EQ(usageError({"cancel", "7x"}), "invalid job ID '7x' (a positive number)");
  EXPECT_EQ(usageError({"cancel", "99999999999999999999999"}),
            "invalid job ID '99999999999999999999999' (a positive number)");
}

TEST(Args, JobsOptions) {
  auto r = parse(
      {"jobs", "--state", "pending,pending-held", "--state=completed", "--all", "--limit", "10"});
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->states, (std::vector<std::string>{"pending", "pending-held", "completed"}));
  EXPECT_TRUE(r->all);
  EXPECT_EQ(r->limit, 10);
  EXPECT_EQ(parse({"jobs", "--state", "pending,pending"})->states.size(), 1U);
  EXPECT_FALSE(parse({"jobs"})->limit.has_value());
  EXPECT_EQ(usageError({"jobs", "--state", "pendng"}),
            "unknown job state 'pendng' (one of: pending, pending-held, processing, "
            "processing-stopped, completed, canceled, aborted)");
  EXPECT_EQ(usageError({"jobs", "--state", "pending,"}), "--state list ends with a comma");
  EXPECT_EQ(usageError({"jobs", "--limit", "0"}), "--limit must be a number from 1 to 500");
  EXPECT_EQ(usageError({"jobs", "--limit", "501"}), "--limit must be a number from 1 to 500");
  EXPECT_EQ(usageError({"jobs", "--all=yes"}), "--all takes no value");
}

TEST(Args, EventsOptions) {
  auto r = parse({"events", "-f", "--since", "42"});
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->follow);
  EXPECT_EQ(r->since, 42U);
  EXPECT_EQ(parse({"events"})->since, 0U);
  EXPECT_FALSE(parse({"events"})->follow);
  EXPECT_EQ(usageError({"events", "--since", "-1"}), "--since must be an event number (0 or more)");
}

TEST(Args, AuditAndPing) {
  EXPECT_EQ(parse({"audit", "verify"})->command, Command::AuditVerify);
  EXPECT_EQ(parse({"ping"})->command, Command::Ping);
  EXPECT_EQ(usageError({"audit"}), "audit needs a subcommand: verify");
  EXPECT_EQ(usageError({"audit", "list"}), "unknown audit subcommand 'list' (try: verify)");
}

TEST(Args, UsageErrors) {
  EXPECT_EQ(usageError({}), "no command given (try 'cardctl --help')");
  EXPECT_EQ(usageError({"frobnicate"}), "unknown command 'frobnicate' (try 'cardctl --help')");
  EXPECT_EQ(usageError({"jobs", "--bogus"}), "unknown option --bogus");
  EXPECT_EQ(usageError({"ping", "--follow"}), "--follow is not an option of 'ping'");
  EXPECT_EQ(usageError({"events", "--all"}), "--all is not an option of 'events'");
  EXPECT_EQ(usageError({"--json=1", "ping"}), "--json takes no value");
}

TEST(Args, CommandNames) {
  EXPECT_EQ(commandName(Command::AuditVerify), "audit verify");
  EXPECT_EQ(commandName(Command::Cancel), "cancel");
}

TEST(Args, StockSubcommands) {
  auto show = parse({"stock"});
  ASSERT_TRUE(show.ok());
  EXPECT_EQ(show->command, Command::Stock);
  EXPECT_EQ(show->stock_action, "show");

  auto receive = parse({"stock", "receive", "L-1", "--supplier", "PT X", "--quantity", "500",
                        "--serials", "A001..A500"});
  ASSERT_TRUE(receive.ok()) << receive.error().message;
  EXPECT_EQ(receive->stock_action, "receive");
  EXPECT_EQ(receive->stock_args, std::vector<std::string>{"L-1"});
  EXPECT_EQ(receive->supplier, "PT X");
  EXPECT_EQ(receive->quantity, 500);
  EXPECT_EQ(receive->serials, "A001..A500");

  auto count = parse({"stock", "count", "--reason", "audit", "L-1:stock=3", "L-1:feeder:P1=2"});
  ASSERT_TRUE(count.ok());
  EXPECT_EQ(count->stock_args.size(), 2u);

  EXPECT_EQ(usageError({"stock", "frob"}),
            "unknown stock subcommand 'frob' (try: show, receive, load, unload, destroy, witness, "
            "pending, count, ledger)");
  EXPECT_EQ(usageError({"stock", "load"}), "stock load needs a PRINTER");
  EXPECT_EQ(usageError({"stock", "witness"}), "stock witness needs a destruction ID");
  EXPECT_EQ(usageError({"stock", "pending", "x"}), "unexpected argument 'x' for stock pending");
  EXPECT_EQ(usageError({"stock", "count"}),
            "stock count needs at least one LOT:LOCATION[:PRINTER]=N");
  EXPECT_EQ(usageError({"stock", "load", "P1", "--quantity", "0"}),
            "--quantity must be a number from 1 to 1000000");
  EXPECT_EQ(usageError({"stock", "receive", "L", "--serials", "A1-A9"}),
            "--serials takes FIRST..LAST, e.g. BLK000001..BLK000500");
  EXPECT_EQ(usageError({"jobs", "--quantity", "3"}), "--quantity is not an option of 'jobs'");
}

TEST(Args, Printers) {
  EXPECT_EQ(parse({"printers"})->command, Command::Printers);
  auto one = parse({"printer", "back-room_2.b"});
  ASSERT_TRUE(one.ok()) << one.error().message;
  EXPECT_EQ(one->command, Command::Printer);
  EXPECT_EQ(one->printer_id, "back-room_2.b");
  auto pause = parse({"pause", "P1", "--reason=ribbon change"});
  ASSERT_TRUE(pause.ok()) << pause.error().message;
  EXPECT_EQ(pause->command, Command::Pause);
  EXPECT_EQ(pause->printer_id, "P1");
  EXPECT_EQ(pause->reason, "ribbon change");
  EXPECT_FALSE(parse({"resume", "P1"})->reason.has_value());
  EXPECT_EQ(commandName(Command::Resume), "resume");

  EXPECT_EQ(usageError({"pause"}), "pause needs a printer ID");
  EXPECT_EQ(usageError({"printer"}), "printer needs a printer ID");
  EXPECT_EQ(usageError({"resume", "P1", "P2"}), "unexpected argument 'P2' for resume");
  EXPECT_EQ(usageError({"pause", "P1/../x"}),
            "invalid printer ID 'P1/../x' (1 to 32 letters, digits, '.', '_' or '-')");
  EXPECT_EQ(usageError({"printer", std::string(33, 'a')}),
            "invalid printer ID '" + std::string(33, 'a') +
                "' (1 to 32 letters, digits, '.', '_' or '-')");
  EXPECT_EQ(usageError({"resume", "P1", "--reason", "x"}), "--reason is not an option of 'resume'");
  EXPECT_EQ(usageError({"pause", "P1", "--reason", std::string(201, 'x')}),
            "--reason must be at most 200 characters");
  // --reason still belongs to stock count too.
  EXPECT_TRUE(parse({"stock", "count", "--reason", "audit", "L-1:stock=3"}).ok());
}

}  // namespace
}  // namespace cardd::cli

namespace cardd::cli {
namespace {

TEST(ArgsConfirmIssued, NeedsExactlyOneOfYesAndNo) {
  auto yes = parseArgs({"confirm-issued", "7", "--yes"}, nullptr);
  ASSERT_TRUE(yes.ok());
  EXPECT_EQ(yes->command, Command::ConfirmIssued);
  EXPECT_EQ(yes->job_id, 7U);
  EXPECT_EQ(yes->issued, std::optional<bool>(true));
  auto no = parseArgs({"confirm-issued", "7", "--no"}, nullptr);
  ASSERT_TRUE(no.ok());
  EXPECT_EQ(no->issued, std::optional<bool>(false));
  EXPECT_FALSE(parseArgs({"confirm-issued", "7"}, nullptr).ok());
  EXPECT_FALSE(parseArgs({"confirm-issued", "7", "--yes", "--no"}, nullptr).ok());
  EXPECT_FALSE(parseArgs({"confirm-issued", "x", "--yes"}, nullptr).ok());
  EXPECT_FALSE(parseArgs({"hold", "7", "--yes"}, nullptr).ok());
}

}  // namespace
}  // namespace cardd::cli
