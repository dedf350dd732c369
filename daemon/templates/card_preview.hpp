#pragma once
// What the API needs from card templates besides the catalogue: the cheap
// submit-time check that a job can be printed with its template.
//
// checkPrintable() runs on the event loop for every POST /v1/jobs and
// /v1/previews, so it neither renders nor decodes: it works on what
// parseJobRequest() already parsed and decoded (JobRequestDetail). It finds
// the template and checks, as render::checkSubject will at issuance:
// - the photo from its header only: a JPEG's byte size against
//   limits.max_photo_bytes and its frame size (SOFn) against
//   max_photo_width x max_photo_height; a PNG's size from its IHDR against
//   the same pixel limits, and that its chunks run to IEND with image data.
//   A PNG is converted to JPEG at issuance (buildCardSubject), so the
//   template's byte limit is applied to the converted JPEG then, not here;
// - a photo the template requires is present;
// - every field the template prints without |optional has a value.
// Previews are rendered by the cardd-render helper (render_client.hpp).
//
// Errors are ValidationFailed with JSON pointers into the job request
// (/template, /photo, /person/<path>); messages name templates, fields and
// sizes, never values.

#include <cstdint>
#include <string>
#include <string_view>

#include "core/result.hpp"
#include "issuance/card_subject_builder.hpp"
#include "jobs/job.hpp"
#include "jobs/job_request.hpp"
#include "templates/template_catalogue.hpp"

namespace cardd {

// The local calendar date of `ms_since_epoch` as YYYY-MM-DD: the issue date
// a card printed then would carry.
std::string localDate(std::int64_t ms_since_epoch);

// ValidationFailed ("/template") when the job's template is unknown or
// broken; ValidationFailed ("/photo", "/person/...") when the job's data does
// not fit the template. `job` and `detail` are what parseJobRequest()
// returned and filled for one request.
Status checkPrintable(const TemplateCatalogue& catalogue, const NewJob& job,
                      const JobRequestDetail& detail);

// The same for a job whose detail is not at hand (a stored payload): parses
// job.payload and decodes its photo first. `policy` and `issued` are not
// needed by the check (the document fields always have values); they are
// kept for the callers that pass them.
Status checkPrintable(const TemplateCatalogue& catalogue, const NewJob& job,
                      const DocumentPolicy& policy, std::string_view issued);

}  // namespace cardd
