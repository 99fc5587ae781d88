// obauth providers import FILE: adds or updates the Data Providers of a catalogue file.
// obauth providers connect PROVIDER_ID --client-id ID: stores obauth's client credentials at a
// provider with an fdx connector, the secret read from standard input and stored sealed.
#include <termios.h>
#include <unistd.h>

#include <boost/json/object.hpp>
#include <fstream>
#include <iostream>
#include <optional>
#include <sstream>
#include <string>

#include "app/catalogue_file.hpp"
#include "app/commands/commands.hpp"
#include "app/fatal.hpp"
#include "app/operator_json.hpp"
#include "app/provider_clients.hpp"
#include "app/storage.hpp"
#include "cli/help.hpp"

namespace obauth::app::commands {
namespace {

// Turns a terminal's echo off for as long as it lives, so a typed secret is not shown.
class NoEcho {
 public:
  explicit NoEcho(int fd) : fd_(fd) {
    if (::tcgetattr(fd_, &saved_) != 0) return;
    termios quiet = saved_;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    active_ = ::tcsetattr(fd_, TCSAFLUSH, &quiet) == 0;
  }
  ~NoEcho() {
    if (active_) ::tcsetattr(fd_, TCSAFLUSH, &saved_);
  }
  NoEcho(const NoEcho&) = delete;
  NoEcho& operator=(const NoEcho&) = delete;

 private:
  int fd_;
  termios saved_{};
  bool active_ = false;
};

// The client secret on standard input: one line, its newline (LF or CRLF) dropped; asked for on
// `err` without echo when standard input is a terminal. kValidation when there is none, or more
// than one line; a secret too long or with other characters is left to StoreProviderClient.
Result<Secret> ReadClientSecret(std::istream& in, std::ostream& err, std::int64_t provider_id) {
  const bool terminal = ::isatty(STDIN_FILENO) == 1;
  std::optional<NoEcho> no_echo;
  if (terminal) {
    err << "obauth's client secret at Data Provider " << provider_id
        << " (not shown): " << std::flush;
    no_echo.emplace(STDIN_FILENO);
  }
  std::string line;
  bool ended = false;
  char c = 0;
  // Reading stops past the longest allowed secret: the rest cannot make it valid.
  while (line.size() <= kMaxProviderClientSecretLength + 1 && in.get(c)) {
    if (c == '\n') {
      ended = true;
      break;
    }
    line.push_back(c);
  }
  if (terminal) {
    no_echo.reset();
    err << std::endl;
  }
  if (ended && !line.empty() && line.back() == '\r') line.pop_back();
  Secret secret(std::move(line));
  if (secret.empty()) {
    return MakeError(ErrorCode::kValidation,
                     "no client secret on standard input: give it as one line there (never on "
                     "the command line)");
  }
  if (ended && !terminal && in.peek() != std::char_traits<char>::eof()) {
    return MakeError(ErrorCode::kValidation,
                     "standard input must hold one line, the client secret, and nothing else");
  }
  return secret;
}

// A refusal of what the operator asked for, as a usage error: one line that points at the
// command's --help, exit status 2 (docs/cli.md).
int UsageError(std::ostream& err, const Error& error) {
  err << "obauth: error: " << error.public_message << " (see obauth providers connect --help)"
      << std::endl;
  return 2;
}

bool IsUsageError(const Error& error) {
  return error.code == ErrorCode::kNotFound || error.code == ErrorCode::kConflict ||
         error.code == ErrorCode::kValidation;
}

class ProvidersCommand final : public OperatorCommand {
 public:
  explicit ProvidersCommand(CLI::App& app) {
    auto* providers = app.add_subcommand(
        "providers",
        "Manage the Data Providers catalogue and obauth's client credentials at providers");
    providers->require_subcommand(1);
    import_ = providers->add_subcommand(
        "import",
        "Add or update the providers of a JSON catalogue file (by provider_id; see "
        "docs/providers.md); all or nothing. Prints how many were added, updated and unchanged");
    cli::Named(import_->add_option("FILE", catalogue_, "The catalogue: a JSON array of providers"),
               "FILE")
        ->required();
    AddDatabaseOptions(import_, database_, /*may_create=*/true);

    connect_ = providers->add_subcommand(
        "connect",
        "Store obauth's client credentials at a Data Provider with an fdx connector (obauth is "
        "its OAuth client; see docs/providers.md): --client-id, and the client secret read from "
        "standard input, one line, not shown; stored sealed under the server key, replacing "
        "earlier ones. Prints the provider and the client id as JSON");
    cli::Named(connect_->add_option("PROVIDER_ID", provider_id_, "The Data Provider's id"), "ID")
        ->required()
        ->check(CLI::PositiveNumber.description(""));
    cli::Named(connect_->add_option("--client-id", client_id_,
                                    "obauth's client id at the provider, 1-256 printable ASCII "
                                    "characters (the secret is read from standard input)"),
               "ID")
        ->required();
    AddDatabaseOptions(connect_, connect_database_);
  }

  bool parsed() const override { return import_->parsed() || connect_->parsed(); }

  int Run(const Clock& clock, std::ostream& out, std::ostream& err) override {
    return connect_->parsed() ? Connect(out, err) : Import(clock, out);
  }

 private:
  int Import(const Clock& clock, std::ostream& out) {
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

  int Connect(std::ostream& out, std::ostream& err) {
    auto storage = OpenDatabase(connect_database_);
    // Checked before the secret is asked for: an operator at a terminal types it only when it
    // will be kept.
    if (auto checked = CheckProviderClient(*storage.store, provider_id_, client_id_); !checked) {
      if (IsUsageError(checked.error())) return UsageError(err, checked.error());
      OrDie(std::move(checked));
    }
    auto secret = ReadClientSecret(std::cin, err, provider_id_);
    if (!secret) return UsageError(err, secret.error());
    auto stored = StoreProviderClient(*storage.store, *storage.store, storage.server_key,
                                      provider_id_, {client_id_, std::move(*secret)});
    if (!stored && IsUsageError(stored.error())) return UsageError(err, stored.error());
    const auto replaced = OrDie(std::move(stored)).replaced_client_id;
    out << OperatorJson(
               boost::json::object{{"provider_id", provider_id_},
                                   {"client_id", client_id_},
                                   {"secret", "sealed"},
                                   {"replaced_client_id", replaced ? boost::json::value(*replaced)
                                                                   : boost::json::value(nullptr)}})
        << std::endl;
    return 0;
  }

  CLI::App* import_ = nullptr;
  DatabaseOptions database_;
  std::string catalogue_;
  CLI::App* connect_ = nullptr;
  DatabaseOptions connect_database_;
  std::int64_t provider_id_ = 0;
  std::string client_id_;
};

}  // namespace

std::unique_ptr<OperatorCommand> AddProvidersCommand(CLI::App& app) {
  return std::make_unique<ProvidersCommand>(app);
}

}  // namespace obauth::app::commands
