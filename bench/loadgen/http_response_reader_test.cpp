// Framing tests for the load generator's HTTP response parser: responses
// split at every byte, pipelined back to back, chunked, interim, broken.

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "http_response_reader.hpp"

namespace cardd::bench {
namespace {

const std::string kCreated =
    "HTTP/1.1 201 Created\r\nContent-Type: application/json\r\nLocation: /v1/jobs/7\r\n"
    "Content-Length: 9\r\n\r\n{\"id\":7}\n";
const std::string kProblem =
    "HTTP/1.1 422 Unprocessable Content\r\ncontent-type: application/problem+json\r\n"
    "content-length: 16\r\n\r\n{\"status\":422}\r\n";
const std::string kChunked =
    "HTTP/1.1 200 OK\r\nTransfer-Encoding: "
    "chunked\r\n\r\n4;ext=1\r\nWiki\r\n5\r\npedia\r\n0\r\n\r\n";
const std::string kChunkedTrailer =
    "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n3\r\nabc\r\n0\r\nX-T: 1\r\n\r\n";
const std::string kBusy =
    "HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nContent-Length: 2\r\n\r\n{}";

// Feeds `wire` to a reader in pieces of `step` bytes, the way the driver does
// (unconsumed bytes are offered again, grown), and returns the replies.
std::vector<Reply> readAll(const std::string& wire, std::size_t step) {
  HttpResponseReader reader(classifyHttp2xx);
  std::vector<Reply> replies;
  std::string buf;
  std::size_t fed = 0;
  while (fed < wire.size()) {
    const std::size_t n = std::min(step, wire.size() - fed);
    buf.append(wire, fed, n);
    fed += n;
    for (;;) {
      Reply r;
      const auto st = reader.parse(buf, r);
      if (st == ResponseReader::Step::NeedMore) break;
      EXPECT_NE(st, ResponseReader::Step::Error) << reader.error();
      if (st == ResponseReader::Step::Error) return replies;
      buf.erase(0, reader.consumed());
      if (st == ResponseReader::Step::Reply) replies.push_back(r);
    }
  }
  EXPECT_TRUE(buf.empty());
  return replies;
}

TEST(HttpResponseReader, PipelinedResponsesSplitAtEveryByte) {
  const std::string wire = kCreated + "HTTP/1.1 100 Continue\r\n\r\n" + kProblem + kChunked +
                           kChunkedTrailer + "HTTP/1.1 204 No Content\r\n\r\n" + kBusy;
  for (std::size_t step :
       {std::size_t{1}, std::size_t{2}, std::size_t{7}, std::size_t{64}, wire.size()}) {
    SCOPED_TRACE(step);
    const std::vector<Reply> r = readAll(wire, step);
    ASSERT_EQ(r.size(), 6u);
    EXPECT_TRUE(r[0].success);
    EXPECT_EQ(r[0].status, 201);
    EXPECT_FALSE(r[0].close_after);
    EXPECT_FALSE(r[1].success);
    EXPECT_EQ(r[1].status, 422);
    EXPECT_EQ(r[1].detail, "{\"status\":422}\r\n");
    EXPECT_TRUE(r[2].success);
    EXPECT_TRUE(r[3].success);
    EXPECT_EQ(r[4].status, 204);
    EXPECT_EQ(r[5].status, 503);
    EXPECT_TRUE(r[5].close_after);
  }
}

TEST(HttpResponseReader, ChunkedBodyIsDecoded) {
  HttpResponseParser p;
  ASSERT_EQ(p.parse(kChunked), HttpResponseParser::State::Complete);
  EXPECT_EQ(p.response().body, "Wikipedia");
  EXPECT_EQ(p.consumed(), kChunked.size());
}

TEST(HttpResponseReader, CloseDelimitedBodyCompletesAtEof) {
  HttpResponseParser p;
  const std::string wire = "HTTP/1.0 500 Oops\r\nContent-Type: text/plain\r\n\r\nbroken";
  EXPECT_EQ(p.parse(wire), HttpResponseParser::State::NeedMore);
  ASSERT_EQ(p.parseAtEof(wire), HttpResponseParser::State::Complete);
  EXPECT_EQ(p.response().body, "broken");
  EXPECT_FALSE(p.response().keep_alive);
}

TEST(HttpResponseReader, GarbageIsAnError) {
  for (const std::string wire :
       {"HTTP/2 200 OK\r\n\r\n", "HTTP/1.1 2x0 OK\r\n\r\n", "HTTP/1.1 200 OK\r\nbad header\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: 1x\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n"}) {
    HttpResponseParser p;
    EXPECT_EQ(p.parse(wire), HttpResponseParser::State::Error) << wire;
  }
}

}  // namespace
}  // namespace cardd::bench
