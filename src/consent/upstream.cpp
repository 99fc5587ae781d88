#include "consent/upstream.hpp"

#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/url/parse.hpp>
#include <boost/url/url.hpp>

#include "crypto/aead.hpp"
#include "crypto/base64url.hpp"
#include "crypto/hash.hpp"

namespace obauth::consent {
namespace {

namespace json = boost::json;

constexpr std::string_view kWellKnown = "/.well-known/oauth-authorization-server";
// How long a provider's metadata is used before it is read again.
constexpr std::int64_t kMetadataSeconds = 3600;
// The largest token or metadata answer read, and the largest FDX answer passed on.
constexpr std::uint64_t kMaxOAuthAnswer = 64 * 1024;
constexpr std::uint64_t kMaxDataAnswer = std::uint64_t{16} << 20;
// Pages of the provider's account list read at consent (at 500 accounts each).
constexpr int kMaxAccountPages = 20;

Error Unavailable(std::string message, std::string internal = {}) {
  return MakeError(ErrorCode::kUnavailable, std::move(message), std::move(internal));
}

Error ProviderFault(std::string internal) {
  return MakeError(ErrorCode::kInternal, "The Data Provider answered in a way obauth cannot use",
                   std::move(internal));
}

std::optional<json::object> JsonObject(std::string_view text) {
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec || !v.is_object()) return std::nullopt;
  return std::move(v.as_object());
}

std::string StringMember(const json::object& o, std::string_view name) {
  const json::value* v = o.if_contains(name);
  return v != nullptr && v->is_string() ? std::string(v->get_string()) : std::string();
}

// A URL obauth may call: https, or http to this machine.
Result<outbound::Url> CallableUrl(std::string_view text, std::string_view what) {
  auto url = outbound::ParseUrl(text);
  if (!url) return ProviderFault(std::string(what) + ": " + url.error().public_message);
  if (!url->tls && !url->loopback) {
    return ProviderFault(std::string(what) + " '" + std::string(text) +
                         "' is plain http to another machine");
  }
  return url;
}

// The target of `url` (its path and query) for outbound::Send with base_path cleared.
std::string TargetOf(const boost::urls::url_view& url) {
  std::string target(url.encoded_path());
  if (target.empty()) target = "/";
  if (url.has_query()) target += "?" + std::string(url.encoded_query());
  return target;
}

// An endpoint named by absolute URL: its origin and its target.
Result<std::pair<outbound::Url, std::string>> Endpoint(std::string_view text,
                                                       std::string_view what) {
  auto parsed = boost::urls::parse_absolute_uri(text);
  if (!parsed || parsed->has_fragment() || parsed->has_userinfo()) {
    return ProviderFault(std::string(what) + " is not a usable URL");
  }
  boost::urls::url origin(*parsed);
  origin.remove_query();
  origin.set_encoded_path("");
  OBAUTH_TRY(url, CallableUrl(origin.buffer(), what));
  return std::pair{std::move(url), TargetOf(*parsed)};
}

// The `sub` of a JWT access token, read without verification (it came from the provider's token
// endpoint over a verified connection); empty when the token is not a JWT with one.
std::string JwtSubject(std::string_view token) {
  const auto first = token.find('.');
  const auto second = first == std::string_view::npos ? first : token.find('.', first + 1);
  if (second == std::string_view::npos) return {};
  const auto payload = crypto::Base64UrlDecode(token.substr(first + 1, second - first - 1));
  if (!payload) return {};
  const auto claims = JsonObject(*payload);
  return claims ? StringMember(*claims, "sub") : std::string();
}

// The accountId of an FDX account list item: wrapped by kind ({"depositAccount": {...}}) or not.
std::string AccountIdOf(const json::value& item) {
  if (!item.is_object()) return {};
  const auto& o = item.as_object();
  if (auto id = StringMember(o, "accountId"); !id.empty()) return id;
  if (o.size() == 1 && o.begin()->value().is_object()) {
    return StringMember(o.begin()->value().as_object(), "accountId");
  }
  return {};
}

std::string SealBinding(std::int64_t provider_id) {
  return "obauth upstream tokens v1 provider " + std::to_string(provider_id);
}

}  // namespace

std::optional<FdxConnector> FdxConnectorOf(const std::optional<std::string>& connector_json) {
  if (!connector_json) return std::nullopt;
  const auto o = JsonObject(*connector_json);
  if (!o || StringMember(*o, "type") != "fdx") return std::nullopt;
  FdxConnector out;
  out.issuer = StringMember(*o, "issuer");
  out.fdx_base_url = StringMember(*o, "fdx_base_url");
  while (out.fdx_base_url.ends_with('/')) out.fdx_base_url.pop_back();
  if (const json::value* params = o->if_contains("authorize_params");
      params != nullptr && params->is_object()) {
    for (const auto& member : params->as_object()) {
      if (member.value().is_string()) {
        out.authorize_params.emplace_back(std::string(member.key()),
                                          std::string(member.value().get_string()));
      }
    }
  }
  if (out.issuer.empty() || out.fdx_base_url.empty()) return std::nullopt;
  return out;
}

std::string S256Challenge(std::string_view code_verifier) {
  return crypto::Base64UrlEncode(crypto::Sha256(code_verifier));
}

Upstream::Upstream(std::string redirect_uri, Secret seal_key, ClientLoader load_client,
                   const Clock& clock, UpstreamTimeouts timeouts)
    : redirect_uri_(std::move(redirect_uri)),
      seal_key_(std::move(seal_key)),
      load_client_(std::move(load_client)),
      clock_(clock),
      timeouts_(timeouts) {}

outbound::Limits Upstream::OAuthLimits() const {
  outbound::Limits limits;
  limits.timeout = timeouts_.token;
  limits.max_body_bytes = kMaxOAuthAnswer;
  return limits;
}

Result<Upstream::Metadata> Upstream::MetadataOf(const FdxConnector& connector) const {
  const std::int64_t now = clock_.NowSeconds();
  {
    std::lock_guard lock(mutex_);
    const auto it = metadata_.find(connector.issuer);
    if (it != metadata_.end() && now - it->second.fetched_at < kMetadataSeconds) return it->second;
  }
  OBAUTH_TRY(issuer, CallableUrl(connector.issuer, "the connector's issuer"));
  // RFC 8414 §3.1: the well-known path goes between the host and the issuer's path.
  outbound::Url origin = issuer;
  origin.base_path.clear();
  const outbound::Request request{.method = "GET",
                                  .target = std::string(kWellKnown) + issuer.base_path,
                                  .headers = {{"Accept", "application/json"}},
                                  .body = {}};
  auto answer = outbound::Send(origin, request, OAuthLimits());
  if (!answer) {
    return Unavailable("The Data Provider cannot be reached right now",
                       "provider metadata: " + answer.error().public_message);
  }
  if (answer->status != 200) {
    return Unavailable(
        "The Data Provider cannot be reached right now",
        "provider metadata: HTTP " + std::to_string(answer->status) + " from " + connector.issuer);
  }
  const auto o = JsonObject(answer->body);
  if (!o) return ProviderFault("provider metadata of " + connector.issuer + " is not JSON");
  // RFC 8414 §3.3: the metadata's issuer must be the one it was read from.
  if (StringMember(*o, "issuer") != connector.issuer) {
    return ProviderFault("provider metadata of " + connector.issuer + " names another issuer");
  }
  Metadata m;
  m.authorization_endpoint = StringMember(*o, "authorization_endpoint");
  m.token_endpoint = StringMember(*o, "token_endpoint");
  m.revocation_endpoint = StringMember(*o, "revocation_endpoint");
  m.fetched_at = now;
  for (const auto* endpoint : {&m.authorization_endpoint, &m.token_endpoint}) {
    if (endpoint->empty()) {
      return ProviderFault("provider metadata of " + connector.issuer + " lacks an endpoint");
    }
  }
  for (const auto* endpoint :
       {&m.authorization_endpoint, &m.token_endpoint, &m.revocation_endpoint}) {
    if (!endpoint->empty()) {
      if (auto checked = Endpoint(*endpoint, "a provider endpoint"); !checked) {
        return checked.error();
      }
    }
  }
  std::lock_guard lock(mutex_);
  metadata_[connector.issuer] = m;
  return m;
}

Result<std::string> Upstream::AuthorizationUrl(std::int64_t provider_id,
                                               const FdxConnector& connector,
                                               std::string_view scope, std::string_view state,
                                               std::string_view code_verifier) const {
  OBAUTH_TRY(metadata, MetadataOf(connector));
  OBAUTH_TRY(client, load_client_(provider_id));
  auto parsed = boost::urls::parse_absolute_uri(metadata.authorization_endpoint);
  if (!parsed) return ProviderFault("authorization_endpoint does not parse");
  boost::urls::url url(*parsed);
  auto params = url.params();
  params.append({"response_type", "code"});
  params.append({"client_id", client.client_id});
  params.append({"redirect_uri", redirect_uri_});
  params.append({"scope", scope});
  params.append({"state", state});
  params.append({"code_challenge", S256Challenge(code_verifier)});
  params.append({"code_challenge_method", "S256"});
  for (const auto& [name, value] : connector.authorize_params) params.append({name, value});
  return std::string(url.buffer());
}

Result<outbound::Answer> Upstream::TokenRequest(std::int64_t provider_id,
                                                const std::string& endpoint,
                                                std::string form) const {
  OBAUTH_TRY(client, load_client_(provider_id));
  OBAUTH_TRY(target, Endpoint(endpoint, "a provider endpoint"));
  const outbound::Request request{
      .method = "POST",
      .target = target.second,
      .headers = {{"Authorization",
                   outbound::BasicAuthorization(client.client_id, client.client_secret.Expose())},
                  {"Content-Type", "application/x-www-form-urlencoded"},
                  {"Accept", "application/json"}},
      .body = form};
  auto answer = outbound::Send(target.first, request, OAuthLimits());
  if (!answer) {
    return Unavailable("The Data Provider cannot be reached right now",
                       "provider token request: " + answer.error().public_message);
  }
  if (answer->status >= 500 || answer->status == 429) {
    return Unavailable("The Data Provider cannot be reached right now",
                       "provider token request: HTTP " + std::to_string(answer->status));
  }
  if (answer->status == 401) {
    return MakeError(ErrorCode::kInternal, "The Data Provider refused obauth's client credentials",
                     "provider " + std::to_string(provider_id) +
                         " refused obauth's client: check `obauth providers connect`");
  }
  return std::move(*answer);
}

Result<UpstreamTokens> Upstream::ReadTokens(const outbound::Answer& answer,
                                            std::string_view what) const {
  const auto o = JsonObject(answer.body);
  if (!o) return ProviderFault(std::string(what) + ": the answer is not a JSON object");
  UpstreamTokens tokens;
  tokens.access_token = StringMember(*o, "access_token");
  tokens.refresh_token = StringMember(*o, "refresh_token");
  tokens.scope = StringMember(*o, "scope");
  std::string type = StringMember(*o, "token_type");
  for (auto& c : type) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (tokens.access_token.empty() || type != "bearer") {
    return ProviderFault(std::string(what) + ": no bearer access_token");
  }
  if (const json::value* expires = o->if_contains("expires_in");
      expires != nullptr && expires->is_int64() && expires->get_int64() > 0) {
    tokens.expires_at = clock_.NowSeconds() + expires->get_int64();
  }
  return tokens;
}

Result<UpstreamConsent> Upstream::ExchangeCode(std::int64_t provider_id,
                                               const FdxConnector& connector, std::string_view code,
                                               std::string_view code_verifier) const {
  OBAUTH_TRY(metadata, MetadataOf(connector));
  OBAUTH_TRY(answer,
             TokenRequest(provider_id, metadata.token_endpoint,
                          "grant_type=authorization_code&code=" + outbound::FormEncode(code) +
                              "&redirect_uri=" + outbound::FormEncode(redirect_uri_) +
                              "&code_verifier=" + outbound::FormEncode(code_verifier)));
  if (answer.status != 200) {
    const auto o = JsonObject(answer.body);
    const std::string error = o ? StringMember(*o, "error") : std::string();
    return MakeError(ErrorCode::kAccessDenied, "The Data Provider did not grant the access",
                     "provider code exchange: HTTP " + std::to_string(answer.status) + " " + error);
  }
  UpstreamConsent out;
  OBAUTH_TRY(tokens, ReadTokens(answer, "provider code exchange"));
  out.tokens = std::move(tokens);
  out.customer_id = JwtSubject(out.tokens.access_token);
  if (out.customer_id.empty()) {
    OBAUTH_TRY(customer, Get(connector, "/customers/current", out.tokens, "application/json"));
    const auto o = customer.status == 200 ? JsonObject(customer.body) : std::nullopt;
    if (o) out.customer_id = StringMember(*o, "customerId");
  }
  if (out.customer_id.empty()) {
    // No stable subject: this consent's own (its connection supersedes no other).
    out.customer_id = "token:" + crypto::ToHex(crypto::Sha256(out.tokens.access_token));
  }
  std::string target = "/accounts?limit=500";
  for (int page = 0; page < kMaxAccountPages; ++page) {
    OBAUTH_TRY(accounts, Get(connector, target, out.tokens, "application/json"));
    if (accounts.status != 200) {
      return ProviderFault("provider accounts: HTTP " + std::to_string(accounts.status));
    }
    const auto o = JsonObject(accounts.body);
    const json::value* list = o ? o->if_contains("accounts") : nullptr;
    if (list == nullptr || !list->is_array()) return ProviderFault("provider accounts: no list");
    for (const auto& item : list->as_array()) {
      std::string id = AccountIdOf(item);
      if (id.empty() || id.find(' ') != std::string::npos || id.size() > 256) {
        return ProviderFault("provider accounts: an item without a usable accountId");
      }
      out.accounts.push_back(std::move(id));
    }
    const json::value* page_info = o->if_contains("page");
    const json::value* next = page_info != nullptr && page_info->is_object()
                                  ? page_info->as_object().if_contains("nextOffset")
                                  : nullptr;
    if (next == nullptr || !next->is_string() || next->get_string().empty()) break;
    target = "/accounts?limit=500&offset=" + outbound::FormEncode(next->get_string());
  }
  return out;
}

Result<UpstreamTokens> Upstream::Refresh(std::int64_t provider_id, const FdxConnector& connector,
                                         const UpstreamTokens& tokens) const {
  if (tokens.refresh_token.empty()) {
    return MakeError(ErrorCode::kConnectionRevoked, "The connection has expired at the provider",
                     "provider token expired and no refresh token");
  }
  OBAUTH_TRY(metadata, MetadataOf(connector));
  OBAUTH_TRY(answer, TokenRequest(provider_id, metadata.token_endpoint,
                                  "grant_type=refresh_token&refresh_token=" +
                                      outbound::FormEncode(tokens.refresh_token)));
  if (answer.status != 200) {
    return MakeError(ErrorCode::kConnectionRevoked, "The connection was revoked at the provider",
                     "provider refused the refresh: HTTP " + std::to_string(answer.status));
  }
  OBAUTH_TRY(fresh, ReadTokens(answer, "provider refresh"));
  if (fresh.refresh_token.empty()) fresh.refresh_token = tokens.refresh_token;
  if (fresh.scope.empty()) fresh.scope = tokens.scope;
  return fresh;
}

Result<void> Upstream::Revoke(std::int64_t provider_id, const FdxConnector& connector,
                              const UpstreamTokens& tokens) const {
  OBAUTH_TRY(metadata, MetadataOf(connector));
  if (metadata.revocation_endpoint.empty()) return {};
  const bool refresh = !tokens.refresh_token.empty();
  OBAUTH_TRY(
      answer,
      TokenRequest(
          provider_id, metadata.revocation_endpoint,
          "token=" + outbound::FormEncode(refresh ? tokens.refresh_token : tokens.access_token) +
              "&token_type_hint=" + (refresh ? "refresh_token" : "access_token")));
  // RFC 7009 §2.2: 200 whether or not the token was valid.
  if (answer.status != 200) {
    return Unavailable("The Data Provider did not revoke the connection",
                       "provider revocation: HTTP " + std::to_string(answer.status));
  }
  return {};
}

Result<outbound::Answer> Upstream::Get(const FdxConnector& connector, std::string_view target,
                                       const UpstreamTokens& tokens,
                                       std::string_view accept) const {
  OBAUTH_TRY(base, CallableUrl(connector.fdx_base_url, "the connector's fdx_base_url"));
  outbound::Request request{.method = "GET",
                            .target = std::string(target),
                            .headers = {{"Authorization", "Bearer " + tokens.access_token}},
                            .body = {}};
  if (!accept.empty()) request.headers.emplace_back("Accept", std::string(accept));
  outbound::Limits limits;
  limits.timeout = timeouts_.data;
  limits.max_body_bytes = kMaxDataAnswer;
  auto answer = outbound::Send(base, request, limits);
  if (!answer) {
    return Unavailable("The Data Provider cannot be reached right now",
                       "provider data: " + answer.error().public_message);
  }
  return answer;
}

Result<std::string> Upstream::Seal(std::int64_t provider_id, const UpstreamTokens& tokens) const {
  json::object o;
  o["access_token"] = tokens.access_token;
  o["refresh_token"] = tokens.refresh_token;
  o["expires_at"] = tokens.expires_at;
  o["scope"] = tokens.scope;
  OBAUTH_TRY(sealed, crypto::Seal(seal_key_, SealBinding(provider_id), json::serialize(o)));
  return crypto::Base64UrlEncode(sealed);
}

Result<UpstreamTokens> Upstream::Open(std::int64_t provider_id, std::string_view sealed) const {
  const auto bytes = crypto::Base64UrlDecode(sealed);
  if (!bytes) return MakeError(ErrorCode::kInternal, "Internal Server Error", "upstream: not b64");
  OBAUTH_TRY(plain, crypto::Open(seal_key_, SealBinding(provider_id), *bytes));
  const auto o = JsonObject(plain);
  if (!o) return MakeError(ErrorCode::kInternal, "Internal Server Error", "upstream: malformed");
  UpstreamTokens tokens;
  tokens.access_token = StringMember(*o, "access_token");
  tokens.refresh_token = StringMember(*o, "refresh_token");
  tokens.scope = StringMember(*o, "scope");
  if (const json::value* at = o->if_contains("expires_at"); at != nullptr && at->is_int64()) {
    tokens.expires_at = at->get_int64();
  }
  return tokens;
}

bool Upstream::Expiring(const UpstreamTokens& tokens, std::int64_t margin_seconds) const {
  return tokens.expires_at != 0 && tokens.expires_at - margin_seconds <= clock_.NowSeconds();
}

Result<std::size_t> RevokeAtProviders(store::ConnectionStore& connections,
                                      store::ProviderStore& providers, const Upstream& upstream,
                                      std::size_t limit) {
  OBAUTH_TRY(pending, connections.ListUpstreamRevocations(limit));
  std::size_t done = 0;
  std::optional<Error> failed;  // the first refusal, answered once the others were tried
  for (const auto& connection : pending) {
    const std::int64_t provider_id = connection.consent.provider_id;
    auto provider = providers.GetProvider(provider_id);
    if (!provider && provider.error().code != ErrorCode::kNotFound) return provider.error();
    const auto connector = provider ? FdxConnectorOf(provider->connector) : std::nullopt;
    auto tokens = connection.upstream ? upstream.Open(provider_id, *connection.upstream)
                                      : Result<UpstreamTokens>(UpstreamTokens{});
    if (connector && tokens && !tokens->access_token.empty()) {
      if (auto revoked = upstream.Revoke(provider_id, *connector, *tokens); !revoked) {
        // Kept for the next call: the provider is down (the others would wait for it too), or
        // refuses obauth's client until an operator mends it.
        if (revoked.error().code == ErrorCode::kUnavailable)
          return failed.value_or(revoked.error());
        if (!failed) failed = revoked.error();
        continue;
      }
    }
    if (auto cleared = connections.SetUpstream(connection.connection_id, std::nullopt); !cleared) {
      if (cleared.error().code != ErrorCode::kNotFound) return cleared.error();
    }
    ++done;
  }
  if (failed) return *failed;
  return done;
}

}  // namespace obauth::consent
