// Crash durability: cardd acknowledges a job only once it is on disk
// (group commit, WAL, synchronous=FULL). Kill -9 right after a 201, restart
// on the same state dir, and every acknowledged job must be there, with its
// idempotency key still bound to it; ids are never reused.

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include <atomic>
#include <boost/json.hpp>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "client/connection.hpp"
#include "daemon_process.hpp"
#include "test_helpers.hpp"

namespace cardd::test {
namespace {

namespace json = boost::json;
using client::Connection;

// What the test was told: idempotency key -> job id.
using Acked = std::map<std::string, std::int64_t>;

// Every acknowledged job is present and its key resolves to the same id.
testing::AssertionResult allPresent(const std::string& socket_path, const Acked& acked) {
  auto conn = connectTo(socket_path);
  for (const auto& [key, id] : acked) {
    auto got = call(conn, "GET", "/v1/jobs/" + std::to_string(id), {}, {});
    if (got.status != 200) {
      return testing::AssertionFailure() << "acknowledged job " << id << " (key " << key
                                         << ") is gone: HTTP " << got.status << " " << got.body;
    }
    auto job = jsonObject(got);
    if (job.at("idempotency_key") != key.c_str()) {
      return testing::AssertionFailure()
             << "job " << id << " has key " << job.at("idempotency_key") << ", expected " << key;
    }
    auto again = call(conn, "POST", "/v1/jobs", jobWithKey(key));
    if (again.status != 200 || jobId(again) != id) {
      return testing::AssertionFailure()
             << "resubmitting key " << key << " gave HTTP " << again.status << " " << again.body
             << ", expected 200 with job " << id;
    }
  }
  return testing::AssertionSuccess();
}

TEST(DurabilityTest, KillNineRightAfterEach201LosesNothing) {
  constexpr int kRounds = 25;
  DaemonProcess daemon;
  Acked acked;
  std::int64_t max_seen = 0;
  std::mt19937 rng(12345);

  for (int round = 0; round < kRounds; ++round) {
    SCOPED_TRACE("round " + std::to_string(round));
    ASSERT_TRUE(daemon.start());

    // What earlier rounds were told survived every crash so far (checking
    // one random earlier key fully each round, all of them at the end).
    if (!acked.empty()) {
      auto it = acked.begin();
      std::advance(it, static_cast<long>(rng() % acked.size()));
      ASSERT_TRUE(allPresent(daemon.socketPath(), Acked{*it}));
    }

    auto conn = connectTo(daemon.socketPath());
    // An "in flight" submit on a second connection: it may or may not be
    // committed when the daemon dies; either way its id must be new.
    auto other = connectTo(daemon.socketPath());
    const std::string inflight_key = "inflight-" + std::to_string(round);
    const std::string body = jobWithKey(inflight_key);
    ASSERT_TRUE(other
                    .sendRaw("POST /v1/jobs HTTP/1.1\r\nHost: x\r\nContent-Type: "
                             "application/json\r\nContent-Length: " +
                             std::to_string(body.size()) + "\r\n\r\n" + body)
                    .ok());

    const std::string key = "round-" + std::to_string(round);
    auto res = call(conn, "POST", "/v1/jobs", jobWithKey(key));
    daemon.kill9();  // the moment the 201 arrived
    ASSERT_EQ(res.status, 201) << res.body;
    const auto id = jobId(res);
    EXPECT_GT(id, max_seen) << "job id " << id << " is not above every id seen before (" << max_seen
                            << ")";
    max_seen = std::max(max_seen, id);
    acked[key] = id;

    // After the crash, the in-flight job either exists (200, its id was
    // assigned before the crash: not a reuse of any acknowledged id) or not
    // (201 now, with a fresh id).
    ASSERT_TRUE(daemon.start());
    auto check = connectTo(daemon.socketPath());
    auto inflight = call(check, "POST", "/v1/jobs", jobWithKey(inflight_key));
    ASSERT_TRUE(inflight.status == 200 || inflight.status == 201) << inflight.body;
    const auto inflight_id = jobId(inflight);
    for (const auto& [k, v] : acked)
      EXPECT_NE(inflight_id, v) << "id " << v << " of " << k << " was reused";
    if (inflight.status == 201) {
      EXPECT_GT(inflight_id, max_seen) << "a new id must be above every id seen before";
    }
    max_seen = std::max(max_seen, inflight_id);
    acked[inflight_key] = inflight_id;
    daemon.kill9();
  }

  ASSERT_TRUE(daemon.start());
  EXPECT_TRUE(allPresent(daemon.socketPath(), acked));
  // A fresh job after all the crashes gets a fresh id.
  auto fresh = callOnce(daemon.socketPath(), "POST", "/v1/jobs", jobWithKey("after-all"));
  ASSERT_EQ(fresh.status, 201);
  EXPECT_GT(jobId(fresh), max_seen);
  // The job list has exactly one job per key, and the audit chain survived.
  auto list = jsonObject(callOnce(daemon.socketPath(), "GET", "/v1/jobs?limit=500", {}, {}));
  EXPECT_EQ(list.at("jobs").as_array().size(), acked.size() + 1);
  auto verify = jsonObject(callOnce(daemon.socketPath(), "GET", "/v1/audit/verify", {}, {}));
  EXPECT_EQ(verify.at("ok"), true) << json::serialize(verify);
  EXPECT_TRUE(daemon.stop());
}

TEST(DurabilityTest, KillNineDuringConcurrentSubmitsLosesNoAcknowledgedJob) {
  constexpr int kRounds = 3;
  constexpr int kThreads = 4;
  DaemonProcess daemon;
  Acked acked;
  std::int64_t max_before_round = 0;
  std::mt19937 rng(4242);

  for (int round = 0; round < kRounds; ++round) {
    SCOPED_TRACE("round " + std::to_string(round));
    ASSERT_TRUE(daemon.start());

    std::mutex mu;
    Acked this_round;
    std::atomic<int> submitted{0};
    std::vector<std::string> unexpected;
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        auto conn = Connection::connect(daemon.socketPath(), std::chrono::seconds(10));
        if (!conn) return;
        for (int i = 0;; ++i) {
          const std::string key =
              "r" + std::to_string(round) + "-t" + std::to_string(t) + "-" + std::to_string(i);
          auto res = conn->request("POST", "/v1/jobs", jobWithKey(key));
          if (!res) return;  // the daemon died under us
          if (res->status != 201) {
            std::lock_guard lock(mu);
            unexpected.push_back("HTTP " + std::to_string(res->status) + " " + res->body);
            return;
          }
          auto v = res->json();
          std::lock_guard lock(mu);
          this_round[key] = v->at("id").as_int64();
          ++submitted;
        }
      });
    }
    // Kill at a random moment once some jobs went through.
    ASSERT_TRUE(waitFor([&] { return submitted.load() >= 5; }, std::chrono::seconds(30)))
        << "the writers made no progress";
    std::this_thread::sleep_for(std::chrono::milliseconds(rng() % 200));
    daemon.kill9();
    for (auto& th : threads) th.join();
    ASSERT_TRUE(unexpected.empty()) << unexpected.front();

    // Ids are unique and above every id of earlier rounds.
    std::set<std::int64_t> ids;
    for (const auto& [k, id] : this_round) {
      EXPECT_TRUE(ids.insert(id).second) << "id " << id << " acknowledged twice";
      EXPECT_GT(id, max_before_round)
          << "id " << id << " (" << k << ") reuses an earlier round's range";
    }
    for (const auto& [k, id] : this_round) max_before_round = std::max(max_before_round, id);
    acked.insert(this_round.begin(), this_round.end());

    ASSERT_TRUE(daemon.start());
    EXPECT_TRUE(allPresent(daemon.socketPath(), this_round))
        << this_round.size() << " jobs acknowledged this round";
    // Jobs committed but not yet acknowledged at the crash may exist too;
    // anything new must still get a fresh id.
    auto fresh = callOnce(daemon.socketPath(), "POST", "/v1/jobs",
                          jobWithKey("fresh-" + std::to_string(round)));
    ASSERT_EQ(fresh.status, 201);
    EXPECT_GT(jobId(fresh), max_before_round);
    max_before_round = std::max(max_before_round, jobId(fresh));
    daemon.kill9();
  }
  ASSERT_TRUE(daemon.start());
  EXPECT_TRUE(allPresent(daemon.socketPath(), acked))
      << acked.size() << " jobs acknowledged in all";
}

// SIGTERM drains: cardd stops reading new requests but finishes and answers
// the ones it accepted, then exits 0. So after a SIGTERM in the middle of
// pipelined submits, every job that exists was answered with 201 on the
// client's connection, and the answers form a prefix of the requests.
TEST(DurabilityTest, SigtermAnswersEveryAcceptedRequest) {
  constexpr int kRounds = 5;
  constexpr int kRequests = 20;
  DaemonProcess daemon;
  for (int round = 0; round < kRounds; ++round) {
    SCOPED_TRACE("round " + std::to_string(round));
    ASSERT_TRUE(daemon.start());
    auto conn = connectTo(daemon.socketPath());
    std::string bytes;
    for (int i = 0; i < kRequests; ++i) {
      const std::string body =
          jobWithKey("term-" + std::to_string(round) + "-" + std::to_string(i));
      bytes +=
          "POST /v1/jobs HTTP/1.1\r\nHost: x\r\nContent-Type: "
          "application/json\r\nContent-Length: " +
          std::to_string(body.size()) + "\r\n\r\n" + body;
    }
    const auto queuedSoFar = [&] {
      const std::string log = daemon.stderrText(1 << 20);
      std::size_t n = 0;
      for (auto at = log.find("job queued"); at != std::string::npos;
           at = log.find("job queued", at + 1))
        ++n;
      return n;
    };
    const std::size_t queued_before = queuedSoFar();
    ASSERT_TRUE(conn.sendRaw(bytes).ok());
    // Odd rounds: stop at once. Even rounds: once cardd has stored some.
    if (round % 2 == 0) {
      ASSERT_TRUE(waitFor([&] { return queuedSoFar() > queued_before; }, 10s));
    }
    ::kill(daemon.pid(), SIGTERM);

    RawReader reader(conn);
    int answered = 0;
    for (; answered < kRequests; ++answered) {
      std::string why;
      auto r = reader.next(20s, &why);
      if (!r) break;
      ASSERT_EQ(r->status, 201) << "request " << answered << ": " << r->body;
    }
    int status = 0;
    ASSERT_TRUE(waitFor([&] { return daemon.exitedOnItsOwn(&status); }, 20s))
        << "cardd did not exit after SIGTERM";
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "wait status " << status;

    // Exactly the answered requests made jobs.
    ASSERT_TRUE(daemon.start());
    auto check = connectTo(daemon.socketPath());
    for (int i = 0; i < kRequests; ++i) {
      auto res = call(check, "POST", "/v1/jobs",
                      jobWithKey("term-" + std::to_string(round) + "-" + std::to_string(i)));
      if (i < answered) {
        EXPECT_EQ(res.status, 200) << "request " << i << " was answered 201 but its job is gone";
      } else {
        EXPECT_EQ(res.status, 201)
            << "request " << i << " made a job but its client got no answer (" << answered << " of "
            << kRequests << " answered before the connection closed)";
      }
    }
    ASSERT_TRUE(daemon.stop());
  }
}

}  // namespace
}  // namespace cardd::test
