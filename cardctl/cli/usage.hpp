#pragma once
// cardctl's help text (kept in step with docs/cardctl.md). Pure.

#include <string>

namespace cardd::cli {

// The full `cardctl --help` text: commands, options, environment, exit codes.
std::string usageText();
// "cardctl <version>" for --version.
std::string versionText();

}  // namespace cardd::cli
