// `reel tag DB [SESSION] --at POS NAME` / `--delete NAME`: bookmarks (FORMAT.md 5, tags).
#include <fmt/format.h>

#include "cli_util.h"
#include "commands.h"
#include "file_checks.h"
#include "inspect_common.h"
#include "reel/edit/edit.h"

namespace reel::cli {

void register_tag(CLI::App& app) {
  auto* cmd = app.add_subcommand("tag", "Bookmark a frame of a session by name, or remove one");
  struct Args {
    std::string db, session, name, at;
    bool remove = false;
  };
  auto args = std::make_shared<Args>();
  cmd->add_option("DB", args->db, "Reel database file")->required();
  cmd->add_option("SESSION", args->session,
                  "Session name or id (may be omitted when the database holds one session)");
  cmd->add_option("NAME", args->name, "The tag's name (unique in the session)");
  cmd->add_option("--at", args->at, "Frame number or time to tag");
  cmd->add_flag("--delete", args->remove, "Remove the tag NAME");
  cmd->footer(
      "Tags are listed by 'reel info'. One transaction: a failure changes nothing.\n\n"
      "Examples:\n"
      "  reel tag match.reel m1 --at 1:23.5 first-goal\n"
      "  reel tag match.reel m1 --delete first-goal");
  cmd->callback([args] {
    // CLI11 fills positionals in order: with one positional after DB it is NAME.
    if (args->name.empty()) std::swap(args->name, args->session);
    if (args->name.empty()) throw CliError(kExitBadInput, "tag: NAME is required");
    require_database_file(args->db);
    set_current_file(args->db);
    if (args->remove == !args->at.empty()) {
      throw CliError(kExitBadInput, "tag: give either --at POS or --delete");
    }
    if (args->remove) {
      throw_if_error(edit::remove_tag(args->db, args->session, args->name));
      fmt::print("removed tag '{}'\n", args->name);
      return;
    }
    FrameIndex frame = 0;
    {
      auto replayer = open_session({.db = args->db, .session = args->session});
      frame = resolve_position(*replayer, args->at, "--at");
    }
    throw_if_error(edit::add_tag(args->db, args->session, frame, args->name));
    fmt::print("tagged frame {} '{}'\n", frame, args->name);
  });
}

}  // namespace reel::cli
