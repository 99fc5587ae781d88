#include "http/json_codec.hpp"

#include <algorithm>
#include <boost/json.hpp>
#include <boost/json/basic_parser_impl.hpp>

#include "core/json_text.hpp"
#include "core/scopes.hpp"
#include "core/time_format.hpp"

namespace obauth::http {
namespace json = boost::json;
namespace {

Error Invalid(std::string message) { return MakeError(ErrorCode::kValidation, std::move(message)); }
Error WrongType(std::string_view field, std::string_view expected) {
  return Invalid("Invalid field '" + std::string(field) + "': must be " + std::string(expected));
}

// A basic_parser handler that builds nothing and checks what json::parse does not: no object
// has more than kMaxJsonMembers members (the parser stops at the next one), and no member name is
// repeated within one object (Boost.JSON keeps the last of repeated names silently; a body such as
// {"scope":"ACCOUNT_BASIC","scope":"..."} is ambiguous and is refused instead). The names of an
// object are sorted once at its end, so the cost is O(n log n) in the body, whatever its shape.
class MemberChecker {
 public:
  static constexpr std::size_t max_object_size = kMaxJsonMembers;
  static constexpr std::size_t max_array_size = std::size_t(-1);
  static constexpr std::size_t max_key_size = std::size_t(-1);
  static constexpr std::size_t max_string_size = std::size_t(-1);

  std::optional<std::string> problem;

  bool on_document_begin(boost::system::error_code&) { return true; }
  bool on_document_end(boost::system::error_code&) { return true; }
  bool on_object_begin(boost::system::error_code&) {
    objects_.emplace_back();
    return true;
  }
  bool on_object_end(std::size_t, boost::system::error_code& ec) {
    auto& names = objects_.back();
    std::sort(names.begin(), names.end());
    if (auto twice = std::adjacent_find(names.begin(), names.end()); twice != names.end()) {
      return Stop("member '" + *twice + "' appears twice", ec);
    }
    objects_.pop_back();
    return true;
  }
  bool on_array_begin(boost::system::error_code&) { return true; }
  bool on_array_end(std::size_t, boost::system::error_code&) { return true; }
  bool on_key_part(std::string_view part, std::size_t, boost::system::error_code&) {
    key_.append(part);
    return true;
  }
  bool on_key(std::string_view part, std::size_t, boost::system::error_code&) {
    key_.append(part);
    objects_.back().push_back(std::move(key_));
    key_.clear();
    return true;
  }
  bool on_string_part(std::string_view, std::size_t, boost::system::error_code&) { return true; }
  bool on_string(std::string_view, std::size_t, boost::system::error_code&) { return true; }
  bool on_number_part(std::string_view, boost::system::error_code&) { return true; }
  bool on_int64(std::int64_t, std::string_view, boost::system::error_code&) { return true; }
  bool on_uint64(std::uint64_t, std::string_view, boost::system::error_code&) { return true; }
  bool on_double(double, std::string_view, boost::system::error_code&) { return true; }
  bool on_bool(bool, boost::system::error_code&) { return true; }
  bool on_null(boost::system::error_code&) { return true; }
  bool on_comment_part(std::string_view, boost::system::error_code&) { return true; }
  bool on_comment(std::string_view, boost::system::error_code&) { return true; }

 private:
  bool Stop(std::string why, boost::system::error_code& ec) {
    problem = std::move(why);
    ec = json::error::syntax;  // stop parsing: the answer is known
    return false;
  }

  std::vector<std::vector<std::string>> objects_;
  std::string key_;
};

Result<json::object> ParseObject(std::string_view body, ErrorCode code) {
  json::parse_options options;
  options.max_depth = kMaxJsonDepth;
  // The cheap pass first: it builds nothing, so a hostile body costs no allocation of a value
  // tree. Its syntax errors are left to json::parse, whose messages name them.
  json::basic_parser<MemberChecker> checker(options);
  boost::system::error_code ec;
  checker.write_some(false, body.data(), body.size(), ec);
  if (auto problem = checker.handler().problem) {
    return MakeError(code, "Malformed JSON body: " + *problem);
  }
  if (ec == json::error::object_too_large) {
    return MakeError(code, "Malformed JSON body: an object has more than " +
                               std::to_string(kMaxJsonMembers) + " members");
  }
  json::value value = json::parse(body, ec, {}, options);
  if (ec) return MakeError(code, "Malformed JSON body: " + ec.message());
  if (!value.is_object()) return MakeError(code, "The JSON body must be an object");
  return std::move(value.as_object());
}

template <class T, class Convert>
Result<void> Decode(const json::object& object, std::string_view name, admin::Field<T>& field,
                    Convert&& convert) {
  const json::value* v = object.if_contains(name);
  if (v == nullptr) return {};
  field.present = true;
  if (v->is_null()) return {};
  OBAUTH_TRY(value, convert(*v));
  field.value = std::move(value);
  return {};
}

auto StringOf(std::string_view field) {
  return [field](const json::value& v) -> Result<std::string> {
    if (!v.is_string()) return WrongType(field, "a string");
    return std::string(v.get_string());
  };
}

// An array of strings, or (as the Flinks pages also show) one string: space-separated values
// for `scope`, a single URL for `redirect_uris`.
auto StringListOf(std::string_view field, bool split_on_spaces) {
  return [=](const json::value& v) -> Result<std::vector<std::string>> {
    std::vector<std::string> out;
    if (v.is_string()) {
      const std::string_view text = v.get_string();
      if (!split_on_spaces) return std::vector<std::string>{std::string(text)};
      return SplitScopes(text);
    }
    if (!v.is_array()) return WrongType(field, "an array of strings");
    for (const auto& item : v.get_array()) {
      if (!item.is_string()) return WrongType(field, "an array of strings");
      out.emplace_back(item.get_string());
    }
    return out;
  };
}

Result<std::vector<std::string>> ContactEmails(const json::value& v) {
  if (!v.is_array()) return WrongType("contacts", "an array of {\"email\": string} objects");
  std::vector<std::string> out;
  for (const auto& item : v.get_array()) {
    const json::object* contact = item.if_object();
    const json::value* email = contact ? contact->if_contains("email") : nullptr;
    if (!email || !email->is_string() || contact->size() != 1) {
      return WrongType("contacts", "an array of {\"email\": string} objects");
    }
    out.emplace_back(email->get_string());
  }
  return out;
}

void PutOptional(json::object& o, std::string_view key, const std::optional<std::string>& v) {
  if (v) {
    o[key] = *v;
  } else {
    o[key] = nullptr;
  }
}

json::object Summary(const store::Recipient& r) {
  json::object o;
  o["client_id"] = r.client_id;
  o["name"] = r.name;
  PutOptional(o, "logo_uri", r.logo_uri);
  PutOptional(o, "description", r.description);
  PutOptional(o, "terms_uri", r.terms_uri);
  PutOptional(o, "client_uri", r.client_uri);
  PutOptional(o, "country", r.country);
  json::array contacts;
  for (const auto& email : r.contact_emails) contacts.push_back(json::object{{"email", email}});
  o["contacts"] = std::move(contacts);
  return o;
}

void AppendMember(std::string& out, std::string_view key, const std::optional<std::string>& v) {
  out += key;
  if (v) {
    AppendJsonString(out, *v);
  } else {
    out += "null";
  }
}

}  // namespace

// Summary(r), serialized, written straight into `out`: a whole list is millions of these, and
// building each as a json::object first cost more than reading it from the database.
void AppendRecipientItem(std::string& out, const store::Recipient& r) {
  out += "{\"client_id\":";
  AppendJsonString(out, r.client_id);
  out += ",\"name\":";
  AppendJsonString(out, r.name);
  AppendMember(out, ",\"logo_uri\":", r.logo_uri);
  AppendMember(out, ",\"description\":", r.description);
  AppendMember(out, ",\"terms_uri\":", r.terms_uri);
  AppendMember(out, ",\"client_uri\":", r.client_uri);
  AppendMember(out, ",\"country\":", r.country);
  out += ",\"contacts\":[";
  for (std::size_t i = 0; i < r.contact_emails.size(); ++i) {
    out += i == 0 ? "{\"email\":" : ",{\"email\":";
    AppendJsonString(out, r.contact_emails[i]);
    out.push_back('}');
  }
  out += "]}";
}

void AppendConnectionItem(std::string& out, const store::Connection& c) {
  json::object o{{"connection_id", c.connection_id},
                 {"client_id", c.consent.client_id},
                 {"provider_id", c.consent.provider_id},
                 {"sub", c.consent.subject},
                 {"scope", c.consent.scope},
                 {"status", c.revoked_at ? "REVOKED" : "ACTIVE"},
                 {"created_at", FormatRfc3339(c.created_at)},
                 {"last_used_at", FormatRfc3339(c.last_used_at)}};
  json::array accounts;
  for (const auto& a : c.consent.accounts) accounts.emplace_back(a);
  o["accounts"] = std::move(accounts);
  o["revoked_at"] = c.revoked_at ? json::value(FormatRfc3339(*c.revoked_at)) : json::value(nullptr);
  out += json::serialize(o);
}

namespace {

void PutTime(json::object& o, std::string_view key, const std::optional<std::int64_t>& t) {
  if (t) {
    o[key] = FormatRfc3339(*t);
  } else {
    o[key] = nullptr;
  }
}

json::object Details(const store::Recipient& r) {
  json::object o = Summary(r);
  PutTime(o, "secret_last_used_at", r.secrets.secret_last_used_at);
  PutTime(o, "previous_secret_expires_at", r.secrets.previous_expires_at);
  PutTime(o, "previous_secret_last_used_at", r.secrets.previous_last_used_at);
  o["previous_secret_authentications"] = r.secrets.previous_authentications;
  o["scope"] = r.scope;
  json::array uris;
  for (const auto& uri : r.redirect_uris) uris.push_back(json::string(uri));
  o["redirect_uris"] = std::move(uris);
  return o;
}

}  // namespace

Result<admin::RecipientInput> DecodeRecipientInput(std::string_view body,
                                                   RecipientBodyContext context) {
  OBAUTH_TRY(object, ParseObject(body, ErrorCode::kValidation));
  static constexpr std::string_view kKnown[] = {"name",       "scope",       "redirect_uris",
                                                "logo_uri",   "description", "terms_uri",
                                                "client_uri", "country",     "contacts"};
  // The secret bookkeeping that details carry; read-only, ignored on update.
  static constexpr std::string_view kBookkeeping[] = {
      "secret_last_used_at", "previous_secret_expires_at", "previous_secret_last_used_at",
      "previous_secret_authentications"};
  std::size_t ignored = 0;
  for (const auto& member : object) {
    const std::string_view key = member.key();
    if (std::find(std::begin(kKnown), std::end(kKnown), key) != std::end(kKnown)) continue;
    // A client may send back what GET returned: the id is accepted when it names this recipient,
    // and the secret bookkeeping is ignored.
    if (key == "client_id" && !context.creating && member.value().is_string() &&
        member.value().get_string() == context.path_client_id) {
      ++ignored;
      continue;
    }
    if (!context.creating && std::find(std::begin(kBookkeeping), std::end(kBookkeeping), key) !=
                                 std::end(kBookkeeping)) {
      ++ignored;
      continue;
    }
    return Invalid("Unknown or read-only field '" + std::string(key) + "'");
  }
  admin::RecipientInput in;
  Result<void> results[] = {
      Decode(object, "name", in.name, StringOf("name")),
      Decode(object, "scope", in.scope, StringListOf("scope", true)),
      Decode(object, "redirect_uris", in.redirect_uris, StringListOf("redirect_uris", false)),
      Decode(object, "logo_uri", in.logo_uri, StringOf("logo_uri")),
      Decode(object, "description", in.description, StringOf("description")),
      Decode(object, "terms_uri", in.terms_uri, StringOf("terms_uri")),
      Decode(object, "client_uri", in.client_uri, StringOf("client_uri")),
      Decode(object, "country", in.country, StringOf("country")),
      Decode(object, "contacts", in.contact_emails, ContactEmails),
  };
  for (auto& r : results) {
    if (!r) return r.error();
  }
  const std::size_t fields = object.size() - ignored;
  if (!context.creating && fields == 0) return Invalid("The body has no field to update");
  return in;
}

Result<std::vector<std::pair<std::string, std::string>>> DecodeJsonParams(
    std::string_view body, const std::vector<std::string_view>& names) {
  OBAUTH_TRY(object, ParseObject(body, ErrorCode::kInvalidRequest));
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& member : object) {
    const std::string_view key = member.key();
    if (std::find(names.begin(), names.end(), key) == names.end()) {
      continue;  // RFC 6749 §3.2: unrecognized parameters are ignored
    }
    if (!member.value().is_string()) {
      return MakeError(ErrorCode::kInvalidRequest,
                       "Parameter " + std::string(key) + " must be a string");
    }
    out.emplace_back(std::string(key), std::string(member.value().get_string()));
  }
  return out;
}

Result<admin::RotateOptions> DecodeRotateOptions(std::string_view body,
                                                 admin::RotateOptions defaults) {
  if (body.find_first_not_of(" \t\r\n") == std::string_view::npos) return defaults;
  OBAUTH_TRY(object, ParseObject(body, ErrorCode::kValidation));
  for (const auto& member : object) {
    const std::string_view key = member.key();
    const json::value& v = member.value();
    if (key == "previous_secret_expires_in") {
      if (v.is_int64()) {
        defaults.previous_secret_expires_in = v.get_int64();
      } else if (v.is_uint64()) {
        defaults.previous_secret_expires_in = -1;  // out of range; judged by the service
      } else {
        return WrongType(key, "an integer number of seconds from 0 to 604800");
      }
    } else if (key == "revoke_tokens") {
      if (!v.is_bool()) return WrongType(key, "true or false");
      defaults.revoke_tokens = v.get_bool();
    } else {
      return Invalid("Unknown field '" + std::string(key) + "'");
    }
  }
  return defaults;
}

std::string EncodeRecipientDetails(const store::Recipient& recipient) {
  return json::serialize(Details(recipient));
}

std::string EncodeCreatedRecipient(const admin::CreatedRecipient& created) {
  json::object o = Details(created.recipient);
  o["client_secret"] = created.client_secret.Expose();
  return json::serialize(o);
}

std::string EncodeIssuedSecret(const admin::IssuedSecret& issued) {
  json::object o{{"client_id", issued.client_id}, {"client_secret", issued.client_secret.Expose()}};
  if (issued.previous_secret_expires_at) {
    o["previous_secret_expires_at"] = FormatRfc3339(*issued.previous_secret_expires_at);
  }
  return json::serialize(o);
}

namespace {

json::array ScopeArray(std::string_view scope) {
  json::array out;
  for (const auto& s : SplitScopes(scope)) out.emplace_back(s);
  return out;
}

// A JSON object stored by the catalogue import (valid by construction); {} if it is not.
json::value StoredObject(std::string_view text) {
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec || !v.is_object()) return json::object{};
  return v;
}

json::value Nullable(const std::optional<std::string>& v) {
  return v ? json::value(*v) : json::value(nullptr);
}

}  // namespace

std::string EncodeProviderList(const std::vector<store::Provider>& providers) {
  json::array list;
  for (const auto& p : providers) {
    list.push_back(
        json::object{{"provider_id", p.provider_id}, {"name", p.name}, {"country", p.country}});
  }
  return json::serialize(list);
}

std::string EncodeProviderDetails(const store::Provider& p) {
  return json::serialize(json::object{{"provider_id", p.provider_id},
                                      {"name", p.name},
                                      {"country", p.country},
                                      {"provider_url", Nullable(p.provider_url)},
                                      {"scopes", ScopeArray(p.scope)},
                                      {"data_inventory", StoredObject(p.data_inventory)}});
}

std::string EncodeProvidersV2(const std::vector<store::ProviderForRecipient>& providers) {
  json::array list;
  for (const auto& [p, status] : providers) {
    list.push_back(json::object{{"provider_id", p.provider_id},
                                {"name", p.name},
                                {"country", p.country},
                                {"scopes", ScopeArray(p.scope)},
                                {"status", admin::V2Status(status)},
                                {"connectorName", Nullable(p.connector_name)},
                                {"availableAccountTypes", StoredObject(p.account_types)}});
  }
  return json::serialize(list);
}

namespace {

json::object RegistrationObject(const store::Registration& r) {
  return json::object{{"client_id", r.client_id},
                      {"client_name", r.client_name},
                      {"provider_id", r.provider_id},
                      {"provider_name", r.provider_name},
                      {"country", r.country},
                      {"registration_status", store::StatusName(r.status)},
                      {"requested_on", FormatRfc3339(r.requested_at)}};
}

}  // namespace

std::string EncodeRegistration(const store::Registration& registration) {
  return json::serialize(RegistrationObject(registration));
}

std::string EncodeRegistrations(const std::vector<store::Registration>& registrations) {
  std::string out = "[";
  for (const auto& r : registrations) {
    if (out.size() > 1) out.push_back(',');
    AppendRegistrationItem(out, r);
  }
  return out + "]";
}

void AppendRegistrationItem(std::string& out, const store::Registration& registration) {
  out += json::serialize(RegistrationObject(registration));
}

std::string EncodeIntrospection(const oauth::Introspection& introspection) {
  if (!introspection.claims) return R"({"active":false})";
  const auto& c = *introspection.claims;
  // RFC 7662 §2.2.
  return json::serialize(json::object{{"active", true},
                                      {"scope", c.scope},
                                      {"client_id", c.client_id},
                                      {"sub", c.subject},
                                      {"exp", c.expires_at},
                                      {"iat", c.issued_at},
                                      {"iss", c.issuer},
                                      {"aud", c.issuer},
                                      {"jti", c.jwt_id},
                                      {"token_type", "Bearer"}});
}

std::string EncodeAuditPage(const std::vector<store::AuditEvent>& events,
                            std::optional<std::int64_t> next) {
  json::array list;
  for (const auto& e : events) {
    boost::system::error_code ec;
    json::value options = json::parse(e.options_json, ec);
    if (ec || !options.is_object()) options = json::object();
    list.push_back(json::object{{"id", std::to_string(e.id)},
                                {"at", FormatRfc3339(e.at)},
                                {"actor", e.actor},
                                {"action", e.action},
                                {"client_id", e.client_id},
                                {"request_id", e.request_id},
                                {"source", e.source},
                                {"options", std::move(options)}});
  }
  json::object page{{"events", std::move(list)}};
  if (next) {
    page["next"] = std::to_string(*next);
  } else {
    page["next"] = nullptr;
  }
  return json::serialize(page);
}

std::string EncodeToken(const oauth::IssuedToken& token) {
  json::object out{{"access_token", token.access_token},
                   {"token_type", "Bearer"},
                   {"expires_in", token.expires_in}};
  if (token.refresh_token) out["refresh_token"] = token.refresh_token->Expose();
  out["scope"] = token.scope;
  return json::serialize(out);
}

std::string EncodeServerMetadata(std::string_view issuer) {
  while (issuer.ends_with('/')) issuer.remove_suffix(1);
  const std::string base(issuer);
  json::array scopes{kAdminScope};
  for (auto scope : kDataScopes) scopes.emplace_back(scope);
  const json::array auth_methods{"client_secret_basic", "client_secret_post"};
  json::array grants;
  for (const auto& grant : oauth::Grants()) {
    if (grant.issue != nullptr) grants.emplace_back(grant.type);
  }
  return json::serialize(json::object{
      {"issuer", base},
      {"authorization_endpoint", base + "/api/v1/authorize"},
      {"token_endpoint", base + "/api/v1/token"},
      {"introspection_endpoint", base + "/api/v1/introspect"},
      {"revocation_endpoint", base + "/api/v1/revoke"},
      {"jwks_uri", base + "/.well-known/jwks.json"},
      {"grant_types_supported", std::move(grants)},
      {"response_types_supported", json::array{"code"}},
      {"response_modes_supported", json::array{"query"}},
      {"code_challenge_methods_supported", json::array{"S256"}},
      {"authorization_response_iss_parameter_supported", true},
      {"token_endpoint_auth_methods_supported", auth_methods},
      {"introspection_endpoint_auth_methods_supported", auth_methods},
      {"revocation_endpoint_auth_methods_supported", auth_methods},
      {"scopes_supported", std::move(scopes)},
  });
}

std::string EncodeJwks(const std::vector<crypto::SigningKey>& keys) {
  json::array list;
  for (const auto& key : keys) {
    json::object jwk = json::parse(key.PublicJwk()).as_object();
    jwk["kid"] = key.KeyId();
    jwk["use"] = "sig";
    jwk["alg"] = key.Algorithm();
    list.push_back(std::move(jwk));
  }
  return json::serialize(json::object{{"keys", std::move(list)}});
}

std::string EncodeMessage(std::string_view message) {
  return json::serialize(json::object{{"message", message}});
}

std::string EncodeOAuthError(std::string_view error, std::string_view description) {
  return json::serialize(json::object{{"error", error}, {"error_description", description}});
}

std::string EncodeFdxError(int fdx_code, std::string_view message, std::string_view debug) {
  return json::serialize(
      json::object{{"code", fdx_code}, {"message", message}, {"debugMessage", debug}});
}

}  // namespace obauth::http
