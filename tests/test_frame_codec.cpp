// The frame codec against its specification (format/FORMAT.md sections 6 and 7).
#include <cmath>
#include <cstring>
#include <limits>
#include <random>

#include "../format/codec/varint.h"
#include "reel/codec/frame_codec.h"
#include "reel/variant/variant_binary.h"
#include "test_util.h"

namespace reel {
namespace {

// Size of a chunk payload's header: version, frame count, meta length and (version 3) the
// lengths of lane streams 0-2, all varints but the version.
size_t header_size(const std::vector<uint8_t>& chunk) {
  size_t pos = 1;
  const int varints = chunk[0] >= 3 ? 5 : 2;
  for (int i = 0; i < varints; ++i) {
    while (chunk[pos] & 0x80) ++pos;
    ++pos;
  }
  return pos;
}

// The same chunk in an older layout (1 or 2: one lane stream). Valid for chunks whose frames'
// lanes all sit in one stream besides the time: the concatenated streams are then in the older
// interleaved order.
std::vector<uint8_t> as_single_stream(const std::vector<uint8_t>& v3, uint8_t version) {
  REQUIRE(v3[0] == 3);
  size_t pos = 1;
  std::vector<uint8_t> out{version};
  for (int i = 0; i < 2; ++i) {  // frame count and meta length are kept
    do out.push_back(v3[pos]);
    while (v3[pos++] & 0x80);
  }
  out.insert(out.end(), v3.begin() + long(header_size(v3)), v3.end());
  return out;
}

Frame frame_of(FrameIndex index, int64_t tick, double time) {
  Frame f;
  f.index = index;
  f.tick = tick;
  f.time = time;
  return f;
}

}  // namespace

TEST_CASE("FORMAT.md worked example", "[codec]") {
  CodecOptions options;  // frame 0 is a keyframe, frame 1 is not (any interval > 1)
  ChunkWriter writer(options);
  Frame f0 = frame_of(0, 0, 0.0);
  f0.spawns.push_back(Spawn{17, ""});
  f0.changes.push_back(PropertyChange{17, 0, Vector3{1, 2, 3}});
  REQUIRE(writer.add_frame(f0));  // frame 0 is a keyframe
  ChunkPayload c0 = writer.take_chunk();
  REQUIRE(testing::to_hex(c0.bytes) ==
          "030119"  // version 3, 1 frame, meta_len 25
          "010000"  // lane streams 0-2: 1, 0 and 0 bytes (stream 3 is the rest: 0)
          "00"
          "012200"
          "01220000"
          "090000000000803f0000004000004040"
          "00"
          "00");

  Frame f1 = frame_of(1, 1, 1.0 / 60);
  f1.changes.push_back(PropertyChange{17, 0, Vector3{1, 2, 3.5}});
  REQUIRE_FALSE(writer.add_frame(f1));
  ChunkPayload c1 = writer.take_chunk();
  const std::string hex = testing::to_hex(c1.bytes);
  REQUIRE(hex.substr(0, 6) == "030107");  // version, 1 frame, meta_len 7
  REQUIRE(hex.substr(6, 6) == "090600");  // lane streams: time 9 bytes, positions 6, rotations 0
  REQUIRE(hex.substr(12, 14) == "02000122000100");  // the meta stream
  REQUIRE(hex.substr(hex.size() - 12) ==
          "0000"
          "80808002");  // position stream: x, y, z residuals

  // And both decode back to the same states.
  WorldState state;
  DeltaHistory history;
  for (const ChunkPayload* c : {&c0, &c1}) {
    ChunkReader reader(c->bytes, c->first_frame, history, options, "example");
    REQUIRE_STATUS_OK(reader.init());
    REQUIRE_STATUS_OK(reader.next(state, nullptr));
    REQUIRE(reader.done());
  }
  REQUIRE(state == writer.state());
  REQUIRE(state.entities.at(17).find(0)->get<Vector3>().z == 3.5f);
}

TEST_CASE("a chunk taken into a reused payload equals one taken fresh", "[codec]") {
  CodecOptions options;
  ChunkWriter fresh_writer(options), reusing_writer(options);
  ChunkPayload reused;
  for (int chunk = 0; chunk < 4; ++chunk) {
    // Chunks of different sizes: the reused payload holds a longer or shorter one before.
    for (int i = 0; i < (chunk % 2 == 0 ? 9 : 2); ++i) {
      const FrameIndex index = chunk * 100 + i + 1;
      Frame f = frame_of(index, index, double(index) / 60);
      for (int e = 1; e <= (chunk % 2 == 0 ? 20 : 3); ++e) {
        f.changes.push_back(PropertyChange{e, 0, Vector3{float(e), float(index), 0.5f}});
      }
      fresh_writer.add_frame(Frame(f));
      reusing_writer.add_frame(f);
    }
    const ChunkPayload fresh = fresh_writer.take_chunk();
    reusing_writer.take_chunk(reused);
    REQUIRE(reused.bytes == fresh.bytes);
    REQUIRE(reused.section_ends == fresh.section_ends);
    REQUIRE(reused.first_frame == fresh.first_frame);
    REQUIRE(reused.last_frame == fresh.last_frame);
    REQUIRE(reused.first_tick == fresh.first_tick);
    REQUIRE(reused.last_tick == fresh.last_tick);
    REQUIRE(reused.first_time == fresh.first_time);
    REQUIRE(reused.last_time == fresh.last_time);
  }
}

TEST_CASE("delta lanes are exact for every bit pattern", "[codec]") {
  CodecOptions options;
  options.keyframe_interval = 1000;
  ChunkWriter writer(options);
  const uint64_t patterns[] = {0,
                               0x8000000000000000ull,
                               0x7ff8000000000001ull,
                               0xfff0000000000000ull,
                               0x0000000000000001ull,
                               0x7fefffffffffffffull};
  const uint32_t fpatterns[] = {0, 0x80000000u, 0x7fc00001u, 0xff800000u, 1u, 0x7f7fffffu};
  std::vector<Frame> frames;
  for (int i = 0; i < 36; ++i) {
    Frame f = frame_of(i, i, i);
    double d;
    std::memcpy(&d, &patterns[i % 6], 8);
    float x, y;
    std::memcpy(&x, &fpatterns[i % 6], 4);
    std::memcpy(&y, &fpatterns[(i / 6) % 6], 4);
    f.changes.push_back(PropertyChange{1, 0, d});
    f.changes.push_back(PropertyChange{1, 1, Vector2{x, y}});
    f.changes.push_back(PropertyChange{1, 2, int64_t(patterns[(i + 3) % 6])});
    frames.push_back(f);
    writer.add_frame(f);
  }
  ChunkPayload c = writer.take_chunk();
  WorldState state, truth;
  DeltaHistory history;
  ChunkReader reader(c.bytes, 0, history, options, "bits");
  REQUIRE_STATUS_OK(reader.init());
  for (const Frame& f : frames) {
    truth.apply(f);
    REQUIRE_STATUS_OK(reader.next(state, nullptr));
    REQUIRE(state == truth);
  }
}

TEST_CASE("chunk reader rejects damaged payloads with the frame and offset", "[codec]") {
  CodecOptions options;
  ChunkWriter writer(options);
  Frame f = frame_of(0, 0, 0);
  f.changes.push_back(PropertyChange{3, 1, Vector3{1, 2, 3}});
  f.changes.push_back(PropertyChange{4, 1, std::string("hello")});
  writer.add_frame(f);
  ChunkPayload c = writer.take_chunk();
  // Every truncation fails cleanly (never reads past the end).
  for (size_t n = 0; n < c.bytes.size(); ++n) {
    std::vector<uint8_t> cut(c.bytes.begin(), c.bytes.begin() + static_cast<ptrdiff_t>(n));
    WorldState state;
    DeltaHistory history;
    ChunkReader reader(cut, 0, history, options, "session 1, chunk frames 0-0");
    Status s = reader.init();
    if (s.ok()) s = reader.next(state, nullptr);
    INFO("cut at " << n);
    REQUIRE_FALSE(s.ok());
    REQUIRE_THAT(s.message(), Catch::Contains("session 1, chunk frames 0-0"));
  }
  // An unknown op is named.
  std::vector<uint8_t> bad = c.bytes;
  const size_t op_at = header_size(c.bytes) + 5;  // tick, spawns, count, entity, property
  REQUIRE(bad[op_at] == 0);
  bad[op_at] = 0x40;
  WorldState state;
  DeltaHistory history;
  ChunkReader reader(bad, 0, history, options, "ctx");
  REQUIRE_STATUS_OK(reader.init());
  Status s = reader.next(state, nullptr);
  REQUIRE(s.code() == StatusCode::kCorruption);
  REQUIRE_THAT(s.message(), Catch::Contains("unknown change op 64"));
  REQUIRE_THAT(s.message(), Catch::Contains("frame 0"));
}

TEST_CASE("keyframes round-trip and reject damage", "[codec]") {
  WorldState w;
  w.frame = 120;
  w.tick = 240;
  w.time = 2.0;
  w.entities[5].class_name = "res://p.tscn";
  w.entities[5].spawn_frame = 3;
  w.entities[5].slot(0) = Transform3D{};
  w.entities[5].slot(2) = StringName{"run"};
  w.entities[-9].slot(1) = PackedFloat32Array{1, 2, 3};
  std::vector<uint8_t> bytes;
  encode_keyframe(w, bytes);
  WorldState back;
  REQUIRE_STATUS_OK(decode_keyframe(bytes, back, "k"));
  REQUIRE(back == w);
  for (size_t n = 0; n < bytes.size(); ++n) {
    std::vector<uint8_t> cut(bytes.begin(), bytes.begin() + static_cast<ptrdiff_t>(n));
    REQUIRE_FALSE(decode_keyframe(cut, back, "k").ok());
  }
  bytes[0] = 3;
  REQUIRE(decode_keyframe(bytes, back, "k").code() == StatusCode::kUnsupported);
}

}  // namespace reel

// ---------------------------------------------------------------------------------------------
// Basis prediction (FORMAT.md 6: row 2 from the cross product, rows 0-1 from orthonormality).

namespace reel {
namespace {

float float_of_bits(uint32_t u) {
  float f;
  std::memcpy(&f, &u, 4);
  return f;
}

// Godot's Basis::set_quaternion (rows), for unit or near-unit quaternions.
Basis basis_of(const Quaternion& q) {
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

// Kinds of basis streams, from well-behaved rotations to garbage.
enum class BasisKind {
  kJitteredRotation,  // smooth rotation plus tracking noise: the common case
  kScaled,            // rotation times a per-row scale that drifts
  kSheared,           // rows neither unit nor orthogonal
  kDegenerate,        // zero rows, repeated rows, one-hot rows, -0.0
  kSpecial,           // NaN payloads, infinities, denormals, FLT_MAX mixed into rotations
  kGarbage,           // random bit patterns
};
constexpr BasisKind kBasisKinds[] = {BasisKind::kJitteredRotation, BasisKind::kScaled,
                                     BasisKind::kSheared,          BasisKind::kDegenerate,
                                     BasisKind::kSpecial,          BasisKind::kGarbage};

Basis next_basis(BasisKind kind, int frame, std::mt19937_64& rng) {
  std::normal_distribution<float> noise(0.0f, 1e-3f);
  const float t = 0.01f * float(frame);
  Quaternion q{std::sin(t) * 0.6f + noise(rng), std::cos(1.3f * t) * 0.5f + noise(rng),
               0.3f + noise(rng), 0.7f};
  Basis b = basis_of(q);
  auto bits = [&] { return float_of_bits(static_cast<uint32_t>(rng())); };
  switch (kind) {
    case BasisKind::kJitteredRotation:
      break;
    case BasisKind::kScaled:
      for (int r = 0; r < 3; ++r) {
        const float s = 0.5f + float(r) + 0.001f * float(frame % 17);
        b.rows[r] = {b.rows[r].x * s, b.rows[r].y * s, b.rows[r].z * s};
      }
      break;
    case BasisKind::kSheared:
      b.rows[1] = {b.rows[1].x + 0.3f * b.rows[0].x, b.rows[1].y + 0.3f * b.rows[0].y,
                   b.rows[1].z + 0.3f * b.rows[0].z + noise(rng)};
      break;
    case BasisKind::kDegenerate:
      switch (frame % 5) {
        case 0:
          b.rows[0] = {0, 0, 0};
          break;
        case 1:
          b.rows[1] = b.rows[0];
          break;
        case 2:
          b.rows[0] = {-0.0f, 1, -0.0f};
          b.rows[1] = {-0.0f, -0.0f, -0.0f};
          break;
        case 3:
          b.rows[1] = {0, 0, 1e-30f};
          break;
        default:
          break;  // back to a rotation
      }
      break;
    case BasisKind::kSpecial: {
      const uint32_t specials[] = {0x7fc00000u, 0x7f800001u, 0xffc12345u, 0x7f800000u,
                                   0xff800000u, 0x00000001u, 0x80000001u, 0x7f7fffffu,
                                   0xff7fffffu, 0x80000000u, 0x00800000u};
      const uint32_t u = specials[rng() % std::size(specials)];
      float* lanes = &b.rows[0].x;
      lanes[rng() % 9] = float_of_bits(u);
      if (frame % 3 == 0) lanes[rng() % 9] = float_of_bits(specials[rng() % std::size(specials)]);
      break;
    }
    case BasisKind::kGarbage:
      for (auto& row : b.rows) row = {bits(), bits(), bits()};
      break;
  }
  return b;
}

// Records `frames` frames of one Transform3D and one Basis per kind, then replays every chunk
// and checks the replayed state against the writer's bit for bit after every frame.
void round_trip_bases(const CodecOptions& options, int frames, uint64_t seed) {
  std::mt19937_64 rng(seed);
  ChunkWriter writer(options);
  WorldState replayed;
  DeltaHistory history;
  std::vector<WorldState> truth;
  std::vector<ChunkPayload> chunks;
  for (int i = 0; i < frames; ++i) {
    Frame f = frame_of(i, i, i / 60.0);
    for (size_t k = 0; k < std::size(kBasisKinds); ++k) {
      const EntityId e = static_cast<EntityId>(k + 1);
      const Basis b = next_basis(kBasisKinds[k], i, rng);
      const Vector3 origin{0.01f * float(i), 1.5f, -float(k)};
      f.changes.push_back(PropertyChange{e, 0, Transform3D{b, origin}});
      f.changes.push_back(PropertyChange{e, 1, next_basis(kBasisKinds[k], i + 7, rng)});
    }
    const bool keyframe = writer.add_frame(f);
    truth.push_back(writer.state());
    if (keyframe || i + 1 == frames) chunks.push_back(writer.take_chunk());
    // Every state is also a keyframe, in grid form when the session is lossy.
    std::vector<uint8_t> kf;
    encode_keyframe(writer.state(), kf, options.lossy);
    WorldState back;
    REQUIRE_STATUS_OK(decode_keyframe(kf, back, "bases keyframe"));
    INFO("keyframe of frame " << i);
    REQUIRE(back == writer.state());
  }
  size_t frame = 0;
  for (const ChunkPayload& c : chunks) {
    REQUIRE(c.bytes[0] == 3);
    ChunkReader reader(c.bytes, c.first_frame, history, options, "bases");
    REQUIRE_STATUS_OK(reader.init());
    while (!reader.done()) {
      Frame out;
      REQUIRE_STATUS_OK(reader.next(replayed, &out));
      INFO("frame " << frame);
      REQUIRE(replayed == truth[frame]);  // WorldState == compares values bit for bit
      ++frame;
    }
  }
  REQUIRE(frame == size_t(frames));
}

}  // namespace

TEST_CASE("Transform3D and Basis streams of every kind round-trip bit-exactly", "[codec]") {
  CodecOptions options;
  options.keyframe_interval = 60;
  round_trip_bases(options, 300, 1);
  options.keyframe_interval = 1000;  // long histories: second order everywhere
  round_trip_bases(options, 300, 2);
}

TEST_CASE("lossy Transform3D and Basis streams of every kind round-trip", "[codec]") {
  CodecOptions options;
  options.lossy.enabled = true;
  round_trip_bases(options, 300, 3);
  options.lossy.rotation_step_degrees = 0.5;
  round_trip_bases(options, 300, 4);
}

// Lane stream `s` of a version-3 chunk payload (FORMAT.md 6).
std::vector<uint8_t> lane_stream(const std::vector<uint8_t>& chunk, int s) {
  REQUIRE(chunk[0] == 3);
  size_t pos = 1;
  uint64_t fields[5];  // frame count, meta length, lengths of lane streams 0-2
  for (uint64_t& field : fields) REQUIRE(varint::get(chunk, pos, chunk.size(), field));
  size_t begin = pos + fields[1];
  for (int k = 0; k < s; ++k) begin += fields[2 + k];
  const size_t end = s + 1 < format::kLaneStreamCount ? begin + fields[2 + s] : chunk.size();
  return std::vector<uint8_t>(chunk.begin() + long(begin), chunk.begin() + long(end));
}

// Both sides remember the grid indices of a slot's last two values (DeltaHistory::GridMemo), so a
// memo that outlived its value would still round-trip (writer and reader agree) but write
// residuals against the wrong value: these tests pin the bytes and the decoded values.
TEST_CASE("a lossy delta after a type change is against the value before it, not a memo",
          "[codec]") {
  CodecOptions options;
  options.lossy.enabled = true;  // position step 1e-4
  const auto on_grid = [](int x, int y, int z) {
    const auto f = [](int q) { return static_cast<float>(double(q) * 1e-4); };
    return Vector3{f(x), f(y), f(z)};
  };
  ChunkWriter writer(options);
  const Variant values[] = {on_grid(10000, 20000, 30000), on_grid(10001, 20000, 30000),
                            std::string("off"), on_grid(500, 600, 700), on_grid(503, 598, 700)};
  for (int i = 0; i < 5; ++i) {
    Frame f = frame_of(i + 1, i + 1, 0);  // frame 0 is a keyframe; these stay in one segment
    f.changes.push_back(PropertyChange{1, 0, values[i]});
    writer.add_frame(f);
  }
  const ChunkPayload chunk = writer.take_chunk();
  // Frames 2 and 5 are deltas (1, 0, 0) and (3, -2, 0) as zigzag varints; 1, 3 and 4 are full.
  CHECK(lane_stream(chunk.bytes, format::kPositionLanes) == std::vector<uint8_t>{2, 0, 0, 6, 3, 0});
  DeltaHistory history;
  WorldState replayed;
  ChunkReader reader(chunk.bytes, 1, history, options, "memo");
  REQUIRE_STATUS_OK(reader.init());
  for (const Variant& value : values) {
    REQUIRE_STATUS_OK(reader.next(replayed, nullptr));
    REQUIRE(*replayed.entities.at(1).find(0) == value);
  }
}

TEST_CASE("remembered grid indices never change what a lossy value decodes to", "[codec]") {
  for (const double position_step : {1e-4, 0.37, 1e-39, 1e29}) {
    INFO("position step " << position_step);
    CodecOptions options;
    options.lossy.enabled = true;
    options.lossy.position_step = position_step;
    options.keyframe_interval = 7;
    ChunkWriter writer(options);
    std::vector<WorldState> truth;
    std::vector<ChunkPayload> chunks;
    const Vector3 stops[] = {{1.0f, 2.0f, 3.0f},     {1.0001f, 2.0f, 3.0f}, {1.0f, 2.0f, 3.0f},
                             {-5e-5f, 0.0f, 7.25f},  {1e30f, 0.0f, 1.0f},   {0.5f, 0.5f, 0.5f},
                             {2e-39f, 1e29f, -3e29f}};
    for (int i = 0; i < 120; ++i) {
      Frame f = frame_of(i, i, i / 60.0);
      const Vector3 origin = stops[i % std::size(stops)];
      f.changes.push_back(PropertyChange{1, 0, Transform3D{Basis{}, origin}});
      // Entity 2's slot turns into a string every 5th frame, then back into a vector.
      if (i % 5 == 4) {
        f.changes.push_back(PropertyChange{2, 0, std::string("off")});
      } else {
        f.changes.push_back(PropertyChange{2, 0, stops[(i * 7) % std::size(stops)]});
      }
      // Entity 3 is respawned every 4th frame and starts from its earlier values again.
      if (i % 4 == 0) f.spawns.push_back(Spawn{3, "Prop"});
      f.changes.push_back(PropertyChange{3, 0, stops[(i / 2) % std::size(stops)]});
      const bool keyframe = writer.add_frame(f);
      truth.push_back(writer.state());
      if (keyframe || i + 1 == 120) chunks.push_back(writer.take_chunk());
    }
    DeltaHistory history;
    WorldState replayed;
    size_t frame = 0;
    for (const ChunkPayload& c : chunks) {
      ChunkReader reader(c.bytes, c.first_frame, history, options, "memo");
      REQUIRE_STATUS_OK(reader.init());
      while (!reader.done()) {
        REQUIRE_STATUS_OK(reader.next(replayed, nullptr));
        INFO("frame " << frame);
        REQUIRE(replayed == truth[frame]);
        ++frame;
      }
    }
    REQUIRE(frame == 120);
  }
}

TEST_CASE("lossy keyframes store on-grid values as grid indices, a rotation in 3 lanes",
          "[codec]") {
  // A lossy recorder's state: jittered rotations and positions on the grid (the chunk writer
  // quantizes what it is handed), next to values the grid cannot hold exactly.
  CodecOptions options;
  options.lossy.enabled = true;
  ChunkWriter writer(options);
  std::mt19937_64 rng(11);
  Frame f = frame_of(0, 0, 0.0);
  for (EntityId e = 1; e <= 100; ++e) {
    const Basis b = next_basis(BasisKind::kJitteredRotation, int(e) * 37, rng);
    const Vector3 origin{float(e) * 0.731f - 20.0f, 1.62f, float(e % 13) * 1.9f};
    f.changes.push_back(PropertyChange{e, 0, Transform3D{b, origin}});
    f.changes.push_back(PropertyChange{e, 1, Vector3{0.5f, -0.25f, float(e)}});
  }
  f.changes.push_back(PropertyChange{200, 1, Vector3{1e9f, 0, 0}});  // beyond 2^22 steps: exact
  f.changes.push_back(PropertyChange{200, 2, Transform3D{}});
  f.changes.push_back(PropertyChange{200, 3, Quaternion{0.1f, 0.2f, 0.3f, 0.9f}});
  f.changes.push_back(PropertyChange{200, 4, Transform2D{}});
  f.changes.push_back(PropertyChange{200, 5, StringName{"idle"}});
  f.changes.push_back(PropertyChange{200, 6, Vector3i{1, 2, 3}});  // no grid for ints
  REQUIRE(writer.add_frame(f));
  const WorldState& state = writer.state();

  std::vector<uint8_t> grid, plain;
  encode_keyframe(state, grid, options.lossy);
  encode_keyframe(state, plain);
  REQUIRE(grid[0] == 2);
  WorldState back;
  REQUIRE_STATUS_OK(decode_keyframe(grid, back, "grid"));
  REQUIRE(back == state);
  REQUIRE_STATUS_OK(decode_keyframe(plain, back, "plain"));
  REQUIRE(back == state);
  // A Transform3D in Godot binary is 52 bytes; in grid form a type byte, a shape byte and 12
  // varints, of which the 6 predicted basis lanes are tiny.
  INFO("grid " << grid.size() << " bytes, plain " << plain.size());
  REQUIRE(grid.size() * 100 < plain.size() * 55);

  // The first entity's Transform3D: property word 0 << 1 | 1, type 18, shape with both flags.
  const std::vector<uint8_t> head = testing::from_hex("02 00 00 0000000000000000 01");
  REQUIRE(std::equal(head.begin(), head.end(), grid.begin()));
  size_t pos = head.size() + 16;  // the two steps
  REQUIRE(grid[pos] == 101);      // entity count (one byte)
  pos += 1 + 1 + 1 + 1 + 1;       // id z(1), spawn frame z(0), class "" , 2 properties
  REQUIRE(grid[pos] == 0x01);
  REQUIRE(grid[pos + 1] == uint8_t(Type::TRANSFORM3D));
  REQUIRE((grid[pos + 2] & 0xc0) == 0xc0);
}

TEST_CASE("entity ids and ticks at the int64 extremes round-trip", "[codec]") {
  // Deltas between them wrap (two's complement) on both sides, never signed overflow.
  constexpr EntityId kMin = std::numeric_limits<EntityId>::min();
  constexpr EntityId kMax = std::numeric_limits<EntityId>::max();
  CodecOptions options;
  ChunkWriter writer(options);
  WorldState replayed;
  DeltaHistory history;
  for (int i = 0; i < 3; ++i) {
    Frame f = frame_of(i, i == 1 ? kMax : kMin + i, i / 60.0);
    f.spawns.push_back(Spawn{kMin, "min"});
    f.changes.push_back(PropertyChange{kMin, 0, Vector3{1, 2, float(i)}});
    f.changes.push_back(PropertyChange{kMax, 0, int64_t{i}});
    if (i == 2) f.despawns.push_back(kMax);
    writer.add_frame(f);
    const ChunkPayload c = writer.take_chunk();
    ChunkReader reader(c.bytes, c.first_frame, history, options, "extremes");
    REQUIRE_STATUS_OK(reader.init());
    REQUIRE_STATUS_OK(reader.next(replayed, nullptr));
    REQUIRE(replayed == writer.state());
    std::vector<uint8_t> kf;
    encode_keyframe(writer.state(), kf);
    WorldState back;
    REQUIRE_STATUS_OK(decode_keyframe(kf, back, "extremes"));
    REQUIRE(back == writer.state());
  }
}

TEST_CASE("a keyframe decoded over another state replaces it exactly", "[codec]") {
  WorldState a, b;
  a.frame = 30;
  a.entities[1].class_name = "Player";
  a.entities[1].slot(0) = Vector3{1, 2, 3};
  a.entities[1].slot(4) = StringName{"walk"};
  a.entities[2].slot(0) = Transform3D{};
  a.entities[9].slot(1) = Dictionary{};
  b.frame = 60;
  b.tick = 61;
  b.time = 1.0;
  b.entities[1].class_name = "Player";
  b.entities[1].spawn_frame = 40;
  b.entities[1].slot(0) = Vector3{4, 5, 6};    // entity 1 keeps living, one property less
  b.entities[3].slot(2) = std::string("new");  // entity 3 is new; 2 and 9 are gone
  for (const QuantizeOptions& grid : {QuantizeOptions{}, QuantizeOptions{.enabled = true}}) {
    std::vector<uint8_t> bytes_a, bytes_b;
    encode_keyframe(a, bytes_a, grid);
    encode_keyframe(b, bytes_b, grid);
    WorldState state;
    REQUIRE_STATUS_OK(decode_keyframe(bytes_a, state, "a"));
    REQUIRE(state == a);
    REQUIRE_STATUS_OK(decode_keyframe(bytes_b, state, "b"));
    REQUIRE(state == b);
    REQUIRE_STATUS_OK(decode_keyframe(bytes_a, state, "a again"));
    REQUIRE(state == a);
  }
  // Entity ids must ascend (so an id cannot appear twice).
  const std::vector<uint8_t> twice =
      testing::from_hex("02 00 00 0000000000000000 00 02 02 00 00 00 00 00 00 00");
  WorldState state;
  REQUIRE_THAT(decode_keyframe(twice, state, "k").message(),
               Catch::Contains("entity ids not ascending at payload byte 17"));
}

TEST_CASE("keyframe payloads: version 1 still decodes, damage is named", "[codec]") {
  // Version 1: no flags byte, property ids without the grid bit. Frame 3, tick 4, time 0.5,
  // entity 7 (spawn frame 1, class "P") with property 2 = Vector3(1, 2, 3).
  const std::vector<uint8_t> v1 = testing::from_hex(
      "01 06 08 000000000000e03f 01 0e 02 01 50 01 02"
      " 09000000 0000803f 00000040 00004040");
  WorldState back;
  REQUIRE_STATUS_OK(decode_keyframe(v1, back, "v1"));
  REQUIRE(back.frame == 3);
  REQUIRE(back.tick == 4);
  REQUIRE(back.time == 0.5);
  REQUIRE(back.entities.at(7).class_name == "P");
  REQUIRE(back.entities.at(7).spawn_frame == 1);
  REQUIRE(back.entities.at(7).properties.size() == 1);
  REQUIRE(back.entities.at(7).properties[0].first == 2);
  REQUIRE(back.entities.at(7).properties[0].second == Variant{Vector3{1, 2, 3}});

  // The same state written today (version 2, lossy grid) and damaged.
  QuantizeOptions grid{.enabled = true, .position_step = 0.5, .rotation_step_degrees = 1};
  std::vector<uint8_t> bytes;
  encode_keyframe(back, bytes, grid);
  WorldState again;
  REQUIRE_STATUS_OK(decode_keyframe(bytes, again, "v2"));
  REQUIRE(again == back);
  const std::vector<uint8_t> expected = testing::from_hex(
      "02 06 08 000000000000e03f 01 000000000000e03f 000000000000f03f"
      " 01 0e 02 01 50 01 05 09 04 08 0c");  // property word 2 << 1 | 1, Vector3, z(2, 4, 6)
  REQUIRE(testing::to_hex(bytes) == testing::to_hex(expected));
  for (size_t n = 0; n < bytes.size(); ++n) {
    std::vector<uint8_t> cut(bytes.begin(), bytes.begin() + static_cast<ptrdiff_t>(n));
    REQUIRE_FALSE(decode_keyframe(cut, again, "k").ok());
  }
  auto damaged = [&](size_t at, uint8_t value) {
    std::vector<uint8_t> b = bytes;
    b[at] = value;
    return decode_keyframe(b, again, "session 1");
  };
  const size_t flags_at = 1 + 1 + 1 + 8, steps_at = flags_at + 1, type_at = steps_at + 16 + 7;
  REQUIRE_THAT(damaged(flags_at, 0x03).message(),
               Catch::Contains("unknown flags at payload byte 11"));
  REQUIRE_THAT(damaged(flags_at + 8, 0xff).message(), Catch::Contains("bad grid steps"));
  REQUIRE_THAT(damaged(type_at, uint8_t(Type::STRING)).message(),
               Catch::Contains("grid value of a type without a grid"));
  REQUIRE_THAT(damaged(type_at, uint8_t(Type::STRING)).message(),
               Catch::Contains("entity 7 property 2"));
  // The grid bit in a session without steps.
  std::vector<uint8_t> no_steps(bytes.begin(), bytes.begin() + long(flags_at));
  no_steps.push_back(0);
  no_steps.insert(no_steps.end(), bytes.begin() + long(steps_at + 16), bytes.end());
  REQUIRE_THAT(decode_keyframe(no_steps, again, "k").message(),
               Catch::Contains("grid value without grid steps"));
  // Every single-byte change decodes or fails cleanly (ASan/UBSan builds check "cleanly").
  for (size_t at = 0; at < bytes.size(); ++at) {
    for (int bit = 0; bit < 8; ++bit) {
      std::vector<uint8_t> b = bytes;
      b[at] ^= uint8_t(1u << bit);
      (void)decode_keyframe(b, again, "flip");
    }
  }
  bytes[0] = 3;
  REQUIRE(decode_keyframe(bytes, again, "k").code() == StatusCode::kUnsupported);
}

TEST_CASE("a jittered rotation is coded with both basis flags", "[codec]") {
  // One Transform3D of entity 1, property 0, changing every frame: each frame's meta is
  // z(tick delta = 1), 0 spawns, 1 change: z(entity 1), property 0, op; 0 despawns.
  CodecOptions options;
  options.keyframe_interval = 60;  // one 60-frame chunk after the keyframe
  ChunkWriter writer(options);
  std::mt19937_64 rng(5);
  ChunkPayload chunk;
  for (int i = 0; i <= 60; ++i) {
    Frame f = frame_of(i, i, i / 60.0);
    f.changes.push_back(
        PropertyChange{1, 0, Transform3D{next_basis(BasisKind::kJitteredRotation, i, rng), {}}});
    if (writer.add_frame(f)) chunk = writer.take_chunk();
  }
  REQUIRE(chunk.first_frame == 1);
  REQUIRE(chunk.bytes[0] == 3);
  size_t pos = header_size(chunk.bytes);
  int both = 0;
  for (int i = 1; i <= 60; ++i, pos += 7) {
    REQUIRE(testing::to_hex({chunk.bytes.begin() + long(pos),
                             chunk.bytes.begin() + long(pos) + 5}) == "0200010200");
    const uint8_t op = chunk.bytes[pos + 5];
    REQUIRE((op & 0x07) == 1 + (op & 0x07) / 2);  // delta1 or delta2 (never lossy ops)
    if (i == 1) REQUIRE((op & 0x07) == 1);        // no history right after the keyframe
    if ((op & 0x18) == 0x18) ++both;
  }
  REQUIRE(both >= 55);  // a rotation's 9 lanes carry 3 temporal residuals
}

TEST_CASE("version-1 and -2 chunks still decode, and the orthonormal flag is version 2 on",
          "[codec]") {
  CodecOptions options;
  // The FORMAT.md worked example as version 1 wrote it: frame 0 (keyframe), then frame 1.
  const std::vector<uint8_t> c0 = testing::from_hex(
      "010119"
      "00"
      "012200"
      "01220000"
      "090000000000803f0000004000004040"
      "00"
      "00");
  ChunkWriter writer(options);
  Frame f1 = frame_of(1, 1, 1.0 / 60);
  {
    Frame f0 = frame_of(0, 0, 0.0);
    f0.spawns.push_back(Spawn{17, ""});
    f0.changes.push_back(PropertyChange{17, 0, Vector3{1, 2, 3}});
    writer.add_frame(f0);
    writer.take_chunk();
  }
  f1.changes.push_back(PropertyChange{17, 0, Vector3{1, 2, 3.5}});
  writer.add_frame(f1);
  const std::vector<uint8_t> c1_v3 = writer.take_chunk().bytes;
  // The same frame under versions 1 and 2 (one lane stream; no flag of version 2 is used).
  std::vector<uint8_t> c1 = as_single_stream(c1_v3, 1);
  REQUIRE(testing::to_hex(c1).substr(0, 20) == "01010702000122000100");
  for (uint8_t version : {1, 2}) {
    c1[0] = version;
    WorldState state;
    DeltaHistory history;
    const std::vector<uint8_t>& older = c1;
    for (const std::vector<uint8_t>* c : {&c0, &older}) {
      ChunkReader reader(*c, c == &c0 ? 0 : 1, history, options, "older");
      REQUIRE_STATUS_OK(reader.init());
      REQUIRE_STATUS_OK(reader.next(state, nullptr));
    }
    REQUIRE(state == writer.state());
  }
  DeltaHistory history;

  // A version-1 Transform3D change with the cross-row flag (op 0x09, delta1): identity, then a
  // rotation about z whose row 2 is coded against cross(row 0, row 1).
  const float c = 0.6f, s = 0.8f;
  const Transform3D before{};
  Transform3D after;
  after.basis.rows = {Vector3{c, -s, 0}, Vector3{s, c, 0}, Vector3{0, 0, 1}};
  auto put_varint = [](std::vector<uint8_t>& out, uint64_t z) {
    do {
      out.push_back(static_cast<uint8_t>(z >= 0x80 ? (z | 0x80) : z));
      z >>= 7;
    } while (z != 0);
  };
  // Frame 1: entity 1 property 0 = identity (op 0); frame 2: op 0x09.
  std::vector<uint8_t> meta = testing::from_hex(
      "00"
      "00"
      "01"
      "02"
      "00"
      "00");
  REQUIRE_STATUS_OK(encode_variant(Variant(before), meta));
  for (uint8_t b : testing::from_hex("00"
                                     "02"
                                     "00"
                                     "01"
                                     "02"
                                     "00"
                                     "09"
                                     "00"))
    meta.push_back(b);
  std::vector<uint8_t> v1 = testing::from_hex(
      "01"
      "02");  // version 1, 2 frames
  put_varint(v1, meta.size());
  const size_t op_at = v1.size() + meta.size() - 2;
  v1.insert(v1.end(), meta.begin(), meta.end());
  v1.push_back(0);  // time of frame 1: 0.0 (predicted 0)
  v1.push_back(0);  // time of frame 2: 0.0 (predicted: the previous time)
  const float* was = &before.basis.rows[0].x;
  const float* now = &after.basis.rows[0].x;
  const float crossed[3] = {now[1] * now[5] - now[2] * now[4], now[2] * now[3] - now[0] * now[5],
                            now[0] * now[4] - now[1] * now[3]};
  for (int k = 0; k < 12; ++k) {
    uint32_t a, b;
    std::memcpy(&a, &now[k], 4);
    std::memcpy(&b, k >= 6 && k < 9 ? &crossed[k - 6] : &was[k], 4);
    const int64_t r = static_cast<int32_t>(a - b);
    put_varint(v1, (static_cast<uint64_t>(r) << 1) ^ static_cast<uint64_t>(r >> 63));
  }
  {
    WorldState w;
    DeltaHistory h;
    ChunkReader reader(v1, 1, h, options, "v1 cross");
    REQUIRE_STATUS_OK(reader.init());
    REQUIRE_STATUS_OK(reader.next(w, nullptr));
    REQUIRE_STATUS_OK(reader.next(w, nullptr));
    REQUIRE(reader.done());
    REQUIRE(w.entities.at(1).find(0)->get<Transform3D>().basis.rows[2].z == 1.0f);
    REQUIRE(*w.entities.at(1).find(0) == Variant(after));

    // The same change with the orthonormal flag (0x19) is an unknown op in version 1...
    REQUIRE(v1[op_at] == 0x09);
    v1[op_at] = 0x19;
    WorldState w2;
    DeltaHistory h2;
    ChunkReader bad(v1, 1, h2, options, "v1 ortho");
    REQUIRE_STATUS_OK(bad.init());
    REQUIRE_STATUS_OK(bad.next(w2, nullptr));
    const Status st = bad.next(w2, nullptr);
    REQUIRE(st.code() == StatusCode::kCorruption);
    REQUIRE_THAT(st.message(), Catch::Contains("unknown change op 25"));
    REQUIRE_THAT(st.message(), Catch::Contains("frame 2"));
  }
  // ... and unknown payload versions are refused.
  c1[0] = 4;
  ChunkReader v4(c1, 1, history, options, "v4");
  const Status st = v4.init();
  REQUIRE(st.code() == StatusCode::kUnsupported);
  REQUIRE_THAT(st.message(), Catch::Contains("chunk payload version 4"));
}

TEST_CASE("basis flags on other values are rejected with the offset", "[codec]") {
  CodecOptions options;
  ChunkWriter writer(options);
  Frame f0 = frame_of(0, 0, 0.0);
  f0.changes.push_back(PropertyChange{17, 0, Vector3{1, 2, 3}});
  writer.add_frame(f0);
  const ChunkPayload c0 = writer.take_chunk();
  Frame f1 = frame_of(1, 1, 1.0 / 60);
  f1.changes.push_back(PropertyChange{17, 0, Vector3{1, 2, 3.5}});
  writer.add_frame(f1);
  const ChunkPayload c1 = writer.take_chunk();
  const size_t op_at = 6 + 5;  // header (6 bytes), then tick, spawns, count, entity, property
  REQUIRE(header_size(c1.bytes) == 6);
  REQUIRE(c1.bytes[op_at] == 0x01);
  const std::pair<uint8_t, const char*> cases[] = {
      {0x11, "orthonormal-rows flag on a non-basis value at payload byte 11"},
      {0x09, "cross-row flag on a non-basis value at payload byte 11"},
      {0x10, "unknown change op 16"},  // flags on op 0 (full) mean nothing
      {0x18, "unknown change op 24"},
      {0x21, "unknown change op 33"},
  };
  for (const auto& [op, message] : cases) {
    std::vector<uint8_t> bad = c1.bytes;
    bad[op_at] = op;
    WorldState state;
    DeltaHistory history;
    ChunkReader r0(c0.bytes, 0, history, options, "ctx");
    REQUIRE_STATUS_OK(r0.init());
    REQUIRE_STATUS_OK(r0.next(state, nullptr));
    ChunkReader r1(bad, 1, history, options, "ctx");
    REQUIRE_STATUS_OK(r1.init());
    const Status s = r1.next(state, nullptr);
    INFO("op " << int(op));
    REQUIRE(s.code() == StatusCode::kCorruption);
    REQUIRE_THAT(s.message(), Catch::Contains(message));
    REQUIRE_THAT(s.message(), Catch::Contains("frame 1"));
  }
}

TEST_CASE("damaged basis chunks decode or fail cleanly", "[codec]") {
  // Random byte damage anywhere in chunks full of basis predictions: the reader may produce
  // other values (lossless residuals accept any bits) but never reads out of bounds or hits
  // undefined behaviour (run under the sanitizers), and failures are Status errors.
  for (bool lossy : {false, true}) {
    CodecOptions options;
    options.lossy.enabled = lossy;
    options.keyframe_interval = 1000;
    ChunkWriter writer(options);
    std::mt19937_64 rng(9);
    Frame f0 = frame_of(0, 0, 0.0);
    for (size_t k = 0; k < std::size(kBasisKinds); ++k) {
      f0.changes.push_back(
          PropertyChange{EntityId(k + 1), 0, Transform3D{next_basis(kBasisKinds[k], 0, rng), {}}});
    }
    writer.add_frame(f0);
    writer.take_chunk();
    const WorldState start = writer.state();
    for (int i = 1; i <= 40; ++i) {
      Frame f = frame_of(i, i, i / 60.0);
      for (size_t k = 0; k < std::size(kBasisKinds); ++k) {
        f.changes.push_back(PropertyChange{EntityId(k + 1), 0,
                                           Transform3D{next_basis(kBasisKinds[k], i, rng), {}}});
      }
      writer.add_frame(f);
    }
    const ChunkPayload chunk = writer.take_chunk();
    for (int trial = 0; trial < 400; ++trial) {
      std::vector<uint8_t> bad = chunk.bytes;
      for (int n = 0; n < 1 + trial % 4; ++n) {
        bad[1 + rng() % (bad.size() - 1)] ^= static_cast<uint8_t>(1 + rng() % 255);
      }
      WorldState state = start;
      DeltaHistory history;
      ChunkReader reader(bad, 1, history, options, "damaged");
      Status s = reader.init();
      while (s.ok() && !reader.done()) s = reader.next(state, nullptr);
      if (!s.ok()) REQUIRE_THAT(s.message(), Catch::Contains("damaged"));
    }
  }
}

}  // namespace reel
