// What a debug log line may say about a request: header and form field names, and the values of
// the ones known to carry nothing secret. Every other value is replaced by its length, so a
// credential in an unexpected place (a custom header, a misspelt field) is never logged either.
// Idempotency-Key values are not shown: a key may be all that asks for a replay of a secret.
// Pure functions; thread-safe.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "http/router.hpp"

namespace obauth::http {

// e.g. `target=/api/v1/token headers={host="127.0.0.1:8080" authorization=[41 bytes]}
// form={grant_type="client_credentials" client_secret=[43 bytes]} body_bytes=92`. Values shown
// are quoted, and bytes outside printable ASCII are written as \xNN, so a line cannot be split
// or forged.
std::string DescribeRequestForLog(const Request& request);

// The most bytes of one value from outside (a client id, a note quoting one) a log line shows.
inline constexpr std::size_t kMaxLoggedBytes = 256;

// `text` as a log line may show it: '"', '\\' and bytes outside printable ASCII as \xNN (so no
// line can be split or forged, nor a terminal driven), and past `max_bytes` of `text` only how
// many more there were ("...[+N bytes]"), so that a long value cannot flood the log.
std::string ForLog(std::string_view text, std::size_t max_bytes = kMaxLoggedBytes);

}  // namespace obauth::http
