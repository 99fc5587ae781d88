// What the handlers share for reading a request: media type, bearer token, peer address, the
// partner caller.
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/field.hpp>
#include <cctype>
#include <optional>

#include "http/form.hpp"
#include "http/handlers.hpp"

namespace obauth::http {
namespace bh = boost::beast::http;
namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace

admin::Caller PartnerCaller(const Call& call) {
  const std::string& partner = call.principal->partner_id;
  return {partner, partner, std::string(call.context.request_id), std::string(call.context.peer)};
}

std::string SourceAddress(std::string_view peer) {
  return std::string(peer.substr(0, peer.rfind(':')));
}

std::string MediaType(const Request& req) {
  std::string_view value = req[bh::field::content_type];
  value = Trim(value.substr(0, value.find(';')));
  std::string out(value);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

Result<void> RequireJsonBody(const Request& request) {
  if (MediaType(request) != "application/json") {
    return MakeError(ErrorCode::kUnsupportedMediaType, "Content-Type must be application/json");
  }
  return {};
}

Result<std::string_view> BearerToken(const Request& req) {
  std::optional<std::string_view> from_authorization;
  std::optional<std::string_view> from_key;
  if (auto it = req.find(bh::field::authorization); it != req.end()) {
    const std::string_view value = Trim(it->value());
    if (HasAuthScheme(value, "Bearer")) {
      from_authorization = Trim(value.substr(7));
    } else if (boost::beast::iequals(value, "Bearer")) {
      from_authorization = std::string_view();
    } else {
      return MakeError(
          ErrorCode::kMissingToken,
          "Invalid Bearer Token: this endpoint takes a bearer token from POST "
          "/api/v1/token (Authorization: Bearer TOKEN), not " +
              std::string(HasAuthScheme(value, "Basic") ? "Basic credentials"
                                                        : "another authorization scheme"),
          "Authorization is not Bearer");
    }
  }
  if (auto it = req.find("flinks-auth-key"); it != req.end()) {
    std::string_view v = Trim(it->value());
    from_key = Trim(HasAuthScheme(v, "Bearer") ? v.substr(7) : v);
  }
  if (from_authorization && from_key && *from_authorization != *from_key) {
    return MakeError(ErrorCode::kInvalidToken,
                     "Authorization and flinks-auth-key carry different tokens");
  }
  const std::string_view token = from_authorization.value_or(from_key.value_or(""));
  if (token.empty()) {
    return MakeError(ErrorCode::kMissingToken,
                     "Invalid Bearer Token: none was sent; get one from POST /api/v1/token and "
                     "send it as Authorization: Bearer TOKEN",
                     "no bearer token");
  }
  return token;
}

std::string_view QueryString(const Request& request) {
  const std::string_view target = request.target();
  const auto mark = target.find('?');
  return mark == std::string_view::npos ? std::string_view() : target.substr(mark + 1);
}

}  // namespace obauth::http
