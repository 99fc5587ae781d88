#include "e2e/obauth_test.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sqlite3.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fstream>
#include <iostream>
#include <iterator>
#include <regex>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace obauth::e2e {
namespace json = boost::json;
using obauth::testing::FormBody;
using obauth::testing::ParseJsonObject;
using obauth::testing::StringAt;

std::string ObauthBinary() {
  // scripts/test.sh points the suite at the ThreadSanitizer build of the server this way.
  const char* other = std::getenv("OBAUTH_TEST_BINARY");
  return other != nullptr ? other : OBAUTH_BINARY;
}

std::string FullRecipientJson(std::string_view name) {
  json::object body{
      {"name", name},
      {"scope", json::array{"ACCOUNT_BASIC", "ACCOUNT_DETAILED", "TRANSACTIONS"}},
      {"redirect_uris", json::array{"https://flinks.fake.com/callback"}},
      {"logo_uri", "https://flinks.fake.com/logo.png"},
      {"description", "Description of Flinks Fake"},
      {"terms_uri", "https://flinks.fake.com/callback/terms.html"},
      {"client_uri", "https://flinks.fake.com"},
      {"country", "CA"},
      {"contacts", json::array{json::object{{"email", "john.doe@flinks.fake.com"}}}},
  };
  return json::serialize(body);
}

DecodedJwt DecodeJwt(std::string_view token) {
  const auto first = token.find('.');
  const auto second = token.find('.', first == std::string_view::npos ? first : first + 1);
  if (second == std::string_view::npos || token.find('.', second + 1) != std::string_view::npos) {
    throw std::runtime_error("not a compact JWS: " + std::string(token));
  }
  auto part = [&](std::string_view encoded) {
    auto bytes = obauth::testing::Base64UrlDecode(encoded);
    if (!bytes) throw std::runtime_error("not base64url: " + std::string(encoded));
    return *bytes;
  };
  return {ParseJsonObject(part(token.substr(0, first))),
          ParseJsonObject(part(token.substr(first + 1, second - first - 1))),
          part(token.substr(second + 1))};
}

unsigned short FreePort() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof addr;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &length) != 0) {
    ::close(fd);
    throw std::runtime_error("no free port");
  }
  ::close(fd);
  return ntohs(addr.sin_port);
}

std::int64_t ParseRfc3339(std::string_view text) {
  static const std::regex kFormat(R"(^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})Z$)");
  const std::string copy(text);
  std::smatch m;
  if (!std::regex_match(copy, m, kFormat)) {
    throw std::runtime_error("not an RFC 3339 UTC timestamp with seconds: '" + copy + "'");
  }
  std::tm tm{};
  tm.tm_year = std::stoi(m[1]) - 1900;
  tm.tm_mon = std::stoi(m[2]) - 1;
  tm.tm_mday = std::stoi(m[3]);
  tm.tm_hour = std::stoi(m[4]);
  tm.tm_min = std::stoi(m[5]);
  tm.tm_sec = std::stoi(m[6]);
  return static_cast<std::int64_t>(timegm(&tm));
}

bool Eventually(const std::function<bool()>& condition, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    if (condition()) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

void ObauthTest::TearDown() {
  if (server_ && server_->running()) {
    // Every test ends with a graceful stop, so each one also checks that SIGTERM exits 0.
    EXPECT_EQ(StopServer(SIGTERM).ToString(), "exit 0");
  }
  // Servers run with --log-level debug (the most verbose), so this searches everything they
  // can write.
  for (const std::string& leak : SecretsInLogs()) ADD_FAILURE() << leak;
  if (HasFailure()) {
    for (const auto& log : server_logs_) {
      std::ifstream in(log);
      std::stringstream text;
      text << in.rdbuf();
      std::cerr << "---- " << log.filename().string() << " ----\n" << text.str();
    }
  }
}

std::string ObauthTest::Setting(const std::string& name) const {
  sqlite3* db = nullptr;
  std::string value = "(none)";
  if (sqlite3_open_v2(DbPath().c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK) {
    sqlite3_stmt* stmt = nullptr;
    sqlite3_prepare_v2(db, "SELECT value FROM settings WHERE name = ?1", -1, &stmt, nullptr);
    sqlite3_bind_text(stmt, 1, name.c_str(), -1, SQLITE_TRANSIENT);
    if (sqlite3_step(stmt) == SQLITE_ROW) {
      value = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0));
    }
    sqlite3_finalize(stmt);
  }
  sqlite3_close(db);
  return value;
}

std::string ObauthTest::FilesNextToTheDatabase() const {
  std::string all;
  for (const auto& entry : std::filesystem::directory_iterator(DbPath().parent_path())) {
    if (!entry.is_regular_file()) continue;
    std::ifstream in(entry.path(), std::ios::binary);
    all.append(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  return all;
}

bool ObauthTest::OnPostgres() { return std::getenv("OBAUTH_TEST_POSTGRES") != nullptr; }

std::string ObauthTest::Db() {
  if (!OnPostgres()) return DbPath().string();
  if (!postgres_) postgres_.emplace();
  return postgres_->url();
}

std::vector<std::string> ObauthTest::DbArgs() {
  std::vector<std::string> args = {"--db", Db()};
  if (OnPostgres()) {
    args.insert(args.end(), {"--key-file", (temp_dir() / "obauth.key").string()});
  }
  return args;
}

ServerProcess& ObauthTest::StartServer(std::vector<std::string> extra_args,
                                       std::optional<std::filesystem::path> db) {
  if (server_ && server_->running()) throw std::logic_error("a server is already running");
  server_.reset();
  server_logs_.push_back(temp_dir() /
                         ("server-" + std::to_string(server_logs_.size() + 1) + ".log"));
  std::string database;
  if (db) {
    database = db->string();
  } else {
    const auto args = DbArgs();
    database = args[1];
    extra_args.insert(extra_args.begin(), args.begin() + 2, args.end());
  }
  extra_args.insert(extra_args.begin(), {"--log-level", "debug"});
  server_.emplace(obauth::testing::ServerOptions{ObauthBinary(), database, server_logs_.back(),
                                                 std::move(extra_args), ClockEnvironment()});
  return *server_;
}

std::unique_ptr<ServerProcess> ObauthTest::StartAnotherServer(std::vector<std::string> extra_args,
                                                              std::string_view log_name) {
  const auto db = DbArgs();
  extra_args.insert(extra_args.begin(), db.begin() + 2, db.end());
  extra_args.insert(extra_args.begin(), {"--log-level", "debug"});
  server_logs_.push_back(temp_dir() / std::string(log_name));
  return std::make_unique<ServerProcess>(obauth::testing::ServerOptions{
      ObauthBinary(), db[1], server_logs_.back(), std::move(extra_args), ClockEnvironment()});
}

ServerProcess& ObauthTest::server() {
  if (!server_) throw std::logic_error("no server was started");
  return *server_;
}

ExitStatus ObauthTest::StopServer(int signal) { return server().Stop(signal); }

CommandResult ObauthTest::Obauth(std::vector<std::string> args) {
  args.insert(args.begin(), ObauthBinary());
  return obauth::testing::RunCommand(args, std::chrono::seconds(20), ClockEnvironment());
}

std::int64_t ObauthTest::NowSeconds() const {
  if (clock_stopped_) return *clock_stopped_;
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
             .count() +
         clock_offset_;
}

void ObauthTest::AdvanceClock(std::int64_t seconds) {
  if (clock_stopped_) {
    *clock_stopped_ += seconds;
  } else {
    clock_offset_ += seconds;
  }
  WriteClockFile();
}

void ObauthTest::FreezeClock() {
  clock_stopped_ = NowSeconds();
  WriteClockFile();
}

std::vector<std::string> ObauthTest::ClockEnvironment() {
  if (clock_writes_ == 0) WriteClockFile();
  return {"OBAUTH_TEST_CLOCK_FILE=" + (temp_dir() / "clock").string()};
}

void ObauthTest::WriteClockFile() {
  // A new file renamed over the old one, so no process reads half of it; its modification time
  // is set to a value of its own, so a process notices the change even within one tick of the
  // file system's timestamps (app/test_clock.hpp).
  const auto file = temp_dir() / "clock";
  const auto next = temp_dir() / "clock.new";
  {
    std::ofstream out(next, std::ios::trunc);
    out << (clock_stopped_ ? "@" + std::to_string(*clock_stopped_) : std::to_string(clock_offset_))
        << "\n";
    if (!out) throw std::runtime_error("cannot write " + next.string());
  }
  ++clock_writes_;
  const timespec times[2] = {{0, UTIME_OMIT}, {1'000'000'000 + clock_writes_, 0}};
  if (::utimensat(AT_FDCWD, next.c_str(), times, 0) != 0) {
    throw std::runtime_error("cannot set the time of " + next.string());
  }
  std::filesystem::rename(next, file);
}

CommandResult ObauthTest::ObauthOnDb(std::vector<std::string> args) {
  const auto db = DbArgs();
  args.insert(args.end(), db.begin(), db.end());
  return Obauth(std::move(args));
}

Credentials ObauthTest::CreatePartner(std::string_view name) {
  std::vector<std::string> args = {"partner", "create", "--create", "--name", std::string(name)};
  const auto db = DbArgs();
  args.insert(args.end(), db.begin(), db.end());
  const CommandResult r = Obauth(args);
  if (r.exit_code != 0) {
    throw std::runtime_error("partner create failed (" + r.status.ToString() + "): " + r.err);
  }
  const json::object created = ParseJsonObject(r.out);
  RememberSecret(StringAt(created, "client_secret"));
  return {StringAt(created, "client_id"), StringAt(created, "client_secret")};
}

void ObauthTest::RememberSecret(std::string_view value) {
  if (value.size() >= 16) secrets_.emplace(value);
}

void ObauthTest::RememberSecretsOf(const HttpRequest& request, const HttpResponse& response) {
  for (const auto& [name, value] : request.headers) {
    std::string lower = name;
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (lower == "authorization") {
      const auto space = value.find(' ');
      RememberSecret(space == std::string::npos ? value : value.substr(space + 1));
    } else if (lower == "flinks-auth-key") {
      RememberSecret(value);
    } else if (lower == "cookie") {
      RememberSecret(value.substr(value.find('=') + 1));
    }
  }
  // The session cookie a page sets, and a code sent back to the client.
  if (const auto cookie = response.Header("Set-Cookie")) {
    const auto start = cookie->find('=') + 1;
    RememberSecret(cookie->substr(start, cookie->find(';') - start));
  }
  if (const auto location = response.Header("Location")) {
    if (const auto at = location->find("code="); at != std::string::npos) {
      RememberSecret(location->substr(at + 5, location->find('&', at) - at - 5));
    }
  }
  // Form fields as sent (secrets are base64url, which form encoding leaves alone).
  std::istringstream fields(request.body);
  for (std::string field; std::getline(fields, field, '&');) {
    for (const char* secret : {"client_secret=", "token=", "code=", "refresh_token=",
                               "code_verifier=", "password=", "transaction=", "csrf="}) {
      if (field.starts_with(secret)) RememberSecret(field.substr(std::strlen(secret)));
    }
  }
  boost::system::error_code ec;
  for (const std::string* body : {&request.body, &response.body}) {
    const json::value parsed = json::parse(*body, ec);
    if (ec || !parsed.is_object()) continue;
    for (const char* name : {"client_secret", "access_token", "token", "refresh_token", "code"}) {
      if (const auto* v = parsed.as_object().if_contains(name); v && v->is_string()) {
        RememberSecret(v->as_string());
      }
    }
  }
}

std::vector<std::string> ObauthTest::SecretsInLogs() const {
  std::vector<std::string> found;
  for (const auto& log : server_logs_) {
    std::ifstream in(log);
    std::stringstream buffer;
    buffer << in.rdbuf();
    const std::string text = buffer.str();
    for (const auto& secret : secrets_) {
      if (text.find(secret) != std::string::npos) {
        found.push_back("a secret or token this test saw (" + secret.substr(0, 6) + "...) is in " +
                        log.filename().string());
      }
    }
  }
  return found;
}

HttpResponse ObauthTest::Send(HttpRequest request) {
  const std::string what = request.method + " " + request.target;
  HttpResponse response = obauth::testing::SendHttp(server().host(), server().port(), request);
  RememberSecretsOf(request, response);
  const auto request_id = response.Header("X-Request-Id");
  EXPECT_TRUE(request_id && !request_id->empty()) << what << " answered without X-Request-Id";
  if (request_id) request_ids_.push_back(*request_id);
  EXPECT_LT(response.status, 500) << what << " answered " << response.Describe();
  return response;
}

HttpResponse ObauthTest::Get(std::string_view target, Headers headers) {
  return Send({"GET", std::string(target), std::move(headers), {}});
}

HttpResponse ObauthTest::PostTokenForm(
    const std::vector<std::pair<std::string, std::string>>& fields, Headers headers) {
  headers.emplace_back("Content-Type", "application/x-www-form-urlencoded");
  return Send({"POST", std::string(kTokenPath), std::move(headers), FormBody(fields)});
}

HttpResponse ObauthTest::PostTokenJson(std::string body, Headers headers) {
  headers.emplace_back("Content-Type", "application/json");
  return Send({"POST", std::string(kTokenPath), std::move(headers), std::move(body)});
}

HttpResponse ObauthTest::RequestToken(const Credentials& client, std::optional<std::string> scope) {
  std::vector<std::pair<std::string, std::string>> fields = {
      {"grant_type", "client_credentials"},
      {"client_id", client.client_id},
      {"client_secret", client.client_secret}};
  if (scope) fields.emplace_back("scope", *scope);
  return PostTokenForm(fields);
}

std::string ObauthTest::Token(const Credentials& client, std::optional<std::string> scope) {
  const HttpResponse r = RequestToken(client, std::move(scope));
  if (r.status != 200) {
    throw std::runtime_error("token request for " + client.client_id + " answered " + r.Describe());
  }
  return StringAt(ParseJsonObject(r.body), "access_token");
}

HttpResponse ObauthTest::AdminGet(std::string_view token, std::string_view target) {
  return Get(target, {{"Authorization", "Bearer " + std::string(token)}});
}

HttpResponse ObauthTest::AdminPost(std::string_view token, std::string_view target,
                                   std::string body) {
  return Send(
      {"POST",
       std::string(target),
       {{"Authorization", "Bearer " + std::string(token)}, {"Content-Type", "application/json"}},
       std::move(body)});
}

HttpResponse ObauthTest::AdminPut(std::string_view token, std::string_view target,
                                  std::string body) {
  return Send(
      {"PUT",
       std::string(target),
       {{"Authorization", "Bearer " + std::string(token)}, {"Content-Type", "application/json"}},
       std::move(body)});
}

HttpResponse ObauthTest::AdminDelete(std::string_view token, std::string_view target) {
  return Send(
      {"DELETE", std::string(target), {{"Authorization", "Bearer " + std::string(token)}}, {}});
}

HttpResponse ObauthTest::RotateSecret(std::string_view token, std::string_view client_id) {
  return Send({"POST",
               RecipientPath(client_id) + "/secret",
               {{"Authorization", "Bearer " + std::string(token)}},
               {}});
}

HttpResponse ObauthTest::RotateSecret(std::string_view token, std::string_view client_id,
                                      std::optional<std::string> body, Headers headers) {
  headers.emplace_back("Authorization", "Bearer " + std::string(token));
  if (body) headers.emplace_back("Content-Type", "application/json");
  return Send({"POST", SecretPath(client_id), std::move(headers), body.value_or("")});
}

std::string ObauthTest::RotatedSecret(std::string_view token, std::string_view client_id,
                                      std::optional<std::string> body) {
  const HttpResponse r = RotateSecret(token, client_id, std::move(body));
  if (r.status != 200) throw std::runtime_error("rotation answered " + r.Describe());
  return StringAt(ParseJsonObject(r.body), "client_secret");
}

HttpResponse ObauthTest::RevokePreviousSecret(std::string_view token, std::string_view client_id) {
  return AdminDelete(token, SecretPath(client_id) + "/previous");
}

HttpResponse ObauthTest::Introspect(const Credentials& caller, std::string_view token) {
  return Send({"POST",
               std::string(kIntrospectPath),
               {{"Content-Type", "application/x-www-form-urlencoded"}},
               FormBody({{"token", std::string(token)},
                         {"client_id", caller.client_id},
                         {"client_secret", caller.client_secret}})});
}

json::object ObauthTest::Introspection(const Credentials& caller, std::string_view token) {
  const HttpResponse r = Introspect(caller, token);
  if (r.status != 200) throw std::runtime_error("introspection answered " + r.Describe());
  return ParseJsonObject(r.body);
}

std::vector<json::object> ObauthTest::AuditEvents(std::string_view admin_token,
                                                  std::string_view query) {
  std::vector<json::object> events;
  std::string after;
  for (int page = 0; page < 1000; ++page) {
    std::string target = std::string(kAuditPath) + "?limit=200";
    if (!query.empty()) target += "&" + std::string(query);
    if (!after.empty()) target += "&after=" + after;
    const HttpResponse r = AdminGet(admin_token, target);
    if (r.status != 200) throw std::runtime_error("audit answered " + r.Describe());
    const json::object body = ParseJsonObject(r.body);
    for (const auto& event : body.at("events").as_array()) events.push_back(event.as_object());
    if (body.at("next").is_null()) return events;
    after = StringAt(body, "next");
  }
  throw std::runtime_error("audit paging does not end");
}

CreatedRecipient ObauthTest::CreateRecipient(std::string_view admin_token, std::string body) {
  const HttpResponse r = AdminPost(admin_token, kRecipientsPath, std::move(body));
  if (r.status != 200) throw std::runtime_error("create recipient answered " + r.Describe());
  json::object created = ParseJsonObject(r.body);
  return {{StringAt(created, "client_id"), StringAt(created, "client_secret")}, std::move(created)};
}

json::object ObauthTest::RecipientDetails(std::string_view admin_token,
                                          std::string_view client_id) {
  const HttpResponse r = AdminGet(admin_token, RecipientPath(client_id));
  if (r.status != 200) throw std::runtime_error("recipient details answered " + r.Describe());
  return ParseJsonObject(r.body);
}

void ExpectOAuthError(const HttpResponse& response, int status, std::string_view error) {
  EXPECT_EQ(response.status, status) << response.Describe();
  EXPECT_EQ(response.Header("Content-Type").value_or(""), "application/json");
  EXPECT_EQ(response.Header("Cache-Control").value_or(""), "no-store");
  const json::object body = ParseJsonObject(response.body);
  EXPECT_EQ(obauth::testing::Keys(body), (std::vector<std::string>{"error", "error_description"}))
      << response.body;
  EXPECT_EQ(StringAt(body, "error"), error) << response.body;
  EXPECT_FALSE(StringAt(body, "error_description").empty());
}

void ExpectMessage(const HttpResponse& response, int status,
                   std::optional<std::string_view> message) {
  EXPECT_EQ(response.status, status) << response.Describe();
  EXPECT_EQ(response.Header("Content-Type").value_or(""), "application/json");
  const json::object body = ParseJsonObject(response.body);
  EXPECT_EQ(obauth::testing::Keys(body), std::vector<std::string>{"message"}) << response.body;
  EXPECT_FALSE(StringAt(body, "message").empty());
  if (message) {
    EXPECT_EQ(StringAt(body, "message"), *message);
  }
}

std::string NextLink(const HttpResponse& response) {
  const std::string link = response.Header("Link").value_or("");
  std::smatch m;
  if (!std::regex_match(link, m, std::regex(R"(<([^>]*)>; rel="next")"))) return "";
  return m[1];
}

void ExpectInvalidBearerToken(const HttpResponse& response, std::string_view hint) {
  EXPECT_EQ(response.status, 401) << response.Describe();
  EXPECT_EQ(response.body, R"({"message":"Invalid Bearer Token"})");
  const std::string challenge = response.Header("WWW-Authenticate").value_or("(none)");
  EXPECT_EQ(
      challenge.rfind(R"(Bearer realm="obauth", error="invalid_token", error_description=")", 0),
      0u)
      << "challenge: " << challenge;
  if (!hint.empty()) {
    EXPECT_NE(challenge.find("error_description=\"" + std::string(hint) + "\""), std::string::npos)
        << "challenge: " << challenge;
  }
}

void ExpectMissingBearerToken(const HttpResponse& response) {
  ExpectMessage(response, 401);
  const std::string message = StringAt(ParseJsonObject(response.body), "message");
  EXPECT_EQ(message.rfind("Invalid Bearer Token: ", 0), 0u) << message;
  EXPECT_NE(message.find("POST /api/v1/token"), std::string::npos) << message;
  EXPECT_EQ(response.Header("WWW-Authenticate").value_or("(none)"), R"(Bearer realm="obauth")");
}

void ExpectNoContent(const HttpResponse& response) {
  EXPECT_EQ(response.status, 204) << response.Describe();
  EXPECT_EQ(response.body, "");
}

std::vector<json::object> EventsWithAction(const std::vector<json::object>& events,
                                           std::string_view action) {
  std::vector<json::object> out;
  for (const auto& event : events) {
    if (StringAt(event, "action") == action) out.push_back(event);
  }
  return out;
}

}  // namespace obauth::e2e
