// checkSvgLight(): the well-formedness and viewBox checks of a template SVG
// without librsvg (see card_template.hpp). A scanner, not a parser: it
// balances tags and reads the root element's attributes; it builds nothing.
#include <cctype>
#include <cstdlib>
#include <vector>

#include "render/card_template.hpp"

namespace cardd::render {
namespace {

bool isNameStart(char c) {
  return std::isalpha(static_cast<unsigned char>(c)) != 0 || c == '_' || c == ':' ||
         static_cast<unsigned char>(c) >= 0x80;
}
bool isNameChar(char c) {
  return isNameStart(c) || std::isdigit(static_cast<unsigned char>(c)) != 0 || c == '-' || c == '.';
}
bool isSpace(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

class Scanner {
 public:
  Scanner(std::string_view text, const std::string& file) : s_(text), file_(file) {}

  std::optional<std::string> run() {
    if (s_.substr(0, 3) == "\xEF\xBB\xBF") i_ = 3;
    while (i_ < s_.size()) {
      const std::size_t lt = s_.find('<', i_);
      const std::string_view text = s_.substr(i_, lt == std::string_view::npos ? s_.npos : lt - i_);
      if (stack_.empty()) {
        for (char c : text) {
          if (!isSpace(c)) return fail(i_, "text outside the root element");
        }
      }
      if (lt == std::string_view::npos) break;
      i_ = lt;
      if (auto problem = markup()) return problem;
    }
    if (!root_seen_) return file_ + " is not a valid SVG: it has no <svg> root element";
    if (!stack_.empty()) return fail(s_.size(), "<" + stack_.back() + "> is never closed");
    double vb[4] = {-1, -1, -1, -1};
    if (!parseViewBox(vb) || vb[0] != 0 || vb[1] != 0 || vb[2] != kCardWidthPx ||
        vb[3] != kCardHeightPx) {
      return file_ +
             " must have viewBox=\"0 0 1016 648\" (CR80 landscape at 300 dpi, 1 unit = 1 dot)";
    }
    return std::nullopt;
  }

 private:
  std::optional<std::string> fail(std::size_t at, const std::string& what) const {
    std::size_t line = 1;
    for (std::size_t k = 0; k < at && k < s_.size(); ++k) line += s_[k] == '\n' ? 1 : 0;
    return file_ + " is not a valid SVG (line " + std::to_string(line) + ": " + what + ")";
  }

  // Skips to just after `end`, or fails naming `what`.
  std::optional<std::string> skipPast(std::string_view end, const char* what) {
    const std::size_t at = s_.find(end, i_);
    if (at == std::string_view::npos) return fail(i_, std::string("unterminated ") + what);
    i_ = at + end.size();
    return std::nullopt;
  }

  std::optional<std::string> markup() {
    const std::string_view rest = s_.substr(i_);
    if (rest.substr(0, 2) == "<?") return skipPast("?>", "processing instruction");
    if (rest.substr(0, 4) == "<!--") return skipPast("-->", "comment");
    if (rest.substr(0, 9) == "<![CDATA[") {
      if (stack_.empty()) return fail(i_, "CDATA outside the root element");
      return skipPast("]]>", "CDATA section");
    }
    if (rest.substr(0, 9) == "<!DOCTYPE") {
      if (root_seen_) return fail(i_, "a DOCTYPE after the root element");
      const std::size_t gt = s_.find('>', i_);
      const std::size_t bracket = s_.find('[', i_);
      if (bracket != std::string_view::npos && bracket < gt) return skipPast("]>", "DOCTYPE");
      return skipPast(">", "DOCTYPE");
    }
    if (rest.substr(0, 2) == "</") return endTag();
    return startTag();
  }

  std::string_view name() {
    const std::size_t from = i_;
    if (i_ < s_.size() && isNameStart(s_[i_])) {
      while (i_ < s_.size() && isNameChar(s_[i_])) ++i_;
    }
    return s_.substr(from, i_ - from);
  }

  void spaces() {
    while (i_ < s_.size() && isSpace(s_[i_])) ++i_;
  }

  std::optional<std::string> endTag() {
    const std::size_t at = i_;
    i_ += 2;
    const std::string_view n = name();
    spaces();
    if (i_ >= s_.size() || s_[i_] != '>') return fail(at, "malformed end tag");
    ++i_;
    if (stack_.empty() || stack_.back() != n) {
      return fail(at, "</" + std::string(n) + "> does not close the open element" +
                          (stack_.empty() ? std::string() : " <" + stack_.back() + ">"));
    }
    stack_.pop_back();
    return std::nullopt;
  }

  std::optional<std::string> startTag() {
    const std::size_t at = i_;
    ++i_;
    const std::string_view n = name();
    if (n.empty()) return fail(at, "a '<' that starts no tag");
    const bool is_root = stack_.empty();
    if (is_root) {
      if (root_seen_) return fail(at, "a second root element");
      root_seen_ = true;
      const std::size_t colon = n.find(':');
      if ((colon == std::string_view::npos ? n : n.substr(colon + 1)) != "svg") {
        return fail(at, "the root element is <" + std::string(n) + ">, not <svg>");
      }
    }
    for (;;) {
      const std::size_t before = i_;
      spaces();
      if (i_ >= s_.size()) return fail(at, "unterminated tag <" + std::string(n) + ">");
      if (s_[i_] == '>') {
        ++i_;
        stack_.emplace_back(n);
        return std::nullopt;
      }
      if (s_.substr(i_, 2) == "/>") {
        i_ += 2;
        return std::nullopt;
      }
      if (i_ == before) return fail(i_, "attributes must be separated by white space");
      const std::string_view attr = name();
      if (attr.empty()) return fail(i_, "malformed attribute in <" + std::string(n) + ">");
      spaces();
      if (i_ >= s_.size() || s_[i_] != '=') {
        return fail(i_, "attribute " + std::string(attr) + " has no value");
      }
      ++i_;
      spaces();
      if (i_ >= s_.size() || (s_[i_] != '"' && s_[i_] != '\'')) {
        return fail(i_, "the value of attribute " + std::string(attr) + " is not quoted");
      }
      const char quote = s_[i_++];
      const std::size_t end = s_.find(quote, i_);
      if (end == std::string_view::npos) return fail(i_, "unterminated attribute value");
      const std::string_view value = s_.substr(i_, end - i_);
      if (value.find('<') != std::string_view::npos) {
        return fail(i_, "a '<' inside the value of attribute " + std::string(attr));
      }
      if (is_root && attr == "viewBox") view_box_ = value;
      i_ = end + 1;
    }
  }

  bool parseViewBox(double (&vb)[4]) const {
    const std::string text(view_box_);
    const char* p = text.c_str();
    for (double& v : vb) {
      while (*p == ' ' || *p == ',' || *p == '\t' || *p == '\n' || *p == '\r') ++p;
      char* end = nullptr;
      v = std::strtod(p, &end);
      if (end == p) return false;
      p = end;
    }
    while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r') ++p;
    return *p == '\0';
  }

  std::string_view s_;
  const std::string& file_;
  std::size_t i_ = 0;
  std::vector<std::string> stack_;
  bool root_seen_ = false;
  std::string_view view_box_;
};

}  // namespace

std::optional<std::string> checkSvgLight(std::string_view text, const std::string& file) {
  return Scanner(text, file).run();
}

}  // namespace cardd::render
