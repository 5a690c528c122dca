// Frame codec: frames <-> chunk payloads, world states <-> keyframe payloads (FORMAT.md 6, 7).
//
// A chunk payload holds consecutive frames as deltas against the world state before them. It is
// exactly lossless by default: every value comes back bit-identical (NaN payloads, -0.0). Numeric
// values are coded per 32/64-bit "lane" as the integer difference of their bit patterns against
// the current value (first order) or against a linear prediction from the last two values (second
// order), whichever is smaller; zstd then squeezes the two streams (structure, lanes) of a chunk.
//
// The history behind second-order prediction is reset at every keyframe, so a reader that starts
// from keyframe K and decodes the chunks after it reproduces exactly what the writer saw.
// Invariant (enforced by the writer): a chunk never spans a keyframe; a keyframe frame is always
// the last frame of its chunk.
#pragma once

#include <cstdint>
#include <span>
#include <unordered_map>
#include <vector>

#include "reel/format/frame.h"
#include "reel/format/status.h"

namespace reel {

// Lossy mode: quantize positions and rotations to a grid (movies that need no bit-exactness).
struct QuantizeOptions {
  bool enabled = false;
  // Vector2/Vector3 values and Transform origins, in metres: 1e-4 = 0.1 mm.
  double position_step = 1e-4;
  // Basis/Transform basis elements and Quaternion components, as an angle in degrees: 0.01 deg.
  double rotation_step_degrees = 0.01;
};

struct CodecOptions {
  // A keyframe (full world state) every this many frames: replay applies at most this many
  // deltas to reach any frame. 60 (1 s at 60 Hz) keeps a cold seek of the crowd sample ~1-2 ms
  // while keyframes add ~4% to the file (see FORMAT.md 7 and README's figures).
  int keyframe_interval = 60;
  // zstd level for chunks and keyframes. 1 keeps recording far above 300x real time; higher
  // levels save little on float residuals (README figures).
  int zstd_level = 1;
  QuantizeOptions lossy;

  [[nodiscard]] Status validate() const;
  bool is_keyframe(FrameIndex frame) const { return frame % keyframe_interval == 0; }
};

// Per-(entity, property) memory behind second-order prediction: the value before the current
// one, for slots that changed since the last keyframe. Shared logic for writer and reader.
class DeltaHistory {
 public:
  void clear() { previous_.clear(); }
  const Variant* previous(EntityId entity, PropertyId property) const;
  // The remembered value of a slot, NIL when nothing is remembered (a NIL never qualifies for a
  // delta op, so "absent" and "NIL" mean the same to the codec). One lookup for read + update.
  Variant& slot(EntityId entity, PropertyId property) { return previous_[Key{entity, property}]; }
  void forget_entity(EntityId entity, const EntityState& state);

 private:
  struct Key {
    EntityId entity;
    PropertyId property;
    bool operator==(const Key&) const = default;
  };
  struct KeyHash {
    size_t operator()(const Key& k) const {
      return static_cast<size_t>((static_cast<uint64_t>(k.entity) * 0x9E3779B97F4A7C15ull) ^
                                 (k.property * 0xC2B2AE3D27D4EB4Full));
    }
  };
  std::unordered_map<Key, Variant, KeyHash> previous_;
};

// A finished chunk, ready to be sealed into a blob.
struct ChunkPayload {
  FrameIndex first_frame = 0;
  FrameIndex last_frame = -1;
  double first_time = 0, last_time = 0;
  int64_t first_tick = 0, last_tick = 0;
  std::vector<uint8_t> bytes;  // FORMAT.md 6
};

// Writer side. Owns the authoritative world state of the recording.
class ChunkWriter {
 public:
  explicit ChunkWriter(const CodecOptions& options);

  // Encodes `frame` into the current chunk and applies it to state(). Changes equal (identity) to
  // the current value are dropped; in lossy mode values are quantized first. Duplicate changes of
  // one slot within a frame: the last wins. REQUIRES: frame.index == state().frame + 1.
  // Returns true when this frame is a keyframe: the caller then writes encode_keyframe(state())
  // and must take_chunk() before adding the next frame.
  bool add_frame(Frame frame);

  int frame_count() const { return frame_count_; }
  const WorldState& state() const { return state_; }
  // Finishes the current chunk (frame_count() > 0) and starts a new, empty one.
  ChunkPayload take_chunk();

 private:
  void encode_change(PropertyChange& change, FrameIndex index);
  void quantize_in_place(Variant& value) const;

  CodecOptions options_;
  WorldState state_;
  DeltaHistory history_;
  int frame_count_ = 0;
  ChunkPayload current_;
  std::vector<uint8_t> meta_, lanes_;
  int64_t prev_tick_ = 0;
  uint64_t prev_time_bits_ = 0, prev_prev_time_bits_ = 0;
};

// Reader side: decodes a chunk payload frame by frame, applying each to a WorldState.
class ChunkReader {
 public:
  // `payload` must outlive the reader. `history` must be the one used since the keyframe the
  // state was built from (cleared when a keyframe is loaded). Errors name `context` (e.g.
  // "session 3, chunk frames 120-179").
  ChunkReader(std::span<const uint8_t> payload, FrameIndex first_frame, DeltaHistory& history,
              const CodecOptions& options, std::string context);
  [[nodiscard]] Status init();  // parses the payload header
  bool done() const { return decoded_ == frame_count_; }
  FrameIndex next_frame() const { return first_frame_ + static_cast<FrameIndex>(decoded_); }
  uint64_t frame_count() const { return frame_count_; }

  // Decodes the next frame and applies it to `state` (which must be the state of the frame
  // before). When `out` is given it receives the frame's content (events excepted: they live in
  // the events table).
  [[nodiscard]] Status next(WorldState& state, Frame* out);

 private:
  Status fail(std::string_view what, size_t offset) const;
  Status decode_lanes(uint8_t op_byte, size_t op_offset, EntityId entity, PropertyId property,
                      const Variant& cur, const double* step_by_class, Variant& next);

  std::span<const uint8_t> payload_;
  FrameIndex first_frame_;
  DeltaHistory& history_;
  CodecOptions options_;
  std::string context_;
  uint64_t frame_count_ = 0, decoded_ = 0;
  size_t meta_pos_ = 0, meta_end_ = 0, lane_pos_ = 0;
  int64_t prev_tick_ = 0;
  uint64_t prev_time_bits_ = 0, prev_prev_time_bits_ = 0;
};

uint64_t predict_time(uint64_t n, uint64_t prev, uint64_t prev_prev);

// Keyframe payloads: the full world state after a frame (FORMAT.md 7).
void encode_keyframe(const WorldState& state, std::vector<uint8_t>& out);
[[nodiscard]] Status decode_keyframe(std::span<const uint8_t> payload, WorldState& out,
                                     std::string_view context);

}  // namespace reel
