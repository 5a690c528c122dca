// Internal to reel_codec (writer, reader and keyframes share it): how a numeric Variant splits
// into lanes (FORMAT.md 6), lane loads and stores, the lossy grid, the history a slot keeps, and
// the writer's estimate of what residuals cost. Inline: these run per lane on the hot path.
#pragma once

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <cstring>
#include <numbers>

#include "grid_round.h"
#include "reel/codec/frame_codec.h"
#include "reel/format/format_constants.h"
#include "varint.h"

namespace reel::codec_internal {

// Quantization class of a lane (lossy mode). Persisted implicitly through FORMAT.md 6.3.
enum LaneClass : uint8_t { kNoQuant = 0, kPosition = 1, kBasisElement = 2, kQuatComponent = 3 };

// How a numeric Variant type splits into lanes: `count` lanes of `width` bytes (4: float32/int32
// components, 8: the int64 of INT or the double of FLOAT), and, for lossy mode, each lane's class.
struct LaneLayout {
  uint8_t count = 0;
  uint8_t width = 0;
  bool quantizable = false;  // every lane has a class != kNoQuant
  std::array<uint8_t, 16> classes{};
  // Bit k of stream_lanes[s]: lane k's residual is in stream s when temporally predicted
  // (FORMAT.md 6; lanes predicted from the value itself go to the structural stream instead).
  std::array<uint16_t, format::kLaneStreamCount> stream_lanes{};
};

constexpr LaneLayout make_layout(uint8_t count, uint8_t width,
                                 std::initializer_list<uint8_t> classes = {}) {
  LaneLayout l;
  l.count = count;
  l.width = width;
  for (int k = 0; k < count; ++k) {
    const uint8_t c = k < int(classes.size()) ? classes.begin()[k] : uint8_t{kNoQuant};
    l.classes[k] = c;
    const int stream = c == kNoQuant    ? format::kGeneralLanes
                       : c == kPosition ? format::kPositionLanes
                                        : format::kRotationLanes;
    l.stream_lanes[stream] |= uint16_t(1u << k);
  }
  l.quantizable = classes.size() == count;
  return l;
}

inline constexpr std::array<LaneLayout, kTypeCount> kLaneLayouts = [] {
  std::array<LaneLayout, kTypeCount> t{};
  const uint8_t P = kPosition, B = kBasisElement, Q = kQuatComponent;
  t[int(Type::INT)] = make_layout(1, 8);
  t[int(Type::FLOAT)] = make_layout(1, 8);
  t[int(Type::VECTOR2)] = make_layout(2, 4, {P, P});
  t[int(Type::VECTOR2I)] = make_layout(2, 4);
  t[int(Type::RECT2)] = make_layout(4, 4);
  t[int(Type::RECT2I)] = make_layout(4, 4);
  t[int(Type::VECTOR3)] = make_layout(3, 4, {P, P, P});
  t[int(Type::VECTOR3I)] = make_layout(3, 4);
  t[int(Type::VECTOR4)] = make_layout(4, 4);
  t[int(Type::VECTOR4I)] = make_layout(4, 4);
  t[int(Type::TRANSFORM2D)] = make_layout(6, 4, {B, B, B, B, P, P});
  t[int(Type::PLANE)] = make_layout(4, 4);
  t[int(Type::QUATERNION)] = make_layout(4, 4, {Q, Q, Q, Q});
  t[int(Type::AABB)] = make_layout(6, 4);
  t[int(Type::BASIS)] = make_layout(9, 4, {B, B, B, B, B, B, B, B, B});
  t[int(Type::TRANSFORM3D)] = make_layout(12, 4, {B, B, B, B, B, B, B, B, B, P, P, P});
  t[int(Type::PROJECTION)] = make_layout(16, 4);
  t[int(Type::COLOR)] = make_layout(4, 4);
  t[int(Type::RID)] = make_layout(1, 8);
  return t;
}();

inline const LaneLayout& layout_of(Type type) {
  return kLaneLayouts[static_cast<size_t>(type)];
}

// The address of a numeric Variant's payload (its lanes, contiguous, native little-endian), or
// nullptr for other types. A switch on the type (no visitation) keeps this on the hot path.
template <class V>
auto* lane_bytes(V& v) {
  using Byte = std::conditional_t<std::is_const_v<V>, const uint8_t, uint8_t>;
  auto as_bytes = [](auto* x) { return reinterpret_cast<Byte*>(x); };
  switch (v.type()) {
    case Type::INT:
      return as_bytes(v.template get_if<int64_t>());
    case Type::FLOAT:
      return as_bytes(v.template get_if<double>());
    case Type::VECTOR2:
      return as_bytes(v.template get_if<Vector2>());
    case Type::VECTOR2I:
      return as_bytes(v.template get_if<Vector2i>());
    case Type::RECT2:
      return as_bytes(v.template get_if<Rect2>());
    case Type::RECT2I:
      return as_bytes(v.template get_if<Rect2i>());
    case Type::VECTOR3:
      return as_bytes(v.template get_if<Vector3>());
    case Type::VECTOR3I:
      return as_bytes(v.template get_if<Vector3i>());
    case Type::VECTOR4:
      return as_bytes(v.template get_if<Vector4>());
    case Type::VECTOR4I:
      return as_bytes(v.template get_if<Vector4i>());
    case Type::TRANSFORM2D:
      return as_bytes(v.template get_if<Transform2D>());
    case Type::PLANE:
      return as_bytes(v.template get_if<Plane>());
    case Type::QUATERNION:
      return as_bytes(v.template get_if<Quaternion>());
    case Type::AABB:
      return as_bytes(v.template get_if<AABB>());
    case Type::BASIS:
      return as_bytes(v.template get_if<Basis>());
    case Type::TRANSFORM3D:
      return as_bytes(v.template get_if<Transform3D>());
    case Type::PROJECTION:
      return as_bytes(v.template get_if<Projection>());
    case Type::COLOR:
      return as_bytes(v.template get_if<Color>());
    case Type::RID:
      return as_bytes(v.template get_if<RID>());
    default:
      return static_cast<Byte*>(nullptr);
  }
}

// Copies a numeric payload of `size` bytes. The Transform3D case (the bulk of a recording's
// changes) gets a fixed-size copy the compiler inlines instead of a call to memcpy.
inline void copy_payload(uint8_t* dst, const uint8_t* src, size_t size) {
  if (size == sizeof(Transform3D)) {
    std::memcpy(dst, src, sizeof(Transform3D));
  } else {
    std::memcpy(dst, src, size);
  }
}

inline size_t lane_payload_size(const LaneLayout& l) {
  return size_t(l.count) * l.width;
}

inline uint64_t load_lane(const uint8_t* p, int width, int i) {
  if (width == 4) {
    uint32_t v;
    std::memcpy(&v, p + 4 * i, 4);
    return v;
  }
  uint64_t v;
  std::memcpy(&v, p + 8 * i, 8);
  return v;
}

inline void store_lane(uint8_t* p, int width, int i, uint64_t v) {
  if (width == 4) {
    uint32_t w = static_cast<uint32_t>(v);
    std::memcpy(p + 4 * i, &w, 4);
  } else {
    std::memcpy(p + 8 * i, &v, 8);
  }
}

// Residual between two lane values as a signed number of the lane's width.
inline int64_t lane_diff(uint64_t a, uint64_t b, int width) {
  if (width == 4) return static_cast<int32_t>(static_cast<uint32_t>(a - b));
  return static_cast<int64_t>(a - b);
}

// Grid step by lane class (lossy mode).
inline void steps_from(const QuantizeOptions& q, double (&by_class)[4]) {
  const double rad = q.rotation_step_degrees * std::numbers::pi / 180.0;
  by_class[kNoQuant] = 0;
  by_class[kPosition] = q.position_step;
  by_class[kBasisElement] = rad;
  by_class[kQuatComponent] = rad / 2;
}

// Grid indices stay below 2^22 so that float(q * step) rounds back to q exactly.
inline constexpr double kMaxGridIndex = double(1 << 22);

inline bool grid_index(float x, double step, int64_t& q) {
  double g = double(x) / step;
  if (!(std::fabs(g) < kMaxGridIndex)) return false;  // also rejects NaN
  q = round_half_away(g);
  float back = static_cast<float>(double(q) * step);
  return std::memcmp(&back, &x, 4) == 0;
}

inline float from_grid(int64_t q, double step) {
  return static_cast<float>(double(q) * step);
}

// The nearest grid index of any float within range (unlike grid_index, which requires x on the
// grid).
inline bool grid_index_of(float x, double step, int64_t& q) {
  double g = double(x) / step;
  if (!(std::fabs(g) < kMaxGridIndex)) return false;
  q = round_half_away(g);
  return true;
}

// Grid indices of every lane of a quantizable value's payload; false if any lane is off-grid.
inline bool grid_indices(const uint8_t* p, const LaneLayout& l, const double* steps, int64_t* out) {
  for (int i = 0; i < l.count; ++i) {
    float f;
    std::memcpy(&f, p + 4 * i, 4);
    if (!grid_index(f, steps[l.classes[i]], out[i])) return false;
  }
  return true;
}

// grid_indices through a memo: the memo's indices when it holds this very payload.
inline bool grid_indices(const DeltaHistory::GridMemo& memo, Type type, const uint8_t* p,
                         const LaneLayout& l, const double* steps, int64_t* out) {
  if (memo.type != type || std::memcmp(memo.payload, p, lane_payload_size(l)) != 0) {
    return grid_indices(p, l, steps, out);
  }
  std::copy(memo.q, memo.q + l.count, out);
  return true;
}

// Remembers `q` as the grid indices of payload `p` (REQUIRES: they are, and |q| < 2^22).
inline void remember_grid(DeltaHistory::GridMemo& memo, Type type, const uint8_t* p,
                          const LaneLayout& l, const int64_t* q) {
  memo.type = type;
  std::memcpy(memo.payload, p, lane_payload_size(l));
  for (int i = 0; i < l.count; ++i) memo.q[i] = static_cast<int32_t>(q[i]);
}

// The history entry after a change: the value that was current before it (a payload of `type`).
inline void remember(DeltaHistory::Previous& h, Type type, const uint8_t* lanes) {
  h.type = type;
  copy_payload(h.lanes, lanes, lane_payload_size(layout_of(type)));
}

// The same for any value: non-numeric ones leave no usable history.
inline void remember(DeltaHistory::Previous& h, const Variant& cur) {
  const uint8_t* lanes = lane_bytes(cur);
  if (lanes == nullptr) {
    h.type = Type::NIL;
    return;
  }
  remember(h, cur.type(), lanes);
}

// A numeric slot of `type` takes its next value: the current one (its payload at `cur`) becomes
// the history entry, then `next` (a payload of the same type) overwrites it.
inline void advance_lanes(DeltaHistory::Previous& h, Type type, uint8_t* cur, const uint8_t* next) {
  remember(h, type, cur);
  copy_payload(cur, next, lane_payload_size(layout_of(type)));
}

// The writer's estimate of what residuals cost after zstd: their varint bytes first, then their
// significant bits (zstd's entropy stage codes a 1-byte residual of 0 or 1 in far fewer bits than
// one of 60, which matters most in lossy mode, where nearly every residual is one byte).
// That is a function of a residual's significant bits b (1..64), tabulated: the writer weighs
// ~30 residuals per change.
inline constexpr std::array<uint8_t, 65> kCostByBits = [] {
  std::array<uint8_t, 65> t{};
  for (int b = 1; b <= 64; ++b) {
    t[b] = static_cast<uint8_t>(16 * varint::size_of(uint64_t{1} << (b - 1)) + b);
  }
  return t;
}();

inline int cost_of(const int64_t* residuals, int n) {
  int c = 0;
  for (int i = 0; i < n; ++i) {
    c += kCostByBits[64 - std::countl_zero(varint::zigzag(residuals[i]) | 1)];
  }
  return c;
}

}  // namespace reel::codec_internal
