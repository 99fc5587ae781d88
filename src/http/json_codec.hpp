// JSON bodies of the admin API and the token endpoint: decoding requests into plain structs and
// encoding results. Pure functions; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "admin/recipient_input.hpp"
#include "admin/recipient_service.hpp"
#include "admin/registration_service.hpp"
#include "core/error.hpp"
#include "crypto/signing_key.hpp"
#include "oauth/token_service.hpp"
#include "store/audit_store.hpp"
#include "store/connection_store.hpp"
#include "store/provider_store.hpp"
#include "store/recipient_store.hpp"

namespace obauth::http {

// Limits of every JSON request body.
inline constexpr std::size_t kMaxJsonDepth = 16;
inline constexpr std::size_t kMaxJsonMembers = 100;  // in one object

// Which body is decoded: create (POST) or update (PUT of `path_client_id`).
struct RecipientBodyContext {
  bool creating = true;
  std::string_view path_client_id;
};

// The recipient fields of a JSON object body; kValidation naming the field for malformed JSON,
// a non-object, an unknown field or a value of the wrong type.
[[nodiscard]] Result<admin::RecipientInput> DecodeRecipientInput(std::string_view body,
                                                                 RecipientBodyContext context);

// The members of a JSON object body named in `names` (values must be strings), as name/value
// pairs in body order; others are ignored. kInvalidRequest for malformed JSON, a non-object, a
// repeated member or a non-string value of a named member.
[[nodiscard]] Result<std::vector<std::pair<std::string, std::string>>> DecodeJsonParams(
    std::string_view body, const std::vector<std::string_view>& names);

// The options of a rotation from its optional JSON body (empty body: `defaults`); kValidation
// for malformed JSON, unknown members or wrong types.
[[nodiscard]] Result<admin::RotateOptions> DecodeRotateOptions(std::string_view body,
                                                               admin::RotateOptions defaults);

std::string EncodeRecipientDetails(const store::Recipient& recipient);
std::string EncodeCreatedRecipient(const admin::CreatedRecipient& created);
// Appends one member of the list's array (GET /api/v1/recipients): paging.hpp's EncodePage
// joins them into a page, or one piece of a list sent in pieces.
void AppendRecipientItem(std::string& out, const store::Recipient& recipient);
// A connection as the partner's list shows it (no token, no hash).
void AppendConnectionItem(std::string& out, const store::Connection& connection);
std::string EncodeIssuedSecret(const admin::IssuedSecret& issued);
std::string EncodeToken(const oauth::IssuedToken& token);
std::string EncodeIntrospection(const oauth::Introspection& introspection);
// {"events":[...],"next":"<cursor>"|null}; `next` is the id to pass as `after`.
std::string EncodeAuditPage(const std::vector<store::AuditEvent>& events,
                            std::optional<std::int64_t> next);
// §7.1 / §5.3: [{"provider_id","name","country"}, ...].
std::string EncodeProviderList(const std::vector<store::Provider>& providers);
// §7.2: provider_id, name, country, provider_url, scopes (array), data_inventory (object).
std::string EncodeProviderDetails(const store::Provider& provider);
// §5.4: provider_id, name, country, scopes, status (V2Status), connectorName,
// availableAccountTypes.
std::string EncodeProvidersV2(const std::vector<store::ProviderForRecipient>& providers);
// §8.3: [{"client_id","client_name","provider_id","provider_name","country",
// "registration_status","requested_on"}, ...].
std::string EncodeRegistrations(const std::vector<store::Registration>& registrations);
// Appends one of its members (for paging.hpp's EncodePage).
void AppendRegistrationItem(std::string& out, const store::Registration& registration);
std::string EncodeRegistration(const store::Registration& registration);
// RFC 8414 authorization server metadata for `issuer` (its endpoints are under it).
std::string EncodeServerMetadata(std::string_view issuer);
// RFC 7517 JWK Set of the public keys: each the key's JWK plus "kid", "use":"sig" and "alg".
std::string EncodeJwks(const std::vector<crypto::SigningKey>& keys);
std::string EncodeMessage(std::string_view message);
std::string EncodeOAuthError(std::string_view error, std::string_view description);
// Reference §9.2: {"code": fdx_code, "message": message, "debugMessage": debug}.
std::string EncodeFdxError(int fdx_code, std::string_view message, std::string_view debug);

}  // namespace obauth::http
