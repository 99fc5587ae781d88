// CSPRNG-backed random values (OpenSSL RAND_bytes). Thread-safe.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "core/error.hpp"

namespace obauth::crypto {

// `n` bytes from the CSPRNG, or kInternal if the generator fails.
[[nodiscard]] Result<std::string> RandomBytes(std::size_t n);

// `n` (at most 256) bytes for public unique identifiers such as a token's jti, never for
// secrets: CSPRNG output served from a per-thread buffer refilled 4 KiB at a time, which
// costs a copy instead of a generator call (and its getpid system call) per identifier.
// The process must not fork after first use (obauth never does).
[[nodiscard]] Result<std::string> RandomIdBytes(std::size_t n);

// A public identifier of 22 characters that sorts by creation: 11 lowercase hex digits of the
// time in milliseconds (until the year 2527), then 11 base64url characters of 64 random bits
// (RandomIdBytes). Rows keyed by such ids are appended to the end of their index instead of
// landing on a random page of it.
[[nodiscard]] Result<std::string> TimeOrderedId();

// `length` characters drawn uniformly (rejection sampling, no modulo bias) from `alphabet`
// (1 to 256 distinct characters), or kInternal if the generator fails.
[[nodiscard]] Result<std::string> RandomString(std::size_t length, std::string_view alphabet);

inline constexpr std::string_view kLowerAlnum = "abcdefghijklmnopqrstuvwxyz0123456789";

}  // namespace obauth::crypto
