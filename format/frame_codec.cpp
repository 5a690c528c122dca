#include "reel/format/frame_codec.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <numbers>

#include "reel/format/format_constants.h"
#include "reel/format/variant_binary.h"
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
};

LaneLayout make_layout(uint8_t count, uint8_t width, std::initializer_list<uint8_t> classes = {}) {
  LaneLayout l;
  l.count = count;
  l.width = width;
  size_t i = 0;
  for (uint8_t c : classes) l.classes[i++] = c;
  l.quantizable = classes.size() == count;
  return l;
}

const LaneLayout& layout_of(Type type) {
  static const std::array<LaneLayout, kTypeCount> table = [] {
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
  return table[static_cast<size_t>(type)];
}

// The address of a numeric Variant's payload (its lanes, contiguous, native little-endian).
// REQUIRES: layout_of(v.type()).count > 0.
template <class V>
auto* lane_bytes(V& v) {
  using Byte = std::conditional_t<std::is_const_v<V>, const uint8_t, uint8_t>;
  return std::visit(
      [](auto& x) -> Byte* {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_trivially_copyable_v<T> && !std::is_same_v<T, std::monostate> &&
                      !std::is_same_v<T, bool> && !std::is_same_v<T, Callable>) {
          return reinterpret_cast<Byte*>(&x);
        } else {
          return nullptr;
        }
      },
      v.storage());
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

struct Steps {
  double by_class[4] = {0, 0, 0, 0};
};

Steps steps_from(const QuantizeOptions& q) {
  Steps s;
  const double rad = q.rotation_step_degrees * std::numbers::pi / 180.0;
  s.by_class[kPosition] = q.position_step;
  s.by_class[kBasisElement] = rad;
  s.by_class[kQuatComponent] = rad / 2;
  return s;
}

// Grid indices stay below 2^22 so that float(q * step) rounds back to q exactly.
constexpr double kMaxGridIndex = double(1 << 22);

bool grid_index(float x, double step, int64_t& q) {
  double g = double(x) / step;
  if (!(std::fabs(g) < kMaxGridIndex)) return false;  // also rejects NaN
  q = std::llround(g);
  float back = static_cast<float>(double(q) * step);
  return std::memcmp(&back, &x, 4) == 0;
}

float from_grid(int64_t q, double step) { return static_cast<float>(double(q) * step); }

// The nearest grid index of any float within range (unlike grid_index, which requires x on the
// grid).
bool grid_index_of(float x, double step, int64_t& q) {
  double g = double(x) / step;
  if (!(std::fabs(g) < kMaxGridIndex)) return false;
  q = std::llround(g);
  return true;
}

// Grid indices of every lane of a quantizable value; false if any lane is off-grid.
bool grid_indices(const Variant& v, const LaneLayout& l, const Steps& s, int64_t* out) {
  const uint8_t* p = lane_bytes(v);
  for (int i = 0; i < l.count; ++i) {
    float f;
    std::memcpy(&f, p + 4 * i, 4);
    if (!grid_index(f, s.by_class[l.classes[i]], out[i])) return false;
  }
  return true;
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

// dst = src; a plain copy of the lanes when both hold the same numeric type (the hot path).
void assign_value(Variant& dst, const Variant& src) {
  const LaneLayout& l = layout_of(src.type());
  if (l.count > 0 && dst.type() == src.type()) {
    std::memcpy(lane_bytes(dst), lane_bytes(src), size_t(l.count) * l.width);
  } else {
    dst = src;
  }
}

bool has_basis(Type t) { return t == Type::BASIS || t == Type::TRANSFORM3D; }

// cross(row 0, row 1) of a basis given as its first 6 float lanes. Plain float multiplies and
// subtractions in this order (the build disables FMA contraction), so writer and reader agree.
void cross_rows(const uint8_t* lanes, float out[3]) {
  float r[6];
  std::memcpy(r, lanes, sizeof r);
  out[0] = r[1] * r[5] - r[2] * r[4];
  out[1] = r[2] * r[3] - r[0] * r[5];
  out[2] = r[0] * r[4] - r[1] * r[3];
}

int cost_of(const int64_t* residuals, int n) {
  int c = 0;
  for (int i = 0; i < n; ++i) c += varint::size_of(varint::zigzag(residuals[i]));
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

const Variant* DeltaHistory::previous(EntityId entity, PropertyId property) const {
  auto it = previous_.find(Key{entity, property});
  return it == previous_.end() ? nullptr : &it->second;
}

void DeltaHistory::forget_entity(EntityId entity, const EntityState& state) {
  for (const auto& [prop, value] : state.properties) previous_.erase(Key{entity, prop});
}

// ---------------------------------------------------------------------------------------------
// Writer

ChunkWriter::ChunkWriter(const CodecOptions& options) : options_(options) {}

void ChunkWriter::quantize_in_place(Variant& value) const {
  const LaneLayout& l = layout_of(value.type());
  if (!l.quantizable) return;
  const Steps s = steps_from(options_.lossy);
  uint8_t* p = lane_bytes(value);
  for (int i = 0; i < l.count; ++i) {
    float f;
    std::memcpy(&f, p + 4 * i, 4);
    const double step = s.by_class[l.classes[i]];
    const double g = double(f) / step;
    if (!(std::fabs(g) < kMaxGridIndex)) continue;  // out of grid range: kept exact
    float q = from_grid(std::llround(g), step);
    std::memcpy(p + 4 * i, &q, 4);
  }
}

bool ChunkWriter::add_frame(Frame frame) {
  using varint::put;
  using varint::put_signed;
  if (frame_count_ == 0) {
    current_ = ChunkPayload{};
    current_.first_frame = frame.index;
    current_.first_tick = frame.tick;
    current_.first_time = frame.time;
    meta_.clear();
    lanes_.clear();
    prev_tick_ = 0;
    prev_time_bits_ = prev_prev_time_bits_ = 0;
  }
  ++frame_count_;
  current_.last_frame = frame.index;
  current_.last_tick = frame.tick;
  current_.last_time = frame.time;

  put_signed(meta_, frame.tick - prev_tick_);
  prev_tick_ = frame.tick;
  uint64_t time_bits;
  std::memcpy(&time_bits, &frame.time, 8);
  put_signed(lanes_, static_cast<int64_t>(time_bits - predict_time(static_cast<uint64_t>(frame_count_ - 1), prev_time_bits_, prev_prev_time_bits_)));
  prev_prev_time_bits_ = prev_time_bits_;
  prev_time_bits_ = time_bits;

  // Spawns (a spawn of a live entity restarts it).
  put(meta_, frame.spawns.size());
  EntityId prev_entity = 0;
  for (const Spawn& s : frame.spawns) {
    put_signed(meta_, s.entity - prev_entity);
    prev_entity = s.entity;
    put(meta_, s.class_name.size());
    meta_.insert(meta_.end(), s.class_name.begin(), s.class_name.end());
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

  // Changes: canonical order (entity, property), the last of duplicates wins, no-ops dropped.
  auto& changes = frame.changes;
  auto by_slot = [](const auto& a, const auto& b) {
    return a.entity != b.entity ? a.entity < b.entity : a.property < b.property;
  };
  if (!std::is_sorted(changes.begin(), changes.end(), by_slot)) {
    std::stable_sort(changes.begin(), changes.end(), by_slot);
  }
  size_t kept = 0;
  for (size_t i = 0; i < changes.size(); ++i) {
    if (i + 1 < changes.size() && changes[i + 1].entity == changes[i].entity &&
        changes[i + 1].property == changes[i].property) {
      continue;  // superseded later in the same frame
    }
    PropertyChange& c = changes[i];
    if (options_.lossy.enabled) quantize_in_place(c.value);
    auto it = state_.entities.find(c.entity);
    if (it != state_.entities.end()) {
      const Variant* cur = it->second.find(c.property);
      if (cur && *cur == c.value) continue;
    }
    if (kept != i) changes[kept] = std::move(c);
    ++kept;
  }
  changes.resize(kept);
  put(meta_, changes.size());
  prev_entity = 0;
  for (PropertyChange& c : changes) {
    put_signed(meta_, c.entity - prev_entity);
    prev_entity = c.entity;
    put(meta_, c.property);
    encode_change(c, frame.index);
  }

  put(meta_, frame.despawns.size());
  prev_entity = 0;
  for (EntityId id : frame.despawns) {
    put_signed(meta_, id - prev_entity);
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

namespace {

// Writes the op byte (meta) and lane residuals (lanes) of a change between two values of the same
// numeric type. `prev` is the history slot (NIL or another type when unusable).
void encode_lanes(const Variant& cur, const Variant& prev, const Variant& next, const LaneLayout& l,
                  const CodecOptions& options_, std::vector<uint8_t>& meta_,
                  std::vector<uint8_t>& lanes_) {
  int64_t r1[16], r2[16];
  const uint8_t* a = lane_bytes(cur);
  const uint8_t* b = lane_bytes(next);
  const bool has_prev = prev.type() == next.type();
  int64_t qa[16], qb[16], qp[16];
  const Steps s = steps_from(options_.lossy);
  const bool quant = options_.lossy.enabled && l.quantizable && grid_indices(cur, l, s, qa) &&
                     grid_indices(next, l, s, qb);
  const bool quant_prev = quant && has_prev && grid_indices(prev, l, s, qp);
  if (quant) {
    for (int i = 0; i < l.count; ++i) r1[i] = qb[i] - qa[i];
    if (quant_prev) {
      for (int i = 0; i < l.count; ++i) r2[i] = qb[i] - (2 * qa[i] - qp[i]);
    }
  } else {
    const uint8_t* p = has_prev ? lane_bytes(prev) : nullptr;
    for (int i = 0; i < l.count; ++i) {
      uint64_t va = load_lane(a, l.width, i), vb = load_lane(b, l.width, i);
      r1[i] = lane_diff(vb, va, l.width);
      if (p) r2[i] = lane_diff(vb, 2 * va - load_lane(p, l.width, i), l.width);
    }
  }
  const bool second_available = quant ? quant_prev : has_prev;
  const bool use_second = second_available && cost_of(r2, l.count) < cost_of(r1, l.count);
  ChangeOp op = quant ? (use_second ? ChangeOp::kQuantized2 : ChangeOp::kQuantized1)
                      : (use_second ? ChangeOp::kDelta2 : ChangeOp::kDelta1);
  int64_t* r = use_second ? r2 : r1;
  uint8_t op_byte = static_cast<uint8_t>(op);
  if (has_basis(next.type())) {
    // Basis row 2 against cross(row 0, row 1) of the new value, when that is cheaper.
    float cross[3];
    cross_rows(b, cross);
    int64_t rc[3];
    bool usable = true;
    for (int k = 0; k < 3 && usable; ++k) {
      if (quant) {
        int64_t q;
        usable = grid_index_of(cross[k], s.by_class[kBasisElement], q);
        rc[k] = qb[6 + k] - q;
      } else {
        uint32_t bits;
        std::memcpy(&bits, &cross[k], 4);
        rc[k] = lane_diff(load_lane(b, 4, 6 + k), bits, 4);
      }
    }
    if (usable && cost_of(rc, 3) < cost_of(r + 6, 3)) {
      std::copy(rc, rc + 3, r + 6);
      op_byte |= format::kCrossRow2Flag;
    }
  }
  meta_.push_back(op_byte);
  varint::put_signed_n(lanes_, r, l.count);
}

}  // namespace

void ChunkWriter::encode_change(PropertyChange& c, FrameIndex index) {
  auto [it, inserted] = state_.entities.try_emplace(c.entity);
  if (inserted) it->second.spawn_frame = index;  // implicit spawn, as WorldState::apply
  Variant& cur = it->second.slot(c.property);
  Variant& prev_slot = history_.slot(c.entity, c.property);
  const LaneLayout& l = layout_of(c.value.type());
  if (l.count > 0 && cur.type() == c.value.type()) {
    encode_lanes(cur, prev_slot, c.value, l, options_, meta_, lanes_);
  } else {
    meta_.push_back(static_cast<uint8_t>(ChangeOp::kFull));
    // Encoding to Godot 4 never fails for values of the model (full objects are kept whole).
    Status s = encode_variant(c.value, meta_, EncodeOptions{.full_objects = true});
    (void)s;
  }
  assign_value(prev_slot, cur);
  if (c.value.type() == cur.type()) {
    assign_value(cur, c.value);
  } else {
    cur = std::move(c.value);
  }
}

ChunkPayload ChunkWriter::take_chunk() {
  ChunkPayload out = std::move(current_);
  out.bytes.clear();
  out.bytes.reserve(meta_.size() + lanes_.size() + 24);
  out.bytes.push_back(format::kChunkPayloadVersion);
  varint::put(out.bytes, static_cast<uint64_t>(frame_count_));
  varint::put(out.bytes, meta_.size());
  out.bytes.insert(out.bytes.end(), meta_.begin(), meta_.end());
  out.bytes.insert(out.bytes.end(), lanes_.begin(), lanes_.end());
  frame_count_ = 0;
  current_ = ChunkPayload{};
  return out;
}

// ---------------------------------------------------------------------------------------------
// Reader

ChunkReader::ChunkReader(std::span<const uint8_t> payload, FrameIndex first_frame,
                         DeltaHistory& history, const CodecOptions& options, std::string context)
    : payload_(payload),
      first_frame_(first_frame),
      history_(history),
      options_(options),
      context_(std::move(context)) {}

Status ChunkReader::fail(std::string_view what, size_t offset) const {
  return Status::corruption("{}: frame {}: {} at payload byte {}", context_, next_frame(), what,
                            offset);
}

Status ChunkReader::init() {
  size_t pos = 0;
  if (payload_.empty()) return fail("empty chunk payload", 0);
  if (payload_[0] != format::kChunkPayloadVersion) {
    return Status::unsupported("{}: chunk payload version {} (this reel reads {})", context_,
                               payload_[0], format::kChunkPayloadVersion);
  }
  pos = 1;
  uint64_t meta_len = 0;
  if (!varint::get(payload_, pos, payload_.size(), frame_count_) ||
      frame_count_ > format::kMaxFramesPerChunk) {
    return fail("bad frame count", 1);
  }
  if (!varint::get(payload_, pos, payload_.size(), meta_len) ||
      meta_len > payload_.size() - pos) {
    return fail("bad structure stream length", pos);
  }
  meta_pos_ = pos;
  meta_end_ = pos + meta_len;
  lane_pos_ = meta_end_;
  return {};
}

Status ChunkReader::decode_lanes(uint8_t op_byte, size_t op_offset, EntityId entity,
                                 PropertyId pid, const Variant& cur,
                                 const double* step_by_class, Variant& next) {
  Steps steps;
  std::copy(step_by_class, step_by_class + 4, steps.by_class);
  const bool cross = (op_byte & format::kCrossRow2Flag) != 0;
  const uint8_t op = op_byte & ~format::kCrossRow2Flag;
  const LaneLayout& l = layout_of(cur.type());
  if (l.count == 0) return fail("delta op on a non-numeric value", op_offset);
  if (cross && !has_basis(cur.type())) return fail("cross-row flag on a non-basis value", op_offset);
  const Variant* prev = history_.previous(entity, pid);
  const bool second = op == uint8_t(ChangeOp::kDelta2) || op == uint8_t(ChangeOp::kQuantized2);
  const bool quant = op == uint8_t(ChangeOp::kQuantized1) || op == uint8_t(ChangeOp::kQuantized2);
  if (second && !(prev && prev->type() == cur.type())) {
    return fail("second-order delta without history", op_offset);
  }
  if (quant && !l.quantizable) return fail("quantized op on an unquantizable type", op_offset);
  next = cur;
  uint8_t* dst = lane_bytes(next);
  int64_t qa[16], qp[16];
  if (quant && (!grid_indices(cur, l, steps, qa) || (second && !grid_indices(*prev, l, steps, qp)))) {
    return fail("quantized op on an off-grid value", op_offset);
  }
  const uint8_t* a = lane_bytes(cur);
  const uint8_t* p = second ? lane_bytes(*prev) : nullptr;
  float crossed[3] = {0, 0, 0};
  for (int k = 0; k < l.count; ++k) {
    int64_t r;
    uint64_t u;
    if (!varint::get(payload_, lane_pos_, payload_.size(), u)) {
      return fail("truncated lanes", lane_pos_);
    }
    r = varint::unzigzag(u);
    const bool from_cross = cross && k >= 6 && k < 9;
    if (from_cross && k == 6) cross_rows(dst, crossed);  // rows 0 and 1 are decoded by now
    if (quant) {
      int64_t base;
      if (from_cross) {
        if (!grid_index_of(crossed[k - 6], steps.by_class[kBasisElement], base)) {
          return fail("cross prediction off the grid", lane_pos_);
        }
      } else {
        base = second ? 2 * qa[k] - qp[k] : qa[k];
      }
      const int64_t q = r + base;
      if (!(std::fabs(double(q)) < kMaxGridIndex)) return fail("grid index out of range", lane_pos_);
      float f = from_grid(q, steps.by_class[l.classes[k]]);
      std::memcpy(dst + 4 * k, &f, 4);
    } else {
      uint64_t pred;
      if (from_cross) {
        uint32_t bits;
        std::memcpy(&bits, &crossed[k - 6], 4);
        pred = bits;
      } else {
        const uint64_t va = load_lane(a, l.width, k);
        pred = second ? 2 * va - load_lane(p, l.width, k) : va;
      }
      store_lane(dst, l.width, k, pred + static_cast<uint64_t>(r));
    }
  }
  return {};
}

Status ChunkReader::next(WorldState& state, Frame* out) {
  if (done()) return Status::internal("{}: read past the last frame of the chunk", context_);
  const FrameIndex index = next_frame();
  auto get_meta = [&](uint64_t& v) { return varint::get(payload_, meta_pos_, meta_end_, v); };
  [[maybe_unused]] auto get_lane = [&](int64_t& v) {
    uint64_t u;
    if (!varint::get(payload_, lane_pos_, payload_.size(), u)) return false;
    v = varint::unzigzag(u);
    return true;
  };
  uint64_t u;
  int64_t tick_delta, time_delta;
  if (!get_meta(u)) return fail("truncated tick", meta_pos_);
  tick_delta = varint::unzigzag(u);
  if (!get_lane(time_delta)) return fail("truncated time", lane_pos_);
  const int64_t tick = prev_tick_ + tick_delta;
  const uint64_t time_bits =
      predict_time(decoded_, prev_time_bits_, prev_prev_time_bits_) + static_cast<uint64_t>(time_delta);
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
    entity += varint::unzigzag(u);
    if (!get_meta(len) || len > format::kMaxClassNameBytes || len > meta_end_ - meta_pos_) {
      return fail("bad spawn class name", meta_pos_);
    }
    std::string class_name(reinterpret_cast<const char*>(payload_.data() + meta_pos_), len);
    meta_pos_ += len;
    auto it = state.entities.find(entity);
    if (it != state.entities.end()) history_.forget_entity(entity, it->second);
    EntityState& e = state.entities[entity];
    e = EntityState{};
    e.spawn_frame = index;
    if (out) out->spawns.push_back(Spawn{entity, class_name});
    e.class_name = std::move(class_name);
  }

  if (!get_meta(n) || n > format::kMaxItemsPerFrame) return fail("bad change count", meta_pos_);
  if (out) out->changes.reserve(n);
  entity = 0;
  const Steps steps = steps_from(options_.lossy);
  for (uint64_t i = 0; i < n; ++i) {
    uint64_t prop;
    if (!get_meta(u)) return fail("truncated change entity", meta_pos_);
    entity += varint::unzigzag(u);
    if (!get_meta(prop) || prop > UINT32_MAX) return fail("bad property id", meta_pos_);
    if (meta_pos_ >= meta_end_) return fail("truncated change op", meta_pos_);
    const size_t op_offset = meta_pos_;
    const uint8_t op = payload_[meta_pos_++];
    auto [it, inserted] = state.entities.try_emplace(entity);
    if (inserted) it->second.spawn_frame = index;
    const PropertyId pid = static_cast<PropertyId>(prop);
    Variant& cur = it->second.slot(pid);
    Variant next;
    if (op == static_cast<uint8_t>(ChangeOp::kFull)) {
      auto decoded = decode_variant(payload_.subspan(meta_pos_, meta_end_ - meta_pos_),
                                    DecodeOptions{.allow_objects = true});
      if (!decoded.ok()) {
        return fail(fmt::format("bad value of entity {} property {} ({})", entity, pid,
                                decoded.status().message()),
                    meta_pos_);
      }
      meta_pos_ += decoded->bytes_read;
      next = std::move(decoded->value);
    } else if ((op & ~format::kCrossRow2Flag) <= format::kMaxChangeOp) {
      REEL_RETURN_IF_ERROR(decode_lanes(op, op_offset, entity, pid, cur, steps.by_class, next));
    } else {
      return fail(fmt::format("unknown change op {}", op), op_offset);
    }
    assign_value(history_.slot(entity, pid), cur);
    if (out) out->changes.push_back(PropertyChange{entity, pid, next});
    assign_value(cur, next);
  }

  if (!get_meta(n) || n > format::kMaxItemsPerFrame) return fail("bad despawn count", meta_pos_);
  entity = 0;
  for (uint64_t i = 0; i < n; ++i) {
    if (!get_meta(u)) return fail("truncated despawn", meta_pos_);
    entity += varint::unzigzag(u);
    auto it = state.entities.find(entity);
    if (it != state.entities.end()) {
      history_.forget_entity(entity, it->second);
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
  if (done() && (meta_pos_ != meta_end_ || lane_pos_ != payload_.size())) {
    return fail("trailing bytes after the last frame", meta_pos_);
  }
  return {};
}

// ---------------------------------------------------------------------------------------------
// Keyframes

void encode_keyframe(const WorldState& state, std::vector<uint8_t>& out) {
  out.clear();
  out.push_back(format::kKeyframePayloadVersion);
  varint::put_signed(out, state.frame);
  varint::put_signed(out, state.tick);
  uint64_t time_bits;
  std::memcpy(&time_bits, &state.time, 8);
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<uint8_t>(time_bits >> (8 * i)));
  std::vector<EntityId> ids;
  ids.reserve(state.entities.size());
  for (const auto& [id, e] : state.entities) ids.push_back(id);
  std::sort(ids.begin(), ids.end());
  varint::put(out, ids.size());
  EntityId prev = 0;
  for (EntityId id : ids) {
    const EntityState& e = state.entities.at(id);
    varint::put_signed(out, id - prev);
    prev = id;
    varint::put_signed(out, e.spawn_frame);
    varint::put(out, e.class_name.size());
    out.insert(out.end(), e.class_name.begin(), e.class_name.end());
    varint::put(out, e.properties.size());
    for (const auto& [prop, value] : e.properties) {
      varint::put(out, prop);
      Status s = encode_variant(value, out, EncodeOptions{.full_objects = true});
      (void)s;
    }
  }
}

Status decode_keyframe(std::span<const uint8_t> payload, WorldState& out,
                       std::string_view context) {
  auto fail = [&](std::string_view what, size_t at) {
    return Status::corruption("{}: keyframe: {} at payload byte {}", context, what, at);
  };
  if (payload.empty()) return fail("empty payload", 0);
  if (payload[0] != format::kKeyframePayloadVersion) {
    return Status::unsupported("{}: keyframe payload version {} (this reel reads {})", context,
                               payload[0], format::kKeyframePayloadVersion);
  }
  size_t pos = 1;
  const size_t end = payload.size();
  uint64_t u;
  out = WorldState{};
  if (!varint::get(payload, pos, end, u)) return fail("truncated frame", pos);
  out.frame = varint::unzigzag(u);
  if (!varint::get(payload, pos, end, u)) return fail("truncated tick", pos);
  out.tick = varint::unzigzag(u);
  if (end - pos < 8) return fail("truncated time", pos);
  uint64_t time_bits = 0;
  for (int i = 0; i < 8; ++i) time_bits |= uint64_t(payload[pos + i]) << (8 * i);
  std::memcpy(&out.time, &time_bits, 8);
  pos += 8;
  uint64_t count;
  if (!varint::get(payload, pos, end, count) || count > end - pos) {
    return fail("bad entity count", pos);
  }
  out.entities.reserve(count);
  EntityId id = 0;
  for (uint64_t i = 0; i < count; ++i) {
    uint64_t len, props;
    if (!varint::get(payload, pos, end, u)) return fail("truncated entity id", pos);
    id += varint::unzigzag(u);
    EntityState e;
    if (!varint::get(payload, pos, end, u)) return fail("truncated spawn frame", pos);
    e.spawn_frame = varint::unzigzag(u);
    if (!varint::get(payload, pos, end, len) || len > end - pos) return fail("bad class name", pos);
    e.class_name.assign(reinterpret_cast<const char*>(payload.data() + pos), len);
    pos += len;
    if (!varint::get(payload, pos, end, props) || props > end - pos) {
      return fail("bad property count", pos);
    }
    e.properties.reserve(props);
    uint64_t last_prop = 0;
    for (uint64_t k = 0; k < props; ++k) {
      uint64_t prop;
      if (!varint::get(payload, pos, end, prop) || prop > UINT32_MAX ||
          (k > 0 && prop <= last_prop)) {
        return fail("bad property id", pos);
      }
      last_prop = prop;
      auto decoded =
          decode_variant(payload.subspan(pos), DecodeOptions{.allow_objects = true});
      if (!decoded.ok()) {
        return fail(fmt::format("bad value of entity {} property {} ({})", id, prop,
                                decoded.status().message()),
                    pos);
      }
      pos += decoded->bytes_read;
      e.properties.emplace_back(static_cast<PropertyId>(prop), std::move(decoded->value));
    }
    if (!out.entities.emplace(id, std::move(e)).second) return fail("duplicate entity", pos);
  }
  if (pos != end) return fail("trailing bytes", pos);
  return {};
}

}  // namespace reel
