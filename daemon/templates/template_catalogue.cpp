#include "templates/template_catalogue.hpp"

#include <algorithm>

namespace cardd {
namespace {

void collectFields(const std::vector<PersonField>& fields, const std::string& prefix,
                   std::vector<std::string>& out) {
  for (const auto& f : fields) {
    const std::string path = prefix.empty() ? f.name : prefix + "." + f.name;
    if (f.type == PersonField::Type::Object)
      collectFields(f.fields, path, out);
    else
      out.push_back(path);
  }
}

}  // namespace

std::vector<std::string> personFieldNames(const PersonSchema& schema) {
  std::vector<std::string> out;
  collectFields(schema.fields, "", out);
  return out;
}

std::shared_ptr<const TemplateCatalogue> TemplateCatalogue::load(const JobsConfig& jobs) {
  return load(jobs.templates_dir, jobs.templates, jobs.person_schema.get());
}

std::shared_ptr<const TemplateCatalogue> TemplateCatalogue::load(
    const std::string& templates_dir, const std::vector<std::string>& ids,
    const PersonSchema* schema) {
  return loadLight(templates_dir, ids, schema);
}

std::shared_ptr<const TemplateCatalogue> TemplateCatalogue::load(const JobsConfig& jobs,
                                                                 const RsvgCheck& rsvg_check) {
  auto cat = loadLight(jobs.templates_dir, jobs.templates, jobs.person_schema.get());
  // Only the templates the light check passed go to librsvg: a broken one
  // keeps its first problem.
  std::vector<std::string> usable;
  for (const auto& e : cat->entries_) {
    if (e.tmpl) usable.push_back(e.id);
  }
  if (usable.empty()) return cat;
  auto problems = rsvg_check(cat->dir_, usable);
  if (problems && problems->size() != usable.size()) {
    problems = Error(ErrorCode::Internal, "the librsvg check answered for " +
                                              std::to_string(problems->size()) + " of " +
                                              std::to_string(usable.size()) + " templates");
  }
  if (!problems) {
    cat->rsvg_check_problem_ = std::move(problems).error();
    return cat;
  }
  std::size_t next = 0;
  for (auto& e : cat->entries_) {
    if (!e.tmpl) continue;
    if (auto& problem = (*problems)[next++]; problem) {
      e.tmpl.reset();
      e.problem = std::move(*problem);
    }
  }
  return cat;
}

std::shared_ptr<TemplateCatalogue> TemplateCatalogue::loadLight(const std::string& templates_dir,
                                                                const std::vector<std::string>& ids,
                                                                const PersonSchema* schema) {
  auto cat = std::make_shared<TemplateCatalogue>();
  cat->dir_ = templates_dir;
  const std::vector<std::string> fields =
      schema != nullptr ? personFieldNames(*schema) : std::vector<std::string>{};
  for (const auto& id : ids) {
    // A list naming one id twice loads it once.
    if (std::any_of(cat->entries_.begin(), cat->entries_.end(),
                    [&](const Entry& e) { return e.id == id; }))
      continue;
    Entry entry;
    entry.id = id;
    // The light SVG check: cardd does not map librsvg (cardd-render, which
    // renders, checks with librsvg when it loads the template).
    auto loaded = render::CardTemplate::loadWith(templates_dir, id, &render::checkSvgLight);
    if (!loaded) {
      entry.problem = std::move(loaded).error();
    } else if (auto st = render::validateTemplate(*loaded, fields); !st) {
      entry.problem = std::move(st).error();
    } else {
      entry.tmpl = std::make_shared<const render::CardTemplate>(std::move(loaded).value());
    }
    cat->entries_.push_back(std::move(entry));
  }
  return cat;
}

Result<std::shared_ptr<const render::CardTemplate>> TemplateCatalogue::find(
    std::string_view id) const {
  for (const auto& e : entries_) {
    if (e.id != id) continue;
    if (e.tmpl) return e.tmpl;
    return *e.problem;
  }
  return Error(ErrorCode::NotFound,
               "template '" + std::string(id) + "' is not configured on this station");
}

std::size_t TemplateCatalogue::brokenCount() const {
  return static_cast<std::size_t>(
      std::count_if(entries_.begin(), entries_.end(), [](const Entry& e) { return !e.tmpl; }));
}

std::vector<std::string> TemplateCatalogue::describeProblems() const {
  std::vector<std::string> out;
  if (rsvg_check_problem_) {
    out.push_back("card templates in " + dir_ +
                  " were checked without librsvg (only the light SVG check): " +
                  rsvg_check_problem_->message);
  }
  for (const auto& e : entries_) {
    if (!e.problem) continue;
    // A load or validation error lists each problem as a field; a missing
    // folder or a bad id is one sentence.
    const std::string where = "template '" + e.id + "' (" + dir_ + "/" + e.id + "): ";
    if (e.problem->fields.empty()) {
      out.push_back(where + e.problem->message);
      continue;
    }
    for (const auto& f : e.problem->fields) {
      out.push_back(where + (f.pointer.empty() ? "" : f.pointer + ": ") + f.message);
    }
  }
  return out;
}

}  // namespace cardd
