// UTF-8 text, code point by code point, and the code points no text field may hold. Pure,
// header-only.
#pragma once

#include <cstddef>
#include <string_view>

namespace obauth {

// A code point and the bytes it takes; kInvalid (one byte) for a byte that starts no valid
// sequence.
struct CodePoint {
  static constexpr char32_t kInvalid = 0xFFFFFFFF;
  char32_t value = kInvalid;
  std::size_t bytes = 1;
};

// The code point that starts `text` (not empty).
inline CodePoint FirstCodePoint(std::string_view text) {
  const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(text[i]); };
  const unsigned char lead = byte(0);
  std::size_t length = 0;
  char32_t value = 0;
  if (lead < 0x80) return {lead, 1};
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
    value = lead & 0x1F;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    value = lead & 0x0F;
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    value = lead & 0x07;
  } else {
    return {};
  }
  if (text.size() < length) return {};
  for (std::size_t i = 1; i < length; ++i) {
    if ((byte(i) & 0xC0) != 0x80) return {};
    value = (value << 6) | (byte(i) & 0x3F);
  }
  const bool overlong = (length == 3 && value < 0x800) || (length == 4 && value < 0x10000);
  if (overlong || value > 0x10FFFF || (value >= 0xD800 && value <= 0xDFFF)) return {};
  return {value, length};
}

// True for what a display hides or acts on instead of showing: the C0 and C1 control
// characters and DEL, and the bidirectional formatting characters (U+061C, U+200E, U+200F,
// U+202A-U+202E, U+2066-U+2069), which reorder the text around them: "abc\u202Egnp.exe" shows
// as "abcexe.png".
constexpr bool IsControlOrBidi(char32_t c) {
  return c < 0x20 || (c >= 0x7F && c <= 0x9F) || c == 0x061C || c == 0x200E || c == 0x200F ||
         (c >= 0x202A && c <= 0x202E) || (c >= 0x2066 && c <= 0x2069);
}

}  // namespace obauth
