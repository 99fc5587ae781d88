#include "app/signing_keys.hpp"

#include <charconv>
#include <vector>

#include "core/time_format.hpp"
#include "crypto/aead.hpp"
#include "crypto/base64url.hpp"
#include "crypto/derive_key.hpp"

namespace obauth::app {
namespace {

constexpr std::string_view kRingSetting = "signing_keys";
// Where earlier versions kept their one key: "signing_key" (ES256), and before that
// "signing_key_ed25519". Both are overwritten with kMoved once the ring holds the key.
constexpr std::string_view kLegacySettings[] = {"signing_key_ed25519", "signing_key"};
constexpr std::string_view kMoved = "moved to signing_keys";
// Marks a sealed value: the prefix, then base64url(crypto::Seal(...)).
constexpr std::string_view kSealedPrefix = "sealed-v1:";

// The key sealing stored signing keys, derived from the server key (never stored).
Secret WrapKey(const Secret& server_key) {
  return crypto::DeriveKey(server_key, crypto::KeyPurpose::kSigningKeySeal);
}

Error CannotOpen(std::string_view where) {
  return InternalError("the signing key stored in the database (" + std::string(where) +
                       ") cannot be opened with this server key; start with the key the "
                       "database was set up with");
}

Result<std::string> Seal(const Secret& wrap_key, std::string_view bound_to, const Secret& pem) {
  OBAUTH_TRY(sealed, crypto::Seal(wrap_key, bound_to, pem.Expose()));
  return std::string(kSealedPrefix) + crypto::Base64UrlEncode(sealed);
}

Result<crypto::SigningKey> Open(const Secret& wrap_key, std::string_view bound_to,
                                std::string_view stored) {
  if (!stored.starts_with(kSealedPrefix)) return CannotOpen(bound_to);
  auto sealed = crypto::Base64UrlDecode(stored.substr(kSealedPrefix.size()));
  if (!sealed) return CannotOpen(bound_to);
  auto pem = crypto::Open(wrap_key, bound_to, *sealed);
  if (!pem) return CannotOpen(bound_to);
  return crypto::SigningKey::FromPkcs8Pem(Secret(std::move(*pem)));
}

// What a ring line's sealed key is bound to: the setting and the line's time, so a sealed key
// cannot be moved to another line or setting.
std::string LineBinding(std::int64_t signing_from) {
  return std::string(kRingSetting) + " " + std::to_string(signing_from);
}

struct StoredLine {
  std::int64_t signing_from = 0;
  std::string text;  // the whole line, kept as stored when the ring is rewritten
};

Result<std::string> MakeLine(const Secret& wrap_key, std::int64_t signing_from,
                             const crypto::SigningKey& key) {
  OBAUTH_TRY(sealed, Seal(wrap_key, LineBinding(signing_from), key.ToPkcs8Pem()));
  return std::to_string(signing_from) + " " + sealed;
}

Result<std::vector<StoredLine>> SplitLines(std::string_view stored) {
  std::vector<StoredLine> lines;
  while (!stored.empty()) {
    const auto end = stored.find('\n');
    const std::string_view line = stored.substr(0, end);
    stored.remove_prefix(end == std::string_view::npos ? stored.size() : end + 1);
    if (line.empty()) continue;
    StoredLine parsed{0, std::string(line)};
    const auto space = line.find(' ');
    const auto [ptr, ec] =
        std::from_chars(line.data(), line.data() + line.size(), parsed.signing_from);
    if (space == std::string_view::npos || ec != std::errc() || ptr != line.data() + space) {
      return InternalError("setting signing_keys: malformed line");
    }
    lines.push_back(std::move(parsed));
  }
  if (lines.empty()) return InternalError("setting signing_keys: no key");
  return lines;
}

std::string JoinLines(const std::vector<StoredLine>& lines) {
  std::string text;
  for (const auto& line : lines) text += line.text + "\n";
  return text;
}

Result<oauth::KeyRing> OpenRing(const std::vector<StoredLine>& lines, const Secret& wrap_key) {
  std::vector<oauth::RingKey> keys;
  for (const auto& line : lines) {
    const std::string_view sealed = std::string_view(line.text).substr(line.text.find(' ') + 1);
    OBAUTH_TRY(key, Open(wrap_key, LineBinding(line.signing_from), sealed));
    keys.push_back({std::move(key), line.signing_from});
  }
  return oauth::KeyRing(std::move(keys));
}

// The key an earlier version stored, if any: sealed, or in plaintext by older versions.
Result<std::optional<crypto::SigningKey>> LegacyKey(store::SettingStore& store,
                                                    const Secret& wrap_key) {
  for (const std::string_view name : kLegacySettings) {
    OBAUTH_TRY(stored, store.GetSetting(name));
    if (!stored || *stored == kMoved) continue;
    if (stored->starts_with(kSealedPrefix)) {
      OBAUTH_TRY(key, Open(wrap_key, name, *stored));
      return std::optional(std::move(key));
    }
    OBAUTH_TRY(key, crypto::SigningKey::FromPkcs8Pem(Secret(std::move(*stored))));
    return std::optional(std::move(key));
  }
  return std::optional<crypto::SigningKey>();
}

Result<void> RetireLegacySettings(store::SettingStore& store) {
  for (const std::string_view name : kLegacySettings) {
    OBAUTH_TRY(stored, store.GetSetting(name));
    if (!stored || *stored == kMoved) continue;
    OBAUTH_TRY(replaced, store.ReplaceSetting(name, *stored, kMoved));
    (void)replaced;
  }
  return {};
}

}  // namespace

Result<StoredKeyRing> LoadKeyRing(store::SettingStore& store, const Secret& server_key) {
  const Secret wrap_key = WrapKey(server_key);
  OBAUTH_TRY(stored, store.GetSetting(kRingSetting));
  if (!stored) {
    OBAUTH_TRY(legacy, LegacyKey(store, wrap_key));
    if (!legacy) {
      OBAUTH_TRY(generated, crypto::SigningKey::Generate());
      legacy = std::move(generated);
    }
    OBAUTH_TRY(line, MakeLine(wrap_key, 0, *legacy));
    // A concurrent first start may have stored its ring first: that one counts.
    OBAUTH_TRY(created, store.GetOrCreateSetting(kRingSetting, line + "\n"));
    stored = std::move(created);
  }
  OBAUTH_TRY(lines, SplitLines(*stored));
  OBAUTH_TRY(ring, OpenRing(lines, wrap_key));
  if (auto retired = RetireLegacySettings(store); !retired) return retired.error();
  return StoredKeyRing{std::move(ring), std::move(*stored)};
}

Result<RotatedKey> RotateSigningKey(store::SettingStore& store, const Secret& server_key,
                                    std::int64_t now, std::int64_t signing_delay,
                                    std::int64_t clock_skew) {
  const Secret wrap_key = WrapKey(server_key);
  OBAUTH_TRY(loaded, LoadKeyRing(store, server_key));
  std::string stored = std::move(loaded.stored);
  OBAUTH_TRY(key, crypto::SigningKey::Generate());
  const std::int64_t signing_from = now + signing_delay;
  OBAUTH_TRY(new_line, MakeLine(wrap_key, signing_from, key));
  // Compare-and-set: a concurrent change (another rotation) makes us look again.
  for (int attempt = 0; attempt < 10; ++attempt) {
    OBAUTH_TRY(lines, SplitLines(stored));
    // Lines are kept in signing order; the ring sorts them the same way.
    std::stable_sort(lines.begin(), lines.end(), [](const StoredLine& a, const StoredLine& b) {
      return a.signing_from < b.signing_from;
    });
    if (lines.back().signing_from > now) {
      return MakeError(ErrorCode::kConflict,
                       "the key added by the previous rotation starts signing at " +
                           FormatRfc3339(lines.back().signing_from) + "; rotate again after that");
    }
    const std::int64_t expired_before = now - oauth::kMaxTokenLifetime - clock_skew;
    std::vector<StoredLine> kept;
    std::size_t removed = 0;
    for (std::size_t i = 0; i < lines.size(); ++i) {
      // Retired when the next line started signing: drop it once no token it signed can live.
      if (i + 1 < lines.size() && lines[i + 1].signing_from < expired_before) {
        ++removed;
      } else {
        kept.push_back(lines[i]);
      }
    }
    kept.push_back({signing_from, new_line});
    const std::string desired = JoinLines(kept);
    OBAUTH_TRY(now_stored, store.ReplaceSetting(kRingSetting, stored, desired));
    if (now_stored == desired) {
      return RotatedKey{key.KeyId(), std::string(key.Algorithm()), signing_from, removed};
    }
    stored = std::move(now_stored);
  }
  return MakeError(ErrorCode::kConflict, "the signing keys kept changing; try again");
}

std::vector<KeyStatus> DescribeKeys(const oauth::KeyRing& ring, std::int64_t now) {
  std::vector<KeyStatus> statuses;
  const std::size_t signing = ring.SigningIndexAt(now);
  const auto& keys = ring.keys();
  for (std::size_t i = 0; i < keys.size(); ++i) {
    KeyStatus status{keys[i].key.KeyId(), std::string(keys[i].key.Algorithm()), "signing",
                     keys[i].signing_from, 0};
    if (i < signing) {
      status.state = "retired";
      status.retired_at = ring.RetiredAt(i);
    } else if (i > signing) {
      status.state = "next";
    }
    statuses.push_back(std::move(status));
  }
  return statuses;
}

std::string SummarizeKeys(const oauth::KeyRing& ring, std::int64_t now) {
  std::string summary;
  for (const auto& key : DescribeKeys(ring, now)) {
    if (key.state == "retired") continue;
    if (!summary.empty()) summary += "; ";
    summary += key.state + " kid=" + key.kid + " (" + key.algorithm + ")";
    if (key.state == "next") summary += " from " + FormatRfc3339(key.signing_from);
  }
  return summary;
}

Result<bool> KeyRingFollower::Poll() {
  OBAUTH_TRY(stored, store_.GetSetting(kRingSetting));
  if (!stored || *stored == stored_) return false;
  OBAUTH_TRY(lines, SplitLines(*stored));
  OBAUTH_TRY(ring, OpenRing(lines, WrapKey(server_key_)));
  tokens_.UseKeys(std::move(ring));
  stored_ = std::move(*stored);
  return true;
}

}  // namespace obauth::app
