#include "cli/admin_client.hpp"

#include <boost/json/parse.hpp>
#include <cctype>
#include <cstdint>

namespace obauth::cli {
namespace {

namespace json = boost::json;
using boost::system::error_code;

constexpr std::uint64_t kMaxAnswerBytes = std::uint64_t{256} << 20;

Error Invalid(std::string message) { return MakeError(ErrorCode::kValidation, std::move(message)); }

Error Unavailable(std::string message) {
  return MakeError(ErrorCode::kUnavailable, std::move(message));
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
  auto url = outbound::ParseUrl(text);
  if (!url) return Invalid("--url " + url.error().public_message);
  return url;
}

Result<HttpAnswer> SendHttp(const ServerUrl& url, std::string_view method, std::string_view path,
                            const std::vector<std::pair<std::string, std::string>>& headers,
                            std::string_view body, std::chrono::seconds timeout) {
  outbound::Request request{
      .method = method, .target = std::string(path), .headers = headers, .body = body};
  request.headers.emplace_back("Accept", "application/json");
  const outbound::Limits limits{
      .timeout = timeout,
      .max_body_bytes = kMaxAnswerBytes,
      .unreachable_hint =
          "Is the server running at " + url.text + "? Give its address with --url or OBAUTH_URL.",
      .timeout_hint = "Is the server running at " + url.text +
                      "? Give its address with --url or OBAUTH_URL. A slow server may need a "
                      "longer --timeout.",
      .user_agent = "obauth-cli",
  };
  OBAUTH_TRY(received, outbound::Send(url, request, limits));
  HttpAnswer answer;
  answer.status = received.status;
  answer.content_type = std::string(received.Header("Content-Type"));
  answer.request_id = std::string(received.Header("X-Request-Id"));
  answer.retry_after = std::string(received.Header("Retry-After"));
  answer.replayed = received.Header("Idempotent-Replayed") == "true";
  answer.link = std::string(received.Header("Link"));
  answer.body = std::move(received.body);
  return answer;
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
  OBAUTH_TRY(answer,
             SendHttp(options_.url, "POST", "/api/v1/token",
                      {{"Authorization", outbound::BasicAuthorization(
                                             options_.client_id, options_.client_secret.Expose())},
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
