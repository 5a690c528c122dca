// Gathering the tracks of an anim export clip (export_anim_tracks.h).
#include "export_anim_tracks.h"

#include <algorithm>
#include <cerrno>
#include <cmath>

#include <fmt/format.h>

#include "cli_util.h"
#include "file_checks.h"

namespace reel::cli {
namespace {

// Types Godot interpolates between keys without inventing values of another kind (floats and
// float math types). Everything else (bool, int, String, StringName, Dictionary, Vector2i, ...)
// is discrete.
bool interpolates(Type type) {
  switch (type) {
    case Type::FLOAT:
    case Type::VECTOR2:
    case Type::RECT2:
    case Type::VECTOR3:
    case Type::VECTOR4:
    case Type::TRANSFORM2D:
    case Type::PLANE:
    case Type::QUATERNION:
    case Type::AABB:
    case Type::BASIS:
    case Type::TRANSFORM3D:
    case Type::COLOR:
      return true;
    default:
      return false;
  }
}

float dot(const Vector3& a, const Vector3& b) {
  return a.x * b.x + a.y * b.y + a.z * b.z;
}
float length(const Vector3& v) {
  return std::sqrt(dot(v, v));
}
Vector3 scaled(const Vector3& v, float s) {
  return {v.x * s, v.y * s, v.z * s};
}
Vector3 minus(const Vector3& a, const Vector3& b) {
  return {a.x - b.x, a.y - b.y, a.z - b.z};
}
Vector3 normalized(const Vector3& v) {
  const float l = length(v);
  return l == 0 ? v : scaled(v, 1.0f / l);
}
Vector3 cross(const Vector3& a, const Vector3& b) {
  return {a.y * b.z - a.z * b.y, a.z * b.x - a.x * b.z, a.x * b.y - a.y * b.x};
}

// Godot's Basis::get_quaternion of an orthonormal basis, given by its columns.
Quaternion quaternion_of(const Vector3 (&col)[3]) {
  // m[r][c] = row r, column c.
  const float m[3][3] = {{col[0].x, col[1].x, col[2].x},
                         {col[0].y, col[1].y, col[2].y},
                         {col[0].z, col[1].z, col[2].z}};
  float q[4];
  const float trace = m[0][0] + m[1][1] + m[2][2];
  if (trace > 0.0f) {
    float s = std::sqrt(trace + 1.0f);
    q[3] = s * 0.5f;
    s = 0.5f / s;
    q[0] = (m[2][1] - m[1][2]) * s;
    q[1] = (m[0][2] - m[2][0]) * s;
    q[2] = (m[1][0] - m[0][1]) * s;
  } else {
    const int i = m[0][0] < m[1][1] ? (m[1][1] < m[2][2] ? 2 : 1) : (m[0][0] < m[2][2] ? 2 : 0);
    const int j = (i + 1) % 3, k = (i + 2) % 3;
    float s = std::sqrt(m[i][i] - m[j][j] - m[k][k] + 1.0f);
    q[i] = s * 0.5f;
    s = 0.5f / s;
    q[3] = (m[k][j] - m[j][k]) * s;
    q[j] = (m[j][i] + m[i][j]) * s;
    q[k] = (m[k][i] + m[i][k]) * s;
  }
  return {q[0], q[1], q[2], q[3]};
}

// A Transform3D as Godot splits it for position/rotation/scale tracks: the origin, the rotation
// of the Gram-Schmidt orthonormalized basis (made proper when the determinant is negative) and
// the column lengths signed by the determinant (Basis::get_rotation_quaternion, get_scale).
void decompose(const Transform3D& t, float* out) {
  const auto& r = t.basis.rows;
  Vector3 col[3] = {{r[0].x, r[1].x, r[2].x}, {r[0].y, r[1].y, r[2].y}, {r[0].z, r[1].z, r[2].z}};
  const float det = dot(col[0], cross(col[1], col[2]));
  const float sign = det < 0 ? -1.0f : 1.0f;
  // A column length within a few ulps of 1 is the rounding of a rotation basis, not a scale:
  // written as 1, so that a rotating node's scale track holds one key instead of one per frame.
  const auto unit_snapped = [](float l) { return std::fabs(l - 1.0f) <= 4.8e-7f ? 1.0f : l; };
  const Vector3 scale = {sign * unit_snapped(length(col[0])), sign * unit_snapped(length(col[1])),
                         sign * unit_snapped(length(col[2]))};
  Vector3 x = normalized(col[0]);
  Vector3 y = normalized(minus(col[1], scaled(x, dot(x, col[1]))));
  Vector3 z =
      normalized(minus(minus(col[2], scaled(x, dot(x, col[2]))), scaled(y, dot(y, col[2]))));
  if (dot(x, cross(y, z)) < 0) {
    x = scaled(x, -1);
    y = scaled(y, -1);
    z = scaled(z, -1);
  }
  const Vector3 ortho[3] = {x, y, z};
  const Quaternion q = quaternion_of(ortho);
  const float parts[kTransformKeyFloats] = {t.origin.x, t.origin.y, t.origin.z, q.x,     q.y,
                                            q.z,        q.w,        scale.x,    scale.y, scale.z};
  std::copy(std::begin(parts), std::end(parts), out);
}

}  // namespace

ClipBuilder::ClipBuilder(const ExportSelection& selection, const NodeMap& map,
                         const std::vector<std::string>& property_paths, const ClipOptions& options)
    : selection_(selection), map_(map), paths_(property_paths), options_(options) {}

void ClipBuilder::begin(const WorldState& state) {
  first_frame_ = last_frame_ = state.frame;
  start_time_ = last_time_ = state.time;
  previous_time_ = 0;
  std::vector<EntityId> ids;
  for (const auto& [id, e] : state.entities) {
    if (selection_.wants(id)) ids.push_back(id);
  }
  std::sort(ids.begin(), ids.end());
  for (EntityId id : ids) {
    const EntityState& e = state.entities.at(id);
    for (const auto& [property, value] : e.properties) {
      add_value(id, e.class_name, property, value, state.frame, 0.0f);
    }
  }
}

void ClipBuilder::add_frame(const Frame& frame, const WorldState& state) {
  const float time = static_cast<float>(frame.time - start_time_);
  for (const auto& change : frame.changes) {
    if (!selection_.wants(change.entity)) continue;
    const auto it = state.entities.find(change.entity);
    const std::string& class_name =
        it == state.entities.end() ? std::string() : it->second.class_name;
    add_value(change.entity, class_name, change.property, change.value, frame.index, time);
  }
  last_frame_ = frame.index;
  last_time_ = frame.time;
  previous_time_ = time;
  spill_if_over_budget();
}

void ClipBuilder::add_value(EntityId entity, const std::string& class_name, PropertyId property,
                            const Variant& value, FrameIndex frame, float time) {
  if (!selection_.wants(property)) return;
  Track* track = track_for(entity, class_name, property, value);
  if (!track) return;
  if (track->transform && !value.is<Transform3D>()) {
    ++skipped_;
    return;
  }
  if (track->last_frame >= 0 && track->last == value) return;  // keys only where values change
  // Hold: the old value stood still since an earlier frame. Without this key, interpolation
  // would slide from it towards the new value over frames where it did not move, and Godot 4,
  // seeking backwards, shows a discrete track's next key (not the previous one).
  if (track->last_frame >= 0 && track->last_frame < frame - 1) {
    const Variant held = track->last;
    append_key(*track, previous_time_, held);
  }
  append_key(*track, time, value);
  track->last = value;
  track->last_frame = frame;
}

Track* ClipBuilder::track_for(EntityId entity, const std::string& class_name, PropertyId property,
                              const Variant& first_value) {
  const auto key = std::make_pair(entity, property);
  if (auto it = index_.find(key); it != index_.end()) return &tracks_[it->second];
  auto node_it = nodes_.find(entity);
  if (node_it == nodes_.end()) {
    node_it = nodes_.emplace(entity, map_.node_of(entity, class_name).value_or("")).first;
  }
  if (node_it->second.empty()) return nullptr;  // the map leaves this entity out
  NodeProperty target = split_property_path(node_it->second, paths_[property]);
  Track track;
  track.entity = entity;
  track.property = property;
  track.node = std::move(target.node);
  track.property_name = std::move(target.property);
  track.transform = !options_.transform_value_tracks && track.property_name == "transform" &&
                    first_value.is<Transform3D>();
  track.continuous = interpolates(first_value.type());
  index_.emplace(key, tracks_.size());
  tracks_.push_back(std::move(track));
  return &tracks_.back();
}

void ClipBuilder::append_key(Track& track, float time, const Variant& value) {
  track.times.push_back(time);
  if (!track.transform) {
    track.values.push_back(value);
    return;
  }
  const size_t at = track.transform_keys.size();
  track.transform_keys.resize(at + kTransformKeyFloats);
  float* key = track.transform_keys.data() + at;
  decompose(value.get<Transform3D>(), key);
  // q and -q are the same rotation: keep neighbours in the same hemisphere so that Godot's
  // interpolation between them takes the short way.
  if (track.times.size() + track.spilled.size() > 1) {
    const float* prev = track.last_rotation;
    const float d = prev[0] * key[3] + prev[1] * key[4] + prev[2] * key[5] + prev[3] * key[6];
    if (d < 0) {
      for (int i = 3; i < 7; ++i) key[i] = -key[i];
    }
  }
  std::copy(key + 3, key + 7, track.last_rotation);
  buffered_bytes_ += sizeof(float) * (kTransformKeyFloats + 1);
}

void ClipBuilder::spill_if_over_budget() {
  if (buffered_bytes_ < options_.spill_bytes) return;
  if (!spill_) {
    spill_.reset(std::tmpfile());
    if (!spill_) {
      throw CliError(kExitInternal, fmt::format("cannot create a temporary file for the export: {}",
                                                errno_text(errno)));
    }
  }
  for (Track& t : tracks_) {
    if (!t.transform || t.times.empty()) continue;
    const int64_t offset = ftello(spill_.get());
    if (std::fwrite(t.times.data(), sizeof(float), t.times.size(), spill_.get()) !=
            t.times.size() ||
        std::fwrite(t.transform_keys.data(), sizeof(float), t.transform_keys.size(),
                    spill_.get()) != t.transform_keys.size()) {
      throw CliError(kExitInternal, fmt::format("writing the export's temporary file failed: {}",
                                                errno_text(errno)));
    }
    t.spilled.push_back({offset, static_cast<uint32_t>(t.times.size())});
    t.times = {};
    t.transform_keys = {};
  }
  buffered_bytes_ = 0;
}

void ClipBuilder::restore(Track& t) {
  if (t.spilled.empty()) return;
  std::vector<float> times, keys;
  for (const auto& [offset, count] : t.spilled) {
    const size_t at = times.size();
    times.resize(at + count);
    keys.resize((at + count) * kTransformKeyFloats);
    if (fseeko(spill_.get(), offset, SEEK_SET) != 0 ||
        std::fread(times.data() + at, sizeof(float), count, spill_.get()) != count ||
        std::fread(keys.data() + at * kTransformKeyFloats, sizeof(float),
                   size_t{count} * kTransformKeyFloats,
                   spill_.get()) != size_t{count} * kTransformKeyFloats) {
      throw CliError(kExitInternal, "reading the export's temporary file failed");
    }
  }
  times.insert(times.end(), t.times.begin(), t.times.end());
  keys.insert(keys.end(), t.transform_keys.begin(), t.transform_keys.end());
  t.times = std::move(times);
  t.transform_keys = std::move(keys);
  t.spilled.clear();
  if (fseeko(spill_.get(), 0, SEEK_END) != 0) {
    throw CliError(kExitInternal, "seeking in the export's temporary file failed");
  }
}

std::vector<Track> ClipBuilder::take_tracks() {
  std::sort(tracks_.begin(), tracks_.end(), [](const Track& a, const Track& b) {
    return a.entity != b.entity ? a.entity < b.entity : a.property < b.property;
  });
  index_.clear();
  return std::move(tracks_);
}

}  // namespace reel::cli
