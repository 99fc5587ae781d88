#include "app/key_file.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <functional>
#include <sstream>
#include <thread>

#include "crypto/aead.hpp"
#include "crypto/base64url.hpp"
#include "crypto/hash.hpp"
#include "crypto/random.hpp"

namespace obauth::app {
namespace {

constexpr char kKeyCheckSetting[] = "server_key_check";
constexpr char kSigningKeySetting[] = "signing_key";
// Where versions before ES256 became the default kept their Ed25519 key. A database that has one
// keeps signing with it, so tokens issued before an upgrade stay valid.
constexpr char kEd25519KeySetting[] = "signing_key_ed25519";
// Marks a sealed setting value: the prefix, then base64url(crypto::Seal(...)).
constexpr std::string_view kSealedPrefix = "sealed-v1:";

Error Fail(const std::string& path, const std::string& why) {
  return InternalError("server key file " + path + ": " + why);
}

// The key sealing stored signing keys, derived from the server key (never stored).
Secret SigningKeyWrapKey(const Secret& server_key) {
  return Secret(crypto::HmacSha256(server_key.Expose(), "obauth signing key AES-256-GCM key v1"));
}

Result<std::string> SealSetting(const Secret& wrap_key, std::string_view name,
                                std::string_view plaintext) {
  OBAUTH_TRY(sealed, crypto::Seal(wrap_key, name, plaintext));
  return std::string(kSealedPrefix) + crypto::Base64UrlEncode(sealed);
}

Result<Secret> OpenSetting(const Secret& wrap_key, std::string_view name, std::string_view stored) {
  const auto fail = InternalError(
      "the signing key stored in the database (setting " + std::string(name) +
      ") cannot be opened with this server key; start with the key the database was set up with");
  if (!stored.starts_with(kSealedPrefix)) return fail;
  auto sealed = crypto::Base64UrlDecode(stored.substr(kSealedPrefix.size()));
  if (!sealed) return fail;
  auto plain = crypto::Open(wrap_key, name, *sealed);
  if (!plain) return fail;
  return Secret(std::move(*plain));
}

// The signing key in setting `name` (a stored value), sealing a plaintext one in place first.
Result<crypto::SigningKey> OpenSigningKey(store::Store& store, const Secret& wrap_key,
                                          std::string_view name, std::string stored) {
  if (!stored.starts_with(kSealedPrefix)) {
    OBAUTH_TRY(sealed, SealSetting(wrap_key, name, stored));
    OBAUTH_TRY(now, store.ReplaceSetting(name, stored, sealed));
    stored = std::move(now);
  }
  OBAUTH_TRY(pem, OpenSetting(wrap_key, name, stored));
  return crypto::SigningKey::FromPkcs8Pem(pem);
}

// Records `key`'s check in the database, or compares it with the recorded one.
Result<Secret> CheckAgainstDatabase(std::string key, store::Store& store,
                                    const std::function<Error(const std::string&)>& fail) {
  const std::string check = crypto::ToHex(crypto::HmacSha256(key, "obauth server key check"));
  OBAUTH_TRY(stored, store.GetOrCreateSetting(kKeyCheckSetting, check));
  if (stored != check) return fail("this is not the key the database was set up with");
  return Secret(std::move(key));
}

std::optional<std::string> FromHex(std::string_view hex) {
  if (hex.size() % 2 != 0) return std::nullopt;
  std::string out;
  for (std::size_t i = 0; i < hex.size(); i += 2) {
    auto nibble = [](char c) -> int {
      if (c >= '0' && c <= '9') return c - '0';
      if (c >= 'a' && c <= 'f') return c - 'a' + 10;
      return -1;
    };
    const int hi = nibble(hex[i]);
    const int lo = nibble(hex[i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out.push_back(static_cast<char>(hi * 16 + lo));
  }
  return out;
}

Result<std::string> ReadOrCreate(const std::string& path, bool may_create) {
  if (may_create) {
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd >= 0) {
      OBAUTH_TRY(bytes, crypto::RandomBytes(32));
      const std::string text = crypto::ToHex(bytes) + "\n";
      const bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) &&
                      ::fsync(fd) == 0;
      ::close(fd);
      if (!ok) return Fail(path, std::string("cannot write: ") + std::strerror(errno));
      return bytes;
    }
    if (errno != EEXIST) return Fail(path, std::string("cannot create: ") + std::strerror(errno));
  }
  // Another process may be writing the file it just created: give it a moment.
  for (int attempt = 0; attempt < 50; ++attempt) {
    std::ifstream in(path);
    if (!in) {
      return Fail(path, may_create ? "cannot read"
                                   : "missing, but the database was set up with a key; restore "
                                     "the key file that belongs to this database");
    }
    std::stringstream buffer;
    buffer << in.rdbuf();
    std::string text = buffer.str();
    while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
    if (!text.empty()) {
      auto bytes = FromHex(text);
      if (!bytes || bytes->size() != 32) return Fail(path, "not 64 lowercase hex characters");
      return *bytes;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return Fail(path, "empty");
}

}  // namespace

std::string DefaultKeyFile(const std::string& db_path) { return db_path + ".key"; }

Result<Secret> LoadServerKey(const std::string& path, store::Store& store) {
  // A database that already holds a key check must never get a fresh key: every stored secret
  // would silently stop working.
  OBAUTH_TRY(existing, store.GetSetting(kKeyCheckSetting));
  OBAUTH_TRY(key, ReadOrCreate(path, !existing.has_value()));
  return CheckAgainstDatabase(std::move(key), store,
                              [&](const std::string& why) { return Fail(path, why); });
}

Result<Secret> UseServerKey(std::string_view hex, store::Store& store) {
  const auto fail = [](const std::string& why) {
    return InternalError(std::string("the server key in ") + kMasterKeyVariable + ": " + why);
  };
  while (!hex.empty() && (hex.back() == '\n' || hex.back() == ' ')) hex.remove_suffix(1);
  auto key = FromHex(hex);
  if (!key || key->size() != 32) return fail("not 64 lowercase hex characters");
  return CheckAgainstDatabase(std::move(*key), store, fail);
}

Result<crypto::SigningKey> LoadSigningKey(store::Store& store, const Secret& server_key) {
  const Secret wrap_key = SigningKeyWrapKey(server_key);
  OBAUTH_TRY(legacy, store.GetSetting(kEd25519KeySetting));
  if (legacy) return OpenSigningKey(store, wrap_key, kEd25519KeySetting, std::move(*legacy));
  OBAUTH_TRY(generated, crypto::SigningKey::Generate());
  OBAUTH_TRY(sealed, SealSetting(wrap_key, kSigningKeySetting, generated.ToPkcs8Pem().Expose()));
  OBAUTH_TRY(stored, store.GetOrCreateSetting(kSigningKeySetting, sealed));
  return OpenSigningKey(store, wrap_key, kSigningKeySetting, std::move(stored));
}

}  // namespace obauth::app
