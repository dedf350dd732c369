#pragma once
// The API v1 request handlers. Each request gets exactly one response
// through `Respond` (now, or after the store committed), except the event
// stream, for which handle() returns a StreamRequest and the session takes
// over. Runs on the event loop.

#include <boost/json/value.hpp>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "api/access.hpp"
#include "api/api_context.hpp"
#include "api/problem.hpp"
#include "api/router.hpp"
#include "render/card_template.hpp"

namespace cardd::api {

struct HttpRequestView {
  std::string_view method;
  std::string_view target;
  std::string_view content_type;
  std::string_view last_event_id;
  std::string_view body;
};

struct HttpResponse {
  unsigned status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
};

using Respond = std::function<void(HttpResponse)>;

struct StreamRequest {
  std::int64_t since = 0;
  std::optional<std::int64_t> owner_filter;  // operators: only their jobs
};

HttpResponse problemResponse(const Problem& problem, std::string_view instance);
// A JSON body with `status` (responses.cpp).
HttpResponse jsonResponse(unsigned status, const boost::json::value& v);
// 403 naming the roles that grant `needed`.
Problem forbidden(Permission needed);
// Whether a Content-Type is application/json (parameters and case ignored).
bool isJsonContentType(std::string_view content_type);

class Handlers {
 public:
  explicit Handlers(ApiContext& ctx) : ctx_(ctx) {}

  std::optional<StreamRequest> handle(const Peer& peer, const HttpRequestView& req,
                                      Respond respond);

 private:
  void submitJob(const Peer& peer, const HttpRequestView& req, Respond respond);
  void listJobs(const Peer& peer, const std::vector<std::pair<std::string, std::string>>& query,
                const std::string& instance, Respond respond);
  void getJob(const Peer& peer, JobId id, const std::string& instance, Respond respond);
  // Card previews: GET /v1/jobs/{id}/preview.png and POST /v1/previews. The
  // render runs on ctx_.renderer; the response is posted back to the loop.
  void previewJob(const Peer& peer, JobId id,
                  const std::vector<std::pair<std::string, std::string>>& query,
                  const std::string& instance, Respond respond);
  void previewRequest(const Peer& peer, const HttpRequestView& req,
                      const std::vector<std::pair<std::string, std::string>>& query,
                      const std::string& instance, Respond respond);
  void renderPreview(std::shared_ptr<const render::CardTemplate> tmpl, std::string payload,
                     JobId id, render::Side side, const std::string& instance, Respond respond);
  void jobAction(const Peer& peer, JobId id, int action, const HttpRequestView& req,
                 const std::string& instance, Respond respond);
  // After a crash at the eject: the operator says whether the card is in the
  // output hopper (confirm_handler.cpp).
  void confirmIssue(const Peer& peer, JobId id, const HttpRequestView& req,
                    const std::string& instance, Respond respond);
  void listAudit(const std::vector<std::pair<std::string, std::string>>& query,
                 const std::string& instance, Respond respond);
  void verifyAudit(const std::string& instance, Respond respond);
  // Blank-card inventory (inventory_handlers.cpp).
  void inventory(const Peer& peer, RouteId route, JobId id,
                 const std::vector<std::pair<std::string, std::string>>& query,
                 const HttpRequestView& req, const std::string& instance, Respond respond);
  // The station's printers and their pause switch (printer_handlers.cpp).
  void printers(const Peer& peer, RouteId route, const std::string& printer,
                const HttpRequestView& req, const std::string& instance, Respond respond);
  // Device health: fault log, wear, forecasts, maintenance and alerts
  // (health_handlers.cpp). `id` is the {id} of an alert route.
  void health(const Peer& peer, RouteId route, const std::string& printer, std::int64_t id,
              const std::vector<std::pair<std::string, std::string>>& query,
              const HttpRequestView& req, const std::string& instance, Respond respond);
  // Records a refused state-changing request in the audit trail, then answers 403.
  void refuse(const Peer& peer, Permission needed, std::string action, std::string target,
              const std::string& instance, Respond respond);

  ApiContext& ctx_;
};

}  // namespace cardd::api
