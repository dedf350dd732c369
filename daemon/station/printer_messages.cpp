#include "station/printer_messages.hpp"

#include <string_view>
#include <utility>

namespace cardd::station {
namespace {

struct Advice {
  std::string_view keyword;  // without severity suffix
  std::string_view text;
};

constexpr Advice kAdvice[] = {
    {"media-empty",
     "the card feeder is empty. Load blank cards (and book them: cardctl stock load); printing "
     "resumes by itself."},
    {"media-low", "the card feeder is nearly empty. Load blank cards soon."},
    {"media-jam",
     "card jam. Open the printer, take the card out and close it; printing resumes by itself."},
    {"marker-supply-empty",
     "the ribbon is finished. Fit a new ribbon; printing resumes by itself."},
    {"marker-supply-low", "the ribbon is nearly finished. Have a new one ready."},
    {"cover-open", "the cover is open. Close it; printing resumes by itself."},
    {"door-open", "the feeder door is open. Close it; printing resumes by itself."},
    {"output-area-full",
     "the output hopper or the reject box is full. Empty it; printing resumes by itself."},
    {"cleaner-life-almost-over", "cleaning is due. Run a cleaning cycle with a cleaning card."},
    {"offline",
     "the printer does not answer. Check its power and cable; cardd reconnects by itself."},
    {"cardd-head-cooling", "the printhead is hot and cooling down; printing resumes by itself."},
    {"cardd-renderer-error",
     "the card renderer (cardd-render) failed; the job went back to the queue and cardd retries by "
     "itself."},
    {"cardd-encoder-offline",
     "the chip reader does not answer. Check the reader's cable and that pcscd runs; cardd retries "
     "by itself."},
};

std::pair<std::string_view, std::string_view> split(std::string_view keyword) {
  for (std::string_view suffix : {"-error", "-warning", "-report"}) {
    if (keyword.size() > suffix.size() && keyword.substr(keyword.size() - suffix.size()) == suffix)
      return {keyword.substr(0, keyword.size() - suffix.size()), suffix.substr(1)};
  }
  return {keyword, ""};
}

}  // namespace

std::string printerMessage(const std::string& printer, const std::vector<std::string>& reasons) {
  const std::string* chosen = nullptr;
  for (std::string_view severity : {"error", "warning"}) {
    for (const auto& r : reasons) {
      if (split(r).second == severity) {
        chosen = &r;
        break;
      }
    }
    if (chosen) break;
  }
  if (!chosen) return printer + ": ready.";
  const auto base = split(*chosen).first;
  for (const auto& advice : kAdvice) {
    if (advice.keyword == base) return printer + ": " + std::string(advice.text);
  }
  return printer + ": the printer reports " + *chosen + ". See the operations guide.";
}

}  // namespace cardd::station
