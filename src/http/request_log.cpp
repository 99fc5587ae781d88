#include "http/request_log.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <string_view>

#include "http/form.hpp"

namespace obauth::http {
namespace {

// Header names (lower case) whose values are logged. Authorization, Cookie and anything unknown
// are not.
constexpr std::array<std::string_view, 13> kShownHeaders = {"accept",
                                                            "accept-encoding",
                                                            "connection",
                                                            "content-length",
                                                            "content-type",
                                                            "expect",
                                                            "host",
                                                            "te",
                                                            "transfer-encoding",
                                                            "user-agent",
                                                            "x-forwarded-for",
                                                            "x-forwarded-proto",
                                                            "x-request-id"};

// Form fields whose values are logged: the ones RFC 6749 and RFC 7662 define as non-secret.
constexpr std::array<std::string_view, 5> kShownFields = {"grant_type", "client_id", "scope",
                                                          "token_type_hint", "audience"};

std::string Lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

bool Contains(const auto& list, std::string_view name) {
  return std::find(list.begin(), list.end(), name) != list.end();
}

void AppendEscaped(std::string& out, std::string_view text, std::size_t max_bytes) {
  const std::size_t shown = std::min(text.size(), max_bytes);
  for (unsigned char c : text.substr(0, shown)) {
    if (c < 0x20 || c >= 0x7f || c == '"' || c == '\\') {
      out += fmt::format("\\x{:02x}", c);
    } else {
      out.push_back(static_cast<char>(c));
    }
  }
  if (shown < text.size()) out += fmt::format("...[+{} bytes]", text.size() - shown);
}

// `text` quoted and escaped as ForLog does.
void AppendQuoted(std::string& out, std::string_view text) {
  out.push_back('"');
  AppendEscaped(out, text, kMaxLoggedBytes);
  out.push_back('"');
}

// Names are shown escaped too (they come from the client).
void AppendPair(std::string& out, std::string_view name, std::string_view value, bool shown) {
  if (out.back() != '{') out.push_back(' ');
  std::string quoted;
  AppendQuoted(quoted, name);
  out.append(quoted, 1, quoted.size() - 2);
  out.push_back('=');
  if (shown) {
    AppendQuoted(out, value);
  } else {
    out += fmt::format("[{} bytes]", value.size());
  }
}

}  // namespace

std::string DescribeRequestForLog(const Request& request) {
  std::string out = "target=";
  AppendQuoted(out, request.target());
  out += " headers={";
  for (const auto& field : request) {
    const std::string name = Lower(field.name_string());
    AppendPair(out, name, field.value(), Contains(kShownHeaders, name));
  }
  out.push_back('}');
  const auto type = request.find(boost::beast::http::field::content_type);
  if (type != request.end() &&
      Lower(type->value()).starts_with("application/x-www-form-urlencoded")) {
    if (auto form = ParseForm(request.body())) {
      out += " form={";
      for (const auto& [name, value] : *form) {
        AppendPair(out, name, value, Contains(kShownFields, name));
      }
      out.push_back('}');
    }
  }
  out += fmt::format(" body_bytes={}", request.body().size());
  return out;
}

std::string ForLog(std::string_view text, std::size_t max_bytes) {
  std::string out;
  AppendEscaped(out, text, max_bytes);
  return out;
}

}  // namespace obauth::http
