// Tags (`reel tag`) in the exports: a record per tag in jsonl, Animation markers in anim (read
// back by a real Godot 4.6; Godot 3 has none), the header's `tags` in varstream.
#include <fstream>
#include <sstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli_session_fixture.h"
#include "godot4_runner.h"
#include "reel/variant/variant_binary.h"
#include "reel/variant/variant_text.h"
#include "test_util.h"

namespace reel {
namespace {

using testing::kFixtureFrames;
using testing::run_reel;
using testing::TempDir;

// The fixture (frame i at time i/60) tagged "start" at 0, "goal" at 30 and "late" at 210.
struct TaggedFixture {
  TempDir dir;
  std::string db = dir.file("match.reel");
  TaggedFixture() {
    testing::record_fixture_session(db);
    for (auto [frame, name] : {std::pair{30, "goal"}, {0, "start"}, {210, "late"}}) {
      auto run = run_reel(dir, fmt::format("tag {} match-1 {} --at {}", db, name, frame));
      INFO(run.err);
      REQUIRE(run.exit_code == 0);
    }
  }
};

TEST_CASE("jsonl export writes a record per tag on the line of its frame", "[export][tags]") {
  TaggedFixture f;
  auto run = run_reel(f.dir, "export " + f.db + " --format jsonl --from 10 --to 250 --out -");
  INFO(run.err);
  REQUIRE(run.exit_code == 0);
  std::istringstream lines(run.out);
  std::string line;
  std::map<int64_t, nlohmann::json> tagged;
  int count = 0;
  while (std::getline(lines, line)) {
    auto j = nlohmann::json::parse(line);
    ++count;
    if (j.contains("tags")) tagged[j["frame"]] = j["tags"];
  }
  CHECK(count == 241);
  REQUIRE(tagged.size() == 2);  // "start" (frame 0) is outside the range
  CHECK(tagged[30] == nlohmann::json::parse(R"([{"name":"goal"}])"));
  CHECK(tagged[210] == nlohmann::json::parse(R"([{"name":"late"}])"));
}

TEST_CASE("varstream export lists the range's tags in its header", "[export][tags]") {
  TaggedFixture f;
  const std::string out = f.dir.file("match.vs");
  auto run =
      run_reel(f.dir, "export " + f.db + " --format varstream --from 0 --to 100 --out " + out);
  INFO(run.err);
  REQUIRE(run.exit_code == 0);
  const std::string bytes = testing::read_text_file(out);
  const auto* data = reinterpret_cast<const uint8_t*>(bytes.data());
  const uint32_t n = data[0] | data[1] << 8 | data[2] << 16 | uint32_t{data[3]} << 24;
  auto header = decode_variant(std::span(data + 4, n));
  REQUIRE_OK(header);
  const Dictionary& d = header->value.get<Dictionary>();
  CHECK(d.find(Variant("reel_varstream"))->get<int64_t>() == 1);
  const Variant* tags = d.find(Variant("tags"));
  REQUIRE(tags != nullptr);
  CHECK(to_text(*tags) == R"([[0, "start"], [30, "goal"]])");
}

constexpr const char* kMarkerScript = R"gd(extends Node
func _ready():
	var lib = load("res://export/match.tres")
	var anim = lib.get_animation(lib.get_animation_list()[0])
	for name in anim.get_marker_names():
		print("MARKER|%s|%s" % [name, anim.get_marker_time(name)])
	get_tree().quit(0)
)gd";

TEST_CASE("anim export writes tags as Animation markers that Godot 4.6 reads",
          "[export][tags][godot4]") {
  TaggedFixture f;
  const std::string out = f.dir.file("res/match.tres");
  std::filesystem::create_directories(f.dir.file("res"));
  auto run = run_reel(f.dir, "export " + f.db + " --format anim --from 15 --out " + out);
  INFO(run.err);
  REQUIRE(run.exit_code == 0);
  // Times count from the clip's first frame (15): goal at 15/60 s, late at 195/60 s.
  CHECK_THAT(testing::read_text_file(out),
             Catch::Contains(R"(markers = [{"name": &"goal", "time": 0.25}, {"name": &"late", )"
                             R"("time": 3.25}])"));
  testing::Godot4Options options;
  options.dirs.push_back({"export", f.dir.file("res")});
  const auto godot = testing::run_godot4(f.dir, kMarkerScript, {}, options);
  INFO(godot.err);
  REQUIRE(godot.exit_code == 0);
  CHECK_THAT(godot.out, Catch::Contains("MARKER|goal|0.25"));
  CHECK_THAT(godot.out, Catch::Contains("MARKER|late|3.25"));
}

TEST_CASE("anim export for Godot 3 says its tags cannot be markers", "[export][tags]") {
  TaggedFixture f;
  auto run = run_reel(
      f.dir, "export " + f.db + " --format anim --godot 3 --out " + f.dir.file("match3.tres"));
  INFO(run.err);
  REQUIRE(run.exit_code == 0);
  CHECK_THAT(run.err, Catch::Contains("Godot 3 animations have no markers: the 3 tag(s)"));
  CHECK_THAT(testing::read_text_file(f.dir.file("match3.tres")), !Catch::Contains("markers"));
}

}  // namespace
}  // namespace reel
