// ForwardingStore: a Store that passes every call to a real one, except that FindClient's answer
// can be edited first. Lets a test give a client states the real backend never produces (three
// valid secrets, retired but with secrets, disabled); a subclass may override any other call.
// Not thread-safe to reconfigure.
#pragma once

#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "store/store.hpp"

namespace obauth::test_support {

class ForwardingStore : public store::Store {
 public:
  explicit ForwardingStore(store::Store& inner) : inner_(inner) {}

  // Called on every client FindClient finds, before it is returned.
  std::function<void(store::ClientCredentials&)> edit_client;

  Result<void> CreatePartner(const store::Partner& partner, const std::string& secret_hash,
                             const store::AuditEvent& audit) override {
    return inner_.CreatePartner(partner, secret_hash, audit);
  }
  Result<store::ClientCredentials> FindClient(std::string_view client_id) override {
    auto found = inner_.FindClient(client_id);
    if (found && edit_client) edit_client(*found);
    return found;
  }
  Result<void> CreateRecipient(const store::Recipient& recipient, const std::string& secret_hash,
                               const store::Replay* replay,
                               const store::AuditEvent& audit) override {
    return inner_.CreateRecipient(recipient, secret_hash, replay, audit);
  }
  Result<std::vector<store::Recipient>> ListRecipients(std::string_view partner_id) override {
    return inner_.ListRecipients(partner_id);
  }
  Result<store::Recipient> GetRecipient(std::string_view partner_id, std::string_view client_id,
                                        std::int64_t now) override {
    return inner_.GetRecipient(partner_id, client_id, now);
  }
  Result<void> UpdateRecipient(const store::Recipient& recipient,
                               const store::AuditEvent& audit) override {
    return inner_.UpdateRecipient(recipient, audit);
  }
  Result<std::optional<std::int64_t>> RotateSecret(const store::RotateSecretRequest& request,
                                                   const store::Replay* replay,
                                                   const store::AuditEvent& audit) override {
    return inner_.RotateSecret(request, replay, audit);
  }
  Result<bool> RevokePreviousSecret(std::string_view partner_id, std::string_view client_id,
                                    std::int64_t now, const store::AuditEvent& audit) override {
    return inner_.RevokePreviousSecret(partner_id, client_id, now, audit);
  }
  Result<void> RetireRecipient(std::string_view partner_id, std::string_view client_id,
                               std::int64_t now, const store::AuditEvent& audit) override {
    return inner_.RetireRecipient(partner_id, client_id, now, audit);
  }
  Result<void> RecordSecretUse(const std::vector<store::SecretUse>& uses) override {
    return inner_.RecordSecretUse(uses);
  }
  Result<std::vector<store::AuditEvent>> ListAuditEvents(const store::AuditQuery& query) override {
    return inner_.ListAuditEvents(query);
  }
  Result<std::optional<store::Replay>> FindReplay(std::string_view partner_id, std::string_view key,
                                                  std::int64_t not_before) override {
    return inner_.FindReplay(partner_id, key, not_before);
  }
  Result<std::int64_t> PurgeReplays(std::int64_t cutoff) override {
    return inner_.PurgeReplays(cutoff);
  }
  Result<void> RevokeToken(std::string_view client_id, std::string_view token_id,
                           std::int64_t expires_at) override {
    return inner_.RevokeToken(client_id, token_id, expires_at);
  }
  Result<std::int64_t> PurgeRevokedTokens(std::int64_t cutoff) override {
    return inner_.PurgeRevokedTokens(cutoff);
  }
  Result<store::ProviderImport> UpsertProviders(
      const std::vector<store::Provider>& providers) override {
    return inner_.UpsertProviders(providers);
  }
  Result<std::vector<store::Provider>> ListProviders() override { return inner_.ListProviders(); }
  Result<store::Provider> GetProvider(std::int64_t provider_id) override {
    return inner_.GetProvider(provider_id);
  }
  Result<std::vector<store::ProviderForRecipient>> ListProvidersForRecipient(
      std::string_view client_id) override {
    return inner_.ListProvidersForRecipient(client_id);
  }
  Result<std::vector<store::Registration>> RequestRegistrations(
      std::string_view partner_id, const std::vector<std::string>& client_ids,
      const std::vector<std::int64_t>& provider_ids, std::int64_t now,
      const store::AuditEvent& audit) override {
    return inner_.RequestRegistrations(partner_id, client_ids, provider_ids, now, audit);
  }
  Result<std::vector<store::Registration>> ListRegistrations(
      std::string_view partner_id, std::optional<std::string_view> client_id) override {
    return inner_.ListRegistrations(partner_id, client_id);
  }
  Result<store::Registration> GetRegistration(std::string_view client_id,
                                              std::int64_t provider_id) override {
    return inner_.GetRegistration(client_id, provider_id);
  }
  Result<store::Registration> TransitionRegistration(std::string_view client_id,
                                                     std::int64_t provider_id,
                                                     store::RegistrationStatus from,
                                                     store::RegistrationStatus to, std::int64_t now,
                                                     const store::AuditEvent& audit) override {
    return inner_.TransitionRegistration(client_id, provider_id, from, to, now, audit);
  }
  Result<std::optional<std::string>> GetSetting(std::string_view name) override {
    return inner_.GetSetting(name);
  }
  Result<std::string> GetOrCreateSetting(std::string_view name,
                                         std::string_view value_if_absent) override {
    return inner_.GetOrCreateSetting(name, value_if_absent);
  }
  Result<std::string> ReplaceSetting(std::string_view name, std::string_view expected,
                                     std::string_view desired) override {
    return inner_.ReplaceSetting(name, expected, desired);
  }
  Result<std::uint64_t> ForeignChangeVersion() override { return inner_.ForeignChangeVersion(); }

 private:
  store::Store& inner_;
};

}  // namespace obauth::test_support
