// `obauth recipients ...` against the real server: every subcommand in table and --json form,
// credentials from flags and the environment, and the messages for each failure (wrong secret,
// no server, unknown or foreign recipient, refused input, missing credentials, a silent server).
#include <gtest/gtest.h>

#include <algorithm>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <regex>

#include "e2e/obauth_test.hpp"
#include "e2e/tls_proxy.hpp"

namespace obauth::e2e {
namespace {

namespace json = boost::json;
using obauth::testing::ParseJson;
using obauth::testing::ParseJsonObject;
using obauth::testing::StringAt;

constexpr char kUnknownId[] = "dc-aaaaaaaaaaaaaaaaaaaaaaaaa";

// Every OBAUTH_* variable the CLI reads is removed from the inherited environment, so only what a
// test gives counts.
const std::vector<std::string> kCleanEnvironment = {
    "/usr/bin/env", "-u", "OBAUTH_URL", "-u", "OBAUTH_CLIENT_ID", "-u", "OBAUTH_CLIENT_SECRET"};

std::string Joined(const std::vector<std::string>& args) {
  std::string text;
  for (const auto& a : args) text += " " + a;
  return text;
}

// A listening socket on 127.0.0.1 that never accepts: connections complete in the kernel and
// then nothing is ever answered.
class SilentListener {
 public:
  SilentListener() {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof addr;
    if (fd_ < 0 || ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        ::listen(fd_, 16) != 0 ||
        ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &length) != 0) {
      throw std::runtime_error("cannot listen on 127.0.0.1");
    }
    port_ = ntohs(addr.sin_port);
  }
  ~SilentListener() { ::close(fd_); }
  unsigned short port() const { return port_; }

 private:
  int fd_ = -1;
  unsigned short port_ = 0;
};

class RecipientsCli : public ObauthTest {
 protected:
  void SetUp() override {
    partner_ = CreatePartner();
    StartServer();
    token_ = AdminToken(partner_);
  }

  std::string Url() { return server().base_url(); }

  // `obauth recipients ARGS` with exactly the OBAUTH_* variables in `environment`
  // ("NAME=VALUE"). The partner's secret and the token must never be printed; secrets printed are
  // remembered so that TearDown checks they never reach the server log.
  CommandResult RunWith(const std::vector<std::string>& environment,
                        const std::vector<std::string>& args) {
    std::vector<std::string> argv = kCleanEnvironment;
    argv.insert(argv.end(), environment.begin(), environment.end());
    argv.push_back(ObauthBinary());
    argv.push_back("recipients");
    argv.insert(argv.end(), args.begin(), args.end());
    CommandResult r = obauth::testing::RunCommand(argv);
    const std::string shown = "obauth recipients" + Joined(args);
    EXPECT_EQ(r.status.kind, ExitStatus::Kind::kExited) << shown << ": " << r.status.ToString();
    for (const std::string* text : {&r.out, &r.err}) {
      EXPECT_EQ(text->find(partner_.client_secret), std::string::npos)
          << shown << " printed the partner's secret";
      // A compact JWS (the access token) starts with the base64url of '{"'.
      EXPECT_FALSE(std::regex_search(*text, std::regex(R"(eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.)")))
          << shown << " printed a token";
    }
    std::smatch m;
    if (std::regex_search(r.out, m, std::regex(R"(client_secret"?:?\s*"?([A-Za-z0-9_-]{16,}))"))) {
      RememberSecret(m[1].str());
    }
    return r;
  }

  // With the partner's credentials and the server's URL in the environment.
  CommandResult Run(const std::vector<std::string>& args) {
    return RunWith({"OBAUTH_URL=" + Url(), "OBAUTH_CLIENT_ID=" + partner_.client_id,
                    "OBAUTH_CLIENT_SECRET=" + partner_.client_secret},
                   args);
  }

  // A successful Run: exit 0 and nothing on stderr.
  std::string Output(const std::vector<std::string>& args) {
    const CommandResult r = Run(args);
    EXPECT_EQ(r.exit_code, 0) << "obauth recipients" << Joined(args) << ": " << r.err;
    EXPECT_EQ(r.err, "");
    return r.out;
  }

  // A failed Run: exit `code`, nothing on stdout, one `obauth: error: ` line on stderr; answers
  // that line.
  std::string Failure(const std::vector<std::string>& args, int code = 1) {
    const CommandResult r = Run(args);
    return ExpectFailure(r, code, args);
  }
  static std::string ExpectFailure(const CommandResult& r, int code,
                                   const std::vector<std::string>& args) {
    SCOPED_TRACE("obauth recipients" + Joined(args));
    EXPECT_EQ(r.exit_code, code) << r.err;
    EXPECT_EQ(r.out, "");
    EXPECT_EQ(r.err.rfind("obauth: error: ", 0), 0u) << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    return r.err;
  }

  // The secret in a table's "client_secret  VALUE" line.
  static std::string SecretInTable(const std::string& table) {
    std::smatch m;
    if (!std::regex_search(table, m, std::regex(R"((^|\n)client_secret +(\S+)\n)"))) {
      throw std::runtime_error("no client_secret line in:\n" + table);
    }
    return m[2].str();
  }

  json::value Api(std::string_view target) {
    const HttpResponse r = AdminGet(token_, target);
    EXPECT_EQ(r.status, 200) << r.Describe();
    return ParseJson(r.body);
  }

  int TokenStatus(const Credentials& client) { return RequestToken(client).status; }

  Credentials partner_;
  std::string token_;
};

// ---- list ----

TEST_F(RecipientsCli, ListPrintsATableOfThePartnersRecipients) {
  const auto a = CreateRecipient(token_, FullRecipientJson("Alpha Budget"));
  const auto b = CreateRecipient(token_, FullRecipientJson("Beta Loans"));
  const std::string out = Output({"list"});
  EXPECT_EQ(out.rfind("CLIENT ID", 0), 0u) << out;
  for (const std::string& word : {a.id(), b.id(), std::string("Alpha Budget"),
                                  std::string("Beta Loans"), std::string("CA")}) {
    EXPECT_NE(out.find(word), std::string::npos) << word << " missing from:\n" << out;
  }
  EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), 3) << out;
}

TEST_F(RecipientsCli, ListWithJsonPrintsWhatTheApiAnswers) {
  CreateRecipient(token_, FullRecipientJson("Alpha Budget"));
  CreateRecipient(token_, FullRecipientJson("Beta Loans"));
  const std::string out = Output({"list", "--json"});
  EXPECT_EQ(ParseJson(out), Api(kRecipientsPath)) << out;
}

TEST_F(RecipientsCli, ListSaysSoWhenThereAreNoRecipients) {
  EXPECT_NE(Output({"list"}).find("No recipients yet"), std::string::npos);
  EXPECT_EQ(ParseJson(Output({"list", "--json"})), json::array());
}

// ---- show ----

TEST_F(RecipientsCli, ShowPrintsEveryDetailOneFieldALine) {
  const auto r = CreateRecipient(token_);
  const std::string out = Output({"show", r.id()});
  for (const char* line :
       {"client_id +dc-[a-z0-9]{25}", "name +Flinks Fake",
        "scope +ACCOUNT_BASIC ACCOUNT_DETAILED TRANSACTIONS",
        "redirect_uris +https://flinks.fake.com/callback",
        "logo_uri +https://flinks.fake.com/logo.png", "description +Description of Flinks Fake",
        "terms_uri +https://flinks.fake.com/callback/terms.html",
        "client_uri +https://flinks.fake.com", "country +CA", "contacts +john.doe@flinks.fake.com",
        "secret_last_used_at +-", "previous_secret_authentications +0"}) {
    EXPECT_TRUE(std::regex_search(out, std::regex(std::string("(^|\n)") + line + "\n")))
        << line << " missing from:\n"
        << out;
  }
  EXPECT_EQ(out.find("client_secret"), std::string::npos) << out;
}

TEST_F(RecipientsCli, ShowWithJsonPrintsWhatTheApiAnswers) {
  const auto r = CreateRecipient(token_);
  EXPECT_EQ(ParseJson(Output({"show", r.id(), "--json"})), Api(RecipientPath(r.id())));
}

TEST_F(RecipientsCli, ShowOfAnUnknownRecipientSaysThereIsNoSuchRecipient) {
  const std::string err = Failure({"show", kUnknownId});
  EXPECT_NE(err.find("No recipient " + std::string(kUnknownId) + " for this partner"),
            std::string::npos)
      << err;
  EXPECT_NE(err.find("obauth recipients list"), std::string::npos) << err;
}

// ---- create ----

TEST_F(RecipientsCli, CreateWithEveryFieldStoresThemAllAndPrintsTheApiAnswer) {
  const std::string out = Output({"create",         "--json",
                                  "--name",         "Flinks Fake",
                                  "--scope",        "ACCOUNT_BASIC,TRANSACTIONS",
                                  "--scope",        "STATEMENTS",
                                  "--redirect-uri", "https://flinks.fake.com/callback",
                                  "--redirect-uri", "https://flinks.fake.com/callback2",
                                  "--logo-uri",     "https://flinks.fake.com/logo.png",
                                  "--description",  "Description of Flinks Fake",
                                  "--terms-uri",    "https://flinks.fake.com/terms.html",
                                  "--client-uri",   "https://flinks.fake.com",
                                  "--country",      "US",
                                  "--contact",      "john.doe@flinks.fake.com",
                                  "--contact",      "jane.doe@flinks.fake.com"});
  const json::object created = ParseJsonObject(out);
  const std::string id = StringAt(created, "client_id");
  json::object details = RecipientDetails(token_, id);
  EXPECT_EQ(StringAt(details, "name"), "Flinks Fake");
  EXPECT_EQ(StringAt(details, "scope"), "ACCOUNT_BASIC TRANSACTIONS STATEMENTS");
  EXPECT_EQ(json::serialize(details.at("redirect_uris")),
            R"(["https://flinks.fake.com/callback","https://flinks.fake.com/callback2"])");
  EXPECT_EQ(StringAt(details, "logo_uri"), "https://flinks.fake.com/logo.png");
  EXPECT_EQ(StringAt(details, "description"), "Description of Flinks Fake");
  EXPECT_EQ(StringAt(details, "terms_uri"), "https://flinks.fake.com/terms.html");
  EXPECT_EQ(StringAt(details, "client_uri"), "https://flinks.fake.com");
  EXPECT_EQ(StringAt(details, "country"), "US");
  EXPECT_EQ(json::serialize(details.at("contacts")),
            R"([{"email":"john.doe@flinks.fake.com"},{"email":"jane.doe@flinks.fake.com"}])");
  // The answer is the API's: the details plus the secret, which works.
  json::object without_secret = created;
  without_secret.erase("client_secret");
  EXPECT_EQ(without_secret, details);
  EXPECT_EQ(TokenStatus({id, StringAt(created, "client_secret")}), 200);
}

TEST_F(RecipientsCli, CreatePrintsTheSecretOnceAndSaysItIsShownOnlyOnce) {
  const std::string out = Output({"create", "--name", "Flinks Fake", "--scope", "ACCOUNT_BASIC",
                                  "--redirect-uri", "https://flinks.fake.com/callback"});
  EXPECT_NE(out.find("shown only once"), std::string::npos) << out;
  std::smatch m;
  ASSERT_TRUE(std::regex_search(out, m, std::regex(R"((^|\n)client_id +(dc-[a-z0-9]{25})\n)")))
      << out;
  const Credentials created{m[2].str(), SecretInTable(out)};
  EXPECT_EQ(TokenStatus(created), 200);
  // Optional fields not given are null.
  EXPECT_TRUE(RecipientDetails(token_, created.client_id).at("logo_uri").is_null());
}

TEST_F(RecipientsCli, CreateWithAnInvalidRedirectUriShowsTheServersMessageAndCreatesNothing) {
  const std::string err = Failure({"create", "--name", "Flinks Fake", "--scope", "ACCOUNT_BASIC",
                                   "--redirect-uri", "http://flinks.fake.com/callback"});
  EXPECT_NE(err.find("Invalid field 'redirect_uris[0]': must be an absolute https URL"),
            std::string::npos)
      << err;
  EXPECT_NE(err.find("Nothing was changed"), std::string::npos) << err;
  EXPECT_EQ(Api(kRecipientsPath), json::array());
}

TEST_F(RecipientsCli, CreateWithoutARequiredFieldIsAUsageError) {
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"create", "--scope", "ACCOUNT_BASIC", "--redirect-uri",
                                 "https://x.example/cb"},
        std::vector<std::string>{"create", "--name", "X", "--redirect-uri", "https://x.example/cb"},
        std::vector<std::string>{"create", "--name", "X", "--scope", "ACCOUNT_BASIC"}}) {
    Failure(args, 2);
  }
  EXPECT_EQ(Api(kRecipientsPath), json::array());
}

TEST_F(RecipientsCli, CreateWithAnIdempotencyKeyCreatesOnceWhenRetried) {
  const std::vector<std::string> args = {"create",
                                         "--json",
                                         "--name",
                                         "Flinks Fake",
                                         "--scope",
                                         "ACCOUNT_BASIC",
                                         "--redirect-uri",
                                         "https://flinks.fake.com/callback",
                                         "--idempotency-key",
                                         "create-flinks-fake-1"};
  const json::value first = ParseJson(Output(args));
  const CommandResult again_run = Run(args);
  ASSERT_EQ(again_run.exit_code, 0) << again_run.err;
  EXPECT_EQ(ParseJson(again_run.out), first);
  EXPECT_NE(again_run.err.find("nothing was created now"), std::string::npos) << again_run.err;
  EXPECT_EQ(Api(kRecipientsPath).as_array().size(), 1u);
}

// ---- update ----

TEST_F(RecipientsCli, UpdateReplacesTheRedirectUrisAndPrintsTheDetails) {
  const auto r = CreateRecipient(token_);
  const std::string out = Output({"update", r.id(), "--redirect-uri", "https://a.example/cb",
                                  "--redirect-uri", "https://b.example/cb"});
  EXPECT_TRUE(std::regex_search(
      out, std::regex("(^|\n)redirect_uris +https://a.example/cb\n +https://b.example/cb\n")))
      << out;
  EXPECT_EQ(json::serialize(RecipientDetails(token_, r.id()).at("redirect_uris")),
            R"(["https://a.example/cb","https://b.example/cb"])");
}

TEST_F(RecipientsCli, UpdateWithJsonPrintsWhatTheApiAnswers) {
  const auto r = CreateRecipient(token_);
  const std::string out = Output({"update", r.id(), "--json", "--name", "Renamed", "--country",
                                  "US", "--contact", "ops@renamed.example"});
  const json::value details = Api(RecipientPath(r.id()));
  EXPECT_EQ(ParseJson(out), details);
  EXPECT_EQ(StringAt(details.as_object(), "name"), "Renamed");
  EXPECT_EQ(StringAt(details.as_object(), "country"), "US");
  EXPECT_EQ(json::serialize(details.at("contacts")), R"([{"email":"ops@renamed.example"}])");
  // Fields not given are kept.
  EXPECT_EQ(StringAt(details.as_object(), "logo_uri"), "https://flinks.fake.com/logo.png");
}

TEST_F(RecipientsCli, UpdateClearEmptiesOptionalFields) {
  const auto r = CreateRecipient(token_);
  Output({"update", r.id(), "--clear", "logo_uri", "--clear", "contacts"});
  const json::object details = RecipientDetails(token_, r.id());
  EXPECT_TRUE(details.at("logo_uri").is_null());
  EXPECT_EQ(json::serialize(details.at("contacts")), "[]");
  EXPECT_EQ(StringAt(details, "country"), "CA");
}

TEST_F(RecipientsCli, UpdateWithoutAnyFieldIsAUsageError) {
  const auto r = CreateRecipient(token_);
  const std::string err = Failure({"update", r.id()}, 2);
  EXPECT_NE(err.find("nothing to update"), std::string::npos) << err;
}

TEST_F(RecipientsCli, UpdateWithAnInvalidValueShowsTheServersMessageAndChangesNothing) {
  const auto r = CreateRecipient(token_);
  const json::object before = RecipientDetails(token_, r.id());
  const std::string err = Failure({"update", r.id(), "--country", "FR"});
  EXPECT_NE(err.find("Invalid field 'country'"), std::string::npos) << err;
  EXPECT_EQ(RecipientDetails(token_, r.id()), before);
}

// ---- rotate-secret and delete-previous-secret ----

TEST_F(RecipientsCli, RotateSecretPrintsANewSecretThatWorksWhileTheOldOneIsRefused) {
  const auto r = CreateRecipient(token_);
  const std::string out = Output({"rotate-secret", r.id()});
  EXPECT_NE(out.find("shown only once"), std::string::npos) << out;
  EXPECT_NE(out.find("The previous secret no longer works"), std::string::npos) << out;
  const std::string fresh = SecretInTable(out);
  EXPECT_NE(fresh, r.credentials.client_secret);
  EXPECT_EQ(TokenStatus({r.id(), fresh}), 200);
  ExpectOAuthError(RequestToken(r.credentials), 400, "invalid_client");
}

TEST_F(RecipientsCli, RotateSecretWithJsonPrintsTheApiAnswer) {
  const auto r = CreateRecipient(token_);
  const json::object issued = ParseJsonObject(Output({"rotate-secret", r.id(), "--json"}));
  EXPECT_EQ(obauth::testing::Keys(issued),
            (std::vector<std::string>{"client_id", "client_secret"}));
  EXPECT_EQ(StringAt(issued, "client_id"), r.id());
  EXPECT_EQ(TokenStatus({r.id(), StringAt(issued, "client_secret")}), 200);
}

TEST_F(RecipientsCli, RotateSecretWithAGracePeriodKeepsTheOldSecretUntilItIsDeleted) {
  const auto r = CreateRecipient(token_);
  const std::string out = Output({"rotate-secret", r.id(), "--previous-secret-expires-in", "3600"});
  EXPECT_NE(out.find("The previous secret keeps working until"), std::string::npos) << out;
  EXPECT_NE(out.find("delete-previous-secret " + r.id()), std::string::npos) << out;
  const std::string fresh = SecretInTable(out);
  EXPECT_EQ(TokenStatus(r.credentials), 200);
  EXPECT_EQ(TokenStatus({r.id(), fresh}), 200);

  // A second rotation during the grace period: the 409 and what to do about it.
  const std::string err = Failure({"rotate-secret", r.id()});
  EXPECT_NE(err.find("409"), std::string::npos) << err;
  EXPECT_NE(err.find("obauth recipients delete-previous-secret " + r.id()), std::string::npos)
      << err;
  EXPECT_NE(err.find("/secret/previous"), std::string::npos) << err;

  EXPECT_NE(Output({"delete-previous-secret", r.id()}).find("no longer works"), std::string::npos);
  ExpectOAuthError(RequestToken(r.credentials), 400, "invalid_client");
  EXPECT_EQ(TokenStatus({r.id(), fresh}), 200);
  EXPECT_EQ(Run({"rotate-secret", r.id()}).exit_code, 0);
}

TEST_F(RecipientsCli, RotateSecretWithAnIdempotencyKeyRotatesOnceWhenRetried) {
  const auto r = CreateRecipient(token_);
  const std::vector<std::string> args = {"rotate-secret", r.id(), "--json", "--idempotency-key",
                                         "rotate-1"};
  const CommandResult first_run = Run(args);
  ASSERT_EQ(first_run.exit_code, 0) << first_run.err;
  EXPECT_EQ(first_run.err, "") << "the first rotation is no replay";
  const CommandResult again_run = Run(args);
  ASSERT_EQ(again_run.exit_code, 0) << again_run.err;
  const json::object first = ParseJsonObject(first_run.out);
  const json::object again = ParseJsonObject(again_run.out);
  EXPECT_EQ(StringAt(first, "client_secret"), StringAt(again, "client_secret"));
  EXPECT_EQ(TokenStatus({r.id(), StringAt(first, "client_secret")}), 200);
  // The retry says that it is the first rotation's answer, and that nothing rotated now.
  EXPECT_EQ(again_run.err,
            "obauth: note: this is the answer of an earlier request with --idempotency-key "
            "rotate-1 (the server's Idempotent-Replayed: true); nothing was rotated now\n");
}

TEST_F(RecipientsCli, RotateSecretWithRevokeTokensEndsTheOldTokens) {
  const auto r = CreateRecipient(token_);
  const std::string old_token = Token(r.credentials);
  ASSERT_EQ(Introspection(partner_, old_token).at("active"), true);
  Output({"rotate-secret", r.id(), "--revoke-tokens"});
  EXPECT_EQ(Introspection(partner_, old_token).at("active"), false);
}

// ---- delete ----

TEST_F(RecipientsCli, DeleteRetiresTheRecipient) {
  const auto r = CreateRecipient(token_);
  EXPECT_EQ(Output({"delete", r.id()}), "Deleted recipient " + r.id() + ".\n");
  ExpectMessage(AdminGet(token_, RecipientPath(r.id())), 404, "Data Recipient not found");
  ExpectOAuthError(RequestToken(r.credentials), 400, "invalid_client");
  const std::string err = Failure({"delete", r.id()});
  EXPECT_NE(err.find("No recipient " + r.id()), std::string::npos) << err;
}

TEST_F(RecipientsCli, DeleteWithJsonPrintsNothing) {
  const auto r = CreateRecipient(token_);
  EXPECT_EQ(Output({"delete", r.id(), "--json"}), "");
  EXPECT_EQ(Api(kRecipientsPath), json::array());
}

// ---- tenants ----

TEST_F(RecipientsCli, AnotherPartnersRecipientIsNeitherListedNorShownNorTouched) {
  const Credentials other = CreatePartner("Other Partner");
  const auto theirs = CreateRecipient(AdminToken(other));
  EXPECT_EQ(ParseJson(Output({"list", "--json"})), json::array());
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"show", theirs.id()},
        std::vector<std::string>{"update", theirs.id(), "--name", "Mine now"},
        std::vector<std::string>{"rotate-secret", theirs.id()},
        std::vector<std::string>{"delete", theirs.id()}}) {
    const std::string err = Failure(args);
    EXPECT_NE(err.find("No recipient " + theirs.id() + " for this partner"), std::string::npos)
        << err;
  }
  EXPECT_EQ(TokenStatus(theirs.credentials), 200);
  EXPECT_EQ(StringAt(RecipientDetails(AdminToken(other), theirs.id()), "name"), "Flinks Fake");
}

// ---- connection and credentials ----

TEST_F(RecipientsCli, CredentialsMayComeFromFlags) {
  const auto r = CreateRecipient(token_);
  const CommandResult result =
      RunWith({}, {"show", r.id(), "--json", "--url", Url(), "--client-id", partner_.client_id,
                   "--client-secret", partner_.client_secret});
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(ParseJson(result.out), Api(RecipientPath(r.id())));
}

TEST_F(RecipientsCli, FlagsWinOverTheEnvironment) {
  const auto r = CreateRecipient(token_);
  const CommandResult result =
      RunWith({"OBAUTH_URL=http://127.0.0.1:1", "OBAUTH_CLIENT_ID=nobody",
               "OBAUTH_CLIENT_SECRET=wrong-secret-wrong-secret"},
              {"show", r.id(), "--json", "--url", Url(), "--client-id", partner_.client_id,
               "--client-secret", partner_.client_secret});
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(StringAt(ParseJsonObject(result.out), "client_id"), r.id());
}

TEST_F(RecipientsCli, AWrongSecretExitsOneAndSaysToCheckTheCredentials) {
  const std::vector<std::string> args = {"list"};
  const CommandResult result =
      RunWith({"OBAUTH_URL=" + Url(), "OBAUTH_CLIENT_ID=" + partner_.client_id,
               "OBAUTH_CLIENT_SECRET=this-is-not-the-partners-secret"},
              args);
  const std::string err = ExpectFailure(result, 1, args);
  EXPECT_NE(err.find("invalid_client"), std::string::npos) << err;
  EXPECT_NE(err.find("Check the client id and secret"), std::string::npos) << err;
  EXPECT_NE(err.find("OBAUTH_CLIENT_SECRET"), std::string::npos) << err;
  EXPECT_EQ(err.find("this-is-not-the-partners-secret"), std::string::npos) << err;
}

TEST_F(RecipientsCli, ARecipientsCredentialsAreRefusedWithAHintAboutClientAdmin) {
  const auto r = CreateRecipient(token_);
  const std::vector<std::string> args = {"list"};
  const CommandResult result = RunWith({"OBAUTH_URL=" + Url(), "OBAUTH_CLIENT_ID=" + r.id(),
                                        "OBAUTH_CLIENT_SECRET=" + r.credentials.client_secret},
                                       args);
  const std::string err = ExpectFailure(result, 1, args);
  EXPECT_NE(err.find("partner's client:admin credentials"), std::string::npos) << err;
  EXPECT_EQ(err.find(r.credentials.client_secret), std::string::npos) << err;
}

TEST_F(RecipientsCli, AServerThatIsNotRunningGetsAMessageNamingTheUrlAndHowToSetIt) {
  const std::string url = Url();
  StopServer();
  const std::string err = Failure({"list"});
  EXPECT_NE(err.find("Is the server running at " + url + "?"), std::string::npos) << err;
  EXPECT_NE(err.find("--url"), std::string::npos) << err;
  EXPECT_NE(err.find("OBAUTH_URL"), std::string::npos) << err;
}

TEST_F(RecipientsCli, AServerThatNeverAnswersTimesOutWithAMessage) {
  SilentListener silent;
  const std::string url = "http://127.0.0.1:" + std::to_string(silent.port());
  const std::vector<std::string> args = {"list", "--timeout", "1"};
  const auto started = std::chrono::steady_clock::now();
  const CommandResult result =
      RunWith({"OBAUTH_URL=" + url, "OBAUTH_CLIENT_ID=" + partner_.client_id,
               "OBAUTH_CLIENT_SECRET=" + partner_.client_secret},
              args);
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(10));
  const std::string err = ExpectFailure(result, 1, args);
  EXPECT_NE(err.find("No answer from " + url + " within 1 s"), std::string::npos) << err;
}

TEST_F(RecipientsCli, MissingCredentialsAreAUsageErrorNamingFlagsAndVariables) {
  const std::vector<std::string> args = {"list"};
  std::string err = ExpectFailure(RunWith({"OBAUTH_URL=" + Url()}, args), 2, args);
  for (const char* word :
       {"--client-id", "--client-secret", "OBAUTH_CLIENT_ID", "OBAUTH_CLIENT_SECRET"}) {
    EXPECT_NE(err.find(word), std::string::npos) << word << " missing from: " << err;
  }
  err = ExpectFailure(RunWith({"OBAUTH_CLIENT_ID=" + partner_.client_id,
                               "OBAUTH_CLIENT_SECRET=" + partner_.client_secret},
                              args),
                      2, args);
  for (const char* word : {"--url", "OBAUTH_URL"}) {
    EXPECT_NE(err.find(word), std::string::npos) << word << " missing from: " << err;
  }
}

TEST_F(RecipientsCli, AUrlThatIsNotHttpOrHttpsIsAUsageError) {
  for (const std::string url : {"ftp://127.0.0.1/", "127.0.0.1:8080", "http://user:pw@x/"}) {
    const std::vector<std::string> args = {"list", "--url", url};
    ExpectFailure(RunWith({"OBAUTH_CLIENT_ID=" + partner_.client_id,
                           "OBAUTH_CLIENT_SECRET=" + partner_.client_secret},
                          args),
                  2, args);
  }
}

TEST_F(RecipientsCli, AUrlWithAnotherPathSaysItIsNotAnObauthBaseUrl) {
  const std::vector<std::string> args = {"list", "--url", Url() + "/somewhere"};
  const std::string err = Failure(args);
  EXPECT_NE(err.find("404"), std::string::npos) << err;
  EXPECT_NE(err.find("base URL of an obauth server"), std::string::npos) << err;
}

// ---- help ----

TEST_F(RecipientsCli, HelpListsEverySubcommandAndTheEnvironment) {
  const CommandResult r = Run({"--help"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  for (const char* word : {"list", "show", "create", "update", "rotate-secret", "delete",
                           "delete-previous-secret", "OBAUTH_URL", "OBAUTH_CLIENT_ID",
                           "OBAUTH_CLIENT_SECRET", "ps", "http:// is for localhost"}) {
    EXPECT_NE(r.out.find(word), std::string::npos) << word << " missing from:\n" << r.out;
  }
}

TEST_F(RecipientsCli, CreateHelpNamesEveryField) {
  const CommandResult r = Run({"create", "--help"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  for (const char* word :
       {"--name", "--scope", "--redirect-uri", "--logo-uri", "--description", "--terms-uri",
        "--client-uri", "--country", "--contact", "--idempotency-key", "--url", "--client-id",
        "--client-secret", "--json", "--timeout"}) {
    EXPECT_NE(r.out.find(word), std::string::npos) << word << " missing from:\n" << r.out;
  }
}

TEST_F(RecipientsCli, RotateSecretHelpNamesItsOptions) {
  const CommandResult r = Run({"rotate-secret", "--help"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  for (const char* word :
       {"--previous-secret-expires-in", "--revoke-tokens", "--idempotency-key", "client_id"}) {
    EXPECT_NE(r.out.find(word), std::string::npos) << word << " missing from:\n" << r.out;
  }
}

// ---- https ----

// The server behind nginx terminating TLS for the name "localhost" with a self-signed certificate
// (made by the openssl command); nginx's default server, chosen without SNI, has one for
// "other.example". The CLI trusts both only when SSL_CERT_FILE names them.
class RecipientsCliOverHttps : public RecipientsCli {
 protected:
  void SetUp() override {
    RecipientsCli::SetUp();
    if (HasFatalFailure()) return;
    proxy_ = std::make_unique<TlsProxy>(temp_dir() / "tls", Url());
  }

  void TearDown() override {
    proxy_.reset();
    RecipientsCli::TearDown();
  }

  // `obauth recipients ARGS` against `url` with the partner's credentials, trusting the test
  // certificate when `trust` is set.
  CommandResult RunAt(const std::string& url, bool trust, const std::vector<std::string>& args) {
    std::vector<std::string> environment = {"OBAUTH_URL=" + url,
                                            "OBAUTH_CLIENT_ID=" + partner_.client_id,
                                            "OBAUTH_CLIENT_SECRET=" + partner_.client_secret};
    if (trust) environment.push_back("SSL_CERT_FILE=" + proxy_->trusted_file());
    return RunWith(environment, args);
  }

  std::string HttpsUrl(const std::string& host) { return proxy_->Url(host); }

  std::unique_ptr<TlsProxy> proxy_;
};

TEST_F(RecipientsCliOverHttps, ATrustedCertificateForTheHostChosenBySniWorks) {
  const auto r = CreateRecipient(token_);
  const CommandResult result = RunAt(HttpsUrl("localhost"), true, {"show", r.id(), "--json"});
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(ParseJson(result.out), Api(RecipientPath(r.id())));
  const CommandResult rotated = RunAt(HttpsUrl("localhost"), true, {"rotate-secret", r.id()});
  EXPECT_EQ(rotated.exit_code, 0) << rotated.err;
  EXPECT_EQ(TokenStatus({r.id(), SecretInTable(rotated.out)}), 200);
}

TEST_F(RecipientsCliOverHttps, ACertificateTheSystemDoesNotTrustIsRefused) {
  const std::vector<std::string> args = {"list"};
  const std::string err = ExpectFailure(RunAt(HttpsUrl("localhost"), false, args), 1, args);
  EXPECT_NE(err.find("is not accepted: self-signed certificate"), std::string::npos) << err;
  EXPECT_NE(err.find("SSL_CERT_FILE"), std::string::npos) << err;
}

TEST_F(RecipientsCliOverHttps, ACertificateForAnotherHostIsRefused) {
  // No SNI for an address: the default server's certificate, for other.example.
  const std::vector<std::string> args = {"list"};
  const std::string err = ExpectFailure(RunAt(HttpsUrl("127.0.0.1"), true, args), 1, args);
  EXPECT_NE(err.find("is not accepted: IP address mismatch"), std::string::npos) << err;
}

TEST_F(RecipientsCliOverHttps, HttpsToAPlainHttpServerSaysItIsNotHttps) {
  const std::vector<std::string> args = {"list"};
  const std::string err = ExpectFailure(
      RunAt("https://127.0.0.1:" + std::to_string(server().port()), true, args), 1, args);
  EXPECT_NE(err.find("Is it an https server?"), std::string::npos) << err;
}

TEST_F(RecipientsCliOverHttps, PlainHttpToTheTlsPortSaysToCheckTheUrl) {
  const std::vector<std::string> args = {"list"};
  const std::string err = ExpectFailure(
      RunAt("http://localhost:" + std::to_string(proxy_->port()), true, args), 1, args);
  EXPECT_NE(err.find("base URL of an obauth server"), std::string::npos) << err;
}

}  // namespace
}  // namespace obauth::e2e
