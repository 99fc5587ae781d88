#include "admin/recipient_service.hpp"

#include "admin/text_rules.hpp"

namespace obauth::admin {
namespace {

Error NotFound() { return MakeError(ErrorCode::kNotFound, "Data Recipient not found"); }

// The names of the fields an update touches, as a JSON object for the audit trail.
std::string UpdatedFields(const RecipientInput& in) {
  std::string out = R"({"fields":[)";
  bool first = true;
  auto add = [&](bool present, std::string_view name) {
    if (!present) return;
    if (!first) out += ",";
    out += "\"" + std::string(name) + "\"";
    first = false;
  };
  add(in.name.present, "name");
  add(in.scope.present, "scope");
  add(in.redirect_uris.present, "redirect_uris");
  add(in.logo_uri.present, "logo_uri");
  add(in.description.present, "description");
  add(in.terms_uri.present, "terms_uri");
  add(in.client_uri.present, "client_uri");
  add(in.country.present, "country");
  add(in.contact_emails.present, "contacts");
  return out + "]}";
}

std::string IdempotencyOption(bool used) {
  return std::string(R"("idempotency_key":)") + (used ? "true" : "false");
}

}  // namespace

store::AuditEvent RecipientService::Event(const Caller& caller, std::string_view action,
                                          std::string_view client_id,
                                          std::string options_json) const {
  return store::AuditEvent{0,
                           clock_.NowSeconds(),
                           caller.partner_id,
                           caller.actor,
                           std::string(action),
                           std::string(client_id),
                           caller.request_id,
                           caller.source,
                           std::move(options_json)};
}

Result<CreatedRecipient> RecipientService::Create(const Caller& caller, const RecipientInput& input,
                                                  const Sealer<CreatedRecipient>& seal) const {
  CreatedRecipient created;
  auto& recipient = created.recipient;
  if (auto r = ApplyRecipientInput(input, true, recipient); !r) return r.error();
  recipient.partner_id = caller.partner_id;
  recipient.created_at = recipient.updated_at = clock_.NowSeconds();
  OBAUTH_TRY(secret, crypto::NewClientSecret());
  created.client_secret = std::move(secret);
  OBAUTH_TRY(id, InsertWithNewId("dc-", [&](const std::string& candidate) -> Result<void> {
               recipient.client_id = candidate;
               std::optional<store::Replay> replay;
               if (seal) {
                 OBAUTH_TRY(sealed, seal(created));
                 replay = std::move(sealed);
               }
               return store_.CreateRecipient(recipient,
                                             hasher_.Hash(candidate, created.client_secret),
                                             replay ? &*replay : nullptr,
                                             Event(caller, "recipient.created", candidate,
                                                   "{" + IdempotencyOption(seal != nullptr) + "}"));
             }));
  (void)id;
  return created;
}

Result<void> CheckPageRequest(const store::PageRequest& page) {
  if (page.limit < 1 || page.limit > kMaxPageSize) {
    return MakeError(ErrorCode::kValidation, "Invalid parameter 'limit': must be from 1 to " +
                                                 std::to_string(kMaxPageSize));
  }
  return {};
}

Result<store::Page<store::Recipient>> RecipientService::List(const Caller& caller,
                                                             const store::PageRequest& page) const {
  if (auto checked = CheckPageRequest(page); !checked) return checked.error();
  return store_.ListRecipients(caller.partner_id, page);
}

Result<store::Recipient> RecipientService::Get(const Caller& caller,
                                               std::string_view client_id) const {
  if (!IsRecipientId(client_id)) return NotFound();
  return store_.GetRecipient(caller.partner_id, client_id, clock_.NowSeconds());
}

Result<store::Recipient> RecipientService::Update(const Caller& caller, std::string_view client_id,
                                                  const RecipientInput& input) const {
  OBAUTH_TRY(recipient, Get(caller, client_id));
  if (auto r = ApplyRecipientInput(input, false, recipient); !r) return r.error();
  recipient.updated_at = clock_.NowSeconds();
  if (auto r = store_.UpdateRecipient(
          recipient, Event(caller, "recipient.updated", client_id, UpdatedFields(input)));
      !r) {
    return r.error();
  }
  return std::move(recipient);
}

Result<IssuedSecret> RecipientService::RotateSecret(const Caller& caller,
                                                    std::string_view client_id,
                                                    const RotateOptions& options,
                                                    const Sealer<IssuedSecret>& seal) const {
  if (options.previous_secret_expires_in < 0 ||
      options.previous_secret_expires_in > kMaxGraceSeconds) {
    return MakeError(ErrorCode::kValidation,
                     "Invalid field 'previous_secret_expires_in': must be an integer from 0 to "
                     "604800 seconds");
  }
  if (!IsRecipientId(client_id)) return NotFound();
  const std::int64_t now = clock_.NowSeconds();
  OBAUTH_TRY(secret, crypto::NewClientSecret());
  IssuedSecret issued{std::string(client_id), std::move(secret), std::nullopt};
  if (options.previous_secret_expires_in > 0) {
    issued.previous_secret_expires_at = now + options.previous_secret_expires_in;
  }
  std::optional<store::Replay> replay;
  if (seal) {
    OBAUTH_TRY(sealed, seal(issued));
    replay = std::move(sealed);
  }
  const std::string audit_options =
      R"({"previous_secret_expires_in":)" + std::to_string(options.previous_secret_expires_in) +
      R"(,"revoke_tokens":)" + (options.revoke_tokens ? "true" : "false") + "," +
      IdempotencyOption(seal != nullptr) + "}";
  store::RotateSecretRequest request{caller.partner_id,
                                     issued.client_id,
                                     hasher_.Hash(client_id, issued.client_secret),
                                     now,
                                     options.previous_secret_expires_in,
                                     options.revoke_tokens};
  OBAUTH_TRY(previous_expires_at, store_.RotateSecret(request, replay ? &*replay : nullptr,
                                                      Event(caller, "recipient.secret_rotated",
                                                            client_id, audit_options)));
  (void)previous_expires_at;
  if (metrics_ != nullptr) metrics_->SecretRotated();
  return issued;
}

Result<void> RecipientService::RevokePreviousSecret(const Caller& caller,
                                                    std::string_view client_id) const {
  if (!IsRecipientId(client_id)) return NotFound();
  auto revoked = store_.RevokePreviousSecret(
      caller.partner_id, client_id, clock_.NowSeconds(),
      Event(caller, "recipient.previous_secret_revoked", client_id, "{}"));
  if (!revoked) return revoked.error();
  return {};
}

Result<void> RecipientService::Retire(const Caller& caller, std::string_view client_id) const {
  if (!IsRecipientId(client_id)) return NotFound();
  return store_.RetireRecipient(caller.partner_id, client_id, clock_.NowSeconds(),
                                Event(caller, "recipient.deleted", client_id, "{}"));
}

Result<std::vector<store::AuditEvent>> RecipientService::Audit(
    const Caller& caller, std::optional<std::string> client_id,
    std::optional<std::int64_t> before_id, int limit) const {
  if (limit < 1 || limit > 200) {
    return MakeError(ErrorCode::kValidation, "Invalid parameter 'limit': must be from 1 to 200");
  }
  return audit_.ListAuditEvents({caller.partner_id, std::move(client_id), before_id, limit});
}

}  // namespace obauth::admin
