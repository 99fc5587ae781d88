#include "app/commands/commands.hpp"

namespace obauth::app::commands {

void AddDatabaseOptions(CLI::App* command, DatabaseOptions& options) {
  command
      ->add_option("--db", options.db, "SQLite database file or PostgreSQL database, as for serve")
      ->capture_default_str();
  command->add_option("--key-file", options.key_file,
                      "Server (master) key file, as for serve (or OBAUTH_MASTER_KEY)");
}

}  // namespace obauth::app::commands
