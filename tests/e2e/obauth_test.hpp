// The fixture of the end-to-end suite: a temporary directory, the real obauth binary (CLI and
// server) on 127.0.0.1 port 0, and HTTP helpers that check what every response must carry.
// One fixture object per test; not thread-safe.
#pragma once

#include <boost/json/object.hpp>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <functional>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "testing/encoding.hpp"
#include "testing/http_client.hpp"
#include "testing/json.hpp"
#include "testing/postgres.hpp"
#include "testing/process.hpp"
#include "testing/temp_dir.hpp"

namespace obauth::e2e {

using obauth::testing::CommandResult;
using obauth::testing::ExitStatus;
using obauth::testing::Headers;
using obauth::testing::HttpRequest;
using obauth::testing::HttpResponse;
using obauth::testing::ServerProcess;

inline constexpr std::string_view kRecipientsPath = "/api/v1/recipients";
inline constexpr std::string_view kTokenPath = "/api/v1/token";
inline constexpr std::string_view kIntrospectPath = "/api/v1/introspect";
inline constexpr std::string_view kAuditPath = "/api/v1/audit";
inline constexpr std::string_view kAllDataScopes =
    "ACCOUNT_BASIC ACCOUNT_DETAILED ACCOUNT_PAYMENTS INVESTMENTS TRANSACTIONS STATEMENTS "
    "CUSTOMER_CONTACT CUSTOMER_PERSONAL";

// The obauth executable under test: OBAUTH_TEST_BINARY when set, else the one built alongside.
std::string ObauthBinary();

struct Credentials {
  std::string client_id;
  std::string client_secret;
};

struct CreatedRecipient {
  Credentials credentials;
  boost::json::object body;  // the whole 200 answer of POST /api/v1/recipients
  const std::string& id() const { return credentials.client_id; }
};

// A recipient body with every documented field, valid, as reference §6.1 shows it.
std::string FullRecipientJson(std::string_view name = "Flinks Fake");

// The decoded parts of a compact JWS. Throws std::runtime_error when `token` is not one.
struct DecodedJwt {
  boost::json::object header;
  boost::json::object payload;
  std::string signature;
};
DecodedJwt DecodeJwt(std::string_view token);

// A port that was free a moment ago on 127.0.0.1 (for a server the test starts, e.g. nginx).
unsigned short FreePort();

// The Unix time of an RFC 3339 UTC timestamp with second precision ("2026-11-26T15:56:17Z").
// Throws std::runtime_error for any other text.
std::int64_t ParseRfc3339(std::string_view text);
// Calls `condition` every 50 ms until it answers true or `timeout` passes; answers its last
// result. For state the server updates in the background (secret usage, about once a second).
bool Eventually(const std::function<bool()>& condition,
                std::chrono::milliseconds timeout = std::chrono::seconds(3));

class ObauthTest : public obauth::testing::TempDirTest {
 protected:
  void TearDown() override;

  std::filesystem::path DbPath() const { return temp_dir() / "data" / "obauth.db"; }
  // What the SQLite database at DbPath() holds, read behind the server's back (SQLite only: a
  // test on PostgreSQL skips these checks).
  //
  // The value of setting `name`, or "(none)" when there is none or the file cannot be opened.
  std::string Setting(const std::string& name) const;
  // Every byte of every regular file next to DbPath() (database, WAL, key file), concatenated:
  // where a test searches for a secret stored in clear.
  std::string FilesNextToTheDatabase() const;
  // True when the suite runs against PostgreSQL: ctest gives the e2e.postgres.* copy of every
  // test the test cluster (OBAUTH_TEST_POSTGRES, tests/CMakeLists.txt).
  static bool OnPostgres();
  // The database of this test's servers and CLI calls: DbPath(), or on PostgreSQL a database of
  // its own on the test cluster (created on first use, dropped after the test).
  std::string Db();
  // `--db Db()`, plus on PostgreSQL the `--key-file` it requires (in the temporary directory).
  std::vector<std::string> DbArgs();

  // Starts `obauth serve` on Db() (or the SQLite file `db`) with `extra_args`. A previous server
  // must have been stopped. Each start logs to its own file in the temporary directory.
  ServerProcess& StartServer(std::vector<std::string> extra_args = {},
                             std::optional<std::filesystem::path> db = std::nullopt);
  ServerProcess& server();
  // Another `obauth serve` on the same database (DbArgs()) with `extra_args`, logging to
  // `log_name` in the temporary directory: a second instance.
  std::unique_ptr<ServerProcess> StartAnotherServer(std::vector<std::string> extra_args,
                                                    std::string_view log_name);
  // Stops the server with `signal` and answers how it exited.
  ExitStatus StopServer(int signal = SIGTERM);

  // The test's clock. Every server and CLI run this fixture starts reads it from a file
  // (OBAUTH_TEST_CLOCK_FILE, docs/security.md): the wall clock until the test moves it, so a
  // test checks what happens at a time without waiting for it.
  //
  // Now in whole seconds since the Unix epoch, as the servers see it (and tokens carry it).
  std::int64_t NowSeconds() const;
  // Moves every process's clock `seconds` forward (backward when negative), at once.
  void AdvanceClock(std::int64_t seconds);
  // Stops every process's clock at NowSeconds() (later AdvanceClock calls move it): what
  // happens at a given second then no longer depends on how fast the machine is.
  void FreezeClock();

  // Runs the obauth CLI with `args` (without the program name).
  CommandResult Obauth(std::vector<std::string> args);
  // The CLI with `args` followed by DbArgs(): an operator command on this test's database.
  CommandResult ObauthOnDb(std::vector<std::string> args);
  // `obauth partner create --create --name NAME` on DbArgs() (started if missing), which must
  // succeed.
  Credentials CreatePartner(std::string_view name = "Acme Partner");

  // Sends `request` to the running server on a new connection. Every response is checked:
  // it carries a non-empty X-Request-Id (remembered in request_ids()) and is not a 5xx.
  HttpResponse Send(HttpRequest request);
  HttpResponse Get(std::string_view target, Headers headers = {});

  // POST /api/v1/token with an application/x-www-form-urlencoded or application/json body.
  HttpResponse PostTokenForm(const std::vector<std::pair<std::string, std::string>>& fields,
                             Headers headers = {});
  HttpResponse PostTokenJson(std::string body, Headers headers = {});
  // client_credentials with client_secret_post; `scope` is sent when given.
  HttpResponse RequestToken(const Credentials& client,
                            std::optional<std::string> scope = std::nullopt);
  // The access_token of a successful RequestToken(); throws on any other answer.
  std::string Token(const Credentials& client, std::optional<std::string> scope = std::nullopt);
  std::string AdminToken(const Credentials& partner) { return Token(partner, "client:admin"); }

  // Admin API calls with Authorization: Bearer `token`; bodies are JSON.
  HttpResponse AdminGet(std::string_view token, std::string_view target);
  HttpResponse AdminPost(std::string_view token, std::string_view target, std::string body);
  HttpResponse AdminPut(std::string_view token, std::string_view target, std::string body);
  HttpResponse AdminDelete(std::string_view token, std::string_view target);
  HttpResponse RotateSecret(std::string_view token, std::string_view client_id);
  // POST .../secret with a JSON `body` (no body and no Content-Type when nullopt) and `headers`
  // (e.g. Idempotency-Key) besides the bearer token.
  HttpResponse RotateSecret(std::string_view token, std::string_view client_id,
                            std::optional<std::string> body, Headers headers = {});
  // The client_secret of a rotation that must answer 200 (a body-less one when nullopt).
  std::string RotatedSecret(std::string_view token, std::string_view client_id,
                            std::optional<std::string> body = std::nullopt);
  // DELETE .../secret/previous.
  HttpResponse RevokePreviousSecret(std::string_view token, std::string_view client_id);
  // POST /api/v1/introspect of `token` as a form, authenticated with `caller`'s credentials in
  // the body (client_secret_post).
  HttpResponse Introspect(const Credentials& caller, std::string_view token);
  // The parsed 200 answer of Introspect(); throws on any other answer.
  boost::json::object Introspection(const Credentials& caller, std::string_view token);
  // Every audit event the partner of `admin_token` can see (following `next` from page to
  // page), newest first; `query` is added to each page request (e.g. "client_id=dc-...").
  std::vector<boost::json::object> AuditEvents(std::string_view admin_token,
                                               std::string_view query = {});
  // POST /api/v1/recipients, which must answer 200 with a client_id and a client_secret.
  CreatedRecipient CreateRecipient(std::string_view admin_token,
                                   std::string body = FullRecipientJson());
  // GET /api/v1/recipients/{id}, which must answer 200; the parsed details.
  boost::json::object RecipientDetails(std::string_view admin_token, std::string_view client_id);

  static std::string RecipientPath(std::string_view client_id) {
    return std::string(kRecipientsPath) + "/" + std::string(client_id);
  }
  static std::string SecretPath(std::string_view client_id) {
    return RecipientPath(client_id) + "/secret";
  }

  const std::vector<std::string>& request_ids() const { return request_ids_; }
  const std::vector<std::filesystem::path>& server_logs() const { return server_logs_; }

  // Remembers a secret or token this test saw; TearDown fails the test when a server log holds
  // it. Send() and CreatePartner() remember every secret and token they send or receive
  // (credentials and bearer tokens in headers, secret form fields, client_secret and
  // access_token in answers); values under 16 characters are ignored.
  void RememberSecret(std::string_view value);

 private:
  void RememberSecretsOf(const HttpRequest& request, const HttpResponse& response);
  // The environment entries of every process started: the clock file (written on first use).
  std::vector<std::string> ClockEnvironment();
  void WriteClockFile();
  // The remembered secrets found in any server log, as failure messages.
  std::vector<std::string> SecretsInLogs() const;

  std::optional<obauth::testing::PostgresDatabase> postgres_;  // outlives server_
  std::optional<ServerProcess> server_;
  std::vector<std::filesystem::path> server_logs_;
  std::vector<std::string> request_ids_;
  std::set<std::string> secrets_;
  std::int64_t clock_offset_ = 0;              // seconds added to the wall clock
  std::optional<std::int64_t> clock_stopped_;  // the time FreezeClock stopped it at
  int clock_writes_ = 0;
};

// Expectations shared by the suites. Each names what it checks in its failure message.

// An RFC 6749 §5.2 error: `status`, JSON {"error": error, "error_description": ...} and no
// caching.
void ExpectOAuthError(const HttpResponse& response, int status, std::string_view error);
// An admin API error: `status`, a JSON body that is exactly {"message": ...}, and, when given,
// that message.
void ExpectMessage(const HttpResponse& response, int status,
                   std::optional<std::string_view> message = std::nullopt);
// 401 {"message":"Invalid Bearer Token"} with the challenge for a refused token (RFC 6750 §3):
// error="invalid_token" and, when `hint` is given, that error_description.
void ExpectInvalidBearerToken(const HttpResponse& response, std::string_view hint = {});
// 401 for a request that carried no bearer token: a challenge without an error code (RFC 6750
// §3.1) and a message that starts with "Invalid Bearer Token: " and says where to get one.
void ExpectMissingBearerToken(const HttpResponse& response);
// 204 with no body.
void ExpectNoContent(const HttpResponse& response);
// The target of a paged list's `Link: <...>; rel="next"`, or "" when there is none.
std::string NextLink(const HttpResponse& response);

// The events with this action, in the order given.
std::vector<boost::json::object> EventsWithAction(const std::vector<boost::json::object>& events,
                                                  std::string_view action);

}  // namespace obauth::e2e
