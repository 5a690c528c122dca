// `reel merge OUT IN...`: the sessions of several databases in one new database (edit.h).
#include <fmt/format.h>

#include "cli_util.h"
#include "commands.h"
#include "file_checks.h"
#include "reel/edit/edit.h"

namespace reel::cli {

void register_merge(CLI::App& app) {
  auto* cmd = app.add_subcommand("merge", "Put the sessions of several databases in a new one");
  struct Args {
    std::string out;
    std::vector<std::string> inputs;
  };
  auto args = std::make_shared<Args>();
  cmd->add_option("OUT", args->out, "The database to create (must not exist)")->required();
  cmd->add_option("IN", args->inputs, "Databases to take every session from")->required();
  cmd->footer(
      "Sessions are copied as stored (no re-encoding). A name already taken gets -2, -3 ...\n"
      "appended, and every rename is reported. Atomic: on any failure OUT is not created.\n\n"
      "Example:\n"
      "  reel merge season.reel day1.reel day2.reel");
  cmd->callback([args] {
    for (const auto& in : args->inputs) require_database_file(in);
    require_database_output(args->out);
    auto report = value_or_throw(edit::merge_databases(args->inputs, args->out));
    for (const auto& s : report.sessions) {
      if (s.from_name == s.to_name) {
        fmt::print("{}: '{}'\n", s.source, s.from_name);
      } else {
        fmt::print("{}: '{}' renamed '{}' (the name was taken)\n", s.source, s.from_name,
                   s.to_name);
      }
    }
    fmt::print("merged {} sessions into {}\n", report.sessions.size(), args->out);
  });
}

}  // namespace reel::cli
