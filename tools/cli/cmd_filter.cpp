// `reel filter DB [SESSION] [--entity E]... [--property P]... [--event N]...`: a new session
// keeping only the chosen entities, properties and events (edit.h).
#include <fmt/format.h>

#include "cli_util.h"
#include "commands.h"
#include "edit_common.h"

namespace reel::cli {

void register_filter(CLI::App& app) {
  auto* cmd = app.add_subcommand("filter", "Keep only chosen entities, properties or events");
  struct Args {
    RewriteArgs rewrite;
    std::vector<std::string> entities, properties, events;
  };
  auto args = std::make_shared<Args>();
  add_rewrite_args(*cmd, args->rewrite);
  cmd->add_option("--entity", args->entities,
                  "Keep this entity: an id or a class name (repeatable; default: all)");
  cmd->add_option("--property", args->properties,
                  "Keep this property path (repeatable; default: all)");
  cmd->add_option("--event", args->events, "Keep events of this name (repeatable; default: all)");
  cmd->footer(
      "Events tied to an entity that is left out are left out too. Atomic.\n\n"
      "Examples:\n"
      "  reel filter match.reel m1 --entity res://player.tscn --property head:transform \\\n"
      "      --event jump --out players.reel");
  cmd->callback([args] {
    auto replayer = open_session(args->rewrite.session);
    for (const auto& p : args->properties) resolve_property(*replayer, p, "--property");
    edit::RewriteOptions options;
    options.selection.entities = {args->entities.begin(), args->entities.end()};
    options.selection.properties = {args->properties.begin(), args->properties.end()};
    options.selection.events = {args->events.begin(), args->events.end()};
    if (options.selection.empty()) {
      throw CliError(kExitBadInput, "filter: name at least one --entity, --property or --event");
    }
    options.name = rewrite_name(args->rewrite, replayer->session().name, "filter");
    options.skip_damaged = args->rewrite.skip_damaged;
    options.note = fmt::format("filter of '{}'", replayer->session().name);
    replayer.reset();
    run_rewrite(args->rewrite, options);
  });
}

}  // namespace reel::cli
