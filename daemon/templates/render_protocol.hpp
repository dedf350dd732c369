#pragma once
// The wire format between cardd (RenderClient) and the cardd-render helper,
// over one AF_UNIX stream socket: each message is a JSON header and a binary
// body, each sent as a 32-bit length (host byte order: both ends are on one
// machine) and its bytes. One request, then one reply; no pipelining.
//
// Requests (header "op"):
//   preview  {templates_dir, template, job_id, issued, side, policy}; body: the
//            stored job payload. Reply body: the PNG.
//   panels   {templates_dir, template, job_id, issued, policy}; body: the
//            payload. Reply header "front"/"back": [{kind, pixels_per_line,
//            lines}], body: every panel's density bytes in that order.
//   check    {templates_dir, templates: [ids]}. Reply header "problems":
//            [error or null] per id (a librsvg load of each template).
//   photo-jpeg {quality}; body: a PNG photo. Reply body: the JPEG
//            (pngToJpeg(), issuance/photo_jpeg.hpp).
// Replies: {"ok": true, ...} or {"ok": false, "error": {code, message,
// fields}} (code is errorSlug()).
//
// Blocking I/O on a blocking socket; EOF before a message starts is
// Unavailable (the peer has gone), anything torn is Internal.

#include <cstdint>
#include <string>
#include <string_view>

#include <boost/json.hpp>

#include "core/result.hpp"
#include "issuance/card_subject_builder.hpp"

namespace cardd::render_ipc {

inline constexpr std::uint32_t kMaxPart = 64U * 1024U * 1024U;  // Per header or body.

struct Message {
  boost::json::object header;
  std::string body;
};

Status writeMessage(int fd, const boost::json::object& header, std::string_view body);
Result<Message> readMessage(int fd);

boost::json::object errorToJson(const Error& e);
Error errorFromJson(const boost::json::value& v);

boost::json::object policyToJson(const DocumentPolicy& p);
DocumentPolicy policyFromJson(const boost::json::value& v);

}  // namespace cardd::render_ipc
