// AuthorizeService's half for a provider behind an fdx connector: the browser sent to the
// provider's authorization endpoint with the whole transaction sealed as `state`, and the
// callback that exchanges the provider's code and issues obauth's code with the provider's
// tokens sealed in it (docs/fdx.md, "Connector").
#include <algorithm>

#include "consent/authorize_service.hpp"
#include "core/scopes.hpp"
#include "crypto/base64url.hpp"
#include "crypto/random.hpp"

namespace obauth::consent {

Result<std::string> AuthorizeService::StartUpstream(Transaction t) const {
  if (upstream_ == nullptr)
    return MakeError(ErrorCode::kInvalidRequest, "This Data Provider cannot be connected to.");
  OBAUTH_TRY(provider, providers_.GetProvider(t.provider_id));
  const auto connector = FdxConnectorOf(provider.connector);
  if (!connector)
    return MakeError(ErrorCode::kInvalidRequest, "This Data Provider cannot be connected to.");
  OBAUTH_TRY(verifier, crypto::RandomBytes(32));
  t.upstream_verifier = crypto::Base64UrlEncode(verifier);
  OBAUTH_TRY(state, Seal(t));
  return upstream_->AuthorizationUrl(t.provider_id, *connector, t.scope, state,
                                     t.upstream_verifier);
}

Result<UpstreamOutcome> AuthorizeService::FinishUpstream(const CallbackParams& params,
                                                         std::string_view session) const {
  if (upstream_ == nullptr || !params.state) {
    return MakeError(
        ErrorCode::kInvalidRequest,
        "This page has expired or was opened in another browser. Return to the application and "
        "start again.",
        "callback without state");
  }
  OBAUTH_TRY(t, Open(*params.state, session));
  if (t.upstream_verifier.empty())
    return MakeError(ErrorCode::kInvalidRequest, "Start again.", "callback of a local flow");
  UpstreamOutcome out;
  out.transaction = t;
  if (params.error || !params.code) {
    out.refused = MakeError(ErrorCode::kAccessDenied, "The user denied the access",
                            "the provider answered " + params.error.value_or("without a code"));
    return out;
  }
  auto code = ExchangeUpstream(t, *params.code);
  if (!code) {
    out.refused = code.error();
    return out;
  }
  out.code = std::move(code->first);
  out.transaction = std::move(code->second);
  return out;
}

Result<std::pair<std::string, Transaction>> AuthorizeService::ExchangeUpstream(
    Transaction t, std::string_view provider_code) const {
  const auto refused = [](std::string internal) {
    return MakeError(ErrorCode::kAccessDenied, "The user denied the access", std::move(internal));
  };
  OBAUTH_TRY(provider, providers_.GetProvider(t.provider_id));
  const auto connector = FdxConnectorOf(provider.connector);
  if (!connector) return refused("the provider has no fdx connector any more");
  OBAUTH_TRY(consent, upstream_->ExchangeCode(t.provider_id, *connector, provider_code,
                                              t.upstream_verifier));
  if (consent.accounts.empty()) return refused("the provider shared no account");
  // The scopes the recipient asked for that the provider granted (all, when it did not say).
  if (!consent.tokens.scope.empty()) {
    const auto granted = SplitScopes(consent.tokens.scope);
    std::vector<std::string> kept;
    for (auto& s : SplitScopes(t.scope)) {
      if (std::find(granted.begin(), granted.end(), s) != granted.end()) kept.push_back(s);
    }
    if (std::find(kept.begin(), kept.end(), kMandatoryDataScope) == kept.end()) {
      return refused("the provider did not grant ACCOUNT_BASIC");
    }
    t.scope = JoinScopes(kept);
  }
  t.customer_id = consent.customer_id;
  OBAUTH_TRY(sealed, upstream_->Seal(t.provider_id, consent.tokens));
  OBAUTH_TRY(code, IssueCode(t, std::move(consent.accounts), std::move(sealed)));
  return std::pair{std::move(code), std::move(t)};
}

}  // namespace obauth::consent
