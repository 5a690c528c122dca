// The frame codec against its specification (format/FORMAT.md sections 6 and 7).
#include <cstring>

#include "reel/format/frame_codec.h"
#include "test_util.h"

namespace reel {
namespace {

Frame frame_of(FrameIndex index, int64_t tick, double time) {
  Frame f;
  f.index = index;
  f.tick = tick;
  f.time = time;
  return f;
}

}  // namespace

TEST_CASE("FORMAT.md worked example", "[codec]") {
  CodecOptions options;  // keyframe interval 60
  ChunkWriter writer(options);
  Frame f0 = frame_of(0, 0, 0.0);
  f0.spawns.push_back(Spawn{17, ""});
  f0.changes.push_back(PropertyChange{17, 0, Vector3{1, 2, 3}});
  REQUIRE(writer.add_frame(f0));  // frame 0 is a keyframe
  ChunkPayload c0 = writer.take_chunk();
  REQUIRE(testing::to_hex(c0.bytes) ==
          "010119"
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
  REQUIRE(hex.substr(0, 6) == "010107");                   // version, 1 frame, meta_len 7
  REQUIRE(hex.substr(6, 14) == "02000122000100");          // the meta stream
  REQUIRE(hex.substr(hex.size() - 12) == "0000" "80808002");  // x, y, z residuals

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

TEST_CASE("delta lanes are exact for every bit pattern", "[codec]") {
  CodecOptions options;
  options.keyframe_interval = 1000;
  ChunkWriter writer(options);
  const uint64_t patterns[] = {0, 0x8000000000000000ull, 0x7ff8000000000001ull,
                               0xfff0000000000000ull, 0x0000000000000001ull, 0x7fefffffffffffffull};
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
  const size_t op_at = 3 + 1 + 1 + 1 + 1 + 1;  // header, tick, spawns, count, entity, property
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
  bytes[0] = 2;
  REQUIRE(decode_keyframe(bytes, back, "k").code() == StatusCode::kUnsupported);
}

}  // namespace reel
