// libFuzzer driver: the whole request router (http::Router::Handle) behind Beast's HTTP parser,
// wired as src/app/main.cpp wires it (with the FDX data endpoints' fdx::DataService), on a real
// SQLite file, with a fixed clock. The input is an HTTP request; once Beast has parsed it, the
// placeholders below are replaced by working values in its target, its header values and its
// body (whose Content-Length then becomes the substituted body's: a seed's Content-Length is that
// of its text as written), so mutations reach past authentication:
//   @PARTNER_ID@, @PARTNER_SECRET@, @TOKEN@ (the partner's client:admin token), @RECIPIENT_ID@,
//   @RECIPIENT_SECRET@ (after a rotation of the recipient's secret, the new one);
//   for the customer's pages (the authorize query and the sign-in and consent forms) @SESSION@ (a
//   session cookie), @CSRF@ (its token), @TRANSACTION@ (a sealed authorize transaction of that
//   session for the recipient at sandbox provider 9000) and @SIGNED_IN@ (the same, signed in as
//   alice);
//   for the FDX data endpoints (docs/fdx.md) @CONNECTION_TOKEN@, the access token of a real
//   connection (the consent flow, then the authorization_code grant) of the recipient at 9000 for
//   alice with all four of her accounts and all eight data scopes, @ACCOUNT_ID@ .. @ACCOUNT_ID_4@
//   her accounts in the order GET /api/fdx/5/accounts lists them (chequing, savings, card, TFSA),
//   and @NARROW_TOKEN@, a connection for carol with ACCOUNT_BASIC ACCOUNT_DETAILED TRANSACTIONS
//   only and two of her three accounts (chequing and RRSP: @CAROL_ACCOUNT_ID@, @CAROL_RRSP_ID@),
//   for the scope refusals (602) and an investment account without INVESTMENTS.
// The FDX service has no rate limit (requests_per_minute 0): the clock never moves, so any limit
// would make every FDX request after the first few a 1207 for the rest of the run (the limiter
// has its unit test). When an input ends a connection (DELETE /api/v1/revoke with its token, a
// rotation that revokes the recipient's tokens...) the driver makes it again, so the
// placeholders keep working and later inputs behave as before; only a retired recipient ends
// them for good (said once on stderr).
// Invariants: no 5xx (every failure is the caller's: 4xx); JSON answers parse; a 4xx JSON body
// is {"message"} or an RFC 6749 {"error"}, except on the FDX routes (the route table's
// /api/fdx/5/... templates: Router::ErrorFormatOf), where it is §9.2's {"code","message",
// "debugMessage"} with the code of its status in docs/fdx.md, or a bare {"message"} for a 401 (a
// refused token). Every answer of an FDX route carries ob-correlation-id (the request's own when
// safe, else the request id) and ob-trace-id; a 200 there is application/json that parses (a
// page's next link an absolute URL on the issuer, there exactly with nextOffset) or
// application/pdf starting with %PDF-; a 401 there has a Bearer challenge, a 405 an Allow header.
// An HTML answer is a whole page without a script. No answer shows the partner's or the
// recipient's secret or a connection's access or refresh token (but, outside the OAuth
// endpoints, an answer may give back what the request's target or body carried, like the
// username on the sign-in form; an FDX answer repeats the request's own ob-correlation-id; and a
// rotation shows the secret it issued). Nothing asks to be retried on a worker outside the
// inline path.
// OBAUTH_FUZZ_VERBOSE=1 in the environment prints each request's answer (to check a seed).
#include <algorithm>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/json.hpp>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <optional>
#include <string_view>

#include "admin/partner_service.hpp"
#include "admin/recipient_service.hpp"
#include "consent/authorize_service.hpp"
#include "core/scopes.hpp"
#include "crypto/base64url.hpp"
#include "crypto/client_secret.hpp"
#include "crypto/hash.hpp"
#include "fdx/data_service.hpp"
#include "fuzz/fuzz_support.hpp"
#include "http/router.hpp"
#include "oauth/auth_failure_limiter.hpp"
#include "oauth/usage_tracker.hpp"
#include "store/sqlite/sqlite_store.hpp"

namespace {

using namespace obauth;
namespace bh = boost::beast::http;

constexpr std::string_view kRedirectUri = "https://fuzz.example/cb";
constexpr std::string_view kIssuer = "https://fuzz.test";
constexpr std::int64_t kSandbox = 9000;
// RFC 7636 Appendix B's verifier.
constexpr std::string_view kVerifier = "dBjftJeZ4CVP-mJ0kXYZaKWk0djX8L8Ox3sT5u-kZ2g";

// A connection the driver keeps alive for the FDX placeholders.
struct FdxConnection {
  std::string placeholder;                   // of its access token
  std::string customer;                      // the sandbox username
  std::string scope;                         // what the authorize request asks
  std::vector<std::size_t> account_indexes;  // which of the customer's accounts it shares
  std::string access_token;
  std::string refresh_token;
  std::string connection_id;
  bool lost = false;  // could not be made again (the recipient retired, its secret rotated...)
};

struct World {
  std::unique_ptr<store::Database> store;
  Secret key{std::string(32, 'k')};
  crypto::SecretHasher hasher{key};
  ManualClock clock{1'800'000'000};
  std::unique_ptr<oauth::AccessTokens> access_tokens;
  oauth::UsageTracker usage;
  oauth::AuthFailureLimiter limiter{oauth::AuthFailureLimits{}};
  std::unique_ptr<oauth::TokenService> tokens;
  std::unique_ptr<admin::RecipientService> recipients;
  std::unique_ptr<admin::RegistrationService> registrations;
  std::unique_ptr<admin::Idempotency> idempotency;
  oauth::ConnectionUses connection_uses;
  std::unique_ptr<oauth::CustomerGrants> customer_grants;
  oauth::AuthFailureLimiter sign_in_limiter{oauth::AuthFailureLimits{10, 1000000000, 60}};
  std::unique_ptr<consent::AuthorizeService> authorize;
  std::unique_ptr<fdx::DataService> data;
  std::unique_ptr<http::Router> router;
  std::vector<std::pair<std::string, std::string>> placeholders;
  std::string partner_secret;
  std::string recipient_secret;
  std::string recipient_id;
  std::string session;
  std::vector<FdxConnection> connections;
  // Every connection token the driver was given (the first ones and the current ones): no answer
  // may show one.
  std::vector<std::string> first_tokens;
  std::vector<std::string> grant_tokens;
  std::string first_recipient_secret;
  bool verbose = false;
};

http::Routed Send(const World& w, const http::Request& request) {
  return w.router->Handle(request, {"fuzz-0", "192.0.2.7:4000", "fuzz-0"});
}

http::Request Form(std::string_view target, std::string body) {
  http::Request request{bh::verb::post, target, 11};
  request.set(bh::field::content_type, "application/x-www-form-urlencoded");
  request.body() = std::move(body);
  request.prepare_payload();
  return request;
}

std::string Json(const boost::json::object& object, std::string_view name) {
  const auto* value = object.if_contains(name);
  return value != nullptr && value->is_string() ? std::string(value->as_string()) : std::string();
}

std::string Why(const Error& e) {
  return e.public_message + (e.internal.empty() ? "" : " (" + e.internal + ")");
}

void SetPlaceholder(World& w, std::string_view name, std::string value) {
  for (auto& [from, to] : w.placeholders) {
    if (from == name) {
      to = std::move(value);
      return;
    }
  }
  w.placeholders.emplace_back(std::string(name), std::move(value));
}

// Makes `c` through the public API a recipient uses: the authorize request's checks
// (AuthorizeService::Check, as GET /api/v1/authorize; when `check` is false the transaction is
// sealed as for @SIGNED_IN@, so that a connection is made again even after an input changed the
// recipient's redirect URIs or scopes), the customer signed in as for @SIGNED_IN@, the consent
// form approved with the chosen accounts (POST /api/v1/authorize/consent, whose 302 carries the
// code), and the code exchanged at POST /api/v1/token with PKCE. An empty answer when it worked,
// else what failed.
std::string Connect(World& w, FdxConnection& c, bool check) {
  const std::string challenge = crypto::Base64UrlEncode(crypto::Sha256(kVerifier));
  consent::Transaction t;
  if (check) {
    consent::AuthorizeParams params;
    params.client_id = w.recipient_id;
    params.redirect_uri = std::string(kRedirectUri);
    params.response_type = "code";
    params.scope = c.scope;
    params.state = "fdx";
    params.provider_id = std::to_string(kSandbox);
    params.code_challenge = challenge;
    params.code_challenge_method = "S256";
    auto checked = w.authorize->Check(params, w.session);
    if (!checked) return "authorize check: " + Why(checked.error());
    if (checked->refused) return "authorize refused: " + checked->refused->public_message;
    t = checked->transaction;
    if (t.scope != c.scope) return "authorize: another scope " + t.scope;
  } else {
    t.client_id = w.recipient_id;
    t.redirect_uri = std::string(kRedirectUri);
    t.state = "fdx";
    t.scope = c.scope;
    t.provider_id = kSandbox;
    t.code_challenge = challenge;
    t.expires_at = w.clock.NowSeconds() + consent::kTransactionSeconds;
    t.session_digest = crypto::Sha256(w.session);
  }
  t.customer_id = c.customer;
  auto view = w.authorize->ConsentOf(t);
  if (!view) return "consent view: " + Why(view.error());
  auto sealed = w.authorize->Seal(t);
  if (!sealed) return "seal";
  std::string body =
      "decision=approve&csrf=" + w.authorize->CsrfToken(w.session) + "&transaction=" + *sealed;
  for (std::size_t i : c.account_indexes) {
    if (i >= view->accounts.size()) return "no account " + std::to_string(i);
    body += "&account=" + view->accounts[i].account_id;
  }
  http::Request approve = Form("/api/v1/authorize/consent", std::move(body));
  approve.set(bh::field::cookie, "obauth_session=" + w.session);
  const auto approved = Send(w, approve);
  const auto location = approved.response.find(bh::field::location);
  if (approved.response.result_int() != 302 || location == approved.response.end()) {
    return "consent: " + std::to_string(approved.response.result_int()) + " " +
           approved.response.body().substr(0, 2000);
  }
  const std::string_view to = location->value();
  auto at = to.find("?code=");
  if (at == std::string_view::npos) at = to.find("&code=");
  if (at == std::string_view::npos) return "consent redirect without a code: " + std::string(to);
  std::string_view code = to.substr(at + 6);
  code = code.substr(0, code.find('&'));
  const auto issued = Send(
      w, Form("/api/v1/token", "grant_type=authorization_code&code=" + std::string(code) +
                                   "&redirect_uri=https%3A%2F%2Ffuzz.example%2Fcb&code_verifier=" +
                                   std::string(kVerifier) + "&client_id=" + w.recipient_id +
                                   "&client_secret=" + w.recipient_secret));
  if (issued.response.result_int() != 200) {
    return "token: " + std::to_string(issued.response.result_int()) + " " + issued.response.body();
  }
  boost::system::error_code ec;
  const auto parsed = boost::json::parse(issued.response.body(), ec);
  if (ec || !parsed.is_object()) return "token: not JSON";
  c.access_token = Json(parsed.as_object(), "access_token");
  c.refresh_token = Json(parsed.as_object(), "refresh_token");
  if (c.access_token.empty() || c.refresh_token.empty()) return "token: no access/refresh token";
  if (Json(parsed.as_object(), "scope") != c.scope) return "token: another scope";
  auto principal = w.tokens->Authorize(c.access_token);
  if (!principal || !principal->IsConnection()) return "token: not a connection's";
  c.connection_id = principal->claims.connection_id;
  SetPlaceholder(w, c.placeholder, c.access_token);
  return {};
}

// The tokens no answer may show: the connections' first ones and their current ones.
void WatchTokens(World& w) {
  w.grant_tokens = w.first_tokens;
  for (const auto& c : w.connections) {
    w.grant_tokens.push_back(c.access_token);
    w.grant_tokens.push_back(c.refresh_token);
  }
}

// GET /api/fdx/5/accounts with `token`: the accountIds it lists, in order.
std::vector<std::string> ListedAccounts(const World& w, const std::string& token) {
  http::Request request{bh::verb::get, "/api/fdx/5/accounts", 11};
  request.set(bh::field::authorization, "Bearer " + token);
  const auto listed = Send(w, request);
  fuzz::Check(listed.response.result_int() == 200, "GET /api/fdx/5/accounts");
  std::vector<std::string> ids;
  const auto parsed = boost::json::parse(listed.response.body());
  for (const auto& item : parsed.at("accounts").as_array()) {
    // Each account is wrapped by its FDX kind: {"depositAccount": {...}}.
    fuzz::Check(item.as_object().size() == 1, "an account is one wrapped object");
    ids.emplace_back(item.as_object().begin()->value().at("accountId").as_string());
  }
  return ids;
}

// True while `c`'s access token still reads its connection's data.
bool Alive(World& w, const FdxConnection& c) {
  auto principal = w.tokens->Authorize(c.access_token);
  if (!principal) return false;
  auto connection = w.store->GetConnection(c.connection_id);
  return connection.has_value() && !connection->revoked_at;
}

// After an input that may have ended a connection: makes each one it ended again.
void KeepConnectionsAlive(World& w) {
  static int remade = 0;
  for (auto& c : w.connections) {
    if (c.lost || Alive(w, c)) continue;
    const std::string failed = Connect(w, c, false);
    if (!failed.empty()) {
      c.lost = true;
      std::fprintf(stderr, "fuzz_router: an input ended %s, which cannot be made again (%s)\n",
                   c.placeholder.c_str(), failed.c_str());
    } else if (++remade <= 5 || w.verbose) {
      std::fprintf(stderr, "fuzz_router: an input ended %s: made again (%d)\n",
                   c.placeholder.c_str(), remade);
    }
    WatchTokens(w);
  }
}

World& TheWorld() {
  static World* world = [] {
    auto* w = new World;
    w->verbose = std::getenv("OBAUTH_FUZZ_VERBOSE") != nullptr;
    char dir[] = "/tmp/obauth-fuzz-XXXXXX";
    fuzz::Check(::mkdtemp(dir) != nullptr, "mkdtemp");
    auto opened = store::sqlite::SqliteStore::Open(std::string(dir) + "/fuzz.db", 2);
    fuzz::Check(opened.has_value(), "open store");
    w->store = std::move(*opened);
    auto key = crypto::SigningKey::Generate();
    fuzz::Check(key.has_value(), "signing key");
    w->access_tokens = std::make_unique<oauth::AccessTokens>(std::move(*key), std::string(kIssuer));
    w->customer_grants = std::make_unique<oauth::CustomerGrants>(oauth::CustomerGrants{
        *w->store, crypto::HmacSha256Key(std::string(32, 'g')), w->connection_uses, 86400});
    w->tokens = std::make_unique<oauth::TokenService>(*w->store, w->hasher, *w->access_tokens,
                                                      w->usage, w->limiter, w->clock, 300, nullptr,
                                                      w->customer_grants.get());
    w->authorize = std::make_unique<consent::AuthorizeService>(
        *w->store, *w->store, *w->store, *w->store, Secret(std::string(32, 's')),
        Secret(std::string(32, 'c')), crypto::HmacSha256Key(std::string(32, 'g')),
        Secret(std::string(32, 'p')), w->sign_in_limiter, w->clock);
    w->recipients =
        std::make_unique<admin::RecipientService>(*w->store, *w->store, w->hasher, w->clock);
    w->registrations = std::make_unique<admin::RegistrationService>(*w->store, *w->store, w->clock);
    w->idempotency =
        std::make_unique<admin::Idempotency>(Secret(std::string(32, 'i')), *w->store, w->clock);
    // As src/app/main.cpp: fdx::DataService data(cache, database, clock, requests_per_minute).
    w->data = std::make_unique<fdx::DataService>(*w->store, *w->store, w->clock, 0);
    w->router = std::make_unique<http::Router>(http::Services{
        *w->tokens, *w->recipients, *w->registrations, *w->idempotency, *w->store,
        admin::RotateOptions{}, nullptr, w->authorize.get(), w->store.get(), w->data.get()});

    auto partner = admin::CreatePartner(*w->store, w->hasher, w->clock, "Fuzz Partner",
                                        {"", "operator", "", "fuzz"});
    fuzz::Check(partner.has_value(), "create partner");
    w->partner_secret = std::string(partner->client_secret.Expose());
    const auto issued = Send(
        *w, Form("/api/v1/token", "grant_type=client_credentials&scope=client%3Aadmin&client_id=" +
                                      partner->client_id + "&client_secret=" + w->partner_secret));
    fuzz::Check(issued.response.result_int() == 200, "partner token");
    const std::string token(
        boost::json::parse(issued.response.body()).at("access_token").as_string());
    // The recipient and the sandbox provider have every data scope.
    const std::vector<std::string> all_scopes(kDataScopes.begin(), kDataScopes.end());
    admin::RecipientInput input;
    input.name = {true, std::string("Fuzz Recipient")};
    input.scope = {true, all_scopes};
    input.redirect_uris = {true, std::vector<std::string>{std::string(kRedirectUri)}};
    auto created =
        w->recipients->Create({partner->client_id, partner->client_id, "fuzz", "fuzz"}, input);
    fuzz::Check(created.has_value(), "create recipient");
    w->recipient_secret = std::string(created->client_secret.Expose());
    w->first_recipient_secret = w->recipient_secret;
    // A sandbox provider the recipient is ACTIVE with, and a transaction of the authorize flow.
    store::Provider sandbox;
    sandbox.provider_id = kSandbox;
    sandbox.name = "Fuzz Sandbox";
    sandbox.country = "CA";
    sandbox.scope = JoinScopes(all_scopes);
    sandbox.data_inventory = "{}";
    sandbox.account_types = "{}";
    sandbox.connector = R"({"type":"sandbox"})";
    fuzz::Check(w->store->UpsertProviders({sandbox}).has_value(), "provider");
    const std::string recipient_id = created->recipient.client_id;
    w->recipient_id = recipient_id;
    const store::AuditEvent audit{
        0, 0, partner->client_id, "operator", "fuzz", recipient_id, "", "fuzz", "{}"};
    fuzz::Check(
        w->store->RequestRegistrations(partner->client_id, {recipient_id}, {kSandbox}, 1, audit)
            .has_value(),
        "registration");
    using Status = store::RegistrationStatus;
    fuzz::Check(w->store
                    ->TransitionRegistration(recipient_id, kSandbox, Status::kPendingApproval,
                                             Status::kPendingActivation, 1, audit)
                    .has_value(),
                "approve");
    fuzz::Check(w->store
                    ->TransitionRegistration(recipient_id, kSandbox, Status::kPendingActivation,
                                             Status::kActive, 1, audit)
                    .has_value(),
                "activate");
    // A session cookie the router accepts: 43 characters of canonical base64url (43 'S' is not:
    // its last character leaves non-zero bits, so the cookie was ignored).
    w->session = crypto::Base64UrlEncode(std::string(32, 'S'));
    fuzz::Check(w->session.size() == 43, "session");
    consent::Transaction t;
    t.client_id = recipient_id;
    t.redirect_uri = std::string(kRedirectUri);
    t.state = "st";
    t.scope = "ACCOUNT_BASIC";
    t.provider_id = kSandbox;
    t.expires_at = w->clock.NowSeconds() + 600;
    t.session_digest = crypto::Sha256(w->session);
    auto sealed = w->authorize->Seal(t);
    t.customer_id = "alice";
    auto signed_in = w->authorize->Seal(t);
    fuzz::Check(sealed.has_value() && signed_in.has_value(), "transactions");
    w->placeholders = {{"@SESSION@", w->session},
                       {"@CSRF@", w->authorize->CsrfToken(w->session)},
                       {"@TRANSACTION@", *sealed},
                       {"@SIGNED_IN@", *signed_in},
                       {"@PARTNER_ID@", partner->client_id},
                       {"@PARTNER_SECRET@", w->partner_secret},
                       {"@TOKEN@", token},
                       {"@RECIPIENT_ID@", created->recipient.client_id},
                       {"@RECIPIENT_SECRET@", w->recipient_secret}};

    // The FDX connections: alice with everything, carol with less.
    w->connections.push_back(
        {"@CONNECTION_TOKEN@", "alice", JoinScopes(all_scopes), {0, 1, 2, 3}, {}, {}, {}, false});
    w->connections.push_back({"@NARROW_TOKEN@",
                              "carol",
                              "ACCOUNT_BASIC ACCOUNT_DETAILED TRANSACTIONS",
                              {0, 2},
                              {},
                              {},
                              {},
                              false});
    for (auto& c : w->connections) {
      const std::string failed = Connect(*w, c, true);
      if (!failed.empty()) std::fprintf(stderr, "%s: %s\n", c.placeholder.c_str(), failed.c_str());
      fuzz::Check(failed.empty(), "FDX connection");
    }
    WatchTokens(*w);
    w->first_tokens = w->grant_tokens;
    const auto alice = ListedAccounts(*w, w->connections[0].access_token);
    fuzz::Check(alice.size() == 4, "alice's four accounts");
    SetPlaceholder(*w, "@ACCOUNT_ID@", alice[0]);
    SetPlaceholder(*w, "@ACCOUNT_ID_2@", alice[1]);
    SetPlaceholder(*w, "@ACCOUNT_ID_3@", alice[2]);
    SetPlaceholder(*w, "@ACCOUNT_ID_4@", alice[3]);
    const auto carol = ListedAccounts(*w, w->connections[1].access_token);
    fuzz::Check(carol.size() == 2, "carol's two shared accounts");
    SetPlaceholder(*w, "@CAROL_ACCOUNT_ID@", carol[0]);
    SetPlaceholder(*w, "@CAROL_RRSP_ID@", carol[1]);
    return w;
  }();
  return *world;
}

std::string Substitute(std::string text, const World& w) {
  for (const auto& [from, to] : w.placeholders) {
    for (auto at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
      text.replace(at, from.size(), to);
    }
  }
  return text;
}

// `parsed` with its placeholders replaced: in the target, the header values and the body.
http::Request Substituted(const http::Request& parsed, const World& w) {
  http::Request out;
  if (parsed.method() == bh::verb::unknown) {
    out.method_string(parsed.method_string());
  } else {
    out.method(parsed.method());
  }
  out.target(Substitute(std::string(parsed.target()), w));
  out.version(parsed.version());
  for (const auto& field : parsed) {
    out.insert(field.name_string(), Substitute(std::string(field.value()), w));
  }
  out.body() = Substitute(parsed.body(), w);
  if (out.body().size() != parsed.body().size() && out.count(bh::field::content_length) != 0) {
    out.set(bh::field::content_length, std::to_string(out.body().size()));
  }
  return out;
}

bool IsSafeId(std::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  return id.find_first_not_of(
             "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.") ==
         std::string_view::npos;
}

// Reference §9.2 as docs/fdx.md's table gives it: the HTTP status of an FDX error code.
unsigned StatusOfFdxCode(std::int64_t code) {
  switch (code) {
    case 401:
    case 702:
    case 703:
      return 400;
    case 602:
      return 401;
    case 601:
    case 701:
    case 1107:
      return 404;
    case 501:
      return 405;
    case 1203:
      return 406;
    case 1207:
      return 429;
    default:
      return 0;
  }
}

// The invariants of an answer of an FDX route (docs/fdx.md).
void CheckFdxAnswer(const http::Request& request, const http::Response& response,
                    std::string_view type) {
  const unsigned status = response.result_int();
  const auto correlation = response.find("ob-correlation-id");
  const auto trace = response.find("ob-trace-id");
  fuzz::Check(correlation != response.end() && trace != response.end(),
              "an FDX answer lacks ob-correlation-id or ob-trace-id");
  const auto own = request.find("ob-correlation-id");
  const bool safe = own != request.end() && IsSafeId(own->value());
  const std::string_view expected = safe ? std::string_view(own->value()) : "fuzz-1";
  fuzz::Check(std::string_view(correlation->value()) == expected,
              "an FDX answer's ob-correlation-id is neither the request's own nor its id");
  fuzz::Check(trace->value() == "fuzz-1", "an FDX answer's ob-trace-id is not the request's id");
  const std::string& body = response.body();
  if (status == 200) {
    if (type == "application/pdf") {
      fuzz::Check(body.starts_with("%PDF-"), "an FDX PDF does not start with %PDF-");
      return;
    }
    fuzz::Check(type == "application/json", "an FDX 200 is neither application/json nor a PDF");
    boost::system::error_code ec;
    const auto parsed = boost::json::parse(body, ec);
    fuzz::Check(!ec && parsed.is_object(), "an FDX 200 is not a JSON object");
    // A page's next link is an absolute URL on the issuer, there exactly when nextOffset is.
    const auto* page = parsed.as_object().if_contains("page");
    if (page != nullptr && page->is_object()) {
      const auto* next = page->as_object().if_contains("nextOffset");
      const auto* links = parsed.as_object().if_contains("links");
      fuzz::Check((next != nullptr) == (links != nullptr), "a page's nextOffset without its link");
      if (links != nullptr) {
        const auto* href = links->is_object() && links->as_object().contains("next") &&
                                   links->as_object().at("next").is_object()
                               ? links->as_object().at("next").as_object().if_contains("href")
                               : nullptr;
        fuzz::Check(href != nullptr && href->is_string(), "a page's link has no href");
        const std::string_view url = href->as_string();
        fuzz::Check(url.starts_with(std::string(kIssuer) + "/api/fdx/5/"),
                    "a page's next link is not on the issuer's /api/fdx/5");
        fuzz::Check(
            url.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                                  "0123456789-._~:/?#[]@!$&'()*+,;=%") == std::string_view::npos,
            "a page's next link is not a valid URL");
      }
    }
    return;
  }
  fuzz::Check(status >= 400 && status < 500, "an FDX answer is neither 200 nor 4xx");
  fuzz::Check(type == "application/json", "an FDX error is not application/json");
  boost::system::error_code ec;
  const auto parsed = boost::json::parse(body, ec);
  const auto* object = parsed.if_object();
  fuzz::Check(!ec && object != nullptr, "an FDX error is not a JSON object");
  const auto* message = object->if_contains("message");
  fuzz::Check(message != nullptr && message->is_string(), "an FDX error has no string message");
  if (object->size() == 1) {
    fuzz::Check(status == 401, "a bare {\"message\"} FDX error that is not a 401");
  } else {
    const auto* code = object->if_contains("code");
    const auto* debug = object->if_contains("debugMessage");
    fuzz::Check(object->size() == 3 && code != nullptr && code->is_int64() && debug != nullptr &&
                    debug->is_string(),
                "an FDX error is not {\"code\":int,\"message\":string,\"debugMessage\":string}");
    fuzz::Check(StatusOfFdxCode(code->as_int64()) == status,
                "an FDX error's code is not the one docs/fdx.md gives its status");
  }
  if (status == 401) {
    const auto challenge = response.find(bh::field::www_authenticate);
    fuzz::Check(challenge != response.end() && challenge->value().starts_with("Bearer realm="),
                "an FDX 401 without a Bearer challenge");
  }
  if (status == 405) {
    fuzz::Check(response.count(bh::field::allow) != 0, "an FDX 405 without Allow");
  }
}

constexpr std::string_view kRotation = "/api/v1/recipients/{client_id}/secret";

// No answer shows a secret or a connection's token. But an answer may give back what the
// request's target or body carried (the sign-in form keeps the username typed, a redirect to the
// client names the scope asked, a recipient its name), except on the OAuth endpoints, which take
// credentials there; an FDX answer repeats the request's own ob-correlation-id; and a rotation
// shows the secret it issued (again, when its Idempotency-Key replays it).
void CheckNoSecret(const World& w, const http::Request& request, const http::Routed& routed) {
  const http::Response& response = routed.response;
  const bool oauth = http::Router::ErrorFormatOf(request.target()) == http::ErrorFormat::kOAuth;
  const auto correlation = request.find("ob-correlation-id");
  const auto leaks = [&](const std::string& secret) {
    if (secret.empty()) return false;
    const bool echo = !oauth && (request.target().find(secret) != std::string_view::npos ||
                                 request.body().find(secret) != std::string::npos);
    if (response.body().find(secret) != std::string::npos && !echo) return true;
    for (const auto& field : response) {
      if (field.value().find(secret) == std::string_view::npos) continue;
      if (field.name() == bh::field::location && echo) continue;
      if (field.name_string() == "ob-correlation-id" && correlation != request.end() &&
          correlation->value() == field.value()) {
        continue;
      }
      return true;
    }
    return false;
  };
  fuzz::Check(!leaks(w.partner_secret), "answer repeats a secret");
  if (routed.route != kRotation || response.result_int() != 200) {
    fuzz::Check(!leaks(w.first_recipient_secret) && !leaks(w.recipient_secret),
                "answer repeats a secret");
  }
  for (const auto& token : w.grant_tokens) {
    fuzz::Check(!leaks(token), "answer shows a connection's access or refresh token");
  }
}

// After a rotation of the recipient's secret, @RECIPIENT_SECRET@ is the new one (so that the
// recipient's own requests, and the connections made again, keep working).
void FollowRotation(World& w, const http::Request& request, const http::Routed& routed) {
  if (routed.route != kRotation || routed.response.result_int() != 200 ||
      request.target().find(w.recipient_id) == std::string_view::npos) {
    return;
  }
  boost::system::error_code ec;
  const auto parsed = boost::json::parse(routed.response.body(), ec);
  if (ec || !parsed.is_object() || Json(parsed.as_object(), "client_id") != w.recipient_id) return;
  const std::string secret = Json(parsed.as_object(), "client_secret");
  if (secret.empty()) return;
  w.recipient_secret = secret;
  SetPlaceholder(w, "@RECIPIENT_SECRET@", secret);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  World& w = TheWorld();
  const std::string_view wire = fuzz::AsText(data, size);

  bh::request_parser<bh::string_body> parser;
  parser.eager(true);
  parser.body_limit(64 * 1024);
  parser.header_limit(16 * 1024);
  boost::system::error_code ec;
  parser.put(boost::asio::buffer(wire.data(), wire.size()), ec);
  if (ec || !parser.is_done()) return 0;
  const http::Request request = Substituted(parser.get(), w);

  const http::Routed routed = w.router->Handle(request, {"fuzz-1", "192.0.2.7:4000", "fuzz-1"});
  const auto& response = routed.response;
  const unsigned status = response.result_int();
  const std::string& body = response.body();
  const auto type_field = response.find(bh::field::content_type);
  const std::string_view type =
      type_field == response.end() ? std::string_view() : std::string_view(type_field->value());
  if (w.verbose) {
    std::fprintf(stderr, "%s %.*s -> %u %.*s %.*s\n", std::string(request.method_string()).c_str(),
                 static_cast<int>(std::min<std::size_t>(request.target().size(), 200)),
                 request.target().data(), status, static_cast<int>(type.size()), type.data(),
                 static_cast<int>(std::min<std::size_t>(body.size(), 300)), body.data());
  }
  fuzz::Check(!routed.would_block, "asked for a worker outside the inline path");
  fuzz::Check(status >= 200 && status < 500, "answered 5xx");
  CheckNoSecret(w, request, routed);
  const bool fdx = http::Router::ErrorFormatOf(request.target()) == http::ErrorFormat::kFdx;
  if (fdx) CheckFdxAnswer(request, response, type);
  if (type.starts_with("application/json")) {
    const boost::json::value parsed = boost::json::parse(body, ec);
    fuzz::Check(!ec, "a JSON answer does not parse");
    if (status >= 400 && !fdx) {
      const auto* object = parsed.if_object();
      fuzz::Check(object != nullptr && (object->contains("message") || object->contains("error")),
                  "a 4xx body is neither {\"message\"} nor {\"error\"}");
    }
  }
  if (type.starts_with("text/html")) {
    fuzz::Check(body.starts_with("<!DOCTYPE html>") && body.find("</html>") != std::string::npos,
                "an HTML answer is not a whole page");
    fuzz::Check(body.find("<script") == std::string::npos, "an HTML answer has a script");
  }
  FollowRotation(w, request, routed);
  // Only a write that succeeds can end a connection (a GET never does, nor a token or an
  // introspection request without the connection's code or refresh token).
  if (request.method() != bh::verb::get && status < 400 && routed.route != "/api/v1/token" &&
      routed.route != "/api/v1/introspect") {
    KeepConnectionsAlive(w);
  }
  return 0;
}
