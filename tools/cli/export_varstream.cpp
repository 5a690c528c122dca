#include "export_varstream.h"

#include <chrono>
#include <cstdio>
#include <filesystem>

#include <map>
#include <set>

#include <fmt/core.h>

#include "cli_util.h"
#include "export_common.h"
#include "play_records.h"
#include "reel/format/format_constants.h"

namespace reel::cli {
namespace {

// FORMAT.md 9: the header record.
Dictionary header_record(Replayer& replayer, const FrameRange& range,
                         const VarstreamOptions& options) {
  Array paths;
  for (const auto& p : replayer.property_paths()) paths.items.push_back(p);
  Dictionary d;
  d.set("reel_varstream", int64_t{format::kVarstreamVersion});
  d.set("godot", int64_t{static_cast<int>(options.dialect)});
  d.set("session", replayer.session().name);
  d.set("tick_rate", replayer.session().tick_rate);
  d.set("first_frame", int64_t{range.from});
  d.set("last_frame", int64_t{range.to});
  d.set("reset_interval", options.reset_interval);
  d.set("properties", std::move(paths));
  // Optional, after the others (FORMAT.md 9): [frame, name] per tag, by frame then name.
  Array tags;
  for (const auto& tag : options.tags) {
    Array pair;
    pair.items.push_back(int64_t{tag.frame});
    pair.items.push_back(tag.name);
    tags.items.push_back(std::move(pair));
  }
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
    for (const auto& [id, cls] : spawned_) {
      Array pair;
      pair.items = {Variant(int64_t{id}), Variant(cls)};
      spawns.items.push_back(std::move(pair));
    }
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
std::vector<uint8_t> footer_bytes(GodotDialect dialect, int64_t index_offset) {
  PackedByteArray payload(format::kVarstreamFooterMagic, format::kVarstreamFooterMagic + 8);
  for (int i = 0; i < 8; ++i) {
    payload.push_back(static_cast<uint8_t>(static_cast<uint64_t>(index_offset) >> (8 * i)));
  }
  std::vector<uint8_t> out(4, 0);
  throw_if_error(encode_variant(Variant(payload), out, {.dialect = dialect}), "varstream footer");
  const auto n = static_cast<uint32_t>(out.size() - 4);
  for (int i = 0; i < 4; ++i) out[i] = static_cast<uint8_t>(n >> (8 * i));
  if (out.size() != format::kVarstreamFooterBytes) {
    throw CliError(kExitInternal, "varstream footer has an unexpected size");
  }
  return out;
}

}  // namespace

VarstreamStats write_varstream(Replayer& replayer, const FrameRange& range,
                               const VarstreamOptions& options, const std::string& path) {
  if (options.reset_interval < 1) throw CliError(kExitBadInput, "--reset-interval must be >= 1");
  StoreVarWriter out(path, options.dialect, /*flush_each=*/false);
  const auto& paths = replayer.property_paths();
  out.write(header_record(replayer, range, options), "varstream header");
  PackedInt64Array reset_frames, reset_offsets, frame_offsets;
  VarstreamStats stats;
  Segment segment;
  throw_if_error(replayer.for_each_frame(
      range.from, range.to, [&](const Frame& frame, const WorldState& state) -> Status {
        const std::string what = fmt::format("frame {}", frame.index);
        if ((frame.index - range.from) % options.reset_interval == 0) {
          // The complete state after this frame, with this frame's events.
          Frame full = full_state_frame(state);
          full.events = frame.events;
          reset_frames.push_back(frame.index);
          reset_offsets.push_back(out.write(frame_record(full, paths, /*reset=*/true), what));
          frame_offsets.push_back(reset_offsets.back());
          segment.restart(state);
        } else {
          segment.apply(frame);
          frame_offsets.push_back(out.write(segment.record(frame, paths), what));
        }
        ++stats.frames;
        return {};
      }));
  stats.resets = static_cast<int64_t>(reset_frames.size());
  stats.index_offset =
      out.write(index_record(reset_frames, reset_offsets, frame_offsets), "varstream index");
  out.write_raw(footer_bytes(options.dialect, stats.index_offset), "varstream footer");
  out.finish();
  stats.bytes = out.position();
  return stats;
}

// `reel export --format varstream`: the whole frames of the selected range (no entity or property
// selection: cmd_export.cpp refuses it), and nothing half-written on failure.
void write_varstream_export(ExportJob& job) {
  const auto start = std::chrono::steady_clock::now();
  VarstreamOptions options;
  options.dialect = job.selection.godot == 3 ? GodotDialect::kGodot3 : GodotDialect::kGodot4;
  options.reset_interval = job.varstream.reset_interval;
  options.tags = job.tags;
  VarstreamStats stats;
  try {
    stats = write_varstream(*job.replayer, job.selection.range, options, job.out);
  } catch (const CliError&) {
    // A varstream without its index and footer is of no use.
    std::error_code ec;
    if (std::filesystem::is_regular_file(job.out, ec)) std::filesystem::remove(job.out, ec);
    throw;
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::fprintf(stderr, "%s\n",
               fmt::format("{}: {} frames ({}..{}), {} reset records, {} in {:.2f} s", job.out,
                           stats.frames, job.selection.range.from, job.selection.range.to,
                           stats.resets, human_bytes(stats.bytes), seconds)
                   .c_str());
}

}  // namespace reel::cli
