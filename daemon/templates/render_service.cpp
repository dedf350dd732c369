#include "templates/render_service.hpp"

#include "issuance/photo_jpeg.hpp"

namespace cardd {
namespace {

// checkSubject's and buildCardSubject's refusals as the job request's field
// errors (the same shape as checkPrintable's).
Error asFieldError(const render::CardTemplate& tmpl, const Error& e) {
  std::string pointer = "/photo";
  if (!e.fields.empty() && !e.fields.front().pointer.empty()) pointer = e.fields.front().pointer;
  std::string detail = "the job cannot be printed with template '" + tmpl.id + "': " + e.message;
  return Error(ErrorCode::ValidationFailed, std::move(detail), {FieldError{pointer, e.message}});
}

}  // namespace

Result<std::vector<std::uint8_t>> renderJobPreview(const render::CardTemplate& tmpl,
                                                   std::string_view payload, std::int64_t job_id,
                                                   const DocumentPolicy& policy,
                                                   std::string_view issued, render::Side side) {
  if (!tmpl.side(side).present) {
    return Error(ErrorCode::NotFound,
                 "template '" + tmpl.id + "' has no " + render::sideName(side) + " side");
  }
  auto subject = buildCardSubject(payload, job_id, policy, issued, &pngToJpeg);
  if (!subject) return asFieldError(tmpl, subject.error());
  if (auto st = render::checkSubject(tmpl, *subject); !st) return asFieldError(tmpl, st.error());
  return render::renderPreviewPng(tmpl, *subject, side);
}

Status renderJobPanels(render::RenderContext& context, const render::CardTemplate& tmpl,
                       std::string_view payload, std::int64_t job_id, const DocumentPolicy& policy,
                       std::string_view issued, drivers::PreparedCard& card) {
  auto subject = buildCardSubject(payload, job_id, policy, issued, &pngToJpeg);
  if (!subject) return asFieldError(tmpl, subject.error());
  if (auto st = context.render(tmpl, *subject); !st) {
    if (st.error().code == ErrorCode::ValidationFailed ||
        st.error().code == ErrorCode::PayloadTooLarge)
      return asFieldError(tmpl, st.error());
    return st;
  }
  return context.separate(tmpl, card);
}

}  // namespace cardd
