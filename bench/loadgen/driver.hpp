#pragma once
// The load driver: opens `clients` connections to a Target, keeps up to
// `pipeline` requests in flight on each (HTTP/1.1 pipelining when > 1), and
// issues jobs 0..jobs-1 until every one is answered or has failed.
//
// One thread, one epoll set, non-blocking sockets: the client does a few
// syscalls per batch of responses and no allocation per request once its
// buffers have grown, so on a small machine it leaves the CPU to the server.
// Connections are opened before the clock starts; latency is measured per
// request from the moment its bytes are handed to the socket (the write that
// carries them is issued in the same loop turn) to the moment its complete
// response has been parsed.
//
// A connection the server closes (EOF, "Connection: close", a 503) fails its
// unanswered requests (status 0) and is reopened while jobs remain.

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "target.hpp"

namespace cardd::bench {

struct DriverOptions {
  std::uint64_t jobs = 500;
  std::uint64_t first_index = 0;  // job indexes are first_index .. first_index+jobs-1
  unsigned clients = 1;
  unsigned pipeline = 1;
  std::chrono::milliseconds stall_timeout{30'000};  // no reply at all for this long: give up
  bool reconnect = true;                            // reopen closed connections while jobs remain
};

struct Failure {
  int status = 0;  // 0: no response (connection closed, timeout, parse error)
  std::string detail;
};

struct RunResult {
  std::uint64_t sent = 0;
  std::uint64_t succeeded = 0;
  std::uint64_t failed = 0;
  std::map<int, std::uint64_t> status_counts;  // every reply by status; 0 = no reply
  std::vector<std::int64_t> latencies_ns;      // successful requests only, unsorted
  double wall_seconds = 0;                     // first send to last reply
  std::optional<Failure> first_failure;
  std::uint64_t connects = 0;           // connections opened (including reconnects)
  std::uint64_t connection_errors = 0;  // failed connects, resets, parse errors
  std::string aborted;                  // non-empty: the run stopped early, and why
  double client_cpu_seconds = 0;        // user + system CPU of this process during the run
};

// Runs the load. Fails only when not even the first connection can be opened.
Result<RunResult> runLoad(Target& target, const DriverOptions& options);

}  // namespace cardd::bench
