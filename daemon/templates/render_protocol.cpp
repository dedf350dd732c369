#include "templates/render_protocol.hpp"

#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace cardd::render_ipc {
namespace {

namespace json = boost::json;

Status writeAll(int fd, const char* data, std::size_t size) {
  while (size > 0) {
    const ssize_t n = ::send(fd, data, size, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const bool gone = errno == EPIPE || errno == ECONNRESET;
      return Error(gone ? ErrorCode::Unavailable : ErrorCode::Internal,
                   std::string("writing to the render helper failed: ") + std::strerror(errno));
    }
    data += n;
    size -= static_cast<std::size_t>(n);
  }
  return Ok{};
}

// Reads exactly `size` bytes; `first` says no byte of the message came yet.
Status readAll(int fd, char* data, std::size_t size, bool first) {
  while (size > 0) {
    const ssize_t n = ::recv(fd, data, size, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      if (first && (n == 0 || errno == ECONNRESET))
        return Error(ErrorCode::Unavailable, "the render helper closed the connection");
      return Error(ErrorCode::Internal,
                   "the render helper's message ended early" +
                       (n < 0 ? std::string(": ") + std::strerror(errno) : std::string()));
    }
    first = false;
    data += n;
    size -= static_cast<std::size_t>(n);
  }
  return Ok{};
}

Status writePart(int fd, std::string_view part) {
  if (part.size() > kMaxPart) {
    return Error(ErrorCode::PayloadTooLarge, "a render message part exceeds 64 MiB");
  }
  const auto length = static_cast<std::uint32_t>(part.size());
  char prefix[4];
  std::memcpy(prefix, &length, 4);
  if (auto st = writeAll(fd, prefix, 4); !st) return st;
  return writeAll(fd, part.data(), part.size());
}

Result<std::string> readPart(int fd, bool first) {
  char prefix[4];
  if (auto st = readAll(fd, prefix, 4, first); !st) return std::move(st).error();
  std::uint32_t length = 0;
  std::memcpy(&length, prefix, 4);
  if (length > kMaxPart) return Error(ErrorCode::Internal, "a render message part exceeds 64 MiB");
  std::string out(length, '\0');
  if (auto st = readAll(fd, out.data(), length, false); !st) return std::move(st).error();
  return out;
}

ErrorCode codeFromSlug(std::string_view slug) {
  for (int c = 0; c <= static_cast<int>(ErrorCode::Internal); ++c) {
    if (errorSlug(static_cast<ErrorCode>(c)) == slug) return static_cast<ErrorCode>(c);
  }
  return ErrorCode::Internal;
}

}  // namespace

Status writeMessage(int fd, const json::object& header, std::string_view body) {
  if (auto st = writePart(fd, json::serialize(header)); !st) return st;
  return writePart(fd, body);
}

Result<Message> readMessage(int fd) {
  auto head = readPart(fd, true);
  if (!head) return std::move(head).error();
  boost::system::error_code ec;
  json::value parsed = json::parse(*head, ec);
  if (ec || !parsed.is_object()) {
    return Error(ErrorCode::Internal, "a render message header is not a JSON object");
  }
  auto body = readPart(fd, false);
  if (!body) return std::move(body).error();
  return Message{std::move(parsed.as_object()), std::move(*body)};
}

json::object errorToJson(const Error& e) {
  json::array fields;
  for (const auto& f : e.fields) fields.push_back({{"pointer", f.pointer}, {"message", f.message}});
  return {{"code", errorSlug(e.code)}, {"message", e.message}, {"fields", std::move(fields)}};
}

Error errorFromJson(const json::value& v) {
  const json::object* o = v.if_object();
  if (o == nullptr) return Error(ErrorCode::Internal, "the render helper sent a malformed error");
  auto str = [&](const json::object& obj, std::string_view key) {
    const auto* s = obj.if_contains(key);
    return s != nullptr && s->is_string() ? std::string(s->get_string()) : std::string();
  };
  Error e(codeFromSlug(str(*o, "code")), str(*o, "message"));
  if (const auto* fields = o->if_contains("fields"); fields && fields->is_array()) {
    for (const auto& f : fields->get_array()) {
      if (f.is_object())
        e.fields.push_back({str(f.get_object(), "pointer"), str(f.get_object(), "message")});
    }
  }
  return e;
}

json::object policyToJson(const DocumentPolicy& p) {
  return {{"number_prefix", p.number_prefix},
          {"issuer", p.issuer},
          {"validity_years", p.validity_years},
          {"jpeg_quality", p.jpeg_quality}};
}

DocumentPolicy policyFromJson(const json::value& v) {
  DocumentPolicy p;
  const json::object* o = v.if_object();
  if (o == nullptr) return p;
  if (const auto* s = o->if_contains("number_prefix"); s && s->is_string())
    p.number_prefix = std::string(s->get_string());
  if (const auto* s = o->if_contains("issuer"); s && s->is_string())
    p.issuer = std::string(s->get_string());
  if (const auto* n = o->if_contains("validity_years"); n && n->is_int64())
    p.validity_years = static_cast<int>(n->get_int64());
  if (const auto* n = o->if_contains("jpeg_quality"); n && n->is_int64())
    p.jpeg_quality = static_cast<int>(n->get_int64());
  return p;
}

}  // namespace cardd::render_ipc
