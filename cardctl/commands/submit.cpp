// cardctl submit FILE.json: POST /v1/jobs.

#include <boost/json/parse.hpp>
#include <cerrno>
#include <fstream>
#include <iterator>
#include <ostream>
#include <sstream>
#include <system_error>

#include "cli/exit_codes.hpp"
#include "commands/commands.hpp"

namespace cardd::cli {

// Reads the whole job request; "-" is standard input.
std::optional<std::string> readInputFile(Session& session, const std::string& file) {
  if (file == "-") {
    std::ostringstream text;
    text << session.io().in.rdbuf();
    return text.str();
  }
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    session.io().err << "cardctl: cannot read " << file << ": "
                     << std::generic_category().message(errno) << '\n';
    return std::nullopt;
  }
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) {
    session.io().err << "cardctl: cannot read " << file << '\n';
    return std::nullopt;
  }
  return text;
}

int runSubmit(Session& session) {
  const Invocation& inv = session.invocation();
  const std::string name = inv.file == "-" ? "standard input" : inv.file;
  auto text = readInputFile(session, inv.file);
  if (!text) return toInt(ExitCode::Error);

  // Catch a broken file here, with its name, rather than as the daemon's
  // invalid-json problem.
  boost::system::error_code ec;
  auto parsed = boost::json::parse(*text, ec);
  if (ec || !parsed.is_object()) {
    session.io().err << "cardctl: " << name << ": "
                     << (ec ? "not valid JSON (" + ec.message() + ")"
                            : std::string("a job request must be a JSON object"))
                     << '\n';
    return toInt(ExitCode::Rejected);
  }

  auto response = session.call("POST", "/v1/jobs", *text);
  if (!response) return session.fail(response.error());
  if (response->status != 200 && response->status != 201) {
    return session.failResponse(*response, {Command::Submit, 0});
  }
  if (inv.json) {
    session.printJson(response->body);
    return toInt(ExitCode::Ok);
  }
  auto job = session.objectBody(*response);
  if (!job) return toInt(ExitCode::Error);
  session.io().out << formatSubmitted(response->status, *job) << '\n';
  return toInt(ExitCode::Ok);
}

}  // namespace cardd::cli
