// Baselines for the recording and replay benchmarks: two ways a user without Reel would record a
// session into SQLite, written plainly, plus readers that get the state of frame N back the plain
// way.
//
// (a) "rosbag2-style", after rosbag2's sqlite3 storage plugin: one row per message, where a topic
//     is one entity/property pair ("17/head:transform") and a message is var_to_bytes of the new
//     value. Spawns, despawns and events are messages too ("17/spawn", "17/despawn",
//     "event/jump"). Schema (rosbag2's, plus a metadata table holding the tick rate):
//       topics(id INTEGER PRIMARY KEY, name TEXT UNIQUE, type TEXT, serialization_format TEXT)
//       messages(id INTEGER PRIMARY KEY, topic_id INTEGER, timestamp INTEGER, data BLOB)
//       CREATE INDEX timestamp_idx ON messages(timestamp)       -- as rosbag2 does
//       metadata(key TEXT PRIMARY KEY, value TEXT)
//     timestamp is nanoseconds since the session start.
// (b) "full state per frame": every frame, the whole world (a Dictionary entity id -> Dictionary
//     property path -> value) as var_to_bytes, compressed with zstd level 3, one row per frame:
//       frames(frame INTEGER PRIMARY KEY, time REAL, data BLOB)
//
// Both use journal_mode=WAL, synchronous=NORMAL, and one transaction per 100 ms of frames.
// Threading: each writer/reader belongs to one thread.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "reel/codec/frame.h"
#include "reel/format/status.h"
#include "reel/variant/variant.h"

namespace reel::bench {

inline constexpr double kBaselineCommitSeconds = 0.1;
inline constexpr int kFullStateZstdLevel = 3;

// Common interface of the baseline writers. REQUIRES: frames in order, frame.time increasing.
class BaselineWriter {
 public:
  virtual ~BaselineWriter() = default;
  [[nodiscard]] virtual Status write(const Frame& frame) = 0;
  // Commits what is pending and closes the database (checkpointing the WAL into the file).
  [[nodiscard]] virtual Status close() = 0;
};

// `property_paths[i]` names PropertyId i of the frames to come.
Result<std::unique_ptr<BaselineWriter>> open_rosbag_style_writer(
    const std::string& path, const std::vector<std::string>& property_paths, double tick_rate);
Result<std::unique_ptr<BaselineWriter>> open_full_state_writer(
    const std::string& path, const std::vector<std::string>& property_paths);

// Readers give back the WorldState after frame N (entities, their class and properties; property
// ids are indexes into `property_paths`, as given to the writer). Properties that the file names
// but `property_paths` does not are an error (kCorruption naming the path).
class BaselineReader {
 public:
  virtual ~BaselineReader() = default;
  // kOutOfRange when the recording has no frame N.
  [[nodiscard]] virtual Status state_at(FrameIndex frame, WorldState& out) = 0;
  virtual FrameIndex frame_count() const = 0;
};

// (a): scans the messages with timestamp <= the frame's time in order, keeping the last value per
// topic (cost grows with N: that is the point of the baseline).
Result<std::unique_ptr<BaselineReader>> open_rosbag_style_reader(
    const std::string& path, const std::vector<std::string>& property_paths);
// (b): selects the frame's row, decompresses and decodes it.
Result<std::unique_ptr<BaselineReader>> open_full_state_reader(
    const std::string& path, const std::vector<std::string>& property_paths);

// The world as a user would keep it, as (b) and the store_var log of bench_storevar_log.h write it:
// {entity id: {"__class": class name, "head:transform": value, ...}}.
class WorldDictionary {
 public:
  explicit WorldDictionary(const std::vector<std::string>& property_paths);
  // kInvalidArgument for a property id without a path.
  [[nodiscard]] Status apply(const Frame& frame);
  const Dictionary& world() const { return world_; }

 private:
  std::vector<Variant> path_keys_;
  Dictionary world_;
};

// Property path -> PropertyId (the index in `paths`).
std::unordered_map<std::string, PropertyId> property_ids(const std::vector<std::string>& paths);
// Adds the entities of a WorldDictionary's world to `out`; kCorruption naming `where` for anything
// else or a property path missing from `ids`.
Status entities_from_world(const Dictionary& world,
                           const std::unordered_map<std::string, PropertyId>& ids, WorldState& out,
                           std::string_view where);

// Bytes the database occupies on disk (the file plus any -wal/-shm left beside it).
uint64_t database_bytes(const std::string& path);

}  // namespace reel::bench
