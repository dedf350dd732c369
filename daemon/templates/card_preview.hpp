#pragma once
// What the API needs from card templates besides the catalogue: the cheap
// submit-time check that a job can be printed with its template, and the
// preview of a job's card face.
//
// checkPrintable() runs on the event loop for every POST /v1/jobs and
// /v1/previews, so it never renders: it finds the template, reads a PNG
// photo's size from its header (refusing an oversized one before decoding
// it), builds the CardSubject (converting a PNG photo to JPEG, as issuance
// will) and runs render::checkSubject (JPEG header, bytes, pixels, fields).
//
// renderJobPreview() renders one side (tens of ms): call it on a worker
// thread (templates/render_worker.hpp), never on the event loop.
//
// Errors are ValidationFailed with JSON pointers into the job request
// (/template, /photo, /person/<path>); messages name templates, fields and
// sizes, never values.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "issuance/card_subject_builder.hpp"
#include "jobs/job.hpp"
#include "render/card_renderer.hpp"
#include "templates/template_catalogue.hpp"

namespace cardd {

// The local calendar date of `ms_since_epoch` as YYYY-MM-DD: the issue date
// a card printed then would carry.
std::string localDate(std::int64_t ms_since_epoch);

// ValidationFailed ("/template") when the job's template is unknown or
// broken; ValidationFailed ("/photo", "/person/...") when the job's data does
// not fit the template. `job` is what parseJobRequest() returned.
Status checkPrintable(const TemplateCatalogue& catalogue, const NewJob& job,
                      const DocumentPolicy& policy, std::string_view issued);

// The PNG (1016 x 648) of `side` of the card `payload` (a stored job payload)
// would print with `tmpl`, as job `job_id` issued on `issued`. NotFound when
// the template has no such side; ValidationFailed when the data no longer
// fits the template. Thread-safe; CPU-heavy.
Result<std::vector<std::uint8_t>> renderJobPreview(const render::CardTemplate& tmpl,
                                                   std::string_view payload, std::int64_t job_id,
                                                   const DocumentPolicy& policy,
                                                   std::string_view issued, render::Side side);

}  // namespace cardd
