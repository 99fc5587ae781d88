// RFC 3339 timestamps in UTC with second precision ("2026-11-26T15:56:17Z"). Pure functions.
#pragma once

#include <cstdint>
#include <ctime>
#include <string>

namespace obauth {

inline std::string FormatRfc3339(std::int64_t unix_seconds) {
  const std::time_t t = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buffer[32];
  const std::size_t n = std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return std::string(buffer, n);
}

}  // namespace obauth
