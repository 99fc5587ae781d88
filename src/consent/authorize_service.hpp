// AuthorizeService: the customer's side of the Outbound flow (reference §5.2) — checks an
// authorize request, signs the customer in at the provider (its Connector), records the consent
// as an authorization code, and lets a signed-in customer see and revoke the connections made
// (the sandbox's connected-apps page). The browser carries the flow's state between pages as a
// Transaction sealed under a key derived from the server key and bound to its session cookie, so
// any instance can serve any step and nothing is stored before consent. Plain structs in and out;
// the HTTP edge renders them. Thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "consent/connector.hpp"
#include "consent/transaction.hpp"
#include "consent/upstream.hpp"
#include "core/clock.hpp"
#include "core/error.hpp"
#include "core/secret.hpp"
#include "crypto/hash.hpp"
#include "oauth/auth_failure_limiter.hpp"
#include "store/client_store.hpp"
#include "store/connection_store.hpp"
#include "store/provider_store.hpp"
#include "store/recipient_store.hpp"

namespace obauth::consent {

// How long a browser may take from the authorize request to its decision (and how long a
// connected-apps page stays signed in), and how long a code may wait for its exchange.
inline constexpr std::int64_t kTransactionSeconds = 600;
inline constexpr std::int64_t kCodeSeconds = 60;
// Failed sign-ins of one username (any address, one instance) in a minute before the next
// attempts are refused without checking the password.
inline constexpr int kMaxSignInFailures = 10;

// The query of GET /api/v1/authorize as received (nullopt: absent or empty).
struct AuthorizeParams {
  std::optional<std::string> client_id, redirect_uri, response_type, scope, state, provider_id,
      correlation_id, lang, code_challenge, code_challenge_method;
  std::vector<std::string> repeated;  // the names of parameters given more than once
};

// What the pages show about who asks and where.
struct Parties {
  std::string client_name;
  std::string provider_name;
};

// An authorize request that passed the checks that make its redirect URI trustworthy.
struct Checked {
  Transaction transaction;
  Parties parties;
  // Set when the request is refused all the same: the error to send to the redirect URI
  // (RFC 6749 §4.1.2.1) instead of showing the sign-in page.
  std::optional<Error> refused;
  // The provider is reached through an fdx connector: the browser goes to its authorization
  // endpoint (StartUpstream) instead of the sandbox's sign-in page.
  bool upstream = false;
};

// What the provider's authorization endpoint sent back to obauth's callback (RFC 6749 §4.1.2).
struct CallbackParams {
  std::optional<std::string> code, state, error;
};

// The end of a flow through an fdx connector: the transaction, and the code for the recipient
// or the refusal to send to its redirect URI.
struct UpstreamOutcome {
  Transaction transaction;
  std::optional<std::string> code;
  std::optional<Error> refused;
};

struct ConsentView {
  Parties parties;
  Customer customer;
  std::vector<AccountSummary> accounts;
};

struct ConnectedApp {
  store::Connection connection;
  std::vector<AccountSummary> accounts;  // the consented ones still at the provider
};

class AuthorizeService {
 public:
  // `browser_seal_key` (32 bytes) seals transactions; `csrf_key` makes CSRF tokens;
  // `grant_hasher` hashes codes as the token endpoint does; `subject_key` makes pairwise subjects.
  AuthorizeService(store::ClientStore& clients, store::RecipientStore& recipients,
                   store::ProviderStore& providers, store::ConnectionStore& connections,
                   Secret browser_seal_key, const Secret& csrf_key,
                   crypto::HmacSha256Key grant_hasher, const Secret& subject_key,
                   oauth::AuthFailureLimiter& sign_in_limiter, const Clock& clock,
                   const Upstream* upstream = nullptr);

  // Checks an authorize request from the browser with session cookie `session`. An error (an
  // unknown, retired or disabled client, a redirect URI that is not exactly one of its
  // registered ones, or one of them given twice) is shown to the customer on a page, never sent
  // to the redirect URI; kUnavailable/kInternal. Every other problem is Checked::refused.
  [[nodiscard]] Result<Checked> Check(const AuthorizeParams& params,
                                      std::string_view session) const;

  // The URL of the provider's authorization endpoint for a Checked::upstream transaction, with
  // the transaction (and a new PKCE verifier) sealed as its `state`. kUnavailable when the
  // provider's metadata cannot be read.
  [[nodiscard]] Result<std::string> StartUpstream(Transaction t) const;
  // Completes the flow at obauth's callback in the browser with session cookie `session`: opens
  // the transaction from `state` (kInvalidRequest as Open), exchanges the provider's code, and
  // issues obauth's code with the provider's tokens sealed in it. Once the transaction is open,
  // every failure is UpstreamOutcome::refused, for the recipient's redirect URI: the provider's
  // refusal or a code it will not exchange as access_denied, the provider unreachable as
  // kUnavailable (temporarily_unavailable).
  [[nodiscard]] Result<UpstreamOutcome> FinishUpstream(const CallbackParams& params,
                                                       std::string_view session) const;

  // The sealed form of `t` for a page's hidden field (base64url), and back: kInvalidRequest when
  // it was not made here, is for another session, or has expired.
  [[nodiscard]] Result<std::string> Seal(const Transaction& t) const;
  [[nodiscard]] Result<Transaction> Open(std::string_view sealed, std::string_view session) const;

  // The CSRF token of the forms of a session (base64url), and whether `token` is it (constant
  // time).
  std::string CsrfToken(std::string_view session) const;
  bool CheckCsrf(std::string_view session, std::string_view token) const;

  // Who asks and where, for a transaction's pages; kNotFound when either is gone.
  [[nodiscard]] Result<Parties> PartiesOf(const Transaction& t) const;

  // Signs the customer in at the transaction's provider and answers the transaction, now with
  // the customer, and what the consent page shows. kTooManyAttempts (no password checked) after
  // kMaxSignInFailures failures of the username in a minute; kAccessDenied for wrong
  // credentials; kInvalidRequest when the provider has no connector.
  [[nodiscard]] Result<std::pair<Transaction, ConsentView>> SignIn(const Transaction& t,
                                                                   std::string_view username,
                                                                   const Secret& password) const;
  // What the consent page of a signed-in transaction shows.
  [[nodiscard]] Result<ConsentView> ConsentOf(const Transaction& t) const;

  // Records the customer's approval of `accounts` (each one of the customer's, at least one;
  // kValidation otherwise) and answers the authorization code (shown once: only its hash is
  // stored).
  [[nodiscard]] Result<std::string> Approve(const Transaction& t,
                                            const std::vector<std::string>& accounts) const;

  // The connected-apps page: signs a customer in at `provider_id` (as SignIn) and answers a
  // transaction that holds only the provider and the customer.
  [[nodiscard]] Result<Transaction> SignInForApps(std::int64_t provider_id,
                                                  std::string_view username, const Secret& password,
                                                  std::string_view session) const;
  // The signed-in customer of the transaction.
  [[nodiscard]] Result<Customer> CustomerOf(const Transaction& t) const;
  // The live connections of the transaction's customer at its provider.
  [[nodiscard]] Result<std::vector<ConnectedApp>> ConnectedApps(const Transaction& t) const;
  // Revokes one of them (kNotFound for any other connection), recorded in the audit trail as
  // the customer's act from `source`.
  [[nodiscard]] Result<void> RevokeApp(const Transaction& t, std::string_view connection_id,
                                       std::string_view request_id, std::string_view source) const;

  // The provider's display name and whether it can be connected to (has a connector).
  [[nodiscard]] Result<store::Provider> Provider(std::int64_t provider_id) const;

 private:
  Result<const Connector*> ConnectorOf(std::int64_t provider_id) const;
  Result<Customer> CheckedSignIn(std::int64_t provider_id, std::string_view username,
                                 const Secret& password) const;
  std::string PairwiseSubject(const Transaction& t) const;
  // Exchanges the provider's code of `t` and issues obauth's: the code and the transaction with
  // the customer and the scopes granted.
  Result<std::pair<std::string, Transaction>> ExchangeUpstream(
      Transaction t, std::string_view provider_code) const;
  // Stores a code for the consent of `t`'s customer to `accounts` and answers it.
  Result<std::string> IssueCode(const Transaction& t, std::vector<std::string> accounts,
                                std::optional<std::string> upstream) const;

  store::ClientStore& clients_;
  store::RecipientStore& recipients_;
  store::ProviderStore& providers_;
  store::ConnectionStore& connections_;
  const Secret seal_key_;
  const crypto::HmacSha256Key csrf_;
  const crypto::HmacSha256Key grant_hasher_;
  const crypto::HmacSha256Key subject_;
  oauth::AuthFailureLimiter& limiter_;
  const Clock& clock_;
  const Upstream* upstream_;
};

}  // namespace obauth::consent
