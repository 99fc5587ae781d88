// Secrets at rest: the token signing key is stored sealed under the server (master) key, which
// lives outside the database, in a key file or in OBAUTH_MASTER_KEY; a wrong key stops the start
// with a message that says what to do. SQLite only: the tests read the database file itself.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <cstdlib>

#include "e2e/obauth_test.hpp"

namespace obauth::e2e {
namespace {

using obauth::testing::CommandResult;
using obauth::testing::StringAt;

// Sets an environment variable for the processes this test starts, and removes it after.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const std::string& value) : name_(name) {
    ::setenv(name, value.c_str(), 1);
  }
  ~ScopedEnv() { ::unsetenv(name_); }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  const char* name_;
};

const std::string kMasterKey = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";

class SecretsAtRest : public ObauthTest {
 protected:
  // `obauth serve` expected to refuse to start: its result.
  CommandResult ServeExpectingFailure(std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {"serve", "--listen", "127.0.0.1:0", "--db", Db()};
    args.insert(args.end(), extra.begin(), extra.end());
    return Obauth(args);
  }
};

TEST_F(SecretsAtRest, SigningKeyIsStoredSealedAndNoPrivateKeyIsInTheDatabaseFiles) {
  const Credentials partner = CreatePartner();
  StartServer();
  const std::string token = AdminToken(partner);
  const CreatedRecipient recipient = CreateRecipient(token);
  EXPECT_TRUE(Setting("signing_keys").starts_with("0 sealed-v1:")) << Setting("signing_keys");
  auto expect_nothing_plain = [&] {
    const std::string files = FilesNextToTheDatabase();
    EXPECT_EQ(files.find("PRIVATE KEY"), std::string::npos);
    EXPECT_EQ(files.find(partner.client_secret), std::string::npos);
    EXPECT_EQ(files.find(recipient.credentials.client_secret), std::string::npos);
    EXPECT_EQ(files.find(token), std::string::npos);
  };
  expect_nothing_plain();
  ASSERT_EQ(StopServer().ToString(), "exit 0");
  expect_nothing_plain();
}

TEST_F(SecretsAtRest, MasterKeyFromTheEnvironmentNeedsNoKeyFile) {
  const std::string key_file = DbPath().string() + ".key";
  std::string kid;
  Credentials partner;
  {
    ScopedEnv env("OBAUTH_MASTER_KEY", kMasterKey);
    partner = CreatePartner();
    StartServer({"--issuer", "https://obauth.example.test"});
    const std::string token = AdminToken(partner);
    kid = StringAt(DecodeJwt(token).header, "kid");
    ASSERT_EQ(StopServer().ToString(), "exit 0");
    EXPECT_FALSE(std::filesystem::exists(key_file));

    // A restart with the same key keeps the signing key, so earlier tokens stay valid.
    StartServer({"--issuer", "https://obauth.example.test"});
    EXPECT_EQ(AdminGet(token, kRecipientsPath).status, 200);
    EXPECT_EQ(StringAt(DecodeJwt(AdminToken(partner)).header, "kid"), kid);
    ASSERT_EQ(StopServer().ToString(), "exit 0");

    // Both sources at once are ambiguous.
    const CommandResult both = ServeExpectingFailure({"--key-file", key_file});
    EXPECT_EQ(both.exit_code, 1) << both.err;
    EXPECT_NE(both.err.find("either by --key-file or by OBAUTH_MASTER_KEY"), std::string::npos)
        << both.err;
  }
  // Without the key the database was set up with, the server does not start, and no new key is
  // made behind the operator's back.
  const CommandResult without = ServeExpectingFailure();
  EXPECT_EQ(without.exit_code, 1) << without.err;
  EXPECT_NE(without.err.find("restore the key file that belongs to this database"),
            std::string::npos)
      << without.err;
  EXPECT_FALSE(std::filesystem::exists(key_file));
}

TEST_F(SecretsAtRest, WrongMasterKeyStopsTheStartWithAClearMessage) {
  const Credentials partner = CreatePartner();  // sets up the database with a key file
  const std::string wrong(64, 'e');
  ScopedEnv env("OBAUTH_MASTER_KEY", wrong);
  const CommandResult r = ServeExpectingFailure();
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.err.find("OBAUTH_MASTER_KEY: this is not the key the database was set up with"),
            std::string::npos)
      << r.err;
  EXPECT_EQ(r.err.find(wrong), std::string::npos) << "the key was echoed";
  EXPECT_EQ(r.out, "");

  const CommandResult malformed = [&] {
    ScopedEnv bad("OBAUTH_MASTER_KEY", "not-a-key");
    return ServeExpectingFailure();
  }();
  EXPECT_EQ(malformed.exit_code, 1) << malformed.err;
  EXPECT_NE(malformed.err.find("OBAUTH_MASTER_KEY: not 64 lowercase hex characters"),
            std::string::npos)
      << malformed.err;
}

TEST_F(SecretsAtRest, PlaintextSigningKeyOfAnEarlierVersionMovesSealedIntoTheKeyRing) {
  const Credentials partner = CreatePartner();
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open_v2(DbPath().c_str(), &db, SQLITE_OPEN_READWRITE, nullptr), SQLITE_OK);
  // RFC 8037 A.1's Ed25519 key, stored in plaintext the way earlier versions did.
  const char* sql =
      "INSERT INTO settings VALUES ('signing_key_ed25519', '-----BEGIN PRIVATE KEY-----\n"
      "MC4CAQAwBQYDK2VwBCIEIJ1hsZ3v/VpguoRK9JLsLMREScVpezJpGXA7rAMcrn9g\n"
      "-----END PRIVATE KEY-----\n')";
  const int rc = sqlite3_exec(db, sql, nullptr, nullptr, nullptr);
  sqlite3_close(db);
  ASSERT_EQ(rc, SQLITE_OK);

  StartServer();
  EXPECT_EQ(StringAt(DecodeJwt(AdminToken(partner)).header, "kid"),
            "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k");
  EXPECT_TRUE(Setting("signing_keys").starts_with("0 sealed-v1:"));
  EXPECT_EQ(Setting("signing_key_ed25519"), "moved to signing_keys");
  ASSERT_EQ(StopServer().ToString(), "exit 0");
  // The plaintext is gone from the database files.
  EXPECT_EQ(FilesNextToTheDatabase().find("MC4CAQAwBQYDK2VwBCIEIJ1hsZ3v"), std::string::npos);
  StartServer();
  EXPECT_EQ(StringAt(DecodeJwt(AdminToken(partner)).header, "kid"),
            "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k");
}

}  // namespace
}  // namespace obauth::e2e
