// ForwardingStore: a ClientStore that passes every call to a real one, except that FindClient's
// answer can be edited first. Lets a test give a client states the real backend never produces
// (three valid secrets, retired but with secrets, disabled); a subclass may override any other
// call. Not thread-safe to reconfigure.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "store/client_store.hpp"

namespace obauth::test_support {

class ForwardingStore : public store::ClientStore {
 public:
  explicit ForwardingStore(store::ClientStore& inner) : inner_(inner) {}

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
  Result<void> RecordSecretUse(const std::vector<store::SecretUse>& uses) override {
    return inner_.RecordSecretUse(uses);
  }
  Result<void> RevokeToken(std::string_view client_id, std::string_view token_id,
                           std::int64_t expires_at) override {
    return inner_.RevokeToken(client_id, token_id, expires_at);
  }
  Result<std::int64_t> PurgeRevokedTokens(std::int64_t cutoff) override {
    return inner_.PurgeRevokedTokens(cutoff);
  }

 private:
  store::ClientStore& inner_;
};

}  // namespace obauth::test_support
