#pragma once
// TemplateCatalogue: the card templates a station serves, loaded once from
// `jobs.templates_dir` for every id in `jobs.templates` (at start-up and on
// SIGHUP) and validated against the person schema's dotted field names plus
// the station's document.* fields (render::validateTemplate). SVGs are
// checked with render::checkSvgLight(), not librsvg, so that cardd does not
// map librsvg; cardd-render (render_client.hpp) checks with librsvg when it
// renders. load(jobs, rsvg_check) adds librsvg's verdict at load time
// (cardd passes RenderClient::check(), run in cardd-render), so that a
// template librsvg cannot load is reported at start-up, on SIGHUP and by
// --check-config, not first when a job is printed.
//
// A broken or missing template does not stop cardd: it is kept in the
// catalogue with its problem, reported at start-up (log, --check-config), and
// every job naming it is refused with that problem. The other templates keep
// working.
//
// Immutable after load(); share it between threads (the render worker holds
// the templates it renders). Messages name templates, files and keys, never
// personal data.

#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.hpp"
#include "config/person_schema.hpp"
#include "core/result.hpp"
#include "render/card_template.hpp"

namespace cardd {

class TemplateCatalogue {
 public:
  struct Entry {
    std::string id;
    std::shared_ptr<const render::CardTemplate> tmpl;  // null when unusable
    std::optional<Error> problem;                      // set when unusable
  };

  // Loads and validates every template of `jobs` (jobs.templates_dir,
  // jobs.templates, jobs.person_schema). Never fails as a whole: problems are
  // kept per template.
  static std::shared_ptr<const TemplateCatalogue> load(const JobsConfig& jobs);
  // The same from explicit parts (tests).
  static std::shared_ptr<const TemplateCatalogue> load(const std::string& templates_dir,
                                                       const std::vector<std::string>& ids,
                                                       const PersonSchema* schema);

  // librsvg's load of the templates `ids` of `templates_dir`, as
  // RenderClient::check() runs it in cardd-render: per id, nullopt when it
  // loads, else its problem. Blocks (tens of ms, more when the helper starts).
  using RsvgCheck = std::function<Result<std::vector<std::optional<Error>>>(
      const std::string& templates_dir, const std::vector<std::string>& ids)>;
  // load(jobs), then `rsvg_check` on the templates that passed: each one it
  // refuses becomes broken with that problem. When the check itself fails
  // (cardd-render missing or dying), the templates stay as the light check
  // left them and rsvgCheckProblem() says why.
  static std::shared_ptr<const TemplateCatalogue> load(const JobsConfig& jobs,
                                                       const RsvgCheck& rsvg_check);

  // The template `id`. NotFound when the catalogue does not list it;
  // otherwise the template's own problem (ConfigInvalid for a broken one,
  // NotFound for a missing folder, InvalidArgument for a malformed id).
  Result<std::shared_ptr<const render::CardTemplate>> find(std::string_view id) const;

  const std::string& dir() const { return dir_; }
  const std::vector<Entry>& entries() const { return entries_; }
  std::size_t brokenCount() const;
  // Why load(jobs, rsvg_check) could not have librsvg check the templates;
  // nullopt when it did, or when no check was asked for.
  const std::optional<Error>& rsvgCheckProblem() const { return rsvg_check_problem_; }

  // One line per problem, for logs and --check-config:
  //   "template 'x' (DIR/x): front.svg: front.svg has a placeholder {{...}} ..."
  // and, when rsvgCheckProblem() is set, a line saying the templates were
  // not checked with librsvg and why.
  std::vector<std::string> describeProblems() const;

 private:
  static std::shared_ptr<TemplateCatalogue> loadLight(const std::string& templates_dir,
                                                      const std::vector<std::string>& ids,
                                                      const PersonSchema* schema);

  std::string dir_;
  std::vector<Entry> entries_;
  std::optional<Error> rsvg_check_problem_;
};

// The dotted paths of a person schema's value fields ("nik",
// "address.city"); object fields contribute their children only.
std::vector<std::string> personFieldNames(const PersonSchema& schema);

}  // namespace cardd
