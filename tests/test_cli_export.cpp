// `reel export`: the jsonl lines rebuild the recorded session; the anim .tres text has the
// documented layout (tracks, update modes, node paths from the map, split clips); bad options
// and files fail with one clear line. The engines' view of the .tres: test_export_engines.cpp.
#include <fstream>
#include <map>
#include <sstream>

#include <nlohmann/json.hpp>

#include "cli_session_fixture.h"
#include "reel/replay/replayer.h"

namespace reel {
namespace {

using nlohmann::json;
using testing::SessionFixture;

std::vector<json> read_jsonl(const std::string& text) {
  std::vector<json> lines;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) lines.push_back(json::parse(line));
  return lines;
}

// What a consumer builds from the lines: (entity, property) -> value, and entity -> class.
struct JsonWorld {
  std::map<int64_t, std::string> classes;
  std::map<std::pair<int64_t, std::string>, json> values;
  void apply(const json& line) {
    for (const auto& s : line["spawns"]) classes[s["entity"]] = s["class"];
    for (const auto& c : line["changes"]) values[{c["entity"], c["property"]}] = c["value"];
    for (const auto& d : line["despawns"]) {
      classes.erase(d.get<int64_t>());
      std::erase_if(values, [&](const auto& kv) { return kv.first.first == d.get<int64_t>(); });
    }
  }
};

TEST_CASE("jsonl export: one object per frame that rebuilds the recorded state", "[cli][export]") {
  SessionFixture f;
  const std::string out = f.dir.file("m.jsonl");
  const auto run = f.reel("export " + f.db + " --format jsonl --out " + out);
  INFO(run.err);
  REQUIRE(run.exit_code == 0);
  CHECK(run.err.empty());
  const auto lines = read_jsonl(testing::read_text_file(out));
  REQUIRE(lines.size() == testing::kFixtureFrames);
  CHECK(lines[0]["full_state"] == true);
  CHECK_FALSE(lines[1].contains("full_state"));
  JsonWorld world;
  for (int i = 0; i < testing::kFixtureFrames; ++i) {
    const json& line = lines[i];
    REQUIRE(line["frame"] == i);
    CHECK(line["tick"] == i);
    CHECK(line["time"].get<double>() == Approx(i / 60.0));
    world.apply(line);
    // Math types carry plain numbers; ints are JSON ints.
    const json position = {{"type", "Vector3"}, {"value", {i * 0.5, 1.0, -i}}};
    CHECK(world.values.at({1, "position"}) == position);
    CHECK(world.values.at({1, "health"}) == 100 - i / 50);
    CHECK(world.classes.contains(2) == (i < 150));
    if (i >= 100) CHECK(world.values.at({3, "kind"}) == "coin");
  }
  CHECK(lines[150]["despawns"] == json::array({2}));
  CHECK(lines[30]["events"] == json::parse(R"([{"name": "jump", "entity": 1, "args": []}])"));
  CHECK(lines[120]["events"] == json::parse(R"([{"name": "score", "entity": -1, "args": [10]}])"));
}

TEST_CASE("jsonl export selects frames, entities and properties, and writes to stdout",
          "[cli][export]") {
  SessionFixture f;
  const auto run = f.reel("export " + f.db +
                          " --format jsonl --from 100 --to 2s --entity 1 --entity 3 "
                          "--property position --property kind --out -");
  INFO(run.err);
  REQUIRE(run.exit_code == 0);
  const auto lines = read_jsonl(run.out);
  REQUIRE(lines.size() == 21);  // frames 100..120
  // The first line is the whole state at --from, of the chosen entities and properties only.
  CHECK(lines[0]["frame"] == 100);
  CHECK(lines[0]["spawns"] == json::parse(R"([{"entity": 1, "class": "Player"},
                                              {"entity": 3, "class": "Pickup"}])"));
  CHECK(lines[0]["changes"].size() == 2);
  for (const auto& line : lines) {
    for (const auto& c : line["changes"]) {
      CHECK(c["entity"] != 2);
      CHECK(c["property"] != "health");
    }
  }
  // An event of no entity stays with --entity.
  CHECK(lines[20]["events"].size() == 1);
}

TEST_CASE("anim export writes an AnimationLibrary of value tracks with node paths from the map",
          "[cli][export]") {
  SessionFixture f;
  std::ofstream(f.dir.file("nodes.map")) << "# the hero\n1 = Hero\nEnemy = Enemies/e_{id}\n"
                                            "Pickup = -\n";
  const std::string out = f.dir.file("m.tres");
  const auto run = f.reel("export " + f.db + " --format anim --map " + f.dir.file("nodes.map") +
                          " --out " + out);
  INFO(run.err);
  REQUIRE(run.exit_code == 0);
  const std::string text = testing::read_text_file(out);
  INFO(text.substr(0, 1500));
  CHECK(text.rfind("[gd_resource type=\"AnimationLibrary\" format=3]", 0) == 0);
  CHECK(text.find("[sub_resource type=\"Animation\" id=\"Animation_1\"]") != std::string::npos);
  CHECK(text.find("resource_name = \"match-1\"") != std::string::npos);
  CHECK(text.find("&\"match-1\": SubResource(\"Animation_1\")") != std::string::npos);
  CHECK(text.find("tracks/0/path = NodePath(\"Hero:position\")") != std::string::npos);
  CHECK(text.find("NodePath(\"Hero:health\")") != std::string::npos);
  CHECK(text.find("NodePath(\"Enemies/e_2:position\")") != std::string::npos);
  CHECK(text.find("kind") == std::string::npos);  // Pickup = -
  // health is an int: discrete, keys only where it changes (every 50 frames), each change after
  // a hold key on the frame before it (frame 49 still holds 100, frame 50 has 99).
  const size_t health = text.find("NodePath(\"Hero:health\")");
  const size_t keys = text.find("\"times\": PackedFloat32Array(", health);
  CHECK(text.substr(keys, text.find(')', keys) - keys + 1) ==
        "\"times\": PackedFloat32Array(0, 0.81666666, 0.8333333, 1.65, 1.6666666, 2.4833333, 2.5, "
        "3.3166666, 3.3333333, 4.15, 4.1666665)");
  CHECK(text.find("\"update\": 1,\n\"values\": [100, 100, 99, 99, 98, 98, 97, 97, 96, 96, 95]") !=
        std::string::npos);
  // position is a Vector3: continuous.
  CHECK(text.find("\"update\": 0,\n\"values\": [Vector3(0, 1, 0), Vector3(0.5, 1, -1)") !=
        std::string::npos);
}

TEST_CASE("anim export for Godot 3 writes an Animation resource in Godot 3 spelling",
          "[cli][export]") {
  SessionFixture f;
  const std::string out = f.dir.file("m3.tres");
  const auto run = f.reel("export " + f.db + " --format anim --godot 3 --out " + out);
  INFO(run.err);
  REQUIRE(run.exit_code == 0);
  const std::string text = testing::read_text_file(out);
  CHECK(text.rfind("[gd_resource type=\"Animation\" format=2]\n\n[resource]\n", 0) == 0);
  CHECK(text.find("PoolRealArray(") != std::string::npos);
  CHECK(text.find("Packed") == std::string::npos);
}

TEST_CASE("anim export splits a range longer than --split into several animations and says so",
          "[cli][export]") {
  SessionFixture f;
  const std::string out = f.dir.file("m.tres");
  const auto run = f.reel("export " + f.db + " --format anim --split 2s --out " + out);
  REQUIRE(run.exit_code == 0);
  CHECK(run.err.find("in 3 animations: match-1_1 (frames 0..120), match-1_2 (frames 121..241), "
                     "match-1_3 (frames 242..299)") != std::string::npos);
  const std::string text = testing::read_text_file(out);
  CHECK(text.find("&\"match-1_3\": SubResource(\"Animation_3\")") != std::string::npos);
  // Each clip starts with the whole state at its first frame, at time 0.
  const size_t clip2 = text.find("id=\"Animation_2\"");
  CHECK(text.find("Vector3(60.5, 1, -121)", clip2) != std::string::npos);

  // Godot 3: one file per animation.
  const auto run3 = f.reel("export " + f.db + " --format anim --godot 3 --split 2s --out " + out);
  REQUIRE(run3.exit_code == 0);
  CHECK(run3.err.find(f.dir.file("m_3.tres")) != std::string::npos);
  CHECK(testing::read_text_file(f.dir.file("m_2.tres")).find("resource_name = \"match-1_2\"") !=
        std::string::npos);
}

TEST_CASE("anim export with transform keys spilled to a temporary file writes the same bytes",
          "[cli][export]") {
  testing::TempDir dir;
  const std::string db = dir.file("crowd.reel");
  REQUIRE(testing::run_reel(dir,
                            "record --sample crowd --duration 1s --players 4 --props 6 --out " + db)
              .exit_code == 0);
  for (const std::string godot : {"4", "3"}) {
    INFO("--godot " << godot);
    const std::string a = dir.file("held.tres"), b = dir.file("spilled.tres");
    REQUIRE(
        testing::run_reel(dir, "export " + db + " --format anim --godot " + godot + " --out " + a)
            .exit_code == 0);
    // --memory 0: every frame's transform keys go to the temporary file.
    REQUIRE(testing::run_reel(
                dir, "export " + db + " --format anim --memory 0 --godot " + godot + " --out " + b)
                .exit_code == 0);
    const std::string held = testing::read_text_file(a);
    CHECK(held.size() > 50000);  // 60 frames of 4 players' head and hands and 6 props
    CHECK(held == testing::read_text_file(b));
  }
}

TEST_CASE("reel export rejects bad options and map files with one line naming them",
          "[cli][export]") {
  SessionFixture f;
  const std::string out = " --out " + f.dir.file("x.out");
  const auto expect = [&](const std::string& args, const std::string& message) {
    const auto run = f.reel("export " + f.db + " " + args);
    INFO(args << " -> " << run.err);
    CHECK(run.exit_code == 2);
    CHECK(run.err.find(message) != std::string::npos);
    CHECK(testing::count_lines(run.err) == 1);
  };
  expect("--format gif" + out, "reel export: --format gif: unknown format (formats: anim, jsonl, varstream)");
  expect("--format jsonl --map x.map" + out, "--map applies to --format anim only (not jsonl)");
  expect("--format anim --out -", "--out -: format anim writes files; give a path");
  expect("--format jsonl --entity 99" + out, "--entity 99: session 'match-1' has no entity 99");
  expect("--format jsonl --property speed" + out,
         "--property speed: session 'match-1' has no "
         "property 'speed'");
  expect("--format anim --split 0s" + out, "--split 0s: give a duration");
  expect("--format jsonl --from 400" + out, "--from: frame 400 is out of range");
  expect("--format anim --map " + f.dir.file("none.map") + out, "none.map: no such file");
  std::ofstream(f.dir.file("bad.map")) << "1 = Hero\n\nres://p.tscn Players/p\n";
  expect("--format anim --map " + f.dir.file("bad.map") + out, "bad.map: line 3: no '='");
  std::ofstream(f.dir.file("colon.map")) << "* = A:b\n";
  expect("--format anim --map " + f.dir.file("colon.map") + out,
         "colon.map: line 1: a node path pattern has no ':'");
  expect("--format jsonl --out " + f.dir.file("no/such/dir.jsonl"),
         "cannot create it: no such directory");
}

}  // namespace
}  // namespace reel
