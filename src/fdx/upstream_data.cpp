// DataService's half for a provider behind an fdx connector: the request is forwarded to the
// provider's FDX API with the connection's provider tokens (refreshed first when they expire),
// and its answer passed on with the provider's links rewritten to obauth's issuer.
#include <algorithm>
#include <mutex>

#include "fdx/data_service.hpp"

namespace obauth::fdx {
namespace {

// A token this close to its expiry is refreshed before it is used.
constexpr std::int64_t kRefreshMarginSeconds = 30;

// Every occurrence of `from` in `text` replaced by `to`.
void ReplaceAll(std::string& text, std::string_view from, std::string_view to) {
  if (from.empty()) return;
  for (auto at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
  }
}

Error Revoked(std::string internal) {
  return MakeError(ErrorCode::kConnectionRevoked,
                   "The customer's connection was revoked at the provider: ask the customer to "
                   "connect again",
                   std::move(internal));
}

}  // namespace

Result<consent::UpstreamTokens> DataService::FreshTokens(const store::Connection& connection,
                                                         const consent::FdxConnector& connector,
                                                         bool force) const {
  const std::int64_t provider_id = connection.consent.provider_id;
  if (!connection.upstream) return Revoked("connection without provider tokens");
  OBAUTH_TRY(tokens, upstream_->Open(provider_id, *connection.upstream));
  if (!force && !upstream_->Expiring(tokens, kRefreshMarginSeconds)) return tokens;
  // One refresh of a connection at a time in this instance (a request that waited finds the new
  // tokens); other connections' refreshes, to this provider or a slower one, do not wait.
  const std::shared_ptr<std::mutex> gate = RefreshGate(connection.connection_id);
  Result<consent::UpstreamTokens> out = [&]() -> Result<consent::UpstreamTokens> {
    std::lock_guard lock(*gate);
    auto current = connections_.GetConnection(connection.connection_id);
    if (!current) return current.error();
    if (!current->upstream) return Revoked("connection without provider tokens");
    if (*current->upstream != *connection.upstream) {
      return upstream_->Open(provider_id, *current->upstream);
    }
    OBAUTH_TRY(fresh, upstream_->Refresh(provider_id, connector, tokens));
    OBAUTH_TRY(sealed, upstream_->Seal(provider_id, fresh));
    if (auto stored = connections_.SetUpstream(connection.connection_id, sealed); !stored) {
      return stored.error();
    }
    return fresh;
  }();
  std::lock_guard lock(refresh_mu_);
  // The gates are handed out under refresh_mu_ only: no one else holding this one, it can go.
  if (gate.use_count() == 1) refresh_gates_.erase(connection.connection_id);
  return out;
}

std::shared_ptr<std::mutex> DataService::RefreshGate(const std::string& connection_id) const {
  std::lock_guard lock(refresh_mu_);
  auto& weak = refresh_gates_[connection_id];
  auto gate = weak.lock();
  if (!gate) {
    gate = std::make_shared<std::mutex>();
    weak = gate;
  }
  return gate;
}

Result<DataResponse> DataService::Forward(const DataRequest& request,
                                          const store::Connection& connection,
                                          const consent::FdxConnector& connector) const {
  const auto& accounts = connection.consent.accounts;
  if (!request.account_id.empty() &&
      std::find(accounts.begin(), accounts.end(), request.account_id) == accounts.end()) {
    return MakeError(ErrorCode::kAccountNotFound, "Account not found",
                     "account not consented in this connection");
  }
  OBAUTH_TRY(tokens, FreshTokens(connection, connector, false));
  auto answer = upstream_->Get(connector, request.target, tokens, request.accept);
  if (!answer) return answer.error();
  // A bare 401 or an invalid_token challenge: the access token expired early or the consent was
  // revoked there, and one refresh tells which. (A 401 with §9.2's 602 and insufficient_scope
  // is the provider's answer to pass on.)
  const auto token_refused = [](const outbound::Answer& a) {
    return a.status == 401 &&
           (a.Header("WWW-Authenticate").find("invalid_token") != std::string_view::npos ||
            a.body.find("\"code\"") == std::string::npos);
  };
  if (token_refused(*answer)) {
    auto fresh = FreshTokens(connection, connector, true);
    if (!fresh) return fresh.error();
    answer = upstream_->Get(connector, request.target, *fresh, request.accept);
    if (!answer) return answer.error();
    if (token_refused(*answer)) return Revoked("the provider refused fresh tokens");
  }
  if (answer->status >= 500) {
    return MakeError(ErrorCode::kUnavailable, "The Data Provider is unavailable; retry later",
                     "provider data: HTTP " + std::to_string(answer->status));
  }
  DataResponse out;
  out.status = answer->status;
  out.content_type = std::string(answer->Header("Content-Type"));
  if (out.content_type.empty()) out.content_type = "application/json";
  out.retry_after = std::string(answer->Header("Retry-After"));
  out.challenge = std::string(answer->Header("WWW-Authenticate"));
  out.body = std::move(answer->body);
  if (out.content_type.starts_with("application/json")) {
    ReplaceAll(out.body, connector.fdx_base_url, request.base_url);
  } else if (out.content_type == "application/pdf" && request.resource == Resource::kStatement) {
    out.filename = "statement-" + std::string(request.statement_id) + ".pdf";
  }
  return out;
}

}  // namespace obauth::fdx
