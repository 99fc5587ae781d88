// PostgreSQL goes away under a running server and comes back: while it is down the token
// endpoint answers 503 temporarily_unavailable and the admin API 503 {"message"}, each within
// --db-timeout; /readyz says 503 and /healthz 200; afterwards service resumes by itself. Runs on
// a private cluster (scripts/pg-test-cluster.sh), stopped and restarted by the test; registered
// for the PostgreSQL run only (tests/e2e/CMakeLists.txt).
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <fstream>
#include <iostream>
#include <mutex>
#include <thread>

#include "e2e/obauth_test.hpp"

namespace obauth::e2e {
namespace {

using obauth::testing::FormEncode;
using obauth::testing::ParseJsonObject;
using obauth::testing::StringAt;
using Clock = std::chrono::steady_clock;

constexpr int kDbTimeoutSeconds = 2;

class DatabaseOutage : public ObauthTest {
 protected:
  void SetUp() override {
    state_ = temp_dir() / "cluster";
    Cluster("start");
    std::ifstream in(state_ / "url");
    std::string base;
    std::getline(in, base);
    database_.emplace(base);
    const std::vector<std::string> db = {"--db", database_->url(), "--key-file",
                                         (temp_dir() / "obauth.key").string()};
    std::vector<std::string> create = {"partner", "create", "--create", "--name", "Acme"};
    create.insert(create.end(), db.begin(), db.end());
    const CommandResult created = Obauth(create);
    ASSERT_EQ(created.exit_code, 0) << created.err;
    const auto body = ParseJsonObject(created.out);
    partner_ = {StringAt(body, "client_id"), StringAt(body, "client_secret")};
    StartServer({"--key-file", db[3], "--db-timeout", std::to_string(kDbTimeoutSeconds)},
                database_->url());
    admin_ = AdminToken(partner_);
    recipient_ = CreateRecipient(admin_);
  }

  void TearDown() override {
    ObauthTest::TearDown();
    Cluster("stop");
  }

  void Cluster(const std::string& command) {
    const CommandResult r =
        obauth::testing::RunCommand({OBAUTH_PG_CLUSTER, command, state_.string()});
    ASSERT_EQ(r.exit_code, 0) << command << ": " << r.err;
  }

  // Sends `request` without the fixture's no-5xx check; fails the test if it took longer than
  // the database timeout allows.
  HttpResponse Raw(HttpRequest request) {
    const auto start = Clock::now();
    HttpResponse r = obauth::testing::SendHttp(server().host(), server().port(), request);
    const auto took = Clock::now() - start;
    {
      std::lock_guard lock(slowest_mu_);
      slowest_ = std::max(slowest_, took);
    }
    EXPECT_LT(took, std::chrono::seconds(kDbTimeoutSeconds + 1))
        << request.target << " took too long";
    return r;
  }
  static long long Ms(Clock::duration d) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(d).count();
  }
  HttpResponse TokenRequest() {
    return Raw({"POST",
                std::string(kTokenPath),
                {{"Content-Type", "application/x-www-form-urlencoded"}},
                "grant_type=client_credentials&client_id=" + FormEncode(recipient_.id()) +
                    "&client_secret=" + FormEncode(recipient_.credentials.client_secret)});
  }
  HttpResponse ReadRecipient() {
    return Raw(
        {"GET", RecipientPath(recipient_.id()), {{"Authorization", "Bearer " + admin_}}, ""});
  }

  std::filesystem::path state_;
  std::optional<obauth::testing::PostgresDatabase> database_;
  Credentials partner_;
  std::string admin_;
  CreatedRecipient recipient_;
  std::mutex slowest_mu_;
  Clock::duration slowest_{};  // the slowest answer so far, of any thread
};

TEST_F(DatabaseOutage, Answers503QuicklyWhileDownAndRecoversByItself) {
  ASSERT_EQ(TokenRequest().status, 200);
  ASSERT_EQ(Raw({"GET", "/readyz", {}, ""}).status, 200);

  // Light load all along: token requests and reads from another thread, each answered 200 or
  // 503 within the timeout, never anything else.
  std::atomic<bool> stop{false};
  std::atomic<int> ok{0}, unavailable{0}, other{0};
  std::thread load([&] {
    while (!stop) {
      for (const HttpResponse& r : {TokenRequest(), ReadRecipient()}) {
        (r.status == 200 ? ok : r.status == 503 ? unavailable : other)++;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  });

  Cluster("halt");
  const auto halted = Clock::now();
  // Cached answers stop at the next poll for foreign writes (250 ms), which fails.
  ASSERT_TRUE(Eventually([&] { return TokenRequest().status == 503; }));
  const auto unavailable_after = Clock::now() - halted;
  const HttpResponse token = TokenRequest();
  EXPECT_EQ(token.status, 503) << token.Describe();
  EXPECT_EQ(StringAt(ParseJsonObject(token.body), "error"), "temporarily_unavailable");
  const HttpResponse read = ReadRecipient();
  EXPECT_EQ(read.status, 503) << read.Describe();
  EXPECT_TRUE(ParseJsonObject(read.body).contains("message")) << read.body;
  EXPECT_EQ(Raw({"GET", "/readyz", {}, ""}).status, 503);
  EXPECT_EQ(Raw({"GET", "/healthz", {}, ""}).status, 200);
  // The failed calls are counted for dashboards and alerts.
  const std::string metrics = Raw({"GET", "/metrics", {}, ""}).body;
  const std::string errors = R"(obauth_db_errors_total{kind="unavailable"} )";
  const auto at = metrics.find("\n" + errors);
  ASSERT_NE(at, std::string::npos) << metrics;
  EXPECT_GT(std::stod(metrics.substr(at + 1 + errors.size())), 0) << metrics;

  Cluster("resume");
  const auto resumed = Clock::now();
  EXPECT_TRUE(Eventually(
      [&] {
        return TokenRequest().status == 200 && ReadRecipient().status == 200 &&
               Raw({"GET", "/readyz", {}, ""}).status == 200;
      },
      std::chrono::seconds(15)));
  const auto recovered_after = Clock::now() - resumed;
  stop = true;
  load.join();
  EXPECT_EQ(other, 0);
  EXPECT_GT(unavailable, 0);
  EXPECT_GT(ok, 0);
  std::cout << "outage: token 503 " << Ms(unavailable_after) << " ms after the stop; served "
            << Ms(recovered_after) << " ms after the restart; slowest answer "
            << Ms(slowest_)  // the load thread has ended
            << " ms; load: " << ok << " answered 200, " << unavailable << " 503" << std::endl;
  // Nothing was lost: the recipient and its secret are as before.
  EXPECT_EQ(StringAt(RecipientDetails(admin_, recipient_.id()), "client_id"), recipient_.id());
}

}  // namespace
}  // namespace obauth::e2e
