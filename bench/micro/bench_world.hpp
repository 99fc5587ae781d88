// BenchWorld: obauth wired as src/app/main.cpp wires it (SQLite store in a private temporary
// directory behind the client cache, ES256 key, token and recipient services, router), with one
// partner, one recipient and a partner access token, shared by every micro-benchmark. Created on
// first use, removed at exit. The benchmarks run on one thread, so no locking is needed.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "admin/idempotency.hpp"
#include "admin/partner_service.hpp"
#include "admin/recipient_service.hpp"
#include "core/clock.hpp"
#include "crypto/client_secret.hpp"
#include "http/router.hpp"
#include "oauth/access_token.hpp"
#include "oauth/token_service.hpp"
#include "oauth/usage_tracker.hpp"
#include "store/caching_store.hpp"
#include "store/sqlite/sqlite_store.hpp"

namespace obauth::bench {

inline constexpr std::string_view kIssuer = "http://127.0.0.1:8080";
inline constexpr std::int64_t kTokenTtl = 3600;

class BenchWorld {
 public:
  // The shared instance; aborts with a message if it cannot be set up.
  static BenchWorld& Get();
  ~BenchWorld();
  BenchWorld(const BenchWorld&) = delete;
  BenchWorld& operator=(const BenchWorld&) = delete;

  SystemClock clock;
  std::filesystem::path dir;
  std::unique_ptr<store::sqlite::SqliteStore> sqlite;  // the database
  std::unique_ptr<store::CachingStore> store;  // in front of it, as main.cpp: clients from memory
  std::unique_ptr<crypto::SecretHasher> hasher;
  std::unique_ptr<oauth::AccessTokens> access_tokens;
  oauth::UsageTracker usage;
  oauth::AuthFailureLimiter limiter{oauth::AuthFailureLimits{}};
  std::unique_ptr<oauth::TokenService> tokens;
  std::unique_ptr<admin::RecipientService> recipients;
  std::unique_ptr<admin::RegistrationService> registrations;
  std::unique_ptr<admin::Idempotency> idempotency;
  std::unique_ptr<http::Router> router;

  std::string partner_id, partner_secret, partner_token;
  std::string recipient_id, recipient_secret;
  std::string rotated_id;  // a second recipient whose secret the rotation benchmark changes

 private:
  BenchWorld();
};

// Standard padded base64, as HTTP Basic uses it.
std::string Base64(std::string_view bytes);
// "Basic <base64(id:secret)>".
std::string BasicHeader(std::string_view id, std::string_view secret);

}  // namespace obauth::bench
