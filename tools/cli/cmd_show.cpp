// `reel show DB [SESSION] --at POS [--entity ID] [--property PATH ...]`: the exact world state at
// one frame, in Godot's text form (or --json).
#include <algorithm>
#include <optional>

#include <fmt/core.h>

#include "cli_util.h"
#include "commands.h"
#include "inspect_common.h"
#include "json_out.h"
#include "reel/variant/variant_text.h"
#include "time_parse.h"

namespace reel::cli {
namespace {

struct ShowArgs {
  SessionArgs session;
  std::string at;
  std::optional<EntityId> entity;  // set from entity_value when --entity was given
  EntityId entity_value = 0;
  std::vector<std::string> properties;  // empty: all
};

// The property ids of --property (empty: all).
using PropertySet = std::vector<PropertyId>;

bool shows(const PropertySet& only, PropertyId id) {
  return only.empty() || std::find(only.begin(), only.end(), id) != only.end();
}

// True when the entity holds at least one of the shown properties.
bool has_any(const EntityState& e, const PropertySet& only) {
  if (only.empty()) return true;
  return std::any_of(only.begin(), only.end(), [&](PropertyId id) { return e.find(id); });
}

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
                const PropertySet& only) {
  auto entities = select_entities(state, args, replayer);
  const auto& paths = replayer.property_paths();
  if (args.entity && only.size() == 1) {
    // The bare value, for scripts: `reel show x.reel --at 20s --entity 1 --property position`.
    const Variant* v = entities[0].second->find(only[0]);
    if (!v) {
      throw CliError(kExitBadInput, fmt::format("--property {}: entity {} has no such property "
                                                "at frame {}",
                                                args.properties[0], *args.entity, state.frame));
    }
    fmt::print("{}\n", to_text(*v));
    return;
  }
  fmt::print("frame {}  tick {}  time {}  entities {}\n", state.frame, state.tick,
             format_time(state.time), state.entities.size());
  for (const auto& [id, e] : entities) {
    if (!has_any(*e, only)) continue;
    fmt::print("entity {} {} (spawned at frame {})\n", id,
               e->class_name.empty() ? "-" : e->class_name, e->spawn_frame);
    for (const auto& [pid, value] : e->properties) {
      if (!shows(only, pid)) continue;
      fmt::print("  {} = {}\n", pid < paths.size() ? paths[pid] : fmt::format("#{}", pid),
                 to_text(value));
    }
  }
}

void print_json_state(const WorldState& state, const ShowArgs& args, const Replayer& replayer,
                      const PropertySet& only) {
  auto entities = select_entities(state, args, replayer);
  const auto& paths = replayer.property_paths();
  Json list = Json::array();
  for (const auto& [id, e] : entities) {
    if (!has_any(*e, only)) continue;
    Json properties = Json::object();
    for (const auto& [pid, value] : e->properties) {
      if (!shows(only, pid)) continue;
      properties[pid < paths.size() ? paths[pid] : fmt::format("#{}", pid)] = variant_json(value);
    }
    list.push_back({{"id", id},
                    {"class", e->class_name},
                    {"spawn_frame", e->spawn_frame},
                    {"properties", std::move(properties)}});
  }
  print_json({{"session", replayer.session().name},
              {"frame", state.frame},
              {"tick", state.tick},
              {"time", state.time},
              {"entities", std::move(list)}});
}

void run_show(const ShowArgs& args) {
  auto replayer = open_session(args.session);
  PropertySet only;
  for (const auto& path : args.properties) {
    only.push_back(resolve_property(*replayer, path, "--property"));
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
  cmd->add_option("--property", args->properties,
                  "Only this property path (e.g. position; repeatable)")
      ->allow_extra_args(false);
  cmd->footer(
      "Values print in Godot's text form (var_to_str). With --entity and one --property the\n"
      "bare value is printed, for scripts. With several --property, entities holding none of\n"
      "them are left out.\n\n"
      "Examples:\n"
      "  reel show match.reel --at 1200\n"
      "  reel show match.reel match-1 --at 1:05.5 --entity 17\n"
      "  reel show match.reel --at 20s --entity 17 --property position\n"
      "  reel show match.reel --at 20s --property position --property health\n"
      "  reel show match.reel --at 20s --json");
  cmd->callback([args, entity] {
    if (entity->count() > 0) args->entity = args->entity_value;
    run_show(*args);
  });
}

}  // namespace reel::cli
