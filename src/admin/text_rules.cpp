#include "admin/text_rules.hpp"

#include <algorithm>

namespace obauth::admin {
namespace {

// Code points in valid UTF-8 (the JSON parser has already rejected invalid UTF-8).
std::size_t CharCount(std::string_view text) {
  return static_cast<std::size_t>(std::count_if(text.begin(), text.end(), [](char c) {
    return (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  }));
}

bool HasControlChars(std::string_view text, bool allow_line_breaks) {
  return std::any_of(text.begin(), text.end(), [&](char ch) {
    const auto c = static_cast<unsigned char>(ch);
    if (allow_line_breaks && (c == '\n' || c == '\r' || c == '\t')) return false;
    return c < 0x20 || c == 0x7F;
  });
}

}  // namespace

Error InvalidField(std::string_view field, std::string_view rule) {
  return MakeError(ErrorCode::kValidation,
                   "Invalid field '" + std::string(field) + "': " + std::string(rule));
}

Result<std::string> CheckText(std::string_view field, const std::string& value,
                              std::size_t max_chars, bool allow_line_breaks) {
  const std::size_t chars = CharCount(value);
  if (chars == 0 || chars > max_chars) {
    return InvalidField(field, "must be 1 to " + std::to_string(max_chars) + " characters");
  }
  if (HasControlChars(value, allow_line_breaks)) {
    return InvalidField(field, "must not contain control characters");
  }
  if (std::all_of(value.begin(), value.end(),
                  [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; })) {
    return InvalidField(field, "must not be blank");
  }
  return value;
}

}  // namespace obauth::admin
