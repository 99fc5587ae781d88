#include "app/catalogue_file.hpp"

#include <algorithm>
#include <boost/json.hpp>
#include <boost/url/parse.hpp>
#include <map>
#include <optional>

#include "admin/recipient_input.hpp"
#include "core/scopes.hpp"

namespace obauth::app {
namespace {

namespace json = boost::json;

// Where each element of the top-level JSON array starts, as a 1-based line number. The text is
// valid JSON (parsed before), so only strings and nesting need tracking.
std::vector<int> ElementLines(std::string_view text) {
  std::vector<int> lines;
  int line = 1;
  int depth = 0;
  bool in_string = false;
  bool escaped = false;
  bool expect_element = false;
  for (const char c : text) {
    if (c == '\n') ++line;
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n') continue;
    if (depth == 1 && expect_element && c != ']') {
      lines.push_back(line);
      expect_element = false;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth == 1) expect_element = true;
    } else if (c == ']' || c == '}') {
      --depth;
    } else if (c == ',' && depth == 1) {
      expect_element = true;
    }
  }
  return lines;
}

bool Printable(std::string_view s) {
  return std::none_of(s.begin(), s.end(),
                      [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; });
}

bool PrintableAscii(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c >= 0x20 && c <= 0x7e; });
}

// The limits of an fdx connector's members (docs/providers.md).
constexpr std::size_t kMaxConnectorUrl = 512;
constexpr std::size_t kMaxAuthorizeParams = 16;
constexpr std::size_t kMaxAuthorizeParamName = 64;
constexpr std::size_t kMaxAuthorizeParamValue = 256;
// The parameters obauth itself puts on its authorize request to the provider, or may (RFC 6749
// §4.1.1, RFC 7636 §4.3, OpenID Connect Core §3.1.2.1, RFC 9101 §5): a catalogue may not set them.
constexpr std::string_view kOwnAuthorizeParams[] = {
    "response_type",         "client_id", "redirect_uri", "scope",      "state", "code_challenge",
    "code_challenge_method", "nonce",     "request",      "request_uri"};

bool EqualsIgnoringCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           const auto lower = [](char c) {
             return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
           };
           return lower(x) == lower(y);
         });
}

// RFC 3986 §3.2.3 allows any run of digits (the parser checked them); a TCP port is 1-65535.
bool ValidPort(std::string_view port) {
  if (port.empty() || port.size() > 5) return false;
  unsigned value = 0;
  for (char c : port) value = value * 10 + static_cast<unsigned>(c - '0');
  return value >= 1 && value <= 65535;
}

// 127.0.0.0/8, ::1 or "localhost": where plain http is allowed, for development and tests.
bool IsLoopbackHost(const boost::urls::url_view& url) {
  switch (url.host_type()) {
    case boost::urls::host_type::ipv4:
      return url.host_ipv4_address().is_loopback();
    case boost::urls::host_type::ipv6:
      return url.host_ipv6_address().is_loopback();
    case boost::urls::host_type::name:
      return EqualsIgnoringCase(url.host(), "localhost");
    case boost::urls::host_type::none:
    case boost::urls::host_type::ipvfuture:
      return false;
  }
  return false;
}

// Why `value`, the connector's member `name`, is not a URL the fdx connector may call, or
// nullopt when it is one. `allow_query`: fdx_base_url may carry one, the issuer may not
// (RFC 8414 §2).
std::optional<std::string> CheckConnectorUrl(std::string_view name, const json::value* value,
                                             bool allow_query) {
  const std::string member = "connector." + std::string(name);
  if (value == nullptr || value->is_null()) return member + " is required: an https URL";
  if (!value->is_string()) return member + " must be a string: an https URL";
  const std::string_view text = value->as_string();
  if (text.size() > kMaxConnectorUrl) {
    return member + " must be at most " + std::to_string(kMaxConnectorUrl) + " characters";
  }
  const auto parsed = boost::urls::parse_uri(text);
  if (!parsed || !parsed->has_authority() || parsed->encoded_host().empty()) {
    return member + " must be an absolute URL with a host, e.g. https://bank.example/";
  }
  const bool https = parsed->scheme_id() == boost::urls::scheme::https;
  const bool http = parsed->scheme_id() == boost::urls::scheme::http;
  if (!https && !(http && IsLoopbackHost(*parsed))) {
    return member + " must be an https URL (http only on a loopback host: 127.0.0.0/8, ::1, " +
           "localhost)";
  }
  if (parsed->has_userinfo()) return member + " must have no user name or password";
  if (parsed->has_port() && !ValidPort(parsed->port())) return member + " has an invalid port";
  if (parsed->has_fragment()) return member + " must have no fragment ('#')";
  if (!allow_query && parsed->has_query()) return member + " must have no query ('?')";
  return std::nullopt;
}

// Why an fdx connector's authorize_params are invalid, or nullopt when they are fine (or absent).
std::optional<std::string> CheckAuthorizeParams(const json::value* value) {
  if (value == nullptr) return std::nullopt;
  const json::object* params = value->if_object();
  if (params == nullptr) {
    return "connector.authorize_params must be an object of parameter names and string values";
  }
  if (params->size() > kMaxAuthorizeParams) {
    return "connector.authorize_params must have at most " + std::to_string(kMaxAuthorizeParams) +
           " members";
  }
  for (const auto& [key, param] : *params) {
    const std::string_view name = key;
    const bool valid_name = !name.empty() && name.size() <= kMaxAuthorizeParamName &&
                            std::all_of(name.begin(), name.end(), [](char c) {
                              return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                                     (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
                            });
    if (!valid_name) {
      return "connector.authorize_params: '" + std::string(name) + "' is not a parameter name (1-" +
             std::to_string(kMaxAuthorizeParamName) +
             " characters of A-Z, a-z, 0-9, '.', '_', '-')";
    }
    // Compared without case: a provider that reads names loosely must not get a second client_id.
    if (std::any_of(std::begin(kOwnAuthorizeParams), std::end(kOwnAuthorizeParams),
                    [&](std::string_view own) { return EqualsIgnoringCase(name, own); })) {
      return "connector.authorize_params." + std::string(name) +
             " is set by obauth itself on the authorize request";
    }
    if (!param.is_string() || param.as_string().size() > kMaxAuthorizeParamValue ||
        !PrintableAscii(param.as_string())) {
      return "connector.authorize_params." + std::string(name) + " must be a string of at most " +
             std::to_string(kMaxAuthorizeParamValue) + " printable ASCII characters";
    }
  }
  return std::nullopt;
}

// The compact JSON of an entry's connector, or why it is invalid.
Result<std::string> ParseConnector(const json::value& value) {
  const auto bad = [](std::string why) { return MakeError(ErrorCode::kValidation, why); };
  const json::object* connector = value.if_object();
  if (connector == nullptr) {
    return bad(R"(connector must be an object, e.g. {"type": "sandbox"})");
  }
  const json::value* type = connector->if_contains("type");
  if (type == nullptr || !type->is_string()) {
    return bad(R"(connector.type must be the string "sandbox" or "fdx")");
  }
  // sandbox: obauth's own fictional bank; fdx: a real provider's OAuth 2.0 server and FDX API,
  // with obauth as its client (docs/providers.md).
  std::vector<std::string_view> known = {"type"};
  if (type->as_string() == "fdx") {
    known.insert(known.end(), {"issuer", "fdx_base_url", "authorize_params"});
  } else if (type->as_string() != "sandbox") {
    return bad("connector.type: '" + std::string(type->as_string()) +
               "' is not a connector type (sandbox, fdx)");
  }
  for (const auto& member : *connector) {
    if (std::find(known.begin(), known.end(), member.key()) == known.end()) {
      return bad("connector: unknown member '" + std::string(member.key()) + "'");
    }
  }
  if (type->as_string() == "fdx") {
    if (auto why = CheckConnectorUrl("issuer", connector->if_contains("issuer"), false)) {
      return bad(std::move(*why));
    }
    if (auto why =
            CheckConnectorUrl("fdx_base_url", connector->if_contains("fdx_base_url"), true)) {
      return bad(std::move(*why));
    }
    if (auto why = CheckAuthorizeParams(connector->if_contains("authorize_params"))) {
      return bad(std::move(*why));
    }
  }
  return json::serialize(*connector);
}

// The provider of one entry, or why it is invalid.
Result<store::Provider> ParseEntry(const json::value& entry, std::int64_t now) {
  const auto bad = [](std::string why) { return MakeError(ErrorCode::kValidation, why); };
  const json::object* o = entry.if_object();
  if (o == nullptr) return bad("not a JSON object");
  static constexpr std::string_view kKnown[] = {
      "provider_id", "name",           "country",       "provider_url",
      "scopes",      "data_inventory", "connectorName", "availableAccountTypes",
      "connector"};
  for (const auto& member : *o) {
    if (std::find(std::begin(kKnown), std::end(kKnown), member.key()) == std::end(kKnown)) {
      return bad("unknown member '" + std::string(member.key()) + "'");
    }
  }
  store::Provider p;
  p.updated_at = now;
  const json::value* id = o->if_contains("provider_id");
  if (id == nullptr) return bad("provider_id is missing");
  if (id->is_int64() && id->as_int64() > 0) {
    p.provider_id = id->as_int64();
  } else if (id->is_uint64() && id->as_uint64() <= static_cast<std::uint64_t>(INT64_MAX)) {
    p.provider_id = static_cast<std::int64_t>(id->as_uint64());
  } else {
    return bad("provider_id must be a positive integer");
  }
  const json::value* name = o->if_contains("name");
  if (name == nullptr || !name->is_string() || name->as_string().empty() ||
      name->as_string().size() > 256 || !Printable(name->as_string())) {
    return bad("name must be a string of 1-256 printable characters");
  }
  p.name = name->as_string();
  const json::value* country = o->if_contains("country");
  if (country == nullptr || !country->is_string() ||
      (country->as_string() != "CA" && country->as_string() != "US")) {
    return bad("country must be \"CA\" or \"US\"");
  }
  p.country = country->as_string();
  if (const json::value* url = o->if_contains("provider_url"); url != nullptr && !url->is_null()) {
    if (!url->is_string() || !admin::IsHttpsUrl(url->as_string(), false)) {
      return bad("provider_url must be an https URL");
    }
    p.provider_url = std::string(url->as_string());
  }
  const json::value* scopes = o->if_contains("scopes");
  if (scopes == nullptr || !scopes->is_array() || scopes->as_array().empty()) {
    return bad("scopes must be a non-empty array of data scopes");
  }
  std::vector<std::string> granted;
  for (const auto& s : scopes->as_array()) {
    const json::string* text = s.if_string();
    if (text == nullptr || std::find(kDataScopes.begin(), kDataScopes.end(),
                                     std::string_view(*text)) == kDataScopes.end()) {
      return bad(
          "scopes: " + (text ? "'" + std::string(*text) + "'" : std::string("a non-string")) +
          " is not a data scope (ACCOUNT_BASIC, ACCOUNT_DETAILED, ...)");
    }
    granted.emplace_back(*text);
  }
  std::vector<std::string> canonical;
  for (const auto scope : kDataScopes) {
    if (std::find(granted.begin(), granted.end(), scope) != granted.end()) {
      canonical.emplace_back(scope);
    }
  }
  p.scope = JoinScopes(canonical);
  json::object inventory;
  if (const json::value* v = o->if_contains("data_inventory"); v != nullptr) {
    if (!v->is_object()) return bad("data_inventory must be an object of arrays of field names");
    for (const auto& [category, fields] : v->as_object()) {
      if (category.empty() || !fields.is_array() ||
          std::any_of(fields.as_array().begin(), fields.as_array().end(),
                      [](const json::value& f) { return !f.is_string(); })) {
        return bad("data_inventory must be an object of arrays of field names");
      }
    }
    inventory = v->as_object();
  }
  p.data_inventory = json::serialize(inventory);
  if (const json::value* v = o->if_contains("connectorName"); v != nullptr && !v->is_null()) {
    if (!v->is_string() || v->as_string().empty() || v->as_string().size() > 64 ||
        !Printable(v->as_string())) {
      return bad("connectorName must be a string of 1-64 printable characters");
    }
    p.connector_name = std::string(v->as_string());
  }
  json::object account_types;
  if (const json::value* v = o->if_contains("availableAccountTypes"); v != nullptr) {
    if (!v->is_object()) return bad("availableAccountTypes must be an object");
    for (const auto& [type, available] : v->as_object()) {
      // §5.4 writes these booleans as strings.
      if (!available.is_string() ||
          (available.as_string() != "true" && available.as_string() != "false")) {
        return bad("availableAccountTypes." + std::string(type) +
                   " must be the string \"true\" or \"false\"");
      }
    }
    account_types = v->as_object();
  }
  p.account_types = json::serialize(account_types);
  if (const json::value* v = o->if_contains("connector"); v != nullptr && !v->is_null()) {
    OBAUTH_TRY(connector, ParseConnector(*v));
    p.connector = std::move(connector);
  }
  return p;
}

}  // namespace

Result<std::vector<store::Provider>> ParseCatalogue(std::string_view text, std::int64_t now) {
  boost::system::error_code ec;
  json::parse_options options;
  options.max_depth = 8;
  const json::value document = json::parse(text, ec, {}, options);
  if (ec) return MakeError(ErrorCode::kValidation, "not valid JSON: " + ec.message());
  if (!document.is_array()) {
    return MakeError(ErrorCode::kValidation, "the catalogue must be a JSON array of providers");
  }
  const auto& entries = document.as_array();
  const std::vector<int> lines = ElementLines(text);
  std::vector<store::Provider> providers;
  std::map<std::int64_t, int> first_line;
  std::string errors;
  for (std::size_t i = 0; i < entries.size(); ++i) {
    const int line = i < lines.size() ? lines[i] : 0;
    auto parsed = ParseEntry(entries[i], now);
    std::string where = "line " + std::to_string(line) + ": ";
    if (!parsed) {
      if (const auto* o = entries[i].if_object(); o != nullptr && o->contains("provider_id")) {
        where += "provider " + json::serialize(o->at("provider_id")) + ": ";
      }
      errors += where + parsed.error().public_message + "\n";
      continue;
    }
    where += "provider " + std::to_string(parsed->provider_id) + ": ";
    if (auto [it, added] = first_line.emplace(parsed->provider_id, line); !added) {
      errors +=
          where + "provider_id repeats the entry of line " + std::to_string(it->second) + "\n";
      continue;
    }
    providers.push_back(std::move(*parsed));
  }
  if (!errors.empty()) {
    errors.pop_back();
    return MakeError(ErrorCode::kValidation, errors);
  }
  return providers;
}

}  // namespace obauth::app
