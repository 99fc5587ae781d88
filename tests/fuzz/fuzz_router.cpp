// libFuzzer driver: the whole request router (http::Router::Handle) behind Beast's HTTP parser,
// wired as src/app/main.cpp wires it, on a real SQLite file, with a fixed clock. The input is an
// HTTP request; the placeholders @PARTNER_ID@, @PARTNER_SECRET@, @TOKEN@ (the partner's
// client:admin token), @RECIPIENT_ID@ and @RECIPIENT_SECRET@ are replaced by working values
// first, so mutations reach past authentication; likewise for the customer's pages (the
// authorize query and the sign-in and consent forms) @SESSION@ (a session cookie), @CSRF@ (its
// token), @TRANSACTION@ (a sealed authorize transaction of that session for the recipient at
// sandbox provider 9000) and @SIGNED_IN@ (the same, signed in as alice).
// Invariants: no 5xx (every failure is the caller's: 4xx); JSON answers parse; a 4xx JSON body
// is {"message"} or an RFC 6749 {"error"}; an HTML answer is a whole page without a script; no
// answer repeats the partner's or the recipient's secret; nothing asks to be retried on a worker
// outside the inline path.
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/json.hpp>
#include <cstdint>
#include <cstdlib>
#include <memory>

#include "admin/partner_service.hpp"
#include "admin/recipient_service.hpp"
#include "consent/authorize_service.hpp"
#include "crypto/client_secret.hpp"
#include "fuzz/fuzz_support.hpp"
#include "http/router.hpp"
#include "oauth/auth_failure_limiter.hpp"
#include "oauth/usage_tracker.hpp"
#include "store/sqlite/sqlite_store.hpp"

namespace {

using namespace obauth;
namespace bh = boost::beast::http;

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
  std::unique_ptr<http::Router> router;
  std::vector<std::pair<std::string, std::string>> placeholders;
  std::string partner_secret;
  std::string recipient_secret;
};

World& TheWorld() {
  static World* world = [] {
    auto* w = new World;
    char dir[] = "/tmp/obauth-fuzz-XXXXXX";
    fuzz::Check(::mkdtemp(dir) != nullptr, "mkdtemp");
    auto opened = store::sqlite::SqliteStore::Open(std::string(dir) + "/fuzz.db", 2);
    fuzz::Check(opened.has_value(), "open store");
    w->store = std::move(*opened);
    auto key = crypto::SigningKey::Generate();
    fuzz::Check(key.has_value(), "signing key");
    w->access_tokens = std::make_unique<oauth::AccessTokens>(std::move(*key), "https://fuzz.test");
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
    w->router = std::make_unique<http::Router>(
        http::Services{*w->tokens, *w->recipients, *w->registrations, *w->idempotency, *w->store,
                       admin::RotateOptions{}, nullptr, w->authorize.get(), w->store.get()});

    auto partner = admin::CreatePartner(*w->store, w->hasher, w->clock, "Fuzz Partner",
                                        {"", "operator", "", "fuzz"});
    fuzz::Check(partner.has_value(), "create partner");
    w->partner_secret = std::string(partner->client_secret.Expose());
    http::Request token_request{bh::verb::post, "/api/v1/token", 11};
    token_request.set(bh::field::content_type, "application/x-www-form-urlencoded");
    token_request.body() =
        "grant_type=client_credentials&scope=client%3Aadmin&client_id=" + partner->client_id +
        "&client_secret=" + w->partner_secret;
    token_request.prepare_payload();
    const auto issued = w->router->Handle(token_request, {"fuzz-0", "192.0.2.7:4000", "fuzz-0"});
    fuzz::Check(issued.response.result_int() == 200, "partner token");
    const std::string token(
        boost::json::parse(issued.response.body()).at("access_token").as_string());
    admin::RecipientInput input;
    input.name = {true, std::string("Fuzz Recipient")};
    input.scope = {true, std::vector<std::string>{"ACCOUNT_BASIC"}};
    input.redirect_uris = {true, std::vector<std::string>{"https://fuzz.example/cb"}};
    auto created =
        w->recipients->Create({partner->client_id, partner->client_id, "fuzz", "fuzz"}, input);
    fuzz::Check(created.has_value(), "create recipient");
    w->recipient_secret = std::string(created->client_secret.Expose());
    // A sandbox provider the recipient is ACTIVE with, and a transaction of the authorize flow.
    store::Provider sandbox;
    sandbox.provider_id = 9000;
    sandbox.name = "Fuzz Sandbox";
    sandbox.country = "CA";
    sandbox.scope = "ACCOUNT_BASIC TRANSACTIONS";
    sandbox.data_inventory = "{}";
    sandbox.account_types = "{}";
    sandbox.connector = R"({"type":"sandbox"})";
    fuzz::Check(w->store->UpsertProviders({sandbox}).has_value(), "provider");
    const std::string recipient_id = created->recipient.client_id;
    const store::AuditEvent audit{
        0, 0, partner->client_id, "operator", "fuzz", recipient_id, "", "fuzz", "{}"};
    fuzz::Check(w->store->RequestRegistrations(partner->client_id, {recipient_id}, {9000}, 1, audit)
                    .has_value(),
                "registration");
    using Status = store::RegistrationStatus;
    fuzz::Check(w->store
                    ->TransitionRegistration(recipient_id, 9000, Status::kPendingApproval,
                                             Status::kPendingActivation, 1, audit)
                    .has_value(),
                "approve");
    fuzz::Check(w->store
                    ->TransitionRegistration(recipient_id, 9000, Status::kPendingActivation,
                                             Status::kActive, 1, audit)
                    .has_value(),
                "activate");
    const std::string session(43, 'S');
    consent::Transaction t;
    t.client_id = recipient_id;
    t.redirect_uri = "https://fuzz.example/cb";
    t.state = "st";
    t.scope = "ACCOUNT_BASIC";
    t.provider_id = 9000;
    t.expires_at = w->clock.NowSeconds() + 600;
    t.session_digest = crypto::Sha256(session);
    auto sealed = w->authorize->Seal(t);
    t.customer_id = "alice";
    auto signed_in = w->authorize->Seal(t);
    fuzz::Check(sealed.has_value() && signed_in.has_value(), "transactions");
    w->placeholders = {{"@SESSION@", session},
                       {"@CSRF@", w->authorize->CsrfToken(session)},
                       {"@TRANSACTION@", *sealed},
                       {"@SIGNED_IN@", *signed_in},
                       {"@PARTNER_ID@", partner->client_id},
                       {"@PARTNER_SECRET@", w->partner_secret},
                       {"@TOKEN@", token},
                       {"@RECIPIENT_ID@", created->recipient.client_id},
                       {"@RECIPIENT_SECRET@", w->recipient_secret}};
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

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  World& w = TheWorld();
  const std::string wire = Substitute(std::string(fuzz::AsText(data, size)), w);

  bh::request_parser<bh::string_body> parser;
  parser.eager(true);
  parser.body_limit(64 * 1024);
  parser.header_limit(16 * 1024);
  boost::system::error_code ec;
  parser.put(boost::asio::buffer(wire), ec);
  if (ec || !parser.is_done()) return 0;
  const http::Request request = parser.release();

  const http::Routed routed = w.router->Handle(request, {"fuzz-1", "192.0.2.7:4000", "fuzz-1"});
  const auto& response = routed.response;
  const unsigned status = response.result_int();
  fuzz::Check(!routed.would_block, "asked for a worker outside the inline path");
  fuzz::Check(status >= 200 && status < 500, "answered 5xx");
  const std::string& body = response.body();
  fuzz::Check(body.find(w.partner_secret) == std::string::npos, "answer repeats a secret");
  fuzz::Check(body.find(w.recipient_secret) == std::string::npos, "answer repeats a secret");
  const auto type = response.find(bh::field::content_type);
  if (type != response.end() && type->value().starts_with("application/json")) {
    const boost::json::value parsed = boost::json::parse(body, ec);
    fuzz::Check(!ec, "a JSON answer does not parse");
    if (status >= 400) {
      const auto* object = parsed.if_object();
      fuzz::Check(object != nullptr && (object->contains("message") || object->contains("error")),
                  "a 4xx body is neither {\"message\"} nor {\"error\"}");
    }
  }
  if (type != response.end() && type->value().starts_with("text/html")) {
    fuzz::Check(body.starts_with("<!DOCTYPE html>") && body.find("</html>") != std::string::npos,
                "an HTML answer is not a whole page");
    fuzz::Check(body.find("<script") == std::string::npos, "an HTML answer has a script");
  }
  return 0;
}
