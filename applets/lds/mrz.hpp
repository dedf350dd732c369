#pragma once
// The machine readable zone of a TD1 document (ICAO Doc 9303 part 5): three
// lines of 30 characters from the set A-Z 0-9 '<', with check digits.
//
//   line 1  doc code(2) issuer(3) doc number(9) check(1) optional data(15)
//   line 2  birth(6) check(1) sex(1) expiry(6) check(1) nationality(3)
//           optional data(11) composite check(1)
//   line 3  primary identifier << secondary identifiers, filled with '<'
//
// A document number longer than 9 characters continues in the optional data
// of line 1 (part 5 §4.2.4 note j): the check digit position holds '<' and
// the rest of the number, its check digit and one '<' follow.
//
// Pure functions; thread-safe. Errors (InvalidArgument) name the MRZ field,
// never its value (the values are personal data).

#include <string>
#include <string_view>

#include "core/result.hpp"

namespace cardd::applets::lds {

// The 7-3-1 weighted check digit over MRZ characters ('<' counts 0, A=10 ..
// Z=35). Characters outside the MRZ set count 0 as well; callers normalise
// first.
char mrzCheckDigit(std::string_view characters);

// Upper-cases and maps text to MRZ characters for a field: letters and
// digits kept, space, '-', ',' and '.' become '<', apostrophes dropped, common
// Latin accented letters lose their accent. Errors: any other character.
// `what` names the field in the error.
Result<std::string> toMrzCharacters(std::string_view text, std::string_view what);

// "YYYY-MM-DD" → "YYMMDD". An empty text gives "<<<<<<" (unknown date).
// Errors: any other shape.
Result<std::string> mrzDate(std::string_view isoDate, std::string_view what);

struct Td1Fields {
  std::string documentCode = "I<";  // 1 or 2 characters
  std::string issuer;               // ICAO 3-letter code ("IDN")
  std::string documentNumber;       // up to 22 characters (see above)
  std::string optionalData1;        // up to 15 (14 with a long document number)
  std::string birthDate;            // "YYYY-MM-DD" or empty
  std::string sex;                  // "M", "F", "X" or "<"
  std::string expiryDate;           // "YYYY-MM-DD" or empty
  std::string nationality;          // ICAO 3-letter code
  std::string optionalData2;        // up to 11
  std::string primaryIdentifier;    // surname, or the whole name of a mononym
  std::string secondaryIdentifier;  // given names; may be empty
};

// The 90 MRZ characters (three lines, no separators). Names longer than line
// 3 are truncated (secondary identifier first, keeping the "<<"); other
// fields that do not fit are errors.
Result<std::string> buildTd1(const Td1Fields& fields);

}  // namespace cardd::applets::lds
