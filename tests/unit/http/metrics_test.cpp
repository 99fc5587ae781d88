#include "http/metrics.hpp"

#include <gtest/gtest.h>

#include <regex>
#include <sstream>

namespace obauth::http {
namespace {

bool Has(const std::string& text, const std::string& line) {
  return text.find("\n" + line + "\n") != std::string::npos;
}

TEST(Metrics, CountsRequestsByRouteAndStatus) {
  Metrics m;
  m.RecordRequest("/api/v1/token", 200, 0.002);
  m.RecordRequest("/api/v1/token", 200, 0.0004);
  m.RecordRequest("/api/v1/token", 400, 0.003);
  m.RecordRequest("/api/v1/recipients", 401, 0.0001);
  const std::string text = m.Render();
  EXPECT_TRUE(Has(text, R"(obauth_http_requests_total{route="/api/v1/token",status="200"} 2)"))
      << text;
  EXPECT_TRUE(Has(text, R"(obauth_http_requests_total{route="/api/v1/token",status="400"} 1)"));
  EXPECT_TRUE(
      Has(text, R"(obauth_http_requests_total{route="/api/v1/recipients",status="401"} 1)"));
}

TEST(Metrics, RendersWhatTheLibrariesCountWithEveryLabelFromZero) {
  Metrics m;
  const std::string empty = m.Render();
  for (const char* line :
       {R"(obauth_tokens_issued_total{client_kind="partner"} 0)",
        R"(obauth_tokens_issued_total{client_kind="recipient"} 0)",
        R"(obauth_client_authentication_failures_total{reason="no_credentials"} 0)",
        R"(obauth_client_authentication_failures_total{reason="unknown_client"} 0)",
        R"(obauth_client_authentication_failures_total{reason="missing_secret"} 0)",
        R"(obauth_client_authentication_failures_total{reason="wrong_secret"} 0)",
        R"(obauth_client_authentication_failures_total{reason="inactive_client"} 0)",
        R"(obauth_client_authentication_failures_total{reason="rate_limited"} 0)",
        "obauth_previous_secret_authentications_total 0", "obauth_secret_rotations_total 0",
        R"(obauth_db_call_duration_seconds_count{operation="read"} 0)",
        R"(obauth_db_call_duration_seconds_count{operation="write"} 0)",
        R"(obauth_db_errors_total{kind="unavailable"} 0)",
        R"(obauth_db_errors_total{kind="internal"} 0)"}) {
    EXPECT_TRUE(Has(empty, line)) << line << " missing from:\n" << empty;
  }

  DomainMetrics& d = m.domain();
  d.TokenIssued(DomainMetrics::ClientKind::kRecipient);
  d.AuthenticationFailed(DomainMetrics::AuthFailure::kWrongSecret);
  d.AuthenticationFailed(DomainMetrics::AuthFailure::kWrongSecret);
  d.PreviousSecretUsed();
  d.SecretRotated();
  d.DatabaseCall(DomainMetrics::DbOperation::kWrite, std::chrono::microseconds(700));
  d.DatabaseCall(DomainMetrics::DbOperation::kWrite, std::chrono::seconds(3));
  d.DatabaseFailed(DomainMetrics::DbError::kUnavailable);
  const std::string text = m.Render();
  for (const char* line :
       {R"(obauth_tokens_issued_total{client_kind="recipient"} 1)",
        R"(obauth_client_authentication_failures_total{reason="wrong_secret"} 2)",
        "obauth_previous_secret_authentications_total 1", "obauth_secret_rotations_total 1",
        R"(obauth_db_call_duration_seconds_bucket{operation="write",le="0.0005"} 0)",
        R"(obauth_db_call_duration_seconds_bucket{operation="write",le="0.001"} 1)",
        R"(obauth_db_call_duration_seconds_bucket{operation="write",le="1"} 1)",
        R"(obauth_db_call_duration_seconds_bucket{operation="write",le="+Inf"} 2)",
        R"(obauth_db_call_duration_seconds_sum{operation="write"} 3.0007)",
        R"(obauth_db_call_duration_seconds_count{operation="write"} 2)",
        R"(obauth_db_errors_total{kind="unavailable"} 1)"}) {
    EXPECT_TRUE(Has(text, line)) << line << " missing from:\n" << text;
  }
}

TEST(Metrics, DurationHistogramIsCumulativeWithSumAndCount) {
  Metrics m;
  m.RecordRequest("/r", 200, 0.0004);  // first bucket (0.0005)
  m.RecordRequest("/r", 200, 0.002);   // 0.0025
  m.RecordRequest("/r", 200, 0.0025);  // 0.0025: bounds are inclusive
  m.RecordRequest("/r", 200, 30);      // beyond the last bound: +Inf only
  const std::string text = m.Render();
  EXPECT_TRUE(Has(text, R"(obauth_http_request_duration_seconds_bucket{route="/r",le="0.0005"} 1)"))
      << text;
  EXPECT_TRUE(Has(text, R"(obauth_http_request_duration_seconds_bucket{route="/r",le="0.001"} 1)"));
  EXPECT_TRUE(
      Has(text, R"(obauth_http_request_duration_seconds_bucket{route="/r",le="0.0025"} 3)"));
  EXPECT_TRUE(Has(text, R"(obauth_http_request_duration_seconds_bucket{route="/r",le="2.5"} 3)"));
  EXPECT_TRUE(Has(text, R"(obauth_http_request_duration_seconds_bucket{route="/r",le="+Inf"} 4)"));
  EXPECT_TRUE(Has(text, R"(obauth_http_request_duration_seconds_count{route="/r"} 4)"));
  EXPECT_TRUE(Has(text, R"(obauth_http_request_duration_seconds_sum{route="/r"} 30.0049)")) << text;
}

TEST(Metrics, ConnectionGaugeAndRefusals) {
  Metrics m;
  m.ConnectionOpened();
  m.ConnectionOpened();
  m.ConnectionClosed();
  m.ConnectionRefused();
  const std::string text = m.Render();
  EXPECT_TRUE(Has(text, "obauth_http_open_connections 1")) << text;
  EXPECT_TRUE(Has(text, "obauth_http_refused_connections_total 1")) << text;
}

TEST(Metrics, EveryLineIsValidExpositionFormat) {
  Metrics m;
  m.RecordRequest("/api/v1/recipients/{client_id}", 404, 0.01);
  const std::regex sample(R"([a-z_]+(\{[a-z_]+="[^"\\\n]*"(,[a-z_]+="[^"\\\n]*")*\})? [0-9.e+-]+)");
  const std::regex comment(R"(# (HELP|TYPE) [a-z_]+ .+)");
  std::istringstream in(m.Render());
  int samples = 0;
  for (std::string line; std::getline(in, line);) {
    SCOPED_TRACE(line);
    if (line.starts_with("#")) {
      EXPECT_TRUE(std::regex_match(line, comment));
    } else {
      EXPECT_TRUE(std::regex_match(line, sample));
      ++samples;
    }
  }
  // Requests (1 + 13 buckets + sum/count), connections (2), and the domain's: tokens (2),
  // authentication failures (6), grace and rotations (2), database histograms (2 x 15), errors
  // (2).
  EXPECT_EQ(samples, 1 + 13 + 2 + 2 + 2 + 6 + 2 + 2 * 15 + 2);
}

}  // namespace
}  // namespace obauth::http
