// SettingStore: named server settings (the token signing keys, the server key check value).
// Implementations are thread-safe; every successful write is durable before the call returns.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/error.hpp"

namespace obauth::store {

class SettingStore {
 public:
  virtual ~SettingStore() = default;

  // The stored value of setting `name`, or nullopt when there is none.
  [[nodiscard]] virtual Result<std::optional<std::string>> GetSetting(std::string_view name) = 0;
  // The stored value of setting `name`; stores `value_if_absent` first when there is none.
  // Concurrent callers all get the same, first stored, value.
  [[nodiscard]] virtual Result<std::string> GetOrCreateSetting(
      std::string_view name, std::string_view value_if_absent) = 0;
  // Sets setting `name` to `desired` if its value is `expected`; the value it holds afterwards
  // (`desired`, or what a concurrent caller stored first). kNotFound when there is no such setting.
  [[nodiscard]] virtual Result<std::string> ReplaceSetting(std::string_view name,
                                                           std::string_view expected,
                                                           std::string_view desired) = 0;
};

}  // namespace obauth::store
