// `reel diff DB [SESSION] A B`: what changed between two frames: entities spawned and despawned,
// properties changed (old -> new), added or removed.
#include <algorithm>
#include <set>

#include <fmt/core.h>

#include "cli_util.h"
#include "commands.h"
#include "inspect_common.h"
#include "reel/variant/variant_text.h"
#include "time_parse.h"

namespace reel::cli {
namespace {

struct DiffArgs {
  SessionArgs session;
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
WorldDiff diff_states(const WorldState& a, const WorldState& b) {
  WorldDiff d;
  std::set<EntityId> ids;
  for (const auto& [id, e] : a.entities) ids.insert(id);
  for (const auto& [id, e] : b.entities) ids.insert(id);
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

void write_entities(JsonWriter& j, const std::vector<EntityRef>& list) {
  j.begin_array();
  for (const auto& e : list) {
    j.begin_object().field("id", e.id).field("class", e.state->class_name).end_object();
  }
  j.end_array();
}

void write_optional_variant(JsonWriter& j, const Variant* v) {
  if (v) {
    j.variant(*v);
  } else {
    j.null();
  }
}

void print_json_diff(const Replayer& r, const WorldState& a, const WorldState& b,
                     const WorldDiff& d) {
  JsonWriter j;
  j.begin_object().field("session", r.session().name);
  j.key("a").begin_object().field("frame", a.frame).field("time", a.time).end_object();
  j.key("b").begin_object().field("frame", b.frame).field("time", b.time).end_object();
  j.key("spawned");
  write_entities(j, d.spawned);
  j.key("despawned");
  write_entities(j, d.despawned);
  j.key("changed").begin_array();
  for (const auto& c : d.changed) {
    j.begin_object().field("entity", c.entity).field("property", path_of(r, c.property));
    j.key("old");
    write_optional_variant(j, c.before);
    j.key("new");
    write_optional_variant(j, c.after);
    j.end_object();
  }
  j.end_array().end_object();
  print_json(j);
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
  FrameIndex fa = resolve_position(*replayer, args.positions[0], "A");
  FrameIndex fb = resolve_position(*replayer, args.positions[1], "B");
  WorldState a = *value_or_throw(replayer->seek(fa));  // a copy: the next seek moves the cursor
  const WorldState& b = *value_or_throw(replayer->seek(fb));
  WorldDiff d = diff_states(a, b);
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
  cmd->footer(
      "Lines: '+ entity ID CLASS' spawned, '- entity ID CLASS' despawned,\n"
      "'~ entity ID PATH: OLD -> NEW' changed ((absent) when missing on one side).\n"
      "A spawned entity's properties show as (absent) -> value. An id despawned and spawned\n"
      "again in between shows as - and +.\n\n"
      "Examples:\n"
      "  reel diff match.reel 100 200\n"
      "  reel diff match.reel match-1 1:00 1:05.5\n"
      "  reel diff match.reel 0 20s --json");
  cmd->callback([args] { run_diff(*args); });
}

}  // namespace reel::cli
