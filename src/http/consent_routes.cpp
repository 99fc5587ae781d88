// The customer's half of the Outbound flow (reference §5.2): GET /api/v1/authorize, the sandbox
// institution's sign-in and consent forms it leads to, the sandbox's connected-apps page, the
// stylesheet the pages link, and the partner's list of a recipient's connections. The browser's
// session is one cookie (obauth_session: random, HttpOnly, SameSite=Lax, Secure behind an https
// issuer); every form carries a CSRF token made from it and the sealed transaction bound to it
// (consent::AuthorizeService).
#include <boost/beast/http/field.hpp>
#include <boost/url/parse.hpp>
#include <boost/url/url.hpp>
#include <vector>

#include "core/time_format.hpp"
#include "crypto/base64url.hpp"
#include "crypto/random.hpp"
#include "http/form.hpp"
#include "http/handlers.hpp"
#include "http/json_codec.hpp"
#include "http/pages.hpp"
#include "http/paging.hpp"

namespace obauth::http {
namespace bh = boost::beast::http;
namespace {

constexpr std::string_view kSessionCookie = "obauth_session";
constexpr char kSignInAction[] = "/api/v1/authorize/login";
constexpr char kDeniedDescription[] = "The user denied the access";

// The browser's session cookie when it carries a well-formed one (43 base64url characters).
std::optional<std::string> SessionCookie(const Request& req) {
  for (auto it = req.find(bh::field::cookie); it != req.end() && it->name() == bh::field::cookie;
       ++it) {
    std::string_view rest = it->value();
    while (!rest.empty()) {
      const auto end = rest.find(';');
      std::string_view pair = rest.substr(0, end);
      rest = end == std::string_view::npos ? std::string_view{} : rest.substr(end + 1);
      while (pair.starts_with(' ')) pair.remove_prefix(1);
      if (!pair.starts_with(kSessionCookie) || pair.size() <= kSessionCookie.size() ||
          pair[kSessionCookie.size()] != '=') {
        continue;
      }
      const std::string_view value = pair.substr(kSessionCookie.size() + 1);
      if (value.size() == 43 && crypto::Base64UrlDecode(value)) return std::string(value);
    }
  }
  return std::nullopt;
}

struct Session {
  std::string id;
  bool fresh = false;  // made for this response: set the cookie
};

Result<Session> SessionOf(const Request& req) {
  if (auto existing = SessionCookie(req)) return Session{std::move(*existing), false};
  OBAUTH_TRY(bytes, crypto::RandomBytes(32));
  return Session{crypto::Base64UrlEncode(bytes), true};
}

void SetSessionCookie(Response& res, const Services& services, const Session& session) {
  if (!session.fresh) return;
  const bool secure = services.tokens.access_tokens().issuer().starts_with("https:");
  res.set(bh::field::set_cookie, std::string(kSessionCookie) + "=" + session.id +
                                     "; Path=/; HttpOnly; SameSite=Lax" +
                                     (secure ? "; Secure" : ""));
}

Routed Page(std::string_view route, bh::status status, std::string body, std::string note = {}) {
  return {HtmlResponse(status, std::move(body)), route, std::move(note)};
}

// A wrong password (400) or a lockout (429, with Retry-After) shows the sign-in page again with
// its message; any other failure is not the customer's to fix there.
bool IsSignInRefusal(const Error& e) {
  return e.code == ErrorCode::kAccessDenied || e.code == ErrorCode::kTooManyAttempts;
}
Routed SignInAgain(std::string_view route, const Error& e, SignInForm form) {
  form.message = SignInFailure(form.language, e);
  Routed r = Page(route, StatusOf(e.code), RenderSignIn(form), e.internal);
  if (e.retry_after_seconds > 0) {
    r.response.set(bh::field::retry_after, std::to_string(e.retry_after_seconds));
  }
  return r;
}

// 302 to the client's redirect URI with `params` added to its query and the issuer (RFC 9207).
Routed RedirectToClient(const Services& services, std::string_view route,
                        const consent::Transaction& t,
                        std::vector<std::pair<std::string_view, std::string_view>> params,
                        std::string note) {
  auto parsed = boost::urls::parse_uri_reference(t.redirect_uri);
  if (!parsed) {
    return ErrorPage(InternalError("registered redirect_uri does not parse"), t.language, route);
  }
  boost::urls::url url(*parsed);
  if (!t.state.empty()) params.emplace_back("state", t.state);
  params.emplace_back("iss", services.tokens.access_tokens().issuer());
  for (const auto& [name, value] : params) url.params().append({name, value});
  Response res{bh::status::found, 11};
  res.set(bh::field::location, url.buffer());
  SetPageHeaders(res);
  return {std::move(res), route, std::move(note)};
}

Routed RefuseToClient(const Services& services, std::string_view route,
                      const consent::Transaction& t, const Error& e) {
  return RedirectToClient(
      services, route, t,
      {{"error", OAuthErrorName(e.code)}, {"error_description", PublicMessage(e)}},
      "refused to client: " + std::string(OAuthErrorName(e.code)) + ": " + e.public_message);
}

// A form posted by one of the pages: single fields by name, and every `account`.
struct PageForm {
  std::map<std::string, std::string, std::less<>> fields;
  std::vector<std::string> accounts;
  std::string Get(std::string_view name) const {
    const auto it = fields.find(name);
    return it == fields.end() ? std::string() : it->second;
  }
};

Result<PageForm> ReadPageForm(const Request& req) {
  const auto bad = [](std::string why) {
    return MakeError(ErrorCode::kInvalidRequest, "The form could not be read.", std::move(why));
  };
  if (MediaType(req) != "application/x-www-form-urlencoded") return bad("not a form");
  auto pairs = ParseForm(req.body());
  if (!pairs) return bad("malformed form");
  PageForm form;
  for (auto& [name, value] : *pairs) {
    if (name == "account") {
      if (form.accounts.size() >= 64) return bad("too many accounts");
      form.accounts.push_back(std::move(value));
    } else if (!form.fields.emplace(std::move(name), std::move(value)).second) {
      return bad("repeated field");
    }
  }
  return form;
}

// The session and the transaction of a posted form of the authorize flow, or the error page.
struct Posted {
  PageForm form;
  std::string session;
  consent::Transaction transaction;
};

Result<Posted> ReadPosted(const Services& services, const Call& call) {
  OBAUTH_TRY(form, ReadPageForm(call.request));
  const auto session = SessionCookie(call.request);
  if (!session || !services.authorize->CheckCsrf(*session, form.Get("csrf"))) {
    return MakeError(ErrorCode::kInvalidRequest,
                     "This page has expired or was opened in another browser. Return to the "
                     "application and start again.",
                     session ? "CSRF token mismatch" : "no session cookie");
  }
  OBAUTH_TRY(t, services.authorize->Open(form.Get("transaction"), *session));
  return Posted{std::move(form), *session, std::move(t)};
}

Routed NotServed(std::string_view route) {
  return ErrorPage(MakeError(ErrorCode::kNotFound, "Not Found"), Language::kEnglish, route);
}

// RFC 6749 Appendix B: the query is form-encoded ('+' is a space).
consent::AuthorizeParams ReadAuthorizeParams(
    const std::vector<std::pair<std::string, std::string>>& params) {
  consent::AuthorizeParams p;
  const std::pair<std::string_view, std::optional<std::string>*> names[] = {
      {"client_id", &p.client_id},
      {"redirect_uri", &p.redirect_uri},
      {"response_type", &p.response_type},
      {"scope", &p.scope},
      {"state", &p.state},
      {"provider_id", &p.provider_id},
      {"correlation_id", &p.correlation_id},
      {"lang", &p.lang},
      {"code_challenge", &p.code_challenge},
      {"code_challenge_method", &p.code_challenge_method}};
  for (const auto& [key, value] : params) {
    for (const auto& [name, field] : names) {
      if (key != name) continue;
      if (field->has_value()) {
        p.repeated.emplace_back(name);
      } else if (!value.empty()) {
        *field = value;  // RFC 6749 §3.1: an empty parameter is omitted
      }
    }
  }
  return p;
}

}  // namespace

Routed Authorize(const Services& services, const Call& call) {
  if (services.authorize == nullptr) return NotServed(call.route);
  const auto query = ParseForm(QueryString(call.request));
  if (!query) {
    return ErrorPage(MakeError(ErrorCode::kInvalidRequest, "The request's query is malformed."),
                     Language::kEnglish, call.route);
  }
  const auto params = ReadAuthorizeParams(*query);
  auto session = SessionOf(call.request);
  if (!session) return ErrorPage(session.error(), Language::kEnglish, call.route);
  auto checked = services.authorize->Check(params, session->id);
  if (!checked) return ErrorPage(checked.error(), Language::kEnglish, call.route);
  const consent::Transaction& t = checked->transaction;
  if (checked->refused) return RefuseToClient(services, call.route, t, *checked->refused);
  if (checked->upstream) {
    auto location = services.authorize->StartUpstream(t);
    if (!location) return RefuseToClient(services, call.route, t, location.error());
    Response res{bh::status::found, 11};
    res.set(bh::field::location, *location);
    SetPageHeaders(res);
    SetSessionCookie(res, services, *session);
    return {std::move(res), call.route, "sent to the provider for " + t.client_id};
  }
  auto sealed = services.authorize->Seal(t);
  if (!sealed) return ErrorPage(sealed.error(), t.language, call.route);
  SignInForm form;
  form.language = t.language;
  form.institution = checked->parties.provider_name;
  form.client_name = checked->parties.client_name;
  form.action = kSignInAction;
  form.transaction = std::move(*sealed);
  form.csrf = services.authorize->CsrfToken(session->id);
  Routed r =
      Page(call.route, bh::status::ok, RenderSignIn(form), "sign-in page for " + t.client_id);
  SetSessionCookie(r.response, services, *session);
  return r;
}

Routed AuthorizeSignIn(const Services& services, const Call& call) {
  if (services.authorize == nullptr) return NotServed(call.route);
  auto posted = ReadPosted(services, call);
  if (!posted) return ErrorPage(posted.error(), Language::kEnglish, call.route);
  const consent::Transaction& t = posted->transaction;
  const std::string username = posted->form.Get("username");
  auto signed_in = services.authorize->SignIn(t, username, Secret(posted->form.Get("password")));
  if (!signed_in) {
    const Error& e = signed_in.error();
    if (!IsSignInRefusal(e)) return ErrorPage(e, t.language, call.route);
    auto parties = services.authorize->PartiesOf(t);
    if (!parties) return ErrorPage(parties.error(), t.language, call.route);
    return SignInAgain(call.route, e,
                       {t.language,
                        parties->provider_name,
                        parties->client_name,
                        kSignInAction,
                        posted->form.Get("transaction"),
                        posted->form.Get("csrf"),
                        username,
                        {}});
  }
  auto& [next, view] = *signed_in;
  auto sealed = services.authorize->Seal(next);
  if (!sealed) return ErrorPage(sealed.error(), t.language, call.route);
  return Page(
      call.route, bh::status::ok,
      RenderConsent(
          {t.language, &view, next.scope, *sealed, posted->form.Get("csrf"), {}, std::nullopt}),
      "consent page for " + t.client_id);
}

Routed AuthorizeDecision(const Services& services, const Call& call) {
  if (services.authorize == nullptr) return NotServed(call.route);
  auto posted = ReadPosted(services, call);
  if (!posted) return ErrorPage(posted.error(), Language::kEnglish, call.route);
  const consent::Transaction& t = posted->transaction;
  const std::string decision = posted->form.Get("decision");
  if (decision == "deny") {
    return RedirectToClient(services, call.route, t,
                            {{"error", "access_denied"}, {"error_description", kDeniedDescription}},
                            "denied by the customer");
  }
  if (decision != "approve") {
    return ErrorPage(MakeError(ErrorCode::kInvalidRequest, "Choose Approve or Deny."), t.language,
                     call.route);
  }
  auto code = services.authorize->Approve(t, posted->form.accounts);
  if (!code) {
    if (code.error().code != ErrorCode::kValidation) {
      return ErrorPage(code.error(), t.language, call.route);
    }
    auto view = services.authorize->ConsentOf(t);
    if (!view) return ErrorPage(view.error(), t.language, call.route);
    return Page(call.route, bh::status::bad_request,
                RenderConsent({t.language, &*view, t.scope, posted->form.Get("transaction"),
                               posted->form.Get("csrf"), posted->form.accounts,
                               code.error().public_message}));
  }
  return RedirectToClient(services, call.route, t, {{"code", *code}},
                          "code issued to " + t.client_id);
}

Routed AuthorizeCallback(const Services& services, const Call& call) {
  if (services.authorize == nullptr) return NotServed(call.route);
  const auto query = ParseForm(QueryString(call.request));
  if (!query) {
    return ErrorPage(MakeError(ErrorCode::kInvalidRequest, "The request's query is malformed."),
                     Language::kEnglish, call.route);
  }
  consent::CallbackParams params;
  for (const auto& [name, value] : *query) {
    for (auto [key, field] : {std::pair{"code", &params.code}, std::pair{"state", &params.state},
                              std::pair{"error", &params.error}}) {
      if (name == key && !value.empty()) *field = value;
    }
  }
  const auto session = SessionCookie(call.request);
  auto outcome = services.authorize->FinishUpstream(params, session.value_or(""));
  if (!outcome) return ErrorPage(outcome.error(), Language::kEnglish, call.route);
  const consent::Transaction& t = outcome->transaction;
  if (outcome->refused) return RefuseToClient(services, call.route, t, *outcome->refused);
  return RedirectToClient(services, call.route, t, {{"code", *outcome->code}},
                          "code issued to " + t.client_id + " after the provider's consent");
}

namespace {

// The provider of a connected-apps path, when the sandbox serves it.
Result<std::int64_t> AppsProvider(const Services& services, const Call& call) {
  const auto id = ParseCount(call.params[0], std::numeric_limits<std::int64_t>::max());
  const auto not_found = MakeError(ErrorCode::kNotFound, "No such institution.");
  if (!id) return not_found;
  auto provider = services.authorize->Provider(*id);
  if (!provider)
    return provider.error().code == ErrorCode::kNotFound ? not_found : provider.error();
  if (consent::ConnectorFor(provider->connector) == nullptr) return not_found;
  return *id;
}

// The page's language: ?lang=fr (or fr-CA...) for French, English otherwise.
Language AppsLanguage(const Request& req) {
  if (const auto query = ParseForm(QueryString(req))) {
    for (const auto& [name, value] : *query) {
      if (name == "lang" && value.starts_with("fr")) return Language::kFrench;
    }
  }
  return Language::kEnglish;
}

std::string AppsAction(const Call& call, Language language) {
  return "/sandbox/" + std::string(call.params[0]) + "/apps" +
         (language == Language::kFrench ? "?lang=fr" : "");
}

std::string InstitutionName(const Services& services, std::int64_t provider_id) {
  auto provider = services.authorize->Provider(provider_id);
  return provider ? provider->name : std::string();
}

}  // namespace

Routed ConnectedAppsPage(const Services& services, const Call& call) {
  if (services.authorize == nullptr) return NotServed(call.route);
  const Language language = AppsLanguage(call.request);
  auto provider_id = AppsProvider(services, call);
  if (!provider_id) return ErrorPage(provider_id.error(), language, call.route);
  auto session = SessionOf(call.request);
  if (!session) return ErrorPage(session.error(), language, call.route);
  Routed r = Page(call.route, bh::status::ok,
                  RenderSignIn({language, InstitutionName(services, *provider_id), "",
                                AppsAction(call, language), "",
                                services.authorize->CsrfToken(session->id), "", std::nullopt}));
  SetSessionCookie(r.response, services, *session);
  return r;
}

Routed ConnectedAppsForm(const Services& services, const Call& call) {
  if (services.authorize == nullptr) return NotServed(call.route);
  const Language language = AppsLanguage(call.request);
  auto provider_id = AppsProvider(services, call);
  if (!provider_id) return ErrorPage(provider_id.error(), language, call.route);
  auto form = ReadPageForm(call.request);
  if (!form) return ErrorPage(form.error(), language, call.route);
  const auto session = SessionCookie(call.request);
  const auto expired = MakeError(ErrorCode::kInvalidRequest,
                                 "This page has expired or was opened in another browser. Sign "
                                 "in again.");
  if (!session || !services.authorize->CheckCsrf(*session, form->Get("csrf"))) {
    return ErrorPage(expired, language, call.route);
  }
  const std::string institution = InstitutionName(services, *provider_id);
  consent::Transaction t;
  std::optional<std::string> message;
  if (form->fields.contains("username")) {
    const std::string username = form->Get("username");
    auto signed_in = services.authorize->SignInForApps(*provider_id, username,
                                                       Secret(form->Get("password")), *session);
    if (!signed_in) {
      const Error& e = signed_in.error();
      if (!IsSignInRefusal(e)) return ErrorPage(e, language, call.route);
      return SignInAgain(call.route, e,
                         {language,
                          institution,
                          "",
                          AppsAction(call, language),
                          "",
                          form->Get("csrf"),
                          username,
                          {}});
    }
    t = std::move(*signed_in);
  } else {
    auto opened = services.authorize->Open(form->Get("transaction"), *session);
    if (!opened || opened->provider_id != *provider_id || opened->customer_id.empty()) {
      return ErrorPage(expired, language, call.route);
    }
    t = std::move(*opened);
    if (auto revoked = services.authorize->RevokeApp(
            t, form->Get("connection"), call.context.request_id, SourceAddress(call.context.peer));
        !revoked) {
      if (revoked.error().code != ErrorCode::kNotFound) {
        return ErrorPage(revoked.error(), language, call.route);
      }
      message = revoked.error().public_message;
    }
  }
  auto customer = services.authorize->CustomerOf(t);
  if (!customer) return ErrorPage(customer.error(), language, call.route);
  auto apps = services.authorize->ConnectedApps(t);
  if (!apps) return ErrorPage(apps.error(), language, call.route);
  auto sealed = services.authorize->Seal(t);
  if (!sealed) return ErrorPage(sealed.error(), language, call.route);
  return Page(call.route, bh::status::ok,
              RenderApps({language, institution, customer->display_name, AppsAction(call, language),
                          *sealed, form->Get("csrf"), &*apps, message}));
}

Routed Stylesheet(const Services&, const Call& call) {
  Response res{bh::status::ok, 11};
  res.set(bh::field::content_type, "text/css; charset=utf-8");
  res.set(bh::field::cache_control, "public, max-age=3600");
  Routed r{std::move(res), call.route, {}};
  r.constant_body = PageStylesheet();
  return r;
}

Routed ListConnections(const Services& services, const Call& call) {
  if (services.connections == nullptr) return NotFound();
  const auto caller = PartnerCaller(call);
  const std::string client_id(call.params[0]);
  // The recipient must be one of the partner's: another's is not found.
  if (auto recipient = services.recipients.Get(caller, client_id); !recipient) {
    return AdminError(recipient.error(), call.route);
  }
  auto query = ReadListQuery(QueryString(call.request), admin::kMaxPageSize);
  if (!query) return AdminError(query.error(), call.route);
  return ListAnswer(call.route, call.request.target(), *query, "partner " + caller.partner_id,
                    [connections = services.connections,
                     client_id](const store::PageRequest& request) -> Result<EncodedPage> {
                      OBAUTH_TRY(page, connections->ListConnections(client_id, request));
                      return EncodePage(page, AppendConnectionItem);
                    });
}

}  // namespace obauth::http
