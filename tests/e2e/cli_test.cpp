// The command line: help, one-line errors, the listening line, the database directory, and
// `partner create` (also while a server runs on the same database).
#include <gtest/gtest.h>

#include <algorithm>
#include <regex>

#include "e2e/obauth_test.hpp"

namespace obauth::e2e {
namespace {

using obauth::testing::Keys;
using obauth::testing::ParseJsonObject;
using obauth::testing::StringAt;

std::size_t LineCount(const std::string& text) {
  return static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n'));
}

class Cli : public ObauthTest {
 protected:
  // A failure the issue wants reported as exactly one line on stderr and a non-zero exit.
  void ExpectOneLineError(const std::vector<std::string>& args) {
    const CommandResult r = Obauth(args);
    std::string shown;
    for (const auto& a : args) shown += " " + a;
    SCOPED_TRACE("obauth" + shown);
    EXPECT_EQ(r.status.kind, ExitStatus::Kind::kExited) << r.status.ToString();
    EXPECT_NE(r.exit_code, 0);
    EXPECT_EQ(LineCount(r.err), 1u) << "stderr: " << r.err;
    EXPECT_EQ(r.err.rfind("obauth: error: ", 0), 0u) << "stderr: " << r.err;
    EXPECT_EQ(r.out, "");
  }
};

TEST_F(Cli, TopLevelHelpListsEveryCommandAndExitsZero) {
  const CommandResult r = Obauth({"--help"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  for (const char* word : {"serve", "partner", "keys", "recipients", "providers", "registrations",
                           "--help", "--help-all"}) {
    EXPECT_NE(r.out.find(word), std::string::npos) << word << " missing from:\n" << r.out;
  }
}

TEST_F(Cli, ServeHelpExplainsEveryOptionAndItsDefault) {
  const CommandResult r = Obauth({"serve", "--help"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  for (const char* word : {"--listen", "127.0.0.1:8080", "port 0", "--db", "./data/obauth.db",
                           "--threads", "number of cores", "--token-ttl", "300", "--key-file",
                           "OBAUTH_MASTER_KEY", "--issuer", "--log-level", "info"}) {
    EXPECT_NE(r.out.find(word), std::string::npos) << word << " missing from:\n" << r.out;
  }
}

TEST_F(Cli, PartnerHelpListsCreate) {
  const CommandResult r = Obauth({"partner", "--help"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("create"), std::string::npos) << r.out;
}

TEST_F(Cli, PartnerCreateHelpExplainsEveryOption) {
  const CommandResult r = Obauth({"partner", "create", "--help"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  for (const char* word : {"--db", "./data/obauth.db", "--name", "--key-file"}) {
    EXPECT_NE(r.out.find(word), std::string::npos) << word << " missing from:\n" << r.out;
  }
}

TEST_F(Cli, HelpAllExplainsServeOptionsAndListsPartnerCreate) {
  // CLI11 expands one level: `partner create` options are in `obauth partner create --help`.
  const CommandResult r = Obauth({"--help-all"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  for (const char* word : {"serve", "partner", "create", "--listen", "--db", "--threads",
                           "--token-ttl", "--key-file", "--issuer"}) {
    EXPECT_NE(r.out.find(word), std::string::npos) << word << " missing from:\n" << r.out;
  }
}

TEST_F(Cli, BadOptionGivesOneLineErrorAndNonZeroExit) {
  const std::string db = DbPath().string();
  const std::vector<std::vector<std::string>> cases = {
      {},
      {"bogus"},
      {"--bogus"},
      {"serve", "--bogus"},
      {"serve", "--db", db, "extra"},
      {"serve", "--db", db, "--threads", "0"},
      {"serve", "--db", db, "--threads", "many"},
      {"serve", "--db", db, "--token-ttl", "0"},
      {"serve", "--db", db, "--token-ttl", "abc"},
      {"serve", "--db", db, "--listen", "nonsense"},
      {"serve", "--db", db, "--listen", "127.0.0.1:99999"},
      {"serve", "--db", db, "--listen", "127.0.0.1:http"},
      {"serve", "--db", db, "--log-level", "verbose"},
      {"serve", "--db"},
      {"partner"},
      {"partner", "create", "--db", db},
      {"partner", "create", "--db", db, "--name"},
      {"partner", "create", "--db", db, "--name", ""},
      {"partner", "create", "--db", db, "--name", std::string(257, 'n')},
      {"partner", "delete", "--db", db},
  };
  for (const auto& args : cases) ExpectOneLineError(args);
}

TEST_F(Cli, UnusableDbGivesOneLineErrorAndNonZeroExit) {
  // A parent that is a file, and a path that is a directory.
  for (const std::string& db : {std::string("/dev/null/obauth/obauth.db"), temp_dir().string()}) {
    ExpectOneLineError({"serve", "--listen", "127.0.0.1:0", "--db", db});
    ExpectOneLineError({"partner", "create", "--db", db, "--name", "Acme"});
  }
}

TEST_F(Cli, OccupiedPortGivesOneLineErrorAndNonZeroExit) {
  StartServer();
  ExpectOneLineError({"serve", "--db", (temp_dir() / "other" / "obauth.db").string(), "--listen",
                      "127.0.0.1:" + std::to_string(server().port())});
}

TEST_F(Cli, ServeOnPortZeroAnnouncesTheBoundAddressOnItsFirstStdoutLine) {
  StartServer();
  EXPECT_TRUE(std::regex_match(server().first_line(),
                               std::regex(R"(listening on http://127\.0\.0\.1:[1-9][0-9]*)")))
      << server().first_line();
  EXPECT_NE(server().port(), 0);
  const HttpResponse r = Get("/healthz");
  EXPECT_EQ(r.status, 200) << r.Describe();
}

TEST_F(Cli, ServeCreatesTheParentDirectoryOfTheDatabase) {
  const auto db = temp_dir() / "deeply" / "nested" / "dir" / "obauth.db";
  ASSERT_FALSE(std::filesystem::exists(db.parent_path()));
  StartServer({}, db);
  EXPECT_TRUE(std::filesystem::is_regular_file(db));
}

TEST_F(Cli, PartnerCreateCreatesTheParentDirectoryOfTheDatabase) {
  ASSERT_FALSE(std::filesystem::exists(DbPath().parent_path()));
  CreatePartner();
  EXPECT_TRUE(std::filesystem::is_regular_file(DbPath()));
}

TEST_F(Cli, PartnerCreatePrintsExactlyOneJsonObjectWithIdAndSecret) {
  const CommandResult r =
      Obauth({"partner", "create", "--db", DbPath().string(), "--name", "Acme Partner"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(LineCount(r.out), 1u) << r.out;
  const auto created = ParseJsonObject(r.out);  // throws on trailing text
  EXPECT_EQ(Keys(created), (std::vector<std::string>{"client_id", "client_secret"}));
  EXPECT_FALSE(StringAt(created, "client_id").empty());
  // At least 256 bits: 43 base64url characters.
  EXPECT_GE(StringAt(created, "client_secret").size(), 43u);
  EXPECT_EQ(r.out.find(StringAt(created, "client_secret")),
            r.out.rfind(StringAt(created, "client_secret")));
}

TEST_F(Cli, PartnerCreateGivesEachPartnerItsOwnCredentials) {
  const Credentials a = CreatePartner("A");
  const Credentials b = CreatePartner("B");
  EXPECT_NE(a.client_id, b.client_id);
  EXPECT_NE(a.client_secret, b.client_secret);
}

TEST_F(Cli, PartnerCreatedWhileTheServerRunsGetsATokenFromIt) {
  StartServer();
  const Credentials partner = CreatePartner("Created While Serving");
  const HttpResponse r = RequestToken(partner, "client:admin");
  EXPECT_EQ(r.status, 200) << r.Describe();
  // And the running server can serve its admin API right away.
  EXPECT_EQ(AdminGet(AdminToken(partner), kRecipientsPath).body, "[]");
}

TEST_F(Cli, KeyFileOptionKeepsTheServerKeyWhereAsked) {
  const auto key = temp_dir() / "keys" / "server.key";
  std::filesystem::create_directories(key.parent_path());
  const CommandResult created = Obauth({"partner", "create", "--db", DbPath().string(),
                                        "--key-file", key.string(), "--name", "Acme"});
  ASSERT_EQ(created.exit_code, 0) << created.err;
  EXPECT_TRUE(std::filesystem::is_regular_file(key));
  EXPECT_FALSE(std::filesystem::exists(DbPath().string() + ".key"));
  const auto partner = ParseJsonObject(created.out);

  StartServer({"--key-file", key.string()});
  EXPECT_EQ(
      RequestToken({StringAt(partner, "client_id"), StringAt(partner, "client_secret")}).status,
      200);
  // Without its key the database refuses to start rather than silently rejecting every secret.
  EXPECT_EQ(StopServer().ToString(), "exit 0");
  ExpectOneLineError({"serve", "--listen", "127.0.0.1:0", "--db", DbPath().string()});
}

TEST_F(Cli, ThreadsAndIssuerOptionsAreAccepted) {
  StartServer({"--threads", "1", "--issuer", "https://auth.example.test"});
  const std::string token = AdminToken(CreatePartner());
  EXPECT_EQ(StringAt(DecodeJwt(token).payload, "iss"), "https://auth.example.test");
}

}  // namespace
}  // namespace obauth::e2e
