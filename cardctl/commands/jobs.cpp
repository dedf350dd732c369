// cardctl jobs | job ID | cancel|hold|release ID.

#include <boost/json.hpp>
#include <ostream>

#include "cli/exit_codes.hpp"
#include "commands/commands.hpp"

namespace cardd::cli {

namespace json = boost::json;

namespace {

std::string jobsTarget(const Invocation& inv, std::optional<std::uint64_t> after) {
  std::string target = "/v1/jobs";
  std::string sep = "?";
  if (!inv.states.empty()) {
    target += sep + "state=";
    for (std::size_t i = 0; i < inv.states.size(); ++i) {
      target += (i > 0 ? "," : "") + inv.states[i];
    }
    sep = "&";
  }
  if (inv.limit) {
    target += sep + "limit=" + std::to_string(*inv.limit);
    sep = "&";
  }
  if (after) target += sep + "after=" + std::to_string(*after);
  return target;
}

std::optional<std::uint64_t> nextAfter(const json::object& page) {
  const json::value* v = page.if_contains("next_after");
  if (v == nullptr) return std::nullopt;
  if (v->is_uint64()) return v->get_uint64();
  if (v->is_int64() && v->get_int64() >= 0) return static_cast<std::uint64_t>(v->get_int64());
  return std::nullopt;
}

}  // namespace

int runJobs(Session& session) {
  const Invocation& inv = session.invocation();
  json::array all;
  std::optional<std::uint64_t> after;
  for (;;) {
    auto response = session.call("GET", jobsTarget(inv, after));
    if (!response) return session.fail(response.error());
    if (response->status != 200) return session.failResponse(*response, {Command::Jobs, 0});
    auto page = session.objectBody(*response);
    if (!page) return toInt(ExitCode::Error);
    const json::value* jobs = page->if_contains("jobs");
    if (jobs == nullptr || !jobs->is_array()) {
      session.io().err << "cardctl: unexpected response from cardd: no \"jobs\" list\n";
      return toInt(ExitCode::Error);
    }
    const auto next = nextAfter(*page);

    if (!inv.all) {
      if (inv.json) {
        session.printJson(response->body);
      } else {
        session.io().out << formatJobsTable(jobs->get_array());
        if (next) {
          session.io().err << "cardctl: there may be more jobs after job " << *next
                           << "; use --all to list them all\n";
        }
      }
      return toInt(ExitCode::Ok);
    }

    for (const auto& job : jobs->get_array()) all.push_back(job);
    // Stop at the end, and on a cursor that does not move forward.
    if (!next || (after && *next <= *after) || jobs->get_array().empty()) break;
    after = next;
  }

  if (inv.json) {
    json::object combined;
    combined["jobs"] = std::move(all);
    combined["next_after"] = nullptr;
    session.io().out << json::serialize(combined) << '\n';
  } else {
    session.io().out << formatJobsTable(all);
  }
  return toInt(ExitCode::Ok);
}

int runJob(Session& session) {
  const Invocation& inv = session.invocation();
  auto response = session.call("GET", "/v1/jobs/" + std::to_string(inv.job_id));
  if (!response) return session.fail(response.error());
  if (response->status != 200) {
    return session.failResponse(*response, {Command::Job, inv.job_id});
  }
  if (inv.json) {
    session.printJson(response->body);
    return toInt(ExitCode::Ok);
  }
  auto job = session.objectBody(*response);
  if (!job) return toInt(ExitCode::Error);
  session.io().out << formatJobDetails(*job);
  return toInt(ExitCode::Ok);
}

int runJobAction(Session& session) {
  const Invocation& inv = session.invocation();
  const std::string target =
      "/v1/jobs/" + std::to_string(inv.job_id) + "/" + std::string(commandName(inv.command));
  std::string body;
  if (inv.command == Command::ConfirmIssued)
    body = *inv.issued ? R"({"issued":true})" : R"({"issued":false})";
  auto response = session.call("POST", target, body);
  if (!response) return session.fail(response.error());
  if (response->status != 200) {
    return session.failResponse(*response, {inv.command, inv.job_id});
  }
  if (inv.json) {
    session.printJson(response->body);
    return toInt(ExitCode::Ok);
  }
  auto job = session.objectBody(*response);
  if (!job) return toInt(ExitCode::Error);
  session.io().out << formatJobAction(inv.command, *job) << '\n';
  return toInt(ExitCode::Ok);
}

}  // namespace cardd::cli
