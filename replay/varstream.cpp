#include "reel/replay/varstream.h"

#include <algorithm>
#include <map>
#include <set>

#include "reel/format/format_constants.h"
#include "reel/variant/godot3_convert.h"

namespace reel {
namespace {

Array pair(Variant a, Variant b) {
  Array arr;
  arr.items.push_back(std::move(a));
  arr.items.push_back(std::move(b));
  return arr;
}

Array events_array(const std::vector<Event>& events) {
  Array out;
  for (const auto& e : events) {
    Array item = pair(e.name, int64_t{e.entity});
    item.items.push_back(e.args);
    out.items.push_back(std::move(item));
  }
  return out;
}

// FORMAT.md 9: the header record.
Dictionary header_record(Replayer& replayer, FrameIndex from, FrameIndex to,
                         const VarstreamOptions& options) {
  Array paths;
  for (const auto& p : replayer.property_paths()) paths.items.push_back(p);
  Dictionary d;
  d.set("reel_varstream", int64_t{format::kVarstreamVersion});
  d.set("godot", int64_t{static_cast<int>(options.dialect)});
  d.set("session", replayer.session().name);
  d.set("tick_rate", replayer.session().tick_rate);
  d.set("first_frame", int64_t{from});
  d.set("last_frame", int64_t{to});
  d.set("reset_interval", options.reset_interval);
  d.set("properties", std::move(paths));
  // Optional, after the others (FORMAT.md 9): [frame, name] per tag, by frame then name.
  Array tags;
  for (const auto& tag : options.tags) tags.items.push_back(pair(int64_t{tag.frame}, tag.name));
  d.set("tags", std::move(tags));
  return d;
}

Dictionary index_record(const PackedInt64Array& reset_frames, const PackedInt64Array& reset_offsets,
                        const PackedInt64Array& frame_offsets) {
  Dictionary d;
  d.set("reset_frames", reset_frames);
  d.set("reset_offsets", reset_offsets);
  d.set("frame_offsets", frame_offsets);
  return d;
}

// What changed since the last full-state record (FORMAT.md 9, "Segment records"): the latest
// value of every property set since, the entities spawned since that are alive, and the entities
// of the full state despawned (or spawned again) since. Bounded by the size of the world state.
class Segment {
 public:
  void restart(const WorldState& state) {
    values_.clear();
    spawned_.clear();
    gone_.clear();
    at_reset_.clear();
    for (const auto& [id, e] : state.entities) at_reset_.insert(id);
  }
  void apply(const Frame& frame) {
    for (const auto& s : frame.spawns) {
      if (at_reset_.contains(s.entity)) gone_.insert(s.entity);  // a fresh node replaces it
      erase_values(s.entity);
      spawned_[s.entity] = s.class_name;
    }
    for (const auto& c : frame.changes) values_[{c.entity, c.property}] = c.value;
    for (EntityId id : frame.despawns) {
      if (at_reset_.contains(id)) gone_.insert(id);
      spawned_.erase(id);
      erase_values(id);
    }
  }
  // The frame's record: its own spawns, despawns and events, the segment's changes.
  Dictionary record(const Frame& frame, const std::vector<std::string>& paths) const {
    Frame cumulative;
    cumulative.index = frame.index;
    cumulative.tick = frame.tick;
    cumulative.time = frame.time;
    cumulative.spawns = frame.spawns;
    cumulative.despawns = frame.despawns;
    cumulative.events = frame.events;
    for (const auto& [key, value] : values_)
      cumulative.changes.push_back({key.first, key.second, value});
    Dictionary d = frame_record(cumulative, paths, /*reset=*/false);
    Array spawns, despawns;
    for (const auto& [id, cls] : spawned_) spawns.items.push_back(pair(int64_t{id}, cls));
    for (EntityId id : gone_) despawns.items.push_back(int64_t{id});
    d.set("segment_spawns", std::move(spawns));
    d.set("segment_despawns", std::move(despawns));
    return d;
  }

 private:
  void erase_values(EntityId id) {
    values_.erase(values_.lower_bound({id, 0}), values_.lower_bound({id + 1, 0}));
  }
  std::map<std::pair<EntityId, PropertyId>, Variant> values_;
  std::map<EntityId, std::string> spawned_;
  std::set<EntityId> gone_, at_reset_;
};

// store_var of a 16-byte PackedByteArray: magic + u64 LE offset. Fixed 28 bytes whatever the
// dialect (only the type id differs), so a reader finds it at length - 28 and the offset in the
// last 8 bytes.
Status append_footer(GodotDialect dialect, int64_t index_offset, std::vector<uint8_t>& out) {
  PackedByteArray payload(format::kVarstreamFooterMagic, format::kVarstreamFooterMagic + 8);
  for (int i = 0; i < 8; ++i) {
    payload.push_back(static_cast<uint8_t>(static_cast<uint64_t>(index_offset) >> (8 * i)));
  }
  const size_t start = out.size();
  REEL_RETURN_IF_ERROR(append_store_var(Variant(payload), dialect, out));
  if (out.size() - start != format::kVarstreamFooterBytes) {
    return Status::internal("varstream footer has an unexpected size");
  }
  return {};
}

// Buffers records and hands them to the sink in blocks, counting bytes (record offsets).
class BlockWriter {
 public:
  BlockWriter(const ByteSink& sink, GodotDialect dialect) : sink_(sink), dialect_(dialect) {}
  Result<int64_t> write(const Variant& record, FrameIndex frame) {
    const int64_t at = position();
    Status s = append_store_var(record, dialect_, buffer_);
    if (!s.ok()) return frame >= 0 ? s.with_context(fmt::format("frame {}", frame)) : s;
    if (buffer_.size() >= kBlockBytes) REEL_RETURN_IF_ERROR(flush());
    return at;
  }
  std::vector<uint8_t>& buffer() { return buffer_; }
  int64_t position() const { return flushed_ + static_cast<int64_t>(buffer_.size()); }
  Status flush() {
    if (buffer_.empty()) return {};
    REEL_RETURN_IF_ERROR(sink_(buffer_.data(), buffer_.size()));
    flushed_ += static_cast<int64_t>(buffer_.size());
    buffer_.clear();
    return {};
  }

 private:
  static constexpr size_t kBlockBytes = 256u << 10;
  const ByteSink& sink_;
  GodotDialect dialect_;
  std::vector<uint8_t> buffer_;
  int64_t flushed_ = 0;
};

}  // namespace

Dictionary frame_record(const Frame& frame, const std::vector<std::string>& paths, bool reset) {
  Array changes, spawns, despawns;
  for (const auto& s : frame.spawns) spawns.items.push_back(pair(int64_t{s.entity}, s.class_name));
  for (const auto& c : frame.changes) {
    Array item = pair(int64_t{c.entity}, c.property < paths.size() ? paths[c.property] : "");
    item.items.push_back(c.value);
    changes.items.push_back(std::move(item));
  }
  for (EntityId id : frame.despawns) despawns.items.push_back(int64_t{id});
  Dictionary d;
  d.set("frame", int64_t{frame.index});
  d.set("tick", frame.tick);
  d.set("time", frame.time);
  d.set("changes", std::move(changes));
  d.set("spawns", std::move(spawns));
  d.set("despawns", std::move(despawns));
  d.set("events", events_array(frame.events));
  d.set("reset", reset);
  return d;
}

Frame full_state_frame(const WorldState& state) {
  Frame f;
  f.index = state.frame;
  f.tick = state.tick;
  f.time = state.time;
  std::vector<EntityId> ids;
  for (const auto& [id, e] : state.entities) ids.push_back(id);
  std::sort(ids.begin(), ids.end());
  for (EntityId id : ids) {
    const EntityState& e = state.entities.at(id);
    f.spawns.push_back({id, e.class_name});
    for (const auto& [pid, value] : e.properties) f.changes.push_back({id, pid, value});
  }
  return f;
}

Status append_store_var(const Variant& record, GodotDialect dialect, std::vector<uint8_t>& out) {
  const size_t start = out.size();
  out.resize(start + 4);
  EncodeOptions options;
  options.dialect = dialect;
  const Status encoded = dialect == GodotDialect::kGodot3
                             ? encode_variant(to_godot3(record), out, options)
                             : encode_variant(record, out, options);
  if (!encoded.ok()) {
    out.resize(start);
    return encoded;
  }
  const auto n = static_cast<uint32_t>(out.size() - start - 4);
  for (int i = 0; i < 4; ++i) out[start + i] = static_cast<uint8_t>(n >> (8 * i));
  return {};
}

Result<VarstreamStats> write_varstream(Replayer& replayer, FrameIndex from, FrameIndex to,
                                       const VarstreamOptions& options, const ByteSink& sink) {
  if (options.reset_interval < 1) {
    return Status::invalid_argument("reset interval {} must be >= 1", options.reset_interval);
  }
  BlockWriter out(sink, options.dialect);
  const auto& paths = replayer.property_paths();
  REEL_ASSIGN_OR_RETURN(int64_t header_at,
                        out.write(header_record(replayer, from, to, options), -1));
  (void)header_at;
  PackedInt64Array reset_frames, reset_offsets, frame_offsets;
  VarstreamStats stats;
  Segment segment;
  REEL_RETURN_IF_ERROR(
      replayer.for_each_frame(from, to, [&](const Frame& frame, const WorldState& state) -> Status {
        Result<int64_t> at = 0;
        if ((frame.index - from) % options.reset_interval == 0) {
          // The complete state after this frame, with this frame's events.
          Frame full = full_state_frame(state);
          full.events = frame.events;
          at = out.write(frame_record(full, paths, /*reset=*/true), frame.index);
          if (!at.ok()) return at.status();
          reset_frames.push_back(frame.index);
          reset_offsets.push_back(*at);
          segment.restart(state);
        } else {
          segment.apply(frame);
          at = out.write(segment.record(frame, paths), frame.index);
          if (!at.ok()) return at.status();
        }
        frame_offsets.push_back(*at);
        ++stats.frames;
        return {};
      }));
  stats.resets = static_cast<int64_t>(reset_frames.size());
  REEL_ASSIGN_OR_RETURN(stats.index_offset,
                        out.write(index_record(reset_frames, reset_offsets, frame_offsets), -1));
  REEL_RETURN_IF_ERROR(append_footer(options.dialect, stats.index_offset, out.buffer()));
  stats.bytes = out.position();
  REEL_RETURN_IF_ERROR(out.flush());
  return stats;
}

}  // namespace reel
