#pragma once
// RenderClient: asks the cardd-render helper process (render_main.cpp) to
// render, so that cardd itself never maps librsvg, cairo, pango, ICU and
// their fonts (~14 MB of resident pages) and SVG parsing runs outside the
// daemon.
//
// Lifecycle: the helper is spawned on the first request (posix_spawn of
// helper_path with `--serve`, talking over a socketpair on its stdin) and
// kept for the next ones; stop() ends it (it exits when its socket closes:
// also when cardd dies). A helper found gone (crashed, killed) is reaped and
// spawned again once for the request at hand. The first request of a fresh
// helper pays its start-up and font loading (~0.5-1 s).
//
// Threading: every call blocks until the helper answers (tens of ms per
// side); never call it on the event loop. Calls on one client are
// serialised by a mutex (one helper, one request at a time); for parallel
// rendering use one client per thread (each has its own helper). The render
// worker (render_worker.hpp) owns one and stops it after a spell of idleness.
//
// Besides rendering, the helper converts PNG photos to JPEG for the chip
// (photoJpeg()), so that cardd links no image library at all (cairo,
// libturbojpeg, libqrencode stay in cardd-render).
//
// Errors: what the helper reports (ValidationFailed with /photo, /person/...
// pointers, NotFound for a missing side, ConfigInvalid for a template
// librsvg refuses), Unavailable when the helper cannot be started or dies
// mid-request. Messages never hold personal data.

#include <sys/types.h>

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/object.hpp>

#include "core/result.hpp"
#include "issuance/card_subject_builder.hpp"
#include "printer/printer.hpp"
#include "render/card_template.hpp"
#include "templates/render_protocol.hpp"

namespace cardd {

class RenderClient {
 public:
  // `helper_path`: the cardd-render executable; defaultHelperPath() when empty.
  explicit RenderClient(std::string helper_path = {});
  ~RenderClient();  // stop()
  RenderClient(const RenderClient&) = delete;
  RenderClient& operator=(const RenderClient&) = delete;

  // cardd-render next to the running executable (/proc/self/exe), or
  // $CARDD_RENDER_HELPER when set.
  static std::string defaultHelperPath();

  // renderJobPreview() (render_service.hpp) in the helper: the PNG of `side`.
  Result<std::vector<std::uint8_t>> preview(const render::CardTemplate& tmpl,
                                            std::string_view payload, std::int64_t job_id,
                                            const DocumentPolicy& policy, std::string_view issued,
                                            render::Side side);

  // renderJobPanels() in the helper: the print panels of the card into
  // `card` (its buffers are reused). The helper keeps one RenderContext, so
  // consecutive cards reuse its buffers and static layers.
  Status panels(const render::CardTemplate& tmpl, std::string_view payload, std::int64_t job_id,
                const DocumentPolicy& policy, std::string_view issued, drivers::PreparedCard& card);

  // pngToJpeg() (issuance/photo_jpeg.hpp) in the helper: the JPEG of the
  // PNG photo `png` at `quality`, for the chip's DG2. InvalidArgument when
  // it is not a readable PNG.
  Result<std::string> photoJpeg(std::string_view png, int quality);
  // photoJpeg() as the converter buildCardSubject() takes. The converter
  // refers to this client: it must not outlive it.
  PhotoToJpeg jpegConverter();

  // Loads each template of `ids` from `templates_dir` with librsvg's SVG
  // check: per id, nullopt when it loads, else its problem.
  Result<std::vector<std::optional<Error>>> check(const std::string& templates_dir,
                                                  const std::vector<std::string>& ids);

  // Ends the helper (if running) and reaps it. The next request starts a new one.
  void stop();
  bool running() const;
  // The helper's process id, -1 when none runs (tests, diagnostics).
  pid_t helperPid() const;
  const std::string& helperPath() const { return path_; }

 private:
  Result<render_ipc::Message> call(const boost::json::object& header, std::string_view body);
  Status spawn();
  void stopLocked();

  std::string path_;
  mutable std::mutex mutex_;
  int fd_ = -1;
  pid_t pid_ = -1;
};

}  // namespace cardd
