// The tracks of one animation clip of `reel export --format anim`, gathered from the frames and
// then written as Godot text (export_anim.cpp). Layout of the output: tools/cli/EXPORT.md, "anim".
#pragma once

#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "export_common.h"
#include "export_node_map.h"
#include "reel/codec/frame.h"

namespace reel::cli {

// Per key of a transform track: position x y z, rotation quaternion x y z w, scale x y z (the
// Transform3D decomposed as Godot's Basis::get_rotation_quaternion / get_scale do).
inline constexpr size_t kTransformKeyFloats = 10;

// One property of one entity over a clip: the keys where its value changed, plus a "hold" key
// on the frame before a change when the value stood still for more than a frame, so that
// interpolation never invents values between recorded frames and a backward seek (which in
// Godot 4 takes a discrete track's next key) lands on the frame's own value.
struct Track {
  EntityId entity = 0;
  PropertyId property = 0;
  std::string node;           // NodePath of the node, relative to the AnimationPlayer's root node
  std::string property_name;  // on that node ("transform", "position")
  bool transform = false;     // decomposed keys (position/rotation/scale tracks)
  bool continuous = false;    // update mode continuous (else discrete)
  std::vector<float> times;   // key times, seconds since the clip's first frame
  std::vector<float> transform_keys;      // transform: kTransformKeyFloats per key
  std::vector<Variant> values;            // value tracks
  Variant last;                           // the value of the newest key
  FrameIndex last_frame = -1;             // the frame of the newest key (-1: none yet)
  float last_rotation[4] = {0, 0, 0, 1};  // transform: the newest key's quaternion
  // transform: older keys moved to the clip's spill file, in order: (byte offset, key count).
  std::vector<std::pair<int64_t, uint32_t>> spilled;
};

struct ClipOptions {
  bool transform_value_tracks = false;  // Transform3D `transform` as value tracks
  // Transform keys held in memory before they are moved to a temporary file (read back one
  // track at a time when the clip is written), so that memory stays bounded on long clips.
  size_t spill_bytes = size_t{256} << 20;
};

// Gathers one clip: begin() with the state at its first frame, then add_frame() for each later
// frame in order. Tracks are created as entities and properties appear.
class ClipBuilder {
 public:
  ClipBuilder(const ExportSelection& selection, const NodeMap& map,
              const std::vector<std::string>& property_paths, const ClipOptions& options);

  void begin(const WorldState& state);
  void add_frame(const Frame& frame, const WorldState& state);

  FrameIndex first_frame() const { return first_frame_; }
  FrameIndex last_frame() const { return last_frame_; }
  double start_time() const { return start_time_; }
  double duration() const { return last_time_ - start_time_; }
  // The tracks, ordered by entity then property. Transform tracks may have keys in the spill
  // file: restore(track) brings them back before the track is written.
  std::vector<Track> take_tracks();
  void restore(Track& track);
  // Values that were not Transform3D on a transform track (left out; the caller says so).
  int64_t skipped_values() const { return skipped_; }

 private:
  void add_value(EntityId entity, const std::string& class_name, PropertyId property,
                 const Variant& value, FrameIndex frame, float time);
  Track* track_for(EntityId entity, const std::string& class_name, PropertyId property,
                   const Variant& first_value);
  void append_key(Track& track, float time, const Variant& value);

  const ExportSelection& selection_;
  const NodeMap& map_;
  const std::vector<std::string>& paths_;
  ClipOptions options_;
  FrameIndex first_frame_ = 0, last_frame_ = 0;
  double start_time_ = 0, last_time_ = 0;
  float previous_time_ = 0;  // key time of the frame before the one being added
  struct PairHash {
    size_t operator()(const std::pair<EntityId, PropertyId>& p) const {
      return std::hash<int64_t>()(p.first * 1000003 + p.second);
    }
  };
  std::unordered_map<std::pair<EntityId, PropertyId>, size_t, PairHash> index_;
  std::unordered_map<EntityId, std::string> nodes_;  // "" = left out by the map
  void spill_if_over_budget();

  std::vector<Track> tracks_;
  int64_t skipped_ = 0;
  size_t buffered_bytes_ = 0;  // transform keys in memory
  struct FileCloser {
    void operator()(FILE* f) const { std::fclose(f); }
  };
  std::unique_ptr<FILE, FileCloser> spill_;  // tmpfile(): removed when closed
};

}  // namespace reel::cli
