#pragma once
// In-process rendering of a job's card: what the cardd-render helper
// (render_main.cpp) runs for each request. Links librsvg and cairo; cardd
// itself does not link this (it asks the helper through RenderClient).
//
// Thread-safe functions; CPU-heavy (tens of ms per side). Errors name
// templates and fields, never values.

#include <cstdint>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "issuance/card_subject_builder.hpp"
#include "printer/printer.hpp"
#include "render/card_renderer.hpp"

namespace cardd {

// The PNG (1016 x 648) of `side` of the card `payload` (a stored job payload)
// would print with `tmpl`, as job `job_id` issued on `issued`. NotFound when
// the template has no such side; ValidationFailed (pointers /photo,
// /person/...) when the data does not fit the template.
Result<std::vector<std::uint8_t>> renderJobPreview(const render::CardTemplate& tmpl,
                                                   std::string_view payload, std::int64_t job_id,
                                                   const DocumentPolicy& policy,
                                                   std::string_view issued, render::Side side);

// The print panels of the card: builds the CardSubject (a PNG photo is
// converted to JPEG here), renders it with `context` and separates it into
// `card` (both reused from card to card). Same errors as renderJobPreview().
Status renderJobPanels(render::RenderContext& context, const render::CardTemplate& tmpl,
                       std::string_view payload, std::int64_t job_id, const DocumentPolicy& policy,
                       std::string_view issued, drivers::PreparedCard& card);

}  // namespace cardd
