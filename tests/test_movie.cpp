// Movies (README "Movies"): samples/godot/movie plays a recording in ReelPlayer one recorded frame
// per rendered frame, and scripts/render-movie turns the PNG frames into a video with ffmpeg.
// The Godot 4.6 web engine has no Movie Maker (--write-movie is a desktop feature), so the test
// renders the movie scene itself with WebGL 2 on SwiftShader and saves each frame as Movie Maker
// would name it; the pixels are read back here (decoded by ffmpeg) and the video checked by
// ffprobe.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <numeric>
#include <sstream>

#include <fmt/core.h>

#include "cli_session_fixture.h"
#include "godot4_runner.h"
#include "godot_addon_harness.h"
#include "reel/recorder/recorder.h"

namespace reel {
namespace {

namespace fs = std::filesystem;
using testing::run_command;
using testing::source_path;
using testing::TempDir;

constexpr int kWidth = 640, kHeight = 480;  // the web engine's viewport

// The player's x in each recorded frame: out of order on purpose, so the test sees the pixels
// follow the recording, not merely move one way.
const std::vector<float> kPlayerX = {-4.0f, -2.5f, -1.0f, 0.5f, 2.0f, 3.5f, -3.0f, 1.0f};

Transform3D at(float x, float y, float z) {
  Transform3D t;
  t.origin = {x, y, z};
  return t;
}

// One player (res://player.tscn: the sample's orange capsule) walking along x as kPlayerX says,
// and one prop (res://prop.tscn: a blue box) standing behind it.
void record_walk(const std::string& db) {
  auto rec = Recorder::open(db, SessionInfo{.name = "walk"});
  REQUIRE_OK(rec);
  for (size_t f = 0; f < kPlayerX.size(); ++f) {
    (*rec)->begin_frame(static_cast<int64_t>(f), static_cast<double>(f) / 60.0);
    if (f == 0) {
      (*rec)->spawn(1, "res://player.tscn");
      (*rec)->spawn(2, "res://prop.tscn");
      (*rec)->set(2, "transform", Variant(at(0, 0, -3)));
    }
    (*rec)->set(1, "transform", Variant(at(kPlayerX[f], 0, 0)));
    REQUIRE_STATUS_OK((*rec)->end_frame());
  }
  REQUIRE_STATUS_OK((*rec)->close());
}

// The x of the centroid of the capsule's orange pixels (unshaded albedo (1, 0.55, 0.1)) in an
// RGB24 image, or -1 when there are none.
double orange_centroid_x(const std::string& rgb) {
  double sum = 0;
  int64_t count = 0;
  for (int y = 0; y < kHeight; ++y) {
    for (int x = 0; x < kWidth; ++x) {
      const auto* p = reinterpret_cast<const uint8_t*>(rgb.data()) + 3 * (y * kWidth + x);
      if (p[0] > 200 && p[1] > 90 && p[1] < 200 && p[2] < 90) {
        sum += x;
        ++count;
      }
    }
  }
  return count > 20 ? sum / static_cast<double>(count) : -1;  // the capsule: ~100 pixels
}

std::string decode_rgb(const TempDir& dir, const std::string& png) {
  const std::string raw = dir.file("frame.rgb");
  const auto r = run_command(fmt::format(
      "ffmpeg -nostdin -loglevel error -y -i '{}' -f rawvideo -pix_fmt rgb24 '{}' 2>&1", png, raw));
  INFO(r.out);
  REQUIRE(r.exit_code == 0);
  std::string rgb = testing::read_file(raw);
  REQUIRE(rgb.size() == size_t{3} * kWidth * kHeight);
  return rgb;
}

std::string render_movie(const std::string& args) {
  return "bash " + source_path("scripts/render-movie") + " " + args + " 2>&1";
}

// ffprobe's key=value lines for the first video stream and the container.
std::map<std::string, std::string> probe(const std::string& video) {
  const auto r = run_command(fmt::format(
      "ffprobe -v error -count_frames -select_streams v:0 -show_entries "
      "stream=codec_name,pix_fmt,width,height,nb_read_frames:format=duration -of default=nw=1 "
      "'{}' 2>&1",
      video));
  INFO(r.out);
  REQUIRE(r.exit_code == 0);
  std::map<std::string, std::string> fields;
  std::istringstream in(r.out);
  for (std::string line; std::getline(in, line);) {
    const size_t eq = line.find('=');
    if (eq != std::string::npos) fields[line.substr(0, eq)] = line.substr(eq + 1);
  }
  return fields;
}

const char* kShootScript = R"GD(extends Node

# What Movie Maker does on a desktop, by hand: the movie scene steps one recorded frame per
# rendered frame; after each draw the frame is saved under Movie Maker's name pattern.
func _ready() -> void:
	var movie = load("res://movie/movie.tscn").instantiate()
	movie.varstream = "/data/walk.vs"
	movie.quit_at_end = false
	add_child(movie)
	var player = movie.get_node("ReelPlayer")
	if player.current_frame < 0:
		printerr("movie did not open: ", player.error)
		get_tree().quit(1)
		return
	for shot in range(@SHOTS@):
		await RenderingServer.frame_post_draw
		var image := get_viewport().get_texture().get_image()
		image.save_png("user://out/shot%08d.png" % shot)
		print("SHOT %d %d" % [shot, player.current_frame])
	get_tree().quit(0)
)GD";

TEST_CASE(
    "movie mode: the sample scene shows one recorded frame per rendered frame, its pixels move "
    "where the recording moves, and render-movie makes a video of them",
    "[movie][godot4]") {
  TempDir dir;
  const std::string db = dir.file("walk.reel");
  record_walk(db);
  const std::string vs = dir.file("walk.vs");
  const auto exported = testing::run_reel(dir, "export " + db + " --format varstream --out " + vs);
  INFO(exported.err);
  REQUIRE(exported.exit_code == 0);

  const int shots = static_cast<int>(kPlayerX.size());
  testing::Godot4Options options;
  options.render = true;
  options.dirs = {{"addons", source_path("samples/godot/addons")},
                  {"movie", source_path("samples/godot/movie")}};
  options.out_dir = dir.file("out");
  options.timeout_seconds = 90;
  const auto run =
      testing::run_godot4(dir, testing::fill(kShootScript, {{"SHOTS", std::to_string(shots)}}),
                          {{"walk.vs", vs}}, options);
  INFO(run.err);
  INFO(run.out);
  REQUIRE(run.exit_code == 0);

  // Rendered frame k shows recorded frame k: the scene advanced exactly once per draw.
  std::vector<std::string> expected_lines;
  for (int k = 0; k < shots; ++k) expected_lines.push_back(fmt::format("SHOT {} {}", k, k));
  CHECK(run.lines() == expected_lines);

  // The capsule's pixels are where the recording puts it: ordering the frames by the
  // centroid's x orders them as the recorded x does.
  std::vector<double> centroid;
  for (int k = 0; k < shots; ++k) {
    const double x =
        orange_centroid_x(decode_rgb(dir, dir.file(fmt::format("out/shot{:08}.png", k))));
    INFO("frame " << k);
    CHECK(x >= 0);
    centroid.push_back(x);
  }
  std::vector<int> by_recorded(shots), by_pixels(shots);
  std::iota(by_recorded.begin(), by_recorded.end(), 0);
  std::iota(by_pixels.begin(), by_pixels.end(), 0);
  std::sort(by_recorded.begin(), by_recorded.end(),
            [](int a, int b) { return kPlayerX[a] < kPlayerX[b]; });
  std::sort(by_pixels.begin(), by_pixels.end(),
            [&](int a, int b) { return centroid[a] < centroid[b]; });
  CHECK(by_pixels == by_recorded);
  // More than the order: the camera looks down -z from x = 0 and the player walks along x at a
  // fixed depth, so on screen x = 320 + k * recorded x (a perspective projection is linear there).
  // Fit k by least squares; every frame sits within 2 pixels of the line.
  double xx = 0, xc = 0;
  for (int k = 0; k < shots; ++k) {
    xx += kPlayerX[k] * kPlayerX[k];
    xc += kPlayerX[k] * (centroid[k] - kWidth / 2.0);
  }
  const double pixels_per_metre = xc / xx;
  CHECK(pixels_per_metre > 4);
  for (int k = 0; k < shots; ++k) {
    INFO("frame " << k << ": recorded x " << kPlayerX[k] << ", centroid " << centroid[k] << ", "
                  << pixels_per_metre << " pixels a metre");
    CHECK(centroid[k] == Approx(kWidth / 2.0 + pixels_per_metre * kPlayerX[k]).margin(2));
  }

  const std::string video = dir.file("walk.mp4");
  const auto rendered =
      run_command(render_movie("--fps 8 --out " + video + " " + dir.file("out/shot.png")));
  INFO(rendered.out);
  REQUIRE(rendered.exit_code == 0);
  const auto fields = probe(video);
  CHECK(fields.at("codec_name") == "h264");
  CHECK(fields.at("pix_fmt") == "yuv420p");
  CHECK(fields.at("width") == std::to_string(kWidth));
  CHECK(fields.at("height") == std::to_string(kHeight));
  CHECK(fields.at("nb_read_frames") == std::to_string(shots));
  CHECK(std::stod(fields.at("duration")) == Approx(1.0).margin(0.01));  // 8 frames at 8 fps
}

const char* kQuitScript = R"GD(extends Node

# Counts the frames drawn while the movie scene plays frames 2..5 with quit_at_end on, as under
# Movie Maker (which writes one image per drawn frame, the quitting iteration's included).
var drawn := 0

func _ready() -> void:
	var movie = load("res://movie/movie.tscn").instantiate()
	movie.varstream = "/data/walk.vs"
	movie.from_frame = 2
	movie.to_frame = 5
	add_child(movie)
	var player = movie.get_node("ReelPlayer")
	RenderingServer.frame_post_draw.connect(func():
		drawn += 1
		print("DRAWN %d %d" % [drawn, player.current_frame]))
)GD";

TEST_CASE(
    "movie mode: --from/--to frames are drawn once each and the scene quits with 0 after the "
    "last one, in the iteration that draws it",
    "[movie][godot4]") {
  TempDir dir;
  const std::string db = dir.file("walk.reel");
  record_walk(db);
  const std::string vs = dir.file("walk.vs");
  REQUIRE(testing::run_reel(dir, "export " + db + " --format varstream --out " + vs).exit_code ==
          0);
  testing::Godot4Options options;
  options.render = true;
  options.dirs = {{"addons", source_path("samples/godot/addons")},
                  {"movie", source_path("samples/godot/movie")}};
  options.timeout_seconds = 90;
  const auto run = testing::run_godot4(dir, kQuitScript, {{"walk.vs", vs}}, options);
  INFO(run.err);
  CHECK(run.exit_code == 0);  // the scene's own quit(0): the script never quits
  CHECK(run.lines() ==
        std::vector<std::string>{"DRAWN 1 2", "DRAWN 2 3", "DRAWN 3 4", "DRAWN 4 5"});
}

// Frames like Movie Maker's: PREFIX%08d.png from `first`, 64x48 (ffmpeg's test pattern).
void write_frames(const std::string& prefix, int first, int count) {
  const auto r = run_command(fmt::format(
      "ffmpeg -nostdin -loglevel error -f lavfi -i testsrc=size=64x48:rate=10 -frames:v {} "
      "-start_number {} '{}%08d.png' 2>&1",
      count, first, prefix));
  INFO(r.out);
  REQUIRE(r.exit_code == 0);
}

TEST_CASE("render-movie: VP9 at the asked frame rate, from frames numbered from any start",
          "[movie]") {
  TempDir dir;
  write_frames(dir.file("clip"), 3, 6);
  const auto r = run_command(render_movie("--codec vp9 --fps 30 " + dir.file("clip.png")));
  INFO(r.out);
  REQUIRE(r.exit_code == 0);
  CHECK(r.out.find("6 frames (3..8) at 30 fps, vp9") != std::string::npos);
  const auto fields = probe(dir.file("clip.webm"));
  CHECK(fields.at("codec_name") == "vp9");
  CHECK(fields.at("width") == "64");
  CHECK(fields.at("nb_read_frames") == "6");
  CHECK(std::stod(fields.at("duration")) == Approx(0.2).margin(0.01));
}

TEST_CASE(
    "render-movie: no frames, a gap, a damaged frame, no ffmpeg and bad options are named "
    "and exit non-zero, leaving no video",
    "[movie]") {
  TempDir dir;
  const std::string frames = dir.file("shot.png");
  const std::string video = dir.file("shot.mp4");
  std::string args = frames;
  std::string env;
  std::string message;
  int code = 2;
  SECTION("no frames") {
    message = "shot.png: no frames (expected " + dir.file("shot00000000.png");
  }
  SECTION("a gap in the numbering") {
    write_frames(dir.file("shot"), 0, 5);
    fs::remove(dir.file("shot00000003.png"));
    message = "shot00000003.png: missing (a gap in frames 0..4: 4 of 5 present)";
  }
  SECTION("a damaged frame: ffmpeg's last error line") {
    write_frames(dir.file("shot"), 0, 5);
    std::ofstream(dir.file("shot00000002.png"), std::ios::binary) << "not a png";
    message = "ffmpeg failed (exit 1): ";
    code = 1;
  }
  SECTION("ffmpeg missing") {
    write_frames(dir.file("shot"), 0, 2);
    env = "REEL_FFMPEG=/nonexistent/ffmpeg ";
    message = "/nonexistent/ffmpeg: not found: ffmpeg is not installed";
    code = 1;
  }
  SECTION("a frame rate that is not one") {
    write_frames(dir.file("shot"), 0, 2);
    args = "--fps 0 " + frames;
    message = "--fps '0' is not a frame rate";
  }
  SECTION("an unknown codec") {
    write_frames(dir.file("shot"), 0, 2);
    args = "--codec av1 " + frames;
    message = "--codec 'av1' is not h264 or vp9";
  }
  const auto r = run_command(env + render_movie(args));
  INFO(r.out);
  CHECK(r.exit_code == code);
  CHECK(r.out.find("render-movie: ") == 0);
  CHECK(r.out.find(message) != std::string::npos);
  CHECK_FALSE(fs::exists(video));
}

}  // namespace
}  // namespace reel
