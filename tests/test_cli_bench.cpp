// `reel bench record` end to end on a tiny session: every configuration runs in its own process
// and reports every figure. (What the figures are worth is the benchmark's business, not a test's.)
#include <algorithm>
#include <fstream>
#include <string>

#include <catch2/catch.hpp>

#include "test_util.h"

namespace {

using reel::testing::run_command;
using reel::testing::TempDir;

}  // namespace

TEST_CASE("reel bench record reports every configuration and figure as JSON", "[cli][bench]") {
  TempDir dir;
  const auto trace_dir = dir.path() / "trace";
  const auto result =
      run_command(std::string(REEL_BINARY) +
                  " bench record --frames 120 --paced 1 --players 4 --props 10"
                  " --json --dir " +
                  dir.path().string() + " --game-trace " + trace_dir.string() + " 2>/dev/null");
  INFO(result.out);
  REQUIRE(result.exit_code == 0);
  for (const char* name : {"reel_lossless", "reel_lossy", "rosbag2_style", "full_state"}) {
    CHECK_THAT(result.out,
               Catch::Contains(std::string("\"name\": \"") + name + "\", \"ok\": true"));
  }
  for (const char* field : {"\"game_floor_p99_us\"", "\"game_p50_us\"", "\"game_p99_us\"",
                            "\"burst_p99_us\"", "\"x_real_time\"", "\"peak_rss_kb\""}) {
    CHECK_THAT(result.out, Catch::Contains(field));
  }
  CHECK_THAT(result.out, Catch::Contains("game-thread p99 <= 20 us"));
  CHECK_THAT(result.out, Catch::Contains("lossy <= 1/12 of (b)"));

  // --game-trace: one line per paced frame (1 s at 60 Hz) for the floor and every configuration.
  for (const char* name :
       {"copy_floor", "reel_lossless", "reel_lossy", "rosbag2_style", "full_state"}) {
    std::ifstream trace(trace_dir / (std::string(name) + ".tsv"));
    REQUIRE(trace.good());
    std::string line;
    std::getline(trace, line);
    CHECK(line == "frame\tus\tminor_faults\tvoluntary_switches\tinvoluntary_switches");
    int lines = 0;
    while (std::getline(trace, line)) {
      // frame index, then four figures
      CHECK(line.rfind(std::to_string(lines) + "\t", 0) == 0);
      CHECK(std::count(line.begin(), line.end(), '\t') == 4);
      ++lines;
    }
    CHECK(lines == 60);
  }
}

TEST_CASE("reel bench record refuses a --game-trace directory it cannot create", "[cli][bench]") {
  TempDir dir;
  const auto file = dir.path() / "a-file";
  std::ofstream(file) << "not a directory";
  const auto result = run_command(std::string(REEL_BINARY) + " bench record --frames 60 " +
                                  "--game-trace " + (file / "trace").string() + " 2>&1");
  CHECK(result.exit_code == 2);
  CHECK_THAT(result.out, Catch::Contains("--game-trace: cannot create"));
}

TEST_CASE("reel bench recover reports recovery time per length and the loss window per interval",
          "[cli][bench][crash]") {
  TempDir dir;
  const auto result = run_command(std::string(REEL_BINARY) +
                                  " bench recover --lengths 2s,5s --repeats 2 --commit-intervals"
                                  " 0,50 --loss-repeats 1 --loss-seconds 0.2 --db " +
                                  dir.path().string() + " 2>&1");
  INFO(result.out);
  REQUIRE(result.exit_code == 0);
  CHECK_THAT(result.out, Catch::Contains("MEDIAN ms"));
  CHECK_THAT(result.out, Catch::Contains("     2s        120"));
  CHECK_THAT(result.out, Catch::Contains("     5s        300"));
  CHECK_THAT(result.out, Catch::Contains("loss window"));
  CHECK_THAT(result.out, Catch::Contains("sync"));
  CHECK_THAT(result.out, Catch::Contains("50 ms"));
}
