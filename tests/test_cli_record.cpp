// `reel record` end to end, through the real binary.
#include <filesystem>
#include <string>

#include <catch2/catch.hpp>

#include "reel/samples/duration.h"
#include "test_util.h"

namespace {

using reel::testing::run_command;
using reel::testing::TempDir;

std::string reel_record(const std::string& args) {
  return std::string(REEL_BINARY) + " record " + args + " 2>&1";
}

}  // namespace

TEST_CASE("reel record writes a 5 s crowd session and summarises it", "[cli]") {
  TempDir dir;
  const std::string out = dir.file("movie.reel");
  const auto result =
      run_command(reel_record("--sample crowd --duration 5s --players 20 --props 50 --out " + out));
  INFO(result.out);
  REQUIRE(result.exit_code == 0);
  CHECK(std::filesystem::exists(out));
  CHECK(std::filesystem::file_size(out) > 1000);
  CHECK_THAT(result.out, Catch::Contains("recorded 300 frames"));
  CHECK_THAT(result.out, Catch::Contains("bytes/frame"));
  CHECK_THAT(result.out, Catch::Contains("x real time"));
}

TEST_CASE("reel record rejects a malformed duration with exit 2", "[cli]") {
  TempDir dir;
  for (const char* bad : {"0", "5x", "m", "1m2h", "0s"}) {
    const auto result =
        run_command(reel_record(std::string("--duration ") + bad + " --out " + dir.file("x.reel")));
    INFO(bad << ": " << result.out);
    CHECK(result.exit_code == 2);
    CHECK_THAT(result.out, Catch::Contains("duration"));
    CHECK(!std::filesystem::exists(dir.file("x.reel")));
  }
}

TEST_CASE("reel record rejects an unknown sample with exit 2", "[cli]") {
  TempDir dir;
  const auto result =
      run_command(reel_record("--sample marching_band --duration 1s --out " + dir.file("x.reel")));
  INFO(result.out);
  CHECK(result.exit_code == 2);
  CHECK_THAT(result.out, Catch::Contains("unknown sample 'marching_band'"));
}

TEST_CASE("reel record rejects bad recorder options with exit 2", "[cli]") {
  TempDir dir;
  const auto profile =
      run_command(reel_record("--profile cloud --duration 1s --out " + dir.file("x.reel")));
  INFO(profile.out);
  CHECK(profile.exit_code == 2);
  CHECK_THAT(profile.out, Catch::Contains("cloud"));
  const auto level =
      run_command(reel_record("--keyframe-interval 0 --duration 1s --out " + dir.file("x.reel")));
  INFO(level.out);
  CHECK(level.exit_code == 2);
  CHECK_THAT(level.out, Catch::Contains("keyframe"));
}

TEST_CASE("reel record reports an unwritable output path", "[cli]") {
  TempDir dir;
  const std::string out = dir.file("no/such/directory/movie.reel");
  const auto result = run_command(reel_record("--duration 1s --out " + out));
  INFO(result.out);
  CHECK((result.exit_code == 1 || result.exit_code == 2));
  CHECK_THAT(result.out, Catch::Contains("movie.reel"));
}

TEST_CASE("reel record requires --out", "[cli]") {
  const auto result = run_command(reel_record("--duration 1s"));
  CHECK(result.exit_code == 2);
  CHECK_THAT(result.out, Catch::Contains("--out"));
}

TEST_CASE("durations parse as h, m, s parts", "[samples]") {
  using reel::samples::parse_duration_seconds;
  CHECK(*parse_duration_seconds("90s") == 90);
  CHECK(*parse_duration_seconds("10m") == 600);
  CHECK(*parse_duration_seconds("1h") == 3600);
  CHECK(*parse_duration_seconds("2h30m") == 9000);
  CHECK(*parse_duration_seconds("1h0m5s") == 3605);
  CHECK(*parse_duration_seconds("1.5m") == 90);
  for (const char* bad : {"", "10", "s", "5x", "1m2h", "1h1h", "0s", "1.2.3s", "-5s", "99999h"}) {
    INFO(bad);
    const auto parsed = parse_duration_seconds(bad);
    REQUIRE(!parsed.ok());
    CHECK(parsed.status().code() == reel::StatusCode::kInvalidArgument);
    CHECK_THAT(parsed.status().message(), Catch::Contains("duration"));
  }
  CHECK(reel::samples::frames_in(600, 60) == 36000);
}

TEST_CASE("the reading commands open a database where --profile and --vfs say", "[cli][mvsqlite]") {
  // mvsqlite itself cannot run here: the mvsqlite profile on SQLite's unix VFS stands in, and an
  // unknown VFS shows that the option reaches SQLite.
  TempDir dir;
  const std::string out = dir.file("mv.reel");
  const auto recorded = run_command(reel_record(
      "--duration 2s --players 4 --props 8 --profile mvsqlite --vfs unix --name m --out " + out));
  INFO(recorded.out);
  REQUIRE(recorded.exit_code == 0);
  const std::string where = " --profile mvsqlite --vfs unix";
  const std::string reel = std::string(REEL_BINARY) + " ";
  for (const std::string& command :
       {"ls " + out, "info " + out + " m", "show " + out + " m --at 60", "verify " + out,
        "recover " + out + " m --out " + dir.file("state.bin"), "history " + out + " m --entity 1 --property transform"}) {
    const auto result = run_command(reel + command + where + " 2>&1");
    INFO(command << ": " << result.out);
    CHECK(result.exit_code == 0);
  }
  for (const std::string& command : {"ls " + out, "show " + out + " m --at 0", "verify " + out}) {
    const auto result = run_command(reel + command + " --profile mvsqlite --vfs nosuch 2>&1");
    INFO(command << ": " << result.out);
    CHECK(result.exit_code == 2);
    CHECK_THAT(result.out, Catch::Contains("no SQLite VFS named 'nosuch'"));
  }
  const auto bad_profile = run_command(reel + "ls " + out + " --profile cloud 2>&1");
  INFO(bad_profile.out);
  CHECK(bad_profile.exit_code == 2);
  CHECK_THAT(bad_profile.out, Catch::Contains("--profile"));
}
