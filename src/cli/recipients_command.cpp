#include "cli/recipients_command.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <chrono>
#include <cstdlib>
#include <optional>
#include <utility>

#include "cli/admin_client.hpp"
#include "cli/help.hpp"
#include "cli/recipient_table.hpp"

namespace obauth::cli {
namespace {

namespace json = boost::json;

constexpr char kUrlVariable[] = "OBAUTH_URL";
constexpr char kClientIdVariable[] = "OBAUTH_CLIENT_ID";
constexpr char kClientSecretVariable[] = "OBAUTH_CLIENT_SECRET";

constexpr char kFooter[] =
    "Connection: --url or OBAUTH_URL is the server's base URL (https://..., verified against the "
    "system's trusted certificates; http:// is for localhost and tests). Credentials: a "
    "partner's client id and secret with the client:admin scope, by --client-id/--client-secret "
    "or OBAUTH_CLIENT_ID/OBAUTH_CLIENT_SECRET; a flag wins over the environment. Prefer the "
    "environment for the secret: command lines show in `ps`.\n"
    "Exit codes: 0 done, 1 the server or the connection failed (the message says what to do), "
    "2 usage error.";

// The optional text fields, as flag and JSON member.
struct TextField {
  const char* flag;
  const std::string* value;
  const char* member;
};

json::array StringArray(const std::vector<std::string>& values) {
  json::array out;
  for (const auto& v : values) out.emplace_back(v);
  return out;
}

}  // namespace

RecipientsCommand::RecipientsCommand(CLI::App& app) {
  recipients_ = app.add_subcommand(
      "recipients",
      "Manage Data Recipients through a running server's admin API, with a partner's "
      "client:admin credentials");
  recipients_->require_subcommand(1);
  recipients_->footer(kFooter);

  list_ = recipients_->add_subcommand(
      "list", "List this partner's recipients, oldest first (all of them, or one page)");
  Bounded(list_->add_option("--limit", list_limit_,
                            "One page of at most this many, instead of all; the next page's "
                            "command is printed on stderr"),
          "N", std::size_t{1}, std::size_t{1000});
  Named(list_->add_option("--after", list_after_,
                          "Start after this cursor (printed with the previous page)"),
        "CURSOR");
  show_ = recipients_->add_subcommand("show", "Show one recipient's details");
  create_ = recipients_->add_subcommand(
      "create", "Create a recipient; prints its client_id and client_secret (shown only once)");
  update_ = recipients_->add_subcommand(
      "update",
      "Change a recipient: the fields given are replaced (--redirect-uri replaces the whole "
      "list), the others kept; --clear empties an optional field");
  rotate_ = recipients_->add_subcommand(
      "rotate-secret",
      "Give a recipient a new secret (shown only once); the old one stops working at once, or "
      "after --previous-secret-expires-in");
  delete_ = recipients_->add_subcommand(
      "delete", "Delete (retire) a recipient: its secrets and tokens stop working");
  delete_previous_ = recipients_->add_subcommand(
      "delete-previous-secret",
      "End the grace period of a recipient's previous secret now (after a rotation with "
      "--previous-secret-expires-in)");

  for (CLI::App* command : {show_, update_, rotate_, delete_, delete_previous_}) {
    Named(command->add_option("client_id", recipient_id_, "The recipient's client id (dc-...)"),
          "CLIENT_ID")
        ->required();
  }
  for (CLI::App* command : {list_, show_, create_, update_, rotate_, delete_, delete_previous_}) {
    AddConnectionOptions(command);
    command->footer(kFooter);
  }
  AddFieldOptions(create_, true);
  AddFieldOptions(update_, false);

  Named(create_->add_option("--idempotency-key", idempotency_key_,
                            "Makes retrying safe: the server answers a repeated request with this "
                            "key (for 24 h) as it did the first time, creating nothing more"),
        "KEY");
  Named(rotate_->add_option("--idempotency-key", idempotency_key_,
                            "Makes retrying safe: a repeated rotation with this key (for 24 h) "
                            "answers the same new secret instead of rotating again"),
        "KEY");
  Named(rotate_
            ->add_option("--previous-secret-expires-in", previous_secret_expires_in_,
                         "Seconds the old secret keeps working (0-604800; default: the server's "
                         "--previous-secret-expires-in, normally 0)")
            ->check(CLI::NonNegativeNumber.description("")),
        "SECONDS");
  rotate_->add_flag(
      "--revoke-tokens", revoke_tokens_,
      "Also end every access token issued to the recipient before the rotation (for a "
      "compromised secret)");
}

void RecipientsCommand::AddConnectionOptions(CLI::App* command) {
  // The environment is read in Run(), not by CLI11's envname: CLI11 also fills the options of
  // subcommands that were not chosen from it, and these all share one variable.
  Named(command->add_option("--url", url_,
                            "The server's base URL, e.g. https://auth.example.com (default: "
                            "OBAUTH_URL)"),
        "URL");
  Named(command->add_option("--client-id", client_id_,
                            "A partner's client id (default: OBAUTH_CLIENT_ID)"),
        "ID");
  Named(command->add_option("--client-secret", client_secret_,
                            "The partner's client secret (default: OBAUTH_CLIENT_SECRET, which is "
                            "better: command lines show in ps)"),
        "SECRET");
  command->add_flag("--json", json_, "Print the API's JSON answer as the server sent it");
  Bounded(command
              ->add_option("--timeout", timeout_seconds_,
                           "Seconds to wait for each exchange with the server")
              ->capture_default_str(),
          "SECONDS", 1, 3600);
}

void RecipientsCommand::AddFieldOptions(CLI::App* command, bool creating) {
  auto* name = Named(command->add_option("--name", fields_.name,
                                         "Display name as customers see it, 1-256 characters"),
                     "NAME");
  auto* scope = Named(command
                          ->add_option("--scope", fields_.scope,
                                       "Data scope, repeatable or comma-separated: ACCOUNT_BASIC "
                                       "(required), ACCOUNT_DETAILED, ACCOUNT_PAYMENTS, "
                                       "INVESTMENTS, TRANSACTIONS, STATEMENTS, CUSTOMER_CONTACT, "
                                       "CUSTOMER_PERSONAL")
                          ->delimiter(','),
                      "SCOPE");
  auto* redirect = Named(
      command->add_option("--redirect-uri", fields_.redirect_uris,
                          creating ? "Redirect URI (https, no fragment), repeatable: 1-20"
                                   : "Redirect URI (https, no fragment), repeatable: the new list "
                                     "replaces the old"),
      "URI");
  if (creating) {
    name->required();
    scope->required();
    redirect->required();
  }
  Named(command->add_option("--logo-uri", fields_.logo_uri, "https link to the recipient's logo"),
        "URI");
  Named(command->add_option("--description", fields_.description, "Description, 1-512 characters"),
        "DESCRIPTION");
  Named(command->add_option("--terms-uri", fields_.terms_uri, "https link to the terms of service"),
        "URI");
  Named(command->add_option("--client-uri", fields_.client_uri,
                            "https link to the corporate website"),
        "URI");
  Named(command->add_option("--country", fields_.country, "Country of registration: CA or US"),
        "CA|US");
  Named(command->add_option("--contact", fields_.contacts,
                            creating ? "Contact email address, repeatable (at most 20)"
                                     : "Contact email address, repeatable: the new list replaces "
                                       "the old"),
        "EMAIL");
  if (!creating) {
    Named(command
              ->add_option("--clear", fields_.clear,
                           "Empty an optional field (set it to null), repeatable: logo_uri, "
                           "description, terms_uri, client_uri, country, contacts")
              ->check(CLI::IsMember(
                  {"logo_uri", "description", "terms_uri", "client_uri", "country", "contacts"})),
          "FIELD");
  }
}

std::string RecipientsCommand::FieldsBody(CLI::App* command) const {
  json::object body;
  if (command->count("--name") > 0) body["name"] = fields_.name;
  if (command->count("--scope") > 0) body["scope"] = StringArray(fields_.scope);
  if (command->count("--redirect-uri") > 0) {
    body["redirect_uris"] = StringArray(fields_.redirect_uris);
  }
  const TextField text_fields[] = {
      {"--logo-uri", &fields_.logo_uri, "logo_uri"},
      {"--description", &fields_.description, "description"},
      {"--terms-uri", &fields_.terms_uri, "terms_uri"},
      {"--client-uri", &fields_.client_uri, "client_uri"},
      {"--country", &fields_.country, "country"},
  };
  for (const auto& field : text_fields) {
    if (command->count(field.flag) > 0) body[field.member] = *field.value;
  }
  if (command->count("--contact") > 0) {
    json::array contacts;
    for (const auto& email : fields_.contacts) contacts.push_back(json::object{{"email", email}});
    body["contacts"] = std::move(contacts);
  }
  for (const auto& member : fields_.clear) body[member] = nullptr;
  return json::serialize(body);
}

bool RecipientsCommand::parsed() const { return recipients_->parsed(); }

Result<std::string> RecipientsCommand::ListAll(AdminClient& client, std::ostream& err) const {
  std::optional<std::string> after =
      list_after_.empty() ? std::nullopt : std::optional<std::string>(list_after_);
  if (list_limit_ > 0) {  // one page, and how to get the next
    OBAUTH_TRY(page, client.ListRecipients(list_limit_, after));
    if (page.next_after) {
      err << "obauth: more recipients follow: obauth recipients list --limit " << list_limit_
          << " --after " << *page.next_after << std::endl;
    }
    return std::move(page.body);
  }
  // Every page, joined into the one array the API's unpaged answer is.
  json::array all;
  do {
    OBAUTH_TRY(page, client.ListRecipients(kPageSize, after));
    json::value items = json::parse(page.body);  // JsonBody checked that it parses
    if (!items.is_array()) {
      return MakeError(ErrorCode::kInternal, "The server's list is not a JSON array");
    }
    for (auto& item : items.as_array()) all.push_back(std::move(item));
    after = std::move(page.next_after);
  } while (after);
  return json::serialize(all);
}

int RecipientsCommand::Run(std::ostream& out, std::ostream& err) {
  CLI::App* chosen = nullptr;
  for (CLI::App* command : {list_, show_, create_, update_, rotate_, delete_, delete_previous_}) {
    if (command->parsed()) chosen = command;
  }
  auto usage = [&](const std::string& message) {
    err << "obauth: error: " << message << " (see obauth recipients "
        << (chosen != nullptr ? chosen->get_name() + " " : "") << "--help)" << std::endl;
    return 2;
  };
  auto failed = [&](const Error& e) {
    err << "obauth: error: " << (e.public_message.empty() ? e.internal : e.public_message)
        << std::endl;
    return 1;
  };

  if (chosen == nullptr) return usage("no recipients command chosen");
  // A flag wins over the environment.
  const struct {
    std::string* value;
    const char* flag;
    const char* variable;
  } settings[] = {{&url_, "--url", kUrlVariable},
                  {&client_id_, "--client-id", kClientIdVariable},
                  {&client_secret_, "--client-secret", kClientSecretVariable}};
  for (const auto& setting : settings) {
    if (chosen->count(setting.flag) > 0) continue;
    const char* value = std::getenv(setting.variable);
    *setting.value = value != nullptr ? value : "";
  }
  if (url_.empty()) {
    return usage("no server URL: give --url or set OBAUTH_URL (e.g. https://auth.example.com)");
  }
  if (client_id_.empty() || client_secret_.empty()) {
    return usage(
        "no partner credentials: give --client-id and --client-secret, or set OBAUTH_CLIENT_ID "
        "and OBAUTH_CLIENT_SECRET (better for the secret: command lines show in ps)");
  }
  auto url = ParseServerUrl(url_);
  if (!url) return usage(url.error().public_message);
  if (!url->tls && !url->loopback) {
    err << "obauth: warning: " << url->text
        << " is plain http: the partner's secret and token go over the network unencrypted; use "
           "https:// (http:// is for localhost and tests)"
        << std::endl;
  }
  if (update_->parsed()) {
    bool any = !fields_.clear.empty();
    for (const char* flag : {"--name", "--scope", "--redirect-uri", "--logo-uri", "--description",
                             "--terms-uri", "--client-uri", "--country", "--contact"}) {
      any = any || update_->count(flag) > 0;
    }
    if (!any) return usage("nothing to update: give at least one field, e.g. --redirect-uri");
    for (const auto& member : fields_.clear) {
      std::string flag = "--" + member;
      for (char& c : flag) c = c == '_' ? '-' : c;
      if (member == "contacts") flag = "--contact";
      if (update_->count(flag) > 0) return usage("--clear " + member + " together with " + flag);
    }
  }

  AdminClient client(ConnectionOptions{*url, client_id_, Secret(std::move(client_secret_)),
                                       std::chrono::seconds(timeout_seconds_)});
  client_secret_.clear();

  // Prints a JSON answer as received (--json) or rendered by `render`.
  auto print = [&](const Result<std::string>& answer,
                   Result<std::string> (*render)(const json::value&)) {
    if (!answer) return failed(answer.error());
    if (json_) {
      out << *answer;
      if (answer->empty() || answer->back() != '\n') out << '\n';
      return 0;
    }
    auto rendered = render(json::parse(*answer));  // JsonBody checked that it parses
    if (!rendered) return failed(rendered.error());
    out << *rendered;
    return 0;
  };
  // The same for a call with --idempotency-key, saying when the answer is a replay.
  auto print_idempotent = [&](const Result<IdempotentAnswer>& answer, std::string_view did,
                              Result<std::string> (*render)(const json::value&)) {
    if (!answer) return failed(answer.error());
    if (answer->replayed) {
      err << "obauth: note: this is the answer of an earlier request with --idempotency-key "
          << idempotency_key_ << " (the server's Idempotent-Replayed: true); nothing was " << did
          << " now" << std::endl;
    }
    return print(answer->body, render);
  };
  auto done = [&](const Result<void>& r, const std::string& what) {
    if (!r) return failed(r.error());
    if (!json_) out << what << std::endl;
    return 0;
  };

  if (list_->parsed()) return print(ListAll(client, err), RenderRecipientList);
  if (show_->parsed()) return print(client.GetRecipient(recipient_id_), RenderRecipient);
  if (create_->parsed()) {
    return print_idempotent(client.CreateRecipient(FieldsBody(create_), idempotency_key_),
                            "created", RenderRecipient);
  }
  if (update_->parsed()) {
    return print(client.UpdateRecipient(recipient_id_, FieldsBody(update_)), RenderRecipient);
  }
  if (rotate_->parsed()) {
    std::optional<std::string> body;
    if (rotate_->count("--previous-secret-expires-in") > 0 || revoke_tokens_) {
      json::object options;
      if (rotate_->count("--previous-secret-expires-in") > 0) {
        options["previous_secret_expires_in"] = previous_secret_expires_in_;
      }
      if (revoke_tokens_) options["revoke_tokens"] = true;
      body = json::serialize(options);
    }
    return print_idempotent(client.RotateSecret(recipient_id_, std::move(body), idempotency_key_),
                            "rotated", RenderIssuedSecret);
  }
  if (delete_->parsed()) {
    return done(client.DeleteRecipient(recipient_id_), "Deleted recipient " + recipient_id_ + ".");
  }
  return done(client.DeletePreviousSecret(recipient_id_),
              "The previous secret of " + recipient_id_ + " no longer works.");
}

}  // namespace obauth::cli
