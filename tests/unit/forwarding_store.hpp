// ForwardingStore: a ClientStore and ConnectionStore that passes every call to a real one, except
// that FindClient's answer can be edited first. Lets a test give a client states the real backend
// never produces (three valid secrets, retired but with secrets, disabled); a subclass may
// override any other call. Not thread-safe to reconfigure.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "store/client_store.hpp"
#include "store/connection_store.hpp"

namespace obauth::test_support {

class ForwardingStore : public store::ClientStore, public store::ConnectionStore {
 public:
  // Forwards the ClientStore calls to `inner` and the ConnectionStore calls to `connections`, by
  // default to `inner` itself when it is one too (a backend's Database is both). Without one, the
  // ConnectionStore calls answer kInternal.
  explicit ForwardingStore(store::ClientStore& inner, store::ConnectionStore* connections = nullptr)
      : inner_(inner),
        connections_(connections != nullptr ? connections
                                            : dynamic_cast<store::ConnectionStore*>(&inner)) {}

  // Called on every client FindClient finds, before it is returned.
  std::function<void(store::ClientCredentials&)> edit_client;

  // ClientStore.
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

  // ConnectionStore.
  Result<void> CreateCode(const store::AuthorizationCode& code) override {
    if (connections_ == nullptr) return NoConnections();
    return connections_->CreateCode(code);
  }
  Result<store::AuthorizationCode> FindCode(std::string_view code_id,
                                            std::string_view code_hash) override {
    if (connections_ == nullptr) return NoConnections();
    return connections_->FindCode(code_id, code_hash);
  }
  Result<store::Redemption> RedeemCode(std::string_view code_id, std::string_view code_hash,
                                       const store::Connection& connection,
                                       const std::string& refresh_hash, std::int64_t now,
                                       std::int64_t marker_expires_at,
                                       const store::AuditEvent& audit,
                                       const store::AuditEvent& reuse_audit) override {
    if (connections_ == nullptr) return NoConnections();
    return connections_->RedeemCode(code_id, code_hash, connection, refresh_hash, now,
                                    marker_expires_at, audit, reuse_audit);
  }
  Result<std::int64_t> PurgeCodes(std::int64_t cutoff) override {
    if (connections_ == nullptr) return NoConnections();
    return connections_->PurgeCodes(cutoff);
  }
  Result<store::Connection> FindConnectionByRefresh(std::string_view connection_id,
                                                    std::string_view refresh_hash) override {
    if (connections_ == nullptr) return NoConnections();
    return connections_->FindConnectionByRefresh(connection_id, refresh_hash);
  }
  Result<store::Connection> GetConnection(std::string_view connection_id) override {
    if (connections_ == nullptr) return NoConnections();
    return connections_->GetConnection(connection_id);
  }
  Result<void> TouchConnections(const std::vector<store::ConnectionUse>& uses) override {
    if (connections_ == nullptr) return NoConnections();
    return connections_->TouchConnections(uses);
  }
  Result<bool> RevokeConnection(std::string_view connection_id, std::int64_t now,
                                std::int64_t marker_expires_at,
                                const store::AuditEvent& audit) override {
    if (connections_ == nullptr) return NoConnections();
    return connections_->RevokeConnection(connection_id, now, marker_expires_at, audit);
  }
  Result<void> SetUpstream(std::string_view connection_id,
                           const std::optional<std::string>& upstream) override {
    if (connections_ == nullptr) return NoConnections();
    return connections_->SetUpstream(connection_id, upstream);
  }
  Result<std::vector<store::Connection>> ListUpstreamRevocations(std::size_t limit) override {
    if (connections_ == nullptr) return NoConnections();
    return connections_->ListUpstreamRevocations(limit);
  }
  Result<store::Page<store::Connection>> ListConnections(std::string_view client_id,
                                                         const store::PageRequest& page) override {
    if (connections_ == nullptr) return NoConnections();
    return connections_->ListConnections(client_id, page);
  }
  Result<std::vector<store::Connection>> ListCustomerConnections(
      std::int64_t provider_id, std::string_view customer_id) override {
    if (connections_ == nullptr) return NoConnections();
    return connections_->ListCustomerConnections(provider_id, customer_id);
  }

 private:
  static Error NoConnections() {
    return InternalError("this ForwardingStore was given no ConnectionStore");
  }

  store::ClientStore& inner_;
  store::ConnectionStore* connections_;  // may be null
};

}  // namespace obauth::test_support
