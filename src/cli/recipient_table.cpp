#include "cli/recipient_table.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <boost/json/serialize.hpp>
#include <cstdint>
#include <utility>
#include <vector>

#include "core/utf8.hpp"

namespace obauth::cli {
namespace {

namespace json = boost::json;

constexpr std::string_view kShownOnce =
    "is shown only once: store it now (the server keeps only a hash of it).";

// The order of docs/api.md; anything else the server adds follows.
constexpr std::array<std::string_view, 14> kDetailOrder = {
    "client_id",
    "name",
    "scope",
    "redirect_uris",
    "logo_uri",
    "description",
    "terms_uri",
    "client_uri",
    "country",
    "contacts",
    "secret_last_used_at",
    "previous_secret_expires_at",
    "previous_secret_last_used_at",
    "previous_secret_authentications",
};

Error Unexpected(std::string what) {
  return MakeError(ErrorCode::kInternal, "Unexpected answer from the server: " + std::move(what) +
                                             " (--json prints it as received)");
}

// The lines of one value: strings as they are, lists one item a line, contacts by email.
std::vector<std::string> ValueLines(const json::value& v) {
  if (v.is_null()) return {"-"};
  if (v.is_string()) return {Printable(v.get_string())};
  if (v.is_array()) {
    std::vector<std::string> lines;
    for (const json::value& item : v.get_array()) {
      const json::value* email =
          item.is_object() ? item.get_object().if_contains("email") : nullptr;
      if (email != nullptr && email->is_string() && item.get_object().size() == 1) {
        lines.push_back(Printable(email->get_string()));
      } else if (item.is_string()) {
        lines.push_back(Printable(item.get_string()));
      } else {
        lines.push_back(Printable(json::serialize(item)));
      }
    }
    if (lines.empty()) lines.push_back("-");
    return lines;
  }
  return {Printable(json::serialize(v))};
}

// "label  value" lines with the values in one column.
std::string Fields(const std::vector<std::pair<std::string, const json::value*>>& fields) {
  std::size_t width = 0;
  for (const auto& field : fields) width = std::max(width, DisplayWidth(field.first));
  std::string out;
  for (const auto& field : fields) {
    const std::vector<std::string> lines = ValueLines(*field.second);
    for (std::size_t i = 0; i < lines.size(); ++i) {
      const std::string label = i == 0 ? field.first : std::string();
      out += label + std::string(width + 2 - DisplayWidth(label), ' ') + lines[i] + "\n";
    }
  }
  return out;
}

std::string StringOr(const json::object& o, std::string_view name, std::string_view fallback) {
  const json::value* v = o.if_contains(name);
  return v != nullptr && v->is_string() ? Printable(v->get_string()) : std::string(fallback);
}

}  // namespace

std::string Printable(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  while (!text.empty()) {
    const CodePoint c = FirstCodePoint(text);
    if (c.value == '\n') {
      out += "\\n";
    } else if (c.value == '\t') {
      out += "\\t";
    } else if (c.value == CodePoint::kInvalid || (c.value < 0x80 && IsControlOrBidi(c.value))) {
      out += fmt::format("\\x{:02x}", static_cast<unsigned char>(text[0]));
    } else if (IsControlOrBidi(c.value)) {
      out += fmt::format("\\u{{{:04x}}}", static_cast<std::uint32_t>(c.value));
    } else {
      out.append(text.substr(0, c.bytes));
    }
    text.remove_prefix(c.bytes);
  }
  return out;
}

std::size_t DisplayWidth(std::string_view text) {
  return static_cast<std::size_t>(std::count_if(text.begin(), text.end(), [](char c) {
    return (static_cast<unsigned char>(c) & 0xC0) != 0x80;  // not a UTF-8 continuation byte
  }));
}

Result<std::string> RenderRecipientList(const json::value& list) {
  if (!list.is_array()) return Unexpected("the recipient list is not an array");
  if (list.get_array().empty()) {
    return std::string("No recipients yet; create one with `obauth recipients create`.\n");
  }
  std::vector<std::array<std::string, 4>> rows = {{"CLIENT ID", "NAME", "COUNTRY", "CLIENT URI"}};
  for (const json::value& item : list.get_array()) {
    if (!item.is_object()) return Unexpected("a recipient in the list is not an object");
    const json::object& r = item.get_object();
    rows.push_back({StringOr(r, "client_id", "?"), StringOr(r, "name", "-"),
                    StringOr(r, "country", "-"), StringOr(r, "client_uri", "-")});
  }
  std::array<std::size_t, 4> widths{};
  for (const auto& row : rows) {
    for (std::size_t c = 0; c < row.size(); ++c) {
      widths[c] = std::max(widths[c], DisplayWidth(row[c]));
    }
  }
  std::string out;
  for (const auto& row : rows) {
    std::string line;
    for (std::size_t c = 0; c < row.size(); ++c) {
      line += row[c];
      if (c + 1 < row.size()) line += std::string(widths[c] + 2 - DisplayWidth(row[c]), ' ');
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out += line + "\n";
  }
  return out;
}

Result<std::string> RenderRecipient(const json::value& recipient) {
  const json::object* o = recipient.if_object();
  if (o == nullptr || !o->contains("client_id")) {
    return Unexpected("the recipient is not an object with a client_id");
  }
  std::vector<std::pair<std::string, const json::value*>> fields;
  for (const std::string_view name : kDetailOrder) {
    if (const json::value* v = o->if_contains(name)) fields.emplace_back(std::string(name), v);
  }
  for (const auto& member : *o) {
    const std::string_view key = member.key();
    if (key == "client_secret") continue;
    if (std::find(kDetailOrder.begin(), kDetailOrder.end(), key) == kDetailOrder.end()) {
      fields.emplace_back(Printable(key), &member.value());
    }
  }
  const json::value* secret = o->if_contains("client_secret");
  if (secret != nullptr) fields.emplace_back("client_secret", secret);
  std::string out = Fields(fields);
  if (secret != nullptr) out += "\nThe client secret " + std::string(kShownOnce) + "\n";
  return out;
}

Result<std::string> RenderIssuedSecret(const json::value& issued) {
  const json::object* o = issued.if_object();
  if (o == nullptr || !o->contains("client_id") || !o->contains("client_secret")) {
    return Unexpected("the new secret is not an object with client_id and client_secret");
  }
  std::vector<std::pair<std::string, const json::value*>> fields;
  for (const auto& member : *o) fields.emplace_back(Printable(member.key()), &member.value());
  std::string out = Fields(fields);
  out += "\nThe new client secret " + std::string(kShownOnce) + "\n";
  const json::value* until = o->if_contains("previous_secret_expires_at");
  if (until != nullptr && until->is_string()) {
    out += "The previous secret keeps working until " + Printable(until->get_string()) +
           "; end it early with `obauth recipients delete-previous-secret " +
           StringOr(*o, "client_id", "?") + "`.\n";
  } else {
    out += "The previous secret no longer works.\n";
  }
  return out;
}

}  // namespace obauth::cli
