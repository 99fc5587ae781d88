// ClientKind: the two kinds of OAuth client obauth serves, partners (tenants) and the Data
// Recipients they register, with the one name each kind has wherever it is written down.
#pragma once

#include <string_view>

namespace obauth {

enum class ClientKind {
  kPartner,
  kRecipient,
  kCount  // the number of kinds (metrics size their counters with it), not a kind
};

// "partner" or "recipient": the stored value of clients.kind and the client_kind label of
// obauth_tokens_issued_total. Neither may change.
inline std::string_view ClientKindName(ClientKind kind) {
  switch (kind) {
    case ClientKind::kPartner:
      return "partner";
    case ClientKind::kRecipient:
      return "recipient";
    case ClientKind::kCount:
      break;
  }
  return "?";
}

}  // namespace obauth
