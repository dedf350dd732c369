// GET /v1/events against a real cardd: replay from since=0 in seq order,
// live events, and resuming (since= and Last-Event-ID) with no loss and no
// duplicates.

#include <gtest/gtest.h>

#include <algorithm>
#include <boost/json.hpp>
#include <mutex>
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
using client::SseEvent;

struct Seen {
  std::int64_t seq = 0;
  std::string kind;
  std::int64_t job_id = 0;
  std::string to;
};

class ApiEventsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(daemon_.start());
    conn_.emplace(connectTo(daemon_.socketPath()));
  }

  std::int64_t submit() {
    auto res = call(*conn_, "POST", "/v1/jobs", minimalJobText());
    if (res.status != 201)
      throw TestFailure("submit: HTTP " + std::to_string(res.status) + " " + res.body);
    return jobId(res);
  }
  void act(std::int64_t id, const std::string& what) {
    auto res = call(*conn_, "POST", "/v1/jobs/" + std::to_string(id) + "/" + what);
    if (res.status != 200)
      throw TestFailure(what + ": HTTP " + std::to_string(res.status) + " " + res.body);
  }
  // Every event seq of every job, from GET /v1/jobs/{id} (the journal).
  std::vector<Seen> journal(const std::vector<std::int64_t>& ids) {
    std::vector<Seen> out;
    for (auto id : ids) {
      auto job = jsonObject(call(*conn_, "GET", "/v1/jobs/" + std::to_string(id), {}, {}));
      for (const auto& e : job.at("events").as_array()) {
        out.push_back({e.at("seq").as_int64(), std::string(e.at("kind").as_string()), id,
                       std::string(e.at("to").as_string())});
      }
    }
    std::sort(out.begin(), out.end(), [](const Seen& a, const Seen& b) { return a.seq < b.seq; });
    return out;
  }

  // The next event, checked: id == data.seq, event == data.kind.
  static Seen next(client::Connection& stream, std::chrono::milliseconds timeout = 10s) {
    auto ev = stream.nextEvent(timeout);
    if (!ev) throw TestFailure("nextEvent: " + ev.error().message);
    boost::system::error_code ec;
    auto data = json::parse(ev->data, ec);
    if (ec || !data.is_object()) throw TestFailure("event data is not a JSON object: " + ev->data);
    const auto& o = data.get_object();
    Seen s{o.at("seq").as_int64(), std::string(o.at("kind").as_string()), o.at("job_id").as_int64(),
           std::string(o.at("to").as_string())};
    if (static_cast<std::int64_t>(ev->id) != s.seq) {
      throw TestFailure("SSE id " + std::to_string(ev->id) + " differs from data.seq " +
                        std::to_string(s.seq));
    }
    if (ev->event != s.kind)
      throw TestFailure("SSE event '" + ev->event + "' differs from data.kind '" + s.kind + "'");
    return s;
  }
  // Reads exactly `n` events, then checks nothing else is pending (a short
  // wait: a stray extra event would be a duplicate or an unexpected one).
  static std::vector<Seen> readExactly(client::Connection& stream, std::size_t n) {
    std::vector<Seen> out;
    for (std::size_t i = 0; i < n; ++i) out.push_back(next(stream));
    auto extra = stream.nextEvent(300ms);
    if (extra)
      throw TestFailure("unexpected extra event id " + std::to_string(extra->id) + ": " +
                        extra->data);
    if (!client::isTimeout(extra.error()))
      throw TestFailure("stream ended: " + extra.error().message);
    return out;
  }
  static std::vector<std::int64_t> seqs(const std::vector<Seen>& v) {
    std::vector<std::int64_t> out;
    for (const auto& s : v) out.push_back(s.seq);
    return out;
  }
  static testing::AssertionResult strictlyIncreasing(const std::vector<Seen>& v) {
    for (std::size_t i = 1; i < v.size(); ++i) {
      if (v[i].seq <= v[i - 1].seq) {
        return testing::AssertionFailure() << "seq " << v[i].seq << " follows " << v[i - 1].seq;
      }
    }
    return testing::AssertionSuccess();
  }

  DaemonProcess daemon_;
  std::optional<client::Connection> conn_;
};

TEST_F(ApiEventsTest, ReplaysHistoryThenStreamsLiveEvents) {
  const auto a = submit();
  const auto b = submit();
  const auto c = submit();
  act(b, "hold");
  const auto history = journal({a, b, c});
  ASSERT_EQ(history.size(), 4u);

  auto stream = connectTo(daemon_.socketPath());
  auto opened = stream.openEventStream("/v1/events?since=0");
  ASSERT_TRUE(opened.ok()) << opened.error().message;

  std::vector<Seen> got;
  for (int i = 0; i < 4; ++i) got.push_back(next(stream));
  EXPECT_EQ(seqs(got), seqs(history));
  EXPECT_TRUE(strictlyIncreasing(got));
  EXPECT_EQ(got[0].kind, "job-created");
  EXPECT_EQ(got[0].job_id, a);
  EXPECT_EQ(got[3].kind, "job-state-changed");
  EXPECT_EQ(got[3].job_id, b);
  EXPECT_EQ(got[3].to, "pending-held");

  // Live: a new job and a hold arrive as they are committed.
  const auto d = submit();
  auto live1 = next(stream);
  EXPECT_EQ(live1.kind, "job-created");
  EXPECT_EQ(live1.job_id, d);
  EXPECT_GT(live1.seq, got.back().seq);
  act(d, "hold");
  auto live2 = next(stream);
  EXPECT_EQ(live2.kind, "job-state-changed");
  EXPECT_EQ(live2.job_id, d);
  EXPECT_EQ(live2.to, "pending-held");
  EXPECT_GT(live2.seq, live1.seq);
  act(c, "cancel");
  auto live3 = next(stream);
  EXPECT_EQ(live3.job_id, c);
  EXPECT_EQ(live3.to, "canceled");
  EXPECT_GT(live3.seq, live2.seq);
}

TEST_F(ApiEventsTest, ResumingGivesExactlyTheMissedEvents) {
  const auto a = submit();
  const auto b = submit();

  std::int64_t last = 0;
  {
    auto stream = connectTo(daemon_.socketPath());
    ASSERT_TRUE(stream.openEventStream("/v1/events?since=0").ok());
    auto first = readExactly(stream, 2);
    last = first.back().seq;
    const auto c = submit();
    auto live = next(stream);
    EXPECT_EQ(live.job_id, c);
    last = live.seq;
    stream.close();  // disconnect
  }

  // Missed while disconnected: two submits, a hold, a cancel.
  const auto e = submit();
  const auto f = submit();
  act(a, "hold");
  act(b, "cancel");
  std::vector<Seen> missed;
  for (const auto& s : journal({a, b, e, f})) {
    if (s.seq > last) missed.push_back(s);
  }
  ASSERT_EQ(missed.size(), 4u);

  // since=<last id>
  {
    auto stream = connectTo(daemon_.socketPath());
    ASSERT_TRUE(stream.openEventStream("/v1/events?since=" + std::to_string(last)).ok());
    auto got = readExactly(stream, missed.size());
    EXPECT_EQ(seqs(got), seqs(missed));
    EXPECT_TRUE(strictlyIncreasing(got));
    EXPECT_GT(got.front().seq, last);
  }
  // Last-Event-ID: the same.
  {
    auto stream = connectTo(daemon_.socketPath());
    ASSERT_TRUE(
        stream.openEventStream("/v1/events", {{"Last-Event-ID", std::to_string(last)}}).ok());
    auto got = readExactly(stream, missed.size());
    EXPECT_EQ(seqs(got), seqs(missed));
  }
  // Resuming from the newest event: nothing to replay, then live only.
  {
    auto stream = connectTo(daemon_.socketPath());
    ASSERT_TRUE(
        stream.openEventStream("/v1/events?since=" + std::to_string(missed.back().seq)).ok());
    auto none = stream.nextEvent(300ms);
    ASSERT_FALSE(none.ok()) << "unexpected event " << none->data;
    EXPECT_TRUE(client::isTimeout(none.error())) << none.error().message;
    const auto g = submit();
    auto live = next(stream);
    EXPECT_EQ(live.job_id, g);
    EXPECT_EQ(live.seq, missed.back().seq + 1);
  }
}

TEST_F(ApiEventsTest, NoLossNoDuplicatesUnderConcurrentWriters) {
  const auto first = submit();
  auto stream = connectTo(daemon_.socketPath());
  ASSERT_TRUE(stream.openEventStream("/v1/events?since=0").ok());

  // Two writers submit and hold while the stream is live.
  std::mutex mu;
  std::vector<std::int64_t> ids{first};
  std::vector<std::string> errors;
  auto writer = [&](int n) {
    try {
      auto c = connectTo(daemon_.socketPath());
      for (int i = 0; i < n; ++i) {
        auto res = call(c, "POST", "/v1/jobs", minimalJobText());
        if (res.status != 201) throw TestFailure("submit: HTTP " + std::to_string(res.status));
        const auto id = jobId(res);
        if (i % 3 == 0) {
          auto h = call(c, "POST", "/v1/jobs/" + std::to_string(id) + "/hold");
          if (h.status != 200) throw TestFailure("hold: HTTP " + std::to_string(h.status));
        }
        std::lock_guard lock(mu);
        ids.push_back(id);
      }
    } catch (const std::exception& e) {
      std::lock_guard lock(mu);
      errors.emplace_back(e.what());
    }
  };
  std::thread w1(writer, 15);
  std::thread w2(writer, 15);
  w1.join();
  w2.join();
  ASSERT_TRUE(errors.empty()) << errors.front();

  const auto expected = journal(ids);
  ASSERT_EQ(expected.size(), 31u + 10u);  // 31 created, 10 holds
  auto got = readExactly(stream, expected.size());
  EXPECT_TRUE(strictlyIncreasing(got));
  EXPECT_EQ(seqs(got), seqs(expected));

  // A second subscriber from since=0 sees the same history.
  auto again = connectTo(daemon_.socketPath());
  ASSERT_TRUE(again.openEventStream("/v1/events?since=0").ok());
  EXPECT_EQ(seqs(readExactly(again, expected.size())), seqs(expected));
}

TEST_F(ApiEventsTest, ResumeWorksAcrossARestart) {
  const auto a = submit();
  act(a, "hold");
  const auto before = journal({a});
  ASSERT_TRUE(daemon_.restart());
  conn_.emplace(connectTo(daemon_.socketPath()));
  const auto b = submit();

  auto stream = connectTo(daemon_.socketPath());
  ASSERT_TRUE(
      stream.openEventStream("/v1/events", {{"Last-Event-ID", std::to_string(before.front().seq)}})
          .ok());
  auto got = readExactly(stream, 2);
  EXPECT_EQ(got[0].seq, before.back().seq);
  EXPECT_EQ(got[1].job_id, b);
  EXPECT_GT(got[1].seq, got[0].seq) << "seq keeps increasing across restarts";
}

// Without since= or Last-Event-ID there is no resume point: the stream
// carries live events only (daemon/api/handlers.cpp). That must also hold
// right after a restart, before any new event was published.
TEST_F(ApiEventsTest, WithoutResumePointOnlyLiveEventsAreSent) {
  submit();
  submit();
  {
    auto stream = connectTo(daemon_.socketPath());
    ASSERT_TRUE(stream.openEventStream("/v1/events").ok());
    auto none = stream.nextEvent(300ms);
    EXPECT_FALSE(none.ok()) << "history was replayed without a resume point: " << none->data;
    const auto c = submit();
    auto live = next(stream);
    EXPECT_EQ(live.job_id, c);
  }
  ASSERT_TRUE(daemon_.restart());
  conn_.emplace(connectTo(daemon_.socketPath()));
  {
    auto stream = connectTo(daemon_.socketPath());
    ASSERT_TRUE(stream.openEventStream("/v1/events").ok());
    auto none = stream.nextEvent(300ms);
    EXPECT_FALSE(none.ok())
        << "after a restart, GET /v1/events without since= replayed history, starting at id "
        << none->id << ": " << none->data;
    const auto d = submit();
    // The live event of the new job arrives (after any wrongly replayed ones).
    bool seen = false;
    for (int i = 0; i < 10 && !seen; ++i) seen = next(stream).job_id == d;
    EXPECT_TRUE(seen);
  }
}

TEST_F(ApiEventsTest, BadResumePointsAre400) {
  for (const std::string target :
       {"/v1/events?since=abc", "/v1/events?since=-1", "/v1/events?since=1.5",
        "/v1/events?since=99999999999999999999999", "/v1/events?from=3"}) {
    SCOPED_TRACE(target);
    auto res = call(*conn_, "GET", target, {}, {}, {{"Accept", "text/event-stream"}});
    EXPECT_TRUE(isProblem(res, 400, "bad-request"));
  }
  auto res = call(*conn_, "GET", "/v1/events", {}, {}, {{"Last-Event-ID", "x7"}});
  EXPECT_TRUE(isProblem(res, 400, "bad-request"));
  EXPECT_TRUE(pingOk(daemon_.socketPath()));
}

}  // namespace
}  // namespace cardd::test
