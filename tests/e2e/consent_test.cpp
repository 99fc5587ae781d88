#include "consent_test.hpp"

#include <gtest/gtest.h>

#include <boost/json/serialize.hpp>
#include <fstream>
#include <regex>

namespace obauth::e2e {
namespace {

using obauth::testing::FormBody;
using obauth::testing::FormEncode;
using obauth::testing::ParseJsonObject;

constexpr char kCatalogue[] = R"([
  {"provider_id": 9000, "name": "Sandbox Savings", "country": "CA",
   "scopes": ["ACCOUNT_BASIC", "ACCOUNT_DETAILED", "ACCOUNT_PAYMENTS", "INVESTMENTS",
              "TRANSACTIONS", "STATEMENTS", "CUSTOMER_CONTACT", "CUSTOMER_PERSONAL"],
   "data_inventory": {}, "connector": {"type": "sandbox"},
   "availableAccountTypes": {"depositAccounts": "true", "investmentAccounts": "true",
                             "loanAccounts": "true", "locAccounts": "true"}},
  {"provider_id": 9100, "name": "Other Sandbox", "country": "CA",
   "scopes": ["ACCOUNT_BASIC", "TRANSACTIONS"],
   "data_inventory": {}, "connector": {"type": "sandbox"},
   "availableAccountTypes": {"depositAccounts": "true", "investmentAccounts": "false",
                             "loanAccounts": "false", "locAccounts": "false"}},
  {"provider_id": 1000, "name": "No Connector Bank", "country": "CA",
   "scopes": ["ACCOUNT_BASIC", "TRANSACTIONS"],
   "data_inventory": {},
   "availableAccountTypes": {"depositAccounts": "true", "investmentAccounts": "false",
                             "loanAccounts": "false", "locAccounts": "false"}}
])";

std::string FormDecode(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '+') {
      out.push_back(' ');
    } else if (text[i] == '%' && i + 2 < text.size()) {
      out.push_back(static_cast<char>(std::stoi(std::string(text.substr(i + 1, 2)), nullptr, 16)));
      i += 2;
    } else {
      out.push_back(text[i]);
    }
  }
  return out;
}

}  // namespace

std::string InputValue(const std::string& html, std::string_view name) {
  const std::regex pattern("name=\"" + std::string(name) + "\" value=\"([^\"]*)\"");
  std::smatch match;
  return std::regex_search(html, match, pattern) ? match[1].str() : std::string();
}

std::vector<std::string> CheckboxValues(const std::string& html, std::string_view name) {
  const std::regex pattern("type=\"checkbox\" name=\"" + std::string(name) +
                           "\" value=\"([^\"]*)\"");
  std::vector<std::string> out;
  for (auto it = std::sregex_iterator(html.begin(), html.end(), pattern);
       it != std::sregex_iterator(); ++it) {
    out.push_back((*it)[1].str());
  }
  return out;
}

std::map<std::string, std::string> QueryOf(std::string_view location) {
  std::map<std::string, std::string> out;
  const auto q = location.find('?');
  if (q == std::string_view::npos) return out;
  std::string_view rest = location.substr(q + 1);
  while (!rest.empty()) {
    const auto amp = rest.find('&');
    const std::string_view pair = rest.substr(0, amp);
    const auto eq = pair.find('=');
    out[FormDecode(pair.substr(0, eq))] =
        eq == std::string_view::npos ? "" : FormDecode(pair.substr(eq + 1));
    rest = amp == std::string_view::npos ? std::string_view{} : rest.substr(amp + 1);
  }
  return out;
}

void ConsentTest::SetUpWorld(std::string recipient_name, std::string scope,
                             std::vector<std::string> server_args) {
  const auto catalogue = temp_dir() / "catalogue.json";
  std::ofstream(catalogue) << kCatalogue;
  const CommandResult imported =
      ObauthOnDb({"providers", "import", "--create", catalogue.string()});
  ASSERT_EQ(imported.exit_code, 0) << imported.err;
  StartServer(std::move(server_args));
  partner_ = CreatePartner();
  admin_token_ = AdminToken(partner_);
  boost::json::object body{
      {"name", recipient_name}, {"redirect_uris", boost::json::array{kCallback}}, {"scope", scope}};
  recipient_ = CreateRecipient(admin_token_, boost::json::serialize(body));
  const HttpResponse requested = Send(
      {"POST",
       "/api/v1/recipients/providers/requests/" + recipient_.id() + "/" + std::to_string(kSandbox),
       {{"Authorization", "Bearer " + admin_token_}},
       ""});
  ASSERT_EQ(requested.status, 200) << requested.Describe();
  for (const char* action : {"approve", "activate"}) {
    const CommandResult moved =
        ObauthOnDb({"registrations", action, recipient_.id(), std::to_string(kSandbox)});
    ASSERT_EQ(moved.exit_code, 0) << moved.err;
  }
}

std::string ConsentTest::AuthorizeTarget(const std::map<std::string, std::string>& params) const {
  std::map<std::string, std::string> all = {{"client_id", recipient_.id()},
                                            {"redirect_uri", std::string(kCallback)},
                                            {"state", "st-123"},
                                            {"response_type", "code"},
                                            {"scope", "ACCOUNT_BASIC TRANSACTIONS"},
                                            {"provider_id", std::to_string(kSandbox)},
                                            {"code_challenge", std::string(kChallenge)},
                                            {"code_challenge_method", "S256"}};
  for (const auto& [name, value] : params) all[name] = value;
  std::string target(kAuthorizePath);
  char separator = '?';
  for (const auto& [name, value] : all) {
    if (value.empty()) continue;
    target += separator + FormEncode(name) + "=" + FormEncode(value);
    separator = '&';
  }
  return target;
}

namespace {

void KeepCookie(Browser& browser, const HttpResponse& response) {
  if (const auto set = response.Header("Set-Cookie")) {
    browser.cookie = set->substr(0, set->find(';'));
  }
}

Headers CookieHeader(const Browser& browser) {
  Headers headers;
  if (browser.cookie) headers.emplace_back("Cookie", *browser.cookie);
  return headers;
}

}  // namespace

HttpResponse ConsentTest::BrowserGet(Browser& browser, std::string_view target) {
  HttpResponse r = Send({"GET", std::string(target), CookieHeader(browser), {}});
  KeepCookie(browser, r);
  return r;
}

HttpResponse ConsentTest::BrowserPost(Browser& browser, std::string_view target, const Form& form) {
  Headers headers = CookieHeader(browser);
  headers.emplace_back("Content-Type", "application/x-www-form-urlencoded");
  HttpResponse r = Send({"POST", std::string(target), std::move(headers), FormBody(form)});
  KeepCookie(browser, r);
  return r;
}

HttpResponse ConsentTest::ToConsentPage(Browser& browser,
                                        const std::map<std::string, std::string>& params,
                                        std::string_view username) {
  const HttpResponse sign_in = BrowserGet(browser, AuthorizeTarget(params));
  EXPECT_EQ(sign_in.status, 200) << sign_in.Describe();
  const HttpResponse consent =
      BrowserPost(browser, "/api/v1/authorize/login",
                  {{"transaction", InputValue(sign_in.body, "transaction")},
                   {"csrf", InputValue(sign_in.body, "csrf")},
                   {"username", std::string(username)},
                   {"password", "sandbox"}});
  EXPECT_EQ(consent.status, 200) << consent.Describe();
  return consent;
}

HttpResponse ConsentTest::Decide(Browser& browser, const HttpResponse& consent_page,
                                 std::string_view decision,
                                 std::optional<std::vector<std::string>> accounts) {
  Form form = {{"transaction", InputValue(consent_page.body, "transaction")},
               {"csrf", InputValue(consent_page.body, "csrf")}};
  for (const auto& account : accounts.value_or(CheckboxValues(consent_page.body, "account"))) {
    form.emplace_back("account", account);
  }
  form.emplace_back("decision", std::string(decision));
  return BrowserPost(browser, "/api/v1/authorize/consent", form);
}

std::string ConsentTest::ApprovedCode(const std::map<std::string, std::string>& params,
                                      std::string_view username) {
  Browser browser;
  const HttpResponse consent = ToConsentPage(browser, params, username);
  const HttpResponse approved = Decide(browser, consent, "approve");
  EXPECT_EQ(approved.status, 302) << approved.Describe();
  const auto query = QueryOf(approved.Header("Location").value_or(""));
  const auto code = query.find("code");
  EXPECT_NE(code, query.end()) << approved.Header("Location").value_or("no Location");
  if (code == query.end()) return {};
  RememberSecret(code->second);
  return code->second;
}

namespace {

Form CodeForm(std::string_view code, const std::optional<std::string>& verifier,
              std::string redirect_uri, const Credentials& c) {
  Form form = {{"grant_type", "authorization_code"},
               {"code", std::string(code)},
               {"redirect_uri", std::move(redirect_uri)},
               {"client_id", c.client_id},
               {"client_secret", c.client_secret}};
  if (verifier) form.emplace_back("code_verifier", *verifier);
  return form;
}

}  // namespace

HttpResponse ConsentTest::ExchangeCode(std::string_view code, std::optional<std::string> verifier,
                                       std::string redirect_uri, const Credentials* client) {
  return PostTokenForm(CodeForm(code, verifier, std::move(redirect_uri),
                                client != nullptr ? *client : recipient_.credentials));
}

HttpResponse ConsentTest::ExchangeCodeAt(const std::string& host, unsigned short port,
                                         std::string_view code) {
  return obauth::testing::SendHttp(
      host, port,
      {"POST",
       std::string(kTokenPath),
       {{"Content-Type", "application/x-www-form-urlencoded"}},
       obauth::testing::FormBody(CodeForm(code, std::string(kVerifier), std::string(kCallback),
                                          recipient_.credentials))});
}

HttpResponse ConsentTest::Refresh(std::string_view refresh_token, std::optional<std::string> scope,
                                  const Credentials* client) {
  const Credentials& c = client != nullptr ? *client : recipient_.credentials;
  Form form = {{"grant_type", "refresh_token"},
               {"refresh_token", std::string(refresh_token)},
               {"client_id", c.client_id},
               {"client_secret", c.client_secret}};
  if (scope) form.emplace_back("scope", *scope);
  return PostTokenForm(form);
}

boost::json::object ConsentTest::Connect(const std::map<std::string, std::string>& params,
                                         std::string_view username) {
  const std::string code = ApprovedCode(params, username);
  const HttpResponse r = ExchangeCode(code);
  EXPECT_EQ(r.status, 200) << r.Describe();
  if (r.status != 200) return {};
  auto body = ParseJsonObject(r.body);
  RememberSecret(body.at("refresh_token").as_string());
  return body;
}

}  // namespace obauth::e2e
