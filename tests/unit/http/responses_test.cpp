#include "http/responses.hpp"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <string>
#include <utility>
#include <vector>

namespace obauth::http {
namespace {

boost::json::object Body(const Routed& r) {
  return boost::json::parse(r.response.body()).as_object();
}

// Reference §9.2: each FDX error has its code, its message and its HTTP status.
TEST(FdxError, EachCodeHasTheReferencesNumberMessageAndStatus) {
  struct Case {
    ErrorCode code;
    int status;
    int fdx;
    const char* message;
  };
  for (const Case& c : {
           Case{ErrorCode::kNotConsented, 401, 602, "Customer not authorized"},
           Case{ErrorCode::kConnectionRevoked, 401, 602, "Customer not authorized"},
           Case{ErrorCode::kCustomerNotFound, 404, 601, "Customer not found"},
           Case{ErrorCode::kAccountNotFound, 404, 701, "Account not found"},
           Case{ErrorCode::kInvalidDate, 400, 702, "Invalid start or end date"},
           Case{ErrorCode::kInvalidDateRange, 400, 703, "Invalid date range"},
           Case{ErrorCode::kNotAcceptable, 406, 1203, "Content type not supported"},
           Case{ErrorCode::kNotSupported, 405, 501, "Subsystem unavailable"},
           Case{ErrorCode::kValidation, 400, 401, "Invalid Input"},
           Case{ErrorCode::kUnavailable, 503, 503, "Scheduled maintenance"},
           Case{ErrorCode::kInternal, 500, 500, "Internal server error"},
       }) {
    const Routed r = FdxError(MakeError(c.code, "what the developer should know", "secret detail"),
                              "/api/fdx/5/accounts");
    SCOPED_TRACE(c.fdx);
    EXPECT_EQ(static_cast<int>(r.response.result()), c.status);
    const auto body = Body(r);
    EXPECT_EQ(body.at("code").as_int64(), c.fdx);
    EXPECT_EQ(body.at("message").as_string(), c.message);
    EXPECT_EQ(r.response.body().find("secret detail"), std::string::npos);
  }
}

TEST(FdxError, DebugMessageIsThePublicMessageNeverTheInternalOne) {
  const auto body =
      Body(FdxError(MakeError(ErrorCode::kInvalidDate, "startTime must be YYYY-MM-DD", "x"), "r"));
  EXPECT_EQ(body.at("debugMessage").as_string(), "startTime must be YYYY-MM-DD");
  const auto internal = Body(FdxError(InternalError("stack trace here"), "r"));
  EXPECT_EQ(internal.at("debugMessage").as_string(), "Internal Server Error");
}

// Reference §3.3: a missing, expired or foreign token is a 401 with a message only.
TEST(FdxError, ARefusedTokenIsA401WithAMessageOnly) {
  for (ErrorCode code : {ErrorCode::kMissingToken, ErrorCode::kInvalidToken}) {
    const Routed r = FdxError(MakeError(code, "The access token expired"), "r");
    EXPECT_EQ(r.response.result_int(), 401u);
    const auto body = Body(r);
    EXPECT_EQ(body.size(), 1u);
    EXPECT_TRUE(body.contains("message"));
    EXPECT_NE(r.response[boost::beast::http::field::www_authenticate], "");
  }
}

TEST(FdxError, TooManyRequestsCarriesRetryAfter) {
  Error e = MakeError(ErrorCode::kTooManyAttempts, "slow down");
  e.retry_after_seconds = 7;
  const Routed r = FdxError(e, "r");
  EXPECT_EQ(r.response.result_int(), 429u);
  EXPECT_EQ(Body(r).at("code").as_int64(), 1207);
  EXPECT_EQ(r.response[boost::beast::http::field::retry_after], "7");
}

// Only the FDX data endpoints tell a revoked connection apart: on every other route its token is
// refused exactly like an invalid one (status, body and RFC 6750 challenge).
TEST(AdminError, ARevokedConnectionIsAnsweredExactlyLikeAnInvalidToken) {
  const auto error = [](ErrorCode code) {
    return MakeError(code, "The customer's connection was revoked", "connection c-1 was revoked");
  };
  const auto expect_same = [](const Routed& revoked, const Routed& invalid) {
    EXPECT_EQ(revoked.response.result_int(), invalid.response.result_int());
    EXPECT_EQ(revoked.response.body(), invalid.response.body());
    std::vector<std::pair<std::string, std::string>> revoked_headers, invalid_headers;
    for (const auto& h : revoked.response) {
      revoked_headers.emplace_back(h.name_string(), h.value());
    }
    for (const auto& h : invalid.response) {
      invalid_headers.emplace_back(h.name_string(), h.value());
    }
    EXPECT_EQ(revoked_headers, invalid_headers);
    EXPECT_EQ(revoked.note, invalid.note);
  };
  const Routed revoked = AdminError(error(ErrorCode::kConnectionRevoked), "/api/v1/recipients");
  const Routed invalid = AdminError(error(ErrorCode::kInvalidToken), "/api/v1/recipients");
  expect_same(revoked, invalid);
  EXPECT_EQ(revoked.response.result_int(), 401u);
  EXPECT_EQ(revoked.response.body(), R"({"message":"Invalid Bearer Token"})");
  EXPECT_EQ(revoked.response[boost::beast::http::field::www_authenticate],
            R"(Bearer realm="obauth", error="invalid_token", )"
            R"(error_description="The customer's connection was revoked")");
  expect_same(FormattedError(ErrorFormat::kMessage, error(ErrorCode::kConnectionRevoked), "r"),
              FormattedError(ErrorFormat::kMessage, error(ErrorCode::kInvalidToken), "r"));
  expect_same(OAuthError(error(ErrorCode::kConnectionRevoked), false, "r"),
              OAuthError(error(ErrorCode::kInvalidToken), false, "r"));
  // The FDX endpoints still answer §9.2's 602.
  EXPECT_EQ(Body(FdxError(error(ErrorCode::kConnectionRevoked), "r")).at("code").as_int64(), 602);
}

}  // namespace
}  // namespace obauth::http
