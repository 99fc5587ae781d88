#include "admin/recipient_service.hpp"

#include "crypto/random.hpp"

namespace obauth::admin {
namespace {

constexpr int kIdAttempts = 3;

Error NotFound() { return MakeError(ErrorCode::kNotFound, "Data Recipient not found"); }

// Runs `insert(id)` with fresh random ids until one is not taken (a collision of 129-bit ids
// is practically impossible, but a retry costs nothing).
template <class Insert>
Result<std::string> InsertWithNewId(std::string_view prefix, Insert&& insert) {
  for (int attempt = 0;; ++attempt) {
    OBAUTH_TRY(suffix, crypto::RandomString(25, crypto::kLowerAlnum));
    std::string id = std::string(prefix) + suffix;
    auto inserted = insert(id);
    if (inserted) return id;
    if (inserted.error().code != ErrorCode::kConflict || attempt + 1 == kIdAttempts) {
      return inserted.error();
    }
  }
}

}  // namespace

Result<CreatedRecipient> RecipientService::Create(const Caller& caller,
                                                  const RecipientInput& input) const {
  store::Recipient recipient;
  if (auto r = ApplyRecipientInput(input, true, recipient); !r) return r.error();
  recipient.partner_id = caller.partner_id;
  recipient.created_at = recipient.updated_at = clock_.NowSeconds();
  OBAUTH_TRY(secret, crypto::NewClientSecret());
  OBAUTH_TRY(id, InsertWithNewId("dc-", [&](const std::string& candidate) {
               recipient.client_id = candidate;
               return store_.CreateRecipient(recipient, hasher_.Hash(candidate, secret));
             }));
  (void)id;
  return CreatedRecipient{std::move(recipient), std::move(secret)};
}

Result<std::vector<store::Recipient>> RecipientService::List(const Caller& caller) const {
  return store_.ListRecipients(caller.partner_id);
}

Result<store::Recipient> RecipientService::Get(const Caller& caller,
                                               std::string_view client_id) const {
  if (!IsRecipientId(client_id)) return NotFound();
  return store_.GetRecipient(caller.partner_id, client_id);
}

Result<store::Recipient> RecipientService::Update(const Caller& caller, std::string_view client_id,
                                                  const RecipientInput& input) const {
  OBAUTH_TRY(recipient, Get(caller, client_id));
  if (auto r = ApplyRecipientInput(input, false, recipient); !r) return r.error();
  recipient.updated_at = clock_.NowSeconds();
  if (auto r = store_.UpdateRecipient(recipient); !r) return r.error();
  return std::move(recipient);
}

Result<IssuedSecret> RecipientService::RotateSecret(const Caller& caller,
                                                    std::string_view client_id) const {
  if (!IsRecipientId(client_id)) return NotFound();
  OBAUTH_TRY(secret, crypto::NewClientSecret());
  if (auto r = store_.ReplaceSecret(caller.partner_id, client_id, hasher_.Hash(client_id, secret),
                                    clock_.NowSeconds());
      !r) {
    return r.error();
  }
  return IssuedSecret{std::string(client_id), std::move(secret)};
}

Result<IssuedSecret> CreatePartner(store::Store& store, const crypto::SecretHasher& hasher,
                                   const Clock& clock, std::string_view name) {
  RecipientInput input;
  input.name = {true, std::string(name)};
  store::Recipient scratch;
  if (auto r = ApplyRecipientInput(input, false, scratch); !r) return r.error();
  OBAUTH_TRY(secret, crypto::NewClientSecret());
  OBAUTH_TRY(id, InsertWithNewId("pt-", [&](const std::string& candidate) {
               return store.CreatePartner({candidate, scratch.name, clock.NowSeconds()},
                                          hasher.Hash(candidate, secret));
             }));
  return IssuedSecret{id, std::move(secret)};
}

}  // namespace obauth::admin
