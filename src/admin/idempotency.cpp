#include "admin/idempotency.hpp"

#include "crypto/aead.hpp"
#include "crypto/hash.hpp"

namespace obauth::admin {
namespace {

// Binds a sealed record to its slot: a copy moved to another partner's or key's row fails.
std::string AssociatedData(std::string_view partner_id, std::string_view key) {
  std::string out(partner_id);
  out.push_back('\0');
  out.append(key);
  return out;
}

}  // namespace

bool ReplaySealer::IsValidKey(std::string_view key) {
  if (key.empty() || key.size() > 255) return false;
  for (char c : key) {
    if (c < 0x21 || c > 0x7E) return false;
  }
  return true;
}

std::string ReplaySealer::Fingerprint(std::string_view method, std::string_view path,
                                      std::string_view body) {
  std::string message;
  message.append(method).push_back('\n');
  message.append(path).push_back('\n');
  message.append(body);
  return crypto::Sha256(message);
}

Result<store::Replay> ReplaySealer::Seal(std::string_view partner_id, std::string_view key,
                                         std::string fingerprint, int status, std::string_view body,
                                         std::int64_t now) const {
  std::string plaintext = std::to_string(status);
  plaintext.push_back(' ');
  plaintext.append(body);
  OBAUTH_TRY(sealed, crypto::Seal(key_, AssociatedData(partner_id, key), plaintext));
  return store::Replay{std::string(partner_id), std::string(key), std::move(fingerprint),
                       std::move(sealed), now};
}

Result<std::pair<int, std::string>> ReplaySealer::Open(const store::Replay& replay) const {
  OBAUTH_TRY(plaintext,
             crypto::Open(key_, AssociatedData(replay.partner_id, replay.key), replay.sealed));
  const std::size_t space = plaintext.find(' ');
  if (space == std::string::npos) return InternalError("malformed replay record");
  return std::pair<int, std::string>{std::stoi(plaintext.substr(0, space)),
                                     plaintext.substr(space + 1)};
}

std::optional<InFlightKeys::Claim> InFlightKeys::TryClaim(std::string_view partner_id,
                                                          std::string_view key) {
  std::pair<std::string, std::string> slot{std::string(partner_id), std::string(key)};
  std::lock_guard lock(mu_);
  if (!in_flight_.insert(slot).second) return std::nullopt;
  return Claim(this, std::move(slot));
}

InFlightKeys::Claim::~Claim() {
  if (owner_ == nullptr) return;
  std::lock_guard lock(owner_->mu_);
  owner_->in_flight_.erase(slot_);
}

Result<std::optional<IdempotentAnswer>> Idempotency::Replay(const Caller& caller,
                                                            std::string_view key,
                                                            const std::string& fingerprint,
                                                            std::int64_t now) {
  OBAUTH_TRY(stored, replays_.FindReplay(caller.partner_id, key, now - kReplayLifetimeSeconds));
  if (!stored) return std::optional<IdempotentAnswer>();
  if (stored->fingerprint != fingerprint) {
    return MakeError(ErrorCode::kKeyReused,
                     "This Idempotency-Key was already used for a different request");
  }
  OBAUTH_TRY(opened, sealer_.Open(*stored));
  return std::optional<IdempotentAnswer>(
      IdempotentAnswer{opened.first, std::move(opened.second), true});
}

}  // namespace obauth::admin
