// `reel diff DB [SESSION] A B [--entity ID ...]`: what changed between two frames: entities spawned
// and despawned, properties changed (old -> new), added or removed.
#include <algorithm>
#include <set>

#include <fmt/core.h>

#include "cli_util.h"
#include "commands.h"
#include "inspect_common.h"
#include "json_out.h"
#include "reel/variant/variant_text.h"
#include "time_parse.h"

namespace reel::cli {
namespace {

struct DiffArgs {
  SessionArgs session;
  EntityFilter entities;
  std::vector<std::string> positions;  // [SESSION] A B after DB
};

struct PropertyDiff {
  EntityId entity = 0;
  PropertyId property = 0;
  const Variant* before = nullptr;  // nullptr: absent at A
  const Variant* after = nullptr;   // nullptr: absent at B
};

struct EntityRef {
  EntityId id = 0;
  const EntityState* state = nullptr;
};

struct WorldDiff {
  std::vector<EntityRef> spawned;    // alive at B, not at A (or respawned in between)
  std::vector<EntityRef> despawned;  // alive at A, not at B (or respawned in between)
  std::vector<PropertyDiff> changed;
};

// REQUIRES: `a` and `b` outlive the result (it points into them).
WorldDiff diff_states(const WorldState& a, const WorldState& b, const EntityFilter& only) {
  WorldDiff d;
  std::set<EntityId> ids;
  for (const auto& [id, e] : a.entities) {
    if (only.keeps(id)) ids.insert(id);
  }
  for (const auto& [id, e] : b.entities) {
    if (only.keeps(id)) ids.insert(id);
  }
  for (EntityId id : ids) {
    auto ia = a.entities.find(id), ib = b.entities.find(id);
    const EntityState* ea = ia == a.entities.end() ? nullptr : &ia->second;
    const EntityState* eb = ib == b.entities.end() ? nullptr : &ib->second;
    // A different spawn frame means the id was reused: a despawn plus a spawn.
    bool same_life = ea && eb && ea->spawn_frame == eb->spawn_frame;
    if (ea && !same_life) d.despawned.push_back({id, ea});
    if (eb && !same_life) {
      d.spawned.push_back({id, eb});
      // A new entity's initial values show as (absent) -> value.
      for (const auto& [pid, value] : eb->properties)
        d.changed.push_back({id, pid, nullptr, &value});
    }
    if (!same_life) continue;
    std::set<PropertyId> props;
    for (const auto& p : ea->properties) props.insert(p.first);
    for (const auto& p : eb->properties) props.insert(p.first);
    for (PropertyId pid : props) {
      const Variant* va = ea->find(pid);
      const Variant* vb = eb->find(pid);
      if (va && vb && *va == *vb) continue;
      d.changed.push_back({id, pid, va, vb});
    }
  }
  return d;
}

std::string path_of(const Replayer& r, PropertyId id) {
  const auto& paths = r.property_paths();
  return id < paths.size() ? paths[id] : fmt::format("#{}", id);
}

std::string text_or_absent(const Variant* v) {
  return v ? to_text(*v) : "(absent)";
}

void print_text(const Replayer& r, const WorldState& a, const WorldState& b, const WorldDiff& d) {
  fmt::print("frame {} ({}) -> frame {} ({}): {} spawned, {} despawned, {} changed\n", a.frame,
             format_time(a.time), b.frame, format_time(b.time), d.spawned.size(),
             d.despawned.size(), d.changed.size());
  for (const auto& e : d.spawned) {
    fmt::print("+ entity {} {}\n", e.id, e.state->class_name.empty() ? "-" : e.state->class_name);
  }
  for (const auto& e : d.despawned) {
    fmt::print("- entity {} {}\n", e.id, e.state->class_name.empty() ? "-" : e.state->class_name);
  }
  for (const auto& c : d.changed) {
    fmt::print("~ entity {} {}: {} -> {}\n", c.entity, path_of(r, c.property),
               text_or_absent(c.before), text_or_absent(c.after));
  }
}

Json entities_json(const std::vector<EntityRef>& list) {
  Json out = Json::array();
  for (const auto& e : list) out.push_back({{"id", e.id}, {"class", e.state->class_name}});
  return out;
}

void print_json_diff(const Replayer& r, const WorldState& a, const WorldState& b,
                     const WorldDiff& d) {
  Json changed = Json::array();
  for (const auto& c : d.changed) {
    changed.push_back({{"entity", c.entity},
                       {"property", path_of(r, c.property)},
                       {"old", variant_json_or_null(c.before)},
                       {"new", variant_json_or_null(c.after)}});
  }
  print_json({{"session", r.session().name},
              {"a", {{"frame", a.frame}, {"time", a.time}}},
              {"b", {{"frame", b.frame}, {"time", b.time}}},
              {"spawned", entities_json(d.spawned)},
              {"despawned", entities_json(d.despawned)},
              {"changed", std::move(changed)}});
}

void run_diff(DiffArgs& args) {
  if (args.positions.size() == 3) {
    args.session.session = args.positions[0];
    args.positions.erase(args.positions.begin());
  }
  if (args.positions.size() != 2) {
    throw CliError(kExitBadInput, "needs two frames or times: reel diff DB [SESSION] A B");
  }
  auto replayer = open_session(args.session);
  require_known_entities(args.session, *replayer, args.entities);
  FrameIndex fa = resolve_position(*replayer, args.positions[0], "A");
  FrameIndex fb = resolve_position(*replayer, args.positions[1], "B");
  WorldState a = *value_or_throw(replayer->seek(fa));  // a copy: the next seek moves the cursor
  const WorldState& b = *value_or_throw(replayer->seek(fb));
  WorldDiff d = diff_states(a, b, args.entities);
  if (args.session.json) {
    print_json_diff(*replayer, a, b, d);
  } else {
    print_text(*replayer, a, b, d);
  }
}

}  // namespace

void register_diff(CLI::App& app) {
  auto* cmd = app.add_subcommand("diff", "Show what changed between two frames");
  auto args = std::make_shared<DiffArgs>();
  add_session_args(*cmd, args->session, /*with_session=*/false);
  cmd->add_option("POSITIONS", args->positions,
                  "[SESSION] A B: optional session name or id, then two frames or times")
      ->expected(2, 3)
      ->required();
  add_entity_filter(*cmd, args->entities, "Only this entity (repeatable)");
  cmd->footer(
      "Lines: '+ entity ID CLASS' spawned, '- entity ID CLASS' despawned,\n"
      "'~ entity ID PATH: OLD -> NEW' changed ((absent) when missing on one side).\n"
      "A spawned entity's properties show as (absent) -> value. An id despawned and spawned\n"
      "again in between shows as - and +. --entity keeps only the entities named (an id the\n"
      "session never had is an error).\n\n"
      "Examples:\n"
      "  reel diff match.reel 100 200\n"
      "  reel diff match.reel match-1 1:00 1:05.5\n"
      "  reel diff match.reel 0 20s --entity 17 --json");
  cmd->callback([args] { run_diff(*args); });
}

}  // namespace reel::cli
