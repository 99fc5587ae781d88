// The command line: help, one-line errors, the listening line, the database directory,
// `partner create` (also while a server runs on the same database) and `providers connect`.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

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

TEST_F(Cli, UsageErrorsPointAtTheHelpOfTheCommandConcerned) {
  const std::string db = DbPath().string();
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
      {{"--bogus"}, "(see obauth --help)"},
      {{"serve", "--threads", "0"}, "(see obauth serve --help)"},
      {{"partner"}, "(see obauth partner --help)"},
      {{"partner", "create", "--db", db}, "(see obauth partner create --help)"},
      {{"keys", "rotate", "--bogus"}, "(see obauth keys rotate --help)"},
      {{"registrations", "approve", "dc-x", "abc"}, "(see obauth registrations approve --help)"},
      {{"recipients", "list", "--timeout", "0"}, "(see obauth recipients list --help)"},
  };
  for (const auto& [args, pointer] : cases) {
    const CommandResult r = Obauth(args);
    EXPECT_EQ(r.exit_code, 2) << r.err;
    EXPECT_NE(r.err.find(pointer), std::string::npos) << pointer << " missing from: " << r.err;
  }
}

// Every command line obauth has, leaves only.
const std::vector<std::vector<std::string>> kLeafCommands = {
    {"serve"},
    {"partner", "create"},
    {"keys", "rotate"},
    {"keys", "list"},
    {"providers", "import"},
    {"providers", "connect"},
    {"registrations", "approve"},
    {"registrations", "activate"},
    {"registrations", "suspend"},
    {"recipients", "list"},
    {"recipients", "show"},
    {"recipients", "create"},
    {"recipients", "update"},
    {"recipients", "rotate-secret"},
    {"recipients", "delete"},
    {"recipients", "delete-previous-secret"},
};

TEST_F(Cli, HelpNamesOptionValuesInWordsAndOffersHelpAllOnlyAboveCommands) {
  for (const auto& command : kLeafCommands) {
    std::vector<std::string> args = command;
    args.emplace_back("--help");
    const CommandResult r = Obauth(args);
    SCOPED_TRACE(command.front() + (command.size() > 1 ? " " + command[1] : ""));
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.out.find("--help-all"), std::string::npos) << r.out;
    // CLI11's own type names (INT, UINT, TEXT, INT:INT in [1 - 3600]) are not words.
    EXPECT_FALSE(std::regex_search(r.out, std::regex(R"(\b(INT|UINT|TEXT|FLOAT)\b)"))) << r.out;
  }
  EXPECT_NE(Obauth({"recipients", "list", "--help"}).out.find("--timeout SECONDS"),
            std::string::npos);
  EXPECT_NE(Obauth({"serve", "--help"}).out.find("--token-ttl SECONDS"), std::string::npos);
  EXPECT_NE(Obauth({"partner", "--help"}).out.find("--help-all"), std::string::npos);
}

TEST_F(Cli, DocsListEveryOptionOfEveryCommand) {
  std::ifstream in(OBAUTH_CLI_DOC);
  ASSERT_TRUE(in) << OBAUTH_CLI_DOC;
  std::stringstream doc;
  doc << in.rdbuf();
  for (const auto& command : kLeafCommands) {
    std::vector<std::string> args = command;
    args.emplace_back("--help");
    const std::string help = Obauth(args).out;
    std::set<std::string> options;
    const std::regex option(R"((--[a-z][a-z-]*))");
    for (auto it = std::sregex_iterator(help.begin(), help.end(), option);
         it != std::sregex_iterator(); ++it) {
      options.insert((*it)[1]);
    }
    EXPECT_FALSE(options.empty()) << help;
    for (const auto& name : options) {
      if (name == "--help") continue;
      EXPECT_NE(doc.str().find("`" + name), std::string::npos)
          << "docs/cli.md does not describe " << name << " of obauth " << command.front() << " "
          << (command.size() > 1 ? command[1] : "");
    }
  }
}

TEST_F(Cli, OperatorCommandsRefuseADatabaseThatDoesNotExist) {
  const auto missing = temp_dir() / "typo" / "obauth.db";
  const std::string db = missing.string();
  const std::vector<std::vector<std::string>> cases = {
      {"partner", "create", "--db", db, "--name", "Acme"},
      {"keys", "rotate", "--db", db},
      {"keys", "list", "--db", db},
      {"providers", "import", "--db", db, OBAUTH_SAMPLE_CATALOGUE},
      {"providers", "connect", "--db", db, "2000", "--client-id", "obauth-hub"},
      {"registrations", "approve", "--db", db, "dc-" + std::string(25, 'a'), "1000"},
  };
  for (const auto& args : cases) {
    ExpectOneLineError(args);
    const CommandResult r = Obauth(args);
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_NE(r.err.find("no database at " + db), std::string::npos) << r.err;
  }
  EXPECT_NE(Obauth(cases[0]).err.find("--create"), std::string::npos);
  // Nothing was made: no database, no key file, not even the directory.
  EXPECT_FALSE(std::filesystem::exists(missing.parent_path()));
  // --create starts one, and a later command without it works on it.
  const CommandResult created =
      Obauth({"partner", "create", "--create", "--db", db, "--name", "Acme"});
  ASSERT_EQ(created.exit_code, 0) << created.err;
  EXPECT_TRUE(std::filesystem::is_regular_file(missing));
  EXPECT_EQ(Obauth({"keys", "list", "--db", db}).exit_code, 0);
  EXPECT_EQ(Obauth({"partner", "create", "--db", db, "--name", "Acme"}).exit_code, 0);
}

TEST_F(Cli, PartnerCreateSaysTheSecretIsShownOnlyOnce) {
  const CommandResult r =
      Obauth({"partner", "create", "--create", "--db", DbPath().string(), "--name", "Acme"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("shown only once"), std::string::npos) << r.err;
  // The secret itself is on stdout only.
  EXPECT_EQ(r.err.find(StringAt(ParseJsonObject(r.out), "client_secret")), std::string::npos);
}

TEST_F(Cli, UnusableDbGivesOneLineErrorAndNonZeroExit) {
  // A parent that is a file, and a path that is a directory.
  for (const std::string& db : {std::string("/dev/null/obauth/obauth.db"), temp_dir().string()}) {
    ExpectOneLineError({"serve", "--listen", "127.0.0.1:0", "--db", db});
    ExpectOneLineError({"partner", "create", "--create", "--db", db, "--name", "Acme"});
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
  const CommandResult r = Obauth(
      {"partner", "create", "--create", "--db", DbPath().string(), "--name", "Acme Partner"});
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
  const CommandResult created = Obauth({"partner", "create", "--create", "--db", DbPath().string(),
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

// obauth providers connect: obauth's client credentials at a provider with an fdx connector.
// SQLite only, like Cli.*: the tests read the database's files.
class ProvidersConnect : public Cli {
 protected:
  void SetUp() override {
    Cli::SetUp();
    if (OnPostgres()) GTEST_SKIP() << "reads the SQLite database's files";
    const auto catalogue = temp_dir() / "catalogue.json";
    std::ofstream(catalogue) << R"([
      {"provider_id": 2000, "name": "Upstream Bank", "country": "CA", "scopes": ["ACCOUNT_BASIC"],
       "connector": {"type": "fdx", "issuer": "https://auth.upstream.example",
                     "fdx_base_url": "https://api.upstream.example/fdx/v5",
                     "authorize_params": {"provider_id": "1000"}}},
      {"provider_id": 9000, "name": "Sandbox", "country": "CA", "scopes": ["ACCOUNT_BASIC"],
       "connector": {"type": "sandbox"}},
      {"provider_id": 1000, "name": "Listed Only", "country": "CA", "scopes": ["ACCOUNT_BASIC"]}
    ])";
    const CommandResult imported =
        ObauthOnDb({"providers", "import", "--create", catalogue.string()});
    ASSERT_EQ(imported.exit_code, 0) << imported.err;
  }

  // `obauth providers connect PROVIDER_ID --client-id CLIENT_ID` on the test's database with
  // `input` on its standard input. The test helpers start commands with /dev/null there, so a
  // shell redirects a file instead; the secret is never on a command line.
  CommandResult Connect(const std::string& provider_id, const std::string& client_id,
                        const std::string& input) {
    const auto file = temp_dir() / "stdin";
    std::ofstream(file, std::ios::binary | std::ios::trunc) << input;
    std::vector<std::string> argv = {
        "/bin/sh",   "-c",      R"(exec "$@" < "$0")", file.string(), ObauthBinary(),
        "providers", "connect", provider_id,           "--client-id", client_id};
    const auto db = DbArgs();
    argv.insert(argv.end(), db.begin(), db.end());
    CommandResult r = obauth::testing::RunCommand(argv);
    std::filesystem::remove(file);
    return r;
  }
};

TEST_F(ProvidersConnect, StoresTheClientSealedAndPrintsOneLineWithoutTheSecret) {
  // Characters a shell or a JSON encoder would treat specially, passed through as they are.
  const std::string secret = R"(upstream-S3cret "quoted" $HOME `x` \n ~!@#%^&*()_+)";
  const CommandResult r = Connect("2000", "obauth-hub", secret + "\n");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out,
            "{\"provider_id\": 2000, \"client_id\": \"obauth-hub\", \"secret\": \"sealed\", "
            "\"replaced_client_id\": null}\n");
  EXPECT_EQ(r.err, "");
  EXPECT_EQ(r.out.find("S3cret"), std::string::npos);
  const std::string stored = Setting("provider_client:2000");
  EXPECT_TRUE(stored.starts_with(R"({"client_id":"obauth-hub","sealed_secret":")")) << stored;
  EXPECT_EQ(stored.find("S3cret"), std::string::npos) << stored;
  const std::string files = FilesNextToTheDatabase();
  EXPECT_NE(files.find("obauth-hub"), std::string::npos);  // the files hold the setting
  EXPECT_EQ(files.find(secret), std::string::npos);
  EXPECT_EQ(files.find("upstream-S3cret"), std::string::npos);
}

TEST_F(ProvidersConnect, RunningItAgainReplacesTheClient) {
  ASSERT_EQ(Connect("2000", "first-client", "first-provider-secret\n").exit_code, 0);
  // CRLF and no newline at all are one line too.
  const CommandResult again = Connect("2000", "second-client", "second-provider-secret\r\n");
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_EQ(again.out,
            "{\"provider_id\": 2000, \"client_id\": \"second-client\", \"secret\": \"sealed\", "
            "\"replaced_client_id\": \"first-client\"}\n");
  EXPECT_TRUE(Setting("provider_client:2000").starts_with(R"({"client_id":"second-client",)"))
      << Setting("provider_client:2000");
  const CommandResult third = Connect("2000", "third-client", "third-provider-secret");
  ASSERT_EQ(third.exit_code, 0) << third.err;
  EXPECT_NE(third.out.find(R"("replaced_client_id": "second-client")"), std::string::npos)
      << third.out;
  const std::string files = FilesNextToTheDatabase();
  for (const char* secret :
       {"first-provider-secret", "second-provider-secret", "third-provider-secret"}) {
    EXPECT_EQ(files.find(secret), std::string::npos) << secret;
  }
  EXPECT_EQ(files.find("first-client"), std::string::npos) << "the replaced value is gone";
}

TEST_F(ProvidersConnect, RefusesWhatItCannotStoreWithAUsageErrorAndKeepsWhatWasStored) {
  ASSERT_EQ(Connect("2000", "obauth-hub", "the-stored-secret\n").exit_code, 0);
  const std::string stored = Setting("provider_client:2000");
  const std::string secret = "a-secret-never-stored";
  struct Case {
    std::string provider_id;
    std::string client_id;
    std::string input;
    std::string message;
  };
  const std::vector<Case> cases = {
      {"9000", "obauth-hub", secret + "\n", "Data Provider 9000 has a sandbox connector"},
      {"1000", "obauth-hub", secret + "\n", "Data Provider 1000 has no connector"},
      {"4242", "obauth-hub", secret + "\n", "no Data Provider 4242 in the catalogue"},
      {"2000", "obauth-hub", "", "no client secret on standard input"},
      {"2000", "obauth-hub", "\n", "no client secret on standard input"},
      {"2000", "obauth-hub", secret + "\nsecond line\n", "standard input must hold one line"},
      {"2000", "obauth-hub", std::string(513, 's') + "\n",
       "the client secret must be 1-512 printable ASCII characters"},
      {"2000", "obauth-hub", secret + "\t\n",
       "the client secret must be 1-512 printable ASCII characters"},
      {"2000", "", secret + "\n", "the client id must be 1-256 printable ASCII characters"},
  };
  for (const Case& c : cases) {
    const CommandResult r = Connect(c.provider_id, c.client_id, c.input);
    SCOPED_TRACE("provider " + c.provider_id + ", input of " + std::to_string(c.input.size()));
    EXPECT_EQ(r.exit_code, 2) << r.err;
    EXPECT_EQ(r.out, "");
    EXPECT_EQ(LineCount(r.err), 1u) << r.err;
    EXPECT_TRUE(r.err.starts_with("obauth: error: " + c.message)) << r.err;
    EXPECT_NE(r.err.find("(see obauth providers connect --help)"), std::string::npos) << r.err;
    EXPECT_EQ(r.err.find(secret), std::string::npos) << r.err;
  }
  EXPECT_EQ(Setting("provider_client:2000"), stored);
  EXPECT_EQ(Setting("provider_client:9000"), "(none)");
  EXPECT_EQ(FilesNextToTheDatabase().find(secret), std::string::npos);
  // There is no way to give the secret on the command line.
  const CommandResult on_the_line = ObauthOnDb(
      {"providers", "connect", "2000", "--client-id", "obauth-hub", "--client-secret", secret});
  EXPECT_EQ(on_the_line.exit_code, 2) << on_the_line.err;
  EXPECT_EQ(Setting("provider_client:2000"), stored);
}

}  // namespace
}  // namespace obauth::e2e
