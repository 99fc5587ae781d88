// obauth partner create: registers a partner and prints its credentials, once.
#include <boost/json/object.hpp>

#include "admin/partner_service.hpp"
#include "app/commands/commands.hpp"
#include "app/fatal.hpp"
#include "app/operator_json.hpp"
#include "app/storage.hpp"
#include "cli/help.hpp"

namespace obauth::app::commands {
namespace {

class PartnerCommand final : public OperatorCommand {
 public:
  explicit PartnerCommand(CLI::App& app) {
    auto* partner = app.add_subcommand("partner", "Manage partners (tenants)");
    partner->require_subcommand(1);
    create_ = partner->add_subcommand(
        "create", "Register a partner; prints its client_id and client_secret as JSON, once");
    cli::Named(create_->add_option("--name", name_, "Partner display name, 1-256 characters"),
               "NAME")
        ->required();
    AddDatabaseOptions(create_, database_, /*may_create=*/true);
  }

  bool parsed() const override { return create_->parsed(); }

  int Run(const Clock& clock, std::ostream& out, std::ostream& err) override {
    auto storage = OpenDatabase(database_);
    const admin::Caller operator_caller{"", "operator", "", "cli"};
    auto issued =
        OrDie(admin::CreatePartner(*storage.store, *storage.hasher, clock, name_, operator_caller));
    out << OperatorJson(boost::json::object{{"client_id", issued.client_id},
                                            {"client_secret", issued.client_secret.Expose()}})
        << std::endl;
    err << "obauth: the client_secret above is shown only once: store it now (the database keeps "
           "only a keyed hash of it)"
        << std::endl;
    return 0;
  }

 private:
  CLI::App* create_ = nullptr;
  DatabaseOptions database_;
  std::string name_;
};

}  // namespace

std::unique_ptr<OperatorCommand> AddPartnerCommand(CLI::App& app) {
  return std::make_unique<PartnerCommand>(app);
}

}  // namespace obauth::app::commands
