// Secret: a credential (client secret, key bytes) that cannot be printed or logged.
// Immutable after construction; safe to share between threads.
#pragma once

#include <fmt/format.h>

#include <ostream>
#include <string>
#include <string_view>
#include <utility>

namespace obauth {

class Secret {
 public:
  Secret() = default;
  explicit Secret(std::string value) : value_(std::move(value)) {}

  // The raw bytes. Call only to hash, compare in constant time, or hand to the caller once.
  std::string_view Expose() const { return value_; }
  bool empty() const { return value_.empty(); }

 private:
  std::string value_;
};

inline std::ostream& operator<<(std::ostream& os, const Secret&) { return os << "***"; }

}  // namespace obauth

template <>
struct fmt::formatter<obauth::Secret> : fmt::formatter<std::string_view> {
  template <class Context>
  auto format(const obauth::Secret&, Context& ctx) const {
    return fmt::formatter<std::string_view>::format("***", ctx);
  }
};
