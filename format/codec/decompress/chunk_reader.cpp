// The chunk reader (FORMAT.md 6): replays a chunk's frames onto a world state, optionally logging
// what it overwrote so a caller can step back.
#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>

#include "../entity_cursor.h"
#include "../lanes.h"
#include "../predict.h"
#include "reel/codec/frame_codec.h"
#include "reel/variant/variant_binary.h"

namespace reel {

using namespace codec_internal;
using format::ChangeOp;

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

}  // namespace reel
