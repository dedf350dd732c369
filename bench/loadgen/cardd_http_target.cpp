#include "cardd_http_target.hpp"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <cerrno>
#include <charconv>
#include <cstring>

#include "http_response_reader.hpp"

namespace cardd::bench {

namespace {

// A marker that JSON serialisation leaves untouched and a job body never holds.
constexpr std::string_view kKeyMarker = "@@cardd-loadgen-key@@";

void appendNumber(std::string& out, std::uint64_t n) {
  char buf[24];
  const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, n);
  (void)ec;  // 24 bytes always hold a uint64
  out.append(buf, end);
}

}  // namespace

Result<std::unique_ptr<CarddHttpTarget>> CarddHttpTarget::create(const CarddHttpOptions& options) {
  sockaddr_un addr{};
  if (options.socket_path.empty() || options.socket_path.size() >= sizeof addr.sun_path) {
    return Error(ErrorCode::InvalidArgument,
                 "socket path must be 1.." + std::to_string(sizeof addr.sun_path - 1) + " bytes");
  }
  boost::system::error_code ec;
  boost::json::value doc = boost::json::parse(options.job_json, ec);
  if (ec) return Error(ErrorCode::InvalidJson, "job file is not valid JSON: " + ec.message());
  if (!doc.is_object()) return Error(ErrorCode::InvalidJson, "job file must hold a JSON object");

  std::unique_ptr<CarddHttpTarget> t(new CarddHttpTarget(options));
  boost::json::object& obj = doc.as_object();
  switch (options.keys) {
    case KeyMode::Unique:
      obj["idempotency_key"] = kKeyMarker;
      t->per_index_key_ = true;
      break;
    case KeyMode::Same:
      obj["idempotency_key"] = options.key_prefix + "same";
      break;
    case KeyMode::Keep:
      break;
  }
  const std::string body = boost::json::serialize(doc);
  if (t->per_index_key_) {
    const std::size_t at = body.find(kKeyMarker);
    t->body_prefix_ = body.substr(0, at) + options.key_prefix;
    t->body_suffix_ = body.substr(at + kKeyMarker.size());
  } else {
    t->body_prefix_ = body;
  }
  t->head_ = "POST " + options.path +
             " HTTP/1.1\r\n"
             "Host: cardd\r\n"
             "User-Agent: cardd-loadgen\r\n"
             "Accept: application/json\r\n"
             "Content-Type: application/json\r\n"
             "Content-Length: ";
  return t;
}

std::string CarddHttpTarget::describe() const {
  return "cardd-http unix:" + options_.socket_path + " POST " + options_.path;
}

Result<int> CarddHttpTarget::connect() {
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return Error(ErrorCode::Internal, std::string("socket: ") + std::strerror(errno));
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path, options_.socket_path.data(), options_.socket_path.size());
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) {
    const int err = errno;
    ::close(fd);
    return Error(ErrorCode::Unavailable,
                 "connect " + options_.socket_path + ": " + std::strerror(err));
  }
  return fd;
}

std::size_t CarddHttpTarget::bodySize(std::uint64_t index) const {
  std::size_t n = body_prefix_.size() + body_suffix_.size();
  if (per_index_key_) {
    std::string digits;
    appendNumber(digits, index);
    n += digits.size();
  }
  return n;
}

void CarddHttpTarget::appendRequest(std::uint64_t index, std::string& out) {
  if (!per_index_key_) {
    out += head_;
    appendNumber(out, body_prefix_.size());
    out += "\r\n\r\n";
    out += body_prefix_;
    return;
  }
  char digits[24];
  const auto [end, ec] = std::to_chars(digits, digits + sizeof digits, index);
  (void)ec;
  const std::size_t ndigits = static_cast<std::size_t>(end - digits);
  out += head_;
  appendNumber(out, body_prefix_.size() + ndigits + body_suffix_.size());
  out += "\r\n\r\n";
  out += body_prefix_;
  out.append(digits, ndigits);
  out += body_suffix_;
}

std::unique_ptr<ResponseReader> CarddHttpTarget::newReader() const {
  return std::make_unique<HttpResponseReader>(classifyHttp2xx);
}

}  // namespace cardd::bench
