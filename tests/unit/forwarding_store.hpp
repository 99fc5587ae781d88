// ForwardingStore: a Store that passes every call to a real one, except that FindClient's answer
// can be edited first. Lets a test give a client states the real backend never produces (three
// valid secrets, retired but with secrets, disabled). Not thread-safe to reconfigure.
#pragma once

#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "store/store.hpp"

namespace obauth::test_support {

class ForwardingStore final : public store::Store {
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
