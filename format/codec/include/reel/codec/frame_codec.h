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
#include <memory>
#include <span>
#include <vector>

#include "reel/format/format_constants.h"
#include "reel/codec/frame.h"
#include "reel/format/status.h"
#include "reel/variant/variant_binary.h"

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
  // deltas to reach any frame. 30 (0.5 s at 60 Hz) is the largest interval measured to keep the
  // crowd sample's random-seek p99 under 5 ms cold and warm (60: 5.0 / 7.4 ms); keyframes then
  // take ~13% of the file (FORMAT.md 7, README "Performance").
  int keyframe_interval = 30;
  // zstd level for chunks and keyframes. 1 keeps recording far above 300x real time; higher
  // levels save little on float residuals (README figures).
  int zstd_level = 1;
  QuantizeOptions lossy;
  // Readers only: the type-id numbering of the session's Godot binary values (its settings key
  // `type_ids`; sessions of format versions 1-2 are kReelLegacy). Writers always write kGodot.
  TypeIds type_ids = TypeIds::kGodot;

  [[nodiscard]] Status validate() const;
  bool is_keyframe(FrameIndex frame) const { return frame % keyframe_interval == 0; }
};

// Per-(entity, property) memory behind second-order prediction: the numeric lanes of the value
// before the current one, for slots that changed since the last keyframe. Shared logic for writer
// and reader. Only numeric values (FORMAT.md 6.2 lane types) ever feed a prediction, so a slot
// holds raw lanes and a type; NIL means "nothing remembered" (which is what the codec means by
// an absent or non-numeric previous value).
//
// Layout: an open-addressing index (linear probing, power-of-two capacity) of (entity, property)
// -> position in a dense vector of entries. Nothing is ever removed between clears: forgetting a
// slot sets its type to NIL. clear() (at every keyframe) resets both in O(index capacity).
class DeltaHistory {
 public:
  // Lossy mode: the grid indices (FORMAT.md 6) of one payload, kept so that a value's indices are
  // computed once rather than at each change that reads them (as the next value, the current one,
  // then the previous one). A fact about `payload` alone, used only for a value whose payload
  // equals it, so it can go stale but never be wrong.
  struct GridMemo {
    Type type = Type::NIL;  // NIL: nothing remembered
    alignas(8) uint8_t payload[64];
    int32_t q[16];  // |q| < 2^22
  };
  struct Previous {
    Type type = Type::NIL;
    alignas(8) uint8_t lanes[64];  // a numeric Variant's payload, native little-endian
    GridMemo current_grid;         // of the slot's current value, normally
    GridMemo previous_grid;        // of `lanes`, normally
  };

  void clear();
  // The slot's entry, inserted as NIL when absent. Stays valid until the next slot() or clear().
  Previous& slot(EntityId entity, PropertyId property);
  void forget_entity(EntityId entity, const EntityState& state);

 private:
  struct IndexEntry {
    EntityId entity;
    PropertyId property;
    uint32_t position_plus_one;  // 0: empty
  };
  static size_t hash(EntityId entity, PropertyId property) {
    const uint64_t h = (static_cast<uint64_t>(entity) * 0x9E3779B97F4A7C15ull) ^
                       (static_cast<uint64_t>(property) * 0xC2B2AE3D27D4EB4Full);
    return static_cast<size_t>(h ^ (h >> 29));
  }
  void grow();
  uint32_t position_of(EntityId entity, PropertyId property) const;  // 1-based; 0: absent

  std::vector<IndexEntry> index_;
  std::vector<Previous> entries_;
};

namespace detail {
// Append-only byte buffer whose growth never zero-fills: the codec writes varints in place.
class ByteSink {
 public:
  void clear() { size_ = 0; }
  size_t size() const { return size_; }
  const uint8_t* data() const { return buf_.get(); }
  // Room for `n` more bytes; returns where to write them. Finish with commit(end).
  uint8_t* reserve(size_t n) {
    if (capacity_ - size_ < n) grow(n);
    return buf_.get() + size_;
  }
  void commit(uint8_t* end) { size_ = static_cast<size_t>(end - buf_.get()); }
  void append(const uint8_t* p, size_t n);
  void push_back(uint8_t b) { *reserve(1) = b, ++size_; }

 private:
  void grow(size_t n);
  std::unique_ptr<uint8_t[]> buf_;
  size_t size_ = 0, capacity_ = 0;
};
}  // namespace detail

// A finished chunk, ready to be sealed into a blob.
struct ChunkPayload {
  FrameIndex first_frame = 0;
  FrameIndex last_frame = -1;
  double first_time = 0, last_time = 0;
  int64_t first_tick = 0, last_tick = 0;
  std::vector<uint8_t> bytes;  // FORMAT.md 6
  // Where each section of `bytes` ends (header and meta, then each lane stream but the last):
  // the sealer ends a zstd block there (SealOptions::block_ends).
  std::vector<size_t> section_ends;
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
  // The frame's values are consumed (moved into the state); its vectors keep their capacity so a
  // caller can reuse the Frame.
  bool add_frame(Frame& frame);
  bool add_frame(Frame&& frame) { return add_frame(frame); }

  int frame_count() const { return frame_count_; }
  const WorldState& state() const { return state_; }
  // Continues a session after its keyframe `state` (state.frame is a keyframe frame): the state a
  // writer has right after add_frame() of that keyframe and take_chunk(). A resumed recorder then
  // re-adds the frames it had committed after the keyframe (and discards that chunk) to rebuild
  // the prediction history, so its next chunk decodes exactly as if it had never stopped.
  void start_after_keyframe(WorldState state);
  // Finishes the current chunk (frame_count() > 0) and starts a new, empty one.
  ChunkPayload take_chunk();
  // The same into `out`, whose vectors keep their capacity (a writer that cuts a chunk every
  // few frames then writes its payloads into memory it has already touched).
  void take_chunk(ChunkPayload& out);

 private:
  void encode_changes(Frame& frame);
  void encode_change(EntityState& entity, PropertyChange& change);
  // `cur` and `next`: the payloads of two numeric values of `type`.
  void encode_lanes(Type type, const uint8_t* cur, const uint8_t* next,
                    DeltaHistory::Previous& history);
  void quantize_in_place(Variant& value) const;

  CodecOptions options_;
  double steps_[4] = {0, 0, 0, 0};  // lossy grid step by lane class (FORMAT.md 6.3)
  WorldState state_;
  DeltaHistory history_;
  int frame_count_ = 0;
  ChunkPayload current_;
  detail::ByteSink meta_, changes_meta_;
  detail::ByteSink lanes_[format::kLaneStreamCount];
  std::vector<uint8_t> scratch_;  // full values, before they join meta_
  // A frame's changes in canonical order (entity, property, then position in the frame), sorted
  // as 16-byte keys rather than moving the changes and their Variants.
  struct ChangeKey {
    EntityId entity;
    uint64_t property_and_index;  // property << 32 | index in Frame::changes
  };
  std::vector<ChangeKey> order_;
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
  // When `undo` is given, the edits that undo the frame are appended to it (StateEdit, in the
  // order they were made; the old values are moved or copied there, never lost).
  [[nodiscard]] Status next(WorldState& state, Frame* out, std::vector<StateEdit>* undo = nullptr);

 private:
  Status fail(std::string_view what, size_t offset) const;
  Status decode_lanes(uint8_t op_byte, size_t op_offset, DeltaHistory::Previous& history,
                      Variant& cur, uint8_t* next_lanes);
  bool read_residuals(int stream, uint16_t lanes, int64_t* residuals);
  Status decode_change(EntityId entity, PropertyId property, EntityState& state, Frame* out,
                       std::vector<StateEdit>* undo);

  std::span<const uint8_t> payload_;
  FrameIndex first_frame_;
  DeltaHistory& history_;
  CodecOptions options_;
  double steps_[4] = {0, 0, 0, 0};
  // Whether a decoded value's grid indices may be remembered as they come out of its residuals:
  // true when every step keeps q * step a normal float for |q| < 2^22, so that the value's
  // indices computed from scratch equal them.
  bool grid_memo_exact_ = false;
  std::string context_;
  uint64_t frame_count_ = 0, decoded_ = 0;
  uint8_t op_flags_ = 0;  // the op-byte flags the payload's version allows
  size_t meta_pos_ = 0, meta_end_ = 0;
  // Read position and end of each lane stream; payloads before version 3 have one stream, which
  // every lane stream maps to.
  size_t lane_pos_[format::kLaneStreamCount] = {}, lane_end_[format::kLaneStreamCount] = {};
  uint8_t stream_of_[format::kLaneStreamCount] = {0, 1, 2, 3};
  bool single_stream_ = false;  // payload version < 3: every residual in lane order, one stream
  int64_t prev_tick_ = 0;
  uint64_t prev_time_bits_ = 0, prev_prev_time_bits_ = 0;
};

uint64_t predict_time(uint64_t n, uint64_t prev, uint64_t prev_prev);

// Keyframe payloads: the full world state after a frame (FORMAT.md 7). With `grid` enabled (a
// lossy session's steps), values whose every lane is on that grid are stored as grid indices, a
// rotation as its 3 degrees of freedom plus small residuals; other values stay Godot binary.
void encode_keyframe(const WorldState& state, std::vector<uint8_t>& out,
                     const QuantizeOptions& grid = {});
// Decodes over `out` in place, reusing the entities and property vectors it holds (decoding into
// the previous state of a replay allocates little). On error `out` holds a partial state.
// `type_ids`: the session's numbering (CodecOptions::type_ids), for Godot binary values and the
// type byte of grid-form values alike.
[[nodiscard]] Status decode_keyframe(std::span<const uint8_t> payload, WorldState& out,
                                     std::string_view context, TypeIds type_ids = TypeIds::kGodot);

}  // namespace reel
