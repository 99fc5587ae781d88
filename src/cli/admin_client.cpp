#include "cli/admin_client.hpp"

#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/json/parse.hpp>
#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>
#include <cctype>
#include <cstdint>

namespace obauth::cli {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bh = boost::beast::http;
namespace json = boost::json;
using tcp = asio::ip::tcp;
using boost::system::error_code;

constexpr std::uint64_t kMaxAnswerBytes = std::uint64_t{256} << 20;

Error Invalid(std::string message) { return MakeError(ErrorCode::kValidation, std::move(message)); }

Error Unavailable(std::string message) {
  return MakeError(ErrorCode::kUnavailable, std::move(message));
}

// The hint every connection failure ends with.
std::string CheckUrl(const ServerUrl& url) {
  return "Is the server running at " + url.text + "? Give its address with --url or OBAUTH_URL.";
}

bool IsIpLiteral(const std::string& host) {
  error_code ec;
  (void)asio::ip::make_address(host, ec);
  return !ec;
}

std::string HostHeader(const ServerUrl& url) {
  std::string host = url.host.find(':') != std::string::npos ? "[" + url.host + "]" : url.host;
  const bool default_port = url.port == (url.tls ? "443" : "80");
  return default_port ? host : host + ":" + url.port;
}

// One request and its answer on a new connection, with one deadline for all of it: each step
// runs the io_context until that step completes, and the deadline's handler closes the socket,
// which completes whatever step is waiting.
class Exchange {
 public:
  Exchange(const ServerUrl& url, std::chrono::seconds timeout)
      : url_(url),
        timeout_(timeout),
        tls_context_(asio::ssl::context::tls_client),
        stream_(ioc_, tls_context_) {}

  Result<HttpAnswer> Run(bh::request<bh::string_body>& request) {
    deadline_.expires_after(timeout_);
    deadline_.async_wait([this](error_code ec) {
      if (ec) return;  // cancelled: the exchange finished in time
      timed_out_ = true;
      resolver_.cancel();
      error_code ignored;
      stream_.next_layer().close(ignored);
    });
    auto answer = Steps(request);
    deadline_.cancel();
    ioc_.run();  // lets the cancelled deadline's handler run
    return answer;
  }

 private:
  void Wait(const bool& done) {
    while (!done && ioc_.run_one() > 0) {
    }
  }

  Error TimedOut(std::string_view step) const {
    return Unavailable("No answer from " + url_.text + " within " +
                       std::to_string(timeout_.count()) + " s (" + std::string(step) + "). " +
                       CheckUrl(url_) + " A slow server may need a longer --timeout.");
  }

  Result<HttpAnswer> Steps(bh::request<bh::string_body>& request) {
    bool done = false;
    error_code result;
    tcp::resolver::results_type endpoints;
    resolver_.async_resolve(url_.host, url_.port,
                            [&](error_code ec, tcp::resolver::results_type found) {
                              result = ec;
                              endpoints = std::move(found);
                              done = true;
                            });
    Wait(done);
    if (timed_out_) return TimedOut("resolving " + url_.host);
    if (result) {
      return Unavailable("Cannot resolve the host " + url_.host + " of " + url_.text + ": " +
                         result.message() + ". Check --url or OBAUTH_URL.");
    }

    done = false;
    asio::async_connect(stream_.next_layer(), endpoints, [&](error_code ec, const tcp::endpoint&) {
      result = ec;
      done = true;
    });
    Wait(done);
    if (timed_out_) return TimedOut("connecting");
    if (result) {
      return Unavailable("Cannot connect to " + url_.text + ": " + result.message() + ". " +
                         CheckUrl(url_));
    }

    if (url_.tls) {
      if (auto r = Handshake(); !r) return r.error();
      return WriteAndRead(stream_, request);
    }
    return WriteAndRead(stream_.next_layer(), request);
  }

  Result<void> Handshake() {
    error_code ec;
    tls_context_.set_default_verify_paths(ec);
    if (ec) return Unavailable("Cannot load the system's trusted certificates: " + ec.message());
    // The stream's SSL object copied the context's settings when it was made: set its own.
    stream_.set_verify_mode(asio::ssl::verify_peer, ec);
    if (ec) return Unavailable("Cannot enable certificate verification: " + ec.message());
    SSL* ssl = stream_.native_handle();
    // OpenSSL checks the name (or address) against the certificate during the handshake, and
    // reports a mismatch as a verification error with its own reason.
    if (IsIpLiteral(url_.host)) {
      if (X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), url_.host.c_str()) != 1) {
        return Unavailable("Cannot check the certificate of " + url_.text);
      }
    } else {
      // RFC 6066 §3: SNI carries host names only, never addresses.
      if (SSL_set_tlsext_host_name(ssl, url_.host.c_str()) != 1 ||
          SSL_set1_host(ssl, url_.host.c_str()) != 1) {
        return Unavailable("Cannot check the certificate of " + url_.text);
      }
    }
    bool done = false;
    error_code result;
    stream_.async_handshake(asio::ssl::stream_base::client, [&](error_code e) {
      result = e;
      done = true;
    });
    Wait(done);
    if (timed_out_) return TimedOut("TLS handshake");
    if (result) {
      const long verify = SSL_get_verify_result(ssl);
      if (verify != X509_V_OK) {
        return Unavailable("The certificate of " + url_.text +
                           " is not accepted: " + X509_verify_cert_error_string(verify) +
                           ". It must be valid for the host " + url_.host +
                           " and trusted by the system's store (for a private CA, point "
                           "SSL_CERT_FILE at its certificate).");
      }
      return Unavailable("TLS handshake with " + url_.text + " failed: " + result.message() +
                         ". Is it an https server? (http:// is for localhost and tests.)");
    }
    return {};
  }

  template <class Stream>
  Result<HttpAnswer> WriteAndRead(Stream& stream, bh::request<bh::string_body>& request) {
    bool done = false;
    error_code result;
    bh::async_write(stream, request, [&](error_code ec, std::size_t) {
      result = ec;
      done = true;
    });
    Wait(done);
    if (timed_out_) return TimedOut("sending the request");
    if (result) {
      return Unavailable("Lost the connection to " + url_.text +
                         " while sending: " + result.message() + ". " + CheckUrl(url_));
    }

    bh::response_parser<bh::string_body> parser;
    parser.body_limit(kMaxAnswerBytes);
    beast::flat_buffer buffer;
    done = false;
    bh::async_read(stream, buffer, parser, [&](error_code ec, std::size_t) {
      result = ec;
      done = true;
    });
    Wait(done);
    if (timed_out_) return TimedOut("waiting for the answer");
    if (result) {
      return Unavailable("No usable answer from " + url_.text + ": " + result.message() +
                         ". Is it an obauth server" + (url_.tls ? "" : " speaking plain http") +
                         "?");
    }
    auto& response = parser.get();
    HttpAnswer answer;
    answer.status = static_cast<int>(response.result_int());
    answer.body = std::move(response.body());
    answer.content_type = std::string(response[bh::field::content_type]);
    answer.request_id = std::string(response["X-Request-Id"]);
    answer.retry_after = std::string(response[bh::field::retry_after]);
    answer.replayed = response["Idempotent-Replayed"] == "true";
    answer.link = std::string(response[bh::field::link]);
    return answer;
  }

  const ServerUrl& url_;
  const std::chrono::seconds timeout_;
  asio::io_context ioc_;
  asio::ssl::context tls_context_;
  asio::ssl::stream<tcp::socket> stream_;
  tcp::resolver resolver_{ioc_};
  asio::steady_timer deadline_{ioc_};
  bool timed_out_ = false;
};

// application/x-www-form-urlencoded, as RFC 6749 §2.3.1 asks for Basic credentials too.
std::string FormEncode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (const char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (std::isalnum(u) || c == '-' || c == '.' || c == '_' || c == '*') {
      out += c;
    } else if (c == ' ') {
      out += '+';
    } else {
      out += '%';
      out += kHex[u >> 4];
      out += kHex[u & 15];
    }
  }
  return out;
}

// A path segment: everything but unreserved characters percent-encoded, so an id cannot
// leave its place in the path.
std::string PathSegment(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (const char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (std::isalnum(u) || c == '-' || c == '.' || c == '_' || c == '~') {
      out += c;
    } else {
      out += '%';
      out += kHex[u >> 4];
      out += kHex[u & 15];
    }
  }
  return out;
}

std::string Base64(std::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(bytes.data()),
                                static_cast<int>(bytes.size()));
  out.resize(static_cast<std::size_t>(n));
  return out;
}

// The object `body` holds, or nullopt when it is not a JSON object.
std::optional<json::object> JsonObject(std::string_view body) {
  error_code ec;
  json::value v = json::parse(body, ec);
  if (ec || !v.is_object()) return std::nullopt;
  return std::move(v.as_object());
}

std::string StringMember(const std::optional<json::object>& o, std::string_view name) {
  if (!o) return {};
  const json::value* v = o->if_contains(name);
  return v != nullptr && v->is_string() ? std::string(v->get_string()) : std::string();
}

std::string RetryLater(const HttpAnswer& answer) {
  return answer.retry_after.empty() ? "retry later"
                                    : "retry in " + answer.retry_after + " s (Retry-After)";
}

}  // namespace

Result<ServerUrl> ParseServerUrl(std::string_view text) {
  const std::string shown(text);
  auto parsed = boost::urls::parse_absolute_uri(text);
  if (!parsed) {
    return Invalid("--url '" + shown + "' is not an absolute URL such as http://127.0.0.1:8080");
  }
  const boost::urls::url_view& u = *parsed;
  ServerUrl url;
  url.text = shown;
  if (u.scheme_id() == boost::urls::scheme::https) {
    url.tls = true;
  } else if (u.scheme_id() != boost::urls::scheme::http) {
    return Invalid("--url '" + shown + "' must start with https:// (or http:// on localhost)");
  }
  if (u.has_userinfo() || u.has_query()) {
    return Invalid("--url '" + shown + "' must have no user, password or query");
  }
  url.host = u.host_address();
  if (url.host.empty()) return Invalid("--url '" + shown + "' has no host");
  url.port = u.has_port() ? std::string(u.port()) : std::string(url.tls ? "443" : "80");
  if (url.port.empty() || url.port.size() > 5 || std::stoul(url.port) > 65535) {
    return Invalid("--url '" + shown + "' has an invalid port");
  }
  error_code ec;
  const auto address = asio::ip::make_address(url.host, ec);
  url.loopback = ec ? url.host == "localhost" : address.is_loopback();
  url.base_path = std::string(u.encoded_path());
  while (!url.base_path.empty() && url.base_path.back() == '/') url.base_path.pop_back();
  return url;
}

Result<HttpAnswer> SendHttp(const ServerUrl& url, std::string_view method, std::string_view path,
                            const std::vector<std::pair<std::string, std::string>>& headers,
                            std::string_view body, std::chrono::seconds timeout) {
  bh::request<bh::string_body> request;
  request.method_string(method);
  request.target(url.base_path + std::string(path));
  request.version(11);
  request.set(bh::field::host, HostHeader(url));
  request.set(bh::field::user_agent, "obauth-cli");
  request.set(bh::field::accept, "application/json");
  request.set(bh::field::connection, "close");
  for (const auto& [name, value] : headers) request.set(name, value);
  request.body() = std::string(body);
  request.prepare_payload();
  try {
    Exchange exchange(url, timeout);
    return exchange.Run(request);
  } catch (const std::exception& e) {
    // Asio throws only when the system refuses resources (sockets, TLS context).
    return Unavailable("Cannot reach " + url.text + ": " + e.what());
  }
}

Error DescribeAdminFailure(const HttpAnswer& answer, const ServerUrl& url,
                           std::string_view recipient) {
  const auto object = JsonObject(answer.body);
  std::string message = StringMember(object, "message");
  const std::string said = message.empty() ? "" : ": " + message;
  const std::string status = std::to_string(answer.status);
  const std::string id(recipient);
  switch (answer.status) {
    case 400:
    case 413:
    case 415:
      return Invalid("The server refused the request (" + status + said +
                     "). Nothing was changed.");
    case 401:
      return MakeError(ErrorCode::kInvalidToken,
                       "The server refused the access token it had just issued (401" + said +
                           "). If several instances serve " + url.text +
                           ", they need the same --issuer; otherwise try again.");
    case 403:
      return MakeError(ErrorCode::kInsufficientScope,
                       "The server refused the request (403" + said +
                           "). The recipients commands need a partner's credentials with the "
                           "client:admin scope.");
    case 404:
      if (!id.empty() && message == "Data Recipient not found") {
        return MakeError(ErrorCode::kNotFound,
                         "No recipient " + id +
                             " for this partner: it does not exist, was deleted, or belongs to "
                             "another partner. `obauth recipients list` shows yours.");
      }
      return MakeError(ErrorCode::kNotFound, "The server at " + url.text + " answered 404" + said +
                                                 ". Is --url (or OBAUTH_URL) the base URL of an "
                                                 "obauth server?");
    case 409:
      if (message.find("grace period") != std::string::npos) {
        return MakeError(ErrorCode::kConflict,
                         "The server refused to rotate (409" + said +
                             "). End the grace period of the previous secret now with `obauth "
                             "recipients delete-previous-secret " +
                             id +
                             "`, or wait for its previous_secret_expires_at (`obauth "
                             "recipients show " +
                             id + "`), then rotate again.");
      }
      return MakeError(ErrorCode::kKeyInUse,
                       "The server refused the request (409" + said +
                           "). A request with this --idempotency-key is still running; retry "
                           "later with the same key.");
    case 422:
      return MakeError(ErrorCode::kKeyReused,
                       "The server refused the request (422" + said +
                           "). Use a new --idempotency-key for a different request.");
    case 429:
      return MakeError(ErrorCode::kTooManyAttempts, "The server is limiting requests (429" + said +
                                                        "); " + RetryLater(answer) + ".");
    case 503:
      return Unavailable("The server is temporarily unavailable (503" + said +
                         ", e.g. its database); " + RetryLater(answer) + ".");
    default:
      break;
  }
  std::string text = "The server at " + url.text + " failed (" + status + said + ")";
  if (!answer.request_id.empty()) {
    text += "; its log has the details under request id " + answer.request_id;
  }
  return MakeError(ErrorCode::kInternal, text + ".");
}

Result<void> AdminClient::EnsureToken() {
  if (token_) return {};
  const std::string basic =
      FormEncode(options_.client_id) + ":" + FormEncode(options_.client_secret.Expose());
  OBAUTH_TRY(answer,
             SendHttp(options_.url, "POST", "/api/v1/token",
                      {{"Authorization", "Basic " + Base64(basic)},
                       {"Content-Type", "application/x-www-form-urlencoded"}},
                      "grant_type=client_credentials&scope=client%3Aadmin", options_.timeout));
  const auto object = JsonObject(answer.body);
  if (answer.status == 200) {
    std::string token = StringMember(object, "access_token");
    if (token.empty()) {
      return MakeError(ErrorCode::kInternal,
                       "The token endpoint of " + options_.url.text +
                           " answered 200 without an access_token. Is it an obauth server?");
    }
    token_.emplace(std::move(token));
    return {};
  }
  if (!object && answer.status != 429 && answer.status < 500) {
    return MakeError(ErrorCode::kNotFound,
                     "The server at " + options_.url.text + " answered " +
                         std::to_string(answer.status) +
                         " without JSON at /api/v1/token. Is --url (or OBAUTH_URL) the base URL "
                         "of an obauth server, with https:// for a TLS port?");
  }
  // RFC 6749 §5.2 error bodies.
  const std::string error = StringMember(object, "error");
  const std::string description = StringMember(object, "error_description");
  const std::string said =
      error.empty() ? "" : ": " + error + (description.empty() ? "" : ", " + description);
  if (error == "invalid_client") {
    return MakeError(ErrorCode::kInvalidClient,
                     "The server refused the client credentials (" + std::to_string(answer.status) +
                         said +
                         "). Check the client id and secret (--client-id or OBAUTH_CLIENT_ID, "
                         "--client-secret or OBAUTH_CLIENT_SECRET): they must be a partner's.");
  }
  if (error == "invalid_scope" || error == "unauthorized_client") {
    return MakeError(ErrorCode::kInsufficientScope,
                     "The client " + options_.client_id +
                         " may not obtain the client:admin scope (" +
                         std::to_string(answer.status) + said +
                         "). The recipients commands need a partner's client:admin credentials, "
                         "not a Data Recipient's.");
  }
  if (answer.status == 429) {
    return MakeError(ErrorCode::kTooManyAttempts,
                     "The server refuses this client for now after too many failed "
                     "authentications (429" +
                         said + "); check the client id and secret, then " + RetryLater(answer) +
                         ".");
  }
  if (answer.status == 400) {
    return Invalid("The token endpoint refused the request (400" + said + ").");
  }
  return DescribeAdminFailure(answer, options_.url, {});
}

Result<HttpAnswer> AdminClient::Admin(const Call& call) {
  if (auto r = EnsureToken(); !r) return r.error();
  std::vector<std::pair<std::string, std::string>> headers = {
      {"Authorization", "Bearer " + std::string(token_->Expose())}};
  if (call.body) headers.emplace_back("Content-Type", "application/json");
  if (!call.idempotency_key.empty()) headers.emplace_back("Idempotency-Key", call.idempotency_key);
  OBAUTH_TRY(answer, SendHttp(options_.url, call.method, call.path, headers, call.body.value_or(""),
                              options_.timeout));
  if (answer.status == 200 || answer.status == 204) return std::move(answer);
  return DescribeAdminFailure(answer, options_.url, call.recipient);
}

namespace {

constexpr std::string_view kRecipients = "/api/v1/recipients";

std::string RecipientPath(std::string_view client_id) {
  return std::string(kRecipients) + "/" + PathSegment(client_id);
}

// A 200 answer must carry JSON; anything else means --url reaches something else.
Result<std::string> JsonBody(HttpAnswer answer, const ServerUrl& url) {
  error_code ec;
  (void)json::parse(answer.body, ec);
  if (answer.status != 200 || ec) {
    return MakeError(ErrorCode::kInternal,
                     "The server at " + url.text + " answered " + std::to_string(answer.status) +
                         " without JSON. Is --url the base URL of an obauth server?");
  }
  return std::move(answer.body);
}

// JsonBody of a call that takes an Idempotency-Key, with whether the server replayed it.
Result<IdempotentAnswer> IdempotentJsonBody(HttpAnswer answer, const ServerUrl& url) {
  const bool replayed = answer.replayed;
  OBAUTH_TRY(body, JsonBody(std::move(answer), url));
  return IdempotentAnswer{std::move(body), replayed};
}

}  // namespace

Result<ListedPage> AdminClient::ListRecipients(std::size_t limit,
                                               const std::optional<std::string>& after) {
  std::string path = std::string(kRecipients) + "?limit=" + std::to_string(limit);
  if (after) path += "&after=" + PathSegment(*after);
  OBAUTH_TRY(answer, Admin({"GET", path, std::nullopt, "", ""}));
  std::optional<std::string> next;
  // Link: <...?limit=N&after=CURSOR>; rel="next" (the only link the server sends).
  if (const auto rel = answer.link.find("rel=\"next\""); rel != std::string::npos) {
    const auto mark = answer.link.find("after=");
    const auto end = answer.link.find('>');
    if (mark != std::string::npos && end != std::string::npos && mark < end) {
      next = answer.link.substr(mark + 6, end - mark - 6);
    }
  }
  OBAUTH_TRY(body, JsonBody(std::move(answer), options_.url));
  return ListedPage{std::move(body), std::move(next)};
}

Result<std::string> AdminClient::GetRecipient(std::string_view client_id) {
  OBAUTH_TRY(answer,
             Admin({"GET", RecipientPath(client_id), std::nullopt, "", std::string(client_id)}));
  return JsonBody(std::move(answer), options_.url);
}

Result<IdempotentAnswer> AdminClient::CreateRecipient(std::string body,
                                                      std::string_view idempotency_key) {
  OBAUTH_TRY(answer, Admin({"POST", std::string(kRecipients), std::move(body),
                            std::string(idempotency_key), ""}));
  return IdempotentJsonBody(std::move(answer), options_.url);
}

Result<std::string> AdminClient::UpdateRecipient(std::string_view client_id, std::string body) {
  OBAUTH_TRY(answer,
             Admin({"PUT", RecipientPath(client_id), std::move(body), "", std::string(client_id)}));
  return JsonBody(std::move(answer), options_.url);
}

Result<IdempotentAnswer> AdminClient::RotateSecret(std::string_view client_id,
                                                   std::optional<std::string> body,
                                                   std::string_view idempotency_key) {
  OBAUTH_TRY(answer, Admin({"POST", RecipientPath(client_id) + "/secret", std::move(body),
                            std::string(idempotency_key), std::string(client_id)}));
  return IdempotentJsonBody(std::move(answer), options_.url);
}

Result<void> AdminClient::DeleteRecipient(std::string_view client_id) {
  OBAUTH_TRY(answer,
             Admin({"DELETE", RecipientPath(client_id), std::nullopt, "", std::string(client_id)}));
  (void)answer;
  return {};
}

Result<void> AdminClient::DeletePreviousSecret(std::string_view client_id) {
  OBAUTH_TRY(answer, Admin({"DELETE", RecipientPath(client_id) + "/secret/previous", std::nullopt,
                            "", std::string(client_id)}));
  (void)answer;
  return {};
}

}  // namespace obauth::cli
