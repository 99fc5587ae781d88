#include "http/responses.hpp"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

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

}  // namespace
}  // namespace obauth::http
