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
    auto loaded = render::CardTemplate::load(templates_dir, id);
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
