// Records the exchanges of the end-to-end suite for the contract check of every response
// (ctest contract.e2e_responses, tests/contract/validate_e2e_responses.mjs). Thread-safe.
#pragma once

#include "testing/http_client.hpp"

namespace obauth::testing {

// The environment variable naming the directory the exchanges go to; CMake sets it for the
// end-to-end tests. Unset or empty: nothing is recorded.
inline constexpr char kRecordResponsesVariable[] = "OBAUTH_RECORD_RESPONSES";

// When OBAUTH_RECORD_RESPONSES names a directory (created if missing), appends `request` and
// `response` as one JSON line to this process's file there: the running test's name, method,
// target, status, the response's Content-Type and X-Request-Id and, for JSON media types, its
// body (otherwise only its length). HttpConnection::Send calls it for every request it composed,
// so SendHttp, SendConcurrently and the e2e fixture's Send() are all recorded; bytes written raw
// (WriteRaw) are not, whatever answers them. Throws std::runtime_error when the file cannot be
// written.
void RecordExchange(const HttpRequest& request, const HttpResponse& response);

}  // namespace obauth::testing
