#include "content.hpp"

#include <algorithm>
#include <utility>

#include "lds/mrz.hpp"
#include "sod.hpp"

namespace cardd::applets::personalisation {
namespace {

Error contentError(const FileSpec& spec, const std::string& what) {
  return Error{ErrorCode::InvalidArgument, spec.name + ": " + what};
}

/* The value of a source for this subject; an empty string when the subject
   lacks every named field. */
Result<std::string> resolve(const ValueSource& source, const CardSubject& subject, bool required) {
  if (source.fields.empty()) return source.literal;
  std::string out;
  for (const auto& name : source.fields) {
    auto it = subject.fields.find(name);
    if (it == subject.fields.end() || it->second.empty()) continue;
    std::string value = it->second;
    if (auto mapped = source.map.find(value); mapped != source.map.end()) value = mapped->second;
    if (source.dateCompact) {
      if (value.size() != 10 || value[4] != '-' || value[7] != '-') {
        return Error{ErrorCode::InvalidArgument, "field '" + name + "' is not a YYYY-MM-DD date"};
      }
      value = value.substr(0, 4) + value.substr(5, 2) + value.substr(8, 2);
    }
    if (!out.empty()) out += source.separator;
    out += value;
  }
  if (out.empty() && required) {
    return Error{ErrorCode::InvalidArgument,
                 "the job has no value for '" + source.fields.front() + "'"};
  }
  return out;
}

Result<Bytes> buildMrz(const FileSpec& spec, const CardSubject& subject) {
  const MrzSpec& m = spec.mrz;
  lds::Td1Fields f;
  struct Entry {
    const ValueSource* source;
    std::string* target;
    bool required;
  };
  const Entry entries[] = {
      {&m.documentCode, &f.documentCode, false},
      {&m.issuer, &f.issuer, true},
      {&m.documentNumber, &f.documentNumber, true},
      {&m.optionalData1, &f.optionalData1, false},
      {&m.birthDate, &f.birthDate, false},
      {&m.sex, &f.sex, false},
      {&m.expiryDate, &f.expiryDate, false},
      {&m.nationality, &f.nationality, true},
      {&m.optionalData2, &f.optionalData2, false},
      {&m.primaryIdentifier, &f.primaryIdentifier, true},
      {&m.secondaryIdentifier, &f.secondaryIdentifier, false},
  };
  for (const auto& e : entries) {
    if (!e.source->present()) continue;
    auto value = resolve(*e.source, subject, e.required);
    if (!value) return std::move(value).error();
    *e.target = std::move(value).value();
  }
  if (f.documentCode.empty()) f.documentCode = "I<";
  auto mrz = lds::buildTd1(f);
  if (!mrz) return std::move(mrz).error();
  return lds::buildDg1(*mrz);
}

Result<Bytes> buildFields(const FileSpec& spec, const CardSubject& subject) {
  std::vector<lds::FieldItem> items;
  for (const auto& item : spec.items) {
    auto value = resolve(item.source, subject, !item.optional);
    if (!value) return std::move(value).error();
    if (value->empty()) continue;
    items.push_back({item.tag, std::move(value).value()});
  }
  return lds::buildFieldDataGroup(lds::dataGroupTag(spec.dataGroup), items, spec.tagList);
}

}  // namespace

Result<std::size_t> fileSizeFor(const Profile& profile, const FileSpec& spec,
                                std::size_t contentSize) {
  if (spec.size) {
    if (contentSize > *spec.size) {
      return contentError(spec, "the content (" + std::to_string(contentSize) +
                                    " bytes) is larger than the profile's fixed size (" +
                                    std::to_string(*spec.size) + " bytes)");
    }
    return *spec.size;
  }
  const std::size_t size = contentSize + profile.sizeMargin;
  if (size > 65535) {
    return contentError(spec, "the content (" + std::to_string(contentSize) +
                                  " bytes) exceeds the largest EF (65535 bytes)");
  }
  return size;
}

Result<std::vector<BuiltFile>> buildFiles(const Profile& profile, const CardSubject& subject) {
  std::vector<BuiltFile> out;
  std::vector<tlv::Tag> dgTags;
  /* Data groups first (EF.COM lists the ones actually written). */
  for (const auto& spec : profile.files) {
    if (spec.dataGroup == 0) continue;
    Result<Bytes> content = Bytes{};
    switch (spec.content) {
      case ContentKind::MrzTd1:
        content = buildMrz(spec, subject);
        break;
      case ContentKind::Face:
        if (subject.photo_jpeg.empty()) {
          if (spec.optional) continue;
          return contentError(spec, "the job has no face photo");
        }
        content = lds::buildDg2(subject.photo_jpeg);
        break;
      case ContentKind::Fingerprints:
        if (subject.fingerprints.empty()) {
          if (spec.optional) continue;
          return contentError(spec, "the job has no fingerprint templates");
        }
        content = lds::buildDg3(subject.fingerprints, spec.biometricFormat);
        break;
      case ContentKind::Fields:
        content = buildFields(spec, subject);
        break;
      case ContentKind::Com:
      case ContentKind::Sod:
        break;
    }
    if (!content) return contentError(spec, content.error().message);
    auto size = fileSizeFor(profile, spec, content->size());
    if (!size) return std::move(size).error();
    dgTags.push_back(lds::dataGroupTag(spec.dataGroup));
    out.push_back({&spec, std::move(content).value(), *size});
  }
  /* EF.COM, if the profile has one, goes where the profile put it. */
  if (const auto* com = profile.findFile("EF.COM")) {
    auto content = lds::buildEfCom(dgTags);
    if (!content) return std::move(content).error();
    auto size = fileSizeFor(profile, *com, content->size());
    if (!size) return std::move(size).error();
    BuiltFile file{com, std::move(content).value(), *size};
    std::size_t position = 0;
    for (const auto& spec : profile.files) {
      if (&spec == com) break;
      if (position < out.size() && out[position].spec == &spec) ++position;
    }
    out.insert(out.begin() + static_cast<std::ptrdiff_t>(position), std::move(file));
  }
  return out;
}

Result<lds::LdsSecurityObject> securityObjectFor(const std::vector<BuiltFile>& files,
                                                 lds::HashAlgorithm algorithm) {
  lds::LdsSecurityObject object;
  object.algorithm = algorithm;
  for (const auto& file : files) {
    if (file.spec->dataGroup == 0) continue;
    auto hash = signing::hashBytes(algorithm, file.content);
    if (!hash) return std::move(hash).error();
    object.hashes.push_back({file.spec->dataGroup, std::move(hash).value()});
  }
  std::sort(object.hashes.begin(), object.hashes.end(),
            [](const auto& a, const auto& b) { return a.number < b.number; });
  return object;
}

}  // namespace cardd::applets::personalisation
