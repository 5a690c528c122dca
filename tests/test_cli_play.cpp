// `reel play`: the store_var record stream (tools/cli/PLAY.md) decodes back to the recorded session,
// in both Godot dialects, paced by --rate, looping with --loop; and a real Godot 3 reads it with
// File.get_var().
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>

#include "cli_session_fixture.h"
#include "reel/variant/godot3_convert.h"
#include "reel/variant/variant_binary.h"
#include "reel/variant/variant_text.h"
#include "reel/replay/replayer.h"
#include "store_var_stream.h"

namespace reel {
namespace {

using testing::run_reel;
using testing::TempDir;

using testing::array_field;
using testing::ConsumerWorld;
using testing::decode_stream;
using testing::field;
using testing::int_field;
using testing::read_bytes;
using testing::require_same_as_replayer;

using Fixture = testing::SessionFixture;

TEST_CASE("reel play writes one store_var record per frame that rebuilds the session",
          "[cli][play]") {
  Fixture f;
  const std::string out = f.dir.file("frames.bin");
  auto r = run_reel(f.dir, "play " + f.db + " --rate 0 --out " + out);
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  REQUIRE(r.out.empty());
  auto records = decode_stream(read_bytes(out), GodotDialect::kGodot4);
  REQUIRE(records.size() == testing::kFixtureFrames);
  ConsumerWorld world;
  for (size_t i = 0; i < records.size(); ++i) {
    const Dictionary& rec = records[i];
    REQUIRE(int_field(rec, "frame") == static_cast<int64_t>(i));
    REQUIRE(int_field(rec, "tick") == static_cast<int64_t>(i));
    REQUIRE(field(rec, "time").get<double>() == i / 60.0);
    REQUIRE(field(rec, "reset").get<bool>() == (i == 0));
    world.apply(rec);
    if (i == 120) require_same_as_replayer(world, f.db, 120);
  }
  require_same_as_replayer(world, f.db, testing::kFixtureFrames - 1);
  REQUIRE(to_text(field(records[30], "events")) == "[[\"jump\", 1, []]]");
  REQUIRE(to_text(field(records[120], "events")) == "[[\"score\", -1, [10]]]");
  REQUIRE(to_text(field(records[150], "despawns")) == "[2]");
  REQUIRE(to_text(field(records[100], "spawns")) == "[[3, \"Pickup\"]]");

  SECTION("stdout carries the same bytes as --out") {
    auto piped = run_reel(f.dir, "play " + f.db + " match-1 --rate 0");
    REQUIRE(piped.exit_code == 0);
    auto file_bytes = read_bytes(out);
    REQUIRE(piped.out == std::string(file_bytes.begin(), file_bytes.end()));
  }
}

TEST_CASE("reel play --entity streams only the entities named, one record per frame",
          "[cli][play][filters]") {
  Fixture f;
  const std::string out = f.dir.file("enemy.bin");
  auto r =
      run_reel(f.dir, "play " + f.db + " --entity 2 --entity 3 --rate 0 --from 90 --out " + out);
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  auto records = decode_stream(read_bytes(out), GodotDialect::kGodot4);
  REQUIRE(records.size() == testing::kFixtureFrames - 90);
  // The reset record holds entity 2 only (3 spawns at 100), no jump of entity 1 at frame 90.
  REQUIRE(to_text(field(records[0], "spawns")) == "[[2, \"Enemy\"]]");
  REQUIRE(to_text(field(records[0], "events")) == "[]");
  ConsumerWorld world;
  for (const auto& rec : records) {
    world.apply(rec);
    for (const auto& c : array_field(rec, "changes")) {
      REQUIRE(c.get<Array>().items[0].get<int64_t>() != 1);
    }
    REQUIRE(to_text(field(rec, "events")) == "[]");  // jumps are entity 1's, score is no one's
  }
  REQUIRE(world.classes == std::map<EntityId, std::string>{{3, "Pickup"}});
  REQUIRE(to_text(field(records[150 - 90], "despawns")) == "[2]");

  auto unknown = run_reel(f.dir, "play " + f.db + " --entity 7 --rate 0 --out " + out);
  REQUIRE(unknown.exit_code == 2);
  REQUIRE(unknown.err.find("--entity 7: session 'match-1' has no entity 7") != std::string::npos);
}

TEST_CASE("reel play --from starts with a reset record holding the full state", "[cli][play]") {
  Fixture f;
  const std::string out = f.dir.file("frames.bin");
  auto r = run_reel(f.dir, "play " + f.db + " --from 100 --to 3s --rate 0 --out " + out);
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  auto records = decode_stream(read_bytes(out), GodotDialect::kGodot4);
  REQUIRE(records.size() == 81);  // frames 100..180
  REQUIRE(int_field(records.front(), "frame") == 100);
  REQUIRE(int_field(records.back(), "frame") == 180);
  REQUIRE(field(records.front(), "reset").get<bool>());
  REQUIRE(to_text(field(records.front(), "spawns")) ==
          "[[1, \"Player\"], [2, \"Enemy\"], [3, \"Pickup\"]]");
  ConsumerWorld world;
  world.apply(records.front());
  require_same_as_replayer(world, f.db, 100);
  for (size_t i = 1; i < records.size(); ++i) world.apply(records[i]);
  require_same_as_replayer(world, f.db, 180);
}

TEST_CASE("reel play --godot 3 speaks the Godot 3 dialect", "[cli][play]") {
  Fixture f;
  const std::string out3 = f.dir.file("frames3.bin"), out4 = f.dir.file("frames4.bin");
  REQUIRE(run_reel(f.dir, "play " + f.db + " --rate 0 --godot 3 --out " + out3).exit_code == 0);
  REQUIRE(run_reel(f.dir, "play " + f.db + " --rate 0 --out " + out4).exit_code == 0);
  auto bytes3 = read_bytes(out3);
  REQUIRE(bytes3 != read_bytes(out4));  // Vector3 has another type id in Godot 3
  auto records = decode_stream(bytes3, GodotDialect::kGodot3);
  REQUIRE(records.size() == testing::kFixtureFrames);
  ConsumerWorld world;
  for (const auto& rec : records) world.apply(rec);
  require_same_as_replayer(world, f.db, testing::kFixtureFrames - 1);
}

TEST_CASE("reel play --godot 3 converts what Godot 3 lacks instead of failing", "[cli][play]") {
  // The crowd sample records StringName values (animation states), which Godot 3 has not.
  testing::TempDir dir;
  const std::string db = dir.file("crowd.reel"), out3 = dir.file("crowd3.bin"),
                    out4 = dir.file("crowd4.bin");
  REQUIRE(run_reel(dir, "record --sample crowd --duration 1s --out " + db).exit_code == 0);
  REQUIRE(run_reel(dir, "play " + db + " --rate 0 --to 10 --godot 3 --out " + out3).exit_code == 0);
  REQUIRE(run_reel(dir, "play " + db + " --rate 0 --to 10 --out " + out4).exit_code == 0);
  const auto records3 = decode_stream(read_bytes(out3), GodotDialect::kGodot3);
  const auto records4 = decode_stream(read_bytes(out4), GodotDialect::kGodot4);
  REQUIRE(records3.size() == 11);
  REQUIRE(records4.size() == 11);
  bool saw_string_name = false;
  for (size_t i = 0; i < records3.size(); ++i) {
    CHECK(Variant(records3[i]) == to_godot3(Variant(records4[i])));
    saw_string_name = saw_string_name || !(Variant(records3[i]) == Variant(records4[i]));
  }
  CHECK(saw_string_name);
}

TEST_CASE("reel play paces frames at --rate times real time", "[cli][play]") {
  Fixture f;
  // Frames 0..60 span 1 s of session time: 0.5 s at --rate 2.
  auto start = std::chrono::steady_clock::now();
  auto r = run_reel(f.dir, "play " + f.db + " --to 60 --rate 2 --out " + f.dir.file("a.bin"));
  std::chrono::duration<double> took = std::chrono::steady_clock::now() - start;
  REQUIRE(r.exit_code == 0);
  REQUIRE(took.count() >= 0.5);
  REQUIRE(took.count() < 5.0);
}

TEST_CASE("reel play --loop starts again with a reset record", "[cli][play]") {
  Fixture f;
  const std::string out = f.dir.file("loop.bin");
  // The consumer stops reading after 20000 bytes; play dies of SIGPIPE, as a stream source may.
  auto r = testing::run_command(std::string(REEL_BINARY) + " play " + f.db +
                                " --to 9 --rate 0 --loop | head -c 20000 > " + out);
  REQUIRE(r.exit_code == 0);
  auto records = decode_stream(read_bytes(out), GodotDialect::kGodot4, /*allow_partial_tail=*/true);
  REQUIRE(records.size() > 20);
  for (size_t i = 0; i < records.size(); ++i) {
    REQUIRE(int_field(records[i], "frame") == static_cast<int64_t>(i % 10));
    REQUIRE(field(records[i], "reset").get<bool>() == (i % 10 == 0));
  }
}

TEST_CASE("reel play rejects bad options with exit code 2", "[cli][play]") {
  Fixture f;
  auto negative = run_reel(f.dir, "play " + f.db + " --rate -1");
  REQUIRE(negative.exit_code == 2);
  REQUIRE(negative.err.find("--rate must be >= 0") != std::string::npos);
  auto godot5 = run_reel(f.dir, "play " + f.db + " --godot 5");
  REQUIRE(godot5.exit_code == 2);
  REQUIRE(godot5.err.find("--godot") != std::string::npos);
  auto bad_out = run_reel(f.dir, "play " + f.db + " --rate 0 --out " + f.dir.file("no/such/dir"));
  REQUIRE(bad_out.exit_code == 2);
  REQUIRE(bad_out.err.find("no/such/dir: cannot create it") != std::string::npos);
  auto bad_to = run_reel(f.dir, "play " + f.db + " --rate 0 --to 1000");
  REQUIRE(bad_to.exit_code == 2);
  REQUIRE(bad_to.err.find("--to: frame 1000 is out of range") != std::string::npos);
}

TEST_CASE("reel play refuses to write binary to a terminal", "[cli][play]") {
  Fixture f;
  // python3's pty module runs the command with a terminal on stdout and stderr, and copies what
  // the command writes there to our stdout.
  const std::string on_terminal =
      "python3 -c 'import pty, sys; sys.exit(pty.spawn(sys.argv[1:]) >> 8)' " +
      std::string(REEL_BINARY) + " play " + f.db + " --rate 0";
  auto refused = testing::run_command(on_terminal + " </dev/null");
  INFO(refused.out);
  REQUIRE(refused.exit_code == 2);
  REQUIRE(refused.out ==
          "reel play: refusing to write binary to a terminal; use --out FILE or redirect\r\n");
  auto to_file =
      testing::run_command(on_terminal + " --out " + f.dir.file("frames.bin") + " </dev/null");
  REQUIRE(to_file.exit_code == 0);
  REQUIRE(to_file.out.empty());
  REQUIRE(!read_bytes(f.dir.file("frames.bin")).empty());
}

// A GDScript that reads the stream with File.get_var() and prints one line per record.
constexpr const char* kGodot3Consumer = R"gd(extends SceneTree

func _init():
	var f = File.new()
	var err = f.open(OS.get_environment("REEL_PLAY_FILE"), File.READ)
	if err != OK:
		print("open failed ", err)
		quit()
		return
	while f.get_position() < f.get_len():
		var d = f.get_var()
		print("record frame=", d["frame"], " spawns=", d["spawns"].size(), " changes=", d["changes"].size(), " events=", d["events"].size(), " reset=", d["reset"])
	f.close()
	quit()
)gd";

TEST_CASE("Godot 3 reads the --godot 3 stream with File.get_var()", "[cli][play][godot3]") {
  Fixture f;
  const std::string out = f.dir.file("frames3.bin");
  REQUIRE(run_reel(f.dir, "play " + f.db + " --rate 0 --godot 3 --out " + out).exit_code == 0);
  const std::string script = f.dir.file("consumer.gd");
  std::ofstream(script) << kGodot3Consumer;
  const std::string home = f.dir.file("home");
  std::filesystem::create_directories(home);
  auto godot = testing::run_command("cd " + f.dir.path().string() + " && HOME=" + home +
                                    " LANG=C.UTF-8 REEL_PLAY_FILE=" + out +
                                    " godot3-server --no-window -s " + script + " 2>/dev/null");
  REQUIRE(godot.exit_code == 0);

  std::string expected;
  for (const auto& rec : decode_stream(read_bytes(out), GodotDialect::kGodot3)) {
    expected += fmt::format("record frame={} spawns={} changes={} events={} reset={}\n",
                            int_field(rec, "frame"), array_field(rec, "spawns").size(),
                            array_field(rec, "changes").size(), array_field(rec, "events").size(),
                            field(rec, "reset").get<bool>() ? "True" : "False");
  }
  std::string seen;
  std::istringstream lines(godot.out);
  for (std::string line; std::getline(lines, line);) {
    if (line.starts_with("record ")) seen += line + "\n";
  }
  REQUIRE(testing::count_lines(seen) == testing::kFixtureFrames);
  REQUIRE(seen == expected);
}

}  // namespace
}  // namespace reel
