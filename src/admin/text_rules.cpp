#include "admin/text_rules.hpp"

#include <algorithm>

#include "core/utf8.hpp"

namespace obauth::admin {
namespace {

// Code points in valid UTF-8 (the JSON parser has already rejected invalid UTF-8).
std::size_t CharCount(std::string_view text) {
  return static_cast<std::size_t>(std::count_if(text.begin(), text.end(), [](char c) {
    return (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  }));
}

// C0 and C1 controls, DEL and bidirectional formatting characters (core/utf8.hpp).
bool HasControlChars(std::string_view text, bool allow_line_breaks) {
  while (!text.empty()) {
    const CodePoint c = FirstCodePoint(text);
    text.remove_prefix(c.bytes);
    if (allow_line_breaks && (c.value == '\n' || c.value == '\r' || c.value == '\t')) continue;
    if (c.value == CodePoint::kInvalid || IsControlOrBidi(c.value)) return true;
  }
  return false;
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
    return InvalidField(field,
                        "must not contain control characters or bidirectional formatting "
                        "characters (C0, C1, U+061C, U+200E-U+200F, U+202A-U+202E, U+2066-U+2069)");
  }
  if (std::all_of(value.begin(), value.end(),
                  [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; })) {
    return InvalidField(field, "must not be blank");
  }
  return value;
}

}  // namespace obauth::admin
