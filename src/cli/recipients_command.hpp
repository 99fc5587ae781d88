// `obauth recipients list|show|create|update|rotate-secret|delete|delete-previous-secret`: the
// command line of a running server's admin API (AdminClient), printing tables or the API's JSON.
// One object per process; not thread-safe.
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

#include "cli/admin_client.hpp"
#include "core/error.hpp"

namespace obauth::cli {

class RecipientsCommand {
 public:
  // Adds `recipients` and its subcommands to `app`, bound to this object's members (so it must
  // outlive app.parse() and must not move).
  explicit RecipientsCommand(CLI::App& app);
  RecipientsCommand(const RecipientsCommand&) = delete;
  RecipientsCommand& operator=(const RecipientsCommand&) = delete;

  // True when the parsed command line chose `recipients`.
  bool parsed() const;

  // Runs the chosen subcommand: the answer on `out` (a table, or with --json the body exactly as
  // the server sent it), errors as one `obauth: error: ...` line on `err`. Answers the exit
  // code: 0 done, 1 the server or the connection failed, 2 a usage error found after parsing
  // (no URL or credentials, a bad URL, nothing to update).
  int Run(std::ostream& out, std::ostream& err);

 private:
  // The documented recipient fields as flags; `present` is decided by the options' counts.
  struct Fields {
    std::string name;
    std::vector<std::string> scope;
    std::vector<std::string> redirect_uris;
    std::string logo_uri;
    std::string description;
    std::string terms_uri;
    std::string client_uri;
    std::string country;
    std::vector<std::string> contacts;
    std::vector<std::string> clear;  // update only: optional fields to set to null
  };

  void AddConnectionOptions(CLI::App* command);
  void AddFieldOptions(CLI::App* command, bool creating);
  // The JSON body of create or update (`command`) from the flags given to it.
  std::string FieldsBody(CLI::App* command) const;

  CLI::App* recipients_ = nullptr;
  CLI::App* list_ = nullptr;
  CLI::App* show_ = nullptr;
  CLI::App* create_ = nullptr;
  CLI::App* update_ = nullptr;
  CLI::App* rotate_ = nullptr;
  CLI::App* delete_ = nullptr;
  CLI::App* delete_previous_ = nullptr;

  std::string url_;
  std::string client_id_;
  std::string client_secret_;
  int timeout_seconds_ = 30;
  bool json_ = false;

  // Every recipient (pages of kPageSize), or the one page --limit asks for.
  Result<std::string> ListAll(AdminClient& client, std::ostream& err) const;
  static constexpr std::size_t kPageSize = 1000;
  std::size_t list_limit_ = 0;  // --limit; 0: all
  std::string list_after_;      // --after

  std::string recipient_id_;
  Fields fields_;
  std::string idempotency_key_;
  std::int64_t previous_secret_expires_in_ = 0;
  bool revoke_tokens_ = false;
};

}  // namespace obauth::cli
