// obauth registrations approve|activate|suspend CLIENT_ID PROVIDER_ID: moves a Data Recipient's
// registration with a Data Provider along and prints it as the API shows it (reference §8.3).
#include <boost/json/object.hpp>
#include <utility>
#include <vector>

#include "admin/registration_service.hpp"
#include "app/commands/commands.hpp"
#include "app/fatal.hpp"
#include "app/operator_json.hpp"
#include "app/storage.hpp"
#include "cli/help.hpp"
#include "core/time_format.hpp"

namespace obauth::app::commands {
namespace {

class RegistrationsCommand final : public OperatorCommand {
 public:
  explicit RegistrationsCommand(CLI::App& app) {
    auto* registrations = app.add_subcommand(
        "registrations", "Move Data Recipients' registrations with Data Providers along");
    registrations->require_subcommand(1);
    const std::pair<admin::RegistrationAction, const char*> actions[] = {
        {admin::RegistrationAction::kApprove, "approve"},
        {admin::RegistrationAction::kActivate, "activate"},
        {admin::RegistrationAction::kSuspend, "suspend"}};
    for (const auto& [action, verb] : actions) {
      const char* help = action == admin::RegistrationAction::kApprove
                             ? "PENDING_APPROVAL -> PENDING_ACTIVATION"
                         : action == admin::RegistrationAction::kActivate
                             ? "PENDING_ACTIVATION (or SUSPENDED) -> ACTIVE"
                             : "any status -> SUSPENDED";
      auto* cmd = registrations->add_subcommand(verb, help);
      cli::Named(cmd->add_option("CLIENT_ID", client_id_, "The Data Recipient's client id"),
                 "CLIENT_ID")
          ->required();
      cli::Named(cmd->add_option("PROVIDER_ID", provider_id_, "The Data Provider's id"), "ID")
          ->required()
          ->check(CLI::PositiveNumber.description(""));
      AddDatabaseOptions(cmd, database_);
      actions_.emplace_back(action, cmd);
    }
  }

  bool parsed() const override { return Chosen() != nullptr; }

  int Run(const Clock& clock, std::ostream& out, std::ostream& /*err*/) override {
    auto storage = OpenDatabase(database_);
    const admin::RegistrationService registrations(*storage.store, *storage.store, clock);
    const admin::Caller operator_caller{"", "operator", "", "cli"};
    auto moved = OrDie(registrations.Apply(*Chosen(), client_id_, provider_id_, operator_caller));
    // The members of GET /api/v1/recipients/providers/requests, in its order.
    out << OperatorJson(
               boost::json::object{{"client_id", moved.client_id},
                                   {"client_name", moved.client_name},
                                   {"provider_id", moved.provider_id},
                                   {"provider_name", moved.provider_name},
                                   {"country", moved.country},
                                   {"registration_status", store::StatusName(moved.status)},
                                   {"requested_on", FormatRfc3339(moved.requested_at)}})
        << std::endl;
    return 0;
  }

 private:
  const admin::RegistrationAction* Chosen() const {
    for (const auto& [action, cmd] : actions_) {
      if (cmd->parsed()) return &action;
    }
    return nullptr;
  }

  std::vector<std::pair<admin::RegistrationAction, CLI::App*>> actions_;
  DatabaseOptions database_;
  std::string client_id_;
  std::int64_t provider_id_ = 0;
};

}  // namespace

std::unique_ptr<OperatorCommand> AddRegistrationsCommand(CLI::App& app) {
  return std::make_unique<RegistrationsCommand>(app);
}

}  // namespace obauth::app::commands
