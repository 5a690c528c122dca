#include "rewrite.h"

#include <algorithm>
#include <cctype>
#include <unordered_map>

#include <fmt/format.h>

#include "reel/recorder/recorder.h"
#include "reel/store/schema.h"
#include "reel/store/tags.h"

namespace reel::edit {
namespace {

// Which entities, properties and events a rewrite keeps (Selection resolved against a session).
class Filter {
 public:
  Filter(const Selection& selection, const std::vector<std::string>& paths)
      : selection_(selection) {
    keep_property_.resize(paths.size());
    for (size_t i = 0; i < paths.size(); ++i) {
      keep_property_[i] = selection.properties.empty() || selection.properties.contains(paths[i]);
    }
  }
  bool keep_entity(EntityId id, const EntityState& e) const {
    return selection_.entities.empty() || selection_.entities.contains(std::to_string(id)) ||
           selection_.entities.contains(e.class_name);
  }
  bool keep_property(PropertyId p) const { return p < keep_property_.size() && keep_property_[p]; }
  bool keep_event(const EventRecord& e,
                  const std::unordered_map<EntityId, EntityState>& alive) const {
    if (!selection_.events.empty() && !selection_.events.contains(e.name)) return false;
    if (selection_.entities.empty() || e.entity < 0) return true;
    return alive.contains(e.entity);  // tied to a kept entity
  }

 private:
  const Selection& selection_;
  std::vector<bool> keep_property_;
};

// Records into `recorder` the difference between `written` (the state the new session holds so
// far, in source property ids, filtered) and the source state `target`, and updates `written`.
// A frame applies spawns, then changes, then despawns (frame.h); spawning a live entity resets
// it, which is how an entity whose class changed or that lost a property (a respawn inside a cut
// range) is rebuilt.
class DiffWriter {
 public:
  DiffWriter(Recorder& recorder, const Filter& filter, std::vector<PropertyId> property_map)
      : recorder_(recorder), filter_(filter), property_map_(std::move(property_map)) {}

  void write(const WorldState& target) {
    for (const auto& [id, entity] : target.entities) {
      if (!filter_.keep_entity(id, entity)) continue;
      auto it = written_.find(id);
      if (it == written_.end() || needs_respawn(it->second, entity)) {
        respawn(id, entity);
      } else {
        update(id, it->second, entity);
      }
    }
    for (auto it = written_.begin(); it != written_.end();) {
      auto t = target.entities.find(it->first);
      if (t == target.entities.end() || !filter_.keep_entity(t->first, t->second)) {
        recorder_.despawn(it->first);
        it = written_.erase(it);
      } else {
        ++it;
      }
    }
  }
  const std::unordered_map<EntityId, EntityState>& written() const { return written_; }

 private:
  bool needs_respawn(const EntityState& have, const EntityState& want) const {
    if (have.class_name != want.class_name) return true;
    for (const auto& [p, value] : have.properties) {
      if (!want.find(p)) return true;  // properties cannot be removed but by a respawn
    }
    return false;
  }
  void respawn(EntityId id, const EntityState& want) {
    recorder_.spawn(id, want.class_name);
    EntityState& have = written_[id];
    have = EntityState{};
    have.class_name = want.class_name;
    for (const auto& [p, value] : want.properties) {
      if (!filter_.keep_property(p)) continue;
      recorder_.set(id, property_map_[p], value);
      have.slot(p) = value;
    }
  }
  void update(EntityId id, EntityState& have, const EntityState& want) {
    for (const auto& [p, value] : want.properties) {
      if (!filter_.keep_property(p)) continue;
      // Identity comparison (variant.h): -0.0 vs 0.0 or a NaN payload change is a change.
      const Variant* old = have.find(p);
      if (old && *old == value) continue;
      recorder_.set(id, property_map_[p], value);
      have.slot(p) = value;
    }
  }

  Recorder& recorder_;
  const Filter& filter_;
  std::vector<PropertyId> property_map_;  // source id -> new session's id
  std::unordered_map<EntityId, EntityState> written_;
};

bool is_damage(const Status& s) {
  return s.code() == StatusCode::kCorruption;
}

// Copies the tags of written frames (renumbered) and the start time into the new session.
Status finish_session(const std::string& source_path, const schema::SessionRow& source,
                      const std::string& dest, int64_t new_id,
                      const std::unordered_map<FrameIndex, FrameIndex>& frame_map,
                      RewriteReport& report) {
  std::vector<schema::Tag> tags;
  {
    REEL_ASSIGN_OR_RETURN(auto src, Store::open(source_path, StoreOptions{.read_only = true}));
    REEL_ASSIGN_OR_RETURN(tags, schema::list_tags(*src, source.id));
  }
  REEL_ASSIGN_OR_RETURN(auto out, Store::open(dest, StoreOptions{}));
  return out->write_transaction([&]() -> Status {
    report.tags_written = 0;
    for (const auto& tag : tags) {
      auto it = frame_map.find(tag.frame);
      if (it == frame_map.end()) continue;
      REEL_RETURN_IF_ERROR(schema::insert_tag(*out, new_id, {it->second, tag.name}));
      ++report.tags_written;
    }
    REEL_ASSIGN_OR_RETURN(
        Statement * st, out->prepare("UPDATE sessions SET start_time_us = ? WHERE session_id = ?"));
    REEL_RETURN_IF_ERROR(st->bind(1, source.start_time_us));
    REEL_RETURN_IF_ERROR(st->bind(2, new_id));
    return st->run();
  });
}

}  // namespace

Result<RewriteReport> write_rewritten(Replayer& replayer, const std::string& source_path,
                                      const std::string& dest, const RewriteOptions& options) {
  const schema::SessionRow& source = replayer.session();
  RewriteReport report;
  report.session = options.name.empty() ? source.name : options.name;

  SessionInfo info{.name = report.session,
                   .tick_rate = source.tick_rate,
                   .dialect = source.dialect,
                   .metadata = source.metadata};
  if (!options.note.empty()) info.metadata.set("edit", options.note);
  RecorderOptions recorder_options;
  recorder_options.codec = options.codec.apply(replayer.codec());
  recorder_options.codec.type_ids = TypeIds::kGodot;  // writers write Godot's numbering
  REEL_RETURN_IF_ERROR(recorder_options.codec.validate());
  recorder_options.commit_interval = std::chrono::milliseconds(1000);
  REEL_ASSIGN_OR_RETURN(auto recorder, Recorder::open(dest, info, recorder_options));

  const auto& paths = replayer.property_paths();
  Filter filter(options.selection, paths);
  std::vector<PropertyId> property_map(paths.size(), 0);
  for (size_t p = 0; p < paths.size(); ++p) {
    if (filter.keep_property(PropertyId(p))) {
      property_map[p] = recorder->intern_property(paths[p]);
    }
  }
  DiffWriter diff(*recorder, filter, std::move(property_map));
  std::unordered_map<FrameIndex, FrameIndex> frame_map;  // source frame -> new frame

  std::vector<FrameSpan> spans = options.keep;
  if (spans.empty() && replayer.frame_count() > 0) spans.push_back({0, replayer.frame_count() - 1});
  for (const FrameSpan& span : spans) {
    REEL_ASSIGN_OR_RETURN(auto events, replayer.events(span.first, span.last));
    size_t next_event = 0;
    for (FrameIndex f = span.first; f <= span.last; ++f) {
      auto state = replayer.seek(f);
      while (next_event < events.size() && events[next_event].frame < f) ++next_event;
      if (!state.ok()) {
        if (options.skip_damaged && is_damage(state.status())) {
          ++report.frames_skipped;
          continue;
        }
        return state.status();
      }
      recorder->begin_frame((*state)->tick, (*state)->time);
      diff.write(**state);
      for (; next_event < events.size() && events[next_event].frame == f; ++next_event) {
        const EventRecord& e = events[next_event];
        if (!filter.keep_event(e, diff.written())) continue;
        recorder->event(e.name, e.args, e.entity);
        ++report.events_written;
      }
      REEL_RETURN_IF_ERROR(recorder->end_frame());
      frame_map.emplace(f, report.frames_written++);
    }
  }
  const int64_t new_id = recorder->session_id();
  REEL_RETURN_IF_ERROR(recorder->close());
  recorder.reset();
  REEL_RETURN_IF_ERROR(finish_session(source_path, source, dest, new_id, frame_map, report));
  return report;
}

CodecOptions CodecOverrides::apply(CodecOptions base) const {
  if (keyframe_interval) base.keyframe_interval = *keyframe_interval;
  if (zstd_level) base.zstd_level = *zstd_level;
  if (lossy) base.lossy.enabled = *lossy;
  if (position_step) base.lossy.position_step = *position_step;
  if (rotation_step_degrees) base.lossy.rotation_step_degrees = *rotation_step_degrees;
  return base;
}

}  // namespace reel::edit
