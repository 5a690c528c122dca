// `reel export --format varstream` (FORMAT.md 9): a header, every frame, a full state every
// --reset-interval frames, an index of them and a 28-byte footer; a reader that starts at the
// index's last full state before a frame reaches that frame's exact state.
#include <set>

#include <fmt/core.h>

#include "cli_session_fixture.h"
#include "reel/format/format_constants.h"
#include "store_var_stream.h"

namespace reel {
namespace {

using testing::array_field;
using testing::ConsumerWorld;
using testing::decode_stream;
using testing::field;
using testing::int_field;
using testing::read_bytes;
using testing::require_same_as_replayer;
using Fixture = testing::SessionFixture;

uint64_t u64_at(const std::vector<uint8_t>& bytes, size_t at) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = v << 8 | bytes.at(at + i);
  return v;
}

// The index record's offset, from the footer (checking its fixed layout).
uint64_t footer_index_offset(const std::vector<uint8_t>& bytes, uint8_t packed_byte_array_id) {
  REQUIRE(bytes.size() > format::kVarstreamFooterBytes);
  const size_t at = bytes.size() - format::kVarstreamFooterBytes;
  const std::vector<uint8_t> head(bytes.begin() + at, bytes.begin() + at + 12);
  CHECK(head == std::vector<uint8_t>{24, 0, 0, 0, packed_byte_array_id, 0, 0, 0, 16, 0, 0, 0});
  CHECK(std::string(bytes.begin() + at + 12, bytes.begin() + at + 20) == "REELVIDX");
  return u64_at(bytes, bytes.size() - 8);
}

std::vector<int64_t> int_list(const Variant& v) {
  if (v.is<PackedInt64Array>()) return v.get<PackedInt64Array>();
  std::vector<int64_t> out;
  for (const auto& item : v.get<Array>().items) out.push_back(item.get<int64_t>());
  return out;
}

// Decodes the one record at `offset`.
Dictionary record_at(const std::vector<uint8_t>& bytes, size_t offset, GodotDialect dialect) {
  REQUIRE(offset + 4 <= bytes.size());
  const uint32_t n = bytes[offset] | bytes[offset + 1] << 8 | bytes[offset + 2] << 16 |
                     static_cast<uint32_t>(bytes[offset + 3]) << 24;
  auto decoded = decode_variant(std::span(bytes).subspan(offset + 4, n), {.dialect = dialect});
  REQUIRE_OK(decoded);
  REQUIRE(decoded->value.is<Dictionary>());
  return decoded->value.get<Dictionary>();
}

TEST_CASE(
    "varstream: a header, every frame, a full state every --reset-interval frames, an index "
    "and a footer that points at it",
    "[cli][export]") {
  Fixture f;
  const std::string out = f.dir.file("match.vs");
  const auto run =
      f.reel("export " + f.db + " --format varstream --reset-interval 50 --out " + out);
  INFO(run.err);
  REQUIRE(run.exit_code == 0);
  const auto bytes = read_bytes(out);
  const uint64_t index_offset = footer_index_offset(bytes, 29);
  // Every record but the 28-byte footer (a PackedByteArray) is a Dictionary.
  const std::vector<uint8_t> body(bytes.begin(), bytes.end() - format::kVarstreamFooterBytes);
  const auto records = decode_stream(body, GodotDialect::kGodot4);
  REQUIRE(records.size() == 1 + testing::kFixtureFrames + 1);
  const Dictionary& header = records.front();
  CHECK(int_field(header, "reel_varstream") == 1);
  CHECK(int_field(header, "godot") == 4);
  CHECK(field(header, "session").get<std::string>() == "match-1");
  CHECK(field(header, "tick_rate").get<double>() == 60.0);
  CHECK(int_field(header, "first_frame") == 0);
  CHECK(int_field(header, "last_frame") == testing::kFixtureFrames - 1);
  CHECK(int_field(header, "reset_interval") == 50);
  CHECK(array_field(header, "properties").size() == 3);  // position, health, kind

  const Dictionary& index = records.back();
  CHECK(Variant(index) == Variant(record_at(bytes, index_offset, GodotDialect::kGodot4)));
  const auto reset_frames = int_list(field(index, "reset_frames"));
  const auto reset_offsets = int_list(field(index, "reset_offsets"));
  CHECK(reset_frames == std::vector<int64_t>{0, 50, 100, 150, 200, 250});
  REQUIRE(reset_offsets.size() == reset_frames.size());
  const auto frame_offsets = int_list(field(index, "frame_offsets"));
  REQUIRE(frame_offsets.size() == testing::kFixtureFrames);
  for (int frame = 0; frame < testing::kFixtureFrames; ++frame) {
    CHECK(int_field(record_at(bytes, frame_offsets[frame], GodotDialect::kGodot4), "frame") ==
          frame);
  }
  for (size_t i = 0; i < reset_frames.size(); ++i) {
    const Dictionary rec = record_at(bytes, reset_offsets[i], GodotDialect::kGodot4);
    CHECK(int_field(rec, "frame") == reset_frames[i]);
    CHECK(field(rec, "reset").get<bool>());
  }
  // Played from the start, the records rebuild every frame's exact state.
  ConsumerWorld world;
  for (int frame = 0; frame < testing::kFixtureFrames; ++frame) {
    const Dictionary& rec = records[1 + frame];
    REQUIRE(int_field(rec, "frame") == frame);
    REQUIRE(field(rec, "reset").get<bool>() == (frame % 50 == 0));
    world.apply(rec);
    if (frame % 7 == 0 || frame % 50 == 0 || frame % 50 == 49) {
      require_same_as_replayer(world, f.db, frame);
    }
  }
  // The events of a full-state frame are kept (jump at 30 and 90, score at 120: none on a reset
  // frame of interval 50, so check one of interval 30 below).
  CHECK(array_field(records[1 + 30], "events").size() == 1);
}

TEST_CASE("varstream: the last full state before frame F and F's own record give F's exact state",
          "[cli][export]") {
  Fixture f;
  const std::string out = f.dir.file("match.vs");
  REQUIRE(
      f.reel("export " + f.db + " --format varstream --reset-interval 30 --out " + out).exit_code ==
      0);
  const auto bytes = read_bytes(out);
  const Dictionary index = record_at(bytes, footer_index_offset(bytes, 29), GodotDialect::kGodot4);
  const auto reset_frames = int_list(field(index, "reset_frames"));
  const auto reset_offsets = int_list(field(index, "reset_offsets"));
  CHECK(array_field(record_at(bytes, reset_offsets[1], GodotDialect::kGodot4), "events").size() ==
        1);  // frame 30's jump, on a full-state record
  const auto frame_offsets = int_list(field(index, "frame_offsets"));
  REQUIRE(frame_offsets.size() == testing::kFixtureFrames);
  for (FrameIndex target : {299, 0, 150, 149, 151, 30, 59, 60, 211, 100, 101}) {
    INFO("frame " << target);
    size_t slot = 0;
    while (slot + 1 < reset_frames.size() && reset_frames[slot + 1] <= target) ++slot;
    ConsumerWorld world;
    world.apply(record_at(bytes, reset_offsets[slot], GodotDialect::kGodot4));
    const Dictionary rec = record_at(bytes, frame_offsets[target], GodotDialect::kGodot4);
    REQUIRE(int_field(rec, "frame") == target);
    if (target != reset_frames[slot]) world.apply_segment(rec);
    require_same_as_replayer(world, f.db, target);
  }
}

TEST_CASE(
    "varstream: --from/--to exports a range that starts with a full state and --godot 3 "
    "writes Godot 3 bytes",
    "[cli][export]") {
  Fixture f;
  const std::string out = f.dir.file("clip.vs");
  const auto run =
      f.reel("export " + f.db + " --format varstream --godot 3 --from 120 --to 200 --out " + out);
  INFO(run.err);
  REQUIRE(run.exit_code == 0);
  const auto bytes = read_bytes(out);
  const uint64_t index_offset = footer_index_offset(bytes, 20);  // Godot 3's PoolByteArray
  const std::vector<uint8_t> body(bytes.begin(), bytes.end() - format::kVarstreamFooterBytes);
  const auto records = decode_stream(body, GodotDialect::kGodot3);
  REQUIRE(records.size() == 1 + 81 + 1);
  CHECK(int_field(records.front(), "godot") == 3);
  CHECK(int_field(records.front(), "first_frame") == 120);
  CHECK(int_list(field(records.back(), "reset_frames")) == std::vector<int64_t>{120, 180});
  CHECK(Variant(records.back()) == Variant(record_at(bytes, index_offset, GodotDialect::kGodot3)));
  ConsumerWorld world;
  for (size_t i = 1; i + 1 < records.size(); ++i) world.apply(records[i]);
  require_same_as_replayer(world, f.db, 200);
}

TEST_CASE("reel export refuses an unknown format and a bad --reset-interval with exit 2",
          "[cli][export]") {
  Fixture f;
  CHECK(f.reel("export " + f.db + " --format gif --out " + f.dir.file("x")).exit_code == 2);
  CHECK(f.reel("export " + f.db + " --format varstream --reset-interval 0 --out " + f.dir.file("x"))
            .exit_code == 2);
  CHECK(f.reel("export " + f.db + " --format varstream --out " + f.dir.file("no/such/dir/x"))
            .exit_code == 2);
}

}  // namespace
}  // namespace reel
