// Rules shared by every free-text field of the admin model (names, descriptions) and the way
// new client ids are drawn. Pure functions; thread-safe.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "core/error.hpp"
#include "crypto/random.hpp"

namespace obauth::admin {

// kValidation "Invalid field 'FIELD': RULE".
Error InvalidField(std::string_view field, std::string_view rule);

// `value` when it has 1 to `max_chars` code points, no control characters (line breaks and tabs
// allowed when `allow_line_breaks`) and is not blank; kValidation naming `field` and the rule
// otherwise.
[[nodiscard]] Result<std::string> CheckText(std::string_view field, const std::string& value,
                                            std::size_t max_chars, bool allow_line_breaks);

// Runs `insert(id)` with fresh ids `prefix` + 25 characters of [a-z0-9] until one is not taken
// (kConflict; a collision of 129-bit ids is practically impossible, but a retry costs nothing);
// the id inserted, or the first other error.
template <class Insert>
[[nodiscard]] Result<std::string> InsertWithNewId(std::string_view prefix, Insert&& insert) {
  constexpr int kAttempts = 3;
  for (int attempt = 0;; ++attempt) {
    OBAUTH_TRY(suffix, crypto::RandomString(25, crypto::kLowerAlnum));
    std::string id = std::string(prefix) + suffix;
    auto inserted = insert(id);
    if (inserted) return id;
    if (inserted.error().code != ErrorCode::kConflict || attempt + 1 == kAttempts) {
      return inserted.error();
    }
  }
}

}  // namespace obauth::admin
