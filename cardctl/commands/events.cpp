// cardctl events [--follow] [--since N]: GET /v1/events (server-sent events).
//
// Without --follow: print the events there are now and stop once none arrives
// for Settings::events_idle. With --follow: run until interrupted; when the
// stream drops after it was open, reconnect with since=<last id> so no event
// is lost or repeated, with a doubling delay between attempts.

#include <algorithm>
#include <boost/json/parse.hpp>
#include <ostream>
#include <thread>

#include "cli/exit_codes.hpp"
#include "cli/table.hpp"
#include "commands/commands.hpp"

namespace cardd::cli {

namespace {

using std::chrono::milliseconds;

void printEvent(Session& session, const client::SseEvent& event) {
  std::ostream& out = session.io().out;
  if (session.invocation().json) {
    out << event.data << '\n';
  } else {
    boost::system::error_code ec;
    auto parsed = boost::json::parse(event.data, ec);
    if (!ec && parsed.is_object()) {
      out << formatEventLine(parsed.get_object()) << '\n';
    } else {
      out << '#' << event.id << ' ' << event.event << ' ' << sanitize(event.data) << '\n';
    }
  }
  out.flush();
}

// Sleeps `delay`, waking early when a stop is requested; true if it was.
bool pause(Session& session, milliseconds delay) {
  const auto until = std::chrono::steady_clock::now() + delay;
  while (std::chrono::steady_clock::now() < until) {
    if (session.stopRequested()) return true;
    std::this_thread::sleep_for(std::min(milliseconds(50), delay));
  }
  return session.stopRequested();
}

}  // namespace

int runEvents(Session& session) {
  const Invocation& inv = session.invocation();
  const Settings& settings = session.settings();
  std::uint64_t last = inv.since;
  bool was_open = false;  // the stream was open at least once
  milliseconds delay = settings.reconnect_initial;

  for (;;) {
    // Open (or reopen) the stream after the last event seen.
    auto conn = session.connection();
    Status opened = conn ? (*conn)->openEventStream("/v1/events?since=" + std::to_string(last))
                         : Status(Error(conn.error()));
    if (!opened) {
      session.disconnect();
      const Error& err = opened.error();
      // The first attempt fails loudly; a lost daemon is waited for.
      if (!was_open || !inv.follow || err.code != ErrorCode::Unavailable) return session.fail(err);
      if (pause(session, delay)) return toInt(ExitCode::Ok);
      delay = std::min(delay * 2, settings.reconnect_max);
      continue;
    }
    if (was_open) {  // reopened after a drop
      session.io().err << "cardctl: reconnected, resuming after event #" << last << '\n';
    }
    was_open = true;
    delay = settings.reconnect_initial;

    // Read until idle (no --follow), stopped, or dropped.
    bool first = true;
    for (;;) {
      milliseconds wait = inv.follow ? settings.follow_poll
                          : first    ? std::max(settings.events_idle, settings.events_first)
                                     : settings.events_idle;
      auto event = (*conn)->nextEvent(wait);
      if (event) {
        first = false;
        printEvent(session, *event);
        if (event->id != 0) last = event->id;
        continue;
      }
      if (client::isTimeout(event.error())) {
        if (!inv.follow || session.stopRequested()) return toInt(ExitCode::Ok);
        continue;
      }
      if (!inv.follow) return toInt(ExitCode::Ok);  // the stream ended: all there is was printed
      session.io().err << "cardctl: lost the connection to cardd (" << event.error().message
                       << "); reconnecting from event #" << last << "...\n";
      session.disconnect();
      break;
    }
    if (pause(session, delay)) return toInt(ExitCode::Ok);
  }
}

}  // namespace cardd::cli
