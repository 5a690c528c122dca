// Keyframes (FORMAT.md 7): the full world state at a frame, lossless or in the lossy grid form.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <span>

#include "lanes.h"
#include "predict.h"
#include "reel/codec/frame_codec.h"
#include "reel/variant/variant_binary.h"

namespace reel {

using namespace codec_internal;
using format::ChangeOp;

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
  if (type_ids == TypeIds::kReelLegacy) type_byte = godot_id_of_legacy_id(type_byte);
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
