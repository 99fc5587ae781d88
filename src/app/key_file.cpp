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

#include "crypto/derive_key.hpp"
#include "crypto/hash.hpp"
#include "crypto/random.hpp"

namespace obauth::app {
namespace {

constexpr char kKeyCheckSetting[] = "server_key_check";

Error Fail(const std::string& path, const std::string& why) {
  return InternalError("server key file " + path + ": " + why);
}

// Records `key`'s check in the database, or compares it with the recorded one.
Result<Secret> CheckAgainstDatabase(std::string key, store::SettingStore& store,
                                    const std::function<Error(const std::string&)>& fail) {
  const std::string check =
      crypto::ToHex(crypto::DeriveKey(Secret(key), crypto::KeyPurpose::kServerKeyCheck).Expose());
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

Result<Secret> LoadServerKey(const std::string& path, store::SettingStore& store) {
  // A database that already holds a key check must never get a fresh key: every stored secret
  // would silently stop working.
  OBAUTH_TRY(existing, store.GetSetting(kKeyCheckSetting));
  OBAUTH_TRY(key, ReadOrCreate(path, !existing.has_value()));
  return CheckAgainstDatabase(std::move(key), store,
                              [&](const std::string& why) { return Fail(path, why); });
}

Result<Secret> UseServerKey(std::string_view hex, store::SettingStore& store) {
  const auto fail = [](const std::string& why) {
    return InternalError(std::string("the server key in ") + kMasterKeyVariable + ": " + why);
  };
  while (!hex.empty() && (hex.back() == '\n' || hex.back() == ' ')) hex.remove_suffix(1);
  auto key = FromHex(hex);
  if (!key || key->size() != 32) return fail("not 64 lowercase hex characters");
  return CheckAgainstDatabase(std::move(*key), store, fail);
}

}  // namespace obauth::app
