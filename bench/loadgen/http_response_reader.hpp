#pragma once
// A small, allocation-light HTTP/1.1 response parser for the load generator,
// and a ResponseReader built on it that hands each response to a classifier.
//
// Supported framing: Content-Length, Transfer-Encoding: chunked, no body for
// 1xx/204/304 (and for HEAD, which the driver never sends), and a body
// delimited by connection close. Status line and header names are parsed
// strictly enough to detect garbage; header values are not validated.

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <utility>

#include "target.hpp"

namespace cardd::bench {

// A parsed response. Views point into the input given to parse() (or, for a
// chunked body, into the parser) and are valid until the next parse() call.
struct HttpResponse {
  int status = 0;
  bool keep_alive = true;  // false: "Connection: close" or HTTP/1.0 without keep-alive
  std::string_view content_type;
  std::string_view location;
  std::string_view body;
};

class HttpResponseParser {
 public:
  enum class State { NeedMore, Complete, Error };

  // Parses the response at the front of `in`. Between Complete/Error results
  // the caller must offer the same bytes again, possibly followed by more.
  State parse(std::string_view in);
  // The peer closed: completes a close-delimited body.
  State parseAtEof(std::string_view in);

  const HttpResponse& response() const { return response_; }
  std::size_t consumed() const { return consumed_; }
  const std::string& error() const { return error_; }

 private:
  enum class Framing { Unknown, None, Length, Chunked, UntilClose };

  State fail(std::string message);
  State parseHead(std::string_view in);
  State parseChunked(std::string_view in);
  State complete(std::size_t end);
  State completeChunked(std::size_t end);
  void reset();

  // Scanning state of the response in progress.
  std::size_t scan_from_ = 0;  // where to resume looking for the end of the head
  std::size_t head_len_ = 0;   // 0 until the head is parsed
  Framing framing_ = Framing::Unknown;
  std::size_t content_length_ = 0;
  std::size_t chunk_pos_ = 0;  // offset of the next chunk-size line
  std::string chunked_body_;   // decoded so far
  std::string done_body_;      // decoded body of the last complete chunked response

  HttpResponse response_;
  std::size_t consumed_ = 0;
  std::string error_;
};

// ResponseReader over HTTP: the classifier turns a response into a Reply
// (success, status, detail); close_after is filled from the framing.
class HttpResponseReader final : public ResponseReader {
 public:
  using Classifier = std::function<void(const HttpResponse&, Reply&)>;

  explicit HttpResponseReader(Classifier classify) : classify_(std::move(classify)) {}

  Step parse(std::string_view in, Reply& out) override;
  Step parseAtEof(std::string_view in, Reply& out) override;
  std::size_t consumed() const override { return parser_.consumed(); }
  std::string_view error() const override { return parser_.error(); }

 private:
  Step finish(HttpResponseParser::State state, Reply& out);

  Classifier classify_;
  HttpResponseParser parser_;
};

// The usual classifier: 2xx is success; otherwise detail = the first 2 KiB of the body.
void classifyHttp2xx(const HttpResponse& response, Reply& out);

}  // namespace cardd::bench
