// The Godot 4 runner (tests/godot4): GDScript runs in the official Godot 4.6-stable web template
// in headless Chromium; its print() lines, exit code, preloaded inputs and written outputs come
// back intact. Expected bytes are literal hex from Godot 4.6 itself, not Reel's codec.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>

#include "godot4_runner.h"
#include "test_util.h"

namespace reel {
namespace {

using testing::Godot4Options;
using testing::run_godot4;
using testing::TempDir;

std::vector<uint8_t> read_bytes(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

TEST_CASE("the Godot 4 runner runs a script in Godot 4.6-stable and passes on what it prints",
          "[godot4]") {
  TempDir dir;
  const auto run = run_godot4(dir, R"GD(extends Node

func _ready() -> void:
	var version := Engine.get_version_info()
	print(version.major, ".", version.minor, "-", version.status)
	print(var_to_bytes(Vector4(1, 2, 3, 4)).hex_encode())
	get_tree().quit(0)
)GD");
  INFO(run.err);
  REQUIRE(run.exit_code == 0);
  CHECK(run.out == "4.6-stable\n0c0000000000803f000000400000404000008040\n");
}

TEST_CASE("the Godot 4 runner exits with the script's exit code and printerr goes to stderr",
          "[godot4]") {
  TempDir dir;
  const auto run = run_godot4(dir, R"GD(extends Node

func _ready() -> void:
	print("out")
	printerr("a message for stderr")
	get_tree().quit(7)
)GD");
  INFO(run.err);
  CHECK(run.exit_code == 7);
  CHECK(run.out == "out\n");
  CHECK(run.err.find("a message for stderr\n") != std::string::npos);
}

TEST_CASE("twenty thousand printed lines of 200 hex digits arrive intact and in order",
          "[godot4]") {
  TempDir dir;
  const auto run = run_godot4(dir, R"GD(extends Node

func _ready() -> void:
	for i in 20000:
		print(("%08x" % i).repeat(25))
	get_tree().quit(0)
)GD");
  INFO(run.err);
  REQUIRE(run.exit_code == 0);
  const auto lines = run.lines();
  REQUIRE(lines.size() == 20000);
  for (size_t i = 0; i < lines.size(); ++i) {
    char word[17];
    std::snprintf(word, sizeof word, "%08zx", i);
    std::string expected;
    for (int k = 0; k < 25; ++k) expected += word;
    if (lines[i] != expected) FAIL("line " << i << " is " << lines[i]);
  }
}

TEST_CASE("a file given to the runner is read by the script as /data/NAME, byte for byte",
          "[godot4]") {
  TempDir dir;
  std::vector<uint8_t> input(3 << 20);  // 3 MiB of noise
  std::mt19937 noise(42);
  for (auto& b : input) b = static_cast<uint8_t>(noise());
  {
    std::ofstream out(dir.file("input.bin"), std::ios::binary);
    out.write(reinterpret_cast<const char*>(input.data()),
              static_cast<std::streamsize>(input.size()));
  }
  Godot4Options opt;
  opt.out_dir = dir.file("out");
  const auto run = run_godot4(dir, R"GD(extends Node

func _ready() -> void:
	var bytes := FileAccess.get_file_as_bytes("/data/noise.bin")
	print(bytes.size())
	print(bytes.slice(0, 8).hex_encode())
	var copy := FileAccess.open("/out/copy.bin", FileAccess.WRITE)
	copy.store_buffer(bytes)
	copy.close()
	get_tree().quit(0)
)GD",
                              {{"noise.bin", dir.file("input.bin")}}, opt);
  INFO(run.err);
  REQUIRE(run.exit_code == 0);
  const std::vector<uint8_t> head(input.begin(), input.begin() + 8);
  CHECK(run.out == std::to_string(input.size()) + "\n" + testing::to_hex(head) + "\n");
  CHECK(read_bytes(dir.path() / "out" / "copy.bin") == input);
}

TEST_CASE("files a script writes under /out/ and user://out/ land in the out directory",
          "[godot4]") {
  TempDir dir;
  Godot4Options opt;
  opt.out_dir = dir.file("results");
  const auto run = run_godot4(dir, R"GD(extends Node

func _ready() -> void:
	var bytes := PackedByteArray()
	for i in 256:
		bytes.append(i)
	var f := FileAccess.open("/out/bytes.bin", FileAccess.WRITE)
	f.store_buffer(bytes)
	f.close()
	DirAccess.make_dir_recursive_absolute("user://out/notes")
	f = FileAccess.open("user://out/notes/hello.txt", FileAccess.WRITE)
	f.store_string("hello from user://\n")
	f.close()
	get_tree().quit(0)
)GD",
                              {}, opt);
  INFO(run.err);
  REQUIRE(run.exit_code == 0);
  std::vector<uint8_t> all(256);
  for (int i = 0; i < 256; ++i) all[i] = static_cast<uint8_t>(i);
  CHECK(read_bytes(dir.path() / "results" / "bytes.bin") == all);
  const auto note = read_bytes(dir.path() / "results" / "notes" / "hello.txt");
  CHECK(std::string(note.begin(), note.end()) == "hello from user://\n");
}

TEST_CASE("with --render, a script draws with WebGL 2 and reads the pixels back", "[godot4]") {
  TempDir dir;
  Godot4Options opt;
  opt.render = true;
  const auto run = run_godot4(dir, R"GD(extends Node

func _ready() -> void:
	var rect := ColorRect.new()
	rect.color = Color(1, 0, 0)
	rect.position = Vector2(10, 10)
	rect.size = Vector2(64, 64)
	add_child(rect)
	await RenderingServer.frame_post_draw
	var image := get_viewport().get_texture().get_image()
	print(image.get_size())
	print(image.get_pixel(40, 40).to_html(false), " ", image.get_pixel(200, 200).to_html(false))
	get_tree().quit(0)
)GD",
                              {}, opt);
  INFO(run.err);
  REQUIRE(run.exit_code == 0);
  // The red square, then the default clear colour (0.3, 0.3, 0.3).
  CHECK(run.out == "(640, 480)\nff0000 4d4d4d\n");
}

TEST_CASE("a run that goes wrong ends with exit 3 and a godot4-runner message", "[godot4]") {
  TempDir dir;
  Godot4Options opt;
  std::string script;
  std::string message;
  SECTION("a script that does not parse") {
    script = "extends Node\n\nfunc _ready() -> void:\n\tvar x =\n";
    message = "godot4-runner: res://test.gd did not load";
  }
  SECTION("a script that never quits, at the time-out") {
    script = "extends Node\n\nfunc _ready() -> void:\n\tprint(\"waiting\")\n";
    opt.timeout_seconds = 3;
    message = "godot4-runner: timed out after 3 s";
  }
  SECTION("the engine aborting") {
    script = "extends Node\n\nfunc _ready() -> void:\n\tOS.crash(\"on purpose\")\n";
    message = "godot4-runner: the engine failed";
  }
  const auto run = run_godot4(dir, script, {}, opt);
  INFO(run.err);
  CHECK(run.exit_code == 3);
  CHECK(run.err.find(message) != std::string::npos);
}

}  // namespace
}  // namespace reel
