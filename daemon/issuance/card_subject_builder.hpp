#pragma once
// Builds the CardSubject (core/card_subject.hpp) one card carries from a
// job's stored payload (the compact JSON validated by jobs/job_request.hpp:
// person, photo, fingerprints) and the document the station issues.
//
// - person: nested objects are flattened to dotted paths ("address.city");
//   strings are taken as they are, numbers and booleans in their JSON form.
// - photo: JPEG is passed through; PNG (which the API also accepts) is
//   converted to JPEG, because the chip's DG2 holds JPEG (ICAO 9303-10),
//   by the PhotoToJpeg the caller passes: cardd passes
//   RenderClient::jpegConverter() (the conversion runs in cardd-render, so
//   cardd links no image library), cardd-render and tests pass pngToJpeg
//   (issuance/photo_jpeg.hpp, in-process with cairo and libturbojpeg).
// - fingerprints: the decoded templates, in the order submitted.
// - document.*: number, issuer, issued and expiry from DocumentPolicy.
//
// Errors: InvalidArgument when the payload is not what job_request.cpp
// stores (a corrupted row); a failed conversion is the converter's error
// (InvalidArgument for an unreadable PNG, Internal, or Unavailable when
// cardd-render cannot be reached). The messages never quote personal data.
//
// This library (cardd_issuance) links no image library; the overload without
// a converter and pngToJpeg() are in cardd_photo_jpeg (photo_jpeg.cpp).

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "core/card_subject.hpp"
#include "core/result.hpp"

namespace cardd {

struct DocumentPolicy {
  std::string number_prefix = "CD";  // Document number = prefix + zero-padded job id (9 chars).
  std::string issuer = "IDN";        // ICAO 9303 issuing-state code.
  int validity_years = 5;            // Expiry = issue date + this many years.
  int jpeg_quality = 90;             // For PNG photos converted to JPEG.
};

// The document number for `job_id` under `policy`: exactly 9 characters
// (TD1's document-number field) when the prefix leaves room, e.g. CD0000042.
std::string documentNumber(const DocumentPolicy& policy, std::int64_t job_id);

// PNG bytes -> JPEG bytes at `quality` (policy.jpeg_quality). Called only
// for a PNG photo, at most once per subject, on the caller's thread.
using PhotoToJpeg = std::function<Result<std::string>(std::string_view png, int quality)>;

// `issued` is the issue date (the station's local date, YYYY-MM-DD);
// `png_to_jpeg` converts a PNG photo (a JPEG one is taken as it is).
Result<CardSubject> buildCardSubject(std::string_view payload_json, std::int64_t job_id,
                                     const DocumentPolicy& policy, std::string_view issued,
                                     const PhotoToJpeg& png_to_jpeg);

// The same, converting a PNG photo in-process with pngToJpeg(). Defined in
// cardd_photo_jpeg (photo_jpeg.cpp), which links cairo and libturbojpeg:
// for cardd-render and tests, not for cardd.
Result<CardSubject> buildCardSubject(std::string_view payload_json, std::int64_t job_id,
                                     const DocumentPolicy& policy, std::string_view issued);

}  // namespace cardd
