#include "admin/partner_service.hpp"

#include "admin/text_rules.hpp"

namespace obauth::admin {

Result<std::string> CheckPartnerName(std::string_view name) {
  return CheckText("name", std::string(name), kMaxPartnerNameChars, false);
}

Result<CreatedPartner> CreatePartner(store::ClientStore& store, const crypto::SecretHasher& hasher,
                                     const Clock& clock, std::string_view name,
                                     const Caller& caller) {
  OBAUTH_TRY(checked_name, CheckPartnerName(name));
  OBAUTH_TRY(secret, crypto::NewClientSecret());
  const std::int64_t now = clock.NowSeconds();
  OBAUTH_TRY(id, InsertWithNewId("pt-", [&](const std::string& candidate) {
               // The new partner's own trail starts with its creation.
               store::AuditEvent event{0,
                                       now,
                                       candidate,
                                       caller.actor,
                                       "partner.created",
                                       candidate,
                                       caller.request_id,
                                       caller.source,
                                       "{}"};
               return store.CreatePartner({candidate, checked_name, now},
                                          hasher.Hash(candidate, secret), event);
             }));
  return CreatedPartner{std::move(id), std::move(secret)};
}

}  // namespace obauth::admin
