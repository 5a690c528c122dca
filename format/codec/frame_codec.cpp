#include "reel/codec/frame_codec.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <limits>
#include <numbers>

#include "grid_round.h"
#include "reel/format/format_constants.h"
#include "reel/variant/variant_binary.h"
#include "varint.h"

namespace reel {
namespace {

using format::ChangeOp;

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

constexpr std::array<LaneLayout, kTypeCount> kLaneLayouts = [] {
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

const LaneLayout& layout_of(Type type) {
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
void copy_payload(uint8_t* dst, const uint8_t* src, size_t size) {
  if (size == sizeof(Transform3D)) {
    std::memcpy(dst, src, sizeof(Transform3D));
  } else {
    std::memcpy(dst, src, size);
  }
}

size_t lane_payload_size(const LaneLayout& l) {
  return size_t(l.count) * l.width;
}

uint64_t load_lane(const uint8_t* p, int width, int i) {
  if (width == 4) {
    uint32_t v;
    std::memcpy(&v, p + 4 * i, 4);
    return v;
  }
  uint64_t v;
  std::memcpy(&v, p + 8 * i, 8);
  return v;
}

void store_lane(uint8_t* p, int width, int i, uint64_t v) {
  if (width == 4) {
    uint32_t w = static_cast<uint32_t>(v);
    std::memcpy(p + 4 * i, &w, 4);
  } else {
    std::memcpy(p + 8 * i, &v, 8);
  }
}

// Residual between two lane values as a signed number of the lane's width.
int64_t lane_diff(uint64_t a, uint64_t b, int width) {
  if (width == 4) return static_cast<int32_t>(static_cast<uint32_t>(a - b));
  return static_cast<int64_t>(a - b);
}

// Grid step by lane class (lossy mode).
void steps_from(const QuantizeOptions& q, double (&by_class)[4]) {
  const double rad = q.rotation_step_degrees * std::numbers::pi / 180.0;
  by_class[kNoQuant] = 0;
  by_class[kPosition] = q.position_step;
  by_class[kBasisElement] = rad;
  by_class[kQuatComponent] = rad / 2;
}

// Grid indices stay below 2^22 so that float(q * step) rounds back to q exactly.
constexpr double kMaxGridIndex = double(1 << 22);

bool grid_index(float x, double step, int64_t& q) {
  double g = double(x) / step;
  if (!(std::fabs(g) < kMaxGridIndex)) return false;  // also rejects NaN
  q = round_half_away(g);
  float back = static_cast<float>(double(q) * step);
  return std::memcmp(&back, &x, 4) == 0;
}

float from_grid(int64_t q, double step) {
  return static_cast<float>(double(q) * step);
}

// The nearest grid index of any float within range (unlike grid_index, which requires x on the
// grid).
bool grid_index_of(float x, double step, int64_t& q) {
  double g = double(x) / step;
  if (!(std::fabs(g) < kMaxGridIndex)) return false;
  q = round_half_away(g);
  return true;
}

// Grid indices of every lane of a quantizable value's payload; false if any lane is off-grid.
bool grid_indices(const uint8_t* p, const LaneLayout& l, const double* steps, int64_t* out) {
  for (int i = 0; i < l.count; ++i) {
    float f;
    std::memcpy(&f, p + 4 * i, 4);
    if (!grid_index(f, steps[l.classes[i]], out[i])) return false;
  }
  return true;
}

// grid_indices through a memo: the memo's indices when it holds this very payload.
bool grid_indices(const DeltaHistory::GridMemo& memo, Type type, const uint8_t* p,
                  const LaneLayout& l, const double* steps, int64_t* out) {
  if (memo.type != type || std::memcmp(memo.payload, p, lane_payload_size(l)) != 0) {
    return grid_indices(p, l, steps, out);
  }
  std::copy(memo.q, memo.q + l.count, out);
  return true;
}

// Remembers `q` as the grid indices of payload `p` (REQUIRES: they are, and |q| < 2^22).
void remember_grid(DeltaHistory::GridMemo& memo, Type type, const uint8_t* p, const LaneLayout& l,
                   const int64_t* q) {
  memo.type = type;
  std::memcpy(memo.payload, p, lane_payload_size(l));
  for (int i = 0; i < l.count; ++i) memo.q[i] = static_cast<int32_t>(q[i]);
}

}  // namespace

// The time of the n-th frame of a chunk (0-based) is predicted as 0 for the first frame, the
// previous time for the second, and linearly from the two before it after that (FORMAT.md 6):
// regular ticks then cost a byte or two instead of a double's worth.
uint64_t predict_time(uint64_t n, uint64_t prev, uint64_t prev_prev) {
  if (n == 0) return 0;
  if (n == 1) return prev;
  return 2 * prev - prev_prev;
}

namespace {

bool has_basis(Type t) {
  return t == Type::BASIS || t == Type::TRANSFORM3D;
}

// cross(row 0, row 1) of a basis given as its first 6 float lanes. Plain float multiplies and
// subtractions in this order (the build disables FMA contraction), so writer and reader agree.
void cross_rows(const uint8_t* lanes, float out[3]) {
  float r[6];
  std::memcpy(r, lanes, sizeof r);
  out[0] = r[1] * r[5] - r[2] * r[4];
  out[1] = r[2] * r[3] - r[0] * r[5];
  out[2] = r[0] * r[4] - r[1] * r[3];
}

// Basis rows 0 and 1 from orthonormality (FORMAT.md 6, op flag 0x10). Which lanes are predicted
// depends only on the current value `cur` (known to both sides): in row 0 the element of largest
// magnitude, in row 1 the two elements other than the one whose cross(row 0, row 1) component is
// largest (the line/circle intersection below is best conditioned then). Double arithmetic in the
// documented order; products of two floats are exact in double.
struct OrthoLanes {
  int lanes[3];  // the predicted lanes: row 0 element k, row 1 elements p < q
  int k, c, p, q;
};

OrthoLanes ortho_lanes(const float* cur) {
  OrthoLanes o;
  o.k = 0;
  for (int j = 1; j < 3; ++j) {
    if (std::fabs(cur[j]) > std::fabs(cur[o.k])) o.k = j;
  }
  const double a0 = cur[0], a1 = cur[1], a2 = cur[2], b0 = cur[3], b1 = cur[4], b2 = cur[5];
  const double cr[3] = {a1 * b2 - a2 * b1, a2 * b0 - a0 * b2, a0 * b1 - a1 * b0};
  o.c = 0;
  for (int j = 1; j < 3; ++j) {
    if (std::fabs(cr[j]) > std::fabs(cr[o.c])) o.c = j;
  }
  o.p = o.c == 0 ? 1 : 0;
  o.q = o.c == 2 ? 1 : 2;
  o.lanes[0] = o.k;
  o.lanes[1] = 3 + o.p;
  o.lanes[2] = 3 + o.q;
  return o;
}

uint32_t float_bits(float f) {
  uint32_t u;
  std::memcpy(&u, &f, 4);
  return u;
}

// float(v) when |v| <= FLT_MAX (so never NaN or infinite), else `fallback`.
uint32_t bits_of_double_or(double v, uint32_t fallback) {
  if (!(std::fabs(v) <= double(std::numeric_limits<float>::max()))) return fallback;
  return float_bits(static_cast<float>(v));
}

double dot3(double a0, double a1, double a2, double b0, double b1, double b2) {
  return (a0 * b0 + a1 * b1) + a2 * b2;
}

// Row 0, element k: |row 0 new|^2 = |row 0 current|^2, with the sign of the current element.
// `nw` holds the new value's lanes; only row 0's other two elements are read.
uint32_t predict_row0(const float* cur, const float* nw, const OrthoLanes& o) {
  const int i = o.k == 0 ? 1 : 0, j = o.k == 2 ? 1 : 2;
  const uint32_t fallback = float_bits(cur[o.k]);
  const double n = dot3(cur[0], cur[1], cur[2], cur[0], cur[1], cur[2]);
  const double m = n - (double(nw[i]) * double(nw[i]) + double(nw[j]) * double(nw[j]));
  if (!(m >= 0 && m <= std::numeric_limits<double>::max())) return fallback;
  const double v = std::sqrt(m);
  return bits_of_double_or(std::signbit(cur[o.k]) ? -v : v, fallback);
}

// Row 1, elements p and q: |row 1 new|^2 = |row 1 current|^2 and row 0 new . row 1 new =
// row 0 current . row 1 current, given the new row 0 and the new row 1 element c; of the two
// intersections of that line and circle, the one on the current value's side.
void predict_row1(const float* cur, const float* nw, const OrthoLanes& o, uint32_t out[2]) {
  const int p = o.p, q = o.q, c = o.c;
  out[0] = float_bits(cur[3 + p]);
  out[1] = float_bits(cur[3 + q]);
  const double d = dot3(cur[0], cur[1], cur[2], cur[3], cur[4], cur[5]);
  const double n = dot3(cur[3], cur[4], cur[5], cur[3], cur[4], cur[5]);
  const double xp = nw[p], xq = nw[q], xc = nw[c], yc = nw[3 + c];
  const double e = d - xc * yc;
  const double m = n - yc * yc;
  const double s = xp * xp + xq * xq;
  constexpr double kMax = std::numeric_limits<double>::max();
  if (!(s > 0 && s <= kMax) || !(std::fabs(e) <= kMax) || !(std::fabs(m) <= kMax)) return;
  const double fp = (e * xp) / s, fq = (e * xq) / s;
  const double h2 = m - (e * e) / s;
  if (!(std::fabs(h2) <= kMax)) return;
  double g = h2 > 0 ? std::sqrt(h2 / s) : 0.0;
  const double side = (double(cur[3 + q]) - fq) * xp - (double(cur[3 + p]) - fp) * xq;
  if (side < 0) g = -g;
  out[0] = bits_of_double_or(fp - g * xq, out[0]);
  out[1] = bits_of_double_or(fq + g * xp, out[1]);
}

// Residuals of a lossy basis's structurally predicted lanes (the writer's side of
// put_structural_grid_lanes): `q` the new value's grid indices, `predicted` the orthonormal
// predictions of lanes o.lanes, `crossed` the cross product of its rows 0 and 1. A prediction off
// the grid makes its flag unusable.
void structural_grid_residuals(const int64_t* q, const OrthoLanes& o, const uint32_t predicted[3],
                               const float crossed[3], double step, int64_t ro[3], int64_t rc[3],
                               bool& ortho_usable, bool& cross_usable) {
  ortho_usable = cross_usable = true;
  for (int k = 0; k < 3; ++k) {
    int64_t base = 0;
    float f;
    std::memcpy(&f, &predicted[k], 4);
    ortho_usable = ortho_usable && grid_index_of(f, step, base);
    ro[k] = q[o.lanes[k]] - base;
    cross_usable = cross_usable && grid_index_of(crossed[k], step, base);
    rc[k] = q[6 + k] - base;
  }
}

// Lossy basis lanes predicted from the value itself (ops 3/4 with flags 0x10/0x08, and grid-form
// keyframes): lane = round(prediction / step) + residual, in dependency order (row 0's element k,
// row 1's elements p and q, then row 2 from the cross product), each reading the lanes of `dst`
// decoded before it. `cur` stands in for the current value of the orthonormal predictions.
// The lanes' grid indices go to `q` (by lane). Returns an error text ("" on success) for the
// caller to place.
std::string_view put_structural_grid_lanes(const float* cur, const OrthoLanes& o, bool ortho,
                                           bool cross, const int64_t* r, double step, uint8_t* dst,
                                           int64_t* q) {
  const auto put = [&](int lane, float prediction, std::string_view off_grid) {
    int64_t base;
    if (!grid_index_of(prediction, step, base)) return off_grid;
    q[lane] = varint::wrapping_add(r[lane], base);
    if (!(std::fabs(double(q[lane])) < kMaxGridIndex)) {
      return std::string_view("grid index out of range");
    }
    const float f = from_grid(q[lane], step);
    std::memcpy(dst + 4 * lane, &f, 4);
    return std::string_view();
  };
  const auto as_float = [](uint32_t bits) {
    float f;
    std::memcpy(&f, &bits, 4);
    return f;
  };
  std::string_view error;
  if (ortho) {
    constexpr std::string_view kOffGrid = "orthonormal prediction off the grid";
    float nw[9];
    std::memcpy(nw, dst, sizeof nw);
    error = put(o.lanes[0], as_float(predict_row0(cur, nw, o)), kOffGrid);
    if (!error.empty()) return error;
    std::memcpy(nw, dst, sizeof nw);
    uint32_t row1[2];
    predict_row1(cur, nw, o, row1);
    for (int i = 0; i < 2 && error.empty(); ++i)
      error = put(o.lanes[1 + i], as_float(row1[i]), kOffGrid);
    if (!error.empty()) return error;
  }
  if (cross) {
    float crossed[3];
    cross_rows(dst, crossed);  // rows 0 and 1 are decoded by now
    for (int k = 0; k < 3 && error.empty(); ++k) {
      error = put(6 + k, crossed[k], "cross prediction off the grid");
    }
  }
  return error;
}

// The writer's estimate of what residuals cost after zstd: their varint bytes first, then their
// significant bits (zstd's entropy stage codes a 1-byte residual of 0 or 1 in far fewer bits than
// one of 60, which matters most in lossy mode, where nearly every residual is one byte).
// That is a function of a residual's significant bits b (1..64), tabulated: the writer weighs
// ~30 residuals per change.
constexpr std::array<uint8_t, 65> kCostByBits = [] {
  std::array<uint8_t, 65> t{};
  for (int b = 1; b <= 64; ++b) {
    t[b] = static_cast<uint8_t>(16 * varint::size_of(uint64_t{1} << (b - 1)) + b);
  }
  return t;
}();

int cost_of(const int64_t* residuals, int n) {
  int c = 0;
  for (int i = 0; i < n; ++i) {
    c += kCostByBits[64 - std::countl_zero(varint::zigzag(residuals[i]) | 1)];
  }
  return c;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Options

Status CodecOptions::validate() const {
  if (keyframe_interval < 1 || keyframe_interval > 1'000'000) {
    return Status::invalid_argument("keyframe interval must be 1..1000000 frames, got {}",
                                    keyframe_interval);
  }
  if (zstd_level < -7 || zstd_level > 22) {
    return Status::invalid_argument("zstd level must be -7..22, got {}", zstd_level);
  }
  if (lossy.enabled && !(lossy.position_step > 0 && lossy.rotation_step_degrees > 0)) {
    return Status::invalid_argument("lossy steps must be positive (position {}, rotation {})",
                                    lossy.position_step, lossy.rotation_step_degrees);
  }
  return {};
}

// ---------------------------------------------------------------------------------------------
// DeltaHistory

void DeltaHistory::clear() {
  std::fill(index_.begin(), index_.end(), IndexEntry{0, 0, 0});
  entries_.clear();
}

uint32_t DeltaHistory::position_of(EntityId entity, PropertyId property) const {
  if (index_.empty()) return 0;
  const size_t mask = index_.size() - 1;
  for (size_t i = hash(entity, property) & mask;; i = (i + 1) & mask) {
    const IndexEntry& e = index_[i];
    if (e.position_plus_one == 0 || (e.entity == entity && e.property == property)) {
      return e.position_plus_one;
    }
  }
}

DeltaHistory::Previous& DeltaHistory::slot(EntityId entity, PropertyId property) {
  // Load factor <= 1/2 keeps probe sequences short.
  if (2 * (entries_.size() + 1) > index_.size()) grow();
  const size_t mask = index_.size() - 1;
  for (size_t i = hash(entity, property) & mask;; i = (i + 1) & mask) {
    IndexEntry& e = index_[i];
    if (e.position_plus_one == 0) {
      entries_.emplace_back();
      e = IndexEntry{entity, property, static_cast<uint32_t>(entries_.size())};
      return entries_.back();
    }
    if (e.entity == entity && e.property == property) return entries_[e.position_plus_one - 1];
  }
}

void DeltaHistory::grow() {
  std::vector<IndexEntry> old = std::move(index_);
  index_.assign(std::max<size_t>(64, old.size() * 2), IndexEntry{0, 0, 0});
  const size_t mask = index_.size() - 1;
  for (const IndexEntry& e : old) {
    if (e.position_plus_one == 0) continue;
    size_t i = hash(e.entity, e.property) & mask;
    while (index_[i].position_plus_one != 0) i = (i + 1) & mask;
    index_[i] = e;
  }
}

void DeltaHistory::forget_entity(EntityId entity, const EntityState& state) {
  if (entries_.empty()) return;
  for (const auto& [prop, value] : state.properties) {
    if (const uint32_t at = position_of(entity, prop)) entries_[at - 1].type = Type::NIL;
  }
}

namespace detail {

void ByteSink::grow(size_t n) {
  const size_t capacity = std::max({size_t{4096}, capacity_ * 2, size_ + n});
  auto bigger = std::make_unique_for_overwrite<uint8_t[]>(capacity);
  if (size_ > 0) std::memcpy(bigger.get(), buf_.get(), size_);
  buf_ = std::move(bigger);
  capacity_ = capacity;
}

void ByteSink::append(const uint8_t* p, size_t n) {
  if (n == 0) return;
  std::memcpy(reserve(n), p, n);
  size_ += n;
}

}  // namespace detail

namespace {

void put(detail::ByteSink& out, uint64_t v) {
  out.commit(varint::put_raw(out.reserve(10), v));
}
void put_signed(detail::ByteSink& out, int64_t v) {
  put(out, varint::zigzag(v));
}

// The history entry after a change: the value that was current before it (a payload of `type`).
void remember(DeltaHistory::Previous& h, Type type, const uint8_t* lanes) {
  h.type = type;
  copy_payload(h.lanes, lanes, lane_payload_size(layout_of(type)));
}

// The same for any value: non-numeric ones leave no usable history.
void remember(DeltaHistory::Previous& h, const Variant& cur) {
  const uint8_t* lanes = lane_bytes(cur);
  if (lanes == nullptr) {
    h.type = Type::NIL;
    return;
  }
  remember(h, cur.type(), lanes);
}

// A numeric slot of `type` takes its next value: the current one (its payload at `cur`) becomes
// the history entry, then `next` (a payload of the same type) overwrites it.
void advance_lanes(DeltaHistory::Previous& h, Type type, uint8_t* cur, const uint8_t* next) {
  remember(h, type, cur);
  copy_payload(cur, next, lane_payload_size(layout_of(type)));
}

// Identity (Variant::operator==) with a memcmp fast path for numeric values of the same type.
bool same_value(const Variant& a, const Variant& b) {
  if (a.type() != b.type()) return false;
  if (const uint8_t* pa = lane_bytes(a)) {
    return std::memcmp(pa, lane_bytes(b), lane_payload_size(layout_of(a.type()))) == 0;
  }
  return a == b;
}

// Lane residuals of `next` against the current value (first order, r1) and against the linear
// prediction from the current and previous values (second order, r2, when `prev` is given).
template <int kWidth>
void lane_residuals(const uint8_t* cur, const uint8_t* prev, const uint8_t* next, int count,
                    int64_t* r1, int64_t* r2) {
  for (int i = 0; i < count; ++i) {
    const uint64_t va = load_lane(cur, kWidth, i), vb = load_lane(next, kWidth, i);
    r1[i] = lane_diff(vb, va, kWidth);
    if (prev) r2[i] = lane_diff(vb, 2 * va - load_lane(prev, kWidth, i), kWidth);
  }
}

// Entity lookups of one frame's changes, which come sorted by entity: consecutive changes of the
// same entity share one hash lookup. A change of an unknown entity spawns it implicitly
// (WorldState::apply does the same). Valid only while no entity is erased.
class EntityCursor {
 public:
  // An implicit spawn is logged to `undo` (when given) as "absent before".
  EntityCursor(WorldState& state, FrameIndex frame, std::vector<StateEdit>* undo = nullptr)
      : state_(state), frame_(frame), undo_(undo) {}
  EntityState& at(EntityId id) {
    if (current_ == nullptr || id != id_) {
      auto [it, inserted] = state_.entities.try_emplace(id);
      if (inserted) {
        it->second.spawn_frame = frame_;
        if (undo_) undo_->push_back(StateEdit{.kind = StateEdit::kEntity, .entity = id});
      }
      current_ = &it->second;
      id_ = id;
    }
    return *current_;
  }
  // The entity when it exists, without creating it.
  EntityState* find(EntityId id) {
    if (current_ != nullptr && id == id_) return current_;
    auto it = state_.entities.find(id);
    if (it == state_.entities.end()) return nullptr;
    current_ = &it->second;
    id_ = id;
    return current_;
  }

 private:
  WorldState& state_;
  FrameIndex frame_;
  std::vector<StateEdit>* undo_;
  EntityState* current_ = nullptr;
  EntityId id_ = 0;
};

// Logs an entity about to be replaced or removed whole (its state moves into the log).
void log_whole_entity(std::vector<StateEdit>& undo, EntityId id, EntityState& entity) {
  undo.push_back(StateEdit{.kind = StateEdit::kEntity,
                           .entity = id,
                           .whole = std::make_unique<EntityState>(std::move(entity))});
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Writer

ChunkWriter::ChunkWriter(const CodecOptions& options) : options_(options) {
  steps_from(options_.lossy, steps_);
}

void ChunkWriter::quantize_in_place(Variant& value) const {
  const LaneLayout& l = layout_of(value.type());
  if (!l.quantizable) return;
  uint8_t* p = lane_bytes(value);
  for (int i = 0; i < l.count; ++i) {
    float f;
    std::memcpy(&f, p + 4 * i, 4);
    const double step = steps_[l.classes[i]];
    const double g = double(f) / step;
    if (!(std::fabs(g) < kMaxGridIndex)) continue;  // out of grid range: kept exact
    float q = from_grid(round_half_away(g), step);
    std::memcpy(p + 4 * i, &q, 4);
  }
}

bool ChunkWriter::add_frame(Frame& frame) {
  if (frame_count_ == 0) {
    current_ = ChunkPayload{};
    current_.first_frame = frame.index;
    current_.first_tick = frame.tick;
    current_.first_time = frame.time;
    meta_.clear();
    for (auto& lanes : lanes_) lanes.clear();
    prev_tick_ = 0;
    prev_time_bits_ = prev_prev_time_bits_ = 0;
  }
  ++frame_count_;
  current_.last_frame = frame.index;
  current_.last_tick = frame.tick;
  current_.last_time = frame.time;

  put_signed(meta_, varint::wrapping_sub(frame.tick, prev_tick_));
  prev_tick_ = frame.tick;
  uint64_t time_bits;
  std::memcpy(&time_bits, &frame.time, 8);
  put_signed(lanes_[format::kGeneralLanes],
             static_cast<int64_t>(time_bits - predict_time(static_cast<uint64_t>(frame_count_ - 1),
                                                           prev_time_bits_, prev_prev_time_bits_)));
  prev_prev_time_bits_ = prev_time_bits_;
  prev_time_bits_ = time_bits;

  // Spawns (a spawn of a live entity restarts it).
  put(meta_, frame.spawns.size());
  EntityId prev_entity = 0;
  for (const Spawn& s : frame.spawns) {
    put_signed(meta_, varint::wrapping_sub(s.entity, prev_entity));
    prev_entity = s.entity;
    put(meta_, s.class_name.size());
    meta_.append(reinterpret_cast<const uint8_t*>(s.class_name.data()), s.class_name.size());
    auto it = state_.entities.find(s.entity);
    if (it != state_.entities.end()) history_.forget_entity(s.entity, it->second);
  }
  // The state's spawn bookkeeping mirrors WorldState::apply.
  for (const Spawn& s : frame.spawns) {
    EntityState& e = state_.entities[s.entity];
    e = EntityState{};
    e.class_name = s.class_name;
    e.spawn_frame = frame.index;
  }

  encode_changes(frame);

  put(meta_, frame.despawns.size());
  prev_entity = 0;
  for (EntityId id : frame.despawns) {
    put_signed(meta_, varint::wrapping_sub(id, prev_entity));
    prev_entity = id;
    auto it = state_.entities.find(id);
    if (it != state_.entities.end()) {
      history_.forget_entity(id, it->second);
      state_.entities.erase(it);
    }
  }
  state_.frame = frame.index;
  state_.tick = frame.tick;
  state_.time = frame.time;

  const bool keyframe = options_.is_keyframe(frame.index);
  if (keyframe) history_.clear();
  return keyframe;
}

// Changes go in canonical order (entity, property); the last of duplicates wins and changes equal
// to the current value are dropped. They are staged in changes_meta_ because their count, which
// precedes them in the meta stream, is known only at the end.
void ChunkWriter::encode_changes(Frame& frame) {
  auto& changes = frame.changes;
  order_.resize(changes.size());
  for (size_t i = 0; i < changes.size(); ++i) {
    order_[i] = ChangeKey{changes[i].entity, uint64_t{changes[i].property} << 32 | i};
  }
  auto by_key = [](const ChangeKey& a, const ChangeKey& b) {
    return a.entity != b.entity ? a.entity < b.entity : a.property_and_index < b.property_and_index;
  };
  if (!std::is_sorted(order_.begin(), order_.end(), by_key)) {
    std::sort(order_.begin(), order_.end(), by_key);
  }
  const auto same_slot = [](const ChangeKey& a, const ChangeKey& b) {
    return a.entity == b.entity && a.property_and_index >> 32 == b.property_and_index >> 32;
  };
  changes_meta_.clear();
  EntityCursor entities(state_, frame.index);
  uint64_t kept = 0;
  EntityId prev_entity = 0;
  for (size_t i = 0; i < order_.size(); ++i) {
    if (i + 1 < order_.size() && same_slot(order_[i], order_[i + 1])) {
      continue;  // superseded later in the same frame
    }
    PropertyChange& c = changes[static_cast<uint32_t>(order_[i].property_and_index)];
    if (options_.lossy.enabled) quantize_in_place(c.value);
    if (EntityState* e = entities.find(c.entity)) {
      const Variant* cur = e->find(c.property);
      if (cur && same_value(*cur, c.value)) continue;
    }
    ++kept;
    put_signed(changes_meta_, varint::wrapping_sub(c.entity, prev_entity));
    prev_entity = c.entity;
    put(changes_meta_, c.property);
    encode_change(entities.at(c.entity), c);
  }
  put(meta_, kept);
  meta_.append(changes_meta_.data(), changes_meta_.size());
}

void ChunkWriter::encode_change(EntityState& entity, PropertyChange& c) {
  Variant& cur = entity.slot(c.property);
  DeltaHistory::Previous& history = history_.slot(c.entity, c.property);
  if (uint8_t* cur_lanes = lane_bytes(cur); cur_lanes != nullptr && cur.type() == c.value.type()) {
    const uint8_t* next_lanes = lane_bytes(c.value);
    encode_lanes(cur.type(), cur_lanes, next_lanes, history);
    advance_lanes(history, cur.type(), cur_lanes, next_lanes);
    return;
  }
  changes_meta_.push_back(static_cast<uint8_t>(ChangeOp::kFull));
  scratch_.clear();
  // Encoding to Godot 4 never fails for values of the model (full objects are kept whole).
  Status s = encode_variant(c.value, scratch_, EncodeOptions{.full_objects = true});
  (void)s;
  changes_meta_.append(scratch_.data(), scratch_.size());
  remember(history, cur);
  cur = std::move(c.value);
}

// Writes the op byte (meta) and lane residuals (lanes) of a change between two values of the same
// numeric type. `history` is the slot's entry: its previous value is unusable when NIL or of
// another type; its grid memos are brought up to date in lossy mode.
void ChunkWriter::encode_lanes(Type type, const uint8_t* cur, const uint8_t* next,
                               DeltaHistory::Previous& history) {
  const LaneLayout& l = layout_of(type);
  const uint8_t* prev = history.type == type ? history.lanes : nullptr;
  int64_t r1[16], r2[16];
  int64_t qa[16], qb[16], qp[16];
  const bool quant = options_.lossy.enabled && l.quantizable &&
                     grid_indices(history.current_grid, type, cur, l, steps_, qa) &&
                     grid_indices(next, l, steps_, qb);
  const bool quant_prev =
      quant && prev && grid_indices(history.previous_grid, type, prev, l, steps_, qp);
  if (quant) {
    // The next value becomes the current one, which becomes the previous one.
    remember_grid(history.previous_grid, type, cur, l, qa);
    remember_grid(history.current_grid, type, next, l, qb);
    for (int i = 0; i < l.count; ++i) r1[i] = qb[i] - qa[i];
    if (quant_prev) {
      for (int i = 0; i < l.count; ++i) r2[i] = qb[i] - (2 * qa[i] - qp[i]);
    }
  } else if (l.width == 4) {
    lane_residuals<4>(cur, prev, next, l.count, r1, r2);
  } else {
    lane_residuals<8>(cur, prev, next, l.count, r1, r2);
  }
  const bool second_available = quant ? quant_prev : prev != nullptr;
  // Structural predictions of a basis (independent of the op): row 2 from the cross product of
  // the new rows 0 and 1, and one element of row 0 plus two of row 1 from orthonormality.
  bool cross_usable = false, ortho_usable = false;
  int64_t rc[3], ro[3];
  OrthoLanes ortho{};
  if (has_basis(type)) {
    float crossed[3];
    cross_rows(next, crossed);
    float cur_f[9], next_f[9];
    std::memcpy(cur_f, cur, sizeof cur_f);
    std::memcpy(next_f, next, sizeof next_f);
    ortho = ortho_lanes(cur_f);
    uint32_t predicted[3];
    predicted[0] = predict_row0(cur_f, next_f, ortho);
    predict_row1(cur_f, next_f, ortho, predicted + 1);
    if (quant) {
      structural_grid_residuals(qb, ortho, predicted, crossed, steps_[kBasisElement], ro, rc,
                                ortho_usable, cross_usable);
    } else {
      cross_usable = ortho_usable = true;
      for (int k = 0; k < 3; ++k) {
        ro[k] = lane_diff(load_lane(next, 4, ortho.lanes[k]), predicted[k], 4);
        rc[k] = lane_diff(load_lane(next, 4, 6 + k), float_bits(crossed[k]), 4);
      }
    }
  }
  // The cost of a temporal residual set once the cheaper structural predictions replace theirs.
  struct Plan {
    int cost;
    bool ortho, cross;
  };
  const int ortho_cost = ortho_usable ? cost_of(ro, 3) : 0;
  const int cross_cost = cross_usable ? cost_of(rc, 3) : 0;
  const auto plan_for = [&](const int64_t* r) {
    int lane_cost[16];
    Plan plan{0, false, false};
    for (int i = 0; i < l.count; ++i) plan.cost += lane_cost[i] = cost_of(&r[i], 1);
    if (ortho_usable) {
      const int temporal =
          lane_cost[ortho.lanes[0]] + lane_cost[ortho.lanes[1]] + lane_cost[ortho.lanes[2]];
      if (ortho_cost < temporal) plan.cost += ortho_cost - temporal, plan.ortho = true;
    }
    if (cross_usable) {
      const int temporal = lane_cost[6] + lane_cost[7] + lane_cost[8];
      if (cross_cost < temporal) plan.cost += cross_cost - temporal, plan.cross = true;
    }
    return plan;
  };
  const Plan plan1 = plan_for(r1);
  const Plan plan2 = second_available ? plan_for(r2) : plan1;
  const bool use_second = second_available && plan2.cost < plan1.cost;
  const Plan& plan = use_second ? plan2 : plan1;
  ChangeOp op = quant ? (use_second ? ChangeOp::kQuantized2 : ChangeOp::kQuantized1)
                      : (use_second ? ChangeOp::kDelta2 : ChangeOp::kDelta1);
  int64_t* r = use_second ? r2 : r1;
  uint8_t op_byte = static_cast<uint8_t>(op);
  if (plan.ortho) {
    for (int k = 0; k < 3; ++k) r[ortho.lanes[k]] = ro[k];
    op_byte |= format::kOrthoRowsFlag;
  }
  if (plan.cross) {
    std::copy(rc, rc + 3, r + 6);
    op_byte |= format::kCrossRow2Flag;
  }
  changes_meta_.push_back(op_byte);
  uint16_t structural = 0;  // bit i: lane i is predicted from the value itself
  if (plan.ortho) {
    for (int lane : ortho.lanes) structural |= uint16_t(1u << lane);
  }
  if (plan.cross) structural |= 0x1c0;
  // Each stream takes its lanes' residuals in lane order (FORMAT.md 6).
  const auto put_lanes = [&](int s, uint16_t lanes) {
    if (lanes == 0) return;
    uint8_t* out = lanes_[s].reserve(10 * size_t(l.count));
    for (uint32_t rest = lanes; rest != 0; rest &= rest - 1) {
      out = varint::put_raw(out, varint::zigzag(r[std::countr_zero(rest)]));
    }
    lanes_[s].commit(out);
  };
  for (int s = 0; s < format::kStructuralLanes; ++s) put_lanes(s, l.stream_lanes[s] & ~structural);
  put_lanes(format::kStructuralLanes, structural);
}

void ChunkWriter::start_after_keyframe(WorldState state) {
  state_ = std::move(state);
  history_.clear();
  frame_count_ = 0;
  current_ = ChunkPayload{};
}

ChunkPayload ChunkWriter::take_chunk() {
  ChunkPayload out;
  take_chunk(out);
  return out;
}

void ChunkWriter::take_chunk(ChunkPayload& out) {
  out.first_frame = current_.first_frame;
  out.last_frame = current_.last_frame;
  out.first_time = current_.first_time;
  out.last_time = current_.last_time;
  out.first_tick = current_.first_tick;
  out.last_tick = current_.last_tick;
  out.bytes.clear();
  size_t lane_bytes = 0;
  for (const auto& lanes : lanes_) lane_bytes += lanes.size();
  out.bytes.reserve(meta_.size() + lane_bytes + 40);
  out.bytes.push_back(format::kChunkPayloadVersion);
  varint::put(out.bytes, static_cast<uint64_t>(frame_count_));
  varint::put(out.bytes, meta_.size());
  for (int s = 0; s + 1 < format::kLaneStreamCount; ++s) varint::put(out.bytes, lanes_[s].size());
  out.bytes.insert(out.bytes.end(), meta_.data(), meta_.data() + meta_.size());
  out.section_ends.clear();
  for (const auto& lanes : lanes_) {
    out.section_ends.push_back(out.bytes.size());
    out.bytes.insert(out.bytes.end(), lanes.data(), lanes.data() + lanes.size());
  }
  frame_count_ = 0;
  current_ = ChunkPayload{};
}

// ---------------------------------------------------------------------------------------------
// Reader

ChunkReader::ChunkReader(std::span<const uint8_t> payload, FrameIndex first_frame,
                         DeltaHistory& history, const CodecOptions& options, std::string context)
    : payload_(payload),
      first_frame_(first_frame),
      history_(history),
      options_(options),
      context_(std::move(context)) {
  steps_from(options_.lossy, steps_);
  grid_memo_exact_ = std::all_of(steps_ + 1, steps_ + 4, [](double step) {
    return step >= 1e-37 && step <= 1e30;  // FLT_MIN < 1.2e-38, FLT_MAX / 2^22 > 8e31
  });
}

Status ChunkReader::fail(std::string_view what, size_t offset) const {
  return Status::corruption("{}: frame {}: {} at payload byte {}", context_, next_frame(), what,
                            offset);
}

Status ChunkReader::init() {
  size_t pos = 0;
  if (payload_.empty()) return fail("empty chunk payload", 0);
  if (payload_[0] < format::kOldestChunkPayloadVersion ||
      payload_[0] > format::kChunkPayloadVersion) {
    return Status::unsupported("{}: chunk payload version {} (this reel reads {} to {})", context_,
                               payload_[0], format::kOldestChunkPayloadVersion,
                               format::kChunkPayloadVersion);
  }
  op_flags_ =
      payload_[0] >= 2 ? format::kCrossRow2Flag | format::kOrthoRowsFlag : format::kCrossRow2Flag;
  pos = 1;
  uint64_t meta_len = 0;
  if (!varint::get(payload_, pos, payload_.size(), frame_count_) ||
      frame_count_ > format::kMaxFramesPerChunk) {
    return fail("bad frame count", 1);
  }
  if (!varint::get(payload_, pos, payload_.size(), meta_len)) {
    return fail("bad structure stream length", pos);
  }
  uint64_t lengths[format::kLaneStreamCount - 1] = {};
  const bool streams = payload_[0] >= 3;
  if (streams) {
    for (uint64_t& length : lengths) {
      if (!varint::get(payload_, pos, payload_.size(), length) || length > payload_.size() - pos) {
        return fail("bad lane stream length", pos);
      }
    }
  } else {
    std::fill(std::begin(stream_of_), std::end(stream_of_), uint8_t{0});
    single_stream_ = true;
  }
  if (meta_len > payload_.size() - pos) return fail("bad structure stream length", pos);
  meta_pos_ = pos;
  meta_end_ = pos + meta_len;
  // Lane streams follow the meta stream back to back; the last one runs to the end.
  size_t begin = meta_end_;
  for (int s = 0; s < format::kLaneStreamCount; ++s) {
    const bool last = !streams || s + 1 == format::kLaneStreamCount;
    const uint64_t length = last ? payload_.size() - begin : lengths[s];
    if (length > payload_.size() - begin) return fail("lane streams longer than the payload", pos);
    lane_pos_[s] = begin;
    lane_end_[s] = begin + length;
    begin += length;
    if (!streams) break;
  }
  return {};
}

// Reads the residuals of `lanes` (bit k: lane k) from stream `s`, in lane order, into r[k];
// false when the stream ends or holds a malformed varint (lane_pos_[s] then says where).
inline bool ChunkReader::read_residuals(int s, uint16_t lanes, int64_t* r) {
  size_t pos = lane_pos_[s];
  const size_t end = lane_end_[s];
  bool ok = true;
  for (uint32_t rest = lanes; rest != 0; rest &= rest - 1) {
    uint64_t u;
    if (!varint::get(payload_, pos, end, u)) [[unlikely]] {
      ok = false;
      break;
    }
    r[std::countr_zero(rest)] = varint::unzigzag(u);
  }
  lane_pos_[s] = pos;
  return ok;
}

// Decodes the lanes of a delta op into `dst` (the new value's payload; `cur` is unchanged).
Status ChunkReader::decode_lanes(uint8_t op_byte, size_t op_offset, DeltaHistory::Previous& history,
                                 Variant& cur_value, uint8_t* dst) {
  const bool cross = (op_byte & format::kCrossRow2Flag) != 0;
  const bool ortho = (op_byte & format::kOrthoRowsFlag) != 0;
  const uint8_t op = op_byte & ~(format::kCrossRow2Flag | format::kOrthoRowsFlag);
  const Type type = cur_value.type();
  const LaneLayout& l = layout_of(type);
  if (l.count == 0) return fail("delta op on a non-numeric value", op_offset);
  if (cross && !has_basis(type)) return fail("cross-row flag on a non-basis value", op_offset);
  if (ortho && !has_basis(type))
    return fail("orthonormal-rows flag on a non-basis value", op_offset);
  const bool second = op == uint8_t(ChangeOp::kDelta2) || op == uint8_t(ChangeOp::kQuantized2);
  const bool quant = op == uint8_t(ChangeOp::kQuantized1) || op == uint8_t(ChangeOp::kQuantized2);
  const uint8_t* prev = history.type == type ? history.lanes : nullptr;
  if (second && prev == nullptr) return fail("second-order delta without history", op_offset);
  if (quant && !l.quantizable) return fail("quantized op on an unquantizable type", op_offset);
  const uint8_t* cur = lane_bytes(cur_value);
  int64_t qa[16], qp[16];
  if (quant && (!grid_indices(history.current_grid, type, cur, l, steps_, qa) ||
                (second && !grid_indices(history.previous_grid, type, prev, l, steps_, qp)))) {
    return fail("quantized op on an off-grid value", op_offset);
  }
  // Which lanes are predicted from the value itself (their residuals are in the structural
  // stream), in dependency order: row 0's element (from the rest of row 0), then row 1's two
  // (from row 0 and row 1's third element), then row 2 (from rows 0 and 1).
  OrthoLanes lanes_of_ortho{};
  float cur_f[9];
  uint16_t structural = 0;  // bit k: lane k is not temporally predicted
  if (ortho) {
    std::memcpy(cur_f, cur, sizeof cur_f);
    lanes_of_ortho = ortho_lanes(cur_f);
    for (int lane : lanes_of_ortho.lanes) structural |= uint16_t(1u << lane);
  }
  if (cross) structural |= 0x1c0;
  // Residuals first (a tight varint loop per stream), then the lanes they correct.
  int64_t r[16];
  const auto truncated = [&](int s) {
    return fail(fmt::format("truncated lane stream {}", s), lane_pos_[s]);
  };
  if (single_stream_) {
    if (!read_residuals(0, uint16_t((1u << l.count) - 1), r)) return truncated(0);
  } else {
    for (int s = 0; s < format::kStructuralLanes; ++s) {
      const uint16_t lanes = l.stream_lanes[s] & ~structural;
      if (lanes != 0 && !read_residuals(s, lanes, r)) return truncated(s);
    }
    if (structural != 0 && !read_residuals(format::kStructuralLanes, structural, r)) {
      return truncated(format::kStructuralLanes);
    }
  }
  const size_t pos = lane_pos_[stream_of_[format::kStructuralLanes]];  // for error offsets
  // The orthonormal predictions of lanes whose inputs (dst) are decoded by now.
  const auto ortho_row0 = [&] {
    float nw[9];
    std::memcpy(nw, dst, sizeof nw);
    return predict_row0(cur_f, nw, lanes_of_ortho);
  };
  const auto ortho_row1 = [&](uint32_t out[2]) {
    float nw[9];
    std::memcpy(nw, dst, sizeof nw);
    predict_row1(cur_f, nw, lanes_of_ortho, out);
  };
  if (quant) {
    const double step = steps_[kBasisElement];
    int64_t qn[16];  // the new value's grid indices
    // Lane k = grid index `base` + its residual.
    const auto put_grid = [&](int k, int64_t base) {
      qn[k] = varint::wrapping_add(r[k], base);
      if (!(std::fabs(double(qn[k])) < kMaxGridIndex)) return false;
      const float f = from_grid(qn[k], steps_[l.classes[k]]);
      std::memcpy(dst + 4 * k, &f, 4);
      return true;
    };
    for (int k = 0; k < l.count; ++k) {
      if (structural >> k & 1) continue;
      if (!put_grid(k, second ? 2 * qa[k] - qp[k] : qa[k])) {
        return fail("grid index out of range", pos);
      }
    }
    const std::string_view error =
        put_structural_grid_lanes(cur_f, lanes_of_ortho, ortho, cross, r, step, dst, qn);
    if (!error.empty()) return fail(error, pos);
    // The new value becomes the current one, which becomes the previous one.
    remember_grid(history.previous_grid, type, cur, l, qa);
    if (grid_memo_exact_) remember_grid(history.current_grid, type, dst, l, qn);
    return {};
  }
  if (l.width == 4) {
    for (int k = 0; k < l.count; ++k) {
      const uint64_t va = load_lane(cur, 4, k);
      const uint64_t pred = second ? 2 * va - load_lane(prev, 4, k) : va;
      store_lane(dst, 4, k, pred + static_cast<uint64_t>(r[k]));
    }
  } else {
    for (int k = 0; k < l.count; ++k) {
      const uint64_t va = load_lane(cur, 8, k);
      const uint64_t pred = second ? 2 * va - load_lane(prev, 8, k) : va;
      store_lane(dst, 8, k, pred + static_cast<uint64_t>(r[k]));
    }
  }
  if (ortho) {
    const int* o = lanes_of_ortho.lanes;
    store_lane(dst, 4, o[0], ortho_row0() + static_cast<uint64_t>(r[o[0]]));
    uint32_t row1[2];
    ortho_row1(row1);
    store_lane(dst, 4, o[1], row1[0] + static_cast<uint64_t>(r[o[1]]));
    store_lane(dst, 4, o[2], row1[1] + static_cast<uint64_t>(r[o[2]]));
  }
  if (cross) {
    float crossed[3];
    cross_rows(dst, crossed);  // rows 0 and 1 are decoded by now
    for (int k = 6; k < 9; ++k) {
      uint32_t bits;
      std::memcpy(&bits, &crossed[k - 6], 4);
      store_lane(dst, 4, k, bits + static_cast<uint64_t>(r[k]));
    }
  }
  return {};
}

// Decodes one change (op byte onwards) of `entity` and applies it.
Status ChunkReader::decode_change(EntityId entity, PropertyId pid, EntityState& state, Frame* out,
                                  std::vector<StateEdit>* undo) {
  if (meta_pos_ >= meta_end_) return fail("truncated change op", meta_pos_);
  const size_t op_offset = meta_pos_;
  const uint8_t op = payload_[meta_pos_++];
  const size_t properties_before = state.properties.size();
  Variant& cur = state.slot(pid);
  StateEdit* edit = nullptr;
  if (undo) {
    edit = &undo->emplace_back();
    edit->entity = entity;
    edit->property = pid;
    edit->present = state.properties.size() == properties_before;
  }
  DeltaHistory::Previous& history = history_.slot(entity, pid);
  if (op == static_cast<uint8_t>(ChangeOp::kFull)) {
    auto decoded =
        decode_variant(payload_.subspan(meta_pos_, meta_end_ - meta_pos_),
                       DecodeOptions{.allow_objects = true, .type_ids = options_.type_ids});
    if (!decoded.ok()) {
      return fail(fmt::format("bad value of entity {} property {} ({})", entity, pid,
                              decoded.status().message()),
                  meta_pos_);
    }
    meta_pos_ += decoded->bytes_read;
    remember(history, cur);
    if (edit && edit->present) edit->value = std::move(cur);
    cur = std::move(decoded->value);
  } else if ((op & ~op_flags_) != 0 && (op & ~op_flags_) <= format::kMaxChangeOp) {
    alignas(8) uint8_t next[64];
    REEL_RETURN_IF_ERROR(decode_lanes(op, op_offset, history, cur, next));
    if (edit) edit->value = cur;  // a delta op implies a present numeric value
    advance_lanes(history, cur.type(), lane_bytes(cur), next);
  } else {
    return fail(fmt::format("unknown change op {}", op), op_offset);
  }
  if (out) out->changes.push_back(PropertyChange{entity, pid, cur});
  return {};
}

Status ChunkReader::next(WorldState& state, Frame* out, std::vector<StateEdit>* undo) {
  if (done()) return Status::internal("{}: read past the last frame of the chunk", context_);
  const FrameIndex index = next_frame();
  auto get_meta = [&](uint64_t& v) { return varint::get(payload_, meta_pos_, meta_end_, v); };
  uint64_t u;
  if (!get_meta(u)) return fail("truncated tick", meta_pos_);
  const int64_t tick = varint::wrapping_add(prev_tick_, varint::unzigzag(u));
  const int time_stream = stream_of_[format::kGeneralLanes];
  if (!varint::get(payload_, lane_pos_[time_stream], lane_end_[time_stream], u)) {
    return fail("truncated time", lane_pos_[time_stream]);
  }
  const uint64_t time_bits = predict_time(decoded_, prev_time_bits_, prev_prev_time_bits_) +
                             static_cast<uint64_t>(varint::unzigzag(u));
  double time;
  std::memcpy(&time, &time_bits, 8);
  if (out) {
    out->clear();
    out->index = index;
    out->tick = tick;
    out->time = time;
  }

  uint64_t n;
  if (!get_meta(n) || n > format::kMaxItemsPerFrame) return fail("bad spawn count", meta_pos_);
  EntityId entity = 0;
  for (uint64_t i = 0; i < n; ++i) {
    uint64_t len;
    if (!get_meta(u)) return fail("truncated spawn", meta_pos_);
    entity = varint::wrapping_add(entity, varint::unzigzag(u));
    if (!get_meta(len) || len > format::kMaxClassNameBytes || len > meta_end_ - meta_pos_) {
      return fail("bad spawn class name", meta_pos_);
    }
    std::string class_name(reinterpret_cast<const char*>(payload_.data() + meta_pos_), len);
    meta_pos_ += len;
    auto it = state.entities.find(entity);
    if (it != state.entities.end()) {
      history_.forget_entity(entity, it->second);
      if (undo) log_whole_entity(*undo, entity, it->second);
    } else {
      if (undo) undo->push_back(StateEdit{.kind = StateEdit::kEntity, .entity = entity});
      it = state.entities.try_emplace(entity).first;
    }
    EntityState& e = it->second;
    e = EntityState{};
    e.spawn_frame = index;
    if (out) out->spawns.push_back(Spawn{entity, class_name});
    e.class_name = std::move(class_name);
  }

  // A change takes at least 3 bytes of meta (entity, property, op): a count beyond that is
  // damage, and must not size an allocation.
  if (!get_meta(n) || n > format::kMaxItemsPerFrame || n > (meta_end_ - meta_pos_) / 3) {
    return fail("bad change count", meta_pos_);
  }
  if (out) out->changes.reserve(n);
  entity = 0;
  EntityCursor entities(state, index, undo);
  for (uint64_t i = 0; i < n; ++i) {
    uint64_t prop;
    if (!get_meta(u)) return fail("truncated change entity", meta_pos_);
    entity = varint::wrapping_add(entity, varint::unzigzag(u));
    if (!get_meta(prop) || prop > UINT32_MAX) return fail("bad property id", meta_pos_);
    REEL_RETURN_IF_ERROR(
        decode_change(entity, static_cast<PropertyId>(prop), entities.at(entity), out, undo));
  }

  if (!get_meta(n) || n > format::kMaxItemsPerFrame) return fail("bad despawn count", meta_pos_);
  entity = 0;
  for (uint64_t i = 0; i < n; ++i) {
    if (!get_meta(u)) return fail("truncated despawn", meta_pos_);
    entity = varint::wrapping_add(entity, varint::unzigzag(u));
    auto it = state.entities.find(entity);
    if (it != state.entities.end()) {
      history_.forget_entity(entity, it->second);
      if (undo) log_whole_entity(*undo, entity, it->second);
      state.entities.erase(it);
    }
    if (out) out->despawns.push_back(entity);
  }
  state.frame = index;
  state.tick = tick;
  state.time = time;
  prev_tick_ = tick;
  prev_prev_time_bits_ = prev_time_bits_;
  prev_time_bits_ = time_bits;
  ++decoded_;
  if (options_.is_keyframe(index)) history_.clear();
  if (done()) {
    if (meta_pos_ != meta_end_) return fail("trailing bytes after the last frame", meta_pos_);
    for (int s = 0; s < format::kLaneStreamCount; ++s) {
      if (lane_pos_[s] != lane_end_[s]) {
        return fail(fmt::format("trailing bytes in lane stream {} after the last frame", s),
                    lane_pos_[s]);
      }
    }
  }
  return {};
}

// ---------------------------------------------------------------------------------------------
// Keyframes

namespace {

constexpr uint8_t kKeyframeGridSteps = 0x01;  // keyframe flags: grid steps follow (FORMAT.md 7)

// Basis shape byte of a grid value (FORMAT.md 7): the axis-aligned reference rotation whose rows
// 0 and 1 stand in for `current` in the orthonormal predictions, and the structural flags.
struct BasisShape {
  int k = 0;  // row 0 of the reference: +-e_k
  bool neg_a = false;
  int m = 1;  // row 1 of the reference: +-e_m, m != k
  bool neg_b = false;
  bool ortho = false;
  bool cross = false;

  uint8_t byte() const {
    return static_cast<uint8_t>(k | neg_a << 2 | m << 3 | neg_b << 5 | ortho << 6 | cross << 7);
  }
  static bool parse(uint8_t b, BasisShape& out) {
    out.k = b & 3;
    out.neg_a = b >> 2 & 1;
    out.m = b >> 3 & 3;
    out.neg_b = b >> 5 & 1;
    out.ortho = b >> 6 & 1;
    out.cross = b >> 7 & 1;
    return out.k < 3 && out.m < 3 && out.m != out.k;
  }
  // The reference rows 0 and 1 (row 2 is never read by the predictions).
  void reference(float (&cur)[9]) const {
    std::fill(std::begin(cur), std::end(cur), 0.0f);
    cur[k] = neg_a ? -1.0f : 1.0f;
    cur[3 + m] = neg_b ? -1.0f : 1.0f;
  }
};

// The reference of a basis: row 0's largest element, row 1's largest element off that column
// (first on ties), with their signs.
BasisShape shape_of(const float* rows) {
  BasisShape s;
  for (int j = 1; j < 3; ++j) {
    if (std::fabs(rows[j]) > std::fabs(rows[s.k])) s.k = j;
  }
  s.m = s.k == 0 ? 1 : 0;
  for (int j = 0; j < 3; ++j) {
    if (j != s.k && std::fabs(rows[3 + j]) > std::fabs(rows[3 + s.m])) s.m = j;
  }
  s.neg_a = std::signbit(rows[s.k]);
  s.neg_b = std::signbit(rows[3 + s.m]);
  return s;
}

// A grid value's residuals: every lane's grid index, except the lanes the shape predicts.
// `q` holds the grid indices of the value, `f` its lanes as floats.
void grid_residuals(const LaneLayout& l, const double* steps, const float* f, const int64_t* q,
                    bool basis, BasisShape& shape, int64_t* r) {
  std::copy(q, q + l.count, r);
  if (!basis) return;
  shape = shape_of(f);
  float cur[9];
  shape.reference(cur);
  const OrthoLanes o = ortho_lanes(cur);
  uint32_t predicted[3];
  predicted[0] = predict_row0(cur, f, o);
  predict_row1(cur, f, o, predicted + 1);
  float crossed[3];
  cross_rows(reinterpret_cast<const uint8_t*>(f), crossed);
  int64_t ro[3], rc[3];
  bool ortho_usable, cross_usable;
  structural_grid_residuals(q, o, predicted, crossed, steps[kBasisElement], ro, rc, ortho_usable,
                            cross_usable);
  if (ortho_usable) {
    const int plain =
        cost_of(&q[o.lanes[0]], 1) + cost_of(&q[o.lanes[1]], 1) + cost_of(&q[o.lanes[2]], 1);
    if (cost_of(ro, 3) < plain) {
      shape.ortho = true;
      for (int k = 0; k < 3; ++k) r[o.lanes[k]] = ro[k];
    }
  }
  if (cross_usable && cost_of(rc, 3) < cost_of(q + 6, 3)) {
    shape.cross = true;
    std::copy(rc, rc + 3, r + 6);
  }
}

// Writes `value` in grid form (FORMAT.md 7) when its type is quantizable and every lane is on the
// grid; false (nothing written) otherwise.
bool put_grid_value(const Variant& value, const double* steps, std::vector<uint8_t>& out) {
  const LaneLayout& l = layout_of(value.type());
  if (!l.quantizable) return false;
  const uint8_t* lanes = lane_bytes(value);
  int64_t q[16], r[16];
  if (!grid_indices(lanes, l, steps, q)) return false;
  float f[16];
  std::memcpy(f, lanes, 4 * size_t(l.count));
  const bool basis = has_basis(value.type());
  BasisShape shape;
  grid_residuals(l, steps, f, q, basis, shape, r);
  out.push_back(static_cast<uint8_t>(value.type()));
  if (basis) out.push_back(shape.byte());
  varint::put_signed_n(out, r, l.count);
  return true;
}

// A Variant of a quantizable type (its lanes are then overwritten).
Variant numeric_of(Type type) {
  switch (type) {
    case Type::VECTOR2:
      return Vector2{};
    case Type::VECTOR3:
      return Vector3{};
    case Type::TRANSFORM2D:
      return Transform2D{};
    case Type::QUATERNION:
      return Quaternion{};
    case Type::BASIS:
      return Basis{};
    case Type::TRANSFORM3D:
      return Transform3D{};
    default:
      return Variant{};
  }
}

// Reads a grid value at `pos` (after its property id). Errors are returned as text, the caller
// names the place.
std::string_view get_grid_value(std::span<const uint8_t> in, size_t& pos, const double* steps,
                                TypeIds type_ids, Variant& out) {
  if (pos >= in.size()) return "truncated grid value";
  uint32_t type_byte = in[pos++];
  // Sessions of format versions 1-2 wrote Transform2D as 13 here too (FORMAT.md 5).
  if (type_ids == TypeIds::kReelLegacy)
    type_byte = godot_id_of_legacy_id(type_byte);
  if (type_byte >= kTypeCount || !layout_of(Type(type_byte)).quantizable) {
    return "grid value of a type without a grid";
  }
  const Type type = Type(type_byte);
  const LaneLayout& l = layout_of(type);
  const bool basis = has_basis(type);
  BasisShape shape;
  if (basis) {
    if (pos >= in.size()) return "truncated basis shape";
    if (!BasisShape::parse(in[pos++], shape)) return "bad basis shape";
  }
  int64_t r[16];
  for (int k = 0; k < l.count; ++k) {
    uint64_t u;
    if (!varint::get(in, pos, in.size(), u)) return "truncated grid lanes";
    r[k] = varint::unzigzag(u);
  }
  out = numeric_of(type);
  uint8_t* dst = lane_bytes(out);
  const auto put_lane = [&](int k, int64_t q) {
    if (!(std::fabs(double(q)) < kMaxGridIndex)) return false;
    const float f = from_grid(q, steps[l.classes[k]]);
    std::memcpy(dst + 4 * k, &f, 4);
    return true;
  };
  uint16_t structural = 0;
  float cur[9];
  OrthoLanes o{};
  if (shape.ortho) {
    shape.reference(cur);
    o = ortho_lanes(cur);
    for (int lane : o.lanes) structural |= uint16_t(1u << lane);
  }
  if (shape.cross) structural |= 0x1c0;
  for (int k = 0; k < l.count; ++k) {
    if (!(structural >> k & 1) && !put_lane(k, r[k])) return "grid index out of range";
  }
  int64_t q[16];
  return put_structural_grid_lanes(cur, o, shape.ortho, shape.cross, r, steps[kBasisElement], dst,
                                   q);
}

// The ids a keyframe decode has seen (per thread: decode_keyframe is a free function).
std::vector<EntityId>& decoded_ids_scratch() {
  thread_local std::vector<EntityId> ids;
  return ids;
}

void put_f64(std::vector<uint8_t>& out, double v) {
  uint64_t bits;
  std::memcpy(&bits, &v, 8);
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<uint8_t>(bits >> (8 * i)));
}

bool get_f64(std::span<const uint8_t> in, size_t& pos, double& v) {
  if (in.size() - pos < 8) return false;
  uint64_t bits = 0;
  for (int i = 0; i < 8; ++i) bits |= uint64_t(in[pos + i]) << (8 * i);
  std::memcpy(&v, &bits, 8);
  pos += 8;
  return true;
}

}  // namespace

void encode_keyframe(const WorldState& state, std::vector<uint8_t>& out,
                     const QuantizeOptions& grid) {
  out.clear();
  out.push_back(format::kKeyframePayloadVersion);
  varint::put_signed(out, state.frame);
  varint::put_signed(out, state.tick);
  put_f64(out, state.time);
  double steps[4] = {};
  out.push_back(grid.enabled ? kKeyframeGridSteps : 0);
  if (grid.enabled) {
    put_f64(out, grid.position_step);
    put_f64(out, grid.rotation_step_degrees);
    steps_from(grid, steps);
  }
  std::vector<uint8_t> scratch;
  std::vector<EntityId> ids;
  ids.reserve(state.entities.size());
  for (const auto& [id, e] : state.entities) ids.push_back(id);
  std::sort(ids.begin(), ids.end());
  varint::put(out, ids.size());
  EntityId prev = 0;
  for (EntityId id : ids) {
    const EntityState& e = state.entities.at(id);
    varint::put_signed(out, varint::wrapping_sub(id, prev));
    prev = id;
    varint::put_signed(out, e.spawn_frame);
    varint::put(out, e.class_name.size());
    out.insert(out.end(), e.class_name.begin(), e.class_name.end());
    varint::put(out, e.properties.size());
    for (const auto& [prop, value] : e.properties) {
      // Through a small scratch buffer: the encoder's growth slack is then small, whatever the
      // size of the keyframe built so far.
      scratch.clear();
      const bool on_grid = grid.enabled && put_grid_value(value, steps, scratch);
      if (!on_grid) {
        Status s = encode_variant(value, scratch, EncodeOptions{.full_objects = true});
        (void)s;  // encoding to Godot 4 never fails for values of the model
      }
      varint::put(out, uint64_t(prop) << 1 | uint64_t(on_grid));
      out.insert(out.end(), scratch.begin(), scratch.end());
    }
  }
}

Status decode_keyframe(std::span<const uint8_t> payload, WorldState& out, std::string_view context,
                       TypeIds type_ids) {
  auto fail = [&](std::string_view what, size_t at) {
    return Status::corruption("{}: keyframe: {} at payload byte {}", context, what, at);
  };
  if (payload.empty()) return fail("empty payload", 0);
  const uint8_t version = payload[0];
  if (version < format::kOldestKeyframePayloadVersion ||
      version > format::kKeyframePayloadVersion) {
    return Status::unsupported("{}: keyframe payload version {} (this reel reads {} to {})",
                               context, version, format::kOldestKeyframePayloadVersion,
                               format::kKeyframePayloadVersion);
  }
  size_t pos = 1;
  const size_t end = payload.size();
  uint64_t u;
  // `out` is decoded over in place: entities and property vectors it already holds are reused
  // (a replayer decodes keyframes into the state it had, allocating little).
  if (!varint::get(payload, pos, end, u)) return fail("truncated frame", pos);
  out.frame = varint::unzigzag(u);
  if (!varint::get(payload, pos, end, u)) return fail("truncated tick", pos);
  out.tick = varint::unzigzag(u);
  if (!get_f64(payload, pos, out.time)) return fail("truncated time", pos);
  bool has_grid = false;
  double steps[4] = {};
  if (version >= 2) {
    if (pos >= end) return fail("truncated flags", pos);
    const uint8_t flags = payload[pos];
    if (flags & ~kKeyframeGridSteps) return fail("unknown flags", pos);
    ++pos;
    has_grid = flags & kKeyframeGridSteps;
    if (has_grid) {
      QuantizeOptions grid{.enabled = true};
      if (!get_f64(payload, pos, grid.position_step) ||
          !get_f64(payload, pos, grid.rotation_step_degrees)) {
        return fail("truncated grid steps", pos);
      }
      if (!(grid.position_step > 0 && grid.position_step < 1e30 && grid.rotation_step_degrees > 0 &&
            grid.rotation_step_degrees < 1e30)) {
        return fail("bad grid steps", pos - 16);
      }
      steps_from(grid, steps);
    }
  }
  uint64_t count;
  // An entity takes at least 4 bytes (id, spawn frame, class length, property count).
  if (!varint::get(payload, pos, end, count) || count > (end - pos) / 4) {
    return fail("bad entity count", pos);
  }
  out.entities.reserve(count);
  std::vector<EntityId>& ids = decoded_ids_scratch();
  ids.clear();
  EntityId id = 0;
  for (uint64_t i = 0; i < count; ++i) {
    uint64_t len, props;
    const size_t id_at = pos;
    if (!varint::get(payload, pos, end, u)) return fail("truncated entity id", pos);
    id = varint::wrapping_add(id, varint::unzigzag(u));
    if (i > 0 && id <= ids.back()) return fail("entity ids not ascending", id_at);
    ids.push_back(id);
    EntityState& e = out.entities[id];
    if (!varint::get(payload, pos, end, u)) return fail("truncated spawn frame", pos);
    e.spawn_frame = varint::unzigzag(u);
    if (!varint::get(payload, pos, end, len) || len > end - pos) return fail("bad class name", pos);
    e.class_name.assign(reinterpret_cast<const char*>(payload.data() + pos), len);
    pos += len;
    // A property takes at least 2 bytes (its id word and a grid type byte).
    if (!varint::get(payload, pos, end, props) || props > (end - pos) / 2) {
      return fail("bad property count", pos);
    }
    e.properties.resize(props);
    uint64_t last_prop = 0;
    for (uint64_t k = 0; k < props; ++k) {
      const size_t prop_at = pos;
      uint64_t word;
      if (!varint::get(payload, pos, end, word)) return fail("bad property id", prop_at);
      // Version 1: the id alone; version 2: id << 1 | grid form.
      const bool grid_form = version >= 2 && (word & 1);
      const uint64_t prop = version >= 2 ? word >> 1 : word;
      if (prop > UINT32_MAX || (k > 0 && prop <= last_prop))
        return fail("bad property id", prop_at);
      last_prop = prop;
      if (grid_form) {
        if (!has_grid) return fail("grid value without grid steps", prop_at);
        const size_t value_at = pos;
        e.properties[k].first = static_cast<PropertyId>(prop);
        std::string_view error =
            get_grid_value(payload, pos, steps, type_ids, e.properties[k].second);
        if (!error.empty()) {
          return fail(fmt::format("bad value of entity {} property {} ({})", id, prop, error),
                      value_at);
        }
        continue;
      }
      auto decoded = decode_variant(payload.subspan(pos),
                                    DecodeOptions{.allow_objects = true, .type_ids = type_ids});
      if (!decoded.ok()) {
        return fail(fmt::format("bad value of entity {} property {} ({})", id, prop,
                                decoded.status().message()),
                    pos);
      }
      pos += decoded->bytes_read;
      e.properties[k] = {static_cast<PropertyId>(prop), std::move(decoded->value)};
    }
  }
  // Entities of the state decoded over that the keyframe does not hold.
  if (out.entities.size() != ids.size()) {
    std::erase_if(out.entities, [&](const auto& entry) {
      return !std::binary_search(ids.begin(), ids.end(), entry.first);
    });
  }
  if (pos != end) return fail("trailing bytes", pos);
  return {};
}

}  // namespace reel
