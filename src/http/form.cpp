#include "http/form.hpp"

#include "crypto/base64url.hpp"

namespace obauth::http {
namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

char Lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

}  // namespace

std::optional<std::string> FormDecode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '+') {
      out.push_back(' ');
    } else if (c == '%') {
      if (i + 2 >= text.size()) return std::nullopt;
      const int hi = HexValue(text[i + 1]);
      const int lo = HexValue(text[i + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      out.push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else {
      out.push_back(c);
    }
  }
  return out;
}

std::optional<std::vector<std::pair<std::string, std::string>>> ParseForm(std::string_view body) {
  std::vector<std::pair<std::string, std::string>> out;
  std::size_t start = 0;
  while (start <= body.size()) {
    const std::size_t end = std::min(body.find('&', start), body.size());
    const std::string_view piece = body.substr(start, end - start);
    if (!piece.empty()) {
      const std::size_t eq = piece.find('=');
      auto name = FormDecode(piece.substr(0, eq));
      auto value =
          FormDecode(eq == std::string_view::npos ? std::string_view() : piece.substr(eq + 1));
      if (!name || !value) return std::nullopt;
      out.emplace_back(std::move(*name), std::move(*value));
    }
    start = end + 1;
  }
  return out;
}

bool HasAuthScheme(std::string_view header_value, std::string_view scheme) {
  if (header_value.size() <= scheme.size() || header_value[scheme.size()] != ' ') return false;
  for (std::size_t i = 0; i < scheme.size(); ++i) {
    if (Lower(header_value[i]) != Lower(scheme[i])) return false;
  }
  return true;
}

std::optional<BasicCredentials> ParseBasicAuth(std::string_view header_value) {
  std::string_view encoded = header_value.substr(header_value.find(' ') + 1);
  while (!encoded.empty() && encoded.front() == ' ') encoded.remove_prefix(1);
  while (!encoded.empty() && encoded.back() == ' ') encoded.remove_suffix(1);
  const auto decoded = crypto::Base64Decode(encoded);
  if (!decoded) return std::nullopt;
  const std::size_t colon = decoded->find(':');
  if (colon == std::string::npos) return std::nullopt;
  auto user = FormDecode(std::string_view(*decoded).substr(0, colon));
  auto password = FormDecode(std::string_view(*decoded).substr(colon + 1));
  if (!user || !password || user->empty()) return std::nullopt;
  return BasicCredentials{std::move(*user), std::move(*password)};
}

}  // namespace obauth::http
