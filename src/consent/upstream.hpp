// Upstream: obauth as the OAuth 2.0 client of a Data Provider behind an "fdx" connector (a real
// institution's authorization server and FDX API). It reads the provider's RFC 8414 metadata from
// its issuer, makes the authorization request the browser is sent to (PKCE S256), exchanges codes
// and refreshes tokens at its token endpoint (client_secret_basic with obauth's client there,
// `obauth providers connect`), revokes at its revocation endpoint (RFC 7009), and calls its FDX
// API. The provider's tokens are kept sealed (AES-256-GCM) wherever they are stored. Thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/clock.hpp"
#include "core/error.hpp"
#include "core/secret.hpp"
#include "outbound/http_client.hpp"
#include "store/connection_store.hpp"
#include "store/provider_store.hpp"

namespace obauth::consent {

// A catalogue entry's "connector" of type "fdx" (validated when imported: app/catalogue_file.cpp).
struct FdxConnector {
  std::string issuer;
  std::string fdx_base_url;  // no trailing slash
  std::vector<std::pair<std::string, std::string>> authorize_params;
};

// The fdx connector of a catalogue entry's "connector" member (compact JSON), or nullopt when it
// has none of that type.
std::optional<FdxConnector> FdxConnectorOf(const std::optional<std::string>& connector_json);

// obauth's client at a provider.
struct UpstreamClient {
  std::string client_id;
  Secret client_secret;
};

// The provider's tokens of one customer's consent.
struct UpstreamTokens {
  std::string access_token;
  std::string refresh_token;    // empty when the provider gave none
  std::int64_t expires_at = 0;  // 0: the provider did not say
  std::string scope;            // as the provider granted it, or empty when it did not say
};

// What the provider's consent gave: its tokens, and what obauth reads with them once.
struct UpstreamConsent {
  UpstreamTokens tokens;
  std::string customer_id;            // the provider's subject of the customer
  std::vector<std::string> accounts;  // the FDX accountIds the customer shared
};

// How long outbound calls may take; a provider that does not answer in time is unavailable.
struct UpstreamTimeouts {
  std::chrono::milliseconds token{10000};  // token, revocation and metadata requests
  std::chrono::milliseconds data{10000};   // FDX calls
};

class Upstream {
 public:
  using ClientLoader = std::function<Result<UpstreamClient>(std::int64_t provider_id)>;

  // `redirect_uri` is obauth's callback ({issuer}/api/v1/authorize/callback); `seal_key` (32
  // bytes) seals the provider's tokens; `load_client` reads obauth's client at a provider.
  Upstream(std::string redirect_uri, Secret seal_key, ClientLoader load_client, const Clock& clock,
           UpstreamTimeouts timeouts = {});

  // The provider's authorization endpoint URL with the request for `scope` (space-separated),
  // `state` and the PKCE S256 challenge of `code_verifier`, and the connector's
  // authorize_params. kUnavailable when the provider's metadata cannot be read; kInternal when
  // no client is stored for it.
  [[nodiscard]] Result<std::string> AuthorizationUrl(std::int64_t provider_id,
                                                     const FdxConnector& connector,
                                                     std::string_view scope, std::string_view state,
                                                     std::string_view code_verifier) const;

  // Exchanges the provider's code (with `code_verifier`) and reads the customer's subject and
  // the shared accounts. kAccessDenied when the provider refuses the code (invalid_grant);
  // kUnavailable when it cannot be reached or fails; kInternal for an answer that is not OAuth.
  [[nodiscard]] Result<UpstreamConsent> ExchangeCode(std::int64_t provider_id,
                                                     const FdxConnector& connector,
                                                     std::string_view code,
                                                     std::string_view code_verifier) const;

  // New tokens for `tokens` (refresh_token grant). The refresh token is kept when the provider
  // sends none. kConnectionRevoked when the provider refuses it (invalid_grant); kUnavailable.
  [[nodiscard]] Result<UpstreamTokens> Refresh(std::int64_t provider_id,
                                               const FdxConnector& connector,
                                               const UpstreamTokens& tokens) const;

  // Revokes the consent at the provider (RFC 7009, its refresh token, else its access token).
  // Succeeds when the provider has no revocation endpoint. kUnavailable.
  [[nodiscard]] Result<void> Revoke(std::int64_t provider_id, const FdxConnector& connector,
                                    const UpstreamTokens& tokens) const;

  // GET {fdx_base_url}{target} with the access token; the provider's answer as received.
  [[nodiscard]] Result<outbound::Answer> Get(const FdxConnector& connector, std::string_view target,
                                             const UpstreamTokens& tokens,
                                             std::string_view accept) const;

  // The sealed form of `tokens` for storage (bound to the provider), and back (kInternal when it
  // was not sealed here for that provider).
  [[nodiscard]] Result<std::string> Seal(std::int64_t provider_id,
                                         const UpstreamTokens& tokens) const;
  [[nodiscard]] Result<UpstreamTokens> Open(std::int64_t provider_id,
                                            std::string_view sealed) const;

  // Whether `tokens`' access token expires within `margin_seconds`.
  [[nodiscard]] bool Expiring(const UpstreamTokens& tokens, std::int64_t margin_seconds) const;

 private:
  struct Metadata {
    std::string authorization_endpoint, token_endpoint, revocation_endpoint;
    std::int64_t fetched_at = 0;
  };
  Result<Metadata> MetadataOf(const FdxConnector& connector) const;
  outbound::Limits OAuthLimits() const;
  Result<outbound::Answer> TokenRequest(std::int64_t provider_id, const std::string& endpoint,
                                        std::string form) const;
  Result<UpstreamTokens> ReadTokens(const outbound::Answer& answer, std::string_view what) const;

  const std::string redirect_uri_;
  const Secret seal_key_;
  const ClientLoader load_client_;
  const Clock& clock_;
  const UpstreamTimeouts timeouts_;
  mutable std::mutex mutex_;
  mutable std::map<std::string, Metadata, std::less<>> metadata_;  // by issuer
};

// The PKCE S256 challenge of a verifier (RFC 7636 §4.2).
std::string S256Challenge(std::string_view code_verifier);

// Revokes at their providers up to `limit` of the connections revoked here that still hold
// provider tokens (ConnectionStore::ListUpstreamRevocations), and forgets the tokens of each one
// done, or that cannot be done (its provider is no longer behind an fdx connector, its tokens do
// not open). A connection whose revocation fails keeps its tokens for the next call, and the
// call answers the first failure once the others were tried; it stops at once at a provider
// that cannot be reached (kUnavailable). How many were done; the stores' errors.
[[nodiscard]] Result<std::size_t> RevokeAtProviders(store::ConnectionStore& connections,
                                                    store::ProviderStore& providers,
                                                    const Upstream& upstream, std::size_t limit);

}  // namespace obauth::consent
