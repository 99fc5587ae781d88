// The Data Providers catalogue file that `obauth providers import` loads: a JSON array of
// providers in the shape of reference §7.2 plus §5.4's connectorName and availableAccountTypes,
// and obauth's own connector (how customers are reached: "sandbox", obauth's fictional bank, or
// "fdx", a real provider's OAuth 2.0 server and FDX API with obauth as its client):
//
//   [{"provider_id": 1000, "name": "Flinks Capital", "country": "CA",
//     "provider_url": "https://capital.example/", "scopes": ["ACCOUNT_BASIC", ...],
//     "data_inventory": {"customers": ["name.first", ...], ...},
//     "connectorName": "akoya", "availableAccountTypes": {"depositAccounts": "true", ...},
//     "connector": {"type": "sandbox"}}, ...]
//
//   "connector": {"type": "fdx", "issuer": "https://bank.example",
//                 "fdx_base_url": "https://bank.example/api/fdx/5",
//                 "authorize_params": {"provider_id": "1000"}}
//
// provider_url, data_inventory, connectorName, availableAccountTypes and connector may be left
// out.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "store/provider_store.hpp"

namespace obauth::app {

// The providers of a catalogue file's text, stamped `now`. kValidation listing every invalid
// entry as "line N: provider ID: reason" (one per line of the message) when any is invalid:
// a file is imported whole or not at all.
[[nodiscard]] Result<std::vector<store::Provider>> ParseCatalogue(std::string_view text,
                                                                  std::int64_t now);

}  // namespace obauth::app
