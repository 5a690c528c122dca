#include "reel/samples/crowd.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <numbers>

#include "reel/samples/random.h"

namespace reel::samples {
namespace {

constexpr float kPi = std::numbers::pi_v<float>;
constexpr float kTwoPi = 2 * kPi;
constexpr float kArenaHalfSize = 25.0f;    // players and props stay within a 50 m square
constexpr float kSteerHomeRadius = 20.0f;  // beyond this, players turn back towards the centre
constexpr double kMeanPlayerStaySeconds = 600;
constexpr double kMinRejoinSeconds = 2, kMaxRejoinSeconds = 10;
constexpr double kMeanInventoryEditSeconds = 30;
constexpr double kMeanGrabSeconds = 20;
constexpr double kMinMoveSeconds = 2, kMaxMoveSeconds = 5;
constexpr uint64_t kNormalTableSeed = 0x5eed'7ab1'e000'0001ull;  // the same table for every seed
constexpr uint64_t kNoiseStreamSalt = 0x6a09'e667'f3bc'c909ull;

enum class Animation : uint8_t { kIdle, kWalk, kRun, kJump };
constexpr std::array<const char*, 4> kAnimationNames = {"idle", "walk", "run", "jump"};
constexpr std::array<const char*, 8> kItems = {"sword", "shield", "potion", "key",
                                               "torch", "rope",   "map",    "coin_pouch"};
constexpr int kInventorySlots = 8;

// sin and cos in plain float arithmetic (no libm): the same bits on every machine, and ~3x
// cheaper than sinf + cosf. Absolute error < 2e-7 for |x| < 1e4 (quadrant reduction by pi/2 in
// two parts, then Taylor polynomials on [-pi/4, pi/4]).
struct SinCos {
  float sin, cos;
};
SinCos sincos(float x) {
  const float quadrant = std::nearbyint(x * 0.636619772f);  // x / (pi / 2)
  const float r = (x - quadrant * 1.5703125f) - quadrant * 4.83826794897e-4f;
  const float r2 = r * r;
  const float s = r * (1.0f + r2 * (-1.0f / 6 + r2 * (1.0f / 120 + r2 * (-1.0f / 5040))));
  const float c = 1.0f + r2 * (-0.5f + r2 * (1.0f / 24 + r2 * (-1.0f / 720 + r2 * (1.0f / 40320))));
  switch (static_cast<int64_t>(quadrant) & 3) {
    case 0:
      return {s, c};
    case 1:
      return {c, -s};
    case 2:
      return {-s, -c};
    default:
      return {-c, s};
  }
}
float fast_sin(float x) {
  return sincos(x).sin;
}

constexpr SinCos kNoRoll{0.0f, 1.0f};
// sin/cos of half the right hand's roll (0.1 rad); the left hand rolls the other way.
const SinCos kHandRollHalf = sincos(0.05f);

// Godot's Quaternion::from_euler (YXZ order: yaw about Y, then pitch about X, then roll about Z),
// taking the sines and cosines of the half angles.
Quaternion quaternion_from_half_angles(SinCos yaw, SinCos pitch, SinCos roll) {
  return {yaw.sin * pitch.cos * roll.sin + yaw.cos * pitch.sin * roll.cos,
          yaw.sin * pitch.cos * roll.cos - yaw.cos * pitch.sin * roll.sin,
          -yaw.sin * pitch.sin * roll.cos + yaw.cos * pitch.cos * roll.sin,
          yaw.sin * pitch.sin * roll.sin + yaw.cos * pitch.cos * roll.cos};
}
Quaternion quaternion_from_euler(float pitch, float yaw, float roll) {
  return quaternion_from_half_angles(sincos(yaw * 0.5f), sincos(pitch * 0.5f), sincos(roll * 0.5f));
}
SinCos negated(SinCos half) {
  return {-half.sin, half.cos};
}  // the half angles of -angle

// Godot's Quaternion::operator*.
Quaternion multiply(const Quaternion& a, const Quaternion& b) {
  return {
      a.w * b.x + a.x * b.w + a.y * b.z - a.z * b.y, a.w * b.y + a.y * b.w + a.z * b.x - a.x * b.z,
      a.w * b.z + a.z * b.w + a.x * b.y - a.y * b.x, a.w * b.w - a.x * b.x - a.y * b.y - a.z * b.z};
}

Quaternion normalized(const Quaternion& q) {
  const float inv = 1.0f / std::sqrt(q.x * q.x + q.y * q.y + q.z * q.z + q.w * q.w);
  return {q.x * inv, q.y * inv, q.z * inv, q.w * inv};
}

// Godot's Basis::set_quaternion (rows, float arithmetic).
Basis basis_from_quaternion(const Quaternion& q) {
  const float d = q.x * q.x + q.y * q.y + q.z * q.z + q.w * q.w;
  const float s = 2.0f / d;
  const float xs = q.x * s, ys = q.y * s, zs = q.z * s;
  const float wx = q.w * xs, wy = q.w * ys, wz = q.w * zs;
  const float xx = q.x * xs, xy = q.x * ys, xz = q.x * zs;
  const float yy = q.y * ys, yz = q.y * zs, zz = q.z * zs;
  Basis b;
  b.rows[0] = {1.0f - (yy + zz), xy - wz, xz + wy};
  b.rows[1] = {xy + wz, 1.0f - (xx + zz), yz - wx};
  b.rows[2] = {xz - wy, yz + wx, 1.0f - (xx + yy)};
  return b;
}

float wrap_angle(float a) {
  if (a > kPi) return a - kTwoPi;
  if (a < -kPi) return a + kTwoPi;
  return a;
}

// Keeps an oscillator phase in [0, 2 pi). REQUIRES: 0 <= a < 4 pi.
float wrap_phase(float a) {
  return a >= kTwoPi ? a - kTwoPi : a;
}

struct Player {
  EntityId id = 0;
  bool online = false;
  int64_t leave_frame = 0;   // online: the frame it leaves
  int64_t rejoin_frame = 0;  // offline: the frame it comes back (as a new entity)
  float x = 0, z = 0, heading = 0, turn_rate = 0;
  float speed = 0, walk_speed = 1.2f, stride_phase = 0;
  // Look-around and idle-sway oscillators: phases advance by their frequency each frame.
  std::array<float, 4> phase{}, frequency{};
  Animation animation = Animation::kIdle;
  Animation before_jump = Animation::kIdle;
  int64_t animation_end_frame = 0;
  int64_t next_inventory_edit_frame = 0;
  int64_t next_grab_frame = 0;
  Dictionary inventory;
};

struct Prop {
  EntityId id = 0;
  Vector3 position;
  Quaternion orientation;
  bool moving = false;
  int64_t next_start_frame = 0;  // resting: when it starts moving
  int moving_frames_left = 0, moving_frames_total = 0;
  float vx = 0, vz = 0, velocity_decay = 1, rest_height = 0.25f;
  Quaternion spin_per_frame;
};

}  // namespace

struct CrowdGenerator::State {
  CrowdOptions options;
  std::vector<std::string> paths{"head:transform", "left_hand:transform", "right_hand:transform",
                                 "animation",      "inventory",           "transform"};
  Random motion;  // everything but the tracking noise
  Random noise;   // tracking noise only: jitter 0 leaves the motion stream unchanged
  NormalTable normals{kNormalTableSeed};
  float dt;
  float position_sigma, rotation_sigma_half_rad;
  double mean_rest_frames;  // resting props: mean frames until they move again
  std::vector<Player> players;
  std::vector<Prop> props;
  EntityId next_id = 1;
  FrameIndex frame = 0;
  size_t changes_used = 0;  // changes written into the current frame

  explicit State(const CrowdOptions& o)
      : options(o),
        motion(o.seed),
        noise(o.seed ^ kNoiseStreamSalt),
        dt(static_cast<float>(1.0 / o.tick_rate)),
        position_sigma(static_cast<float>(o.position_jitter_m)),
        rotation_sigma_half_rad(
            static_cast<float>(o.rotation_jitter_deg * std::numbers::pi / 360)) {
    // A resting prop starts moving at rate f / ((1 - f) T) to keep a fraction f of the props in
    // motion (T: mean move duration). Grabs throw props too (players / kMeanGrabSeconds per
    // second, spread over the props), so spontaneous starts make up only the rest.
    const double mean_move_s = (kMinMoveSeconds + kMaxMoveSeconds) / 2;
    const double f = o.moving_fraction;
    const double start_rate = f / ((1 - f) * mean_move_s);
    const double grab_rate =
        o.props > 0 ? static_cast<double>(o.players) / (kMeanGrabSeconds * o.props) : 0;
    const double spontaneous_rate = start_rate - grab_rate;
    mean_rest_frames = spontaneous_rate <= 0 ? std::numeric_limits<double>::infinity()
                                             : o.tick_rate / spontaneous_rate;
    players.resize(static_cast<size_t>(o.players));
    for (Player& p : players) init_player(p);
    props.resize(static_cast<size_t>(o.props));
    for (Prop& p : props) init_prop(p);
  }

  int64_t frames_after(double seconds) const {
    return frame + std::max<int64_t>(1, static_cast<int64_t>(seconds * options.tick_rate));
  }

  // Writes the next change of `out`, reusing the slot left from the previous frame when there is
  // one (assigning a Transform3D over a Transform3D copies 48 bytes, nothing more).
  template <class T>
  void emit(Frame& out, EntityId entity, PropertyId property, T&& value) {
    if (changes_used < out.changes.size()) {
      PropertyChange& slot = out.changes[changes_used];
      slot.entity = entity;
      slot.property = property;
      slot.value.storage() = std::forward<T>(value);
    } else {
      out.changes.push_back({entity, property, Variant(std::forward<T>(value))});
    }
    ++changes_used;
  }

  // ---- players ----

  void init_player(Player& p) {
    p = Player{};
    p.id = next_id++;
    p.online = true;
    p.leave_frame = options.churn ? frames_after(motion.exponential(kMeanPlayerStaySeconds))
                                  : std::numeric_limits<int64_t>::max();
    p.x = static_cast<float>(motion.uniform(-kSteerHomeRadius, kSteerHomeRadius));
    p.z = static_cast<float>(motion.uniform(-kSteerHomeRadius, kSteerHomeRadius));
    p.heading = static_cast<float>(motion.uniform(-kPi, kPi));
    p.walk_speed = static_cast<float>(motion.uniform(1.0, 1.5));
    for (size_t i = 0; i < p.phase.size(); ++i) {
      p.phase[i] = static_cast<float>(motion.uniform(0, kTwoPi));
      p.frequency[i] = static_cast<float>(motion.uniform(0.2, 1.2) * kTwoPi) * dt;
    }
    p.animation = Animation::kIdle;
    p.animation_end_frame = frames_after(motion.uniform(1, 6));
    const int items = 2 + static_cast<int>(motion.below(3));
    for (int i = 0; i < items; ++i) edit_inventory_set(p);
    p.next_inventory_edit_frame = frames_after(motion.exponential(kMeanInventoryEditSeconds));
    p.next_grab_frame = frames_after(motion.exponential(kMeanGrabSeconds));
  }

  void edit_inventory_set(Player& p) {
    const int64_t slot = static_cast<int64_t>(motion.below(kInventorySlots));
    p.inventory.set(Variant(slot), Variant(StringName{kItems[motion.below(kItems.size())]}));
  }

  void emit_player_spawn(const Player& p, Frame& out) {
    out.spawns.push_back({p.id, kPlayerClass});
    emit_tracked(p, out);
    emit(out, p.id, kAnimation, StringName{kAnimationNames[0]});
    emit(out, p.id, kInventory, p.inventory);
  }

  void step_player(Player& p, Frame& out) {
    if (!p.online) {
      if (frame >= p.rejoin_frame) {
        init_player(p);
        emit_player_spawn(p, out);
      }
      return;
    }
    if (frame >= p.leave_frame) {
      p.online = false;
      p.rejoin_frame = frames_after(motion.uniform(kMinRejoinSeconds, kMaxRejoinSeconds));
      out.despawns.push_back(p.id);
      return;
    }
    move_player(p);
    emit_tracked(p, out);
    step_animation(p, out);
    step_inventory(p, out);
    step_grab(p, out);
  }

  // Smooth walking: the turn rate is an Ornstein-Uhlenbeck process (so the heading is C1), pulled
  // back towards the centre near the arena's edge; speed eases towards the animation's speed.
  void move_player(Player& p) {
    const float kick = normals.next4(motion)[0];
    p.turn_rate += (-1.5f * p.turn_rate) * dt + 0.9f * std::sqrt(dt) * kick;
    const float distance2 = p.x * p.x + p.z * p.z;
    if (distance2 > kSteerHomeRadius * kSteerHomeRadius) {
      // Turn towards the centre: the sign of (home . left of heading), full strength when facing
      // away from it.
      const auto [sh, ch] = sincos(p.heading);
      const float inv = 1.0f / std::sqrt(distance2);
      const float towards = (-p.x * sh - p.z * ch) * inv;
      float steer = (-p.x * ch + p.z * sh) * inv;
      if (towards < 0) steer = steer < 0 ? -1.0f : 1.0f;
      p.turn_rate += 2.0f * steer * dt;
    }
    p.heading = wrap_angle(p.heading + p.turn_rate * dt);
    float target = 0;
    if (p.animation == Animation::kWalk) target = p.walk_speed;
    if (p.animation == Animation::kRun) target = 2.2f * p.walk_speed;
    if (p.animation == Animation::kJump) target = p.speed;
    p.speed += (target - p.speed) * std::min(1.0f, 3.0f * dt);
    const auto [sin_heading, cos_heading] = sincos(p.heading);
    p.x = std::clamp(p.x + sin_heading * p.speed * dt, -kArenaHalfSize, kArenaHalfSize);
    p.z = std::clamp(p.z + cos_heading * p.speed * dt, -kArenaHalfSize, kArenaHalfSize);
    p.stride_phase = wrap_phase(p.stride_phase + p.speed * dt * (kTwoPi / 1.4f));
    for (size_t i = 0; i < p.phase.size(); ++i)
      p.phase[i] = wrap_phase(p.phase[i] + p.frequency[i]);
  }

  // Head and hands: the smooth pose plus VR tracking noise, one Transform3D each.
  void emit_tracked(const Player& p, Frame& out) {
    const auto [sh, ch] = sincos(p.heading);
    const auto [stride, stride_cos] = sincos(p.stride_phase);
    const float gait = std::min(p.speed / 1.5f, 1.0f);
    const float bob = 0.025f * gait * 2 * stride * stride_cos;  // sin(2 stride)
    const float sway = 0.04f * fast_sin(p.phase[3]);
    // Head: looks around (two oscillators) and nods a little.
    const Vector3 head{p.x, 1.65f + bob, p.z};
    const float look = 0.5f * fast_sin(p.phase[0]) + 0.25f * fast_sin(p.phase[1]);
    const float nod = -0.1f + 0.12f * fast_sin(p.phase[2]);
    const Quaternion head_rotation =
        quaternion_from_half_angles(sincos((p.heading + look) * 0.5f), sincos(nod * 0.5f), kNoRoll);
    emit(out, p.id, kHeadTransform, tracked(head, head_rotation));
    // Hands swing opposite to each other with the stride (local offsets rotated by the heading),
    // pitched by the swing and rolled a little outwards.
    const float swing = 0.35f * gait * stride + sway;  // the right hand's; the left is -swing
    const SinCos yaw_half = sincos(p.heading * 0.5f);
    const SinCos right_pitch_half = sincos(-swing * 0.5f);
    for (int side = -1; side <= 1; side += 2) {
      const float side_swing = static_cast<float>(side) * swing;
      const float lx = 0.25f * static_cast<float>(side), lz = 0.15f + 0.3f * side_swing;
      const Vector3 hand{p.x + ch * lx + sh * lz, 1.0f + 0.1f * std::abs(swing),
                         p.z - sh * lx + ch * lz};
      const bool left = side < 0;
      const Quaternion rotation =
          quaternion_from_half_angles(yaw_half, left ? negated(right_pitch_half) : right_pitch_half,
                                      left ? negated(kHandRollHalf) : kHandRollHalf);
      emit(out, p.id, left ? kLeftHandTransform : kRightHandTransform, tracked(hand, rotation));
    }
  }

  Transform3D tracked(Vector3 origin, const Quaternion& rotation) {
    const auto np = normals.next4(noise);
    const auto nr = normals.next4(noise);
    origin.x += position_sigma * np[0];
    origin.y += position_sigma * np[1];
    origin.z += position_sigma * np[2];
    const float s = rotation_sigma_half_rad;  // small-angle quaternion of a N(0, sigma) rotation
    // Not normalized: basis_from_quaternion divides by the squared length, as Godot does.
    const Quaternion wobble{s * nr[0], s * nr[1], s * nr[2], 1.0f};
    return {basis_from_quaternion(multiply(rotation, wobble)), origin};
  }

  void step_animation(Player& p, Frame& out) {
    if (frame < p.animation_end_frame) return;
    const double u = motion.uniform();
    Animation next = Animation::kIdle;
    double seconds = 1;
    switch (p.animation) {
      case Animation::kIdle:
        next = u < 0.7 ? Animation::kWalk : (u < 0.8 ? Animation::kRun : Animation::kJump);
        break;
      case Animation::kWalk:
        next = u < 0.4 ? Animation::kIdle : (u < 0.7 ? Animation::kRun : Animation::kJump);
        break;
      case Animation::kRun:
        next = u < 0.7 ? Animation::kWalk : Animation::kJump;
        break;
      case Animation::kJump:
        next = p.before_jump;
        break;
    }
    switch (next) {
      case Animation::kIdle:
        seconds = motion.uniform(2, 8);
        break;
      case Animation::kWalk:
        seconds = motion.uniform(4, 15);
        break;
      case Animation::kRun:
        seconds = motion.uniform(2, 6);
        break;
      case Animation::kJump:
        seconds = 0.8;
        p.before_jump = p.animation == Animation::kRun ? Animation::kWalk : p.animation;
        break;
    }
    p.animation = next;
    p.animation_end_frame = frames_after(seconds);
    emit(out, p.id, kAnimation, StringName{kAnimationNames[static_cast<size_t>(next)]});
    if (next == Animation::kJump) {
      Array args;
      args.items.push_back(Variant(p.id));
      out.events.push_back({"jump", p.id, std::move(args)});
    }
  }

  void step_inventory(Player& p, Frame& out) {
    if (frame < p.next_inventory_edit_frame) return;
    p.next_inventory_edit_frame = frames_after(motion.exponential(kMeanInventoryEditSeconds));
    if (!p.inventory.empty() && motion.chance(0.3)) {
      p.inventory.erase(p.inventory.keys()[motion.below(p.inventory.size())]);
    } else {
      edit_inventory_set(p);
    }
    emit(out, p.id, kInventory, p.inventory);
  }

  // A grab: an event naming the player and a prop, which the player then throws.
  void step_grab(Player& p, Frame& out) {
    if (frame < p.next_grab_frame) return;
    p.next_grab_frame = frames_after(motion.exponential(kMeanGrabSeconds));
    if (props.empty()) return;
    Prop& prop = props[motion.below(props.size())];
    Array args;
    args.items.push_back(Variant(p.id));
    args.items.push_back(Variant(prop.id));
    out.events.push_back({"grab", p.id, std::move(args)});
    if (!prop.moving) start_moving(prop);
  }

  // ---- props ----

  void init_prop(Prop& p) {
    p.id = next_id++;
    p.position = {static_cast<float>(motion.uniform(-kArenaHalfSize, kArenaHalfSize)), 0.25f,
                  static_cast<float>(motion.uniform(-kArenaHalfSize, kArenaHalfSize))};
    p.orientation = quaternion_from_euler(0, static_cast<float>(motion.uniform(-kPi, kPi)), 0);
    if (motion.chance(options.moving_fraction)) {
      start_moving(p);
    } else {
      schedule_rest(p);
    }
  }

  void schedule_rest(Prop& p) {
    p.moving = false;
    const double wait = motion.exponential(mean_rest_frames);
    p.next_start_frame = std::isfinite(wait) ? frame + 1 + static_cast<int64_t>(wait)
                                             : std::numeric_limits<int64_t>::max();
  }

  // Slides off with a random velocity that decays to ~20%, tumbling about a random axis.
  void start_moving(Prop& p) {
    p.moving = true;
    p.moving_frames_total = std::max(
        1, static_cast<int>(motion.uniform(kMinMoveSeconds, kMaxMoveSeconds) * options.tick_rate));
    p.moving_frames_left = p.moving_frames_total;
    const float direction = static_cast<float>(motion.uniform(-kPi, kPi));
    const float speed = static_cast<float>(motion.uniform(0.5, 3.0));
    const auto [sin_direction, cos_direction] = sincos(direction);
    p.vx = speed * sin_direction;
    p.vz = speed * cos_direction;
    p.velocity_decay = std::pow(0.2f, 1.0f / static_cast<float>(p.moving_frames_total));
    const auto axis = normals.next4(motion);
    const float norm = std::sqrt(axis[0] * axis[0] + axis[1] * axis[1] + axis[2] * axis[2]) + 1e-6f;
    const float half_angle = static_cast<float>(motion.uniform(1.0, 6.0)) * dt * 0.5f;
    const auto [sin_half, cos_half] = sincos(half_angle);
    const float k = sin_half / norm;
    p.spin_per_frame = {axis[0] * k, axis[1] * k, axis[2] * k, cos_half};
  }

  void step_prop(Prop& p, Frame& out) {
    if (!p.moving) {
      if (frame < p.next_start_frame) return;  // resting: nothing changes, nothing is emitted
      start_moving(p);
    }
    p.position.x += p.vx * dt;
    p.position.z += p.vz * dt;
    if (std::abs(p.position.x) > kArenaHalfSize) p.vx = -p.vx;
    if (std::abs(p.position.z) > kArenaHalfSize) p.vz = -p.vz;
    p.vx *= p.velocity_decay;
    p.vz *= p.velocity_decay;
    const float progress =
        1.0f - static_cast<float>(p.moving_frames_left) / static_cast<float>(p.moving_frames_total);
    // Bounces that die out; exactly at rest height on the last frame.
    p.position.y = p.rest_height + 0.4f * (1 - progress) * std::abs(fast_sin(3 * kPi * progress));
    p.orientation = normalized(multiply(p.orientation, p.spin_per_frame));
    if (--p.moving_frames_left == 0) {
      p.position.y = p.rest_height;
      schedule_rest(p);
    }
    emit(out, p.id, kPropTransform, prop_transform(p));
  }

  static Transform3D prop_transform(const Prop& p) {
    return {basis_from_quaternion(p.orientation), p.position};
  }

  // ---- frames ----

  void first_frame(Frame& out) {
    for (const Player& p : players) emit_player_spawn(p, out);
    for (const Prop& p : props) {
      out.spawns.push_back({p.id, kPropClass});
      emit(out, p.id, kPropTransform, prop_transform(p));
    }
  }

  void next(Frame& out) {
    out.spawns.clear();
    out.despawns.clear();
    out.events.clear();
    changes_used = 0;
    out.index = frame;
    out.tick = frame;
    out.time = static_cast<double>(frame) / options.tick_rate;
    if (frame == 0) {
      first_frame(out);
    } else {
      for (Player& p : players) step_player(p, out);
      for (Prop& p : props) step_prop(p, out);
    }
    out.changes.resize(changes_used);
    ++frame;
  }
};

Status CrowdOptions::validate() const {
  if (players < 0 || players > 100000) {
    return Status::invalid_argument("CrowdOptions.players: {} is outside [0, 100000]", players);
  }
  if (props < 0 || props > 1000000) {
    return Status::invalid_argument("CrowdOptions.props: {} is outside [0, 1000000]", props);
  }
  if (!(moving_fraction >= 0 && moving_fraction < 1)) {
    return Status::invalid_argument("CrowdOptions.moving_fraction: {} is outside [0, 1)",
                                    moving_fraction);
  }
  if (!(tick_rate >= 1 && tick_rate <= 10000)) {
    return Status::invalid_argument("CrowdOptions.tick_rate: {} is outside [1, 10000]", tick_rate);
  }
  if (!(position_jitter_m >= 0 && position_jitter_m <= 1)) {
    return Status::invalid_argument("CrowdOptions.position_jitter_m: {} is outside [0, 1]",
                                    position_jitter_m);
  }
  if (!(rotation_jitter_deg >= 0 && rotation_jitter_deg <= 10)) {
    return Status::invalid_argument("CrowdOptions.rotation_jitter_deg: {} is outside [0, 10]",
                                    rotation_jitter_deg);
  }
  return Status::ok_status();
}

namespace {
CrowdOptions sanitized(CrowdOptions o) {
  o.players = std::clamp(o.players, 0, 100000);
  o.props = std::clamp(o.props, 0, 1000000);
  if (!(o.moving_fraction >= 0 && o.moving_fraction < 1)) o.moving_fraction = 0.1;
  if (!(o.tick_rate >= 1 && o.tick_rate <= 10000)) o.tick_rate = 60;
  if (!(o.position_jitter_m >= 0 && o.position_jitter_m <= 1)) o.position_jitter_m = 0;
  if (!(o.rotation_jitter_deg >= 0 && o.rotation_jitter_deg <= 10)) o.rotation_jitter_deg = 0;
  return o;
}
}  // namespace

CrowdGenerator::CrowdGenerator(const CrowdOptions& options)
    : state_(std::make_unique<State>(sanitized(options))) {}
CrowdGenerator::~CrowdGenerator() = default;
CrowdGenerator::CrowdGenerator(CrowdGenerator&&) noexcept = default;
CrowdGenerator& CrowdGenerator::operator=(CrowdGenerator&&) noexcept = default;

const CrowdOptions& CrowdGenerator::options() const {
  return state_->options;
}
const std::vector<std::string>& CrowdGenerator::property_paths() const {
  return state_->paths;
}
void CrowdGenerator::next(Frame& frame) {
  state_->next(frame);
}
FrameIndex CrowdGenerator::frames_generated() const {
  return state_->frame;
}

}  // namespace reel::samples
