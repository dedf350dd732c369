#include "commands/session.hpp"

#include <ostream>

#include "cli/exit_codes.hpp"

namespace cardd::cli {

Session::Session(const Invocation& invocation, Io io, Settings settings)
    : inv_(invocation), io_(io), settings_(std::move(settings)) {}

Result<client::Connection*> Session::connection() {
  if (conn_ && conn_->isOpen()) return &*conn_;
  conn_.reset();
  auto conn = client::Connection::connect(inv_.socket_path, settings_.timeout);
  if (!conn) {
    Error err = std::move(conn).error();
    if (err.code == ErrorCode::Forbidden) {
      err.message += " \u2014 ask an administrator to add you to the cardd group";
    }
    return err;
  }
  conn_.emplace(std::move(conn).value());
  return &*conn_;
}

void Session::disconnect() {
  conn_.reset();
}

Result<client::Response> Session::call(std::string_view method, std::string_view target,
                                       std::string_view body) {
  auto conn = connection();
  if (!conn) return std::move(conn).error();
  return (*conn)->request(method, target, body);
}

int Session::fail(const Error& error) {
  std::string message = error.message;
  if (client::isTimeout(error)) {
    message = "cardd did not answer within " + std::to_string(settings_.timeout.count() / 1000) +
              " s (on " + inv_.socket_path + ")";
  }
  io_.err << "cardctl: " << message << '\n';
  for (const auto& field : error.fields) {
    io_.err << "  " << (field.pointer.empty() ? "" : field.pointer + ": ") << field.message << '\n';
  }
  return toInt(exitCodeForError(error));
}

int Session::failResponse(const client::Response& response, const ProblemContext& context) {
  auto problem = client::parseProblem(response);
  if (inv_.json && problem) printJson(response.body);
  if (problem) {
    io_.err << describeProblem(*problem, context);
    return toInt(exitCodeForHttp(response.status, problem->slug));
  }
  io_.err << "cardctl: unexpected response from cardd: HTTP " << response.status;
  if (!response.content_type.empty()) io_.err << " (" << response.content_type << ")";
  io_.err << '\n';
  return toInt(exitCodeForHttp(response.status));
}

std::optional<boost::json::object> Session::objectBody(const client::Response& response) {
  auto json = response.json();
  if (json.ok() && json->is_object()) return std::move(json->get_object());
  io_.err << "cardctl: unexpected response from cardd: "
          << (json.ok() ? std::string("not a JSON object") : json.error().message) << '\n';
  return std::nullopt;
}

void Session::printJson(std::string_view body) {
  while (!body.empty() && (body.back() == '\n' || body.back() == '\r')) body.remove_suffix(1);
  io_.out << body << '\n';
}

}  // namespace cardd::cli
