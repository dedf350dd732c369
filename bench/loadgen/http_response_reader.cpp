#include "http_response_reader.hpp"

#include <algorithm>
#include <charconv>
#include <utility>

namespace cardd::bench {

namespace {

constexpr std::size_t kMaxHeadBytes = 64 * 1024;
constexpr std::size_t kMaxDetailBytes = 2048;

char lower(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

bool iequals(std::string_view a, std::string_view lower_b) {
  if (a.size() != lower_b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (lower(a[i]) != lower_b[i]) return false;
  }
  return true;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Calls fn(token) for each comma-separated, trimmed, non-empty token.
template <typename Fn>
void forEachToken(std::string_view list, Fn fn) {
  while (!list.empty()) {
    const std::size_t comma = list.find(',');
    const std::string_view token = trim(list.substr(0, comma));
    if (!token.empty()) fn(token);
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
}

bool isTchar(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  return std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

}  // namespace

// ---------------------------------------------------------------------------
// HttpResponseParser

void HttpResponseParser::reset() {
  scan_from_ = 0;
  head_len_ = 0;
  framing_ = Framing::Unknown;
  content_length_ = 0;
  chunk_pos_ = 0;
  chunked_body_.clear();
}

HttpResponseParser::State HttpResponseParser::fail(std::string message) {
  error_ = std::move(message);
  reset();
  return State::Error;
}

HttpResponseParser::State HttpResponseParser::complete(std::size_t end) {
  consumed_ = end;
  reset();
  return State::Complete;
}

HttpResponseParser::State HttpResponseParser::parse(std::string_view in) {
  if (head_len_ == 0) {
    const State head = parseHead(in);
    if (head != State::Complete) return head;
  }
  switch (framing_) {
    case Framing::None:
      response_.body = {};
      return complete(head_len_);
    case Framing::Length:
      if (in.size() - head_len_ < content_length_) return State::NeedMore;
      response_.body = in.substr(head_len_, content_length_);
      return complete(head_len_ + content_length_);
    case Framing::Chunked:
      return parseChunked(in);
    case Framing::UntilClose:
    case Framing::Unknown:
      break;
  }
  return State::NeedMore;
}

HttpResponseParser::State HttpResponseParser::parseAtEof(std::string_view in) {
  if (in.empty()) return State::NeedMore;
  const State state = parse(in);
  if (state != State::NeedMore) return state;
  if (head_len_ != 0 && framing_ == Framing::UntilClose) {
    response_.body = in.substr(head_len_);
    return complete(in.size());
  }
  return State::NeedMore;
}

HttpResponseParser::State HttpResponseParser::parseHead(std::string_view in) {
  const std::size_t end = in.find("\r\n\r\n", scan_from_);
  if (end == std::string_view::npos) {
    if (in.size() > kMaxHeadBytes) return fail("response head larger than 64 KiB");
    scan_from_ = in.size() > 3 ? in.size() - 3 : 0;
    return State::NeedMore;
  }
  const std::string_view head = in.substr(0, end + 2);  // every line ends in CRLF

  // Status line: HTTP/1.x SP 3DIGIT [SP reason] CRLF
  const std::size_t line_end = head.find("\r\n");
  const std::string_view status_line = head.substr(0, line_end);
  if (status_line.size() < 12 || status_line.substr(0, 7) != "HTTP/1." || status_line[8] != ' ' ||
      (status_line.size() > 12 && status_line[12] != ' ')) {
    return fail("malformed status line: " + std::string(status_line.substr(0, 80)));
  }
  const bool http10 = status_line[7] == '0';
  int status = 0;
  const auto [ptr, ec] = std::from_chars(status_line.data() + 9, status_line.data() + 12, status);
  if (ec != std::errc() || ptr != status_line.data() + 12 || status < 100 || status > 999) {
    return fail("malformed status code: " + std::string(status_line.substr(0, 80)));
  }

  response_ = HttpResponse{};
  response_.status = status;
  response_.keep_alive = !http10;
  bool have_length = false;
  bool chunked = false;

  std::size_t pos = line_end + 2;
  while (pos < head.size()) {
    const std::size_t eol = head.find("\r\n", pos);
    const std::string_view line = head.substr(pos, eol - pos);
    pos = eol + 2;
    const std::size_t colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0 ||
        !std::all_of(line.begin(), line.begin() + static_cast<std::ptrdiff_t>(colon), isTchar)) {
      return fail("malformed header line: " + std::string(line.substr(0, 80)));
    }
    const std::string_view name = line.substr(0, colon);
    const std::string_view value = trim(line.substr(colon + 1));
    if (iequals(name, "content-length")) {
      std::size_t n = 0;
      const auto [p, e] = std::from_chars(value.data(), value.data() + value.size(), n);
      if (e != std::errc() || p != value.data() + value.size() || value.empty()) {
        return fail("malformed Content-Length: " + std::string(value.substr(0, 40)));
      }
      if (have_length && n != content_length_) return fail("conflicting Content-Length headers");
      have_length = true;
      content_length_ = n;
    } else if (iequals(name, "transfer-encoding")) {
      chunked = false;  // only the last coding decides the framing
      forEachToken(value, [&](std::string_view t) { chunked = iequals(t, "chunked"); });
    } else if (iequals(name, "connection")) {
      forEachToken(value, [&](std::string_view t) {
        if (iequals(t, "close"))
          response_.keep_alive = false;
        else if (iequals(t, "keep-alive") && http10)
          response_.keep_alive = true;
      });
    } else if (iequals(name, "content-type")) {
      response_.content_type = value;
    } else if (iequals(name, "location")) {
      response_.location = value;
    }
  }

  head_len_ = end + 4;
  if (status < 200 || status == 204 || status == 304) {
    framing_ = Framing::None;
  } else if (chunked) {
    framing_ = Framing::Chunked;
    chunk_pos_ = head_len_;
  } else if (have_length) {
    framing_ = Framing::Length;
  } else {
    framing_ = Framing::UntilClose;
    response_.keep_alive = false;
  }
  return State::Complete;
}

HttpResponseParser::State HttpResponseParser::parseChunked(std::string_view in) {
  for (;;) {
    const std::size_t eol = in.find("\r\n", chunk_pos_);
    if (eol == std::string_view::npos) {
      if (in.size() - chunk_pos_ > 1024) return fail("chunk-size line too long");
      return State::NeedMore;
    }
    std::string_view size_line = in.substr(chunk_pos_, eol - chunk_pos_);
    size_line = size_line.substr(0, size_line.find(';'));  // drop chunk extensions
    size_line = trim(size_line);
    std::size_t size = 0;
    const auto [p, e] =
        std::from_chars(size_line.data(), size_line.data() + size_line.size(), size, 16);
    if (e != std::errc() || p != size_line.data() + size_line.size() || size_line.empty()) {
      return fail("malformed chunk size: " + std::string(size_line.substr(0, 40)));
    }
    const std::size_t data = eol + 2;
    if (size == 0) {
      // Trailer section: either an empty line right away, or fields then an empty line.
      if (in.size() < data + 2) return State::NeedMore;
      if (in.substr(data, 2) == "\r\n") {
        response_.body = chunked_body_;
        return completeChunked(data + 2);
      }
      const std::size_t trailer_end = in.find("\r\n\r\n", data);
      if (trailer_end == std::string_view::npos) return State::NeedMore;
      response_.body = chunked_body_;
      return completeChunked(trailer_end + 4);
    }
    if (in.size() < data + size + 2) return State::NeedMore;
    if (in.substr(data + size, 2) != "\r\n") return fail("chunk data not followed by CRLF");
    chunked_body_.append(in.substr(data, size));
    chunk_pos_ = data + size + 2;
  }
}

HttpResponseParser::State HttpResponseParser::completeChunked(std::size_t end) {
  // The body view must outlive reset(), so move the decoded bytes aside first.
  done_body_.swap(chunked_body_);
  response_.body = done_body_;
  return complete(end);
}

// ---------------------------------------------------------------------------
// HttpResponseReader

ResponseReader::Step HttpResponseReader::finish(HttpResponseParser::State state, Reply& out) {
  switch (state) {
    case HttpResponseParser::State::NeedMore:
      return Step::NeedMore;
    case HttpResponseParser::State::Error:
      return Step::Error;
    case HttpResponseParser::State::Complete:
      break;
  }
  const HttpResponse& r = parser_.response();
  if (r.status < 200) return Step::Interim;
  out = Reply{};
  out.status = r.status;
  out.close_after = !r.keep_alive;
  classify_(r, out);
  return Step::Reply;
}

ResponseReader::Step HttpResponseReader::parse(std::string_view in, Reply& out) {
  return finish(parser_.parse(in), out);
}

ResponseReader::Step HttpResponseReader::parseAtEof(std::string_view in, Reply& out) {
  return finish(parser_.parseAtEof(in), out);
}

void classifyHttp2xx(const HttpResponse& response, Reply& out) {
  out.success = response.status >= 200 && response.status < 300;
  if (!out.success) out.detail.assign(response.body.substr(0, kMaxDetailBytes));
}

}  // namespace cardd::bench
