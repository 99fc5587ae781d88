// GET /metrics: the Prometheus text format, scraped from the running server after real traffic.
#include <gtest/gtest.h>

#include <regex>
#include <sstream>

#include "e2e/obauth_test.hpp"

namespace obauth::e2e {
namespace {

class Metrics : public ObauthTest {
 protected:
  // The value of the sample `name_and_labels`, or -1 when absent.
  static double Sample(const std::string& text, const std::string& name_and_labels) {
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) {
      if (line.starts_with(name_and_labels + " ")) {
        return std::stod(line.substr(name_and_labels.size() + 1));
      }
    }
    return -1;
  }
};

TEST_F(Metrics, CountRequestsByRouteAndStatusTheirDurationsAndOpenConnections) {
  const Credentials partner = CreatePartner();
  StartServer();
  const std::string token = AdminToken(partner);
  ExpectOAuthError(RequestToken({partner.client_id, "wrong"}), 400, "invalid_client");
  EXPECT_EQ(AdminGet(token, kRecipientsPath).status, 200);
  EXPECT_EQ(AdminGet(token, RecipientPath("dc-0000000000000000000000000")).status, 404);
  ExpectInvalidBearerToken(AdminGet("garbage", kRecipientsPath));

  const HttpResponse r = Get("/metrics");
  ASSERT_EQ(r.status, 200) << r.Describe();
  EXPECT_EQ(r.Header("Content-Type").value_or(""), "text/plain; version=0.0.4; charset=utf-8");
  const std::string& m = r.body;
  EXPECT_EQ(Sample(m, R"(obauth_http_requests_total{route="/api/v1/token",status="200"})"), 1) << m;
  EXPECT_EQ(Sample(m, R"(obauth_http_requests_total{route="/api/v1/token",status="400"})"), 1);
  EXPECT_EQ(Sample(m, R"(obauth_http_requests_total{route="/api/v1/recipients",status="200"})"), 1);
  EXPECT_EQ(Sample(m, R"(obauth_http_requests_total{route="/api/v1/recipients",status="401"})"), 1);
  // Routes are templates: ids never become labels.
  EXPECT_EQ(
      Sample(m,
             R"(obauth_http_requests_total{route="/api/v1/recipients/{client_id}",status="404"})"),
      1);
  EXPECT_EQ(m.find("dc-0000000000000000000000000"), std::string::npos);
  EXPECT_EQ(Sample(m, R"(obauth_http_request_duration_seconds_count{route="/api/v1/token"})"), 2);
  EXPECT_EQ(
      Sample(m, R"(obauth_http_request_duration_seconds_bucket{route="/api/v1/token",le="+Inf"})"),
      2);
  // At least the connection of this scrape is open.
  EXPECT_GE(Sample(m, "obauth_http_open_connections"), 1);
  EXPECT_EQ(Sample(m, "obauth_http_refused_connections_total"), 0);

  // The scrape itself is counted by the next one.
  EXPECT_EQ(
      Sample(Get("/metrics").body, R"(obauth_http_requests_total{route="/metrics",status="200"})"),
      1);
}

TEST_F(Metrics, ConnectionsRefusedOverTheLimitAreCounted) {
  StartServer({"--max-connections", "1"});
  obauth::testing::HttpConnection held(server().host(), server().port());
  EXPECT_TRUE(Eventually([&] {
    return obauth::testing::SendHttp(server().host(), server().port(), {"GET", "/healthz", {}, {}})
               .status == 503;
  }));
  held.Send({"GET", "/metrics", {}, {}});  // the one allowed connection scrapes
  const HttpResponse r = held.Send({"GET", "/metrics", {}, {}});
  EXPECT_GE(Sample(r.body, "obauth_http_refused_connections_total"), 1) << r.body;
  EXPECT_EQ(Sample(r.body, "obauth_http_open_connections"), 1) << r.body;
}

TEST_F(Metrics, CountTokensByClientKindFailuresByReasonRotationsGraceUseAndDatabaseCalls) {
  const Credentials partner = CreatePartner();
  StartServer();
  const std::string token = AdminToken(partner);
  const CreatedRecipient recipient = CreateRecipient(token);
  Token(recipient.credentials);
  ExpectOAuthError(RequestToken({partner.client_id, "a-wrong-secret"}), 400, "invalid_client");
  ExpectOAuthError(RequestToken({"pt-0000000000000000000000000", "whatever"}), 400,
                   "invalid_client");
  const std::string new_secret =
      RotatedSecret(token, recipient.id(), R"({"previous_secret_expires_in": 600})");
  Token(recipient.credentials);  // the previous secret, in its grace period
  Token({recipient.id(), new_secret});

  const std::string m = Get("/metrics").body;
  EXPECT_EQ(Sample(m, R"(obauth_tokens_issued_total{client_kind="partner"})"), 1) << m;
  EXPECT_EQ(Sample(m, R"(obauth_tokens_issued_total{client_kind="recipient"})"), 3);
  EXPECT_EQ(Sample(m, R"(obauth_client_authentication_failures_total{reason="wrong_secret"})"), 1);
  EXPECT_EQ(Sample(m, R"(obauth_client_authentication_failures_total{reason="unknown_client"})"),
            1);
  EXPECT_EQ(Sample(m, "obauth_secret_rotations_total"), 1);
  EXPECT_EQ(Sample(m, "obauth_previous_secret_authentications_total"), 1);
  // Creating the recipient and rotating its secret were written; lookups were read.
  EXPECT_GE(Sample(m, R"(obauth_db_call_duration_seconds_count{operation="write"})"), 2);
  EXPECT_GE(Sample(m, R"(obauth_db_call_duration_seconds_count{operation="read"})"), 1);
  EXPECT_EQ(Sample(m, R"(obauth_db_errors_total{kind="unavailable"})"), 0);
  EXPECT_EQ(Sample(m, R"(obauth_db_errors_total{kind="internal"})"), 0);
}

}  // namespace
}  // namespace obauth::e2e
