// obauth: command line, configuration, wiring and signals. Nothing depends on this folder.
#include <pthread.h>
#include <signal.h>
#include <spdlog/spdlog.h>
#include <sys/resource.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <mutex>
#include <sstream>
#include <thread>

#include "admin/idempotency.hpp"
#include "admin/partner_service.hpp"
#include "admin/recipient_service.hpp"
#include "admin/registration_service.hpp"
#include "app/catalogue_file.hpp"
#include "app/key_file.hpp"
#include "app/log_sink.hpp"
#include "app/signing_keys.hpp"
#include "cli/recipients_command.hpp"
#include "core/clock.hpp"
#include "core/time_format.hpp"
#include "crypto/client_secret.hpp"
#include "crypto/derive_key.hpp"
#include "crypto/signing_key.hpp"
#include "http/json_codec.hpp"
#include "http/router.hpp"
#include "http/server.hpp"
#include "oauth/access_token.hpp"
#include "oauth/token_service.hpp"
#include "oauth/usage_tracker.hpp"
#include "store/caching_store.hpp"
#include "store/postgres/postgres_store.hpp"
#include "store/sqlite/sqlite_store.hpp"

namespace obauth::app {
namespace {

// A failure that ends the process with a one-line message.
struct Fatal {
  std::string message;
};

template <class T>
T OrDie(Result<T> result) {
  if (!result) {
    const auto& e = result.error();
    throw Fatal{e.internal.empty() ? e.public_message : e.internal};
  }
  if constexpr (!std::is_void_v<T>) return std::move(*result);
}

struct Storage {
  std::unique_ptr<store::Database> store;  // every store interface, uncached
  Secret server_key;
  std::unique_ptr<crypto::SecretHasher> hasher;
};

// `db` as it may be logged: a SQLite path, or a PostgreSQL connection without its password.
std::string DescribeDb(const std::string& db) {
  if (store::postgres::IsPostgres(db)) return "postgresql (" + store::postgres::Describe(db) + ")";
  return db;
}

// The store `db` names: a PostgreSQL connection string (store::postgres::IsPostgres) or a SQLite
// file, with at most `connections` database connections; its calls are counted into `metrics`
// when given.
Storage OpenStorage(const std::string& db, std::string key_file, int connections,
                    int db_timeout = 5, DomainMetrics* metrics = nullptr) {
  const char* master_key = std::getenv(kMasterKeyVariable);
  if (master_key != nullptr && !key_file.empty()) {
    throw Fatal{std::string("give the server key either by --key-file or by ") +
                kMasterKeyVariable + ", not both"};
  }
  std::unique_ptr<store::Database> store;
  if (store::postgres::IsPostgres(db)) {
    // Several instances share the database; each must key the secret hashes alike.
    if (key_file.empty() && master_key == nullptr) {
      throw Fatal{std::string("with a PostgreSQL --db, --key-file or ") + kMasterKeyVariable +
                  " is required (every instance sharing the database uses the same key)"};
    }
    auto postgres = OrDie(store::postgres::PostgresStore::Open(db, connections, db_timeout));
    postgres->CountInto(metrics);
    store = std::move(postgres);
  } else {
    const std::filesystem::path parent = std::filesystem::path(db).parent_path();
    if (!parent.empty()) {
      std::error_code ec;
      std::filesystem::create_directories(parent, ec);
      if (ec) throw Fatal{"cannot create directory " + parent.string() + ": " + ec.message()};
    }
    auto sqlite = OrDie(store::sqlite::SqliteStore::Open(db, connections));
    sqlite->CountInto(metrics);
    store = std::move(sqlite);
    if (key_file.empty()) key_file = DefaultKeyFile(db);
  }
  auto key = OrDie(master_key != nullptr ? UseServerKey(master_key, *store)
                                         : LoadServerKey(key_file, *store));
  auto hasher = std::make_unique<crypto::SecretHasher>(
      crypto::DeriveKey(key, crypto::KeyPurpose::kSecretHashing));
  return {std::move(store), std::move(key), std::move(hasher)};
}

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
  int db_pool = 0;  // 0: one per worker thread, plus one
  int db_timeout = 5;
  oauth::AuthFailureLimits auth_failures;
  std::string log_level = "info";
  std::size_t max_body_bytes = 64 * 1024;
  std::size_t max_header_bytes = 16 * 1024;
  int request_timeout = 30;
  int idle_timeout = 30;
  std::size_t max_connections = 10000;
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

// Once a second: writes the secret usage that is due (oauth::UsageTracker) and picks up a
// rotation of the signing keys; every ten minutes purges expired Idempotency-Key replays and
// revocations; writes everything noticed when stopped.
class Housekeeper {
 public:
  Housekeeper(store::ClientStore& clients, store::ReplayStore& replays, oauth::UsageTracker& usage,
              KeyRingFollower& keys, const Clock& clock, std::shared_ptr<spdlog::logger> log)
      : clients_(clients),
        replays_(replays),
        usage_(usage),
        keys_(keys),
        clock_(clock),
        log_(std::move(log)),
        thread_([this] { Loop(); }) {}
  ~Housekeeper() {
    {
      std::lock_guard lock(mu_);
      stop_ = true;
    }
    wake_.notify_one();
    thread_.join();
  }

 private:
  void Loop() {
    for (std::int64_t tick = 0;; ++tick) {
      bool stopping;
      {
        std::unique_lock lock(mu_);
        wake_.wait_for(lock, std::chrono::seconds(1), [&] { return stop_; });
        stopping = stop_;
      }
      if (auto r = clients_.RecordSecretUse(stopping ? usage_.DrainAll() : usage_.Drain()); !r) {
        log_->warn("recording secret usage failed: {}", r.error().internal);
      }
      if (auto changed = keys_.Poll(); !changed) {
        log_->warn("reading the signing keys failed: {}", changed.error().internal);
      } else if (*changed) {
        log_->info("signing keys changed: {}", SummarizeKeys(*keys_.keys(), clock_.NowSeconds()));
      }
      if (tick % 600 == 0) {
        auto purged = replays_.PurgeReplays(clock_.NowSeconds() - admin::kReplayLifetimeSeconds);
        if (!purged) log_->warn("purging idempotency replays failed: {}", purged.error().internal);
        // An expired token is refused for its expiry; its revocation is no longer needed.
        auto forgotten =
            clients_.PurgeRevokedTokens(clock_.NowSeconds() - oauth::AccessTokens::kClockSkew);
        if (!forgotten) {
          log_->warn("purging revoked tokens failed: {}", forgotten.error().internal);
        }
      }
      if (stopping) return;
    }
  }

  store::ClientStore& clients_;
  store::ReplayStore& replays_;
  oauth::UsageTracker& usage_;
  KeyRingFollower& keys_;
  const Clock& clock_;
  std::shared_ptr<spdlog::logger> log_;
  std::mutex mu_;
  std::condition_variable wake_;
  bool stop_ = false;
  std::thread thread_;
};

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
  // workers 5.7k/s p99 11 ms). Each worker may hold one SQLite connection.
  server_options.worker_threads = std::max(16, 4 * options.threads);
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
  auto storage =
      OpenStorage(options.db, options.key_file,
                  options.db_pool > 0 ? options.db_pool : server_options.worker_threads + 1,
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

  SystemClock clock;
  oauth::AccessTokens access_tokens(std::move(signing_keys.ring), issuer);
  KeyRingFollower key_follower(database, storage.server_key, access_tokens,
                               std::move(signing_keys.stored));
  oauth::UsageTracker usage;
  oauth::AuthFailureLimiter limiter(options.auth_failures);
  oauth::TokenService tokens(cache, *storage.hasher, access_tokens, usage, limiter, clock,
                             options.token_ttl, &metrics.domain());
  admin::RecipientService recipients(cache, database, *storage.hasher, clock, &metrics.domain());
  // Replays are sealed under a key derived from the server key file, never stored.
  admin::Idempotency idempotency(
      crypto::DeriveKey(storage.server_key, crypto::KeyPurpose::kReplaySeal), database, clock);
  admin::RegistrationService registrations(database, cache, clock);
  http::Router router({tokens, recipients, registrations, idempotency, database,
                       admin::RotateOptions{options.previous_secret_expires_in, false}, &metrics});
  Housekeeper housekeeper(cache, database, usage, key_follower, clock, log);

  std::cout << "listening on http://" << bound << std::endl;
  log->info("obauth started: listen={} db={} threads={} issuer={} {}", bound,
            DescribeDb(options.db), options.threads, issuer,
            SummarizeKeys(*access_tokens.keys(), clock.NowSeconds()));

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

int CreatePartnerCommand(const std::string& db, const std::string& key_file,
                         const std::string& name) {
  auto storage = OpenStorage(db, key_file, 1);
  SystemClock clock;
  const admin::Caller operator_caller{"", "operator", "", "cli"};
  auto issued =
      OrDie(admin::CreatePartner(*storage.store, *storage.hasher, clock, name, operator_caller));
  // Ids and secrets are [A-Za-z0-9_-]: nothing to escape.
  std::cout << R"({"client_id": ")" << issued.client_id << R"(", "client_secret": ")"
            << issued.client_secret.Expose() << "\"}" << std::endl;
  return 0;
}

int RotateKeysCommand(const std::string& db, const std::string& key_file,
                      std::int64_t signing_delay) {
  auto storage = OpenStorage(db, key_file, 1);
  SystemClock clock;
  auto rotated = OrDie(
      RotateSigningKey(*storage.store, storage.server_key, clock.NowSeconds(), signing_delay));
  std::cout << R"({"kid": ")" << rotated.kid << R"(", "alg": ")" << rotated.algorithm
            << R"(", "signing_from": ")" << FormatRfc3339(rotated.signing_from)
            << R"(", "removed_keys": )" << rotated.removed << "}" << std::endl;
  return 0;
}

int ListKeysCommand(const std::string& db, const std::string& key_file) {
  auto storage = OpenStorage(db, key_file, 1);
  SystemClock clock;
  auto loaded = OrDie(LoadKeyRing(*storage.store, storage.server_key));
  std::printf("%-43s  %-5s  %-7s  %-20s  %s\n", "KID", "ALG", "STATE", "SIGNING FROM",
              "RETIRED AT");
  for (const auto& key : DescribeKeys(loaded.ring, clock.NowSeconds())) {
    std::printf("%-43s  %-5s  %-7s  %-20s  %s\n", key.kid.c_str(), key.algorithm.c_str(),
                key.state.c_str(),
                key.signing_from == 0 ? "-" : FormatRfc3339(key.signing_from).c_str(),
                key.retired_at == 0 ? "-" : FormatRfc3339(key.retired_at).c_str());
  }
  return 0;
}

int ImportProvidersCommand(const std::string& db, const std::string& key_file,
                           const std::string& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw Fatal{"cannot read the catalogue file " + file};
  std::stringstream text;
  text << in.rdbuf();
  SystemClock clock;
  auto providers = ParseCatalogue(text.str(), clock.NowSeconds());
  if (!providers) {
    throw Fatal{file + ": nothing was imported; fix these entries and import again:\n" +
                providers.error().public_message};
  }
  auto storage = OpenStorage(db, key_file, 1);
  auto imported = OrDie(storage.store->UpsertProviders(*providers));
  std::cout << R"({"added": )" << imported.added << R"(, "updated": )" << imported.updated
            << R"(, "unchanged": )" << imported.unchanged << "}" << std::endl;
  return 0;
}

int RegistrationCommand(admin::RegistrationAction action, const std::string& db,
                        const std::string& key_file, const std::string& client_id,
                        std::int64_t provider_id) {
  auto storage = OpenStorage(db, key_file, 1);
  SystemClock clock;
  const admin::RegistrationService registrations(*storage.store, *storage.store, clock);
  const admin::Caller operator_caller{"", "operator", "", "cli"};
  auto moved = OrDie(registrations.Apply(action, client_id, provider_id, operator_caller));
  std::cout << http::EncodeRegistration(moved) << std::endl;
  return 0;
}

int Main(int argc, char** argv) {
  CLI::App app{"obauth: an open-banking OAuth 2.0 authorization server (Flinks Outbound API)"};
  app.require_subcommand(1);
  app.set_help_all_flag("--help-all", "Also show the options of each command");

  ServeOptions serve;
  auto* serve_cmd = app.add_subcommand("serve", "Run the HTTP server");
  serve_cmd
      ->add_option("--listen", serve.listen,
                   "Address to listen on, HOST:PORT; port 0 picks a free port")
      ->capture_default_str();
  serve_cmd
      ->add_option("--db", serve.db,
                   "SQLite database file (created, with its directory, if missing), or a "
                   "PostgreSQL database: postgres://USER[:PASS]@HOST:PORT/DB, postgresql://..., "
                   "or a libpq keyword string such as 'host=H dbname=D'")
      ->capture_default_str();
  serve_cmd
      ->add_option("--db-pool", serve.db_pool,
                   "Database connections at most (default: worker threads + 1)")
      ->check(CLI::Range(1, 1000));
  serve_cmd
      ->add_option("--db-timeout", serve.db_timeout,
                   "PostgreSQL: seconds a request may wait to connect, for a free connection or "
                   "for a statement before it fails with 503")
      ->check(CLI::Range(1, 3600))
      ->capture_default_str();
  serve_cmd->add_option("--key-file", serve.key_file,
                        "Server (master) key file: keys the stored secret hashes, seals the "
                        "signing key (default: DB path + .key; or the key itself in "
                        "OBAUTH_MASTER_KEY; one of the two is required with PostgreSQL)");
  serve_cmd->add_option("--threads", serve.threads, "I/O threads (default: number of cores)")
      ->check(CLI::Range(1, 256));
  serve_cmd->add_option("--token-ttl", serve.token_ttl, "Access token lifetime in seconds")
      ->check(CLI::Range(std::int64_t{1}, oauth::kMaxTokenLifetime))
      ->capture_default_str();
  serve_cmd
      ->add_option("--previous-secret-expires-in", serve.previous_secret_expires_in,
                   "Grace period of the previous secret when a rotation does not give one")
      ->check(CLI::Range(std::int64_t{0}, admin::kMaxGraceSeconds))
      ->capture_default_str();
  serve_cmd
      ->add_option("--log-level", serve.log_level,
                   "debug (adds each request's target, headers and form fields, secret values "
                   "replaced by their length), info (one line per request), warn or error")
      ->check(CLI::IsMember({"debug", "info", "warn", "error"}))
      ->capture_default_str();
  serve_cmd
      ->add_option("--max-auth-failures", serve.auth_failures.per_client_and_address,
                   "Failed client authentications of one client from one address in 60 s before "
                   "further attempts get 429")
      ->check(CLI::Range(1, 1000000))
      ->capture_default_str();
  serve_cmd
      ->add_option("--max-auth-failures-per-address", serve.auth_failures.per_address,
                   "Failed client authentications from one address, any clients, in 60 s before "
                   "further attempts get 429")
      ->check(CLI::Range(1, 1000000))
      ->capture_default_str();
  serve_cmd->add_option("--max-body-bytes", serve.max_body_bytes, "Larger request bodies get 413")
      ->check(CLI::Range(std::size_t{1024}, std::size_t{16} << 20))
      ->capture_default_str();
  serve_cmd
      ->add_option("--max-header-bytes", serve.max_header_bytes,
                   "Larger request lines and headers get 431")
      ->check(CLI::Range(std::size_t{1024}, std::size_t{1} << 20))
      ->capture_default_str();
  serve_cmd
      ->add_option("--request-timeout", serve.request_timeout,
                   "Seconds for a whole request to arrive from its first byte (and for the "
                   "response to be written); then the connection is closed")
      ->check(CLI::Range(1, 3600))
      ->capture_default_str();
  serve_cmd
      ->add_option("--idle-timeout", serve.idle_timeout,
                   "Seconds a connection may wait for its next request")
      ->check(CLI::Range(1, 3600))
      ->capture_default_str();
  serve_cmd
      ->add_option("--max-connections", serve.max_connections,
                   "Open connections at most; more are answered 503 and closed at once")
      ->check(CLI::Range(std::size_t{1}, std::size_t{1000000}))
      ->capture_default_str();
  serve_cmd->add_option("--issuer", serve.issuer,
                        "Token issuer (iss and aud); default http://HOST:PORT as bound");

  std::string db = "./data/obauth.db";
  std::string key_file;
  std::string name;
  auto* partner_cmd = app.add_subcommand("partner", "Manage partners (tenants)");
  partner_cmd->require_subcommand(1);
  auto* create_cmd = partner_cmd->add_subcommand(
      "create", "Register a partner; prints its client_id and client_secret as JSON, once");
  create_cmd->add_option("--name", name, "Partner display name, 1-256 characters")->required();
  cli::RecipientsCommand recipients(app);

  std::string catalogue;
  auto* providers_cmd = app.add_subcommand("providers", "Manage the Data Providers catalogue");
  providers_cmd->require_subcommand(1);
  auto* import_cmd = providers_cmd->add_subcommand(
      "import",
      "Add or update the providers of a JSON catalogue file (by provider_id; see "
      "docs/providers.md); all or nothing. Prints how many were added, updated and unchanged");
  import_cmd->add_option("FILE", catalogue, "The catalogue: a JSON array of providers")->required();

  std::string registration_client;
  std::int64_t registration_provider = 0;
  auto* registrations_cmd = app.add_subcommand(
      "registrations", "Move Data Recipients' registrations with Data Providers along");
  registrations_cmd->require_subcommand(1);
  const std::pair<admin::RegistrationAction, const char*> actions[] = {
      {admin::RegistrationAction::kApprove, "approve"},
      {admin::RegistrationAction::kActivate, "activate"},
      {admin::RegistrationAction::kSuspend, "suspend"}};
  std::vector<std::pair<admin::RegistrationAction, CLI::App*>> action_cmds;
  for (const auto& [action, verb] : actions) {
    const char* help = action == admin::RegistrationAction::kApprove
                           ? "PENDING_APPROVAL -> PENDING_ACTIVATION"
                       : action == admin::RegistrationAction::kActivate
                           ? "PENDING_ACTIVATION (or SUSPENDED) -> ACTIVE"
                           : "any status -> SUSPENDED";
    auto* cmd = registrations_cmd->add_subcommand(verb, help);
    cmd->add_option("CLIENT_ID", registration_client, "The Data Recipient's client id")->required();
    cmd->add_option("PROVIDER_ID", registration_provider, "The Data Provider's id")
        ->required()
        ->check(CLI::PositiveNumber);
    action_cmds.emplace_back(action, cmd);
  }

  std::int64_t signing_delay = kDefaultSigningDelay;
  auto* keys_cmd = app.add_subcommand("keys", "Manage the token signing keys");
  keys_cmd->require_subcommand(1);
  auto* rotate_cmd = keys_cmd->add_subcommand(
      "rotate",
      "Add a new signing key: published in the JWKS at once (running servers see it within a "
      "second), signing after --signing-delay; the previous key stays published until the "
      "tokens it signed have expired. Prints the new key's kid as JSON");
  auto* list_cmd = keys_cmd->add_subcommand(
      "list", "Show the signing keys: retired (still published), signing, next");
  // Every operator command works on a database directly, like serve.
  std::vector<CLI::App*> database_cmds = {create_cmd, rotate_cmd, list_cmd, import_cmd};
  for (const auto& action_cmd : action_cmds) database_cmds.push_back(action_cmd.second);
  for (auto* cmd : database_cmds) {
    cmd->add_option("--db", db, "SQLite database file or PostgreSQL database, as for serve")
        ->capture_default_str();
    cmd->add_option("--key-file", key_file,
                    "Server (master) key file, as for serve (or OBAUTH_MASTER_KEY)");
  }
  rotate_cmd
      ->add_option("--signing-delay", signing_delay,
                   "Seconds from now before the new key signs tokens: longer than JWKS caches "
                   "keep the key set (obauth: max-age 300)")
      ->check(CLI::Range(std::int64_t{0}, std::int64_t{30} * 86400))
      ->capture_default_str();

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);
    std::cerr << "obauth: error: " << e.what() << " (see obauth --help)" << std::endl;
    return 2;
  }
  try {
    if (serve_cmd->parsed()) return Serve(serve);
    if (rotate_cmd->parsed()) return RotateKeysCommand(db, key_file, signing_delay);
    if (list_cmd->parsed()) return ListKeysCommand(db, key_file);
    if (recipients.parsed()) return recipients.Run(std::cout, std::cerr);
    if (import_cmd->parsed()) return ImportProvidersCommand(db, key_file, catalogue);
    for (const auto& [action, cmd] : action_cmds) {
      if (cmd->parsed()) {
        return RegistrationCommand(action, db, key_file, registration_client,
                                   registration_provider);
      }
    }
    return CreatePartnerCommand(db, key_file, name);
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
