// How obauth's command lines describe themselves in --help: an option's value is named in a word
// (--timeout SECONDS, not INT:INT in [1 - 3600]) with its range in the description, --help-all is
// offered only where there are commands below, and a usage error points at the --help of the
// command it concerns. Header-only; used by the CLI11 wiring of cli/ and app/.
#pragma once

#include <CLI/CLI.hpp>
#include <string>

namespace obauth::cli {

// Names `option`'s value `word` (SECONDS, PATH, N).
inline CLI::Option* Named(CLI::Option* option, const std::string& word) {
  return option->type_name(word);
}

// Names `option`'s value `word` and bounds it to [lo, hi], which its description then says.
template <class T>
CLI::Option* Bounded(CLI::Option* option, const std::string& word, T lo, T hi) {
  option->description(option->get_description() + " (" + std::to_string(lo) + "-" +
                      std::to_string(hi) + ")");
  return option->type_name(word)->check(CLI::Range(lo, hi).description(""));
}

// Takes --help-all away from every command of `app` that has no commands of its own: there it
// would show nothing more than --help.
inline void OfferHelpAllOnlyAboveCommands(CLI::App& app) {
  const auto all = [](CLI::App*) { return true; };
  for (CLI::App* sub : app.get_subcommands(all)) {
    if (sub->get_subcommands(all).empty()) {
      sub->set_help_all_flag();
    } else {
      OfferHelpAllOnlyAboveCommands(*sub);
    }
  }
}

// "obauth keys rotate": the deepest command the parser reached in `app` (a failed parse
// included), for pointing a usage error at that command's --help.
inline std::string ChosenCommand(const CLI::App& app) {
  std::string path = "obauth";
  const CLI::App* at = &app;
  while (!at->get_subcommands().empty()) {
    at = at->get_subcommands().front();
    path += " " + at->get_name();
  }
  return path;
}

}  // namespace obauth::cli
