#include "app/provider_clients.hpp"

#include <algorithm>
#include <boost/json.hpp>
#include <string_view>
#include <utility>

#include "crypto/aead.hpp"
#include "crypto/base64url.hpp"
#include "crypto/derive_key.hpp"

namespace obauth::app {
namespace {

namespace json = boost::json;

constexpr std::string_view kSettingPrefix = "provider_client:";

// RFC 6749 Appendix A.1: VSCHAR = %x20-7E.
bool IsVsChars(std::string_view text, std::size_t max_length) {
  return !text.empty() && text.size() <= max_length &&
         std::all_of(text.begin(), text.end(), [](char c) { return c >= 0x20 && c <= 0x7e; });
}

// The "type" of a catalogue entry's connector (compact JSON, as stored); empty when it has none.
std::string ConnectorType(const std::optional<std::string>& connector) {
  if (!connector) return {};
  boost::system::error_code ec;
  const json::value value = json::parse(*connector, ec);
  if (ec || !value.is_object()) return {};
  const json::value* type = value.as_object().if_contains("type");
  return type != nullptr && type->is_string() ? std::string(type->as_string()) : std::string();
}

// The client id of a stored value; empty when it cannot be read.
std::string ClientIdOf(std::string_view stored) {
  boost::system::error_code ec;
  const json::value value = json::parse(stored, ec);
  if (ec || !value.is_object()) return {};
  const json::value* id = value.as_object().if_contains("client_id");
  return id != nullptr && id->is_string() ? std::string(id->as_string()) : std::string();
}

}  // namespace

std::string ProviderClientSetting(std::int64_t provider_id) {
  return std::string(kSettingPrefix) + std::to_string(provider_id);
}

Result<void> CheckProviderClient(store::ProviderStore& providers, std::int64_t provider_id,
                                 std::string_view client_id) {
  const std::string id = std::to_string(provider_id);
  auto provider = providers.GetProvider(provider_id);
  if (!provider) {
    if (provider.error().code != ErrorCode::kNotFound) return provider.error();
    return MakeError(ErrorCode::kNotFound, "no Data Provider " + id +
                                               " in the catalogue: import it first (obauth "
                                               "providers import)");
  }
  if (const std::string type = ConnectorType(provider->connector); type != "fdx") {
    return MakeError(ErrorCode::kConflict,
                     "Data Provider " + id + " has " +
                         (type.empty() ? std::string("no connector") : "a " + type + " connector") +
                         ": obauth holds client credentials only at providers with an fdx "
                         "connector (docs/providers.md)");
  }
  if (!IsVsChars(client_id, kMaxProviderClientIdLength)) {
    return MakeError(ErrorCode::kValidation, "the client id must be 1-" +
                                                 std::to_string(kMaxProviderClientIdLength) +
                                                 " printable ASCII characters");
  }
  return {};
}

Result<StoredProviderClient> StoreProviderClient(store::ProviderStore& providers,
                                                 store::SettingStore& settings,
                                                 const Secret& server_key, std::int64_t provider_id,
                                                 const ProviderClient& client) {
  if (auto checked = CheckProviderClient(providers, provider_id, client.client_id); !checked) {
    return checked.error();
  }
  if (!IsVsChars(client.client_secret.Expose(), kMaxProviderClientSecretLength)) {
    return MakeError(ErrorCode::kValidation, "the client secret must be 1-" +
                                                 std::to_string(kMaxProviderClientSecretLength) +
                                                 " printable ASCII characters");
  }
  const std::string name = ProviderClientSetting(provider_id);
  // Bound to the setting's name: a value copied into another provider's setting does not open.
  OBAUTH_TRY(sealed,
             crypto::Seal(crypto::DeriveKey(server_key, crypto::KeyPurpose::kProviderClientSeal),
                          name, client.client_secret.Expose()));
  const std::string desired = json::serialize(json::object{
      {"client_id", client.client_id}, {"sealed_secret", crypto::Base64UrlEncode(sealed)}});
  // Each seal has a fresh nonce, so `desired` is unique: seeing it stored means we stored it.
  OBAUTH_TRY(created, settings.GetOrCreateSetting(name, desired));
  std::string stored = std::move(created);
  StoredProviderClient out;
  for (int attempt = 0; attempt < 10 && stored != desired; ++attempt) {
    out.replaced_client_id = ClientIdOf(stored);
    OBAUTH_TRY(now_stored, settings.ReplaceSetting(name, stored, desired));
    stored = std::move(now_stored);
  }
  if (stored != desired) {
    return MakeError(ErrorCode::kConflict, "obauth's client at Data Provider " +
                                               std::to_string(provider_id) +
                                               " kept changing; try again");
  }
  return out;
}

Result<ProviderClient> LoadProviderClient(store::SettingStore& settings, const Secret& server_key,
                                          std::int64_t provider_id) {
  const std::string name = ProviderClientSetting(provider_id);
  OBAUTH_TRY(stored, settings.GetSetting(name));
  if (!stored) {
    return MakeError(ErrorCode::kNotFound, "no client of obauth is stored for Data Provider " +
                                               std::to_string(provider_id) +
                                               " (obauth providers connect)");
  }
  const auto malformed = [&] { return InternalError("setting " + name + ": malformed"); };
  boost::system::error_code ec;
  const json::value value = json::parse(*stored, ec);
  if (ec || !value.is_object() || value.as_object().size() != 2) return malformed();
  const json::value* id = value.as_object().if_contains("client_id");
  const json::value* secret = value.as_object().if_contains("sealed_secret");
  if (id == nullptr || !id->is_string() || secret == nullptr || !secret->is_string()) {
    return malformed();
  }
  const auto sealed = crypto::Base64UrlDecode(secret->as_string());
  if (!sealed) return malformed();
  auto plain = crypto::Open(crypto::DeriveKey(server_key, crypto::KeyPurpose::kProviderClientSeal),
                            name, *sealed);
  if (!plain) {
    return InternalError("setting " + name +
                         ": the client secret cannot be opened with this server key (stored "
                         "under another key, or copied from another provider's setting)");
  }
  return ProviderClient{std::string(id->as_string()), Secret(std::move(*plain))};
}

}  // namespace obauth::app
