// The customer's HTML pages: the sandbox institution's sign-in and consent pages, its
// connected-apps page and the error page of the authorize endpoint, in English or French. Every
// page is rendered from one template (src/http/pages/page.tpl, embedded at build time) by
// ctemplate with automatic, context-aware escaping: no outside text is ever concatenated into
// HTML. Every page response carries the headers that keep it out of frames, caches and referrers.
// Thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "consent/authorize_service.hpp"
#include "http/responses.hpp"

namespace obauth::http {

using consent::Language;

// What a sign-in form needs: the authorize flow's, or the connected-apps page's.
struct SignInForm {
  Language language = Language::kEnglish;
  std::string institution;
  std::string client_name;  // empty on the connected-apps page
  std::string action;       // where the form posts
  std::string transaction;  // sealed; empty on the connected-apps page before sign-in
  std::string csrf;
  std::string username;  // typed before, shown again after a failure
  std::optional<std::string> message;
};

struct ConsentForm {
  Language language = Language::kEnglish;
  const consent::ConsentView* view = nullptr;
  std::string scope;  // the transaction's
  std::string transaction;
  std::string csrf;
  std::vector<std::string> checked;  // accounts checked (all when empty)
  std::optional<std::string> message;
};

struct AppsPage {
  Language language = Language::kEnglish;
  std::string institution;
  std::string customer_name;
  std::string action;
  std::string transaction;
  std::string csrf;
  const std::vector<consent::ConnectedApp>* apps = nullptr;
  std::optional<std::string> message;
};

std::string RenderSignIn(const SignInForm& form);
std::string RenderConsent(const ConsentForm& form);
std::string RenderApps(const AppsPage& page);
std::string RenderErrorPage(Language language, std::string_view message);

// The message for a failed sign-in (wrong credentials, lockout) in `language`.
std::string SignInFailure(Language language, const Error& e);

// `body` (HTML) with `status` and the page headers: Content-Security-Policy (no script, no
// frames, styles from this server only), X-Frame-Options DENY, Cache-Control no-store,
// Referrer-Policy no-referrer.
Response HtmlResponse(boost::beast::http::status status, std::string body);
// An error as an HTML page with its mapped status (a customer's page).
Routed ErrorPage(const Error& e, Language language, std::string_view route);

// Sets the page headers on any response of the customer's pages (a redirect too).
void SetPageHeaders(Response& response);

// The stylesheet the pages link (/assets/obauth.css).
std::string_view PageStylesheet();

}  // namespace obauth::http
