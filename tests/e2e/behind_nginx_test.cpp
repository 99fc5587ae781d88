// Two obauth instances on one database behind nginx (Debian's package), configured as
// docs/deployment.md shows: the seed flow — partner token, create a recipient, regenerate its
// secret, use the new one — works through the proxy while requests alternate between the
// instances.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "e2e/obauth_test.hpp"

namespace obauth::e2e {
namespace {

using obauth::testing::FormEncode;
using obauth::testing::ParseJsonObject;
using obauth::testing::StringAt;

constexpr char kIssuer[] = "https://auth.example.test";

class BehindNginx : public ObauthTest {
 protected:
  void SetUp() override {
    partner_ = CreatePartner();
    StartServer({"--issuer", kIssuer});
    other_ = StartAnotherServer({"--issuer", kIssuer}, "other.log");
    StartNginx();
  }

  void TearDown() override {
    if (nginx_started_) {
      obauth::testing::RunCommand({OBAUTH_NGINX, "-c", conf_.string(), "-s", "quit"});
    }
    ObauthTest::TearDown();
  }

  void StartNginx() {
    const auto dir = temp_dir() / "nginx";
    std::filesystem::create_directories(dir);
    conf_ = dir / "nginx.conf";
    for (int attempt = 0; attempt < 5 && !nginx_started_; ++attempt) {
      port_ = FreePort();
      std::ifstream in(OBAUTH_NGINX_CONF);
      std::stringstream text;
      text << in.rdbuf();
      std::string conf = text.str();
      Replace(conf, "/var/lib/obauth-nginx", dir.string());
      Replace(conf, "127.0.0.1:8081", server().host() + ":" + std::to_string(server().port()));
      Replace(conf, "127.0.0.1:8082", other_->host() + ":" + std::to_string(other_->port()));
      Replace(conf, "listen 127.0.0.1:8080", "listen 127.0.0.1:" + std::to_string(port_));
      std::ofstream(conf_) << conf;
      const auto started = obauth::testing::RunCommand({OBAUTH_NGINX, "-c", conf_.string()});
      nginx_started_ = started.exit_code == 0;
      if (!nginx_started_) std::cerr << "nginx: " << started.err << std::endl;
    }
    ASSERT_TRUE(nginx_started_);
  }

  static void Replace(std::string& text, const std::string& from, const std::string& to) {
    for (auto at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
      text.replace(at, from.size(), to);
    }
  }

  HttpResponse ViaNginx(HttpRequest request) {
    return obauth::testing::SendHttp("127.0.0.1", port_, std::move(request));
  }
  HttpResponse TokenViaNginx(const Credentials& c, const std::string& scope) {
    return ViaNginx({"POST",
                     std::string(kTokenPath),
                     {{"Content-Type", "application/x-www-form-urlencoded"}},
                     "grant_type=client_credentials&client_id=" + FormEncode(c.client_id) +
                         "&client_secret=" + FormEncode(c.client_secret) + "&scope=" + scope});
  }

  Credentials partner_;
  std::unique_ptr<obauth::testing::ServerProcess> other_;
  std::filesystem::path conf_;
  unsigned short port_ = 0;
  bool nginx_started_ = false;
};

TEST_F(BehindNginx, MetricsAreNotServedThroughTheProxyButByEachInstance) {
  EXPECT_EQ(ViaNginx({"GET", "/metrics", {}, {}}).status, 404);
  EXPECT_EQ(Get("/metrics").status, 200);
}

TEST_F(BehindNginx, SeedFlowWorksThroughTheProxyAcrossBothInstances) {
  const HttpResponse partner_token = TokenViaNginx(partner_, "client:admin");
  ASSERT_EQ(partner_token.status, 200) << partner_token.Describe();
  const std::string admin = StringAt(ParseJsonObject(partner_token.body), "access_token");
  const Headers bearer = {{"Authorization", "Bearer " + admin}};

  Headers create_headers = bearer;
  create_headers.emplace_back("Content-Type", "application/json");
  const HttpResponse created =
      ViaNginx({"POST", std::string(kRecipientsPath), create_headers, FullRecipientJson()});
  ASSERT_EQ(created.status, 200) << created.Describe();
  const auto recipient = ParseJsonObject(created.body);
  const Credentials old_credentials = {StringAt(recipient, "client_id"),
                                       StringAt(recipient, "client_secret")};

  const HttpResponse rotated =
      ViaNginx({"POST", SecretPath(old_credentials.client_id), bearer, ""});
  ASSERT_EQ(rotated.status, 200) << rotated.Describe();
  const Credentials new_credentials = {old_credentials.client_id,
                                       StringAt(ParseJsonObject(rotated.body), "client_secret")};
  EXPECT_TRUE(rotated.Header("X-Request-Id").has_value());

  // Several requests, so both instances answer some; within the documented second the
  // instance that did not rotate agrees too.
  EXPECT_TRUE(Eventually(
      [&] {
        for (int i = 0; i < 4; ++i) {
          if (TokenViaNginx(new_credentials, "ACCOUNT_BASIC").status != 200) return false;
          if (TokenViaNginx(old_credentials, "ACCOUNT_BASIC").status != 400) return false;
        }
        return true;
      },
      std::chrono::seconds(1)));
  for (int i = 0; i < 4; ++i) {
    const HttpResponse read =
        ViaNginx({"GET", RecipientPath(old_credentials.client_id), bearer, ""});
    EXPECT_EQ(read.status, 200) << read.Describe();
  }
  // Round robin: both instances answered requests (logs reach the file within 100 ms). Which
  // requests each got depends on nginx's workers, so only that both served some is checked.
  const std::string served = "route=/api/v1/";
  EXPECT_TRUE(Eventually([&] { return server().log_text().find(served) != std::string::npos; }));
  EXPECT_TRUE(Eventually([&] { return other_->log_text().find(served) != std::string::npos; }));
}

}  // namespace
}  // namespace obauth::e2e
