// AuditStore: the audit trail. Every change made through a store interface records its
// AuditEvent in the same transaction as the change itself; this interface reads them back.
// Implementations are thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/error.hpp"

namespace obauth::store {

// One change, recorded in the same transaction as the change itself. Never a secret.
struct AuditEvent {
  std::int64_t id = 0;  // assigned by the store
  std::int64_t at = 0;
  std::string partner_id;  // the tenant whose trail shows the event
  std::string actor;       // a partner id, or "operator" for the command line
  std::string action;      // e.g. "recipient.secret_rotated"
  std::string client_id;   // the client the change is about
  std::string request_id;
  std::string source;        // peer address, or "cli"
  std::string options_json;  // a JSON object of the options used, "{}" if none
};

struct AuditQuery {
  std::string partner_id;
  std::optional<std::string> client_id;
  std::optional<std::int64_t> before_id;  // only events with a smaller id
  int limit = 50;
};

class AuditStore {
 public:
  virtual ~AuditStore() = default;

  // The partner's events, newest first.
  [[nodiscard]] virtual Result<std::vector<AuditEvent>> ListAuditEvents(
      const AuditQuery& query) = 0;
};

}  // namespace obauth::store
