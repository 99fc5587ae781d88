// The server key file: 32 random bytes (hex) that key the stored secret hashes. It lives
// outside the database, so a copy of the database alone cannot even check a guessed secret.
#pragma once

#include <string>

#include "core/error.hpp"
#include "core/secret.hpp"
#include "store/store.hpp"

namespace obauth::app {

// The key in `path`, creating the file (mode 0600) with a new key when it does not exist and
// the database has never seen a key. kInternal with a message naming the file when it cannot be
// read or created, is malformed, or is not the key the database was set up with.
[[nodiscard]] Result<Secret> LoadServerKey(const std::string& path, store::Store& store);

// The default key file for a database path: the same path with ".key" appended.
std::string DefaultKeyFile(const std::string& db_path);

}  // namespace obauth::app
