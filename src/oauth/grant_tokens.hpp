// Authorization codes and refresh tokens: "<id>.<secret>". The id names the stored row (a code's
// time-ordered id, a connection's id), so that new rows append to their index instead of landing
// on a random page of it; the secret is 256 random bits in base64url. The database keeps only
// the keyed hash of the whole token, and a lookup needs both the id and that hash.
#pragma once

#include <string_view>

#include "core/error.hpp"
#include "core/secret.hpp"

namespace obauth::oauth {

// A new token of the row `id` (which holds no '.').
[[nodiscard]] Result<Secret> NewGrantToken(std::string_view id);

// The id a token starts with, or empty when it has no '.', nothing before it, or nothing after.
[[nodiscard]] std::string_view GrantTokenId(std::string_view token);

}  // namespace obauth::oauth
