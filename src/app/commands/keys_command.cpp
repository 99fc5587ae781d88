// obauth keys rotate | list: the token signing keys in the database.
#include <fmt/format.h>

#include <boost/json/object.hpp>

#include "app/commands/commands.hpp"
#include "app/fatal.hpp"
#include "app/operator_json.hpp"
#include "app/signing_keys.hpp"
#include "app/storage.hpp"
#include "cli/help.hpp"
#include "core/time_format.hpp"
#include "oauth/access_token.hpp"

namespace obauth::app::commands {
namespace {

class KeysCommand final : public OperatorCommand {
 public:
  explicit KeysCommand(CLI::App& app) {
    auto* keys = app.add_subcommand("keys", "Manage the token signing keys");
    keys->require_subcommand(1);
    rotate_ = keys->add_subcommand(
        "rotate",
        "Add a new signing key: published in the JWKS at once (running servers see it within a "
        "second), signing after --signing-delay; the previous key stays published until the "
        "tokens it signed have expired. Prints the new key's kid as JSON");
    list_ = keys->add_subcommand("list",
                                 "Show the signing keys: retired (still published), signing, next");
    AddDatabaseOptions(rotate_, rotate_database_);
    AddDatabaseOptions(list_, list_database_);
    cli::Bounded(rotate_
                     ->add_option("--signing-delay", signing_delay_,
                                  "Seconds from now before the new key signs tokens: longer than "
                                  "JWKS caches keep the key set (obauth: max-age 300)")
                     ->capture_default_str(),
                 "SECONDS", std::int64_t{0}, std::int64_t{30} * 86400);
  }

  bool parsed() const override { return rotate_->parsed() || list_->parsed(); }

  int Run(const Clock& clock, std::ostream& out, std::ostream& /*err*/) override {
    return rotate_->parsed() ? Rotate(clock, out) : List(clock, out);
  }

 private:
  int Rotate(const Clock& clock, std::ostream& out) {
    auto storage = OpenDatabase(rotate_database_);
    // Servers may run with any --clock-skew: a key is dropped only once no server, whatever its
    // skew, can still accept a token it signed (docs/deployment.md).
    auto rotated = OrDie(RotateSigningKey(*storage.store, storage.server_key, clock.NowSeconds(),
                                          signing_delay_, oauth::kMaxClockSkew));
    out << OperatorJson(boost::json::object{{"kid", rotated.kid},
                                            {"alg", rotated.algorithm},
                                            {"signing_from", FormatRfc3339(rotated.signing_from)},
                                            {"removed_keys", rotated.removed}})
        << std::endl;
    return 0;
  }

  int List(const Clock& clock, std::ostream& out) {
    auto storage = OpenDatabase(list_database_);
    auto loaded = OrDie(LoadKeyRing(*storage.store, storage.server_key));
    constexpr std::string_view kRow = "{:<43}  {:<5}  {:<7}  {:<20}  {}\n";
    out << fmt::format(kRow, "KID", "ALG", "STATE", "SIGNING FROM", "RETIRED AT");
    for (const auto& key : DescribeKeys(loaded.ring, clock.NowSeconds())) {
      out << fmt::format(kRow, key.kid, key.algorithm, key.state,
                         key.signing_from == 0 ? "-" : FormatRfc3339(key.signing_from),
                         key.retired_at == 0 ? "-" : FormatRfc3339(key.retired_at));
    }
    out << std::flush;
    return 0;
  }

  CLI::App* rotate_ = nullptr;
  CLI::App* list_ = nullptr;
  DatabaseOptions rotate_database_;
  DatabaseOptions list_database_;
  std::int64_t signing_delay_ = kDefaultSigningDelay;
};

}  // namespace

std::unique_ptr<OperatorCommand> AddKeysCommand(CLI::App& app) {
  return std::make_unique<KeysCommand>(app);
}

}  // namespace obauth::app::commands
