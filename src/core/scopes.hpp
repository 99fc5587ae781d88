// The scope vocabulary: the partner admin scope and the eight Flinks data scopes
// (reference §3.2, §4). Constants and pure functions only.
#pragma once

#include <array>
#include <string>
#include <string_view>
#include <vector>

namespace obauth {

inline constexpr std::string_view kAdminScope = "client:admin";

// In the documented order, which is also the canonical order of stored scope strings.
inline constexpr std::array<std::string_view, 8> kDataScopes = {
    "ACCOUNT_BASIC", "ACCOUNT_DETAILED", "ACCOUNT_PAYMENTS", "INVESTMENTS",
    "TRANSACTIONS",  "STATEMENTS",       "CUSTOMER_CONTACT", "CUSTOMER_PERSONAL"};
inline constexpr std::string_view kMandatoryDataScope = "ACCOUNT_BASIC";

// The non-empty tokens of a space-separated scope string (RFC 6749 §3.3), in order.
inline std::vector<std::string> SplitScopes(std::string_view text) {
  std::vector<std::string> out;
  std::size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && text[i] == ' ') ++i;
    std::size_t j = i;
    while (j < text.size() && text[j] != ' ') ++j;
    if (j > i) out.emplace_back(text.substr(i, j - i));
    i = j;
  }
  return out;
}

inline std::string JoinScopes(const std::vector<std::string>& scopes) {
  std::string out;
  for (const auto& s : scopes) {
    if (!out.empty()) out.push_back(' ');
    out += s;
  }
  return out;
}

}  // namespace obauth
