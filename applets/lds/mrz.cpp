#include "lds/mrz.hpp"

#include <array>
#include <cctype>
#include <utility>

namespace cardd::applets::lds {
namespace {

constexpr std::size_t kLine = 30;

Error fieldError(std::string_view what, std::string_view problem) {
  return Error{ErrorCode::InvalidArgument,
               "MRZ: " + std::string(what) + " " + std::string(problem)};
}

int characterValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'Z') return c - 'A' + 10;
  return 0;
}

/* Two-byte UTF-8 Latin-1 letters (C3 xx) mapped to their base letter, upper
   case; 0 for those without a plain-letter equivalent. */
char latin1Base(unsigned char second) {
  static constexpr std::string_view kUpper = "AAAAAAACEEEEIIIIDNOOOOOxOUUUUYTS";
  static constexpr std::string_view kLower = "AAAAAAACEEEEIIIIDNOOOOO/OUUUUYTY";
  if (second >= 0x80 && second <= 0x9F) {
    const char c = kUpper[second - 0x80];
    return c == 'x' ? 0 : c;
  }
  if (second >= 0xA0 && second <= 0xBF) {
    const char c = kLower[second - 0xA0];
    return c == '/' ? 0 : c;
  }
  return 0;
}

/* `text` normalised, then padded with '<' to `width`; errors if longer. */
Result<std::string> fixedField(std::string_view text, std::size_t width, std::string_view what) {
  auto chars = toMrzCharacters(text, what);
  if (!chars) return std::move(chars).error();
  if (chars->size() > width) {
    return fieldError(what, "is longer than its " + std::to_string(width) + " MRZ positions");
  }
  chars->resize(width, '<');
  return chars;
}

}  // namespace

char mrzCheckDigit(std::string_view characters) {
  static constexpr std::array<int, 3> kWeights = {7, 3, 1};
  int sum = 0;
  for (std::size_t i = 0; i < characters.size(); ++i) {
    sum += characterValue(characters[i]) * kWeights[i % 3];
  }
  return static_cast<char>('0' + sum % 10);
}

Result<std::string> toMrzCharacters(std::string_view text, std::string_view what) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (std::isalnum(c) != 0 && c < 0x80) {
      out.push_back(static_cast<char>(std::toupper(c)));
    } else if (c == '<' || c == ' ' || c == '-' || c == ',' || c == '.') {
      out.push_back('<');
    } else if (c == '\'') {
      continue;
    } else if (c == 0xC3 && i + 1 < text.size()) {
      const char base = latin1Base(static_cast<unsigned char>(text[++i]));
      if (base == 0) return fieldError(what, "has a character that has no MRZ equivalent");
      out.push_back(base);
    } else {
      return fieldError(what, "has a character that has no MRZ equivalent");
    }
  }
  return out;
}

Result<std::string> mrzDate(std::string_view isoDate, std::string_view what) {
  if (isoDate.empty()) return std::string(6, '<');
  const bool shaped = isoDate.size() == 10 && isoDate[4] == '-' && isoDate[7] == '-';
  bool digits = shaped;
  for (std::size_t i : {0, 1, 2, 3, 5, 6, 8, 9}) {
    if (shaped && std::isdigit(static_cast<unsigned char>(isoDate[i])) == 0) digits = false;
  }
  if (!digits) return fieldError(what, "is not a date of the form YYYY-MM-DD");
  std::string out;
  out += isoDate.substr(2, 2);
  out += isoDate.substr(5, 2);
  out += isoDate.substr(8, 2);
  return out;
}

Result<std::string> buildTd1(const Td1Fields& f) {
  /* Line 1: the document number carries its check digit, or overflows into
     the optional data when longer than 9. */
  auto code = fixedField(f.documentCode, 2, "document code");
  if (!code) return std::move(code).error();
  auto issuer = fixedField(f.issuer, 3, "issuer");
  if (!issuer) return std::move(issuer).error();
  auto number = toMrzCharacters(f.documentNumber, "document number");
  if (!number) return std::move(number).error();
  if (number->empty()) return fieldError("document number", "is empty");
  std::string numberPart;
  std::string optional1;
  if (number->size() <= 9) {
    numberPart = *number;
    numberPart.resize(9, '<');
    numberPart += mrzCheckDigit(numberPart);
    auto opt = fixedField(f.optionalData1, 15, "optional data 1");
    if (!opt) return std::move(opt).error();
    optional1 = *opt;
  } else {
    if (number->size() > 22) return fieldError("document number", "is longer than 22 characters");
    numberPart = number->substr(0, 9) + "<";
    std::string overflow = number->substr(9);
    overflow += mrzCheckDigit(*number);
    overflow += '<';
    auto opt = toMrzCharacters(f.optionalData1, "optional data 1");
    if (!opt) return std::move(opt).error();
    overflow += *opt;
    if (overflow.size() > 15) {
      return fieldError("optional data 1", "does not fit beside a long document number");
    }
    overflow.resize(15, '<');
    optional1 = overflow;
  }
  const std::string line1 = *code + *issuer + numberPart + optional1;

  /* Line 2: dates with check digits, sex, nationality, composite check. */
  auto birth = mrzDate(f.birthDate, "birth date");
  if (!birth) return std::move(birth).error();
  auto expiry = mrzDate(f.expiryDate, "expiry date");
  if (!expiry) return std::move(expiry).error();
  auto sex = fixedField(f.sex.empty() ? "<" : f.sex, 1, "sex");
  if (!sex) return std::move(sex).error();
  if (*sex != "M" && *sex != "F" && *sex != "X" && *sex != "<") {
    return fieldError("sex", "must be M, F, X or < in the MRZ");
  }
  if (*sex == "X") *sex = "<";
  auto nationality = fixedField(f.nationality, 3, "nationality");
  if (!nationality) return std::move(nationality).error();
  auto optional2 = fixedField(f.optionalData2, 11, "optional data 2");
  if (!optional2) return std::move(optional2).error();
  const std::string birthPart = *birth + mrzCheckDigit(*birth);
  const std::string expiryPart = *expiry + mrzCheckDigit(*expiry);
  const std::string composite = line1.substr(5) + birthPart + expiryPart + *optional2;
  const std::string line2 =
      birthPart + *sex + expiryPart + *nationality + *optional2 + mrzCheckDigit(composite);

  /* Line 3: the name, truncated from the end of the secondary identifier. */
  auto primary = toMrzCharacters(f.primaryIdentifier, "primary identifier");
  if (!primary) return std::move(primary).error();
  auto secondary = toMrzCharacters(f.secondaryIdentifier, "secondary identifier");
  if (!secondary) return std::move(secondary).error();
  if (primary->empty()) return fieldError("primary identifier", "is empty");
  std::string line3 = *primary;
  if (!secondary->empty()) line3 += "<<" + *secondary;
  if (line3.size() > kLine) {
    line3.resize(kLine);
    while (!line3.empty() && line3.back() == '<') line3.pop_back();
  }
  line3.resize(kLine, '<');

  if (line1.size() != kLine || line2.size() != kLine) {
    return Error{ErrorCode::Internal, "MRZ: a TD1 line came out with the wrong length"};
  }
  return line1 + line2 + line3;
}

}  // namespace cardd::applets::lds
