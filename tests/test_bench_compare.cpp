// `reel bench compare` end to end on a tiny workload: every row runs, reports positive sizes and
// every figure; the MCAP file is valid (read back by @mcap/core through its index, every message
// there); the scaling runs and the plots come out. No timing is asserted: the figures are the
// benchmark's business.
#include <fstream>
#include <set>
#include <string>
#include <unordered_set>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "reel/samples/crowd.h"
#include "test_util.h"

namespace {

using nlohmann::json;
using reel::testing::run_command;
using reel::testing::TempDir;

const char* const kRowKeys[] = {"reel_lossless",       "reel_lossy",  "reel_lossless_mvsqlite",
                                "reel_lossy_mvsqlite", "mcap",        "rosbag2_style",
                                "full_state",          "storevar_lz4"};

struct McapCounts {
  int64_t messages = 0;
  int64_t channels = 1;  // "/events"
};

// What the MCAP file must hold, counted from the generator itself: per frame one message per
// entity spawned or changed, one per despawn, one per event; one channel per entity spawned.
McapCounts expected_mcap(const reel::samples::CrowdOptions& options, int64_t frames) {
  reel::samples::CrowdGenerator crowd(options);
  reel::Frame frame;
  McapCounts counts;
  for (int64_t i = 0; i < frames; ++i) {
    crowd.next(frame);
    std::unordered_set<reel::EntityId> touched;
    for (const auto& spawn : frame.spawns) touched.insert(spawn.entity);
    for (const auto& change : frame.changes) touched.insert(change.entity);
    counts.messages +=
        static_cast<int64_t>(touched.size() + frame.despawns.size() + frame.events.size());
    counts.channels += static_cast<int64_t>(frame.spawns.size());
  }
  return counts;
}

}  // namespace

TEST_CASE("reel bench compare runs every row, the scaling runs and the plots on a tiny workload",
          "[compare]") {
  TempDir dir;
  const std::string recordings = dir.file("recordings"), plots = dir.file("plots");
  const auto result = run_command(
      std::string(REEL_BINARY) +
      " bench compare --frames 150 --players 4 --props 12 --samples 5 --budget 1"
      " --scaling --scale-players 2,4 --scale-players-duration 1s --scale-durations 1s,2s"
      " --scale-rows reel_lossless,mcap,rosbag2_style --baseline-max 1s --scale-samples 3"
      " --scale-budget 0.5 --json --dir " +
      recordings + " --report " + dir.file("report.json") + " --plot " + plots + " 2>&1");
  INFO(result.out);
  REQUIRE(result.exit_code == 0);
  std::ifstream in(dir.file("report.json"));
  const json report = json::parse(in);

  const json& rows = report["comparison"]["rows"];
  std::set<std::string> seen;
  for (const json& row : rows) {
    INFO(row.dump());
    seen.insert(row["key"].get<std::string>());
    CHECK(row["ok"].get<bool>());
    CHECK(row["bytes"].get<int64_t>() > 0);
    CHECK(row["bytes_per_frame"].get<double>() > 0);
    CHECK(row["record_peak_rss_kb"].get<int64_t>() > 0);
    CHECK(row["replay_peak_rss_kb"].get<int64_t>() > 0);
    for (const char* figure : {"seek_cold", "seek_warm", "step_back"}) {
      CHECK(row[figure]["n"].get<int>() > 0);
    }
    CHECK(row["forward_frames"].get<int64_t>() > 0);
    CHECK(row.contains("recovery_ms"));
  }
  CHECK(seen == std::set<std::string>(std::begin(kRowKeys), std::end(kRowKeys)));
  CHECK(report["comparison"]["workload"]["frames"].get<int64_t>() == 150);

  // The machine's limits, and each Reel row against them.
  for (const char* limit : {"memcpy_gbps", "zstd1_compress_mbps", "zstd1_decompress_mbps",
                            "xxh3_gbps", "sqlite_blob_mbps", "raw_bytes_per_frame"}) {
    INFO(limit);
    CHECK(report["limits"][limit].get<double>() > 0);
  }
  CHECK(report["fractions"].size() == 4);

  // The MCAP file, read back by @mcap/core's indexed reader: every message, through the index.
  reel::samples::CrowdOptions crowd{.players = 4, .props = 12};
  const auto verify =
      run_command("node " + std::string(REEL_SOURCE_DIR) +
                  "/tools/bench/mcap/mcap_bench.mjs verify " + recordings + "/mcap.mcap");
  INFO(verify.out);
  REQUIRE(verify.exit_code == 0);
  const json mcap = json::parse(verify.out);
  const McapCounts expected = expected_mcap(crowd, 150);
  CHECK(mcap["messages"].get<int64_t>() == expected.messages);
  CHECK(mcap["statistics_messages"].get<int64_t>() == mcap["messages"].get<int64_t>());
  CHECK(mcap["chunk_indexes"].get<int>() > 0);
  CHECK(mcap["message_index_entries"].get<int>() > 0);
  CHECK(mcap["compressions"] == json::array({"zstd"}));
  CHECK(mcap["ordered"].get<bool>());
  CHECK(mcap["channels"].get<int64_t>() == expected.channels);

  // Scaling: two player counts, two durations; past --baseline-max only Reel's rows run.
  REQUIRE(report["scaling"]["players"].size() == 2);
  REQUIRE(report["scaling"]["duration"].size() == 2);
  CHECK(report["scaling"]["players"][1]["rows"].size() == 3);
  CHECK(report["scaling"]["duration"][0]["rows"].size() == 3);
  const json& longer = report["scaling"]["duration"][1]["rows"];
  REQUIRE(longer.size() == 1);
  CHECK(longer[0]["key"] == "reel_lossless");

  for (const char* plot : {"compare", "scaling_players", "scaling_duration"}) {
    for (const char* extension : {".svg", ".png"}) {
      const auto path = std::filesystem::path(plots) / (std::string(plot) + extension);
      INFO(path);
      REQUIRE(std::filesystem::exists(path));
      CHECK(std::filesystem::file_size(path) > 1000);
    }
  }
}

TEST_CASE("reel bench compare names an unknown row and the rows it knows", "[compare]") {
  const auto result =
      run_command(std::string(REEL_BINARY) + " bench compare --frames 10 --rows reel,mcap 2>&1");
  CHECK(result.exit_code == 2);
  CHECK_THAT(result.out, Catch::Contains("--rows: unknown row 'reel'"));
  CHECK_THAT(result.out, Catch::Contains("storevar_lz4"));
}
