// GET /api/v1/authorize and the sandbox institution's pages (reference §5.2, §9.1): which
// problems are a page and which go back to the client, the sign-in and consent forms, their
// escaping, headers, CSRF protection, expiry and lockout.
#include <gtest/gtest.h>

#include "consent_test.hpp"

namespace obauth::e2e {
namespace {

class Authorize : public ConsentTest {};

void ExpectPageHeaders(const HttpResponse& r) {
  const auto csp = r.Header("Content-Security-Policy").value_or("");
  EXPECT_NE(csp.find("frame-ancestors 'none'"), std::string::npos) << csp;
  EXPECT_EQ(csp.find("script-src"), std::string::npos) << "no script is allowed: " << csp;
  EXPECT_NE(csp.find("default-src 'none'"), std::string::npos) << csp;
  EXPECT_EQ(r.Header("X-Frame-Options"), "DENY");
  EXPECT_EQ(r.Header("Cache-Control"), "no-store");
  EXPECT_EQ(r.Header("Referrer-Policy"), "no-referrer");
}

TEST_F(Authorize, TheSignInPageCarriesAFormASessionCookieAndThePageHeaders) {
  SetUpWorld();
  Browser browser;
  const HttpResponse page = BrowserGet(browser, AuthorizeTarget());
  ASSERT_EQ(page.status, 200) << page.Describe();
  EXPECT_EQ(page.Header("Content-Type"), "text/html; charset=utf-8");
  ExpectPageHeaders(page);
  const auto cookie = page.Header("Set-Cookie").value_or("");
  EXPECT_TRUE(cookie.starts_with("obauth_session=")) << cookie;
  EXPECT_NE(cookie.find("HttpOnly"), std::string::npos) << cookie;
  EXPECT_NE(cookie.find("SameSite=Lax"), std::string::npos) << cookie;
  EXPECT_EQ(cookie.find("Secure"), std::string::npos) << "the test issuer is http: " << cookie;
  EXPECT_NE(page.body.find("name=\"username\""), std::string::npos);
  EXPECT_NE(page.body.find("name=\"password\""), std::string::npos);
  EXPECT_FALSE(InputValue(page.body, "csrf").empty());
  EXPECT_FALSE(InputValue(page.body, "transaction").empty());
  EXPECT_NE(page.body.find("Budget Buddy"), std::string::npos) << "who asks";
  EXPECT_NE(page.body.find("Sandbox Savings"), std::string::npos) << "which institution";
  EXPECT_EQ(page.body.find("<script"), std::string::npos);
}

TEST_F(Authorize, AnUnknownClientOrAnUnregisteredRedirectUriIsAPageNeverARedirect) {
  SetUpWorld();
  Browser browser;
  for (const auto& params : std::vector<std::map<std::string, std::string>>{
           {{"client_id", "dc-unknown0000000000000000000"}},
           {{"client_id", ""}},
           {{"redirect_uri", "https://evil.example/callback"}},
           {{"redirect_uri", std::string(kCallback) + "/"}},
           {{"redirect_uri", ""}},
           {{"client_id", partner_.client_id}}}) {
    const HttpResponse r = BrowserGet(browser, AuthorizeTarget(params));
    EXPECT_EQ(r.status, 400) << AuthorizeTarget(params) << " " << r.Describe();
    EXPECT_FALSE(r.Header("Location").has_value()) << AuthorizeTarget(params);
    EXPECT_EQ(r.Header("Content-Type"), "text/html; charset=utf-8");
    ExpectPageHeaders(r);
  }
  // A retired recipient likewise.
  ASSERT_EQ(AdminDelete(admin_token_, RecipientPath(recipient_.id())).status, 204);
  const HttpResponse retired = BrowserGet(browser, AuthorizeTarget());
  EXPECT_EQ(retired.status, 400) << retired.Describe();
  EXPECT_FALSE(retired.Header("Location").has_value());
}

TEST_F(Authorize, EveryOtherProblemGoesBackToTheClientWithErrorStateAndIss) {
  SetUpWorld("Budget Buddy", "ACCOUNT_BASIC TRANSACTIONS STATEMENTS");
  struct Case {
    std::map<std::string, std::string> params;
    std::string error;
  };
  const std::vector<Case> cases = {
      {{{"response_type", "token"}}, "unsupported_response_type"},
      {{{"response_type", ""}}, "invalid_request"},
      {{{"state", ""}}, "invalid_request"},
      {{{"scope", "TRANSACTIONS"}}, "invalid_scope"},
      {{{"scope", ""}}, "invalid_scope"},
      {{{"scope", "ACCOUNT_BASIC CUSTOMER_PERSONAL"}}, "invalid_scope"},  // not the recipient's
      {{{"scope", "ACCOUNT_BASIC NOT_A_SCOPE"}}, "invalid_scope"},
      {{{"provider_id", "4242"}}, "invalid_request"},
      {{{"provider_id", "abc"}}, "invalid_request"},
      {{{"provider_id", ""}}, "invalid_request"},
      {{{"provider_id", std::to_string(kNoConnector)}}, "invalid_request"},
      {{{"code_challenge_method", "plain"}}, "invalid_request"},
      {{{"code_challenge_method", ""}}, "invalid_request"},  // the default is plain
      {{{"code_challenge", "short"}}, "invalid_request"},
      {{{"code_challenge", ""}}, "invalid_request"},  // a method without a challenge
      {{{"provider_id", std::to_string(kOtherSandbox)}}, "unauthorized_client"},
  };
  Browser browser;
  for (const auto& c : cases) {
    const std::string target = AuthorizeTarget(c.params);
    const HttpResponse r = BrowserGet(browser, target);
    ASSERT_EQ(r.status, 302) << target << " " << r.Describe();
    const std::string location = r.Header("Location").value_or("");
    EXPECT_TRUE(location.starts_with(std::string(kCallback) + "?")) << location;
    const auto query = QueryOf(location);
    EXPECT_EQ(query.count("code"), 0u) << location;
    EXPECT_EQ(query.contains("error") ? query.at("error") : "", c.error) << target;
    EXPECT_FALSE(query.contains("error_description") ? query.at("error_description").empty() : true)
        << location;
    if (!c.params.contains("state")) {
      EXPECT_EQ(query.at("state"), "st-123") << location;
    }
    EXPECT_EQ(query.contains("iss") ? query.at("iss") : "", Issuer()) << location;
    EXPECT_EQ(r.Header("Referrer-Policy"), "no-referrer");
  }
  // Not ACTIVE any more: suspended.
  ASSERT_EQ(
      ObauthOnDb({"registrations", "suspend", recipient_.id(), std::to_string(kSandbox)}).exit_code,
      0);
  const auto suspended =
      QueryOf(BrowserGet(browser, AuthorizeTarget()).Header("Location").value_or(""));
  EXPECT_EQ(suspended.contains("error") ? suspended.at("error") : "", "unauthorized_client");
}

TEST_F(Authorize, TheConsentPageNamesTheDataAndListsTheCustomersAccounts) {
  SetUpWorld();
  Browser browser;
  const HttpResponse consent =
      ToConsentPage(browser, {{"scope", "ACCOUNT_BASIC TRANSACTIONS STATEMENTS"}});
  ExpectPageHeaders(consent);
  EXPECT_NE(consent.body.find("Your transactions"), std::string::npos) << consent.body;
  EXPECT_NE(consent.body.find("Your account statements"), std::string::npos);
  EXPECT_EQ(consent.body.find("investment holdings"), std::string::npos) << "not asked for";
  const auto accounts = CheckboxValues(consent.body, "account");
  EXPECT_EQ(accounts.size(), 4u) << "alice has four accounts";
  EXPECT_NE(consent.body.find("Everyday Chequing"), std::string::npos);
  EXPECT_NE(consent.body.find("****"), std::string::npos) << "masked numbers";
  EXPECT_NE(consent.body.find("name=\"decision\" value=\"approve\""), std::string::npos);
  EXPECT_NE(consent.body.find("name=\"decision\" value=\"deny\""), std::string::npos);
  // The same accounts for the same customer on every visit (and every instance).
  Browser again;
  EXPECT_EQ(CheckboxValues(ToConsentPage(again).body, "account"), accounts);
  Browser bob;
  const auto bobs = CheckboxValues(ToConsentPage(bob, {}, "bob").body, "account");
  EXPECT_EQ(bobs.size(), 2u);
  EXPECT_NE(bobs.front(), accounts.front());
}

TEST_F(Authorize, TheConsentPageSpeaksFrenchWhenAsked) {
  SetUpWorld();
  Browser browser;
  const HttpResponse consent = ToConsentPage(browser, {{"lang", "fr"}});
  EXPECT_NE(consent.body.find("lang=\"fr\""), std::string::npos);
  EXPECT_NE(consent.body.find("Vos transactions"), std::string::npos) << consent.body;
  EXPECT_NE(consent.body.find("Accepter"), std::string::npos);
  EXPECT_NE(consent.body.find("Refuser"), std::string::npos);
}

TEST_F(Authorize, DenyingSendsAccessDeniedBackToTheClient) {
  SetUpWorld();
  Browser browser;
  const HttpResponse consent = ToConsentPage(browser);
  const HttpResponse denied = Decide(browser, consent, "deny");
  ASSERT_EQ(denied.status, 302) << denied.Describe();
  const auto query = QueryOf(denied.Header("Location").value_or(""));
  EXPECT_EQ(query.at("error"), "access_denied");
  EXPECT_EQ(query.at("error_description"), "The user denied the access");
  EXPECT_EQ(query.at("state"), "st-123");
  EXPECT_EQ(query.at("iss"), Issuer());
  EXPECT_FALSE(query.contains("code"));
}

TEST_F(Authorize, ApprovingWithoutAnAccountOrWithAnotherCustomersAccountIsRefused) {
  SetUpWorld();
  Browser alice;
  const HttpResponse consent = ToConsentPage(alice);
  const HttpResponse none = Decide(alice, consent, "approve", std::vector<std::string>{});
  EXPECT_EQ(none.status, 400) << none.Describe();
  EXPECT_NE(none.body.find("at least one"), std::string::npos) << none.body;
  Browser bob;
  const auto bobs = CheckboxValues(ToConsentPage(bob, {}, "bob").body, "account");
  const HttpResponse foreign = Decide(alice, consent, "approve", bobs);
  EXPECT_EQ(foreign.status, 400) << foreign.Describe();
  EXPECT_FALSE(foreign.Header("Location").has_value());
}

TEST_F(Authorize, ARecipientNamedLikeAScriptShowsAsText) {
  SetUpWorld("<script>alert(1)</script> & \"Co\"");
  Browser browser;
  const HttpResponse page = BrowserGet(browser, AuthorizeTarget());
  ASSERT_EQ(page.status, 200) << page.Describe();
  EXPECT_EQ(page.body.find("<script>"), std::string::npos) << page.body;
  EXPECT_NE(page.body.find("&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;Co&quot;"),
            std::string::npos)
      << page.body;
  const HttpResponse consent = ToConsentPage(browser);
  EXPECT_EQ(consent.body.find("<script>"), std::string::npos) << consent.body;
}

TEST_F(Authorize, FormsWithoutTheSessionCookieOrItsCsrfTokenAreRefused) {
  SetUpWorld();
  Browser browser;
  const HttpResponse page = BrowserGet(browser, AuthorizeTarget());
  const Form good = {{"transaction", InputValue(page.body, "transaction")},
                     {"csrf", InputValue(page.body, "csrf")},
                     {"username", "alice"},
                     {"password", "sandbox"}};
  Browser no_cookie;  // another browser: the form was not made for it
  EXPECT_EQ(BrowserPost(no_cookie, "/api/v1/authorize/login", good).status, 400);
  Browser other;
  BrowserGet(other, AuthorizeTarget());  // its own session
  EXPECT_EQ(BrowserPost(other, "/api/v1/authorize/login", good).status, 400);
  Form wrong_csrf = good;
  wrong_csrf[1].second[0] = wrong_csrf[1].second[0] == 'A' ? 'B' : 'A';
  EXPECT_EQ(BrowserPost(browser, "/api/v1/authorize/login", wrong_csrf).status, 400);
  Form tampered = good;
  tampered[0].second[10] = tampered[0].second[10] == 'A' ? 'B' : 'A';
  EXPECT_EQ(BrowserPost(browser, "/api/v1/authorize/login", tampered).status, 400);
  // The right browser with its own form goes on.
  EXPECT_EQ(BrowserPost(browser, "/api/v1/authorize/login", good).status, 200);
}

TEST_F(Authorize, ATransactionExpiresAfterTenMinutes) {
  SetUpWorld();
  FreezeClock();
  Browser browser;
  const HttpResponse page = BrowserGet(browser, AuthorizeTarget());
  const Form form = {{"transaction", InputValue(page.body, "transaction")},
                     {"csrf", InputValue(page.body, "csrf")},
                     {"username", "alice"},
                     {"password", "sandbox"}};
  AdvanceClock(601);
  const HttpResponse late = BrowserPost(browser, "/api/v1/authorize/login", form);
  EXPECT_EQ(late.status, 400) << late.Describe();
  EXPECT_NE(late.body.find("expired"), std::string::npos) << late.body;
}

TEST_F(Authorize, WrongPasswordsGetAMessageAndTenAMinuteLockTheUsername) {
  SetUpWorld();
  Browser browser;
  const HttpResponse page = BrowserGet(browser, AuthorizeTarget());
  const auto attempt = [&](std::string username, std::string password) {
    return BrowserPost(browser, "/api/v1/authorize/login",
                       {{"transaction", InputValue(page.body, "transaction")},
                        {"csrf", InputValue(page.body, "csrf")},
                        {"username", std::move(username)},
                        {"password", std::move(password)}});
  };
  const HttpResponse unknown = attempt("mallory", "sandbox");
  EXPECT_EQ(unknown.status, 400);
  for (int i = 0; i < 10; ++i) {
    const HttpResponse wrong = attempt("bob", "wrong-password-" + std::to_string(i) + "-abcdef");
    ASSERT_EQ(wrong.status, 400) << i << " " << wrong.Describe();
    EXPECT_NE(wrong.body.find("The username or password is incorrect."), std::string::npos);
    EXPECT_NE(wrong.body.find("value=\"bob\""), std::string::npos) << "the username stays";
  }
  const HttpResponse locked = attempt("bob", "sandbox");
  EXPECT_EQ(locked.status, 429) << locked.Describe();
  EXPECT_NE(locked.body.find("Too many failed sign-ins"), std::string::npos) << locked.body;
  EXPECT_TRUE(locked.Header("Retry-After").has_value());
  // Another username is not locked; bob is again a minute later.
  EXPECT_EQ(attempt("alice", "sandbox").status, 200);
}

}  // namespace
}  // namespace obauth::e2e
