// Replayer: the exact world state of any recorded frame, fast, forwards and backwards.
//
// Reaching frame F loads the nearest keyframe K <= F and applies the deltas of frames K+1..F
// (FORMAT.md 6, 7). A bounded cache of keyframe states, decoded chunks and an undo log of the
// current keyframe segment make stepping back and scrubbing cheap; memory stays within
// ReplayOptions::cache_budget_bytes whatever the session length.
//
// Threads: a Replayer is single-threaded; open several for parallel readers. It only reads (a
// read-only connection), so it never blocks the recorder (WAL locally, snapshots on mvsqlite),
// and it sees only whole committed frames. refresh() picks up frames committed since (follow).
//
// Damage: every blob's checksum is verified on read. A damaged chunk or keyframe makes the frames
// that need it fail with kCorruption naming the session and frame range; every frame reachable
// from an intact keyframe is still served. Each problem is also reported once to
// ReplayOptions::on_problem.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "reel/codec/frame.h"
#include "reel/store/schema.h"
#include "reel/format/status.h"
#include "reel/store/store.h"

namespace reel {

struct ReplayOptions {
  StoreOptions store;  // read_only is forced on
  // Reconstructed states, decoded chunks and undo logs kept in memory. 64 MiB holds a few dozen
  // keyframe segments of the 500-entity crowd sample.
  size_t cache_budget_bytes = 64u << 20;
  // Called once per damaged blob found (what was skipped and why), for a property row that is
  // lost (its path reads "<missing property N>") and for a catalog that claims frames no chunk
  // holds (frame_count() then counts the frames that exist). May be empty.
  std::function<void(const Status& problem)> on_problem;
  // Called for the damage the replayer works around without failing a call (a damaged keyframe
  // read from an earlier one, a lost property row, a catalog frame_count cut to the chunks), so
  // that it is reported rather than hidden. Damaged chunks fail their calls instead. May be empty.
  std::function<void(const Status& problem)> on_bypassed;
};

struct EventRecord {
  FrameIndex frame = 0;
  int64_t seq = 0;
  std::string name;
  EntityId entity = -1;
  Variant args;
  // The frame's time as stored with the event; absent for sessions recorded in format version 1
  // (Replayer::time_of(frame) gives it, at the cost of decoding).
  std::optional<double> time;
};

struct PropertySample {
  FrameIndex frame = 0;
  double time = 0;
  Variant value;  // NIL with `present` false while the entity does not exist / lacks the property
  bool present = true;
};

// A stretch of frames a walk could not decode and skipped (for_each_frame and history with a
// SkipHandler: `--skip-damaged`). Frames first..last are lost (last = first - 1 when only the
// content of the frame `resume` is); the walk goes on from the intact keyframe `resume`, whose
// state is `state` (the frame itself is not passed to the frame callback: its content is unknown).
// resume = -1 and state = nullptr when no intact keyframe follows within the walk.
struct SkippedRange {
  FrameIndex first = 0, last = 0;
  FrameIndex resume = -1;
  Status why;
  const WorldState* state = nullptr;
};
using SkipHandler = std::function<Status(const SkippedRange& skipped)>;

class Replayer {
 public:
  // Opens `session_key` (a name, an id, or "" for the only session) of the database at `path`.
  [[nodiscard]] static Result<std::unique_ptr<Replayer>> open(const std::string& path,
                                                              std::string_view session_key,
                                                              const ReplayOptions& options = {});
  ~Replayer();
  Replayer(const Replayer&) = delete;
  Replayer& operator=(const Replayer&) = delete;

  const schema::SessionRow& session() const;
  const CodecOptions& codec() const;
  const std::vector<std::string>& property_paths() const;
  // kNotFound naming the path.
  [[nodiscard]] Result<PropertyId> property_id(std::string_view path) const;
  // Frames committed so far (frames 0 .. frame_count()-1 are readable).
  FrameIndex frame_count() const;
  // Re-reads the session row; returns how many new frames became readable (live follow).
  [[nodiscard]] Result<int64_t> refresh();

  // Moves the cursor to `frame` and returns its exact state. The reference stays valid until the
  // next call that moves the cursor. kOutOfRange for frames outside [0, frame_count()).
  [[nodiscard]] Result<const WorldState*> seek(FrameIndex frame);
  [[nodiscard]] Result<const WorldState*> step_forward();
  [[nodiscard]] Result<const WorldState*> step_back();
  // The cursor's state, or nullptr before the first seek.
  const WorldState* current() const;

  // The last frame whose time is <= `seconds` (frame 0 for earlier times).
  [[nodiscard]] Result<FrameIndex> frame_at_time(double seconds);
  // Time of a frame, in seconds since the session start.
  [[nodiscard]] Result<double> time_of(FrameIndex frame);

  // Calls fn for every frame in [from, to] in order, with the frame's content (changes, spawns,
  // despawns, events) and the state after it. fn returning a non-ok Status stops the walk and is
  // returned. Does not move the cursor. With `on_skip`, damage (a damaged or missing chunk or
  // keyframe) does not stop the walk: on_skip is told what was lost and the walk resumes at the
  // next intact keyframe (a non-ok Status from on_skip stops it).
  [[nodiscard]] Status for_each_frame(
      FrameIndex from, FrameIndex to,
      const std::function<Status(const Frame& frame, const WorldState& state)>& fn,
      const SkipHandler& on_skip = {});

  // The value of one property at every frame where it changed in [from, to] (the first sample is
  // the value at `from`). "Where was player 17 between 1:00 and 1:05". `on_skip` as for
  // for_each_frame; the first sample after a skip is the value at the resuming keyframe.
  [[nodiscard]] Result<std::vector<PropertySample>> history(EntityId entity, PropertyId property,
                                                            FrameIndex from, FrameIndex to,
                                                            const SkipHandler& on_skip = {});
  // Events in [from, to], optionally only those named `name`. With `on_damaged`, an event whose
  // arguments are damaged is left out and reported there instead of failing the call.
  [[nodiscard]] Result<std::vector<EventRecord>> events(
      FrameIndex from, FrameIndex to, std::string_view name = {},
      const std::function<void(const Status&)>& on_damaged = {});
  // Event counts by name (an index query, no scan).
  [[nodiscard]] Result<std::vector<std::pair<std::string, int64_t>>> event_counts();
  // Frames that hold a keyframe, ascending.
  [[nodiscard]] Result<std::vector<FrameIndex>> keyframe_frames();

  struct CacheStats {
    int64_t keyframe_loads = 0, chunk_loads = 0, cache_hits = 0;
    size_t bytes_in_use = 0;
  };
  CacheStats cache_stats() const;
  // Forgets every cached keyframe state and chunk and the cursor (cold-read benchmarks).
  void drop_caches();

 private:
  class Impl;
  explicit Replayer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace reel
