#include "bench_world.hpp"

#include <stdlib.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <system_error>
#include <vector>

#include "crypto/base64url.hpp"
#include "crypto/hash.hpp"
#include "crypto/signing_key.hpp"

namespace obauth::bench {
namespace {

template <class T>
T OrDie(Result<T> result, const char* what) {
  if (!result) {
    std::fprintf(stderr, "bench setup: %s failed: %s\n", what, result.error().internal.c_str());
    std::abort();
  }
  return std::move(*result);
}

}  // namespace

BenchWorld& BenchWorld::Get() {
  static BenchWorld world;
  return world;
}

BenchWorld::BenchWorld() {
  std::string pattern = (std::filesystem::temp_directory_path() / "obauth-bench-XXXXXX").string();
  if (mkdtemp(pattern.data()) == nullptr) {
    std::perror("bench setup: mkdtemp");
    std::abort();
  }
  dir = pattern;
  // As main.cpp: worker_threads + 1 connections; one is enough for a single-threaded benchmark.
  sqlite = OrDie(store::sqlite::SqliteStore::Open((dir / "obauth.db").string(), 2), "open store");
  store = std::make_unique<store::CachingStore>(*sqlite, store::CachingStore::kPollInterval,
                                                store::CachingStore::kMaxEntries);
  hasher = std::make_unique<crypto::SecretHasher>(Secret(std::string(32, 'k')));
  access_tokens = std::make_unique<oauth::AccessTokens>(
      OrDie(crypto::SigningKey::Generate(), "key generation"), std::string(kIssuer));
  tokens = std::make_unique<oauth::TokenService>(*store, *hasher, *access_tokens, usage, limiter,
                                                 clock, kTokenTtl);
  recipients = std::make_unique<admin::RecipientService>(*store, *sqlite, *hasher, clock);
  idempotency = std::make_unique<admin::Idempotency>(Secret(std::string(32, 'i')), *sqlite, clock);
  registrations = std::make_unique<admin::RegistrationService>(*sqlite, *store, clock);
  router = std::make_unique<http::Router>(http::Services{
      *tokens, *recipients, *registrations, *idempotency, *sqlite, admin::RotateOptions{0, false}});

  const admin::Caller operator_caller{"", "operator", "", "cli"};
  auto partner =
      OrDie(admin::CreatePartner(*store, *hasher, clock, "Bench Partner", operator_caller),
            "create partner");
  partner_id = partner.client_id;
  partner_secret = std::string(partner.client_secret.Expose());

  oauth::TokenRequest request;
  request.basic = oauth::ClientCredentialPair{partner_id, Secret(partner_secret)};
  request.grant_type = "client_credentials";
  partner_token = OrDie(tokens->Issue(request), "issue partner token").access_token;

  admin::RecipientInput input;
  input.name = {true, std::string("Bench Recipient")};
  input.scope = {true, std::vector<std::string>{"ACCOUNT_BASIC", "TRANSACTIONS"}};
  input.redirect_uris = {true, std::vector<std::string>{"https://x.example/cb"}};
  const admin::Caller caller{partner_id, partner_id, "bench", "127.0.0.1"};
  auto created = OrDie(recipients->Create(caller, input), "create recipient");
  recipient_id = created.recipient.client_id;
  recipient_secret = std::string(created.client_secret.Expose());
  rotated_id = OrDie(recipients->Create(caller, input), "create recipient").recipient.client_id;
}

BenchWorld::~BenchWorld() {
  router.reset();
  idempotency.reset();
  recipients.reset();
  tokens.reset();
  store.reset();
  sqlite.reset();
  std::error_code ignored;
  std::filesystem::remove_all(dir, ignored);
}

std::string Base64(std::string_view bytes) {
  std::string text = crypto::Base64UrlEncode(bytes);
  for (char& c : text) {
    if (c == '-') c = '+';
    if (c == '_') c = '/';
  }
  while (text.size() % 4 != 0) text.push_back('=');
  return text;
}

std::string BasicHeader(std::string_view id, std::string_view secret) {
  return "Basic " + Base64(std::string(id) + ":" + std::string(secret));
}

}  // namespace obauth::bench
