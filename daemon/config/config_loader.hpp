#pragma once
// Loading and validating cardd.yaml and the person schema it names. Every
// problem is collected (not just the first) with its key path and line, so
// `cardd --check-config` can print them all. Unknown keys are errors.

#include <string>
#include <vector>

#include "config/config.hpp"
#include "core/result.hpp"

namespace cardd {

struct ConfigProblem {
  std::string file;
  int line = 0;     // 1-based; 0 when unknown
  std::string key;  // dotted key path, e.g. "api.max_body_bytes"
  std::string message;

  // "cardd.yaml:12: api.max_body_bytes: must be ..."
  std::string describe() const;
};

struct ConfigLoadResult {
  Config config;
  std::vector<ConfigProblem> problems;  // empty when the config is usable
  bool ok() const { return problems.empty(); }
};

// Reads `path`. Relative paths inside (the person schema, the templates
// directory) resolve against the file's folder. The templates themselves are
// loaded by templates/template_catalogue.hpp, not here.
ConfigLoadResult loadConfigFile(const std::string& path);

// Parses YAML text; `origin` names it in messages, `base_dir` resolves
// relative paths.
ConfigLoadResult loadConfigText(const std::string& text, const std::string& origin,
                                const std::string& base_dir);

// Loads a person schema file on its own (also used by tests).
ConfigLoadResult loadPersonSchemaInto(Config config, const std::string& path);

}  // namespace cardd
