#pragma once
// Strict RFC 4648 base64 (standard alphabet, '=' padding required, no
// whitespace). Used to check photos and fingerprint templates at submit time.

#include <optional>
#include <string>
#include <string_view>

namespace cardd {

// The decoded bytes, or nullopt when `text` is not strict base64.
std::optional<std::string> decodeBase64(std::string_view text);

std::string encodeBase64(std::string_view bytes);

}  // namespace cardd
