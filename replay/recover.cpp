#include "reel/replay/recover.h"

#include <unistd.h>

#include <algorithm>
#include <filesystem>

namespace reel {

Result<RecoveredState> recover_state(const std::string& path, std::string_view session,
                                     const RecoverOptions& options) {
  RecoveredState out;
  if (options.settle) {
    out.sessions_sealed = schema::settle_for_reading(path, options.replay.store, options.liveness);
  }
  // One keyframe segment is all a recovery decodes: a small cache is plenty.
  ReplayOptions replay_options = options.replay;
  replay_options.cache_budget_bytes = std::min<size_t>(replay_options.cache_budget_bytes, 8u << 20);
  REEL_ASSIGN_OR_RETURN(auto replayer, Replayer::open(path, session, replay_options));
  const FrameIndex count = replayer->frame_count();
  if (count == 0) {
    return Status::out_of_range("{}: session '{}' holds no committed frame", path,
                                replayer->session().name);
  }
  const FrameIndex frame = options.at.value_or(count - 1);
  // seek() loads the nearest keyframe at or before `frame` and applies the chunks after it.
  REEL_ASSIGN_OR_RETURN(const WorldState* state, replayer->seek(frame));
  out.state = *state;
  out.session = replayer->session();
  if (options.replay.store.profile == StorageProfile::kLocal && ::access(path.c_str(), W_OK) != 0) {
    out.notice = "opened immutable: the file or its directory is not writable";
  } else if (options.replay.store.profile == StorageProfile::kLocal) {
    const std::string dir = std::filesystem::path(path).parent_path().string();
    if (::access(dir.empty() ? "." : dir.c_str(), W_OK) != 0) {
      out.notice = "opened immutable: the file or its directory is not writable";
    }
  }
  out.property_paths = replayer->property_paths();
  return out;
}

Result<KeyframeSegment> last_keyframe_segment(const std::string& path, std::string_view session,
                                              const RecoverOptions& options) {
  if (options.settle) schema::settle_for_reading(path, options.replay.store, options.liveness);
  REEL_ASSIGN_OR_RETURN(auto replayer, Replayer::open(path, session, options.replay));
  const FrameIndex last = replayer->frame_count() - 1;
  if (last < 0) {
    return Status::out_of_range("{}: session '{}' holds no committed frame", path,
                                replayer->session().name);
  }
  REEL_ASSIGN_OR_RETURN(auto keyframes, replayer->keyframe_frames());
  FrameIndex keyframe = -1;
  for (FrameIndex k : keyframes) {
    if (k <= last) keyframe = std::max(keyframe, k);
  }
  if (keyframe < 0) {
    return Status::corruption("{}: session '{}' has no keyframe at or before frame {}", path,
                              replayer->session().name, last);
  }
  KeyframeSegment segment;
  REEL_ASSIGN_OR_RETURN(const WorldState* state, replayer->seek(keyframe));
  segment.keyframe_state = *state;
  if (keyframe < last) {
    REEL_RETURN_IF_ERROR(replayer->for_each_frame(
        keyframe + 1, last, [&](const Frame& frame, const WorldState&) -> Status {
          segment.frames_after_keyframe.push_back(frame);
          return {};
        }));
  }
  segment.property_paths = replayer->property_paths();
  return segment;
}

namespace {

Dictionary properties_dictionary(const EntityState& e, const std::vector<std::string>& paths) {
  Dictionary properties;
  properties.reserve(e.properties.size());
  for (const auto& [property, value] : e.properties) {
    const std::string path =
        property < paths.size() ? paths[property] : fmt::format("#{}", property);
    properties.append_unique(path, value);  // property ids, hence paths, are unique
  }
  return properties;
}

}  // namespace

Dictionary state_dictionary(const RecoveredState& recovered) {
  return state_dictionary(recovered.session, recovered.property_paths, recovered.state);
}

Dictionary state_dictionary(const schema::SessionRow& s, const std::vector<std::string>& paths,
                            const WorldState& state) {
  Dictionary d;
  d.set("format", "reel-state");
  d.set("version", int64_t{1});
  d.set("session", s.name);
  d.set("session_id", s.id);
  d.set("status", schema::session_status_name(s.status));
  d.set("end_reason", s.end_reason);
  d.set("frame", state.frame);
  d.set("tick", state.tick);
  d.set("time", state.time);
  d.set("frame_count", s.frame_count);
  d.set("frames_handed_over", s.frames_handed_over);
  std::vector<EntityId> ids;
  ids.reserve(state.entities.size());
  for (const auto& [id, entity] : state.entities) ids.push_back(id);
  std::sort(ids.begin(), ids.end());
  Dictionary entities;
  entities.reserve(ids.size());
  for (EntityId id : ids) {
    const EntityState& e = state.entities.at(id);
    Dictionary entity;
    entity.set("class", e.class_name);
    entity.set("spawn_frame", e.spawn_frame);
    entity.set("properties", properties_dictionary(e, paths));
    entities.append_unique(id, std::move(entity));  // ids are unique
  }
  d.set("entities", std::move(entities));
  return d;
}

Result<Dictionary> entity_dictionary(const schema::SessionRow& s,
                                     const std::vector<std::string>& paths,
                                     const WorldState& state, EntityId entity) {
  auto it = state.entities.find(entity);
  if (it == state.entities.end()) {
    return Status::not_found("entity {} is not alive at frame {} of session '{}'", entity,
                             state.frame, s.name);
  }
  Dictionary d;
  d.set("format", "reel-entity");
  d.set("version", int64_t{1});
  d.set("session", s.name);
  d.set("session_id", s.id);
  d.set("frame", state.frame);
  d.set("tick", state.tick);
  d.set("time", state.time);
  d.set("entity", int64_t{entity});
  d.set("class", it->second.class_name);
  d.set("spawn_frame", it->second.spawn_frame);
  d.set("properties", properties_dictionary(it->second, paths));
  return d;
}

}  // namespace reel
