// The server key, also called the master key: 32 random bytes (64 hex characters) that key the
// stored secret hashes and seal the signing keys and replay copies of secrets. It lives outside
// the database (a file, or the OBAUTH_MASTER_KEY environment variable), so a copy of the
// database alone cannot check a guessed secret, sign a token or read a replay.
#pragma once

#include <string>
#include <string_view>

#include "core/error.hpp"
#include "core/secret.hpp"
#include "store/setting_store.hpp"

namespace obauth::app {

// The environment variable that may hold the key instead of a file.
inline constexpr char kMasterKeyVariable[] = "OBAUTH_MASTER_KEY";

// The key in `path`, creating the file (mode 0600) with a new key when it does not exist and
// the database has never seen a key. kInternal with a message naming the file when it cannot be
// read or created, is malformed, or is not the key the database was set up with.
[[nodiscard]] Result<Secret> LoadServerKey(const std::string& path, store::SettingStore& store);

// The key given as 64 hex characters (from kMasterKeyVariable); the database records it when it
// has no key yet. kInternal naming the variable, never its value, when it is malformed or not the
// key the database was set up with.
[[nodiscard]] Result<Secret> UseServerKey(std::string_view hex, store::SettingStore& store);

// The default key file for a database path: the same path with ".key" appended.
std::string DefaultKeyFile(const std::string& db_path);

}  // namespace obauth::app
