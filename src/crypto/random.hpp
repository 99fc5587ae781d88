// CSPRNG-backed random values (OpenSSL RAND_bytes). Thread-safe.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "core/error.hpp"

namespace obauth::crypto {

// `n` bytes from the CSPRNG, or kInternal if the generator fails.
[[nodiscard]] Result<std::string> RandomBytes(std::size_t n);

// `length` characters drawn uniformly (rejection sampling, no modulo bias) from `alphabet`
// (1 to 256 distinct characters), or kInternal if the generator fails.
[[nodiscard]] Result<std::string> RandomString(std::size_t length, std::string_view alphabet);

inline constexpr std::string_view kLowerAlnum = "abcdefghijklmnopqrstuvwxyz0123456789";

}  // namespace obauth::crypto
