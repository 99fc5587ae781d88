#include "consent/authorize_service.hpp"

#include <algorithm>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include "core/numbers.hpp"
#include "core/scopes.hpp"
#include "crypto/aead.hpp"
#include "crypto/base64url.hpp"
#include "crypto/random.hpp"
#include "oauth/access_token.hpp"
#include "oauth/grant_tokens.hpp"

namespace obauth::consent {
namespace {

constexpr std::string_view kTransactionBinding = "obauth authorize transaction v1";

Error PageError(std::string message, std::string internal = {}) {
  return MakeError(ErrorCode::kInvalidRequest, std::move(message), std::move(internal));
}

Error Refused(ErrorCode code, std::string message) { return MakeError(code, std::move(message)); }

// RFC 7636 §4.2: BASE64URL(SHA256(verifier)) is 43 characters of the base64url alphabet.
bool IsS256Challenge(std::string_view challenge) {
  return challenge.size() == 43 && std::all_of(challenge.begin(), challenge.end(), [](char c) {
           return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                  c == '-' || c == '_';
         });
}

// The requested scopes in canonical order; an error naming what is wrong with them.
Result<std::string> CheckScopes(const std::optional<std::string>& requested,
                                const std::string& recipient_scope,
                                const std::string& provider_scope) {
  if (!requested) {
    return Refused(ErrorCode::kInvalidScope, "scope is required and must contain ACCOUNT_BASIC");
  }
  const auto wanted = SplitScopes(*requested);
  const auto recipient = SplitScopes(recipient_scope);
  const auto provider = SplitScopes(provider_scope);
  const auto has = [](const std::vector<std::string>& set, std::string_view s) {
    return std::find(set.begin(), set.end(), s) != set.end();
  };
  for (const auto& s : wanted) {
    if (std::find(kDataScopes.begin(), kDataScopes.end(), s) == kDataScopes.end()) {
      return Refused(ErrorCode::kInvalidScope, "Unknown scope " + s);
    }
    if (!has(recipient, s)) {
      return Refused(ErrorCode::kInvalidScope,
                     "The scope " + s + " is not one of the Data Recipient's scopes");
    }
    if (!has(provider, s)) {
      return Refused(ErrorCode::kInvalidScope,
                     "The scope " + s + " is not one the Data Provider supports");
    }
  }
  if (!has(wanted, kMandatoryDataScope)) {
    return Refused(ErrorCode::kInvalidScope, "scope must contain ACCOUNT_BASIC");
  }
  std::vector<std::string> canonical;
  for (auto s : kDataScopes) {
    if (has(wanted, s)) canonical.emplace_back(s);
  }
  return JoinScopes(canonical);
}

}  // namespace

AuthorizeService::AuthorizeService(store::ClientStore& clients, store::RecipientStore& recipients,
                                   store::ProviderStore& providers,
                                   store::ConnectionStore& connections, Secret browser_seal_key,
                                   const Secret& csrf_key, crypto::HmacSha256Key grant_hasher,
                                   const Secret& subject_key,
                                   oauth::AuthFailureLimiter& sign_in_limiter, const Clock& clock,
                                   const Upstream* upstream)
    : clients_(clients),
      recipients_(recipients),
      providers_(providers),
      connections_(connections),
      seal_key_(std::move(browser_seal_key)),
      csrf_(csrf_key.Expose()),
      grant_hasher_(std::move(grant_hasher)),
      subject_(subject_key.Expose()),
      limiter_(sign_in_limiter),
      clock_(clock),
      upstream_(upstream) {}

Result<Checked> AuthorizeService::Check(const AuthorizeParams& p, std::string_view session) const {
  const auto repeated = [&](std::string_view name) {
    return std::find(p.repeated.begin(), p.repeated.end(), name) != p.repeated.end();
  };
  // Until the client and its redirect URI are known good, nothing goes to the redirect URI.
  for (std::string_view name : {"client_id", "redirect_uri"}) {
    if (repeated(name)) return PageError("The parameter " + std::string(name) + " is repeated.");
  }
  if (!p.client_id) return PageError("The request has no client_id.");
  const auto unknown_client = [&](std::string why) {
    return PageError("The application that sent you here (client_id) is not known.",
                     "authorize: " + why + " " + *p.client_id);
  };
  auto client = clients_.FindClient(*p.client_id);
  if (!client) {
    if (client.error().code != ErrorCode::kNotFound) return client.error();
    return unknown_client("unknown client_id");
  }
  if (client->kind != ClientKind::kRecipient) return unknown_client("partner client_id");
  if (client->retired || client->disabled) return unknown_client("retired or disabled client");
  const std::int64_t now = clock_.NowSeconds();
  auto recipient = recipients_.GetRecipient(client->partner_id, client->client_id, now);
  if (!recipient) {
    if (recipient.error().code != ErrorCode::kNotFound) return recipient.error();
    return unknown_client("no recipient record for");
  }
  if (!p.redirect_uri) return PageError("The request has no redirect_uri.");
  const auto& uris = recipient->redirect_uris;
  if (std::find(uris.begin(), uris.end(), *p.redirect_uri) == uris.end()) {
    return PageError(
        "The redirect_uri is not one the application registered: you were not sent back to it.",
        "authorize: unregistered redirect_uri for " + *p.client_id);
  }

  Checked out;
  Transaction& t = out.transaction;
  t.client_id = client->client_id;
  t.redirect_uri = *p.redirect_uri;
  t.state = p.state.value_or("");
  t.language = p.lang && p.lang->starts_with("fr") ? Language::kFrench : Language::kEnglish;
  t.expires_at = now + kTransactionSeconds;
  t.session_digest = crypto::Sha256(session);
  out.parties.client_name = recipient->name;
  const auto refuse = [&](ErrorCode code, std::string message) {
    out.refused = Refused(code, std::move(message));
    return out;
  };
  for (std::string_view name : {"response_type", "scope", "state", "provider_id", "correlation_id",
                                "lang", "code_challenge", "code_challenge_method"}) {
    if (repeated(name)) {
      return refuse(ErrorCode::kInvalidRequest,
                    "The parameter " + std::string(name) + " is repeated");
    }
  }
  if (!p.response_type) return refuse(ErrorCode::kInvalidRequest, "response_type is required");
  if (*p.response_type != "code") {
    return refuse(ErrorCode::kUnsupportedResponseType, "response_type must be code");
  }
  if (!p.state) return refuse(ErrorCode::kInvalidRequest, "state is required");
  if (!p.provider_id) return refuse(ErrorCode::kInvalidRequest, "provider_id is required");
  const auto provider_id = ParseInt64(*p.provider_id);
  if (!provider_id || *provider_id <= 0) {
    return refuse(ErrorCode::kInvalidRequest, "provider_id must be a positive integer");
  }
  auto provider = providers_.GetProvider(*provider_id);
  if (!provider) {
    if (provider.error().code != ErrorCode::kNotFound) return provider.error();
    return refuse(ErrorCode::kInvalidRequest, "Unknown provider_id " + *p.provider_id);
  }
  t.provider_id = *provider_id;
  out.parties.provider_name = provider->name;
  out.upstream = upstream_ != nullptr && FdxConnectorOf(provider->connector).has_value();
  if (ConnectorFor(provider->connector) == nullptr && !out.upstream) {
    return refuse(ErrorCode::kInvalidRequest,
                  "The Data Provider " + *p.provider_id + " cannot be connected to yet");
  }
  auto scope = CheckScopes(p.scope, client->scope, provider->scope);
  if (!scope) return refuse(scope.error().code, scope.error().public_message);
  t.scope = *scope;
  if (p.code_challenge_method && !p.code_challenge) {
    return refuse(ErrorCode::kInvalidRequest, "code_challenge_method without code_challenge");
  }
  if (p.code_challenge) {
    if (p.code_challenge_method.value_or("plain") != "S256") {
      return refuse(ErrorCode::kInvalidRequest, "code_challenge_method must be S256");
    }
    if (!IsS256Challenge(*p.code_challenge)) {
      return refuse(ErrorCode::kInvalidRequest,
                    "code_challenge must be 43 base64url characters (RFC 7636 S256)");
    }
    t.code_challenge = *p.code_challenge;
  }
  auto registration = providers_.GetRegistration(t.client_id, t.provider_id);
  if (!registration && registration.error().code != ErrorCode::kNotFound) {
    return registration.error();
  }
  if (!registration || registration->status != store::RegistrationStatus::kActive) {
    return refuse(ErrorCode::kUnauthorizedClient,
                  "The Data Recipient's registration with this Data Provider is not ACTIVE");
  }
  return out;
}

Result<std::string> AuthorizeService::Seal(const Transaction& t) const {
  OBAUTH_TRY(sealed, crypto::Seal(seal_key_, kTransactionBinding, EncodeTransaction(t)));
  return crypto::Base64UrlEncode(sealed);
}

Result<Transaction> AuthorizeService::Open(std::string_view sealed,
                                           std::string_view session) const {
  const auto expired = [](std::string why) {
    return PageError(
        "This page has expired or was opened in another browser. Return to the application and "
        "start again.",
        "transaction refused: " + why);
  };
  if (sealed.size() > 16384) return expired("too long");
  const auto bytes = crypto::Base64UrlDecode(sealed);
  if (!bytes) return expired("not base64url");
  auto plain = crypto::Open(seal_key_, kTransactionBinding, *bytes);
  if (!plain) return expired("not sealed here");
  auto t = DecodeTransaction(*plain);
  if (!t) return expired("malformed");
  if (!crypto::ConstantTimeEquals(t->session_digest, crypto::Sha256(session))) {
    return expired("another session");
  }
  if (t->expires_at <= clock_.NowSeconds()) return expired("expired");
  return std::move(*t);
}

std::string AuthorizeService::CsrfToken(std::string_view session) const {
  return crypto::Base64UrlEncode(csrf_.Mac(session));
}

bool AuthorizeService::CheckCsrf(std::string_view session, std::string_view token) const {
  return !session.empty() && crypto::ConstantTimeEquals(CsrfToken(session), token);
}

Result<store::Provider> AuthorizeService::Provider(std::int64_t provider_id) const {
  return providers_.GetProvider(provider_id);
}

Result<const Connector*> AuthorizeService::ConnectorOf(std::int64_t provider_id) const {
  OBAUTH_TRY(provider, providers_.GetProvider(provider_id));
  const Connector* connector = ConnectorFor(provider.connector);
  if (connector == nullptr) {
    return PageError("This Data Provider cannot be connected to.",
                     "provider " + std::to_string(provider_id) + " has no connector");
  }
  return connector;
}

Result<Parties> AuthorizeService::PartiesOf(const Transaction& t) const {
  Parties out;
  OBAUTH_TRY(provider, providers_.GetProvider(t.provider_id));
  out.provider_name = provider.name;
  if (!t.client_id.empty()) {
    OBAUTH_TRY(client, clients_.FindClient(t.client_id));
    OBAUTH_TRY(recipient,
               recipients_.GetRecipient(client.partner_id, t.client_id, clock_.NowSeconds()));
    out.client_name = recipient.name;
  }
  return out;
}

Result<Customer> AuthorizeService::CheckedSignIn(std::int64_t provider_id,
                                                 std::string_view username,
                                                 const Secret& password) const {
  OBAUTH_TRY(connector, ConnectorOf(provider_id));
  // One counter per username at the provider, whatever the address (the lockout the customer
  // sees); the username is cut so that the counters' keys stay small.
  const std::string key = std::to_string(provider_id) + ":" + std::string(username.substr(0, 256));
  const std::int64_t now = clock_.NowSeconds();
  if (const auto wait = limiter_.RetryAfter(key, "", now); wait > 0) {
    Error e = MakeError(ErrorCode::kTooManyAttempts,
                        "Too many failed sign-ins for this username. Try again in " +
                            std::to_string(wait) + " seconds.",
                        "sign-in refused without checking: too many failures for a username");
    e.retry_after_seconds = wait;
    return e;
  }
  auto customer = connector->SignIn(provider_id, username.substr(0, 256), password);
  if (!customer) {
    if (customer.error().code == ErrorCode::kAccessDenied) limiter_.RecordFailure(key, "", now);
    return customer.error();
  }
  limiter_.RecordSuccess(key, "");
  return customer;
}

Result<std::pair<Transaction, ConsentView>> AuthorizeService::SignIn(const Transaction& t,
                                                                     std::string_view username,
                                                                     const Secret& password) const {
  OBAUTH_TRY(customer, CheckedSignIn(t.provider_id, username, password));
  Transaction signed_in = t;
  signed_in.customer_id = customer.customer_id;
  OBAUTH_TRY(view, ConsentOf(signed_in));
  return std::pair{std::move(signed_in), std::move(view)};
}

Result<ConsentView> AuthorizeService::ConsentOf(const Transaction& t) const {
  if (t.customer_id.empty()) return PageError("Sign in first.", "consent without a customer");
  OBAUTH_TRY(connector, ConnectorOf(t.provider_id));
  ConsentView view;
  OBAUTH_TRY(parties, PartiesOf(t));
  view.parties = std::move(parties);
  OBAUTH_TRY(customer, connector->FindCustomer(t.provider_id, t.customer_id));
  view.customer = std::move(customer);
  OBAUTH_TRY(accounts, connector->Accounts(t.provider_id, t.customer_id));
  view.accounts = std::move(accounts);
  return view;
}

std::string AuthorizeService::PairwiseSubject(const Transaction& t) const {
  // A UUID (RFC 9562 version 8) from a keyed hash of the recipient, the provider and the
  // customer: stable for the three, and two recipients' subjects of one customer are unrelated.
  std::string bytes =
      subject_.Mac(t.client_id + "\n" + std::to_string(t.provider_id) + "\n" + t.customer_id)
          .substr(0, 16);
  bytes[6] = static_cast<char>((static_cast<unsigned char>(bytes[6]) & 0x0f) | 0x80);
  bytes[8] = static_cast<char>((static_cast<unsigned char>(bytes[8]) & 0x3f) | 0x80);
  const std::string hex = crypto::ToHex(bytes);
  return hex.substr(0, 8) + "-" + hex.substr(8, 4) + "-" + hex.substr(12, 4) + "-" +
         hex.substr(16, 4) + "-" + hex.substr(20);
}

Result<std::string> AuthorizeService::Approve(const Transaction& t,
                                              const std::vector<std::string>& accounts) const {
  if (t.customer_id.empty() || t.client_id.empty()) {
    return PageError("Sign in first.", "approval without a customer");
  }
  OBAUTH_TRY(connector, ConnectorOf(t.provider_id));
  OBAUTH_TRY(owned, connector->Accounts(t.provider_id, t.customer_id));
  std::vector<std::string> chosen;
  for (const auto& account : owned) {
    if (std::find(accounts.begin(), accounts.end(), account.account_id) != accounts.end()) {
      chosen.push_back(account.account_id);
    }
  }
  if (chosen.empty() || chosen.size() != accounts.size()) {
    return MakeError(ErrorCode::kValidation, t.language == Language::kFrench
                                                 ? "Choisissez au moins un de vos comptes."
                                                 : "Choose at least one of your accounts.");
  }
  return IssueCode(t, std::move(chosen), std::nullopt);
}

Result<std::string> AuthorizeService::IssueCode(const Transaction& t,
                                                std::vector<std::string> accounts,
                                                std::optional<std::string> upstream) const {
  OBAUTH_TRY(code_id, crypto::TimeOrderedId());
  OBAUTH_TRY(code, oauth::NewGrantToken(code_id));
  const std::int64_t now = clock_.NowSeconds();
  store::AuthorizationCode record;
  record.code_id = std::move(code_id);
  record.code_hash = grant_hasher_.Mac(code.Expose());
  record.consent = {t.client_id,        t.provider_id, t.customer_id,
                    PairwiseSubject(t), t.scope,       std::move(accounts)};
  record.redirect_uri = t.redirect_uri;
  if (!t.code_challenge.empty()) record.code_challenge = t.code_challenge;
  record.created_at = now;
  record.expires_at = now + kCodeSeconds;
  record.upstream = std::move(upstream);
  if (auto created = connections_.CreateCode(record); !created) return created.error();
  return std::string(code.Expose());
}

Result<Transaction> AuthorizeService::SignInForApps(std::int64_t provider_id,
                                                    std::string_view username,
                                                    const Secret& password,
                                                    std::string_view session) const {
  OBAUTH_TRY(customer, CheckedSignIn(provider_id, username, password));
  Transaction t;
  t.provider_id = provider_id;
  t.customer_id = customer.customer_id;
  t.expires_at = clock_.NowSeconds() + kTransactionSeconds;
  t.session_digest = crypto::Sha256(session);
  return t;
}

Result<Customer> AuthorizeService::CustomerOf(const Transaction& t) const {
  if (t.customer_id.empty()) return PageError("Sign in first.", "no customer");
  OBAUTH_TRY(connector, ConnectorOf(t.provider_id));
  return connector->FindCustomer(t.provider_id, t.customer_id);
}

Result<std::vector<ConnectedApp>> AuthorizeService::ConnectedApps(const Transaction& t) const {
  if (t.customer_id.empty()) return PageError("Sign in first.", "apps without a customer");
  OBAUTH_TRY(connector, ConnectorOf(t.provider_id));
  OBAUTH_TRY(owned, connector->Accounts(t.provider_id, t.customer_id));
  OBAUTH_TRY(connections, connections_.ListCustomerConnections(t.provider_id, t.customer_id));
  std::vector<ConnectedApp> out;
  for (auto& connection : connections) {
    ConnectedApp app;
    for (const auto& account : owned) {
      const auto& consented = connection.consent.accounts;
      if (std::find(consented.begin(), consented.end(), account.account_id) != consented.end()) {
        app.accounts.push_back(account);
      }
    }
    app.connection = std::move(connection);
    out.push_back(std::move(app));
  }
  return out;
}

Result<void> AuthorizeService::RevokeApp(const Transaction& t, std::string_view connection_id,
                                         std::string_view request_id,
                                         std::string_view source) const {
  const auto not_found = [] {
    return MakeError(ErrorCode::kNotFound, "This connection does not exist.");
  };
  if (t.customer_id.empty()) return PageError("Sign in first.", "revoke without a customer");
  auto connection = connections_.GetConnection(connection_id);
  if (!connection) {
    if (connection.error().code != ErrorCode::kNotFound) return connection.error();
    return not_found();
  }
  if (connection->consent.provider_id != t.provider_id ||
      connection->consent.customer_id != t.customer_id) {
    return not_found();
  }
  OBAUTH_TRY(client, clients_.FindClient(connection->consent.client_id));
  const std::int64_t now = clock_.NowSeconds();
  boost::json::object options;
  options["connection_id"] = connection->connection_id;
  options["provider_id"] = connection->consent.provider_id;
  options["by"] = "customer";
  const store::AuditEvent audit{0,
                                now,
                                client.partner_id,
                                "customer",
                                "connection.revoked",
                                client.client_id,
                                std::string(request_id),
                                std::string(source),
                                boost::json::serialize(options)};
  OBAUTH_TRY(revoked, connections_.RevokeConnection(connection_id, now,
                                                    now + oauth::kConnectionMarkerSeconds, audit));
  (void)revoked;  // revoked before: the customer's wish holds all the same
  return {};
}

}  // namespace obauth::consent
