// `reel import FILE DB` (FORMAT.md 10): a ReelRecorder capture is recorded frame by frame; a
// truncated or damaged capture imports every whole frame before the damage, says where it stopped
// (byte offset, frame) and exits 2; what is not a capture is refused.
#include <fstream>

#include <fmt/core.h>

#include "capture_test_util.h"
#include "cli_session_fixture.h"
#include "reel/replay/replayer.h"

namespace reel {
namespace {

using testing::TempDir;

using testing::framed;
using testing::items;

void append_record(std::vector<uint8_t>& out, const Variant& value, GodotDialect dialect) {
  const std::vector<uint8_t> record = framed(value, dialect);
  out.insert(out.end(), record.begin(), record.end());
}

// A capture as ReelRecorder writes it (testing::make_game: entity 1 walks from frame 0, entity 2
// lives in frames 10..29, an event every 10 frames). Returns the bytes and the byte offset of
// every frame record.
struct Capture {
  std::vector<uint8_t> bytes;
  std::vector<size_t> frame_offsets;
};
Capture make_capture(int frames, GodotDialect dialect = GodotDialect::kGodot4) {
  const testing::GameRecords game = testing::make_game("walk", frames, 0, dialect);
  Capture c;
  c.bytes = game.header;
  for (const auto& frame : game.frames) {
    c.frame_offsets.push_back(c.bytes.size());
    c.bytes.insert(c.bytes.end(), frame.begin(), frame.end());
  }
  return c;
}

void write_file(const std::string& path, const std::vector<uint8_t>& bytes) {
  std::ofstream(path, std::ios::binary)
      .write(reinterpret_cast<const char*>(bytes.data()),
             static_cast<std::streamsize>(bytes.size()));
}

std::unique_ptr<Replayer> open_only_session(const std::string& db) {
  auto r = Replayer::open(db, "");
  REQUIRE_OK(r);
  return std::move(*r);
}

TEST_CASE("reel import records a capture frame by frame, with its name, tick rate and metadata",
          "[cli][import]") {
  for (GodotDialect dialect : {GodotDialect::kGodot4, GodotDialect::kGodot3}) {
    INFO("Godot " << static_cast<int>(dialect));
    TempDir dir;
    const Capture capture = make_capture(40, dialect);
    write_file(dir.file("walk.reelcap"), capture.bytes);
    const auto run =
        testing::run_reel(dir, "import " + dir.file("walk.reelcap") + " " + dir.file("walk.reel"));
    INFO(run.err);
    REQUIRE(run.exit_code == 0);
    CHECK(run.err.find("frames 0..39") != std::string::npos);
    auto replayer = open_only_session(dir.file("walk.reel"));
    CHECK(replayer->session().name == "walk");
    CHECK(replayer->session().tick_rate == 60.0);
    REQUIRE(replayer->frame_count() == 40);
    auto state = replayer->seek(20);
    REQUIRE_OK(state);
    CHECK((*state)->tick == 120);
    REQUIRE((*state)->entities.size() == 2);
    CHECK((*state)->entities.at(1).class_name == "res://walker.tscn");
    const PropertyId position = *replayer->property_id("position");
    const PropertyId head = *replayer->property_id("head:transform");
    CHECK(*(*state)->entities.at(1).find(position) == Variant(Vector3{5, 0, 1}));
    CHECK((*state)->entities.at(2).find(head)->get<Transform3D>().origin.z == 20.0f);
    state = replayer->seek(35);
    REQUIRE_OK(state);
    CHECK((*state)->entities.size() == 1);  // entity 2 despawned at 30
    auto jumps = replayer->events(0, 39, "jump");
    REQUIRE_OK(jumps);
    CHECK(jumps->size() == 4);
    // --name overrides the capture's name.
    REQUIRE(testing::run_reel(dir, "import " + dir.file("walk.reelcap") + " " +
                                       dir.file("walk.reel") + " --name second")
                .exit_code == 0);
    REQUIRE_OK(Replayer::open(dir.file("walk.reel"), "second"));
  }
}

// Imports `bytes` and REQUIREs exit 2 with a message naming `offset` and `frame`, and a session
// holding exactly frames 0..frame-1.
void require_stops_at(const std::vector<uint8_t>& bytes, size_t offset, int frame,
                      const std::string& why) {
  TempDir dir;
  write_file(dir.file("cap.reelcap"), bytes);
  const auto run =
      testing::run_reel(dir, "import " + dir.file("cap.reelcap") + " " + dir.file("cap.reel"));
  INFO(run.err);
  CHECK(run.exit_code == 2);
  CHECK(run.err.find(fmt::format("byte {}: frame {}", offset, frame)) != std::string::npos);
  CHECK(run.err.find(why) != std::string::npos);
  CHECK(run.err.find(fmt::format("imported frames 0..{}", frame - 1)) != std::string::npos);
  CHECK(testing::count_lines(run.err) == 1);
  auto replayer = open_only_session(dir.file("cap.reel"));
  CHECK(replayer->frame_count() == frame);
  REQUIRE_OK(replayer->seek(frame - 1));
}

TEST_CASE("a truncated capture imports every whole frame before the cut and says where it stopped",
          "[cli][import]") {
  const Capture capture = make_capture(40);
  for (size_t cut : {capture.frame_offsets[25] + 2, capture.frame_offsets[25] + 9,
                     capture.frame_offsets[26] - 1}) {
    INFO("cut at " << cut);
    std::vector<uint8_t> bytes(capture.bytes.begin(), capture.bytes.begin() + cut);
    require_stops_at(bytes, capture.frame_offsets[25], 25, "truncated");
  }
}

TEST_CASE("a damaged capture record stops the import at its frame, keeping the frames before",
          "[cli][import]") {
  const Capture capture = make_capture(40);
  SECTION("bytes that do not decode") {
    auto bytes = capture.bytes;
    bytes[capture.frame_offsets[12] + 4] = 0x7f;  // the record's type id: no such type
    require_stops_at(bytes, capture.frame_offsets[12], 12, "does not decode");
  }
  SECTION("a length running past the end of the file") {
    auto bytes = capture.bytes;
    bytes[capture.frame_offsets[33] + 3] = 0x40;
    require_stops_at(bytes, capture.frame_offsets[33], 33, "truncated");
  }
  SECTION("a record that breaks the capture's rules") {
    // Rebuild frame 7 with a change that is not [id, path, value].
    std::vector<uint8_t> bytes(capture.bytes.begin(),
                               capture.bytes.begin() + capture.frame_offsets[7]);
    Dictionary rec;
    rec.set("frame", int64_t{7});
    rec.set("tick", int64_t{107});
    rec.set("time", 7 / 60.0);
    rec.set("changes", items({items({"one", "position", 1.0})}));
    rec.set("spawns", Array{});
    rec.set("despawns", Array{});
    rec.set("events", Array{});
    append_record(bytes, rec, GodotDialect::kGodot4);
    bytes.insert(bytes.end(), capture.bytes.begin() + capture.frame_offsets[8],
                 capture.bytes.end());
    require_stops_at(bytes, capture.frame_offsets[7], 7, "a change is not");
  }
  SECTION("a lost record (frame numbers with a gap)") {
    std::vector<uint8_t> bytes(capture.bytes.begin(),
                               capture.bytes.begin() + capture.frame_offsets[18]);
    bytes.insert(bytes.end(), capture.bytes.begin() + capture.frame_offsets[19],
                 capture.bytes.end());
    require_stops_at(bytes, capture.frame_offsets[18], 18, "says it is frame 19");
  }
}

TEST_CASE("reel import refuses what is not a capture with exit 2, naming the file",
          "[cli][import]") {
  TempDir dir;
  write_file(dir.file("empty"), {});
  write_file(dir.file("noise"), {1, 2, 3, 4, 5, 6, 7, 8, 9});
  std::vector<uint8_t> not_capture;
  Dictionary d;
  d.set("hello", int64_t{1});
  append_record(not_capture, d, GodotDialect::kGodot4);
  write_file(dir.file("other.bin"), not_capture);
  for (const char* name : {"empty", "noise", "other.bin", "missing"}) {
    INFO(name);
    const auto run = testing::run_reel(dir, "import " + dir.file(name) + " " + dir.file("x.reel"));
    CHECK(run.exit_code == 2);
    CHECK(run.err.find(dir.file(name)) != std::string::npos);
  }
}

}  // namespace
}  // namespace reel
