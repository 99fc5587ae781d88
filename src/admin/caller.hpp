// Caller and Sealer: who makes an admin request, and how a creating call hands its result to the
// Idempotency-Key protocol before committing. Plain values.
#pragma once

#include <functional>
#include <string>

#include "core/error.hpp"
#include "store/replay_store.hpp"

namespace obauth::admin {

// Who makes a request: the authenticated partner (the tenant whose recipients it may see),
// or the operator at the command line, and where the request came from (for the audit trail).
struct Caller {
  std::string partner_id;
  std::string actor;  // the partner id, or "operator"
  std::string request_id;
  std::string source;  // peer address, or "cli"
};

// Turns a result into the sealed replay stored with the change (Idempotency-Key); called once
// the result is known and before it is committed.
template <class T>
using Sealer = std::function<Result<store::Replay>(const T&)>;

}  // namespace obauth::admin
