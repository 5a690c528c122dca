// The Godot addon (samples/godot) end to end in the real engines, Godot 3 (godot3-server) and
// Godot 4.6 (the web engine): a scene of moving nodes recorded by ReelRecorder, imported with
// `reel import`, exported with `reel export --format varstream` and replayed by ReelPlayer shows,
// at every seek (backwards and forwards across full-state records) and after steps, exactly the
// state the Replayer (what `reel show` prints) reconstructs; the engine's capture cut short imports
// the frames before the cut; the crowd sample plays too. And the
// Godot 3 twin of the addon stays in lockstep with the Godot 4 addon.
#include <filesystem>
#include <fstream>
#include <map>
#include <set>

#include <fmt/core.h>

#include "cli_session_fixture.h"
#include "godot_addon_harness.h"
#include "reel/replay/replayer.h"

namespace reel {
namespace {

namespace fs = std::filesystem;
using testing::GodotEngine;
using testing::TempDir;

TEST_CASE("the Godot 3 addon and example are the Godot 4 ones with their marked lines replaced",
          "[godot-addon]") {
  int checked = 0;
  for (const char* sub : {"addons/reel", "example"}) {
    for (const auto& entry : fs::directory_iterator(testing::source_path("samples/godot/") + sub)) {
      const std::string name = entry.path().filename().string();
      if (!name.ends_with(".gd") && !name.ends_with(".cfg")) continue;
      INFO(sub << "/" << name << ": run samples/godot/make_godot3");
      const std::string twin =
          testing::source_path(std::string("samples/godot/godot3/") + sub + "/" + name);
      REQUIRE(fs::exists(twin));
      CHECK(testing::read_file(twin) ==
            testing::godot3_twin(testing::read_file(entry.path().string())));
      ++checked;
    }
  }
  CHECK(checked >= 6);  // plugin.cfg, plugin.gd, reel_player.gd, reel_recorder.gd, 2 examples
}

std::string script(const char* name) {
  return testing::read_file(testing::source_path(std::string("tests/godot_addon/") + name));
}

// Runs replay_dump.gd on `varstream` seeking to `seeks` (distinct frames; the first + 3 is
// checked after a step) and compares every dumped frame with the Replayer's state of `db`.
void check_replay(GodotEngine& engine, const std::string& db, const std::string& varstream,
                  const std::vector<FrameIndex>& seeks) {
  std::string list;
  for (FrameIndex f : seeks) list += (list.empty() ? "" : ", ") + std::to_string(f);
  const auto run = engine.run(
      testing::fill(script("replay_dump.gd"),
                    {{"PATH", engine.input_path("replay.vs", varstream)}, {"SEEKS", list}}));
  INFO(run.out);
  REQUIRE(run.exit_code == 0);
  REQUIRE(run.lines_starting("DONE").size() == 1);
  std::map<FrameIndex, std::vector<std::string>> seen;
  for (const auto& line : run.lines_starting("")) {
    const size_t bar = line.find('|');
    if (bar == std::string::npos || bar == 0 || !std::isdigit(line[0])) continue;
    seen[std::stoll(line.substr(0, bar))].push_back(line);
  }
  std::vector<FrameIndex> frames = seeks;
  frames.push_back(seeks.front() + 3);  // seek back to the first, step 3
  REQUIRE(seen.size() == std::set<FrameIndex>(frames.begin(), frames.end()).size());
  for (FrameIndex f : frames) {
    INFO("frame " << f);
    auto& lines = seen[f];
    std::sort(lines.begin(), lines.end());
    const auto expected = testing::expected_dump(db, f, engine.dialect());
    REQUIRE(!expected.empty());
    CHECK(lines == expected);
  }
}

void record_import_replay(int major) {
  TempDir dir;
  GodotEngine engine(major, dir);
  constexpr int kFrames = 90;
  const auto recorded =
      engine.run(testing::fill(script("record.gd"), {{"OUT", engine.output_path("moving.reelcap")},
                                                     {"FRAMES", std::to_string(kFrames)}}));
  INFO(recorded.out);
  REQUIRE(recorded.exit_code == 0);
  REQUIRE(recorded.lines_starting("RECORDED 90").size() == 1);

  const std::string db = dir.file("moving.reel");
  const auto imported =
      testing::run_reel(dir, "import " + engine.local_output("moving.reelcap") + " " + db);
  INFO(imported.err);
  REQUIRE(imported.exit_code == 0);
  auto replayer = Replayer::open(db, "moving");
  REQUIRE_OK(replayer);
  REQUIRE((*replayer)->frame_count() == kFrames);
  auto jumps = (*replayer)->events(0, kFrames - 1, "jump");
  REQUIRE_OK(jumps);
  CHECK(jumps->size() == 3);  // every 25 frames
  // Crates come (group members spawn) and go (freed: despawn).
  auto mid = (*replayer)->seek(45);
  REQUIRE_OK(mid);
  const auto at45 = (*mid)->entities;
  auto end = (*replayer)->seek(kFrames - 1);
  REQUIRE_OK(end);
  CHECK(at45.size() >= 4);
  bool some_despawned = false;
  for (const auto& [id, e] : at45) some_despawned |= !(*end)->entities.contains(id);
  CHECK(some_despawned);

  // The engine's capture cut in the middle of frame 60's record: frames 0..59 import.
  std::string bytes = testing::read_file(engine.local_output("moving.reelcap"));
  size_t at = 0;
  for (int record = 0; record < 1 + 60; ++record) {  // the header, then frames 0..59
    REQUIRE(at + 4 <= bytes.size());
    at += 4 + (static_cast<uint8_t>(bytes[at]) | static_cast<uint8_t>(bytes[at + 1]) << 8 |
               static_cast<uint8_t>(bytes[at + 2]) << 16);
  }
  std::ofstream(dir.file("cut.reelcap"), std::ios::binary) << bytes.substr(0, at + 10);
  const auto cut =
      testing::run_reel(dir, "import " + dir.file("cut.reelcap") + " " + dir.file("cut.reel"));
  CHECK(cut.exit_code == 2);
  CHECK(cut.err.find(fmt::format("byte {}: frame 60 truncated", at)) != std::string::npos);
  auto cut_replayer = Replayer::open(dir.file("cut.reel"), "moving");
  REQUIRE_OK(cut_replayer);
  CHECK((*cut_replayer)->frame_count() == 60);

  const std::string vs = dir.file("moving.vs");
  const auto exported = testing::run_reel(
      dir, fmt::format("export {} --format varstream --godot {} --reset-interval 16 --out {}", db,
                       major, vs));
  INFO(exported.err);
  REQUIRE(exported.exit_code == 0);
  check_replay(engine, db, vs, {50, 10, 89, 0, 33, 34, 70, 17});
}

TEST_CASE(
    "Godot 4: a scene recorded by ReelRecorder replays in ReelPlayer as recorded, at every seek",
    "[godot-e2e][godot4]") {
  record_import_replay(4);
}

TEST_CASE(
    "Godot 3: a scene recorded by ReelRecorder replays in ReelPlayer as recorded, at every seek",
    "[godot-e2e][godot3]") {
  record_import_replay(3);
}

void crowd_plays(int major) {
  TempDir dir;
  GodotEngine engine(major, dir);
  const std::string db = dir.file("crowd.reel");
  auto recorded = testing::run_reel(
      dir, "record --sample crowd --duration 3s --players 6 --props 24 --name crowd --out " + db);
  INFO(recorded.err);
  REQUIRE(recorded.exit_code == 0);
  const std::string vs = dir.file("crowd.vs");
  auto exported = testing::run_reel(
      dir, fmt::format("export {} --format varstream --godot {} --out {}", db, major, vs));
  INFO(exported.err);
  REQUIRE(exported.exit_code == 0);
  check_replay(engine, db, vs, {120, 5, 179, 61});
}

TEST_CASE("Godot 4: the crowd sample's varstream plays in ReelPlayer with its scenes",
          "[godot-e2e][godot4]") {
  crowd_plays(4);
}

TEST_CASE("Godot 3: the crowd sample's varstream plays in ReelPlayer with its scenes",
          "[godot-e2e][godot3]") {
  crowd_plays(3);
}

}  // namespace
}  // namespace reel
