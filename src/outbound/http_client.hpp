// Outbound HTTP(S): one request and its answer on a new connection, synchronous, with one
// deadline for all of it and a bounded answer. https verifies the peer's certificate against the
// system trust store (OpenSSL's default paths: SSL_CERT_FILE and SSL_CERT_DIR apply) and its host
// name or address, and sends SNI for names. Plain http is the caller's decision (Url::loopback
// tells whether it stays on this machine). Thread-safe: every call has its own I/O context.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/error.hpp"

namespace obauth::outbound {

// A server's base URL.
struct Url {
  bool tls = false;
  std::string host;       // without IPv6 brackets
  std::string port;       // explicit, or 80/443 from the scheme
  std::string base_path;  // "" or "/prefix" (no trailing slash): request paths are appended to it
  std::string text;       // the URL as given, for messages
  bool loopback = false;  // localhost, 127.0.0.0/8 or ::1: plain http stays on this machine
};

// Parses an absolute http:// or https:// URL with an optional path and no user info, query or
// fragment. kValidation with a message that quotes the URL and names the rule otherwise.
[[nodiscard]] Result<Url> ParseUrl(std::string_view text);

using Headers = std::vector<std::pair<std::string, std::string>>;

struct Request {
  std::string_view method = "GET";
  std::string target;  // path and query, appended to the URL's base_path
  Headers headers;     // Host, Content-Length and Connection are set by Send
  std::string_view body;
};

struct Limits {
  // For the whole exchange: resolving, connecting, the TLS handshake, the request and the answer.
  std::chrono::milliseconds timeout{30000};
  // The largest answer body accepted; a larger one fails the exchange (kUnavailable).
  std::uint64_t max_body_bytes = std::uint64_t{256} << 20;
  // Appended to the messages of failures to reach the server (resolving, connecting, no answer)
  // and of timeouts, e.g. what to check on the caller's side.
  std::string unreachable_hint;
  std::string timeout_hint;
  std::string user_agent = "obauth";
};

struct Answer {
  int status = 0;
  std::string body;
  Headers headers;  // as received, in order
  // The first value of the header `name` (case-insensitive), or "".
  [[nodiscard]] std::string_view Header(std::string_view name) const;
};

// Sends `request` to `url` and reads the answer. Errors (kUnavailable) say what failed: the name
// does not resolve, the connection is refused, the certificate is not trusted or names another
// host, no answer within the timeout, the answer is too large or not HTTP. They never contain the
// request's headers or body. (Name resolution runs in Asio's resolver thread, which cannot be
// interrupted: a hanging DNS lookup can outlast the timeout; it is reported as one once it
// returns.)
[[nodiscard]] Result<Answer> Send(const Url& url, const Request& request, const Limits& limits);

// application/x-www-form-urlencoded form of `text` (RFC 6749 §2.3.1 asks it of Basic
// credentials too).
std::string FormEncode(std::string_view text);
// The value of an Authorization header with HTTP Basic credentials, each form-encoded first
// (RFC 6749 §2.3.1).
std::string BasicAuthorization(std::string_view user, std::string_view password);

}  // namespace obauth::outbound
