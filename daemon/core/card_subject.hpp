#pragma once
// CardSubject: the personal data one card carries, flattened for the two
// consumers that turn it into a card: the card-face renderer
// (drivers/render) and the chip personaliser (applets/personalisation).
// The daemon builds it from a job's stored request; neither consumer knows
// jobs, JSON or the store.
//
// Personal data: never log any value of a CardSubject, nor its photo or
// fingerprint bytes. Lengths and field names are fine.

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace cardd {

struct CardSubject {
  // The person schema's fields by dotted path, as validated strings:
  // "nik", "name", "birth_date" (YYYY-MM-DD), "address.city", ...
  // The station adds the document's own fields under "document.":
  // "document.number", "document.issuer" (ICAO code, "IDN"),
  // "document.issued" and "document.expiry" (YYYY-MM-DD).
  std::map<std::string, std::string> fields;
  std::vector<std::uint8_t> photo_jpeg;                 // Face image (JPEG); may be empty.
  std::vector<std::vector<std::uint8_t>> fingerprints;  // Opaque templates, in finger order.
};

}  // namespace cardd
