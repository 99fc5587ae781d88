// obauth: command line, configuration, wiring and signals. Nothing depends on this folder.
#include <pthread.h>
#include <signal.h>
#include <spdlog/spdlog.h>
#include <sys/resource.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <iostream>
#include <memory>
#include <thread>
#include <vector>

#include "admin/idempotency.hpp"
#include "admin/partner_service.hpp"
#include "admin/recipient_service.hpp"
#include "admin/registration_service.hpp"
#include "app/commands/commands.hpp"
#include "app/fatal.hpp"
#include "app/housekeeper.hpp"
#include "app/log_sink.hpp"
#include "app/provider_clients.hpp"
#include "app/server_tasks.hpp"
#include "app/signing_keys.hpp"
#include "app/storage.hpp"
#include "app/test_clock.hpp"
#include "cli/help.hpp"
#include "cli/recipients_command.hpp"
#include "consent/authorize_service.hpp"
#include "consent/upstream.hpp"
#include "core/clock.hpp"
#include "crypto/derive_key.hpp"
#include "fdx/data_service.hpp"
#include "http/router.hpp"
#include "http/server.hpp"
#include "oauth/access_token.hpp"
#include "oauth/token_service.hpp"
#include "oauth/usage_tracker.hpp"
#include "store/caching_store.hpp"
#include "store/postgres/postgres_store.hpp"

namespace obauth::app {
namespace {

// HOST:PORT, with IPv6 hosts in brackets.
std::pair<std::string, unsigned short> ParseListen(const std::string& listen) {
  const auto colon = listen.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == listen.size()) {
    throw Fatal{"--listen must be HOST:PORT, got '" + listen + "'"};
  }
  std::string host = listen.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  const std::string port_text = listen.substr(colon + 1);
  unsigned long port = 0;
  try {
    std::size_t used = 0;
    port = std::stoul(port_text, &used);
    if (used != port_text.size()) throw std::invalid_argument("trailing");
  } catch (const std::exception&) {
    throw Fatal{"--listen port must be a number from 0 to 65535, got '" + port_text + "'"};
  }
  if (port > 65535) throw Fatal{"--listen port must be a number from 0 to 65535"};
  return {host, static_cast<unsigned short>(port)};
}

struct ServeOptions {
  std::string listen = "127.0.0.1:8080";
  std::string db = "./data/obauth.db";
  std::string key_file;
  std::string issuer;
  int threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  std::int64_t token_ttl = 300;
  std::int64_t previous_secret_expires_in = 0;
  int db_pool = 0;  // 0: max(16, 4 x threads) + 1
  int db_timeout = 5;
  oauth::AuthFailureLimits auth_failures;
  std::string log_level = "info";
  std::size_t max_body_bytes = 64 * 1024;
  std::size_t max_header_bytes = 16 * 1024;
  int request_timeout = 30;
  int idle_timeout = 30;
  std::size_t max_connections = 10000;
  std::int64_t clock_skew = oauth::kDefaultClockSkew;
  std::int64_t refresh_idle_days = 30;
  std::int64_t fdx_requests_per_minute = 600;
};

// Raises the soft limit on open files to the hard limit, and answers how many connections fit
// under it (room kept for the database, logs and listening sockets).
std::size_t ConnectionsThatFit() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) return 1000;
  if (limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    (void)setrlimit(RLIMIT_NOFILE, &limit);
    (void)getrlimit(RLIMIT_NOFILE, &limit);
  }
  constexpr rlim_t kReserved = 128;
  return limit.rlim_cur > 2 * kReserved ? static_cast<std::size_t>(limit.rlim_cur - kReserved)
                                        : static_cast<std::size_t>(limit.rlim_cur / 2);
}

int Serve(const ServeOptions& options) {
  // Signals are taken by sigwait below, never by an asynchronous handler: block them before any
  // thread starts so every thread inherits the mask.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  // Lines are formatted by the caller and reach stderr in batches: every 100 ms, at once for
  // warnings and errors, or when 256 KiB have gathered. A request costs no system call and no
  // thread wake-up for its log line (see docs/decisions.md, "Logging").
  auto log = std::make_shared<spdlog::logger>(
      "obauth",
      std::make_shared<BufferedFdSink>(STDERR_FILENO, 256 * 1024, std::chrono::milliseconds(100)));
  log->set_pattern("%Y-%m-%dT%H:%M:%S.%fZ %l %v", spdlog::pattern_time_type::utc);
  log->flush_on(spdlog::level::warn);
  log->set_level(spdlog::level::from_str(options.log_level));

  const auto [host, port] = ParseListen(options.listen);
  http::ServerOptions server_options;
  server_options.host = host;
  server_options.port = port;
  server_options.io_threads = options.threads;
  // Workers wait on the database; the more writes wait together, the larger the group commit
  // (bench/RESULTS.md: durable rotations at 32 connections, 4 workers 2.4k/s p99 19 ms, 16
  // workers 5.7k/s p99 11 ms; code exchanges at 32 connections, 16 workers 2.6k/s, 32 workers
  // 3.2k/s). The database sessions stay fewer (PostgreSQL's max_connections is shared by every
  // instance): a worker past them waits for one, while the writes wait in the group commit.
  server_options.worker_threads = std::max(32, 8 * options.threads);
  const int default_db_pool = std::max(16, 4 * options.threads) + 1;
  server_options.max_body_bytes = options.max_body_bytes;
  server_options.max_header_bytes = options.max_header_bytes;
  server_options.request_timeout = std::chrono::seconds(options.request_timeout);
  server_options.idle_timeout = std::chrono::seconds(options.idle_timeout);
  const std::size_t fit = ConnectionsThatFit();
  server_options.max_connections = std::min(options.max_connections, fit);
  if (server_options.max_connections < options.max_connections) {
    log->warn("--max-connections {} lowered to {}: the open-files limit allows no more",
              options.max_connections, fit);
  }

  http::Metrics metrics;
  server_options.metrics = &metrics;
  auto storage = OpenStorage(options.db, options.key_file,
                             options.db_pool > 0 ? options.db_pool : default_db_pool,
                             options.db_timeout, &metrics.domain());
  // Client lookups (token endpoint, bearer checks) come from memory; writes through this
  // process are seen at once, changes by other processes within 250 ms (docs/architecture.md).
  // Every client and recipient call goes through the cache, whose writes drop what it holds;
  // the other store interfaces are the database's own.
  store::Database& database = *storage.store;
  store::CachingStore cache(database, store::CachingStore::kPollInterval,
                            store::CachingStore::kMaxEntries);
  auto signing_keys = OrDie(LoadKeyRing(database, storage.server_key));

  http::Server server(server_options, log);
  const std::string bound = OrDie(server.Listen());
  const std::string issuer = options.issuer.empty() ? "http://" + bound : options.issuer;

  const auto process_clock = OrDie(OpenProcessClock());
  const Clock& clock = *process_clock.clock;
  oauth::AccessTokens access_tokens(std::move(signing_keys.ring), issuer, options.clock_skew);
  KeyRingFollower key_follower(database, storage.server_key, access_tokens,
                               std::move(signing_keys.stored));
  oauth::UsageTracker usage;
  oauth::AuthFailureLimiter limiter(options.auth_failures);
  // Codes and refresh tokens are stored as keyed hashes, like secrets (docs/consent.md).
  const Secret grant_key = crypto::DeriveKey(storage.server_key, crypto::KeyPurpose::kGrantHashing);
  oauth::ConnectionUses connection_uses;
  const oauth::CustomerGrants customer_grants{cache, crypto::HmacSha256Key(grant_key.Expose()),
                                              connection_uses, options.refresh_idle_days * 86400};
  oauth::TokenService tokens(cache, *storage.hasher, access_tokens, usage, limiter, clock,
                             options.token_ttl, &metrics.domain(), &customer_grants);
  // Sign-ins at the sandbox: kMaxSignInFailures per username a minute, whatever the address.
  oauth::AuthFailureLimiter sign_in_limiter({consent::kMaxSignInFailures, 1000000000, 60});
  // Providers behind an fdx connector: obauth is their OAuth client (docs/fdx.md, "Connector").
  const consent::Upstream upstream(
      std::string(issuer.ends_with('/') ? issuer.substr(0, issuer.size() - 1) : issuer) +
          "/api/v1/authorize/callback",
      crypto::DeriveKey(storage.server_key, crypto::KeyPurpose::kUpstreamTokenSeal),
      [&database, &storage](std::int64_t provider_id) -> Result<consent::UpstreamClient> {
        OBAUTH_TRY(client, LoadProviderClient(database, storage.server_key, provider_id));
        return consent::UpstreamClient{std::move(client.client_id),
                                       std::move(client.client_secret)};
      },
      clock);
  const consent::AuthorizeService authorize(
      cache, cache, database, cache,
      crypto::DeriveKey(storage.server_key, crypto::KeyPurpose::kBrowserSeal),
      crypto::DeriveKey(storage.server_key, crypto::KeyPurpose::kCsrf),
      crypto::HmacSha256Key(grant_key.Expose()),
      crypto::DeriveKey(storage.server_key, crypto::KeyPurpose::kPairwiseSubject), sign_in_limiter,
      clock, &upstream);
  admin::RecipientService recipients(cache, database, *storage.hasher, clock, &metrics.domain());
  // Replays are sealed under a key derived from the server key file, never stored.
  admin::Idempotency idempotency(
      crypto::DeriveKey(storage.server_key, crypto::KeyPurpose::kReplaySeal), database, clock);
  admin::RegistrationService registrations(database, cache, clock);
  const fdx::DataService data(cache, database, clock, options.fdx_requests_per_minute, &upstream);
  http::Router router({tokens, recipients, registrations, idempotency, database,
                       admin::RotateOptions{options.previous_secret_expires_in, false}, &metrics,
                       &authorize, &cache, &data});
  Housekeeper housekeeper(log);
  AddServerTasks(housekeeper, cache, database, cache, usage, connection_uses, key_follower,
                 {admin::kReplayLifetimeSeconds, options.clock_skew}, log);
  AddUpstreamRevocation(housekeeper, cache, database, upstream);
  HousekeepingThread housekeeping(housekeeper, clock);

  std::cout << "listening on http://" << bound << std::endl;
  log->info("obauth started: listen={} db={} threads={} issuer={} {}", bound,
            DescribeDb(options.db), options.threads, issuer,
            SummarizeKeys(*access_tokens.keys(), clock.NowSeconds()));

  if (process_clock.test_clock != nullptr) {
    log->warn("{} is set: this server's clock is {}, for tests only (docs/security.md)",
              kTestClockVariable, process_clock.test_clock->Describe());
  }
  if (options.issuer.empty() && store::postgres::IsPostgres(options.db)) {
    log->warn(
        "no --issuer: tokens name this instance's address ({}), so other instances on the "
        "same database reject them; give every instance the same public --issuer",
        issuer);
  }

  std::thread signal_waiter([&] {
    int signal_number = 0;
    sigwait(&signals, &signal_number);
    log->info("received {}; finishing requests in flight", strsignal(signal_number));
    server.Shutdown();
  });
  server.Run(router);
  signal_waiter.join();
  log->info("stopped");
  return 0;
}

int Main(int argc, char** argv) {
  CLI::App app{"obauth: an open-banking OAuth 2.0 authorization server (Flinks Outbound API)"};
  app.require_subcommand(1);
  app.set_help_all_flag("--help-all", "Also show the options of each command");

  ServeOptions serve;
  auto* serve_cmd = app.add_subcommand("serve", "Run the HTTP server");
  cli::Named(serve_cmd
                 ->add_option("--listen", serve.listen,
                              "Address to listen on, HOST:PORT; port 0 picks a free port")
                 ->capture_default_str(),
             "HOST:PORT");
  cli::Named(serve_cmd
                 ->add_option(
                     "--db", serve.db,
                     "SQLite database file (created, with its directory, if missing), or a "
                     "PostgreSQL database: postgres://USER[:PASS]@HOST:PORT/DB, postgresql://..., "
                     "or a libpq keyword string such as 'host=H dbname=D'")
                 ->capture_default_str(),
             "PATH|URL");
  cli::Bounded(serve_cmd->add_option(
                   "--db-pool", serve.db_pool,
                   "Database connections at most (default: 4 per I/O thread + 1, at least 17)"),
               "N", 1, 1000);
  cli::Bounded(
      serve_cmd
          ->add_option(
              "--db-timeout", serve.db_timeout,
              "PostgreSQL: seconds a request may wait to connect, for a free connection or "
              "for a statement before it fails with 503")
          ->capture_default_str(),
      "SECONDS", 1, 3600);
  cli::Named(
      serve_cmd->add_option("--key-file", serve.key_file,
                            "Server (master) key file: keys the stored secret hashes, seals the "
                            "signing key (default: DB path + .key; or the key itself in "
                            "OBAUTH_MASTER_KEY; one of the two is required with PostgreSQL)"),
      "PATH");
  cli::Bounded(
      serve_cmd->add_option("--threads", serve.threads, "I/O threads (default: number of cores)"),
      "N", 1, 256);
  cli::Bounded(
      serve_cmd->add_option("--token-ttl", serve.token_ttl, "Access token lifetime in seconds")
          ->capture_default_str(),
      "SECONDS", std::int64_t{1}, oauth::kMaxTokenLifetime);
  cli::Bounded(
      serve_cmd
          ->add_option("--previous-secret-expires-in", serve.previous_secret_expires_in,
                       "Grace period of the previous secret when a rotation does not give one")
          ->capture_default_str(),
      "SECONDS", std::int64_t{0}, admin::kMaxGraceSeconds);
  cli::Named(
      serve_cmd
          ->add_option("--log-level", serve.log_level,
                       "debug (adds each request's target, headers and form fields, secret values "
                       "replaced by their length), info (one line per request), warn or error")
          ->check(CLI::IsMember({"debug", "info", "warn", "error"}))
          ->capture_default_str(),
      "LEVEL");
  cli::Bounded(
      serve_cmd
          ->add_option(
              "--max-auth-failures", serve.auth_failures.per_client_and_address,
              "Failed client authentications of one client from one address in 60 s before "
              "further attempts get 429")
          ->capture_default_str(),
      "N", 1, 1000000);
  cli::Bounded(
      serve_cmd
          ->add_option(
              "--max-auth-failures-per-address", serve.auth_failures.per_address,
              "Failed client authentications from one address, any clients, in 60 s before "
              "further attempts get 429")
          ->capture_default_str(),
      "N", 1, 1000000);
  cli::Bounded(
      serve_cmd
          ->add_option("--max-body-bytes", serve.max_body_bytes, "Larger request bodies get 413")
          ->capture_default_str(),
      "BYTES", std::size_t{1024}, std::size_t{16} << 20);
  cli::Bounded(serve_cmd
                   ->add_option("--max-header-bytes", serve.max_header_bytes,
                                "Larger request lines and headers get 431")
                   ->capture_default_str(),
               "BYTES", std::size_t{1024}, std::size_t{1} << 20);
  cli::Bounded(
      serve_cmd
          ->add_option("--request-timeout", serve.request_timeout,
                       "Seconds for a whole request to arrive from its first byte (and for the "
                       "response to be written); then the connection is closed")
          ->capture_default_str(),
      "SECONDS", 1, 3600);
  cli::Bounded(serve_cmd
                   ->add_option("--idle-timeout", serve.idle_timeout,
                                "Seconds a connection may wait for its next request")
                   ->capture_default_str(),
               "SECONDS", 1, 3600);
  cli::Bounded(
      serve_cmd
          ->add_option("--max-connections", serve.max_connections,
                       "Open connections at most; more are answered 503 and closed at once")
          ->capture_default_str(),
      "N", std::size_t{1}, std::size_t{1000000});
  cli::Named(serve_cmd->add_option("--issuer", serve.issuer,
                                   "Token issuer (iss and aud); default http://HOST:PORT as bound"),
             "URL");
  cli::Bounded(serve_cmd
                   ->add_option("--refresh-idle-days", serve.refresh_idle_days,
                                "Days a refresh token may go unused before it stops working")
                   ->capture_default_str(),
               "DAYS", std::int64_t{1}, std::int64_t{3650});
  cli::Bounded(serve_cmd
                   ->add_option("--fdx-requests-per-minute", serve.fdx_requests_per_minute,
                                "FDX data requests a connection may make a minute, per instance "
                                "(more get 1207/429); 0: no limit")
                   ->capture_default_str(),
               "N", std::int64_t{0}, std::int64_t{1000000});
  cli::Bounded(
      serve_cmd
          ->add_option(
              "--clock-skew", serve.clock_skew,
              "Seconds another instance's clock may be ahead (a token's iat and nbf may be "
              "that far in the future) or behind (a retired key and a revoked token's "
              "record are kept that much longer)")
          ->capture_default_str(),
      "SECONDS", std::int64_t{0}, oauth::kMaxClockSkew);

  // The operator commands, each on a database directly (app/commands/).
  std::vector<std::unique_ptr<commands::OperatorCommand>> operator_commands;
  operator_commands.push_back(commands::AddPartnerCommand(app));
  cli::RecipientsCommand recipients(app);
  operator_commands.push_back(commands::AddProvidersCommand(app));
  operator_commands.push_back(commands::AddRegistrationsCommand(app));
  operator_commands.push_back(commands::AddKeysCommand(app));
  cli::OfferHelpAllOnlyAboveCommands(app);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);
    std::cerr << "obauth: error: " << e.what() << " (see " << cli::ChosenCommand(app) << " --help)"
              << std::endl;
    return 2;
  }
  try {
    if (serve_cmd->parsed()) return Serve(serve);
    if (recipients.parsed()) return recipients.Run(std::cout, std::cerr);
    for (const auto& command : operator_commands) {
      if (command->parsed()) {
        // The same clock as serve's, so a test that moves the servers' clock moves this too.
        const auto clock = OrDie(OpenProcessClock());
        return command->Run(*clock.clock, std::cout, std::cerr);
      }
    }
    throw Fatal{"no command chosen"};  // unreachable: every command requires a subcommand
  } catch (const Fatal& f) {
    std::cerr << "obauth: error: " << f.message << std::endl;
    return 1;
  } catch (const std::exception& e) {
    std::cerr << "obauth: error: " << e.what() << std::endl;
    return 1;
  }
}

}  // namespace
}  // namespace obauth::app

int main(int argc, char** argv) { return obauth::app::Main(argc, argv); }
