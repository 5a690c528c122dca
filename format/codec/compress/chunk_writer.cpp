// The chunk writer (FORMAT.md 6): a frame's changes become ops and lane residuals, each change
// against the best of its predictions by the residuals' estimated cost.
#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>

#include "../entity_cursor.h"
#include "../lanes.h"
#include "../predict.h"
#include "reel/codec/frame_codec.h"

namespace reel {

using namespace codec_internal;
using format::ChangeOp;

namespace {

void put(detail::ByteSink& out, uint64_t v) {
  out.commit(varint::put_raw(out.reserve(10), v));
}
void put_signed(detail::ByteSink& out, int64_t v) {
  put(out, varint::zigzag(v));
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

}  // namespace

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

}  // namespace reel
