#pragma once
// PNG -> JPEG conversion of a job's photo for the chip's DG2 (ICAO 9303-10
// holds JPEG), in-process with cairo (PNG decoding) and libturbojpeg. Part of
// cardd_photo_jpeg, which cardd-render and tests link; cardd does not (it
// passes RenderClient::jpegConverter() to buildCardSubject(), and the
// conversion runs in cardd-render).
//
// Thread-safe (no shared state). Errors: InvalidArgument when the bytes are
// not a readable PNG, Internal when the encoder fails. Messages never quote
// the photo.

#include <string>
#include <string_view>

#include "core/result.hpp"
#include "issuance/card_subject_builder.hpp"

namespace cardd {

// PNG -> JPEG (baseline, 4:2:0, `quality` 1-100). Alpha is composited over
// white. Usable as a PhotoToJpeg.
Result<std::string> pngToJpeg(std::string_view png, int quality);

}  // namespace cardd
