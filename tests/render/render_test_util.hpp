#pragma once
// Shared fixtures of the render tests: the default template, a fixed
// fictional subject, temp copies of templates to break on purpose.

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "config/config_loader.hpp"
#include "core/card_subject.hpp"
#include "render/card_template.hpp"

namespace cardd::render::test {

inline const std::string kTemplatesDir = std::string(CARDD_SOURCE_DIR) + "/config/templates";
inline const std::string kDataDir = CARDD_RENDER_TEST_DATA;

inline std::string readText(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

inline void writeText(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
}

inline std::vector<std::uint8_t> readBytes(const std::string& path) {
  const std::string s = readText(path);
  return std::vector<std::uint8_t>(s.begin(), s.end());
}

// A fictional person; every value is made up.
inline CardSubject testSubject() {
  CardSubject s;
  s.fields = {{"nik", "3171015506900007"},
              {"name", "Siti Contoh Lestari"},
              {"birth_place", "Bandung"},
              {"birth_date", "1990-06-15"},
              {"sex", "PEREMPUAN"},
              {"blood_type", "AB"},
              {"address.street", "Jl. Contoh Raya No. 12"},
              {"address.rt_rw", "003/012"},
              {"address.village", "Sukamaju"},
              {"address.district", "Cibeunying"},
              {"address.city", "Kota Bandung"},
              {"address.province", "Jawa Barat"},
              {"religion", "ISLAM"},
              {"marital_status", "KAWIN"},
              {"occupation", "Karyawan Swasta"},
              {"citizenship", "WNI"},
              {"valid_until", "SEUMUR HIDUP"},
              {"document.number", "X12345678"},
              {"document.issuer", "IDN"},
              {"document.issued", "2026-11-29"},
              {"document.expiry", "2036-11-28"}};
  s.photo_jpeg = readBytes(kDataDir + "/photo.jpg");
  return s;
}

// The e-KTP person schema's fields as dotted paths.
inline std::vector<std::string> ektpFieldNames() {
  const auto loaded =
      loadPersonSchemaInto(Config{}, std::string(CARDD_SOURCE_DIR) + "/config/schemas/ektp.yaml");
  EXPECT_TRUE(loaded.ok());
  std::vector<std::string> names;
  if (!loaded.config.jobs.person_schema) return names;
  for (const auto& f : loaded.config.jobs.person_schema->fields) {
    if (f.type == PersonField::Type::Object) {
      for (const auto& sub : f.fields) names.push_back(f.name + "." + sub.name);
    } else {
      names.push_back(f.name);
    }
  }
  return names;
}

// A private copy of the default template under a fresh temp dir, to edit.
class TemplateCopy {
 public:
  TemplateCopy() {
    std::string pattern = (std::filesystem::temp_directory_path() / "cardd-render-XXXXXX").string();
    root_ = mkdtemp(pattern.data());
    std::filesystem::copy(kTemplatesDir + "/ektp-specimen", root_ + "/ektp-specimen");
  }
  ~TemplateCopy() { std::filesystem::remove_all(root_); }
  TemplateCopy(const TemplateCopy&) = delete;
  TemplateCopy& operator=(const TemplateCopy&) = delete;

  const std::string& root() const { return root_; }
  std::string file(const std::string& name) const { return root_ + "/ektp-specimen/" + name; }
  // Replaces the first `from` in template file `name` by `to` (fails the test when absent).
  void edit(const std::string& name, const std::string& from, const std::string& to) const {
    std::string text = readText(file(name));
    const auto at = text.find(from);
    ASSERT_NE(at, std::string::npos) << from;
    text.replace(at, from.size(), to);
    writeText(file(name), text);
  }

 private:
  std::string root_;
};

}  // namespace cardd::render::test
