// RecipientInput and its validation: the rules of reference §6.1 for creating and updating a
// Data Recipient. Pure functions; thread-safe.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "store/recipient_store.hpp"

namespace obauth::admin {

// A JSON member as sent: absent, null, or a value.
template <class T>
struct Field {
  bool present = false;
  std::optional<T> value;  // nullopt while present means an explicit null
};

// The documented recipient fields, already type-checked by the HTTP edge (a `scope` or
// `redirect_uris` string is split into a list there).
struct RecipientInput {
  Field<std::string> name;
  Field<std::vector<std::string>> scope;
  Field<std::vector<std::string>> redirect_uris;
  Field<std::string> logo_uri;
  Field<std::string> description;
  Field<std::string> terms_uri;
  Field<std::string> client_uri;
  Field<std::string> country;
  Field<std::vector<std::string>> contact_emails;
};

// Documented limits (docs/api.md).
inline constexpr std::size_t kMaxNameChars = 256;
inline constexpr std::size_t kMaxDescriptionChars = 512;
inline constexpr std::size_t kMaxUriLength = 2048;
inline constexpr std::size_t kMaxRedirectUris = 20;
inline constexpr std::size_t kMaxContacts = 20;

// Applies the fields present in `input` to `target`. On create every required field must be
// present; on update absent fields keep their value and a null clears an optional one.
// kValidation naming the field and the rule for the first broken rule; `target` is then
// unspecified and must be discarded.
[[nodiscard]] Result<void> ApplyRecipientInput(const RecipientInput& input, bool creating,
                                               store::Recipient& target);

// True for "dc-" followed by 25 characters of [a-z0-9]: the only shape of recipient ids.
bool IsRecipientId(std::string_view id);

// Predicates behind the rules, exposed for tests.
bool IsHttpsUrl(std::string_view text, bool allow_fragment);
// A redirect URI a recipient may register: an absolute https URL without a fragment, or an http
// one on a loopback host (127.0.0.1, [::1], localhost: RFC 8252 §7.3).
bool IsRedirectUri(std::string_view text);
bool IsEmailAddress(std::string_view text);

}  // namespace obauth::admin
