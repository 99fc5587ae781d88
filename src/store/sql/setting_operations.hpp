// The SettingStore operations of the SQL backends. Q is the backend's query set
// (store/<backend>/queries.hpp), Db its connection (store/sql/statements.hpp).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "store/setting_store.hpp"
#include "store/sql/statements.hpp"

namespace obauth::store::sql {

template <class Q>
struct SettingOperations {
  template <class Db>
  static Result<std::optional<std::string>> GetSetting(Db& db, std::string_view name) {
    OBAUTH_TRY(get, Query(db, Q::kGetSetting, name));
    OBAUTH_TRY(row, get->Step());
    if (!row) return std::optional<std::string>();
    return std::optional<std::string>(get->Text(0));
  }

  template <class Db>
  static Result<std::string> GetOrCreateSetting(Db& db, std::string_view name,
                                                std::string_view value_if_absent) {
    if (auto x = Run(db, Q::kInsertSettingIfAbsent, name, value_if_absent); !x) return x.error();
    OBAUTH_TRY(value, GetSetting(db, name));
    if (!value) return InternalError("setting vanished: " + std::string(name));
    return std::move(*value);
  }

  template <class Db>
  static Result<std::string> ReplaceSetting(Db& db, std::string_view name,
                                            std::string_view expected, std::string_view desired) {
    if (auto x = Run(db, Q::kReplaceSetting, name, expected, desired); !x) return x.error();
    OBAUTH_TRY(value, GetSetting(db, name));
    if (!value) return MakeError(ErrorCode::kNotFound, "No setting " + std::string(name));
    return std::move(*value);
  }
};

}  // namespace obauth::store::sql
