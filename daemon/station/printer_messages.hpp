#pragma once
// Sentences for the counter: what a printer's state reasons mean and what to
// do, e.g. "P2: card jam. Open the printer, take the card out and close it;
// printing resumes by itself." Pure; thread-safe.

#include <string>
#include <vector>

namespace cardd::station {

// One sentence for the most severe reason (the first -error, else the first
// -warning); "P1: ready." when there is none.
std::string printerMessage(const std::string& printer, const std::vector<std::string>& reasons);

}  // namespace cardd::station
