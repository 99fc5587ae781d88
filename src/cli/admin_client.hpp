// AdminClient: a small synchronous HTTP(S) client of a running obauth server's admin API, for the
// command line. One object per command; not thread-safe.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/error.hpp"
#include "core/secret.hpp"
#include "outbound/http_client.hpp"

namespace obauth::cli {

// The server named by --url / OBAUTH_URL.
using ServerUrl = outbound::Url;

// Parses an absolute http:// or https:// URL with an optional path prefix and no user info,
// query or fragment. kValidation naming the rule otherwise.
[[nodiscard]] Result<ServerUrl> ParseServerUrl(std::string_view url);

struct ConnectionOptions {
  ServerUrl url;
  std::string client_id;
  Secret client_secret;
  // For each exchange (connect, TLS handshake, request and response together).
  std::chrono::seconds timeout{30};
};

// One HTTP answer as received.
struct HttpAnswer {
  int status = 0;
  std::string body;
  std::string content_type;
  std::string request_id;   // X-Request-Id, "" when absent
  std::string retry_after;  // Retry-After, "" when absent
  bool replayed = false;    // Idempotent-Replayed: true (the answer of an earlier request)
  std::string link;         // Link, "" when absent
};

// One page of a list: its JSON array as sent, and the cursor of the next page (the `after` of
// the answer's Link rel="next") when more follow.
struct ListedPage {
  std::string body;
  std::optional<std::string> next_after;
};

// A JSON answer of a call that takes an Idempotency-Key.
struct IdempotentAnswer {
  std::string body;
  bool replayed = false;  // the server replayed the answer of an earlier request with the key
};

// Sends one request on a new connection to `url` and reads the answer. https:// verifies the
// certificate against the system trust store (OpenSSL's default paths, so SSL_CERT_FILE and
// SSL_CERT_DIR apply) and the host name, and sends SNI for names. Errors (kUnavailable) say what
// failed and what to check: the name does not resolve, the connection is refused, the
// certificate is not trusted or names another host, nothing answered within `timeout`. (Name
// resolution runs in Asio's resolver thread, which cannot be interrupted: a hanging DNS lookup
// can outlast `timeout`; it is reported as a timeout once it returns.)
[[nodiscard]] Result<HttpAnswer> SendHttp(
    const ServerUrl& url, std::string_view method, std::string_view path,
    const std::vector<std::pair<std::string, std::string>>& headers, std::string_view body,
    std::chrono::seconds timeout);

// The admin API calls. Each obtains a client:admin token first (POST /api/v1/token,
// client_credentials, client_secret_basic; once per object) and answers the response body
// exactly as the server sent it. Every failure is an Error whose public_message is a complete
// sentence for the operator saying what to do next; the code tells the kind (kUnavailable for
// connection problems, 429 and 503; kInvalidClient for refused credentials; kInsufficientScope,
// kNotFound, kValidation, kConflict, kKeyReused, kInternal for anything else).
// Neither the client secret nor the token appear in any message.
class AdminClient {
 public:
  explicit AdminClient(ConnectionOptions options) : options_(std::move(options)) {}

  // One page of at most `limit` recipients (1-1000), after the cursor `after` when given.
  [[nodiscard]] Result<ListedPage> ListRecipients(std::size_t limit,
                                                  const std::optional<std::string>& after);
  [[nodiscard]] Result<std::string> GetRecipient(std::string_view client_id);
  // `body` is the JSON object to send; `idempotency_key` is sent when not empty.
  [[nodiscard]] Result<IdempotentAnswer> CreateRecipient(std::string body,
                                                         std::string_view idempotency_key);
  [[nodiscard]] Result<std::string> UpdateRecipient(std::string_view client_id, std::string body);
  // `body` nullopt sends no body (the server's defaults apply).
  [[nodiscard]] Result<IdempotentAnswer> RotateSecret(std::string_view client_id,
                                                      std::optional<std::string> body,
                                                      std::string_view idempotency_key);
  [[nodiscard]] Result<void> DeleteRecipient(std::string_view client_id);
  [[nodiscard]] Result<void> DeletePreviousSecret(std::string_view client_id);

 private:
  // What the call is about, for messages: the recipient's id, or empty.
  struct Call {
    std::string method;
    std::string path;
    std::optional<std::string> body;
    std::string idempotency_key;
    std::string recipient;
  };
  Result<HttpAnswer> Admin(const Call& call);
  Result<void> EnsureToken();

  ConnectionOptions options_;
  std::optional<Secret> token_;
};

// The message for an admin API answer that is not a success, exposed for tests. `recipient` is
// the recipient id the request named, or empty.
Error DescribeAdminFailure(const HttpAnswer& answer, const ServerUrl& url,
                           std::string_view recipient);

}  // namespace obauth::cli
