// cardctl preview ID | preview --file JOB.json: the card face as a PNG, from
// GET /v1/jobs/{id}/preview.png or POST /v1/previews (a job request that is
// checked like a submit, rendered, and not stored).
//
// The PNG holds personal data: a file is created 0600 and never overwritten
// without --force, and it is never written to a terminal.

#include <fcntl.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <cerrno>
#include <cstring>
#include <ostream>

#include "cli/exit_codes.hpp"
#include "commands/commands.hpp"

namespace cardd::cli {

namespace {

constexpr std::string_view kPngSignature("\x89PNG\r\n\x1a\n", 8);

// Writes `bytes` to a new file (or over an existing one with `force`).
// Returns an error sentence, or "" on success.
std::string writeNewFile(const std::string& path, std::string_view bytes, bool force) {
  const int flags = O_WRONLY | O_CREAT | O_CLOEXEC | (force ? O_TRUNC : O_EXCL);
  const int fd = ::open(path.c_str(), flags, 0600);
  if (fd < 0) {
    if (errno == EEXIST) return path + " already exists (use --force to overwrite it)";
    return "cannot create " + path + ": " + std::strerror(errno);
  }
  std::size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const std::string why = std::strerror(errno);
      ::close(fd);
      return "cannot write " + path + ": " + why;
    }
    done += static_cast<std::size_t>(n);
  }
  if (::close(fd) != 0) return "cannot write " + path + ": " + std::strerror(errno);
  return {};
}

}  // namespace

int runPreview(Session& session) {
  const Invocation& inv = session.invocation();
  const std::string query = "?side=" + inv.side;

  // The request: a stored job, or a job request from a file.
  Result<client::Response> response = Error(ErrorCode::Internal, "no request");
  if (!inv.file.empty()) {
    const std::string name = inv.file == "-" ? "standard input" : inv.file;
    auto text = readInputFile(session, inv.file);
    if (!text) return toInt(ExitCode::Error);
    boost::system::error_code ec;
    auto parsed = boost::json::parse(*text, ec);
    if (ec || !parsed.is_object()) {
      session.io().err << "cardctl: " << name << ": "
                       << (ec ? "not valid JSON (" + ec.message() + ")"
                              : std::string("a job request must be a JSON object"))
                       << '\n';
      return toInt(ExitCode::Rejected);
    }
    if (inv.template_id) {
      parsed.get_object()["template"] = *inv.template_id;
      *text = boost::json::serialize(parsed);
    }
    response = session.call("POST", "/v1/previews" + query, *text);
  } else {
    response =
        session.call("GET", "/v1/jobs/" + std::to_string(inv.job_id) + "/preview.png" + query);
  }
  if (!response) return session.fail(response.error());
  if (response->status != 200) {
    // "job 7 not found" only when the job is what is missing (not its side).
    auto problem = client::parseProblem(*response);
    const bool about_job = problem && problem->detail.rfind("job ", 0) == 0;
    return session.failResponse(*response,
                                {Command::Preview, about_job ? inv.job_id : std::uint64_t{0}});
  }
  const std::string& png = response->body;
  if (response->content_type != "image/png" ||
      png.substr(0, kPngSignature.size()) != kPngSignature) {
    session.io().err << "cardctl: unexpected response from cardd: not a PNG image ("
                     << (response->content_type.empty() ? "no content type"
                                                        : response->content_type)
                     << ")\n";
    return toInt(ExitCode::Error);
  }

  // Where it goes: stdout (never a terminal) or a new file.
  const std::string path = inv.output.value_or(
      inv.file.empty() ? "job-" + std::to_string(inv.job_id) + "-" + inv.side + ".png"
                       : "preview-" + inv.side + ".png");
  if (path == "-") {
    if (session.settings().out_is_terminal && session.settings().out_is_terminal()) {
      session.io().err << "cardctl: standard output is a terminal; not writing a PNG there "
                          "(redirect it, or use -o FILE)\n";
      return toInt(ExitCode::Usage);
    }
    session.io().out.write(png.data(), static_cast<std::streamsize>(png.size()));
    session.io().out.flush();
    if (!session.io().out) {
      session.io().err << "cardctl: cannot write the PNG to standard output\n";
      return toInt(ExitCode::Error);
    }
    return toInt(ExitCode::Ok);
  }
  if (auto why = writeNewFile(path, png, inv.force); !why.empty()) {
    session.io().err << "cardctl: " << why << '\n';
    return toInt(ExitCode::Error);
  }
  session.io().out << "wrote " << path << " (" << inv.side << " of "
                   << (inv.file.empty() ? "job " + std::to_string(inv.job_id)
                                        : std::string("the job request"))
                   << ", " << png.size() << " bytes)\n";
  return toInt(ExitCode::Ok);
}

}  // namespace cardd::cli
