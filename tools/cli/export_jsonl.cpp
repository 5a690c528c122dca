// `reel export --format jsonl`: one JSON object per frame, one line each (tools/cli/EXPORT.md,
// "jsonl"). The first line holds the whole state at --from ("full_state": true); the others hold
// what each frame changed. Values: JSON's own types for null, bool, int, float and String, and
// {"type": NAME, "value": ...} with plain numbers for everything else.
#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>

#include <nlohmann/json.hpp>

#include "cli_util.h"
#include "export_common.h"
#include "reel/variant/variant_text.h"

namespace reel::cli {
namespace {

// ordered_json: keys in the order written (frame, tick, time, ...), as tools/cli/EXPORT.md shows
// them.
using json = nlohmann::ordered_json;

// Non-finite numbers have no JSON form: they are written as the strings "inf", "-inf", "nan".
json non_finite(double d) {
  if (std::isnan(d)) return "nan";
  return d > 0 ? "inf" : "-inf";
}

json number(double d) {
  return std::isfinite(d) ? json(d) : non_finite(d);
}

// A float32 component as the double nearest to its shortest decimal, so that it prints as that
// decimal ("0.1", not "0.10000000149011612").
json number(float f) {
  if (!std::isfinite(f)) return non_finite(f);
  char buf[32];
  const auto printed = std::to_chars(buf, buf + sizeof buf, f);
  double d = 0;
  std::from_chars(buf, printed.ptr, d);
  return d;
}

template <class T>
json components(const T& v) {
  constexpr size_t n = sizeof(T) / 4;
  json out = json::array();
  if constexpr (std::is_same_v<T, Vector2i> || std::is_same_v<T, Vector3i> ||
                std::is_same_v<T, Vector4i> || std::is_same_v<T, Rect2i>) {
    int32_t parts[n];
    std::memcpy(parts, &v, sizeof(T));
    for (int32_t p : parts) out.push_back(p);
  } else {
    float parts[n];
    std::memcpy(parts, &v, sizeof(T));
    for (float p : parts) out.push_back(number(p));
  }
  return out;
}

json value_json(const Variant& v);

// Godot's string form of a NodePath: "/" when absolute, names joined by "/", ":subname" each.
std::string node_path_string(const NodePath& p) {
  std::string s = p.absolute ? "/" : "";
  for (size_t i = 0; i < p.names.size(); ++i) s += (i ? "/" : "") + p.names[i];
  for (const auto& sub : p.subnames) s += ":" + sub;
  return s;
}

json typed(const Variant& v, json value) {
  return json{{"type", std::string(type_name(v.type()))}, {"value", std::move(value)}};
}

template <class E>
json packed(const std::vector<E>& items) {
  json out = json::array();
  for (const E& e : items) {
    if constexpr (std::is_same_v<E, std::string> || std::is_integral_v<E>) {
      out.push_back(e);
    } else if constexpr (std::is_floating_point_v<E>) {
      out.push_back(number(e));
    } else {
      out.push_back(components(e));
    }
  }
  return out;
}

json value_json(const Variant& v) {
  return std::visit(
      [&](const auto& x) -> json {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, std::monostate>) {
          return nullptr;
        } else if constexpr (std::is_same_v<T, bool> || std::is_same_v<T, int64_t> ||
                             std::is_same_v<T, std::string>) {
          return x;
        } else if constexpr (std::is_same_v<T, double>) {
          return number(x);
        } else if constexpr (std::is_same_v<T, StringName>) {
          return typed(v, x.name);
        } else if constexpr (std::is_same_v<T, NodePath>) {
          return typed(v, node_path_string(x));
        } else if constexpr (std::is_same_v<T, Array>) {
          json out = json::array();
          for (const auto& item : x.items) out.push_back(value_json(item));
          return out;
        } else if constexpr (std::is_same_v<T, Boxed<Dictionary>>) {
          json pairs = json::array();
          const Dictionary& d = x.get();
          for (size_t i = 0; i < d.size(); ++i) {
            pairs.push_back(json::array({value_json(d.keys()[i]), value_json(d.values()[i])}));
          }
          return typed(v, std::move(pairs));
        } else if constexpr (std::is_same_v<T, RID> || std::is_same_v<T, Object> ||
                             std::is_same_v<T, Callable> || std::is_same_v<T, Signal>) {
          return json{{"type", std::string(type_name(v.type()))}, {"text", to_text(v)}};
        } else if constexpr (requires {
                               x.size();
                               x.begin();
                             }) {
          return typed(v, packed(x));
        } else {
          return typed(v, components(x));
        }
      },
      v.storage());
}

class JsonlWriter {
 public:
  JsonlWriter(const ExportJob& job, OutputFile& out) : job_(job), out_(out) {}

  void full_state(const WorldState& state, const std::vector<EventRecord>& events) {
    std::vector<EntityId> ids;
    for (const auto& [id, e] : state.entities) {
      if (job_.selection.wants(id)) ids.push_back(id);
    }
    std::sort(ids.begin(), ids.end());
    json spawns = json::array(), changes = json::array();
    for (EntityId id : ids) {
      const EntityState& e = state.entities.at(id);
      spawns.push_back({{"entity", id}, {"class", e.class_name}});
      for (const auto& [property, value] : e.properties) add_change(changes, id, property, value);
    }
    json evs = json::array();
    for (const auto& e : events) add_event(evs, e.name, e.entity, e.args);
    emit(state.frame, state.tick, state.time, true, std::move(spawns), json::array(),
         std::move(changes), std::move(evs));
  }

  void frame(const Frame& f) {
    json spawns = json::array(), despawns = json::array(), changes = json::array(),
         evs = json::array();
    for (const auto& s : f.spawns) {
      if (job_.selection.wants(s.entity))
        spawns.push_back({{"entity", s.entity}, {"class", s.class_name}});
    }
    for (EntityId id : f.despawns) {
      if (job_.selection.wants(id)) despawns.push_back(id);
    }
    for (const auto& c : f.changes) add_change(changes, c.entity, c.property, c.value);
    for (const auto& e : f.events) add_event(evs, e.name, e.entity, e.args);
    emit(f.index, f.tick, f.time, false, std::move(spawns), std::move(despawns), std::move(changes),
         std::move(evs));
  }

 private:
  void add_change(json& changes, EntityId entity, PropertyId property, const Variant& value) {
    if (!job_.selection.wants(entity) || !job_.selection.wants(property)) return;
    changes.push_back({{"entity", entity},
                       {"property", job_.replayer->property_paths()[property]},
                       {"value", value_json(value)}});
  }
  // With --entity, events of other entities are left out; events of no entity (-1) stay.
  void add_event(json& events, const std::string& name, EntityId entity, const Variant& args) {
    if (entity != -1 && !job_.selection.wants(entity)) return;
    events.push_back({{"name", name}, {"entity", entity}, {"args", value_json(args)}});
  }
  void emit(FrameIndex frame, int64_t tick, double time, bool full, json spawns, json despawns,
            json changes, json events) {
    json line = {{"frame", frame}, {"tick", tick}, {"time", number(time)}};
    if (full) line["full_state"] = true;
    line["spawns"] = std::move(spawns);
    line["despawns"] = std::move(despawns);
    line["changes"] = std::move(changes);
    line["events"] = std::move(events);
    // A record per tag of this frame (`reel tag`), only on frames that have one.
    while (next_tag_ < job_.tags.size() && job_.tags[next_tag_].frame < frame) ++next_tag_;
    if (next_tag_ < job_.tags.size() && job_.tags[next_tag_].frame == frame) {
      json tags = json::array();
      for (; next_tag_ < job_.tags.size() && job_.tags[next_tag_].frame == frame; ++next_tag_) {
        tags.push_back({{"name", job_.tags[next_tag_].name}});
      }
      line["tags"] = std::move(tags);
    }
    text_ = line.dump(-1, ' ', false, json::error_handler_t::replace);
    text_ += '\n';
    out_.write(text_);
  }

  const ExportJob& job_;
  OutputFile& out_;
  std::string text_;
  size_t next_tag_ = 0;  // job_.tags is by frame: the first not yet written
};

}  // namespace

void write_jsonl_export(ExportJob& job) {
  Replayer& replayer = *job.replayer;
  const FrameRange range = job.selection.range;
  OutputFile out(job.out);
  ExportProgress progress("reel export", range.to - range.from + 1);
  JsonlWriter writer(job, out);
  std::vector<EventRecord> first_events = value_or_throw(replayer.events(range.from, range.from));
  writer.full_state(*value_or_throw(replayer.seek(range.from)), first_events);
  if (range.to > range.from) {
    throw_if_error(replayer.for_each_frame(range.from + 1, range.to,
                                           [&](const Frame& f, const WorldState&) -> Status {
                                             writer.frame(f);
                                             progress.frame_done(f.index - range.from + 1);
                                             return {};
                                           }));
  }
  progress.clear();
  out.close();
}

}  // namespace reel::cli
