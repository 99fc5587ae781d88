// Boost.URL is used here, outside http/, because URL syntax is a validation rule of the
// recipient model (RFC 3986, RFC 6749 §3.1.2), not a concern of the HTTP edge.
#include "admin/recipient_input.hpp"

#include <algorithm>
#include <boost/url/parse.hpp>
#include <tuple>

#include "admin/text_rules.hpp"
#include "core/scopes.hpp"

namespace obauth::admin {
namespace {

Result<std::optional<std::string>> OptionalUrl(std::string_view field,
                                               const Field<std::string>& input) {
  if (!input.value) return std::optional<std::string>();
  if (input.value->size() > kMaxUriLength || !IsHttpsUrl(*input.value, true)) {
    return InvalidField(field, "must be an absolute https URL of at most 2048 characters");
  }
  return std::optional<std::string>(*input.value);
}

Result<std::string> Scopes(const std::vector<std::string>& values) {
  if (values.empty()) return InvalidField("scope", "must not be empty");
  for (const auto& value : values) {
    if (std::find(kDataScopes.begin(), kDataScopes.end(), value) == kDataScopes.end()) {
      return InvalidField("scope", "unknown value '" + value + "'");
    }
  }
  if (std::find(values.begin(), values.end(), kMandatoryDataScope) == values.end()) {
    return InvalidField("scope", "must contain ACCOUNT_BASIC");
  }
  // Canonical form: documented order, each value once.
  std::vector<std::string> canonical;
  for (auto scope : kDataScopes) {
    if (std::find(values.begin(), values.end(), scope) != values.end()) {
      canonical.emplace_back(scope);
    }
  }
  return JoinScopes(canonical);
}

Result<std::vector<std::string>> RedirectUris(const std::vector<std::string>& uris) {
  if (uris.empty()) return InvalidField("redirect_uris", "must contain at least one URL");
  if (uris.size() > kMaxRedirectUris) {
    return InvalidField("redirect_uris", "must contain at most 20 URLs");
  }
  for (std::size_t i = 0; i < uris.size(); ++i) {
    const std::string field = "redirect_uris[" + std::to_string(i) + "]";
    if (uris[i].size() > kMaxUriLength || !IsRedirectUri(uris[i])) {
      return InvalidField(field,
                          "must be an absolute https URL (or http on a loopback address: "
                          "127.0.0.1, [::1], localhost) without a fragment, at most 2048 "
                          "characters");
    }
    if (std::find(uris.begin(), uris.begin() + static_cast<std::ptrdiff_t>(i), uris[i]) !=
        uris.begin() + static_cast<std::ptrdiff_t>(i)) {
      return InvalidField(field, "is listed twice");
    }
  }
  return uris;
}

Result<std::vector<std::string>> Contacts(const std::vector<std::string>& emails) {
  if (emails.size() > kMaxContacts)
    return InvalidField("contacts", "must contain at most 20 entries");
  for (std::size_t i = 0; i < emails.size(); ++i) {
    if (!IsEmailAddress(emails[i])) {
      return InvalidField("contacts[" + std::to_string(i) + "].email",
                          "must be a valid email address");
    }
  }
  return emails;
}

template <class T>
Result<void> Required(std::string_view field, const Field<T>& input, bool creating) {
  if ((creating && !input.present) || (input.present && !input.value)) {
    return InvalidField(field, "is required");
  }
  return {};
}

bool ValidPort(std::string_view port) {
  if (port.empty() || port.size() > 5) return false;
  unsigned value = 0;
  for (char c : port) value = value * 10 + static_cast<unsigned>(c - '0');
  return value >= 1 && value <= 65535;
}

}  // namespace

bool IsRecipientId(std::string_view id) {
  if (id.size() != 28 || id.substr(0, 3) != "dc-") return false;
  return std::all_of(id.begin() + 3, id.end(),
                     [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); });
}

bool IsHttpsUrl(std::string_view text, bool allow_fragment) {
  auto parsed =
      allow_fragment ? boost::urls::parse_uri(text) : boost::urls::parse_absolute_uri(text);
  return parsed && parsed->scheme_id() == boost::urls::scheme::https && parsed->has_authority() &&
         !parsed->encoded_host().empty() && !parsed->has_userinfo() &&
         (!parsed->has_port() || ValidPort(parsed->port()));
}

bool IsRedirectUri(std::string_view text) {
  if (IsHttpsUrl(text, false)) return true;
  // RFC 8252 §7.3: a native app or a developer's machine listens on a loopback address.
  auto parsed = boost::urls::parse_absolute_uri(text);
  if (!parsed || parsed->scheme_id() != boost::urls::scheme::http || parsed->has_userinfo() ||
      (parsed->has_port() && !ValidPort(parsed->port()))) {
    return false;
  }
  const std::string_view host = parsed->encoded_host();
  return host == "127.0.0.1" || host == "[::1]" || host == "localhost";
}

bool IsEmailAddress(std::string_view text) {
  // A practical subset of RFC 5321/5322: dot-atom local part, a dotted DNS name as domain.
  if (text.size() > 254) return false;
  const auto at = text.rfind('@');
  if (at == std::string_view::npos || at == 0 || at > 64) return false;
  const std::string_view local = text.substr(0, at);
  const std::string_view domain = text.substr(at + 1);
  static constexpr std::string_view kAtext = "!#$%&'*+/=?^_`{|}~-";
  bool dot_ok = false;
  for (char c : local) {
    const bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    if (c == '.') {
      if (!dot_ok) return false;
      dot_ok = false;
    } else if (alnum || kAtext.find(c) != std::string_view::npos) {
      dot_ok = true;
    } else {
      return false;
    }
  }
  if (!dot_ok) return false;
  if (domain.empty() || domain.size() > 253) return false;
  std::size_t labels = 0;
  std::size_t start = 0;
  while (start <= domain.size()) {
    const std::size_t end = std::min(domain.find('.', start), domain.size());
    const std::string_view label = domain.substr(start, end - start);
    if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-') {
      return false;
    }
    for (char c : label) {
      const bool ok =
          (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
      if (!ok) return false;
    }
    ++labels;
    start = end + 1;
  }
  return labels >= 2;
}

Result<void> ApplyRecipientInput(const RecipientInput& in, bool creating,
                                 store::Recipient& target) {
  if (auto r = Required("name", in.name, creating); !r) return r;
  if (auto r = Required("scope", in.scope, creating); !r) return r;
  if (auto r = Required("redirect_uris", in.redirect_uris, creating); !r) return r;

  if (in.name.present) {
    OBAUTH_TRY(name, CheckText("name", *in.name.value, kMaxNameChars, false));
    target.name = name;
  }
  if (in.scope.present) {
    OBAUTH_TRY(scope, Scopes(*in.scope.value));
    target.scope = scope;
  }
  if (in.redirect_uris.present) {
    OBAUTH_TRY(uris, RedirectUris(*in.redirect_uris.value));
    target.redirect_uris = uris;
  }
  for (auto [field, input, slot] : {std::tuple{"logo_uri", &in.logo_uri, &target.logo_uri},
                                    std::tuple{"terms_uri", &in.terms_uri, &target.terms_uri},
                                    std::tuple{"client_uri", &in.client_uri, &target.client_uri}}) {
    if (!input->present) continue;
    OBAUTH_TRY(url, OptionalUrl(field, *input));
    *slot = url;
  }
  if (in.description.present) {
    target.description.reset();
    if (in.description.value) {
      OBAUTH_TRY(text, CheckText("description", *in.description.value, kMaxDescriptionChars, true));
      target.description = text;
    }
  }
  if (in.country.present) {
    if (in.country.value && *in.country.value != "CA" && *in.country.value != "US") {
      return InvalidField("country", "must be CA or US");
    }
    target.country = in.country.value;
  }
  if (in.contact_emails.present) {
    target.contact_emails.clear();
    if (in.contact_emails.value) {
      OBAUTH_TRY(emails, Contacts(*in.contact_emails.value));
      target.contact_emails = emails;
    }
  }
  return {};
}

}  // namespace obauth::admin
