#include "oauth/key_ring.hpp"

#include <algorithm>
#include <cassert>
#include <limits>

namespace obauth::oauth {

KeyRing::KeyRing(std::vector<RingKey> keys) : keys_(std::move(keys)) {
  assert(!keys_.empty());
  std::stable_sort(keys_.begin(), keys_.end(), [](const RingKey& a, const RingKey& b) {
    return a.signing_from < b.signing_from;
  });
}

std::size_t KeyRing::SigningIndexAt(std::int64_t now) const {
  const auto after =
      std::upper_bound(keys_.begin(), keys_.end(), now,
                       [](std::int64_t t, const RingKey& key) { return t < key.signing_from; });
  return after == keys_.begin() ? 0 : static_cast<std::size_t>(after - keys_.begin()) - 1;
}

std::int64_t KeyRing::RetiredAt(std::size_t index) const {
  return index + 1 < keys_.size() ? keys_[index + 1].signing_from
                                  : std::numeric_limits<std::int64_t>::max();
}

std::vector<crypto::SigningKey> KeyRing::PublishedAt(std::int64_t now, std::int64_t token_lifetime,
                                                     std::int64_t clock_skew) const {
  std::vector<crypto::SigningKey> published;
  for (std::size_t i = 0; i < keys_.size(); ++i) {
    const std::int64_t retired = RetiredAt(i);
    if (retired == std::numeric_limits<std::int64_t>::max() ||
        retired + token_lifetime + clock_skew > now) {
      published.push_back(keys_[i].key);
    }
  }
  return published;
}

const crypto::SigningKey* KeyRing::Find(std::string_view kid) const {
  for (const auto& k : keys_) {
    if (k.key.KeyId() == kid) return &k.key;
  }
  return nullptr;
}

}  // namespace obauth::oauth
