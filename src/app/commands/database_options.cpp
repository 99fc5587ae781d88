#include <filesystem>

#include "app/commands/commands.hpp"
#include "app/fatal.hpp"
#include "cli/help.hpp"
#include "store/postgres/postgres_store.hpp"

namespace obauth::app::commands {

void AddDatabaseOptions(CLI::App* command, DatabaseOptions& options, bool may_create) {
  cli::Named(command
                 ->add_option("--db", options.db,
                              "SQLite database file or PostgreSQL database, as for serve; it "
                              "must exist" +
                                  std::string(may_create ? " unless --create is given" : ""))
                 ->capture_default_str(),
             "PATH|URL");
  cli::Named(command->add_option("--key-file", options.key_file,
                                 "Server (master) key file, as for serve (or OBAUTH_MASTER_KEY)"),
             "PATH");
  options.may_create = may_create;
  if (may_create) {
    command->add_flag("--create", options.create,
                      "Create the SQLite database and its key file when --db names no file yet");
  }
}

Storage OpenDatabase(const DatabaseOptions& options) {
  if (!store::postgres::IsPostgres(options.db) && !options.create) {
    std::error_code ec;
    if (!std::filesystem::exists(options.db, ec)) {
      throw Fatal{"no database at " + options.db +
                  ": check --db, or start `obauth serve --db PATH` once to create it" +
                  (options.may_create ? " (or give --create)" : "")};
    }
  }
  return OpenStorage(options.db, options.key_file, 1);
}

}  // namespace obauth::app::commands
