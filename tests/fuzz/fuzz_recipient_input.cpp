// libFuzzer driver: the recipient JSON body (http::DecodeRecipientInput) and its validation
// (admin::ApplyRecipientInput), as POST /api/v1/recipients and PUT .../{client_id} run them.
// Invariants: an accepted recipient obeys every documented rule (docs/api.md, "Limits"), and
// sending it back as a create body is accepted and yields the same recipient (validation is
// idempotent); an update of it that is accepted obeys the rules too.
#include <boost/json.hpp>
#include <cstdint>

#include "admin/recipient_input.hpp"
#include "core/scopes.hpp"
#include "fuzz/fuzz_support.hpp"
#include "http/json_codec.hpp"

namespace {

using namespace obauth;

std::size_t CodePoints(std::string_view text) {
  std::size_t n = 0;
  for (unsigned char c : text) n += (c & 0xC0) != 0x80;
  return n;
}

void CheckRules(const store::Recipient& r) {
  fuzz::Check(!r.name.empty() && CodePoints(r.name) <= admin::kMaxNameChars, "name length");
  fuzz::Check(!r.scope.empty(), "empty scope");
  bool basic = false;
  std::size_t start = 0;
  while (start <= r.scope.size()) {
    const std::size_t end = std::min(r.scope.find(' ', start), r.scope.size());
    const std::string_view word = std::string_view(r.scope).substr(start, end - start);
    basic = basic || word == kMandatoryDataScope;
    fuzz::Check(std::find(kDataScopes.begin(), kDataScopes.end(), word) != kDataScopes.end(),
                "unknown scope accepted");
    start = end + 1;
  }
  fuzz::Check(basic, "scope without ACCOUNT_BASIC");
  fuzz::Check(!r.redirect_uris.empty() && r.redirect_uris.size() <= admin::kMaxRedirectUris,
              "redirect_uris count");
  for (const auto& uri : r.redirect_uris) {
    fuzz::Check(uri.size() <= admin::kMaxUriLength && admin::IsHttpsUrl(uri, false),
                "bad redirect uri accepted");
  }
  for (const auto* uri : {&r.logo_uri, &r.terms_uri, &r.client_uri}) {
    if (*uri) fuzz::Check((*uri)->size() <= admin::kMaxUriLength, "uri length");
  }
  if (r.description) {
    fuzz::Check(CodePoints(*r.description) <= admin::kMaxDescriptionChars, "description length");
  }
  if (r.country) fuzz::Check(*r.country == "CA" || *r.country == "US", "country");
  fuzz::Check(r.contact_emails.size() <= admin::kMaxContacts, "contacts count");
  for (const auto& email : r.contact_emails) {
    fuzz::Check(admin::IsEmailAddress(email), "bad email accepted");
  }
}

// `r` as the create body a client would send.
std::string AsCreateBody(const store::Recipient& r) {
  namespace json = boost::json;
  json::object body;
  body["name"] = r.name;
  json::array scope;
  std::size_t start = 0;
  while (start <= r.scope.size()) {
    const std::size_t end = std::min(r.scope.find(' ', start), r.scope.size());
    scope.emplace_back(r.scope.substr(start, end - start));
    start = end + 1;
  }
  body["scope"] = std::move(scope);
  body["redirect_uris"] = json::value_from(r.redirect_uris);
  if (r.logo_uri) body["logo_uri"] = *r.logo_uri;
  if (r.description) body["description"] = *r.description;
  if (r.terms_uri) body["terms_uri"] = *r.terms_uri;
  if (r.client_uri) body["client_uri"] = *r.client_uri;
  if (r.country) body["country"] = *r.country;
  json::array contacts;
  for (const auto& email : r.contact_emails) contacts.push_back(json::object{{"email", email}});
  if (!contacts.empty()) body["contacts"] = std::move(contacts);
  return json::serialize(body);
}

bool SameFields(const store::Recipient& a, const store::Recipient& b) {
  return a.name == b.name && a.scope == b.scope && a.redirect_uris == b.redirect_uris &&
         a.logo_uri == b.logo_uri && a.description == b.description && a.terms_uri == b.terms_uri &&
         a.client_uri == b.client_uri && a.country == b.country &&
         a.contact_emails == b.contact_emails;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view body = fuzz::AsText(data, size);
  constexpr std::string_view kId = "dc-0123456789abcdefghijklmno";

  auto created = http::DecodeRecipientInput(body, {true, {}});
  store::Recipient recipient;
  if (created && admin::ApplyRecipientInput(*created, true, recipient)) {
    CheckRules(recipient);
    const std::string again = AsCreateBody(recipient);
    auto redecoded = http::DecodeRecipientInput(again, {true, {}});
    fuzz::Check(redecoded.has_value(), "an accepted recipient, sent back, fails to decode");
    store::Recipient second;
    fuzz::Check(admin::ApplyRecipientInput(*redecoded, true, second).has_value(),
                "an accepted recipient, sent back, fails validation");
    fuzz::Check(SameFields(recipient, second), "an accepted recipient, sent back, changed");
  }

  // The same body as an update of a valid recipient.
  store::Recipient base;
  base.client_id = kId;
  base.name = "Base";
  base.scope = "ACCOUNT_BASIC";
  base.redirect_uris = {"https://base.example/cb"};
  auto update = http::DecodeRecipientInput(body, {false, kId});
  if (update && admin::ApplyRecipientInput(*update, false, base)) CheckRules(base);
  return 0;
}
