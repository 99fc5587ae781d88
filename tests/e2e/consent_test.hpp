// The fixture of the customer's flow (reference §5.2): a catalogue with sandbox providers, a
// partner with a recipient registered ACTIVE with one of them, and a browser (a cookie jar and
// form posts over the real HTTP API) that goes through the sign-in and consent pages.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "obauth_test.hpp"

namespace obauth::e2e {

inline constexpr std::string_view kAuthorizePath = "/api/v1/authorize";
inline constexpr std::string_view kCallback = "https://app.example/callback";
// Sandbox providers of the fixture's catalogue: the recipient is ACTIVE with the first only.
inline constexpr std::int64_t kSandbox = 9000;
inline constexpr std::int64_t kOtherSandbox = 9100;
inline constexpr std::int64_t kNoConnector = 1000;
// A PKCE verifier and its S256 challenge: BASE64URL(SHA256(verifier)) (RFC 7636 §4.2).
inline constexpr std::string_view kVerifier = "dBjftJeZ4CVP-mJ0kXYZaKWk0djX8L8Ox3sT5u-kZ2g";
inline constexpr std::string_view kChallenge = "BEM4R0qE5Q3TsITDSL9ApbpWIK-8Y3nKUZ8iXHDbKKI";

using Form = std::vector<std::pair<std::string, std::string>>;

// A browser: the session cookie the server set, sent back with every request.
struct Browser {
  std::optional<std::string> cookie;  // "obauth_session=..."
};

// The value of the hidden or named input `name` in a page (the first), or "".
std::string InputValue(const std::string& html, std::string_view name);
// The values of every checkbox named `name`.
std::vector<std::string> CheckboxValues(const std::string& html, std::string_view name);
// The query parameters of a Location (form-decoded).
std::map<std::string, std::string> QueryOf(std::string_view location);

class ConsentTest : public ObauthTest {
 protected:
  // Imports the catalogue, starts the server (with `server_args`), creates a partner and a
  // recipient named `recipient_name` with the callback and `scope`, and registers it ACTIVE
  // with kSandbox.
  void SetUpWorld(std::string recipient_name = "Budget Buddy",
                  std::string scope = std::string(kAllDataScopes),
                  std::vector<std::string> server_args = {});

  // The authorize target for `params` over the defaults (client_id, redirect_uri, state,
  // response_type, scope, provider_id, PKCE S256); a value of "" drops the parameter.
  std::string AuthorizeTarget(const std::map<std::string, std::string>& params = {}) const;

  HttpResponse BrowserGet(Browser& browser, std::string_view target);
  HttpResponse BrowserPost(Browser& browser, std::string_view target, const Form& form);

  // Sends the browser through authorize and sign-in: the consent page (200), or fails.
  HttpResponse ToConsentPage(Browser& browser,
                             const std::map<std::string, std::string>& params = {},
                             std::string_view username = "alice");
  // Posts the consent page's form with `decision` and `accounts` (all when nullopt).
  HttpResponse Decide(Browser& browser, const HttpResponse& consent_page, std::string_view decision,
                      std::optional<std::vector<std::string>> accounts = std::nullopt);
  // The code of an approved authorization (the whole flow); fails the test otherwise.
  std::string ApprovedCode(const std::map<std::string, std::string>& params = {},
                           std::string_view username = "alice");

  // POST /api/v1/token grant authorization_code for the recipient (client_secret_post).
  HttpResponse ExchangeCode(std::string_view code,
                            std::optional<std::string> verifier = std::string(kVerifier),
                            std::string redirect_uri = std::string(kCallback),
                            const Credentials* client = nullptr);
  // The same exchange (kVerifier, kCallback, the recipient) at `host`:`port` (another instance
  // too), on a connection of its own: callable from several threads at once.
  HttpResponse ExchangeCodeAt(const std::string& host, unsigned short port, std::string_view code);
  HttpResponse Refresh(std::string_view refresh_token, std::optional<std::string> scope = {},
                       const Credentials* client = nullptr);
  // The parsed 200 answer of ExchangeCode(code); fails the test otherwise.
  boost::json::object Connect(const std::map<std::string, std::string>& params = {},
                              std::string_view username = "alice");

  // The running server's issuer (iss).
  std::string Issuer() {
    return "http://" + server().host() + ":" + std::to_string(server().port());
  }

  Credentials partner_;
  std::string admin_token_;
  CreatedRecipient recipient_;
};

}  // namespace obauth::e2e
