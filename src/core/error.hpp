// Error and Result: the value every fallible obauth function returns.
// Plain values; safe to copy between threads.
#pragma once

#include <boost/system/result.hpp>
#include <cstdint>
#include <string>
#include <utility>

namespace obauth {

// Closed set of failure kinds. http/ maps each one to a status in a single switch without
// `default:`, so adding a code here fails the build until the mapping handles it.
enum class ErrorCode {
  // RFC 6749 §5.2 token endpoint errors.
  kInvalidRequest,
  kInvalidClient,
  kInvalidGrant,
  kUnauthorizedClient,
  kUnsupportedGrantType,
  kInvalidScope,
  // RFC 6749 §4.1.2.1 authorization endpoint errors (sent in a redirect to the client).
  kUnsupportedResponseType,
  kAccessDenied,  // the customer denied the access
  // Admin API errors.
  kMissingToken,          // no bearer token was sent (none, or another scheme such as Basic)
  kInvalidToken,          // a bearer token that is malformed, foreign, expired or revoked;
                          // public_message says which, in words the caller can act on
  kInsufficientScope,     // valid token without client:admin
  kValidation,            // request body or parameter breaks a documented rule
  kNotFound,              // unknown resource, or one owned by another partner
  kConflict,              // state forbids the change
  kUnsupportedMediaType,  // the body's Content-Type is not one the endpoint reads
  kKeyInUse,              // a request with the same Idempotency-Key is still in progress
  kKeyReused,             // the Idempotency-Key was used for a different request
  kTooManyAttempts,       // too many failed client authentications: retry_after_seconds
  // FDX data errors (reference §9.2), each with its own FDX code.
  kNotConsented,       // 602: the customer did not consent to this scope
  kConnectionRevoked,  // 602: the token's connection was revoked or superseded
  kCustomerNotFound,   // 601
  kAccountNotFound,    // 701: no such account, or one the customer did not share
  kInvalidDate,        // 702: startTime or endTime is not a YYYY-MM-DD date
  kInvalidDateRange,   // 703: startTime after endTime
  kNotAcceptable,      // 1203: no representation in a type the Accept header allows
  kNotSupported,       // 501: the Data Provider lacks the feature
  // Refusals of the HTTP edge (http/ only), answered instead of a handler.
  kMethodNotAllowed,  // the path exists, the method does not
  kBodyTooLarge,      // the body is over the server's limit
  kHeadTooLarge,      // the request line and headers are over the server's limit
  kMalformedHttp,     // the bytes are not a readable HTTP/1.1 request
  // Infrastructure.
  kUnavailable,  // a dependency (the database) is temporarily unavailable
  kWouldBlock,   // the call needs blocking I/O but runs where that is not allowed: retry on a
                 // worker thread (never sent to a client)
  kInternal,     // a bug or an unexpected failure; never details to the caller
};

// `internal` is for the log only; `public_message` may be sent to the caller.
struct Error {
  ErrorCode code;
  std::string public_message;
  std::string internal;
  std::int64_t retry_after_seconds = 0;  // kTooManyAttempts: when to try again (Retry-After)
};

template <class T>
using Result = boost::system::result<T, Error>;

inline Error MakeError(ErrorCode code, std::string public_message, std::string internal = {}) {
  return Error{code, std::move(public_message), std::move(internal)};
}

inline Error InternalError(std::string internal) {
  return Error{ErrorCode::kInternal, "Internal Server Error", std::move(internal)};
}

}  // namespace obauth

// Evaluates `expr` (a Result); returns its error from the enclosing function, or binds the
// value to `var`.
#define OBAUTH_TRY(var, expr)                     \
  auto var##_result = (expr);                     \
  if (!var##_result) return var##_result.error(); \
  auto& var = *var##_result
