// Reading integers from text strictly: the whole text, nothing before or after.
#pragma once

#include <charconv>
#include <cstdint>
#include <optional>
#include <string_view>

namespace obauth {

// The decimal integer that is all of `text` (a leading '-' allowed), or nullopt (empty, other
// characters, out of range).
inline std::optional<std::int64_t> ParseInt64(std::string_view text) {
  std::int64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || end != text.data() + text.size()) return std::nullopt;
  return value;
}

}  // namespace obauth
