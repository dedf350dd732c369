#pragma once
// The state of one cardctl invocation: parsed arguments, output streams, the
// (lazily opened) connection to cardd, and the helpers every command uses to
// turn failures into a message on stderr plus an exit code.

#include <boost/json/object.hpp>
#include <chrono>
#include <functional>
#include <iosfwd>
#include <optional>
#include <string>
#include <string_view>

#include "cli/args.hpp"
#include "cli/format.hpp"
#include "client/connection.hpp"

namespace cardd::cli {

struct Io {
  std::istream& in;
  std::ostream& out;
  std::ostream& err;
};

// Timing knobs; the defaults are what cardctl uses, tests shorten them.
struct Settings {
  std::chrono::milliseconds timeout{30000};          // connect, and each request
  std::chrono::milliseconds events_idle{300};        // events: stop after this long without one
  std::chrono::milliseconds events_first{1000};      // ... but wait this long for the first
  std::chrono::milliseconds follow_poll{1000};       // events --follow: how often `stop` is checked
  std::chrono::milliseconds reconnect_initial{250};  // events --follow: first retry delay
  std::chrono::milliseconds reconnect_max{5000};     // ... doubling up to this
  std::function<bool()> stop;  // events --follow ends (exit 0) once this returns true; null: never
  // preview -o -: whether io.out is a terminal (a PNG is never written to
  // one); null: not a terminal. main.cpp asks isatty(1).
  std::function<bool()> out_is_terminal;
};

class Session {
 public:
  Session(const Invocation& invocation, Io io, Settings settings);

  const Invocation& invocation() const { return inv_; }
  Io& io() { return io_; }
  const Settings& settings() const { return settings_; }
  bool stopRequested() const { return settings_.stop && settings_.stop(); }

  // The connection, opened on first use. The Error's message is worded for
  // the user (e.g. the permission hint is added).
  Result<client::Connection*> connection();
  // Closes the connection; the next connection() opens a new one.
  void disconnect();
  // One request on the connection.
  Result<client::Response> call(std::string_view method, std::string_view target,
                                std::string_view body = {});

  // Prints "cardctl: MESSAGE" for an error value and returns its exit code.
  int fail(const Error& error);
  // Prints the problem (or a generic message) of a failed response and returns
  // its exit code; with --json the problem body also goes to stdout.
  int failResponse(const client::Response& response, const ProblemContext& context);
  // The body as a JSON object; otherwise prints "unexpected response" and
  // returns nullopt (exit with ExitCode::Error).
  std::optional<boost::json::object> objectBody(const client::Response& response);
  // Prints the API's JSON text followed by a newline.
  void printJson(std::string_view body);

 private:
  const Invocation& inv_;
  Io io_;
  Settings settings_;
  std::optional<client::Connection> conn_;
};

}  // namespace cardd::cli
