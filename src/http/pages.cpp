#include "http/pages.hpp"

#include <ctemplate/template.h>
#include <ctemplate/template_cache.h>

#include <algorithm>
#include <array>
#include <boost/beast/http/field.hpp>

#include "core/scopes.hpp"
#include "core/time_format.hpp"

namespace obauth::http {

// The template and the stylesheet, embedded by cmake/embed.cmake.
std::string_view PageTemplate();
std::string_view PageStylesheet();

namespace {
namespace bh = boost::beast::http;
using ctemplate::TemplateDictionary;

// Every text of the pages in one language. `{}` in a phrase is replaced by its argument.
struct Wording {
  std::string_view lang;
  std::string_view sign_in_title, sign_in_intro, apps_sign_in_intro, username, password, sign_in,
      hint;
  std::string_view consent_title, consent_intro, data_heading, accounts_heading, approve, deny;
  std::array<std::string_view, 8> scopes;  // in kDataScopes' order
  std::string_view apps_title, apps_intro, no_apps, data_label, accounts_label, since_label,
      last_used_label, revoke, never;
  std::string_view error_title, wrong_credentials, locked_out;
};

constexpr Wording kEnglish{
    "en",
    "Sign in",
    "{} wants to connect to your accounts. Sign in to continue.",
    "Sign in to see the applications connected to your accounts.",
    "Username",
    "Password",
    "Sign in",
    "Sandbox customers: alice, bob and carol. The password is sandbox.",
    "Share your data",
    "{} asks to access the following data:",
    "Data to share",
    "Accounts to share",
    "Approve",
    "Deny",
    {"Basic account information: names, types and masked numbers of your accounts",
     "Account details: balances, interest rates and limits",
     "Payment information: account and transit numbers for payments", "Your investment holdings",
     "Your transactions", "Your account statements",
     "Your contact information: email, phone and address",
     "Personal information about you: your name and date of birth"},
    "Connected apps",
    "Applications that {} allowed to access data.",
    "No application is connected.",
    "Data",
    "Accounts",
    "Connected since",
    "Last used",
    "Revoke access",
    "never",
    "Something went wrong",
    "The username or password is incorrect.",
    "Too many failed sign-ins for this username. Try again in {} seconds."};

constexpr Wording kFrench{
    "fr",
    "Connexion",
    "{} souhaite se connecter à vos comptes. Connectez-vous pour continuer.",
    "Connectez-vous pour voir les applications connectées à vos comptes.",
    "Nom d'utilisateur",
    "Mot de passe",
    "Se connecter",
    "Clients du bac à sable : alice, bob et carol. Le mot de passe est sandbox.",
    "Partager vos données",
    "{} demande l'accès aux données suivantes :",
    "Données à partager",
    "Comptes à partager",
    "Accepter",
    "Refuser",
    {"Renseignements de base : noms, types et numéros masqués de vos comptes",
     "Détails des comptes : soldes, taux d'intérêt et limites",
     "Renseignements de paiement : numéros de compte et de transit", "Vos placements",
     "Vos transactions", "Vos relevés de compte",
     "Vos coordonnées : courriel, téléphone et adresse",
     "Vos renseignements personnels : nom et date de naissance"},
    "Applications connectées",
    "Applications que {} a autorisées à accéder aux données.",
    "Aucune application n'est connectée.",
    "Données",
    "Comptes",
    "Connectée depuis",
    "Dernière utilisation",
    "Révoquer l'accès",
    "jamais",
    "Une erreur est survenue",
    "Le nom d'utilisateur ou le mot de passe est incorrect.",
    "Trop de tentatives de connexion échouées pour ce nom d'utilisateur. Réessayez dans {} "
    "secondes."};

const Wording& WordingFor(Language language) {
  return language == Language::kFrench ? kFrench : kEnglish;
}

std::string Phrase(std::string_view pattern, std::string_view argument) {
  std::string out(pattern);
  if (const auto at = out.find("{}"); at != std::string::npos) out.replace(at, 2, argument);
  return out;
}

const ctemplate::TemplateCache& Templates() {
  static const ctemplate::TemplateCache* cache = [] {
    auto* c = new ctemplate::TemplateCache();
    const std::string text(PageTemplate());
    if (!c->StringToTemplateCache("page", text, ctemplate::STRIP_BLANK_LINES)) {
      throw std::runtime_error("the page template does not parse");
    }
    c->Freeze();
    return c;
  }();
  return *cache;
}

std::string Expand(const TemplateDictionary& dictionary) {
  std::string out;
  if (!Templates().ExpandNoLoad("page", ctemplate::STRIP_BLANK_LINES, &dictionary, nullptr, &out)) {
    throw std::runtime_error("the page template did not expand");
  }
  return out;
}

void Set(TemplateDictionary& d, const char* name, std::string_view value) {
  d.SetValue(name, ctemplate::TemplateString(value.data(), value.size()));
}

// The page's frame: language, title, institution and message.
void Frame(TemplateDictionary& d, const Wording& w, std::string_view title,
           std::string_view institution, const std::optional<std::string>& message) {
  Set(d, "LANG", w.lang);
  Set(d, "TITLE", title);
  Set(d, "INSTITUTION", institution);
  if (message) Set(*d.AddSectionDictionary("MESSAGE"), "TEXT", *message);
}

void Intro(TemplateDictionary& d, std::string_view text) {
  Set(*d.AddSectionDictionary("INTRO"), "TEXT", text);
}

std::string ScopeWords(const Wording& w, std::string_view scope) {
  for (std::size_t i = 0; i < kDataScopes.size(); ++i) {
    if (kDataScopes[i] == scope) return std::string(w.scopes[i]);
  }
  return std::string(scope);
}

}  // namespace

std::string RenderSignIn(const SignInForm& form) {
  const Wording& w = WordingFor(form.language);
  TemplateDictionary d("sign-in");
  Frame(d, w, w.sign_in_title, form.institution, form.message);
  Intro(d, form.client_name.empty() ? std::string(w.apps_sign_in_intro)
                                    : Phrase(w.sign_in_intro, form.client_name));
  auto* s = d.AddSectionDictionary("SIGN_IN");
  Set(*s, "ACTION", form.action);
  Set(*s, "TRANSACTION", form.transaction);
  Set(*s, "CSRF", form.csrf);
  Set(*s, "USERNAME_LABEL", w.username);
  Set(*s, "PASSWORD_LABEL", w.password);
  Set(*s, "USERNAME", form.username);
  Set(*s, "SUBMIT", w.sign_in);
  Set(*s, "HINT", w.hint);
  return Expand(d);
}

std::string RenderConsent(const ConsentForm& form) {
  const Wording& w = WordingFor(form.language);
  const consent::ConsentView& view = *form.view;
  TemplateDictionary d("consent");
  Frame(d, w, w.consent_title, view.parties.provider_name, form.message);
  Intro(d, Phrase(w.consent_intro, view.parties.client_name));
  auto* s = d.AddSectionDictionary("CONSENT");
  Set(*s, "DATA_HEADING", w.data_heading);
  for (const auto& scope : SplitScopes(form.scope)) {
    Set(*s->AddSectionDictionary("SCOPE"), "TEXT", ScopeWords(w, scope));
  }
  Set(*s, "TRANSACTION", form.transaction);
  Set(*s, "CSRF", form.csrf);
  Set(*s, "ACCOUNTS_HEADING", w.accounts_heading);
  for (const auto& account : view.accounts) {
    auto* a = s->AddSectionDictionary("ACCOUNT");
    Set(*a, "ID", account.account_id);
    Set(*a, "NAME", account.display_name);
    Set(*a, "NUMBER", account.masked_number);
    const auto& checked = form.checked;
    if (checked.empty() ||
        std::find(checked.begin(), checked.end(), account.account_id) != checked.end()) {
      a->ShowSection("CHECKED");
    }
  }
  Set(*s, "APPROVE", w.approve);
  Set(*s, "DENY", w.deny);
  return Expand(d);
}

std::string RenderApps(const AppsPage& page) {
  const Wording& w = WordingFor(page.language);
  TemplateDictionary d("apps");
  Frame(d, w, w.apps_title, page.institution, page.message);
  Intro(d, Phrase(w.apps_intro, page.customer_name));
  auto* s = d.AddSectionDictionary("APPS");
  if (page.apps->empty()) Set(*s->AddSectionDictionary("NONE"), "TEXT", w.no_apps);
  for (const auto& app : *page.apps) {
    const auto& c = app.connection;
    auto* row = s->AddSectionDictionary("CONNECTION");
    Set(*row, "CLIENT_NAME", c.client_name);
    std::string scopes;
    for (const auto& scope : SplitScopes(c.consent.scope)) {
      if (!scopes.empty()) scopes += "; ";
      scopes += ScopeWords(w, scope);
    }
    std::string accounts;
    for (const auto& account : app.accounts) {
      if (!accounts.empty()) accounts += "; ";
      accounts += account.display_name + " " + account.masked_number;
    }
    Set(*row, "DATA_LABEL", w.data_label);
    Set(*row, "SCOPES", scopes);
    Set(*row, "ACCOUNTS_LABEL", w.accounts_label);
    Set(*row, "ACCOUNTS", accounts);
    Set(*row, "SINCE_LABEL", w.since_label);
    Set(*row, "SINCE", FormatRfc3339(c.created_at));
    Set(*row, "LAST_USED_LABEL", w.last_used_label);
    Set(*row, "LAST_USED", FormatRfc3339(c.last_used_at));
    Set(*row, "ACTION", page.action);
    Set(*row, "TRANSACTION", page.transaction);
    Set(*row, "CSRF", page.csrf);
    Set(*row, "ID", c.connection_id);
    Set(*row, "REVOKE", w.revoke);
  }
  return Expand(d);
}

std::string RenderErrorPage(Language language, std::string_view message) {
  const Wording& w = WordingFor(language);
  TemplateDictionary d("error");
  Frame(d, w, w.error_title, "obauth", std::string(message));
  return Expand(d);
}

std::string SignInFailure(Language language, const Error& e) {
  const Wording& w = WordingFor(language);
  if (e.code == ErrorCode::kTooManyAttempts) {
    return Phrase(w.locked_out, std::to_string(e.retry_after_seconds));
  }
  return std::string(w.wrong_credentials);
}

void SetPageHeaders(Response& response) {
  response.set("Content-Security-Policy",
               "default-src 'none'; style-src 'self'; img-src 'self'; base-uri 'none'; "
               "frame-ancestors 'none'");
  response.set("X-Frame-Options", "DENY");
  response.set(bh::field::cache_control, "no-store");
  response.set("Referrer-Policy", "no-referrer");
}

Response HtmlResponse(bh::status status, std::string body) {
  Response res{status, 11};
  res.set(bh::field::content_type, "text/html; charset=utf-8");
  SetPageHeaders(res);
  res.body() = std::move(body);
  return res;
}

}  // namespace obauth::http
