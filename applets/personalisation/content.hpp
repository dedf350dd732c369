#pragma once
// Turning a profile and a CardSubject into the bytes of each file: the data
// groups, EF.COM, and the LDSSecurityObject over them (signing is the
// personaliser's step). Pure; thread-safe. Errors name the file and the
// field, never a field's value.

#include <string>
#include <vector>

#include "common/bytes.hpp"
#include "core/card_subject.hpp"
#include "core/result.hpp"
#include "lds/security_object.hpp"
#include "profile.hpp"

namespace cardd::applets::personalisation {

struct BuiltFile {
  const FileSpec* spec = nullptr;  // points into the profile
  Bytes content;
  std::size_t fileSize = 0;  // the EF size to create (content + margin, or fixed)
};

// Every file of the profile except EF.SOD, in profile order; optional files
// whose source is empty are left out. Errors (InvalidArgument): a required
// field missing from the subject, a value that does not fit (MRZ), a face
// photo that is not a JPEG, content larger than a fixed file size.
Result<std::vector<BuiltFile>> buildFiles(const Profile& profile, const CardSubject& subject);

// The LDSSecurityObject over the data groups among `files` (EF.COM is not
// hashed, as ICAO 9303 says).
Result<lds::LdsSecurityObject> securityObjectFor(const std::vector<BuiltFile>& files,
                                                 lds::HashAlgorithm algorithm);

// The EF size for `content` under `spec` (and the profile's margin).
Result<std::size_t> fileSizeFor(const Profile& profile, const FileSpec& spec,
                                std::size_t contentSize);

}  // namespace cardd::applets::personalisation
