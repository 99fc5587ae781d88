// obauth providers import FILE: adds or updates the Data Providers of a catalogue file.
#include <boost/json/object.hpp>
#include <fstream>
#include <sstream>

#include "app/catalogue_file.hpp"
#include "app/commands/commands.hpp"
#include "app/fatal.hpp"
#include "app/operator_json.hpp"
#include "app/storage.hpp"
#include "cli/help.hpp"

namespace obauth::app::commands {
namespace {

class ProvidersCommand final : public OperatorCommand {
 public:
  explicit ProvidersCommand(CLI::App& app) {
    auto* providers = app.add_subcommand("providers", "Manage the Data Providers catalogue");
    providers->require_subcommand(1);
    import_ = providers->add_subcommand(
        "import",
        "Add or update the providers of a JSON catalogue file (by provider_id; see "
        "docs/providers.md); all or nothing. Prints how many were added, updated and unchanged");
    cli::Named(import_->add_option("FILE", catalogue_, "The catalogue: a JSON array of providers"),
               "FILE")
        ->required();
    AddDatabaseOptions(import_, database_, /*may_create=*/true);
  }

  bool parsed() const override { return import_->parsed(); }

  int Run(const Clock& clock, std::ostream& out, std::ostream& /*err*/) override {
    std::ifstream in(catalogue_, std::ios::binary);
    if (!in) throw Fatal{"cannot read the catalogue file " + catalogue_};
    std::stringstream text;
    text << in.rdbuf();
    // The file is checked whole before the database is opened (or created).
    auto providers = ParseCatalogue(text.str(), clock.NowSeconds());
    if (!providers) {
      throw Fatal{catalogue_ + ": nothing was imported; fix these entries and import again:\n" +
                  providers.error().public_message};
    }
    auto storage = OpenDatabase(database_);
    auto imported = OrDie(storage.store->UpsertProviders(*providers));
    out << OperatorJson(boost::json::object{{"added", imported.added},
                                            {"updated", imported.updated},
                                            {"unchanged", imported.unchanged}})
        << std::endl;
    return 0;
  }

 private:
  CLI::App* import_ = nullptr;
  DatabaseOptions database_;
  std::string catalogue_;
};

}  // namespace

std::unique_ptr<OperatorCommand> AddProvidersCommand(CLI::App& app) {
  return std::make_unique<ProvidersCommand>(app);
}

}  // namespace obauth::app::commands
