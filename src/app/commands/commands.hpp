// The operator commands: `obauth partner create`, `keys rotate|list`, `providers import|connect`
// and `registrations approve|activate|suspend`. Each works on a database directly (--db,
// --key-file, as serve), even while servers run on it, and prints its result on stdout: one JSON
// object on one line through OperatorJson, except `keys list`, a table. A failure throws Fatal.
#pragma once

#include <CLI/CLI.hpp>
#include <memory>
#include <ostream>
#include <string>

#include "app/storage.hpp"
#include "core/clock.hpp"

namespace obauth::app::commands {

class OperatorCommand {
 public:
  virtual ~OperatorCommand() = default;
  // True when the parsed command line chose this command.
  virtual bool parsed() const = 0;
  // Runs it with `clock`'s time (the process clock: SystemClock, or the test clock), printing its
  // result to `out` and notes for the operator to `err`; answers the exit status (0) or throws
  // Fatal.
  virtual int Run(const Clock& clock, std::ostream& out, std::ostream& err) = 0;
};

// Each adds its command (with its subcommands and options) to `app`; the answer must outlive
// app.parse().
std::unique_ptr<OperatorCommand> AddPartnerCommand(CLI::App& app);
std::unique_ptr<OperatorCommand> AddProvidersCommand(CLI::App& app);
std::unique_ptr<OperatorCommand> AddRegistrationsCommand(CLI::App& app);
std::unique_ptr<OperatorCommand> AddKeysCommand(CLI::App& app);

// --db, --key-file and, where a command may start a database, --create.
struct DatabaseOptions {
  std::string db = "./data/obauth.db";
  std::string key_file;
  bool may_create = false;  // the command offers --create
  bool create = false;      // --create was given
};
// Adds --db and --key-file to `command` (and --create when `may_create`), filling `options`.
void AddDatabaseOptions(CLI::App* command, DatabaseOptions& options, bool may_create = false);

// The database `options` name, with one connection. A SQLite --db that names no file is
// refused (a mistyped path would otherwise start a new, empty database and key file) unless
// --create was given. Throws Fatal.
Storage OpenDatabase(const DatabaseOptions& options);

}  // namespace obauth::app::commands
