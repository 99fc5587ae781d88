// ChangeFeed: how a cache in front of a database learns that someone else wrote to it.
// Implementations are thread-safe.
#pragma once

#include <cstdint>

#include "core/error.hpp"

namespace obauth::store {

class ChangeFeed {
 public:
  virtual ~ChangeFeed() = default;

  // A number that changes when someone other than this object (another process, another object
  // on the same data) has committed a change since the previous call, and stays the same for
  // this object's own writes. A cache in front of this object polls it to notice foreign writes.
  [[nodiscard]] virtual Result<std::uint64_t> ForeignChangeVersion() = 0;
};

}  // namespace obauth::store
