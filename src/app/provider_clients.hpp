// obauth's client credentials at the Data Providers it reaches through an fdx connector (there
// obauth is the provider's OAuth client): setting "provider_client:PROVIDER_ID" holds the compact
// JSON {"client_id":"…","sealed_secret":"…"}, the secret sealed (AES-256-GCM) under a key derived
// from the server key and bound to the setting's name. Functions; thread-safe as the stores are.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/error.hpp"
#include "core/secret.hpp"
#include "store/provider_store.hpp"
#include "store/setting_store.hpp"

namespace obauth::app {

// A client id and a client secret are printable ASCII (RFC 6749 Appendix A.1, VSCHAR) of these
// lengths at most, and not empty.
inline constexpr std::size_t kMaxProviderClientIdLength = 256;
inline constexpr std::size_t kMaxProviderClientSecretLength = 512;

// "provider_client:2000": the setting of obauth's client at `provider_id`.
std::string ProviderClientSetting(std::int64_t provider_id);

struct ProviderClient {
  std::string client_id;
  Secret client_secret;
};

struct StoredProviderClient {
  // Set when earlier credentials were replaced: their client id (empty when the replaced value
  // could not be read).
  std::optional<std::string> replaced_client_id;
};

// What StoreProviderClient checks before the secret, so a command can check it before asking
// for one: kNotFound when the catalogue has no provider `provider_id`; kConflict when its
// connector is not of type "fdx"; kValidation when `client_id` breaks the rules above; the
// store's kUnavailable or kInternal.
[[nodiscard]] Result<void> CheckProviderClient(store::ProviderStore& providers,
                                               std::int64_t provider_id,
                                               std::string_view client_id);

// Stores `client` as obauth's client at `provider_id`, replacing any stored before (the last
// of concurrent callers wins). The errors of CheckProviderClient, and kValidation when the
// secret breaks the rules above (no message quotes it).
[[nodiscard]] Result<StoredProviderClient> StoreProviderClient(store::ProviderStore& providers,
                                                               store::SettingStore& settings,
                                                               const Secret& server_key,
                                                               std::int64_t provider_id,
                                                               const ProviderClient& client);

// obauth's client at `provider_id`. kNotFound when none is stored; kInternal when the stored
// value is malformed or its secret does not open with `server_key` (another server key, or a
// value copied from another provider's setting); the store's kUnavailable or kInternal.
[[nodiscard]] Result<ProviderClient> LoadProviderClient(store::SettingStore& settings,
                                                        const Secret& server_key,
                                                        std::int64_t provider_id);

}  // namespace obauth::app
