// `reel show DB [SESSION] --at POS [--entity ID] [--property PATH]`: the exact world state at one
// frame, in Godot's text form (or --json).
#include <algorithm>
#include <optional>

#include <fmt/core.h>

#include "cli_util.h"
#include "commands.h"
#include "inspect_common.h"
#include "reel/variant/variant_text.h"
#include "time_parse.h"

namespace reel::cli {
namespace {

struct ShowArgs {
  SessionArgs session;
  std::string at;
  std::optional<EntityId> entity;  // set from entity_value when --entity was given
  EntityId entity_value = 0;
  std::string property;
};

// Entities to show, ascending id. Throws when --entity names one that is not alive.
std::vector<std::pair<EntityId, const EntityState*>> select_entities(const WorldState& state,
                                                                     const ShowArgs& args,
                                                                     const Replayer& replayer) {
  std::vector<std::pair<EntityId, const EntityState*>> out;
  if (args.entity) {
    auto it = state.entities.find(*args.entity);
    if (it == state.entities.end()) {
      throw CliError(kExitBadInput,
                     fmt::format("--entity {}: no such entity at frame {} of session '{}'",
                                 *args.entity, state.frame, replayer.session().name));
    }
    out.emplace_back(it->first, &it->second);
    return out;
  }
  for (const auto& [id, e] : state.entities) out.emplace_back(id, &e);
  std::sort(out.begin(), out.end());
  return out;
}

void print_text(const WorldState& state, const ShowArgs& args, const Replayer& replayer,
                std::optional<PropertyId> only) {
  auto entities = select_entities(state, args, replayer);
  const auto& paths = replayer.property_paths();
  if (args.entity && only) {
    // The bare value, for scripts: `reel show x.reel --at 20s --entity 1 --property position`.
    const Variant* v = entities[0].second->find(*only);
    if (!v) {
      throw CliError(kExitBadInput, fmt::format("--property {}: entity {} has no such property "
                                                "at frame {}",
                                                args.property, *args.entity, state.frame));
    }
    fmt::print("{}\n", to_text(*v));
    return;
  }
  fmt::print("frame {}  tick {}  time {}  entities {}\n", state.frame, state.tick,
             format_time(state.time), state.entities.size());
  for (const auto& [id, e] : entities) {
    if (only && !e->find(*only)) continue;
    fmt::print("entity {} {} (spawned at frame {})\n", id,
               e->class_name.empty() ? "-" : e->class_name, e->spawn_frame);
    for (const auto& [pid, value] : e->properties) {
      if (only && pid != *only) continue;
      fmt::print("  {} = {}\n", pid < paths.size() ? paths[pid] : fmt::format("#{}", pid),
                 to_text(value));
    }
  }
}

void print_json_state(const WorldState& state, const ShowArgs& args, const Replayer& replayer,
                      std::optional<PropertyId> only) {
  auto entities = select_entities(state, args, replayer);
  const auto& paths = replayer.property_paths();
  JsonWriter j;
  j.begin_object()
      .field("session", replayer.session().name)
      .field("frame", state.frame)
      .field("tick", state.tick)
      .field("time", state.time)
      .key("entities")
      .begin_array();
  for (const auto& [id, e] : entities) {
    if (only && !e->find(*only)) continue;
    j.begin_object()
        .field("id", id)
        .field("class", e->class_name)
        .field("spawn_frame", e->spawn_frame)
        .key("properties")
        .begin_object();
    for (const auto& [pid, value] : e->properties) {
      if (only && pid != *only) continue;
      j.key(pid < paths.size() ? paths[pid] : fmt::format("#{}", pid)).variant(value);
    }
    j.end_object().end_object();
  }
  j.end_array().end_object();
  print_json(j);
}

void run_show(const ShowArgs& args) {
  auto replayer = open_session(args.session);
  std::optional<PropertyId> only;
  if (!args.property.empty()) {
    only = resolve_property(*replayer, args.property, "--property");
  }
  FrameIndex frame = resolve_position(*replayer, args.at, "--at");
  const WorldState* state = value_or_throw(replayer->seek(frame));
  if (args.session.json) {
    print_json_state(*state, args, *replayer, only);
  } else {
    print_text(*state, args, *replayer, only);
  }
}

}  // namespace

void register_show(CLI::App& app) {
  auto* cmd = app.add_subcommand("show", "Print the world state at a frame or time");
  auto args = std::make_shared<ShowArgs>();
  add_session_args(*cmd, args->session);
  cmd->add_option("--at", args->at, "Frame (1200) or time (20s, 1:05, 1:05.5, 1h2m)")
      ->required()
      ->type_name("POS");
  auto* entity =
      cmd->add_option("--entity", args->entity_value, "Only this entity id")->type_name("ID");
  cmd->add_option("--property", args->property, "Only this property path (e.g. position)");
  cmd->footer(
      "Values print in Godot's text form (var_to_str). With both --entity and --property the\n"
      "bare value is printed, for scripts.\n\n"
      "Examples:\n"
      "  reel show match.reel --at 1200\n"
      "  reel show match.reel match-1 --at 1:05.5 --entity 17\n"
      "  reel show match.reel --at 20s --entity 17 --property position\n"
      "  reel show match.reel --at 20s --json");
  cmd->callback([args, entity] {
    if (entity->count() > 0) args->entity = args->entity_value;
    run_show(*args);
  });
}

}  // namespace reel::cli
